// The small news corpus the browser tests index, and the patchwork they trace.
// Shared by ui.test.mjs (real server) and mock-server.mjs (UI development only).

export const ARTICLES = [
  {
    id: 'reuters-2015-09-20-syria',
    title: 'Russia builds up forces in Syria',
    text:
      'Russia ramps up its military presence in Syria in support of President Bashar Assad. ' +
      'Officials in Washington said the deployment included fighter jets, tanks and several ' +
      'hundred marines at an airfield near Latakia. Putin and Obama are scheduled to meet on ' +
      'the sidelines of the UN General Assembly in New York next week.',
    date: '2015-09-20',
    source: 'Reuters',
    url: 'https://example.com/reuters/2015/09/20/syria',
  },
  {
    id: 'ap-2015-09-21-storm',
    title: 'Storm knocks out power along the coast',
    text:
      'A powerful storm battered the eastern coast on Tuesday, knocking out power to more than ' +
      'forty thousand homes. Emergency crews worked through the night to clear fallen trees ' +
      'from the main roads. The weather service said the rain would ease by Thursday morning.',
    date: '2015-09-21',
    source: 'Associated Press',
    url: 'https://example.com/ap/2015/09/21/storm',
  },
  {
    id: 'cnn-2015-09-23-markets',
    title: 'Stocks slide on China worries',
    text:
      'Stocks fell sharply on Wednesday as investors worried about slowing growth in China. ' +
      'The Dow Jones industrial average closed down 204 points, its worst day in two weeks. ' +
      'Oil prices also dropped as traders bet on weaker demand from Asian factories.',
    date: '2015-09-23',
    source: 'CNN',
    url: 'https://example.com/cnn/2015/09/23/markets',
  },
  {
    id: 'ap-2015-10-01-senate',
    title: 'Senate averts shutdown',
    text:
      '“We’re relieved,” said Senator José Álvarez of New Mexico after the vote. The Senate ' +
      'passed the spending bill by a vote of 68 to 30 late on Wednesday, averting a government ' +
      'shutdown hours before the deadline. The measure keeps federal agencies funded through ' +
      'mid-December and sets up another fight over the debt ceiling.',
    date: '2015-10-01',
    source: 'Associated Press',
    url: 'https://example.com/ap/2015/10/01/senate',
  },
  {
    id: 'guardian-2015-10-02-climate',
    title: 'Climate talks open with pledges from 150 nations',
    text:
      'Negotiators from more than 150 countries gathered in Bonn on Friday to prepare the ' +
      'draft of a global climate agreement. Several delegations said the pledges submitted ' +
      'so far would not keep warming below two degrees. The final text is due to be signed ' +
      'in Paris in December.',
    date: '2015-10-02',
    source: 'The Guardian',
    url: 'https://example.com/guardian/2015/10/02/climate',
  },
  {
    id: 'dailyblog-2015-10-04-shutdown',
    title: 'Shutdown drama ends (for now)',
    text:
      'The Senate passed the spending bill by a vote of 68 to 30 late on Wednesday, averting ' +
      'a government shutdown hours before the deadline. The measure keeps federal agencies ' +
      'funded through mid-December and sets up another fight over the debt ceiling. Our ' +
      'readers already know what we think about the whole circus in the capital.',
    date: '2015-10-04',
    source: 'Daily Blog',
    url: 'https://example.com/dailyblog/2015/10/04/shutdown',
  },
  {
    id: 'reuters-2015-09-25-port',
    title: 'Ministry weighs overnight fees at the port',
    text:
      'The transport ministry is weighing new fees for cargo ships that stay overnight in the ' +
      'harbour of Piraeus. A spokesman for the ministry did not immediately respond to a request ' +
      'for comment. Port operators expect a decision before the end of the year.',
    date: '2015-09-25',
    source: 'Reuters',
    url: 'https://example.com/reuters/2015/09/25/port',
  },
];

/// JSON Lines of the corpus, as `unspun index` reads it.
export function corpusJsonl() {
  return ARTICLES.map((a) => JSON.stringify(a) + '\n').join('');
}

/// A patchwork: one sentence of Reuters spun ("Russia" → "Russian Federation") and one verbatim,
/// two sentences of the AP storm story, and one sentence of its own.
export const PATCHWORK = {
  title: 'Week in review: Syria and the storm',
  date: '2015-10-10',
  text:
    'Russian Federation ramps up its military presence in Syria in support of President ' +
    'Bashar Assad. Officials in Washington said the deployment included fighter jets, tanks ' +
    'and several hundred marines at an airfield near Latakia. A powerful storm battered the ' +
    'eastern coast on Tuesday, knocking out power to more than forty thousand homes. ' +
    'Emergency crews worked through the night to clear fallen trees from the main roads. ' +
    'Our correspondent could not reach anyone at the embassy for comment on Friday.',
  spunSentence: 'Russian Federation ramps up',
  originalSentence: 'Our correspondent could not reach',
  sources: [
    { id: 'reuters-2015-09-20-syria', outlet: 'Reuters' },
    { id: 'ap-2015-09-21-storm', outlet: 'Associated Press' },
  ],
};

/// An article of its own with one stock phrase ("did not immediately respond to a request for
/// comment") shared with the Reuters port story: a phrase match, too thin to count.
export const PHRASE = {
  title: 'Council delays vote on bus lanes',
  date: '2015-10-10',
  text:
    'The city council postponed its vote on the downtown bus lanes until next month after a ' +
    'long public hearing. A spokesperson for the mayor did not immediately respond to a request ' +
    'for comment. Cyclists who attended the hearing asked for protected bike paths as well.',
  phraseSentence: 'A spokesperson for the mayor',
  source: { id: 'reuters-2015-09-25-port', outlet: 'Reuters' },
};

/// Partly copied: the Guardian's title and first sentence, verbatim, and more text of its own.
export const PARTLY = {
  title: 'Climate talks open with pledges from 150 nations',
  date: '2015-10-10',
  text:
    'Negotiators from more than 150 countries gathered in Bonn on Friday to prepare the draft ' +
    'of a global climate agreement. Our reporter spent the week with fishermen on the northern ' +
    'coast, who say the sea has changed more in ten years than in the fifty before. Few of ' +
    'them had heard of the talks, and fewer still expect anything from them this winter.',
  copiedSentence: 'Negotiators from more than 150',
  source: { id: 'guardian-2015-10-02-climate', outlet: 'The Guardian' },
};

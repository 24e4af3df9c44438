// Browser tests of the unspun web UI: the real `unspun serve` on a small corpus, driven in a
// real headless Chromium through playwright-core. Run from the repository root with
// `node --test e2e/` (see e2e/README.md). Screenshots go to e2e/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { ARTICLES, PARTLY, PATCHWORK, PHRASE, corpusJsonl } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const BIN = process.env.UNSPUN_BIN || join(repo, 'target', 'debug', 'unspun');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = process.env.UNSPUN_E2E_ARTIFACTS || join(here, 'artifacts');
const READY_TIMEOUT_MS = 30000;
const TEST_TIMEOUT_MS = 90000;

let workDir;
let server;
let serverLog = '';
let baseUrl;
let context;
const pageErrors = [];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/// Waits until GET /readyz answers 200; throws (failing the suite) when the server exits or
/// does not become ready in time. There is no skip: an unreachable server is a failure.
async function waitReady(url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`unspun serve exited (${server.exitCode ?? server.signalCode}) before it was ready:\n${serverLog}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (err) {
      lastError = err.cause ? String(err.cause.code || err.cause) : String(err);
    }
    await sleep(100);
  }
  throw new Error(`unspun serve was not ready at ${url}/readyz within ${READY_TIMEOUT_MS} ms (${lastError}):\n${serverLog}`);
}

async function newPage({ colorScheme = 'light', width = 1280, height = 900 } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ colorScheme });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  return page;
}

async function shot(page, name, options = {}) {
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, ...options });
  return path;
}

/// Fills the form with an article ({title, date, text}) and traces it; resolves when the
/// verdict shows.
async function traceArticle(page, article) {
  await page.goto(`${baseUrl}/#/`);
  await page.getByLabel(/^Title/).fill(article.title);
  await page.getByLabel(/^Date/).fill(article.date);
  await page.getByLabel('Article text').fill(article.text);
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  await page.locator('#verdict h2').waitFor();
}

/// Traces the planted patchwork.
const tracePatchwork = (page) => traceArticle(page, PATCHWORK);

before(async () => {
  assert.ok(existsSync(BIN), `the unspun binary is missing at ${BIN}: run \`cargo build\` or set UNSPUN_BIN`);
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  mkdirSync(ARTIFACTS, { recursive: true });
  workDir = mkdtempSync(join(tmpdir(), 'unspun-e2e-'));
  const corpus = join(workDir, 'corpus.jsonl');
  writeFileSync(corpus, corpusJsonl());
  const index = join(workDir, 'index');
  execFileSync(BIN, ['index', '--index', index, corpus], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A cluster run of the corpus, for the corpus page's copy graph (AP → Daily Blog).
  const cluster = join(workDir, 'cluster');
  execFileSync(BIN, ['cluster', '--index', index, '--out', cluster], { stdio: ['ignore', 'pipe', 'pipe'] });

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--index', index, '--cluster', cluster, '--addr', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk) => (serverLog += chunk));
  server.stderr.on('data', (chunk) => (serverLog += chunk));
  await waitReady(baseUrl);

  context = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15000);
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(10000)]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the server embeds the three UI files', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const [path, type] of [['/', 'text/html'], ['/app.js', 'javascript'], ['/app.css', 'text/css']]) {
    const response = await fetch(`${baseUrl}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') || '', new RegExp(type), path);
    const body = await response.text();
    assert.ok(body.length > 500, `${path} is too short to be the UI`);
  }
});

test('trace a patchwork: verdict, legend, coloured sentences, progress', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl}/#/`);
  await page.getByLabel(/^Title/).fill(PATCHWORK.title);
  await page.getByLabel(/^Date/).fill(PATCHWORK.date);
  await page.getByLabel('Article text').fill(PATCHWORK.text);

  // Hold the real request back a moment so the progress state can be seen.
  let release;
  const held = new Promise((done) => (release = done));
  await page.route('**/v1/trace', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  const status = page.locator('#trace-status');
  await status.getByText('Tracing…').waitFor();
  assert.ok(await page.locator('#trace-status .spinner').isVisible(), 'a spinner shows while tracing');
  assert.ok(await page.locator('#trace-button').isDisabled(), 'the Trace button is disabled while tracing');
  await shot(page, 'light-progress.png');
  release();

  const verdict = page.locator('#verdict h2');
  await verdict.waitFor();
  await page.unroute('**/v1/trace');
  const verdictText = await verdict.textContent();
  assert.match(verdictText, /PATCHWORK of 2 origins/, verdictText);
  assert.match(verdictText, /\d+% coverage/, verdictText);
  assert.ok(await page.locator('#trace-button').isEnabled());
  assert.match(await status.textContent(), /Traced \d+ sentences/);

  const legend = page.locator('#legend');
  for (const planted of PATCHWORK.sources) {
    const item = legend.locator(`li[data-source-id="${planted.id}"]`);
    assert.equal(await item.count(), 1, `${planted.id} is in the legend`);
    const text = await item.textContent();
    assert.ok(text.includes(planted.outlet), `${planted.outlet} in ${text}`);
    assert.ok(text.includes('origin'), text);
    const link = item.getByRole('link');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await link.getAttribute('rel'), /noopener/);
    assert.equal(await link.getAttribute('href'), ARTICLES.find((a) => a.id === planted.id).url);
  }

  // Every sentence is shown, coloured by its origin: the two planted sources get different
  // colour classes, and the sentence of its own is plain.
  const sentences = page.locator('#article .sent');
  assert.equal(await sentences.count(), 5);
  const spun = page.locator('#article .sent', { hasText: PATCHWORK.spunSentence });
  const storm = page.locator('#article .sent', { hasText: 'A powerful storm' });
  const own = page.locator('#article .sent', { hasText: PATCHWORK.originalSentence });
  const spunClass = await spun.getAttribute('class');
  const stormClass = await storm.getAttribute('class');
  assert.match(spunClass, /\bsourced\b/);
  assert.match(stormClass, /\bsourced\b/);
  assert.notEqual(spunClass.match(/src-\d/)[0], stormClass.match(/src-\d/)[0], 'two origins, two colours');
  assert.match(await own.getAttribute('class'), /\boriginal\b/);
  const background = (loc) => loc.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(await background(spun), await background(storm));
  assert.equal(await own.getAttribute('tabindex'), '0');

  await shot(page, 'light-trace.png', { fullPage: true });
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('side-by-side view of a spun sentence; keyboard access', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await tracePatchwork(page);
  const dialog = page.locator('#detail');

  // Click the spun sentence: the detail shows the query and the source with the spin marked.
  await page.locator('#article .sent', { hasText: PATCHWORK.spunSentence }).click();
  await dialog.waitFor({ state: 'visible' });
  const marked = dialog.locator('.side-query mark.d-sub');
  assert.deepEqual(await marked.allTextContents(), ['Russian Federation']);
  assert.deepEqual(await dialog.locator('.side-source mark.d-sub').allTextContents(), ['Russia']);
  const pairs = await dialog.locator('.spins li').allTextContents();
  assert.deepEqual(pairs, ['Russia → Russian Federation']);
  const body = await dialog.textContent();
  assert.match(body, /kind: spun/);
  assert.match(body, /similarity: \d+%/);
  assert.match(body, /Co-copies/);
  assert.ok((await dialog.locator('.side-source').textContent()).includes('Reuters'));
  // The source document's surrounding text arrives from GET /v1/documents/{id}.
  await dialog.locator('.side-source .context', { hasText: 'Putin and Obama' }).waitFor();
  await shot(page, 'light-detail.png');

  // Escape closes it and gives focus back to the sentence.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.idx === '0');

  // Keyboard: focus the verbatim storm sentence, press Enter.
  const storm = page.locator('#article .sent', { hasText: 'A powerful storm' });
  await page.locator('#article .sent', { hasText: 'Officials in Washington' }).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.idx), '2', 'Tab moves to the next sentence');
  const outline = await storm.evaluate((el) => getComputedStyle(el).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused sentence shows a focus ring');
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.textContent(), /kind: verbatim/);
  assert.equal(await dialog.locator('.side-by-side').locator('mark.d-sub, ins.d-ins, del.d-del').count(), 0, 'a verbatim copy marks nothing');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // Space works too, and Tab reaches the sentences from the legend.
  const own = page.locator('#article .sent', { hasText: PATCHWORK.originalSentence });
  await own.focus();
  await page.keyboard.press(' ');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.textContent(), /no earlier source found/);
  await page.locator('#detail-close').click();
  await dialog.waitFor({ state: 'hidden' });

  // A source in the legend lists its sentences; one of them opens the sentence view.
  await page.locator('#legend li[data-source-id="ap-2015-09-21-storm"] .source-button').click();
  await dialog.waitFor({ state: 'visible' });
  const listed = await dialog.locator('.sentence-list li').allTextContents();
  assert.equal(listed.length, 2, listed.join('\n'));
  assert.ok(listed[0].includes('A powerful storm'));
  await dialog.locator('.sentence-list button').first().click();
  await dialog.locator('.side-by-side').waitFor();
  assert.match(await dialog.locator('#detail-heading').textContent(), /Sentence 3/);
  await page.keyboard.press('Escape');

  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('API errors are shown with their message and field', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl}/#/`);
  const error = page.locator('#trace-error');

  // Empty text: refused before any request.
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  await error.waitFor();
  assert.match(await error.textContent(), /Paste the article text/);

  // A date the server cannot parse (the date input cannot hold one, so rewrite the request):
  // the real server's 4xx error JSON is shown, and the field is marked.
  await page.route('**/v1/trace', async (route) => {
    const body = JSON.parse(route.request().postData());
    await route.continue({ postData: JSON.stringify({ ...body, date: 'soon' }) });
  });
  await page.getByLabel('Article text').fill(PATCHWORK.text);
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  await error.getByText('field: date').waitFor();
  const message = await error.textContent();
  assert.match(message, /HTTP 4\d\d/, message);
  assert.match(message, /date/, message);
  assert.equal(await page.getByLabel(/^Date/).getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('#trace-button').isEnabled());
  assert.ok(await page.locator('#result').isHidden());
  await shot(page, 'light-error.png');
  // Chromium logs the refused request itself; that one is expected.
  const unexpected = pageErrors.filter((e) => !/Failed to load resource: .* status of 422/.test(e));
  pageErrors.length = 0;
  assert.deepEqual(unexpected, []);
  await page.close();
});

test('upload a .json article fills the form', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl}/#/`);
  await page.locator('#f-file').setInputFiles({
    name: 'article.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ title: PATCHWORK.title, text: PATCHWORK.text, date: PATCHWORK.date })),
  });
  await page.locator('#trace-status', { hasText: 'Loaded article.json' }).waitFor();
  assert.equal(await page.getByLabel(/^Title/).inputValue(), PATCHWORK.title);
  assert.equal(await page.getByLabel(/^Date/).inputValue(), PATCHWORK.date);
  assert.equal(await page.getByLabel('Article text').inputValue(), PATCHWORK.text);

  await page.locator('#f-file').setInputFiles({
    name: 'article.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(`Plain headline\n\n${PATCHWORK.text}\n`),
  });
  await page.locator('#trace-status', { hasText: 'Loaded article.txt' }).waitFor();
  assert.equal(await page.getByLabel(/^Title/).inputValue(), 'Plain headline');
  assert.ok((await page.getByLabel('Article text').inputValue()).startsWith('Russian Federation'));
  await page.close();
});

test('corpus page: stats, top outlets, search and a document', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl}/#/corpus`);
  const stats = page.locator('#stats');
  await stats.locator('dd').first().waitFor();
  const statsText = await stats.textContent();
  assert.match(statsText, new RegExp(`Documents\\s*${ARTICLES.length}`), statsText);
  assert.match(statsText, /Outlets\s*5/, statsText);
  assert.match(statsText, /2015-09-20 – 2015-10-04/, statsText);
  assert.match(await page.locator('#top-outlets').textContent(), /Associated Press\s*2/);
  assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Corpus');

  await page.getByLabel('Search by id or title').fill('storm');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const result = page.locator('#search-results button', { hasText: 'Storm knocks out power along the coast' });
  await result.waitFor();
  assert.match(await result.textContent(), /Associated Press/);
  await result.click();
  const doc = page.locator('#document');
  await doc.locator('h2', { hasText: 'Storm knocks out power along the coast' }).waitFor();
  const docText = await doc.textContent();
  assert.match(docText, /Associated Press · 2015-09-21/);
  assert.ok(docText.includes('Emergency crews worked through the night'));
  await shot(page, 'light-corpus.png', { fullPage: true });

  // By id.
  await page.getByLabel('Search by id or title').fill('reuters-2015-09-20-syria');
  await page.keyboard.press('Enter');
  await page.locator('#search-results button', { hasText: 'Russia builds up forces in Syria' }).waitFor();
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('dark theme and a 375 px phone: screenshots, no sideways scrolling', { timeout: TEST_TIMEOUT_MS }, async () => {
  const dark = await newPage({ colorScheme: 'dark' });
  await tracePatchwork(dark);
  const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(246, 247, 249)', 'the dark theme applies');
  await shot(dark, 'dark-trace.png', { fullPage: true });
  await dark.locator('#article .sent', { hasText: PATCHWORK.spunSentence }).click();
  await dark.locator('#detail .spins').waitFor();
  await shot(dark, 'dark-detail.png');
  await dark.keyboard.press('Escape');
  await dark.goto(`${baseUrl}/#/corpus`);
  await dark.locator('#stats dd').first().waitFor();
  await shot(dark, 'dark-corpus.png', { fullPage: true });
  await dark.close();

  const phone = await newPage({ width: 375, height: 812 });
  await tracePatchwork(phone);
  const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await overflow(), 0, 'the trace page fits 375 px');
  await shot(phone, 'phone-trace.png', { fullPage: true });
  await phone.locator('#article .sent', { hasText: PATCHWORK.spunSentence }).click();
  await phone.locator('#detail .spins').waitFor();
  const box = await phone.locator('#detail').boundingBox();
  assert.ok(box.width <= 375, `the dialog fits the phone (${box.width} px)`);
  await shot(phone, 'phone-detail.png');
  await phone.keyboard.press('Escape');
  await phone.goto(`${baseUrl}/#/corpus`);
  await phone.locator('#stats dd').first().waitFor();
  assert.equal(await overflow(), 0, 'the corpus page fits 375 px');
  await shot(phone, 'phone-corpus.png', { fullPage: true });
  await phone.close();
  assert.deepEqual(pageErrors, []);
});

/// The computed style of a locator's element: {background, color, borderBottom}.
const looks = (loc) => loc.evaluate((el) => {
  const s = getComputedStyle(el);
  return { background: s.backgroundColor, color: s.color, border: `${s.borderBottomStyle} ${s.borderBottomColor}` };
});

test('issue 14: a stock phrase is a grey phrase match, not a source; the legend names every mark', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await traceArticle(page, PHRASE);
  const verdictText = await page.locator('#verdict h2').textContent();
  assert.match(verdictText, /^ORIGINAL/, verdictText);
  assert.match(await page.locator('#verdict .left-out').textContent(), /1 phrase match \(too thin to count\)/);

  const phrase = page.locator('#article .sent', { hasText: PHRASE.phraseSentence });
  assert.match(await phrase.getAttribute('class'), /\bphrase_match\b/);
  assert.doesNotMatch(await phrase.getAttribute('class'), /\bsourced\b|src-\d/, 'no source colour');
  assert.match(await phrase.getAttribute('title'), /phrase match with Reuters: too thin to count/);
  assert.equal(await phrase.locator('sup').count(), 0, 'no source number');
  // Neutral: a grey tint, dotted; not the colour of a source, not red.
  const look = await looks(phrase);
  const own = await looks(page.locator('#article .sent', { hasText: 'Cyclists who attended' }));
  assert.notEqual(look.background, own.background, 'a phrase match is marked');
  assert.match(look.border, /^dotted/, look.border);
  const [r, g, b] = look.background.match(/\d+/g).map(Number);
  assert.ok(Math.max(r, g, b) - Math.min(r, g, b) <= 12, `a grey background (${look.background})`);

  // The source list says it supplies only a phrase match, and so does the key.
  const item = page.locator(`#legend li[data-source-id="${PHRASE.source.id}"]`);
  assert.match(await item.textContent(), /phrase match only/);
  assert.match(await item.textContent(), /1 phrase match \(not counted\)/);
  const key = page.locator('.key');
  for (const words of ['taken from the source', 'a shared quotation', 'phrase match: too thin to count', 'no earlier source found', 'boilerplate or the title again']) {
    assert.equal(await key.locator('li', { hasText: words }).count(), 1, `the key explains: ${words}`);
  }
  assert.match((await looks(key.locator('.sent-sample.quoted'))).border, /^dashed/, 'the quotation sample is dashed');
  assert.equal((await looks(key.locator('.sent-sample.phrase_match'))).background, look.background, 'the key shows the same grey');

  // The title row: traced on its own, original here.
  assert.match(await page.locator('#title-trace').textContent(), /Title.*Council delays vote on bus lanes.*original/);
  await shot(page, 'light-phrase.png', { fullPage: true });

  // Its detail: side by side, with the evidence and why it does not count.
  await phrase.click();
  const dialog = page.locator('#detail');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.locator('#detail-heading').textContent(), /Sentence 2: a phrase match/);
  assert.match(await dialog.locator('.badges').textContent(), /phrase match: not counted/);
  const evidence = await dialog.locator('.evidence').textContent();
  assert.match(evidence, /Phrase match: too thin to count as a source\. Only 4 shared content words/, evidence);
  assert.match(evidence, /no sentence nearby from the same document/, evidence);
  assert.ok((await dialog.locator('.side-source').textContent()).includes('A spokesman for the ministry'));
  await shot(page, 'light-phrase-detail.png');
  await page.keyboard.press('Escape');
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 14: a partly copied article, its title traced to the source\'s title', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await traceArticle(page, PARTLY);
  const verdict = page.locator('#verdict');
  const verdictText = await verdict.locator('h2').textContent();
  assert.match(verdictText, /^Partly copied from one origin · \d+% coverage/, verdictText);
  assert.match(await verdict.getAttribute('class'), /\bverdict-partly_copied\b/);
  const colours = await verdict.evaluate((el) => [getComputedStyle(el).borderLeftColor, getComputedStyle(el.querySelector('.kind')).color]);
  assert.equal(colours[0], colours[1], 'the banner and its word share the verdict colour');
  for (const other of ['rgb(185, 28, 28)', 'rgb(180, 83, 9)', 'rgb(21, 128, 61)']) {
    assert.notEqual(colours[0], other, 'its own colour, not copy, patchwork or original');
  }
  assert.match(await page.locator('#trace-status').textContent(), /Partly copied/);

  // The title row: sourced, from the Guardian's title, and it opens its own detail.
  const row = page.locator('#title-trace');
  assert.ok(await row.isVisible());
  const rowText = await row.textContent();
  assert.match(rowText, /from The Guardian \(source 1\), its title, verbatim/, rowText);
  const titleSpan = row.locator('.sent');
  assert.match(await titleSpan.getAttribute('class'), /\bsourced\b.*\bsrc-0\b/);
  const legend = page.locator(`#legend li[data-source-id="${PARTLY.source.id}"]`);
  assert.match(await legend.textContent(), /1 sentence, the title/);
  await shot(page, 'light-partly.png', { fullPage: true });

  await titleSpan.click();
  const dialog = page.locator('#detail');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.locator('#detail-heading').textContent(), /The title and its source/);
  assert.match(await dialog.locator('.side-source h3').textContent(), /The Guardian \(its title\)/);
  assert.match(await dialog.locator('.facts').textContent(), /characters 0–48 of its title/);
  const evidence = await dialog.locator('.evidence').textContent();
  assert.match(evidence, /Counts as a source\./, evidence);
  assert.match(evidence, /body has sentences from this source/, evidence);
  await shot(page, 'light-title-detail.png');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // A copied sentence's detail shows its evidence too.
  await page.locator('#article .sent', { hasText: PARTLY.copiedSentence }).click();
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.locator('.evidence').textContent(), /Counts as a source\. 11 shared content words/);
  await page.keyboard.press('Escape');
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 14: phrase match, partly copied and title in the dark theme and on a phone', { timeout: TEST_TIMEOUT_MS }, async () => {
  const dark = await newPage({ colorScheme: 'dark' });
  await traceArticle(dark, PARTLY);
  await shot(dark, 'dark-partly.png', { fullPage: true });
  await traceArticle(dark, PHRASE);
  const phrase = dark.locator('#article .sent', { hasText: PHRASE.phraseSentence });
  const [r, g, b] = (await looks(phrase)).background.match(/\d+/g).map(Number);
  assert.ok(r < 80 && g < 80 && b < 80, 'a dark grey in the dark theme');
  await shot(dark, 'dark-phrase.png', { fullPage: true });
  await phrase.click();
  await dark.locator('#detail .evidence').waitFor();
  await shot(dark, 'dark-phrase-detail.png');
  await dark.keyboard.press('Escape');
  await dark.close();

  const phone = await newPage({ width: 375, height: 812 });
  const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await traceArticle(phone, PARTLY);
  assert.equal(await overflow(), 0, 'the partly copied trace fits 375 px');
  await shot(phone, 'phone-partly.png', { fullPage: true });
  await phone.locator('#title-trace .sent').click();
  await phone.locator('#detail .evidence').waitFor();
  await shot(phone, 'phone-title-detail.png');
  await phone.keyboard.press('Escape');
  await traceArticle(phone, PHRASE);
  assert.equal(await overflow(), 0, 'the phrase-match trace fits 375 px');
  await shot(phone, 'phone-phrase.png', { fullPage: true });
  await phone.locator('#article .sent', { hasText: PHRASE.phraseSentence }).click();
  await phone.locator('#detail .evidence').waitFor();
  const box = await phone.locator('#detail').boundingBox();
  assert.ok(box.width <= 375, `the dialog fits the phone (${box.width} px)`);
  await shot(phone, 'phone-phrase-detail.png');
  await phone.close();
  assert.deepEqual(pageErrors, []);
});

// ---- issue 16: reports people read and share ------------------------------------------------

test('issue 16: every sentence shows its kind; the key names every mark; the header names the corpus', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await tracePatchwork(page);
  // The corpus in the header: the index folder's name and its size.
  const badge = page.locator('#corpus-badge');
  await badge.waitFor();
  assert.match(await badge.textContent(), new RegExp(`^index · ${ARTICLES.length} documents · 5 outlets$`));

  // A tag after every sentence, without a click: the spun one says spun, the own one original.
  const sentences = page.locator('#article .sent');
  const tags = page.locator('#article .sent + .kind-tag');
  assert.equal(await tags.count(), await sentences.count(), 'one tag per sentence');
  const tagOf = (needle) => page.locator('#article .sent', { hasText: needle }).locator('xpath=following-sibling::span[1]');
  assert.equal(await tagOf(PATCHWORK.spunSentence).textContent(), 'spun');
  assert.equal(await tagOf('Officials in Washington').textContent(), 'verbatim');
  assert.equal(await tagOf(PATCHWORK.originalSentence).textContent(), 'original');
  assert.ok(await tagOf(PATCHWORK.spunSentence).isVisible());

  // The key explains the kind tags and the comparison's marks.
  const key = page.locator('.key');
  for (const words of ['how the sentence was taken', 'verbatim', 'spun', 'edited', 'reordered', 'paraphrased', 'quote']) {
    assert.match(await key.textContent(), new RegExp(words), `the key explains: ${words}`);
  }
  assert.equal(await key.locator('mark.d-sub').count(), 1);
  assert.equal(await key.locator('ins.d-ins').count(), 1);
  assert.equal(await key.locator('del.d-del').count(), 1);
  await shot(page, 'light-kinds.png', { fullPage: true });
  assert.deepEqual(pageErrors, []);
  await page.close();
});

/// Clicks "Download report" and returns the saved page's path and text.
async function downloadReport(page, name) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download report' }).click(),
  ]);
  const path = join(ARTIFACTS, name);
  await download.saveAs(path);
  assert.equal(download.suggestedFilename(), name);
  const { readFileSync } = await import('node:fs');
  return { path, html: readFileSync(path, 'utf8') };
}

test('issue 16: "Download report" saves one self-contained HTML page, escaped, light, dark, phone and print', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  const hostile = {
    ...PATCHWORK,
    title: 'Review <img src=x onerror=alert(1)> & "quotes"',
    text: `${PATCHWORK.text} He wrote <script>alert("x")</script> here. שלום עולם 👋🏽 end.`,
  };
  await traceArticle(page, hostile);
  const { path, html } = await downloadReport(page, 'unspun-report-review-img-src-x-onerror-alert-1-quotes.html');
  assert.match(await page.locator('#share-status').textContent(), /Saved .*offline/);
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!/<script/i.test(html), 'no script in the page');
  assert.ok(!html.includes('<img'), 'markup of the text stays text');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('שלום עולם 👋🏽'));
  assert.ok(html.length < 200000, `bounded: ${html.length} bytes`);

  // Opened from disk, with the network cut: everything shows, nothing is requested.
  const offline = await newPage();
  const requests = [];
  offline.on('request', (request) => {
    if (!request.url().startsWith('file:')) requests.push(request.url());
  });
  await offline.goto(`file://${path}`);
  assert.deepEqual(requests, []);
  assert.match(await offline.locator('#verdict').textContent(), /Patchwork of 2 origins/i);
  assert.equal(await offline.locator('.sources > li').count(), 2);
  // Every sentence with a source has its side-by-side; the spin is marked on both sides.
  const sbs = offline.locator('article.sbs');
  assert.equal(await sbs.count(), 4);
  const spun = offline.locator('article.sbs', { hasText: 'Russian Federation' });
  assert.deepEqual(await spun.locator('.side:not(.side-source) mark.d-sub').allTextContents(), ['Russian Federation']);
  assert.deepEqual(await spun.locator('.side-source mark.d-sub').allTextContents(), ['Russia']);
  assert.equal(await offline.locator('.article .tag', { hasText: 'spun' }).count(), 1);
  // A tag links to its side-by-side.
  await offline.locator('.article a.tag', { hasText: 'spun' }).click();
  assert.match(offline.url(), /#d-s1$/);
  await shot(offline, 'light-report.png', { fullPage: true });
  await offline.emulateMedia({ colorScheme: 'dark' });
  await shot(offline, 'dark-report.png', { fullPage: true });
  await offline.emulateMedia({ colorScheme: 'light', media: 'print' });
  await shot(offline, 'print-report.png', { fullPage: true });
  await offline.close();

  const phone = await newPage({ width: 375, height: 812 });
  await phone.goto(`file://${path}`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
  await shot(phone, 'phone-report.png', { fullPage: true });
  await phone.close();

  // A report over the server's body limit (413): the server traces the article again and
  // renders the page itself.
  await page.route('**/v1/report', (route) => route.fulfill({
    status: 413,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'payload_too_large', message: 'the request body exceeds the limit', field: 'body' } }),
  }));
  const again = await downloadReport(page, 'unspun-report-review-img-src-x-onerror-alert-1-quotes.html');
  await page.unroute('**/v1/report');
  assert.equal((again.html.match(/<article class="sbs/g) || []).length, 4, 'the same side-by-sides');
  const unexpected = pageErrors.filter((e) => !/Failed to load resource: .* status of 413/.test(e));
  pageErrors.length = 0;
  assert.deepEqual(unexpected, []);
  await page.close();
});

test('issue 16: a permalink holds the article and traces it again; a too long article says so', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await tracePatchwork(page);
  const verdict = await page.locator('#verdict h2').textContent();
  await page.getByRole('button', { name: 'Link to this trace' }).click();
  const field = page.locator('#share-url');
  await field.waitFor();
  const link = await field.inputValue();
  assert.match(link, /#\/t\/1\.[A-Za-z0-9_-]+$/);
  assert.ok(link.length < 8000, `${link.length} characters`);
  assert.equal(page.url(), link, 'the address bar holds the link too');
  await shot(page, 'light-permalink.png');

  // Opened in a fresh page: the form is filled and the trace runs by itself.
  const opened = await newPage();
  await opened.goto(link);
  await opened.locator('#verdict h2').waitFor();
  assert.equal(await opened.locator('#verdict h2').textContent(), verdict);
  assert.equal(await opened.getByLabel(/^Title/).inputValue(), PATCHWORK.title);
  assert.equal(await opened.getByLabel(/^Date/).inputValue(), PATCHWORK.date);
  assert.equal(await opened.getByLabel('Article text').inputValue(), PATCHWORK.text);
  await opened.close();

  // A broken link says so.
  const broken = await newPage();
  await broken.goto(`${baseUrl}/#/t/1.AAAA`);
  await broken.locator('#trace-error', { hasText: 'This link cannot be opened' }).waitFor();
  await broken.close();

  // An article that does not compress into a link: the page says what to do instead.
  let seed = 7;
  const letters = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return 'abcdefghijklmnopqrstuvwxyz'[seed % 26];
  };
  const words = Array.from({ length: 3000 }, () => Array.from({ length: 6 }, letters).join(''));
  // Traced from the same page: the address no longer holds the old permalink.
  await page.getByLabel(/^Title/).fill('Long');
  await page.getByLabel('Article text').fill(`${words.join(' ')}.`);
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  await page.locator('#trace-status', { hasText: 'Traced' }).waitFor();
  await page.locator('#verdict h2', { hasText: 'ORIGINAL' }).waitFor();
  assert.match(page.url(), /#\/$/, 'a new trace from the form drops the old permalink from the address');
  await page.getByRole('button', { name: 'Link to this trace' }).click();
  await page.locator('#share-status', { hasText: 'too long to travel in a link' }).waitFor();
  assert.ok(await page.locator('#share').isHidden());
  assert.match(await page.locator('#share-status').textContent(), /Download the report instead/);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 16: "Try an example" builds a patchwork from the corpus and traces it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const example = await (await fetch(`${baseUrl}/v1/example?seed=1`)).json();
  assert.ok(example.parts.length >= 2, JSON.stringify(example));
  const page = await newPage();
  await page.goto(`${baseUrl}/#/`);
  await page.getByRole('button', { name: 'Try an example' }).click();
  await page.locator('#verdict h2').waitFor();
  await page.locator('#example-note').waitFor();
  assert.equal(await page.getByLabel('Article text').inputValue(), example.text);
  assert.equal(await page.getByLabel(/^Title/).inputValue(), 'Example patchwork 1');
  const note = await page.locator('#example-note').textContent();
  for (const part of example.parts) {
    assert.ok(note.includes(part.outlet), `${part.outlet} in ${note}`);
    // unspun finds every part it was built from.
    assert.equal(await page.locator(`#legend li[data-source-id="${part.id}"]`).count(), 1, part.id);
  }
  assert.match(await page.locator('#verdict h2').textContent(), /PATCHWORK/);
  await shot(page, 'light-example.png', { fullPage: true });
  // The next click builds another example.
  await page.getByRole('button', { name: 'Try an example' }).click();
  await page.locator('#example-note', { hasText: 'Example 2' }).waitFor();
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 16: uploading an .html page fills the form with its article', { timeout: TEST_TIMEOUT_MS }, async () => {
  const storm = ARTICLES.find((a) => a.id === 'ap-2015-09-21-storm');
  const pageHtml = `<!doctype html><html><head><title>${storm.title} | News</title>
    <meta property="article:published_time" content="2015-10-05"></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
    <article><h1>${storm.title}</h1><p>${storm.text}</p></article>
    <footer>Copyright News Ltd. All rights reserved.</footer></body></html>`;
  const page = await newPage();
  await page.goto(`${baseUrl}/#/`);
  await page.locator('#f-file').setInputFiles({ name: 'storm.html', mimeType: 'text/html', buffer: Buffer.from(pageHtml) });
  await page.locator('#trace-status', { hasText: 'Loaded storm.html' }).waitFor();
  const text = await page.getByLabel('Article text').inputValue();
  assert.ok(text.includes('Emergency crews worked through the night'), text);
  assert.ok(!/Home|Copyright|</.test(text), `navigation and markup left out: ${text}`);
  await page.getByRole('button', { name: 'Trace', exact: true }).click();
  await page.locator('#verdict h2').waitFor();
  assert.equal(await page.locator('#legend li[data-source-id="ap-2015-09-21-storm"]').count(), 1);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 16: the whole article next to a source, passages joined by lines', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await tracePatchwork(page);
  const compare = page.locator('#compare');
  await compare.waitFor();
  const select = page.getByLabel('Source', { exact: true });
  assert.equal(await select.locator('option').count(), 2);
  // Reuters first: its two sentences are numbered on both sides and joined by two lines.
  await page.locator('#compare-doc .cmp').first().waitFor();
  assert.deepEqual(await page.locator('#compare-article .cmp .cmp-n').allTextContents(), ['1', '2']);
  assert.deepEqual(await page.locator('#compare-doc .cmp .cmp-n').allTextContents(), ['1', '2']);
  assert.ok((await page.locator('#compare-doc').textContent()).includes('Putin and Obama'), 'the whole source is shown');
  assert.equal(await page.locator('#compare-lines path').count(), 2);
  await compare.screenshot({ path: join(ARTIFACTS, 'light-compare.png') });

  // The AP story: its two sentences.
  const ap = await select.locator('option', { hasText: 'Associated Press' }).getAttribute('value');
  await select.selectOption(ap);
  await page.locator('#compare-source-heading', { hasText: 'Associated Press' }).waitFor();
  await page.locator('#compare-doc .cmp').first().waitFor();
  assert.deepEqual(await page.locator('#compare-article .cmp .cmp-n').allTextContents(), ['3', '4']);
  assert.equal(await page.locator('#compare-lines path').count(), 2);

  const dark = await newPage({ colorScheme: 'dark' });
  await tracePatchwork(dark);
  await dark.locator('#compare-doc .cmp').first().waitFor();
  await dark.locator('#compare').screenshot({ path: join(ARTIFACTS, 'dark-compare.png') });
  await dark.close();

  // On a phone the columns stack; the numbers pair them and no line is drawn.
  const phone = await newPage({ width: 375, height: 812 });
  await tracePatchwork(phone);
  await phone.locator('#compare-doc .cmp').first().waitFor();
  assert.equal(await phone.locator('#compare-lines path').count(), 0);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
  await shot(phone, 'phone-compare.png', { fullPage: true });
  await phone.close();
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('issue 16: browse the corpus by outlet and date; an outlet\'s copy graph drawn', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl}/#/corpus`);
  const outlet = page.getByLabel('Outlet', { exact: true });
  await outlet.locator('option', { hasText: 'Associated Press (2)' }).waitFor({ state: 'attached' });
  assert.equal(await outlet.locator('option').count(), 6, 'all outlets and the five outlets');

  // An outlet alone, no search words: its documents, newest first.
  await outlet.selectOption('Associated Press');
  const status = page.locator('#search-status');
  await status.getByText('2 results for Associated Press.').waitFor();
  assert.deepEqual(await page.locator('#search-results .r-title').allTextContents(),
    ['Senate averts shutdown', 'Storm knocks out power along the coast']);
  assert.ok(await page.locator('#more-button').isHidden(), 'everything is shown: no "Show more"');

  // Its copy graph: the Daily Blog took its text; one arrow out, none in.
  const graph = page.locator('#graph-card');
  await graph.locator('svg.graph-svg').waitFor();
  assert.equal(await graph.locator('h2').textContent(), 'Copy graph of Associated Press');
  assert.equal(await graph.locator('path.graph-edge.out').count(), 1);
  assert.equal(await graph.locator('path.graph-edge.in').count(), 0);
  assert.match(await graph.locator('.graph-lists').textContent(), /Its text taken by\s*Daily Blog took: 1 link · 245 characters · median 3\.0 days later/);
  await shot(page, 'light-graph.png', { fullPage: true });

  // Following the edge browses the Daily Blog: it takes from AP.
  await graph.getByRole('button', { name: 'Daily Blog' }).click();
  await status.getByText('1 result for Daily Blog.').waitFor();
  await graph.locator('h2', { hasText: 'Copy graph of Daily Blog' }).waitFor();
  await graph.locator('path.graph-edge.in').waitFor();
  assert.match(await graph.locator('.graph-facts').textContent(), /^1 document · 76% of its text taken from earlier documents/);

  // A date range over all outlets; `to` covers its day.
  await outlet.selectOption('');
  await page.getByLabel('From', { exact: true }).fill('2015-09-21');
  await page.getByLabel('To', { exact: true }).fill('2015-09-23');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await status.getByText('2 results for from 2015-09-21 to 2015-09-23.').waitFor();
  assert.deepEqual(await page.locator('#search-results .r-title').allTextContents(),
    ['Stocks slide on China worries', 'Storm knocks out power along the coast']);
  assert.ok(await graph.isHidden(), 'no outlet, no graph');

  // The top outlets list browses too.
  await page.getByLabel('From', { exact: true }).fill('');
  await page.getByLabel('To', { exact: true }).fill('');
  await page.locator('#top-outlets button', { hasText: 'Reuters' }).click();
  await status.getByText('2 results for Reuters.').waitFor();
  await graph.locator('.hint', { hasText: 'neither takes text' }).waitFor();

  const dark = await newPage({ colorScheme: 'dark' });
  await dark.goto(`${baseUrl}/#/corpus`);
  await dark.getByLabel('Outlet', { exact: true }).locator('option', { hasText: 'Daily Blog' }).waitFor({ state: 'attached' });
  await dark.getByLabel('Outlet', { exact: true }).selectOption('Daily Blog');
  await dark.locator('#graph-card svg.graph-svg').waitFor();
  await shot(dark, 'dark-graph.png', { fullPage: true });
  await dark.close();

  const phone = await newPage({ width: 375, height: 812 });
  await phone.goto(`${baseUrl}/#/corpus`);
  await phone.getByLabel('Outlet', { exact: true }).locator('option', { hasText: 'Associated Press' }).waitFor({ state: 'attached' });
  await phone.getByLabel('Outlet', { exact: true }).selectOption('Associated Press');
  await phone.locator('#graph-card svg.graph-svg').waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling of the page (${overflow}px); the picture scrolls in its frame`);
  await shot(phone, 'phone-graph.png', { fullPage: true });
  await phone.close();
  assert.deepEqual(pageErrors, []);
  await page.close();
});

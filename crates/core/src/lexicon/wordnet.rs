//! Princeton WordNet 3.0 (Debian's `wordnet-base`), parsed from the
//! text of its database files.
//!
//! Article spinners replace a word with a synonym of the same part of speech and keep its
//! inflection ("announced" → "declared", "officials" → "functionaries"). WordNet stores lemmas
//! only, so a word is first reduced to its lemmas (the `*.exc` exception lists, then WordNet's
//! "morphy" detachment rules), the part of speech is chosen from the lemma's most tagged senses
//! (the context is unknown), the synonyms are taken from its most frequent sense that has any,
//! and each synonym is inflected back the same way. Multi-word lemmas ("go_on"), proper nouns
//! and the word's own variants are skipped.
//!
//! Core does no I/O: the caller reads the files (see `unspun-bench generate --wordnet DIR`) and
//! hands their text to [`WordNet::from_sources`].

use std::collections::HashMap;

/// How many senses of a lemma are looked at, most frequent first: later senses are rare
/// meanings whose synonyms would not read as the same claim.
const MAX_SENSES: usize = 3;

/// How many of those senses may contribute synonyms: the first two that have any.
const MAX_CONTRIBUTING_SENSES: usize = 2;

/// Stop words that spinners still replace (reporting verbs); other stop words are kept.
pub const REPLACED_STOPWORDS: &[&str] = &["said", "says", "say", "saying", "told", "tell", "tells"];

/// Number words, never replaced: WordNet's synonyms of "two" ("deuce", "couple") change
/// the claim.
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "trillion",
    "dozen",
    "dozens",
    "first",
    "second",
    "third",
    "half",
];

/// The four WordNet parts of speech (satellite adjectives count as adjectives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pos {
    /// Nouns (`data.noun`).
    Noun,
    /// Verbs (`data.verb`).
    Verb,
    /// Adjectives, satellites included (`data.adj`).
    Adj,
    /// Adverbs (`data.adv`).
    Adv,
}

impl Pos {
    const ALL: [Pos; 4] = [Pos::Noun, Pos::Verb, Pos::Adj, Pos::Adv];

    fn idx(self) -> usize {
        self as usize
    }
}

/// How a word form relates to its lemma; the synonym is inflected the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inflection {
    /// The lemma itself.
    Base,
    /// A plural noun ("officials").
    Plural,
    /// A third-person singular verb ("announces").
    Third,
    /// A past tense or past participle ("announced", "taken").
    Past,
    /// A present participle ("announcing").
    Gerund,
}

/// The text of the WordNet database files, as read by the caller. An empty `index_*` text
/// makes the senses of that part of speech follow the data file's order instead of frequency.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordNetSources<'a> {
    /// `data.noun`.
    pub data_noun: &'a str,
    /// `data.verb`.
    pub data_verb: &'a str,
    /// `data.adj`.
    pub data_adj: &'a str,
    /// `data.adv`.
    pub data_adv: &'a str,
    /// `index.noun` (sense order by frequency).
    pub index_noun: &'a str,
    /// `index.verb`.
    pub index_verb: &'a str,
    /// `index.adj`.
    pub index_adj: &'a str,
    /// `index.adv`.
    pub index_adv: &'a str,
    /// `noun.exc`: irregular plurals ("children child").
    pub exc_noun: &'a str,
    /// `verb.exc`: irregular verb forms ("went go").
    pub exc_verb: &'a str,
    /// `adj.exc`: irregular comparatives (parsed, not used for inflection).
    pub exc_adj: &'a str,
    /// `adv.exc`.
    pub exc_adv: &'a str,
}

impl WordNetSources<'_> {
    /// The file names under a WordNet `dict` directory (e.g. `/usr/share/wordnet`), in the
    /// order of [`WordNetSources::from_texts`].
    pub const FILE_NAMES: [&'static str; 12] = [
        "data.noun",
        "data.verb",
        "data.adj",
        "data.adv",
        "index.noun",
        "index.verb",
        "index.adj",
        "index.adv",
        "noun.exc",
        "verb.exc",
        "adj.exc",
        "adv.exc",
    ];
}

impl<'a> WordNetSources<'a> {
    /// The sources from texts given in the order of [`WordNetSources::FILE_NAMES`].
    pub fn from_texts(texts: [&'a str; 12]) -> Self {
        let [
            data_noun,
            data_verb,
            data_adj,
            data_adv,
            index_noun,
            index_verb,
            index_adj,
            index_adv,
            exc_noun,
            exc_verb,
            exc_adj,
            exc_adv,
        ] = texts;
        WordNetSources {
            data_noun,
            data_verb,
            data_adj,
            data_adv,
            index_noun,
            index_verb,
            index_adj,
            index_adv,
            exc_noun,
            exc_verb,
            exc_adj,
            exc_adv,
        }
    }
}

/// A line of a WordNet file that could not be parsed (it is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, by its WordNet name (`data.noun`, `verb.exc`, …).
    pub file: &'static str,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Senses of one lemma (lowercase, underscores for spaces).
#[derive(Debug, Clone, Default)]
struct LemmaSenses {
    /// Synset indices per part of speech, most frequent sense first.
    synsets: [Vec<u32>; 4],
    /// How many senses are tagged in the semantic concordance, per part of speech: how much the
    /// lemma is used in that part of speech.
    tag_count: [u32; 4],
}

/// One way to read a word form: a lemma of a part of speech, inflected.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Analysis {
    pos: Pos,
    lemma: String,
    inflection: Inflection,
}

/// WordNet synonyms with inflection handling. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct WordNet {
    /// The lemmas of each synset, as written in the data files (adjective markers removed).
    synsets: Vec<Box<[Box<str>]>>,
    /// Lowercase lemma → its senses.
    lemmas: HashMap<Box<str>, LemmaSenses>,
    /// Per part of speech: irregular form → lemmas.
    exc_lemmas: [HashMap<Box<str>, Vec<Box<str>>>; 4],
    /// Per part of speech: lemma → irregular forms.
    exc_forms: [HashMap<Box<str>, Vec<Box<str>>>; 4],
}

/// The `(pos, offset)` → synset index map built while parsing.
type OffsetMap = HashMap<(Pos, u32), u32>;

impl WordNet {
    /// Parses the WordNet files. Lines that do not parse are skipped and reported; the license
    /// header (lines starting with spaces) is skipped silently.
    pub fn from_sources(sources: &WordNetSources<'_>) -> (WordNet, Vec<Problem>) {
        let mut wordnet = WordNet::default();
        let mut problems = Vec::new();
        let mut offsets = OffsetMap::new();
        let data = [
            (Pos::Noun, sources.data_noun, sources.index_noun),
            (Pos::Verb, sources.data_verb, sources.index_verb),
            (Pos::Adj, sources.data_adj, sources.index_adj),
            (Pos::Adv, sources.data_adv, sources.index_adv),
        ];
        for (pos, text, index) in data {
            let in_file_order = index.trim().is_empty();
            wordnet.parse_data(pos, text, in_file_order, &mut offsets, &mut problems);
        }
        for (pos, _, index) in data {
            wordnet.parse_index(pos, index, &offsets, &mut problems);
        }
        let exc = [
            (Pos::Noun, sources.exc_noun),
            (Pos::Verb, sources.exc_verb),
            (Pos::Adj, sources.exc_adj),
            (Pos::Adv, sources.exc_adv),
        ];
        for (pos, text) in exc {
            wordnet.parse_exceptions(pos, text, &mut problems);
        }
        (wordnet, problems)
    }

    /// Number of synsets.
    pub fn n_synsets(&self) -> usize {
        self.synsets.len()
    }

    /// Number of distinct lemmas (all parts of speech).
    pub fn n_lemmas(&self) -> usize {
        self.lemmas.len()
    }

    /// Number of irregular forms in the exception lists.
    pub fn n_exceptions(&self) -> usize {
        self.exc_lemmas.iter().map(HashMap::len).sum()
    }

    fn parse_data(
        &mut self,
        pos: Pos,
        text: &str,
        in_file_order: bool,
        offsets: &mut OffsetMap,
        problems: &mut Vec<Problem>,
    ) {
        let file = match pos {
            Pos::Noun => "data.noun",
            Pos::Verb => "data.verb",
            Pos::Adj => "data.adj",
            Pos::Adv => "data.adv",
        };
        for (line_idx, line) in text.lines().enumerate() {
            if line.starts_with(' ') || line.trim().is_empty() {
                continue;
            }
            let problem =
                |reason: &str| Problem { file, line: line_idx + 1, reason: reason.to_string() };
            let mut fields = line.split_ascii_whitespace();
            let Some(offset) = fields.next().and_then(|f| f.parse::<u32>().ok()) else {
                problems.push(problem("no synset offset"));
                continue;
            };
            let _lex_filenum = fields.next();
            let ss_type = fields.next();
            let expected = match pos {
                Pos::Noun => ss_type == Some("n"),
                Pos::Verb => ss_type == Some("v"),
                Pos::Adj => matches!(ss_type, Some("a" | "s")),
                Pos::Adv => ss_type == Some("r"),
            };
            if !expected {
                problems.push(problem("synset type does not match the file"));
                continue;
            }
            let Some(n_words) = fields.next().and_then(|f| usize::from_str_radix(f, 16).ok())
            else {
                problems.push(problem("bad word count"));
                continue;
            };
            let mut words = Vec::with_capacity(n_words);
            for _ in 0..n_words {
                let (Some(word), Some(_lex_id)) = (fields.next(), fields.next()) else { break };
                // Adjective syntactic markers: "galore(ip)", "outback(a)".
                let word = word.split_once('(').map_or(word, |(w, _)| w);
                words.push(Box::<str>::from(word));
            }
            if words.len() != n_words || n_words == 0 {
                problems.push(problem("fewer words than announced"));
                continue;
            }
            let synset_idx = u32::try_from(self.synsets.len()).unwrap_or(u32::MAX);
            offsets.insert((pos, offset), synset_idx);
            if in_file_order {
                for word in &words {
                    let senses = self.lemmas.entry(word.to_lowercase().into()).or_default();
                    if !senses.synsets[pos.idx()].contains(&synset_idx) {
                        senses.synsets[pos.idx()].push(synset_idx);
                    }
                }
            }
            self.synsets.push(words.into_boxed_slice());
        }
    }

    fn parse_index(
        &mut self,
        pos: Pos,
        text: &str,
        offsets: &OffsetMap,
        problems: &mut Vec<Problem>,
    ) {
        let file = match pos {
            Pos::Noun => "index.noun",
            Pos::Verb => "index.verb",
            Pos::Adj => "index.adj",
            Pos::Adv => "index.adv",
        };
        for (line_idx, line) in text.lines().enumerate() {
            if line.starts_with(' ') || line.trim().is_empty() {
                continue;
            }
            let problem = |reason: String| Problem { file, line: line_idx + 1, reason };
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let number = |i: usize| fields.get(i).and_then(|f| f.parse::<usize>().ok());
            let (Some(lemma), Some(n_synsets), Some(n_pointers)) =
                (fields.first(), number(2), number(3))
            else {
                problems.push(problem("too few fields".into()));
                continue;
            };
            let tag_count = number(5 + n_pointers);
            let first_offset = 6 + n_pointers;
            if tag_count.is_none() || fields.len() < first_offset + n_synsets {
                problems.push(problem("fewer synset offsets than announced".into()));
                continue;
            }
            let mut synsets = Vec::with_capacity(n_synsets);
            for field in &fields[first_offset..first_offset + n_synsets] {
                match field.parse::<u32>().ok().and_then(|o| offsets.get(&(pos, o))) {
                    Some(&idx) => synsets.push(idx),
                    None => problems.push(problem(format!("unknown synset {field}"))),
                }
            }
            let senses = self.lemmas.entry((*lemma).into()).or_default();
            senses.synsets[pos.idx()] = synsets;
            senses.tag_count[pos.idx()] = u32::try_from(tag_count.unwrap_or(0)).unwrap_or(u32::MAX);
        }
    }

    fn parse_exceptions(&mut self, pos: Pos, text: &str, problems: &mut Vec<Problem>) {
        let file = match pos {
            Pos::Noun => "noun.exc",
            Pos::Verb => "verb.exc",
            Pos::Adj => "adj.exc",
            Pos::Adv => "adv.exc",
        };
        for (line_idx, line) in text.lines().enumerate() {
            let mut fields = line.split_ascii_whitespace();
            let Some(form) = fields.next() else { continue };
            let lemmas: Vec<Box<str>> = fields.map(Box::from).collect();
            if lemmas.is_empty() {
                problems.push(Problem {
                    file,
                    line: line_idx + 1,
                    reason: format!("no lemma for {form}"),
                });
                continue;
            }
            for lemma in &lemmas {
                let forms = self.exc_forms[pos.idx()].entry(lemma.clone()).or_default();
                if !forms.iter().any(|f| **f == *form) {
                    forms.push(form.into());
                }
            }
            self.exc_lemmas[pos.idx()].entry(form.into()).or_default().extend(lemmas);
        }
    }

    /// Whether `lemma` has senses as `pos`.
    fn has(&self, pos: Pos, lemma: &str) -> bool {
        self.lemmas.get(lemma).is_some_and(|s| !s.synsets[pos.idx()].is_empty())
    }

    /// Every reading of the lowercase word form `word`: itself as a lemma, irregular forms from
    /// the exception lists, then the regular suffix rules.
    fn analyses(&self, word: &str) -> Vec<Analysis> {
        let mut out: Vec<Analysis> = Vec::new();
        let mut push = |pos: Pos, lemma: &str, inflection: Inflection| {
            let analysis = Analysis { pos, lemma: lemma.to_string(), inflection };
            if !out.contains(&analysis) {
                out.push(analysis);
            }
        };
        for pos in Pos::ALL {
            if self.has(pos, word) {
                push(pos, word, Inflection::Base);
            }
        }
        for lemma in self.exc_lemmas[Pos::Noun.idx()].get(word).into_iter().flatten() {
            if self.has(Pos::Noun, lemma) && **lemma != *word {
                push(Pos::Noun, lemma, Inflection::Plural);
            }
        }
        for lemma in self.exc_lemmas[Pos::Verb.idx()].get(word).into_iter().flatten() {
            if self.has(Pos::Verb, lemma) && **lemma != *word {
                let inflection = if word.ends_with("ing") {
                    Inflection::Gerund
                } else if third_person(lemma).as_deref() == Some(word) {
                    Inflection::Third
                } else {
                    Inflection::Past
                };
                push(Pos::Verb, lemma, inflection);
            }
        }
        const NOUN_RULES: &[(&str, &str)] = &[
            ("s", ""),
            ("ses", "s"),
            ("xes", "x"),
            ("zes", "z"),
            ("ches", "ch"),
            ("shes", "sh"),
            ("men", "man"),
            ("ies", "y"),
        ];
        const VERB_RULES: &[(&str, &str, Inflection)] = &[
            ("s", "", Inflection::Third),
            ("ies", "y", Inflection::Third),
            ("es", "e", Inflection::Third),
            ("es", "", Inflection::Third),
            ("ed", "e", Inflection::Past),
            ("ed", "", Inflection::Past),
            ("ing", "e", Inflection::Gerund),
            ("ing", "", Inflection::Gerund),
        ];
        for (suffix, ending) in NOUN_RULES {
            if let Some(stem) = word.strip_suffix(suffix).filter(|s| s.len() > 1) {
                let lemma = format!("{stem}{ending}");
                if self.has(Pos::Noun, &lemma) && lemma != word && !word.ends_with("ss") {
                    push(Pos::Noun, &lemma, Inflection::Plural);
                }
            }
        }
        for (suffix, ending, inflection) in VERB_RULES {
            let Some(stem) = word.strip_suffix(suffix).filter(|s| s.len() > 1) else { continue };
            let mut lemmas = vec![format!("{stem}{ending}")];
            // "stopped" → "stop" when verb.exc does not list it.
            let bytes = stem.as_bytes();
            if ending.is_empty()
                && matches!(*inflection, Inflection::Past | Inflection::Gerund)
                && bytes.len() >= 3
                && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
            {
                lemmas.push(stem[..stem.len() - 1].to_string());
            }
            for lemma in lemmas {
                if self.has(Pos::Verb, &lemma) && lemma != word && !word.ends_with("ss") {
                    push(Pos::Verb, &lemma, *inflection);
                }
            }
        }
        out
    }

    /// The reading used for synonyms: the one whose lemma is most used in its part of speech
    /// (tagged senses, then number of senses); earlier readings win ties.
    fn best_analysis(&self, word: &str) -> Option<Analysis> {
        let score = |a: &Analysis| {
            let senses = self.lemmas.get(a.lemma.as_str());
            let tagged = senses.map_or(0, |s| s.tag_count[a.pos.idx()]);
            let n = senses.map_or(0, |s| s.synsets[a.pos.idx()].len());
            (tagged, n)
        };
        let mut best: Option<(Analysis, (u32, usize))> = None;
        for analysis in self.analyses(word) {
            let s = score(&analysis);
            if best.as_ref().is_none_or(|(_, b)| s > *b) {
                best = Some((analysis, s));
            }
        }
        best.map(|(a, _)| a)
    }

    /// `lemma` of part of speech `pos` inflected as `inflection`, or `None` when unsure (an
    /// irregular verb with several past forms, a consonant that might double).
    pub fn inflect(&self, pos: Pos, lemma: &str, inflection: Inflection) -> Option<String> {
        let irregular = self.exc_forms[pos.idx()].get(lemma).map(Vec::as_slice).unwrap_or(&[]);
        match (pos, inflection) {
            (_, Inflection::Base) => Some(lemma.to_string()),
            (Pos::Noun, Inflection::Plural) => {
                if let Some(form) = irregular.first() {
                    return Some(form.to_string());
                }
                Some(plural(lemma))
            }
            (Pos::Verb, Inflection::Third) => {
                let s = irregular.iter().find(|f| third_person(lemma).as_deref() == Some(f));
                s.map(|f| f.to_string()).or_else(|| third_person(lemma))
            }
            (Pos::Verb, Inflection::Past) => {
                let past: Vec<&Box<str>> = irregular
                    .iter()
                    .filter(|f| !f.ends_with("ing") && third_person(lemma).as_deref() != Some(f))
                    .collect();
                match past.as_slice() {
                    [] if ends_cvc(lemma) => None,
                    [] if lemma.ends_with('e') => Some(format!("{lemma}d")),
                    [] => match consonant_y_stem(lemma) {
                        Some(stem) => Some(format!("{stem}ied")),
                        None => Some(format!("{lemma}ed")),
                    },
                    [one] => Some(one.to_string()),
                    _ => None,
                }
            }
            (Pos::Verb, Inflection::Gerund) => {
                if let Some(form) = irregular.iter().find(|f| f.ends_with("ing")) {
                    return Some(form.to_string());
                }
                if ends_cvc(lemma) {
                    None
                } else if let Some(stem) = lemma.strip_suffix("ie") {
                    Some(format!("{stem}ying"))
                } else if lemma.ends_with('e') && !lemma.ends_with("ee") && !lemma.ends_with("ye") {
                    Some(format!("{}ing", &lemma[..lemma.len() - 1]))
                } else {
                    Some(format!("{lemma}ing"))
                }
            }
            _ => None,
        }
    }

    /// The synsets of the lowercase word form `word` under every reading (lemma and part of
    /// speech), the `max_senses` most frequent senses of each, sorted and deduplicated: two
    /// words that share one are synonyms in some sense. Number words have none.
    pub fn sense_ids(&self, word: &str, max_senses: usize) -> Vec<u32> {
        if NUMBER_WORDS.contains(&word) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for analysis in self.analyses(word) {
            if let Some(senses) = self.lemmas.get(analysis.lemma.as_str()) {
                out.extend(senses.synsets[analysis.pos.idx()].iter().take(max_senses));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Synonyms of the lowercase word form `word`, inflected like it, from the first two of the
    /// three most frequent senses (of its most used part of speech) that have any; synonyms
    /// used in the semantic concordance when there are some.
    pub fn synonyms_of(&self, word: &str) -> Vec<String> {
        if NUMBER_WORDS.contains(&word) {
            return Vec::new();
        }
        let Some(analysis) = self.best_analysis(word) else { return Vec::new() };
        let Some(senses) = self.lemmas.get(analysis.lemma.as_str()) else { return Vec::new() };
        let mut out: Vec<(String, bool)> = Vec::new();
        let mut n_contributing = 0;
        for &synset_idx in senses.synsets[analysis.pos.idx()].iter().take(MAX_SENSES) {
            let n_before = out.len();
            let Some(lemmas) = self.synsets.get(synset_idx as usize) else { continue };
            for lemma in lemmas.iter() {
                let plain = lemma.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                let variant = lemma.starts_with(analysis.lemma.as_str())
                    || analysis.lemma.starts_with(&**lemma);
                if !plain || variant || lemma.len() < 2 {
                    continue;
                }
                // A synonym never seen tagged in the concordance is often archaic or rare
                // ("twelvemonth" for "year", "aught" for "nothing"): kept only when no tagged
                // one exists ("functionary" for "official").
                let used = self
                    .lemmas
                    .get(&*lemma.to_lowercase())
                    .is_some_and(|s| s.tag_count[analysis.pos.idx()] > 0);
                let Some(form) = self.inflect(analysis.pos, lemma, analysis.inflection) else {
                    continue;
                };
                if form != word && !out.iter().any(|(f, _)| *f == form) {
                    out.push((form, used));
                }
            }
            n_contributing += usize::from(out.len() > n_before);
            if n_contributing == MAX_CONTRIBUTING_SENSES {
                break;
            }
        }
        let any_used = out.iter().any(|(_, used)| *used);
        out.into_iter().filter(|(_, used)| *used || !any_used).map(|(form, _)| form).collect()
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The stem before a final "y" preceded by a consonant ("deny" → "den").
fn consonant_y_stem(word: &str) -> Option<&str> {
    let stem = word.strip_suffix('y')?;
    stem.bytes().last().filter(|b| !is_vowel(*b)).map(|_| stem)
}

/// Whether a verb ends consonant-vowel-consonant ("stop", "admit"), where English may double
/// the last consonant before "-ed"/"-ing" ("stopped") or not ("visited"): unknowable by rule.
fn ends_cvc(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 3
        && !is_vowel(b[b.len() - 1])
        && !matches!(b[b.len() - 1], b'w' | b'x' | b'y')
        && is_vowel(b[b.len() - 2])
        && !is_vowel(b[b.len() - 3])
}

/// The regular plural of a noun.
fn plural(noun: &str) -> String {
    if let Some(stem) = consonant_y_stem(noun) {
        format!("{stem}ies")
    } else if let Some(stem) = noun.strip_suffix("man") {
        format!("{stem}men")
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|s| noun.ends_with(s)) {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// The regular third-person singular of a verb.
fn third_person(verb: &str) -> Option<String> {
    Some(if let Some(stem) = consonant_y_stem(verb) {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh", "o"].iter().any(|s| verb.ends_with(s)) {
        format!("{verb}es")
    } else {
        format!("{verb}s")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written excerpt of WordNet 3.0 (real lines, shortened glosses and pointers).
    const DATA_NOUN: &str = "  1 This software and database is being provided to you\n\
10372373 18 n 02 official 0 functionary 0 000 | a worker who holds an office\n\
10372076 18 n 01 official 0 000 | someone who administers the rules of a game\n\
13329641 21 n 01 price 0 000 | the amount of money needed to buy something\n\
09918248 18 n 03 child 0 kid 0 youngster 0 000 | a young person\n\
07216083 10 n 02 announcement 0 promulgation 0 000 | a formal public statement\n";
    const DATA_VERB: &str = "\
00974385 32 v 01 announce 0 000 | make known\n\
00965889 32 v 02 announce 0 declare 0 000 | announce publicly or officially\n\
01009258 32 v 03 state 0 say 0 tell 0 000 | express in words\n\
02730813 42 v 01 price 0 000 | determine the price of\n\
01835496 38 v 03 travel 0 go 0 move 0 000 | change location\n\
01080366 33 v 02 stop 0 halt 0 000 | come to a halt\n\
01926311 38 v 02 run 0 scamper_off 0 000 | move fast by using one's feet\n";
    const DATA_ADJ: &str = "\
01632537 01 a 02 official 0 prescribed 0 000 | having official authority\n\
01464560 00 s 02 said(a) 0 aforesaid 0 000 | being the one previously mentioned\n";
    const INDEX_NOUN: &str = "  1 license header\n\
official n 2 3 @ ~ + 2 2 10372373 10372076  \n\
price n 1 1 @ 1 1 13329641  \n\
child n 1 1 @ 1 1 09918248  \n\
announcement n 1 1 @ 1 1 07216083  \n";
    const INDEX_VERB: &str = "\
announce v 2 3 @ ~ + 2 2 00974385 00965889  \n\
say v 1 1 @ 1 1 01009258  \n\
state v 1 1 @ 1 1 01009258  \n\
tell v 1 1 @ 1 1 01009258  \n\
declare v 1 1 @ 1 0 00965889  \n\
price v 1 1 @ 1 0 02730813  \n\
travel v 1 1 @ 1 1 01835496  \n\
go v 1 1 @ 1 1 01835496  \n\
move v 1 1 @ 1 1 01835496  \n\
stop v 1 1 @ 1 1 01080366  \n\
halt v 1 1 @ 1 1 01080366  \n\
run v 1 1 @ 1 1 01926311  \n";
    const INDEX_ADJ: &str = "\
official a 1 1 & 1 3 01632537  \n\
said a 1 1 & 1 0 01464560  \n";
    const EXC_NOUN: &str = "children child\n";
    const EXC_VERB: &str = "said say\ntold tell\nwent go\ngone go\nstopped stop\nran run\n";

    fn tiny() -> WordNet {
        let sources = WordNetSources {
            data_noun: DATA_NOUN,
            data_verb: DATA_VERB,
            data_adj: DATA_ADJ,
            index_noun: INDEX_NOUN,
            index_verb: INDEX_VERB,
            index_adj: INDEX_ADJ,
            exc_noun: EXC_NOUN,
            exc_verb: EXC_VERB,
            ..WordNetSources::default()
        };
        let (wordnet, problems) = WordNet::from_sources(&sources);
        assert_eq!(problems, vec![]);
        wordnet
    }

    /// The synonyms of `word`, comma-separated.
    fn check(wordnet: &WordNet, word: &str, expect: &str) {
        assert_eq!(wordnet.synonyms_of(word).join(", "), expect, "synonyms of {word}");
    }

    #[test]
    fn parses_the_excerpt() {
        let wordnet = tiny();
        assert_eq!(wordnet.n_synsets(), 14);
        assert_eq!(wordnet.n_exceptions(), 7);
        assert!(wordnet.has(Pos::Adj, "said"), "adjective marker stripped");
        assert!(wordnet.has(Pos::Noun, "official") && wordnet.has(Pos::Adj, "official"));
    }

    #[test]
    fn inflections_are_kept() {
        let wordnet = tiny();
        // The most frequent sense of "announce" has no synonym; the second has "declare".
        check(&wordnet, "announce", "declare");
        check(&wordnet, "announced", "declared");
        check(&wordnet, "announces", "declares");
        check(&wordnet, "announcing", "declaring");
        // Plural nouns: the first sense of the noun has none, the second "functionary".
        check(&wordnet, "officials", "functionaries");
        // Irregular forms from the exception lists, both ways.
        check(&wordnet, "said", "stated, told");
        check(&wordnet, "says", "states, tells");
        check(&wordnet, "children", "kids, youngsters");
        // "went" and "gone" are both past forms of "go"; "travel" may double its "l": skipped.
        check(&wordnet, "went", "moved");
        // A consonant that may double is left alone rather than guessed ("halted" is fine).
        check(&wordnet, "stopped", "halted");
        check(&wordnet, "halted", "stopped");
        // Multi-word lemmas are skipped.
        check(&wordnet, "ran", "");
        // Unknown words have none.
        check(&wordnet, "xyzzy", "");
    }

    #[test]
    fn part_of_speech_from_the_most_used_reading() {
        let wordnet = tiny();
        // "official" is an adjective (3 tagged senses) more than a noun (2).
        check(&wordnet, "official", "prescribed");
        // "prices" is a plural noun or a verb; the noun is more used, and has no synonym.
        assert_eq!(
            wordnet.best_analysis("prices"),
            Some(Analysis {
                pos: Pos::Noun,
                lemma: "price".into(),
                inflection: Inflection::Plural
            })
        );
        // "said" is read as the verb (tagged), not the rare adjective.
        assert_eq!(wordnet.best_analysis("said").map(|a| a.pos), Some(Pos::Verb));
    }

    #[test]
    fn regular_inflection_rules() {
        let wordnet = tiny();
        let inflect = |pos, lemma, inflection| wordnet.inflect(pos, lemma, inflection);
        assert_eq!(inflect(Pos::Noun, "policy", Inflection::Plural).as_deref(), Some("policies"));
        assert_eq!(inflect(Pos::Noun, "box", Inflection::Plural).as_deref(), Some("boxes"));
        assert_eq!(inflect(Pos::Noun, "chairman", Inflection::Plural).as_deref(), Some("chairmen"));
        assert_eq!(inflect(Pos::Noun, "day", Inflection::Plural).as_deref(), Some("days"));
        assert_eq!(inflect(Pos::Verb, "deny", Inflection::Past).as_deref(), Some("denied"));
        assert_eq!(inflect(Pos::Verb, "deny", Inflection::Third).as_deref(), Some("denies"));
        assert_eq!(inflect(Pos::Verb, "reach", Inflection::Third).as_deref(), Some("reaches"));
        assert_eq!(inflect(Pos::Verb, "tie", Inflection::Gerund).as_deref(), Some("tying"));
        assert_eq!(inflect(Pos::Verb, "agree", Inflection::Gerund).as_deref(), Some("agreeing"));
        assert_eq!(inflect(Pos::Verb, "make", Inflection::Gerund).as_deref(), Some("making"));
        assert_eq!(inflect(Pos::Verb, "stop", Inflection::Past).as_deref(), Some("stopped"));
        assert_eq!(inflect(Pos::Verb, "go", Inflection::Past), None, "went or gone");
        assert_eq!(inflect(Pos::Verb, "admit", Inflection::Past), None, "unknown doubling");
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let sources = WordNetSources {
            data_noun: "garbage line\n13329641 21 n 01 price 0 000 | money\n",
            data_verb: "00974385 32 n 01 announce 0 000 | wrong type\n",
            index_noun: "price n 1 1 @ 1 1 99999999\n",
            exc_verb: "lonely\n",
            ..WordNetSources::default()
        };
        let (wordnet, problems) = WordNet::from_sources(&sources);
        let found: Vec<_> = problems.iter().map(|p| (p.file, p.line)).collect();
        assert_eq!(
            found,
            vec![("data.noun", 1), ("data.verb", 1), ("index.noun", 1), ("verb.exc", 1)]
        );
        assert_eq!(wordnet.n_synsets(), 1);
    }

    /// The real database, when installed (`apt-get install wordnet-base`; `.ci/run` does).
    #[test]
    fn real_wordnet_files() {
        let dir = std::path::Path::new("/usr/share/wordnet");
        if !dir.join("data.noun").exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install wordnet-base: /usr/share/wordnet/data.noun is missing"
            );
            return;
        }
        let texts: Vec<String> = WordNetSources::FILE_NAMES
            .iter()
            .map(|name| std::fs::read_to_string(dir.join(name)).expect("readable WordNet file"))
            .collect();
        let refs: [&str; 12] = std::array::from_fn(|i| texts[i].as_str());
        let (wordnet, problems) = WordNet::from_sources(&WordNetSources::from_texts(refs));
        assert_eq!(problems, vec![]);
        assert!(wordnet.n_synsets() > 117_000, "{}", wordnet.n_synsets());
        assert!(wordnet.n_lemmas() > 140_000, "{}", wordnet.n_lemmas());
        let has = |word: &str, synonym: &str| {
            let synonyms = wordnet.synonyms_of(word);
            assert!(synonyms.iter().any(|s| s == synonym), "{word}: {synonyms:?}");
        };
        has("announced", "declared");
        has("officials", "functionaries");
        has("said", "stated");
        has("children", "kids");
        assert_eq!(wordnet.synonyms_of("two"), Vec::<String>::new(), "numbers stay");
    }
}

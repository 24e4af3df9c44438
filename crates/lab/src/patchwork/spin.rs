//! Article spinning: replace a share of the substitutable words of a sentence with synonyms and
//! entity aliases, the way content farms disguise copied text.
//!
//! Word synonyms come from a [`Thesaurus`] ([`BuiltinThesaurus`] holds the table in
//! [`super::table`]; [`super::WordNet`] reads Princeton WordNet). Entity aliases ("U.S." → "USA",
//! "Russia" → "Russian Federation") come from a fixed table and are matched case-sensitively.
//! Only whole tokens (by [`text::tokenize`] offsets) are replaced; a possessive "'s" stays.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::table::{ENTITY_ALIASES, WORD_SYNONYMS};
use unspun_core::lexicon::WordNet;
use unspun_core::lexicon::wordnet::REPLACED_STOPWORDS;
use unspun_core::text;

/// A source of synonyms for single words.
pub trait Thesaurus {
    /// Synonyms of `normalized_word` (lowercase), each of the same part of speech and inflection
    /// (a synonym may be several words). Empty when the word is unknown.
    fn synonyms(&self, normalized_word: &str) -> Vec<Cow<'_, str>>;

    /// Whether `normalized_word`, a stop word for [`text::is_stopword`], may still be replaced.
    /// By default no: a general thesaurus would otherwise spin function words.
    fn replaces_stopword(&self, normalized_word: &str) -> bool {
        let _ = normalized_word;
        false
    }
}

/// The built-in thesaurus of frequent news content words ([`super::table::WORD_SYNONYMS`]).
#[derive(Debug, Clone)]
pub struct BuiltinThesaurus {
    by_word: HashMap<&'static str, &'static [&'static str]>,
}

impl BuiltinThesaurus {
    /// Builds the lookup map from the static table.
    pub fn new() -> Self {
        BuiltinThesaurus { by_word: WORD_SYNONYMS.iter().copied().collect() }
    }

    /// Number of words with synonyms.
    pub fn len(&self) -> usize {
        self.by_word.len()
    }

    /// Whether the table is empty (never, for the built-in table).
    pub fn is_empty(&self) -> bool {
        self.by_word.is_empty()
    }
}

impl Default for BuiltinThesaurus {
    fn default() -> Self {
        Self::new()
    }
}

impl Thesaurus for BuiltinThesaurus {
    fn synonyms(&self, normalized_word: &str) -> Vec<Cow<'_, str>> {
        let synonyms = self.by_word.get(normalized_word).copied().unwrap_or(&[]);
        synonyms.iter().map(|s| Cow::Borrowed(*s)).collect()
    }

    /// The curated table lists reporting verbs ("said", "told") that the index treats as stop
    /// words but that spinners replace first.
    fn replaces_stopword(&self, normalized_word: &str) -> bool {
        self.by_word.contains_key(normalized_word)
    }
}

/// Knobs of [`spin_text`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpinConfig {
    /// Share of the substitutable words to replace, in `[0, 1]`. When positive and at least one
    /// word is substitutable, at least one is replaced.
    pub rate: f64,
    /// Whether the text is a headline in Title Case: then capitalised words mid-text may be
    /// replaced too. In running text they are taken for parts of names ("New York") and kept.
    pub headline: bool,
    /// Whether entity mentions are substitutable along with words (the default). The
    /// generator turns this off when entity aliasing has a rate of its own
    /// ([`alias_entities`]).
    #[serde(default = "yes")]
    pub entities: bool,
}

fn yes() -> bool {
    true
}

/// The result of [`spin_text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spun {
    /// The spun text.
    pub text: String,
    /// `(original, replacement)` pairs, in text order, exactly as they appear in the two texts.
    pub substitutions: Vec<(String, String)>,
    /// How many words or entity mentions of the input could have been replaced.
    pub n_substitutable: usize,
}

/// Letter case pattern of a word, kept when a synonym replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Title,
    Upper,
    Mixed,
}

fn case_of(word: &str) -> Case {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let Some(first) = letters.first() else { return Case::Lower };
    let rest_lower = letters[1..].iter().all(|c| !c.is_uppercase());
    if letters.iter().all(|c| !c.is_uppercase()) {
        Case::Lower
    } else if letters.len() > 1 && letters.iter().all(|c| !c.is_lowercase()) {
        Case::Upper
    } else if first.is_uppercase() && rest_lower {
        Case::Title
    } else {
        Case::Mixed
    }
}

fn apply_case(replacement: &str, case: Case) -> String {
    match case {
        Case::Lower | Case::Mixed => replacement.to_string(),
        Case::Upper => replacement.to_uppercase(),
        Case::Title => {
            let mut chars = replacement.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// One replaceable span of the input with its admissible replacements.
struct Candidate<'t> {
    byte_start: usize,
    byte_end: usize,
    options: Vec<Cow<'t, str>>,
    /// `None` for entity aliases, which are written as listed.
    case: Option<Case>,
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// The longest entity alias phrase starting at `byte_start` that covers whole tokens.
fn match_entity(
    text: &str,
    byte_start: usize,
    tokens: &[text::Token],
) -> Option<(usize, &'static [&'static str])> {
    let rest = &text[byte_start..];
    let mut best: Option<(usize, &'static [&'static str])> = None;
    for &(phrase, aliases) in ENTITY_ALIASES {
        if !rest.starts_with(phrase)
            || best.is_some_and(|(end, _)| end >= byte_start + phrase.len())
        {
            continue;
        }
        let byte_end = byte_start + phrase.len();
        let after = text[byte_end..].chars().next();
        if after.is_some_and(char::is_alphanumeric) {
            continue;
        }
        // An abbreviation's period may double as the sentence's full stop: keep it then.
        if phrase.ends_with('.') && text[byte_end..].trim().is_empty() {
            continue;
        }
        // Whole tokens only, except a possessive suffix ("Russia's") that stays in place.
        let cuts_token = tokens.iter().any(|t| t.byte_start < byte_end && byte_end < t.byte_end);
        if cuts_token && !after.is_some_and(is_apostrophe) {
            continue;
        }
        best = Some((byte_end, aliases));
    }
    best
}

/// The word just before `byte_start`, if only spaces separate them.
fn previous_word(text: &str, byte_start: usize) -> &str {
    let before = &text[..byte_start];
    let trimmed = before.trim_end_matches(' ');
    if trimmed.len() == before.len() {
        return "";
    }
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    &trimmed[start..]
}

/// The word just after `byte_end`, if only spaces separate them.
fn next_word(text: &str, byte_end: usize) -> &str {
    let after = text[byte_end..].trim_start_matches(' ');
    if after.len() == text.len() - byte_end {
        return "";
    }
    let end = after.find(|c: char| !c.is_alphanumeric()).unwrap_or(after.len());
    &after[..end]
}

fn starts_with_vowel(word: &str) -> bool {
    word.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c))
}

/// Keeps the replacements that read well in place: no doubled word ("President President
/// Obama"), no broken "a"/"an" agreement, no doubled period.
fn admissible<'t>(
    text: &str,
    byte_start: usize,
    byte_end: usize,
    options: Vec<Cow<'t, str>>,
) -> Vec<Cow<'t, str>> {
    let original = &text[byte_start..byte_end];
    let prev = previous_word(text, byte_start);
    let next = next_word(text, byte_end);
    let after_article = prev.eq_ignore_ascii_case("a") || prev.eq_ignore_ascii_case("an");
    options
        .into_iter()
        .filter(|rep| {
            let first = rep.split(' ').next().unwrap_or("");
            let last = rep.rsplit(' ').next().unwrap_or("");
            let doubles_prev = !prev.is_empty() && first.eq_ignore_ascii_case(prev);
            let doubles_next = !next.is_empty() && last.eq_ignore_ascii_case(next);
            let breaks_article =
                after_article && starts_with_vowel(rep.as_ref()) != starts_with_vowel(original);
            let doubles_period = rep.ends_with('.') && text[byte_end..].starts_with('.');
            !rep.eq_ignore_ascii_case(original)
                && !doubles_prev
                && !doubles_next
                && !breaks_article
                && !doubles_period
        })
        .collect()
}

/// Finds the replaceable spans of `text`, in text order and without overlaps.
/// Which spans [`candidates`] looks for.
#[derive(Clone, Copy)]
struct Wanted {
    words: bool,
    entities: bool,
}

fn candidates<'t>(
    text: &str,
    headline: bool,
    wanted: Wanted,
    thesaurus: &'t dyn Thesaurus,
) -> Vec<Candidate<'t>> {
    let tokens = text::tokenize(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        if let Some((byte_end, aliases)) = match_entity(text, token.byte_start, &tokens) {
            let aliases = aliases.iter().map(|a| Cow::Borrowed(*a)).collect();
            let options = admissible(text, token.byte_start, byte_end, aliases);
            if !options.is_empty() && wanted.entities {
                out.push(Candidate { byte_start: token.byte_start, byte_end, options, case: None });
            }
            while i < tokens.len() && tokens[i].byte_start < byte_end {
                i += 1;
            }
            continue;
        }
        i += 1;
        if !wanted.words {
            continue;
        }
        let surface = &text[token.byte_start..token.byte_end];
        // A tokenizer may keep the possessive in the token: replace the word, keep the "'s".
        let word = surface
            .strip_suffix("'s")
            .or_else(|| surface.strip_suffix("’s"))
            .filter(|w| !w.is_empty())
            .unwrap_or(surface);
        let case = case_of(word);
        let sentence_initial = !text[..token.byte_start].chars().any(char::is_alphanumeric);
        if case == Case::Mixed || (case == Case::Title && !headline && !sentence_initial) {
            continue;
        }
        let lower = word.to_lowercase();
        if token.is_stopword && !thesaurus.replaces_stopword(&lower) {
            continue;
        }
        let mut options = thesaurus.synonyms(&lower);
        if options.is_empty() {
            let normalized = text::normalize_token(word);
            if normalized != lower {
                options = thesaurus.synonyms(&normalized);
            }
        }
        let byte_end = token.byte_start + word.len();
        let options = admissible(text, token.byte_start, byte_end, options);
        if !options.is_empty() {
            out.push(Candidate {
                byte_start: token.byte_start,
                byte_end,
                options,
                case: Some(case),
            });
        }
    }
    out
}

/// How many of `n_substitutable` spans to replace at `rate`: rounded, at least one when the rate
/// is positive and anything is substitutable.
pub fn n_to_replace(n_substitutable: usize, rate: f64) -> usize {
    if n_substitutable == 0 || rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    let n = (rate.min(1.0) * n_substitutable as f64).round() as usize;
    n.clamp(1, n_substitutable)
}

/// Replaces `n_to_replace(n_substitutable, config.rate)` randomly chosen substitutable words and
/// entity mentions of `text`, keeping each word's case pattern (Title, UPPER, lower).
pub fn spin_text(
    text: &str,
    config: &SpinConfig,
    thesaurus: &dyn Thesaurus,
    rng: &mut Rng,
) -> Spun {
    let wanted = Wanted { words: true, entities: config.entities };
    let cands = candidates(text, config.headline, wanted, thesaurus);
    let n_substitutable = cands.len();
    let chosen = rng.sample_sorted(n_substitutable, n_to_replace(n_substitutable, config.rate));
    replace(text, &cands, chosen, rng)
}

/// Replaces each entity mention of `text` ("Russia", "U.S.") by one of its aliases with
/// probability `rate`, independently, so that the achieved share of aliased mentions tends to
/// `rate` (a rate of its own, unlike [`spin_text`]'s at-least-one rule). Words are left alone.
pub fn alias_entities(text: &str, rate: f64, rng: &mut Rng) -> Spun {
    let wanted = Wanted { words: false, entities: true };
    let cands = candidates(text, false, wanted, &NoSynonyms);
    let chosen: Vec<usize> = (0..cands.len()).filter(|_| rng.chance(rate)).collect();
    replace(text, &cands, chosen, rng)
}

/// A thesaurus without words, for entity aliasing alone.
struct NoSynonyms;

impl Thesaurus for NoSynonyms {
    fn synonyms(&self, _: &str) -> Vec<Cow<'_, str>> {
        Vec::new()
    }
}

/// Replaces the candidates `chosen` (increasing indices) with a random option each.
fn replace(text: &str, cands: &[Candidate<'_>], chosen: Vec<usize>, rng: &mut Rng) -> Spun {
    let n_substitutable = cands.len();
    let mut out = String::with_capacity(text.len() + 16 * chosen.len());
    let mut substitutions = Vec::with_capacity(chosen.len());
    let mut copied_to = 0;
    for idx in chosen {
        let cand = &cands[idx];
        let option = rng.choose(&cand.options).expect("candidates have at least one option");
        let replacement = match cand.case {
            Some(case) => apply_case(option.as_ref(), case),
            None => option.to_string(),
        };
        out.push_str(&text[copied_to..cand.byte_start]);
        out.push_str(&replacement);
        copied_to = cand.byte_end;
        substitutions.push((text[cand.byte_start..cand.byte_end].to_string(), replacement));
    }
    out.push_str(&text[copied_to..]);
    Spun { text: out, substitutions, n_substitutable }
}

impl Thesaurus for WordNet {
    fn synonyms(&self, normalized_word: &str) -> Vec<Cow<'_, str>> {
        self.synonyms_of(normalized_word).into_iter().map(Cow::Owned).collect()
    }

    /// Reporting verbs ("said", "told") are stop words for the index, but spinners replace
    /// them first.
    fn replaces_stopword(&self, normalized_word: &str) -> bool {
        REPLACED_STOPWORDS.contains(&normalized_word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn spin(text: &str, rate: f64, seed: u64) -> Spun {
        let config = SpinConfig { rate, headline: false, entities: true };
        spin_text(text, &config, &BuiltinThesaurus::new(), &mut Rng::new(seed))
    }

    /// Spins `input` at rate 1 and compares the result with `expect`.
    fn check(input: &str, expect: &str) {
        assert_eq!(spin(input, 1.0, 1).text, expect, "input: {input}");
    }

    #[test]
    fn table_invariants() {
        let mut seen = HashSet::new();
        for (word, synonyms) in WORD_SYNONYMS {
            assert!(seen.insert(*word), "duplicate key {word}");
            assert_eq!(word.to_lowercase(), *word, "key not lowercase: {word}");
            assert!(!synonyms.is_empty(), "no synonyms for {word}");
            assert!(!synonyms.contains(word), "{word} is its own synonym");
        }
        assert!(WORD_SYNONYMS.len() >= 400, "only {} words", WORD_SYNONYMS.len());
        let mut seen = HashSet::new();
        for (phrase, aliases) in ENTITY_ALIASES {
            assert!(seen.insert(*phrase), "duplicate entity {phrase}");
            assert!(!aliases.is_empty() && !aliases.contains(phrase), "{phrase}");
        }
        assert_eq!(BuiltinThesaurus::new().len(), WORD_SYNONYMS.len());
    }

    #[test]
    fn case_is_preserved() {
        check("Government officials met.", "Administration authorities met.");
        check("GOVERNMENT", "ADMINISTRATION");
        check("the government", "the administration");
        assert_eq!(case_of("iPhone"), Case::Mixed);
        assert_eq!(case_of("A"), Case::Title);
        assert_eq!(apply_case("per cent", Case::Title), "Per cent");
    }

    #[test]
    fn entities_are_aliased_whole() {
        let russia = spin("Russia said no", 1.0, 1);
        assert!(russia.text.starts_with("Russian Federation "), "{russia:?}");
        assert_eq!(russia.substitutions.len(), 2, "{russia:?}");
        // Possessive suffix stays; the tokenizer may or may not split it off.
        assert!(spin("Russia's stance is clear", 1.0, 3).text.starts_with("Russian Federation's"));
        let us = spin("The U.S. strategy failed.", 1.0, 3);
        assert!(us.substitutions.iter().any(|(a, _)| a == "U.S."), "{us:?}");
        // The abbreviation's period is also the full stop: leave it.
        let end = spin("Troops went to the U.S.", 1.0, 3);
        assert!(end.text.ends_with("U.S."), "{end:?}");
        // "US" is an entity only in capitals; "us" is a pronoun.
        assert!(spin("let us go", 1.0, 3).substitutions.is_empty());
        // No doubled words: "President Obama" is one entity, never "President President Obama".
        for seed in 0..20 {
            let text = spin("President Obama met Putin", 1.0, seed).text;
            assert!(!text.contains("President President"), "{text}");
        }
    }

    #[test]
    fn title_case_mid_sentence_is_kept_but_headlines_spin() {
        // "New York" must not become "Fresh York".
        assert!(spin("He flew to New York", 1.0, 5).substitutions.is_empty());
        let config = SpinConfig { rate: 1.0, headline: true, entities: true };
        let spun =
            spin_text("Big Company Plans", &config, &BuiltinThesaurus::new(), &mut Rng::new(5));
        assert!(spun.substitutions.iter().any(|(a, _)| a == "Company"), "{spun:?}");
    }

    #[test]
    fn article_agreement_and_no_doubled_period() {
        for seed in 0..20 {
            // "a big" may become "a large"/"a huge" but never "an ..." mismatch.
            let spun = spin("It was a big deal", 1.0, seed);
            assert!(!spun.text.contains("a enormous"), "{}", spun.text);
        }
        for seed in 0..20 {
            let spun = spin("It happened in January.", 1.0, seed);
            assert!(!spun.text.contains(".."), "{}", spun.text);
        }
    }

    #[test]
    fn rate_is_achieved() {
        let text = "Government officials said the company announced a huge increase in prices, \
                    and experts warned that serious problems remain for workers and residents.";
        for rate in [0.15, 0.3, 0.5, 1.0] {
            let spun = spin(text, rate, 11);
            assert!(spun.n_substitutable >= 10, "{spun:?}");
            let want = n_to_replace(spun.n_substitutable, rate);
            assert_eq!(spun.substitutions.len(), want);
            let achieved = want as f64 / spun.n_substitutable as f64;
            assert!((achieved - rate).abs() <= 0.5 / spun.n_substitutable as f64 + 1e-9);
            for (_, replacement) in &spun.substitutions {
                assert!(spun.text.contains(replacement.as_str()));
            }
        }
        assert_eq!(spin(text, 0.0, 11).text, text);
    }

    #[test]
    fn entities_alone_at_their_own_rate() {
        let text = "Russia and the U.S. met at the UN while NATO watched, officials said.";
        let all = alias_entities(text, 1.0, &mut Rng::new(1));
        assert_eq!(all.n_substitutable, 4, "{all:?}");
        assert_eq!(all.substitutions.len(), 4);
        assert!(all.text.ends_with("officials said."), "words are kept: {}", all.text);
        assert_eq!(alias_entities(text, 0.0, &mut Rng::new(1)).text, text);
        // Independent draws: about half of the mentions over many sentences.
        let n: usize =
            (0..200).map(|s| alias_entities(text, 0.5, &mut Rng::new(s)).substitutions.len()).sum();
        assert!((340..=460).contains(&n), "{n} of 800");
        // Spinning without entities leaves them in place.
        let config = SpinConfig { rate: 1.0, headline: false, entities: false };
        let spun = spin_text(text, &config, &BuiltinThesaurus::new(), &mut Rng::new(1));
        assert!(spun.text.starts_with("Russia and the U.S. met at the UN"), "{}", spun.text);
        assert!(!spun.substitutions.is_empty());
    }

    #[test]
    fn rounding() {
        assert_eq!(n_to_replace(0, 0.5), 0);
        assert_eq!(n_to_replace(10, 0.0), 0);
        assert_eq!(n_to_replace(10, f64::NAN), 0);
        assert_eq!(n_to_replace(3, 0.1), 1);
        assert_eq!(n_to_replace(10, 0.15), 2);
        assert_eq!(n_to_replace(10, 3.0), 10);
    }

    #[test]
    fn words_after_their_last_token() {
        assert_eq!(previous_word("a big", 2), "a");
        assert_eq!(previous_word("big", 0), "");
        assert_eq!(previous_word("x, big", 3), "");
        assert_eq!(previous_word("é big", 3), "é");
        assert_eq!(next_word("big deal.", 3), "deal");
        assert_eq!(next_word("big", 3), "");
    }
}

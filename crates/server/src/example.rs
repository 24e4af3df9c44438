//! "Try an example": a small patchwork built from the loaded corpus, the same for the same seed
//! and index generation (`GET /v1/example?seed=N`).
//!
//! It takes two consecutive sentences from each of two or three indexed documents (chosen by
//! the seed among those with enough sentences of 8 words or more), swaps a few common words
//! for synonyms in every other part (light spin), and ends with one sentence of its own. The
//! answer names the documents used, so a reader can check the trace against the truth.
//! This is deliberately not the `demo`/`eval` generator: it is a few lines, needs no
//! thesaurus, and reads only the documents it picks.

use serde_json::{Value, json};
use unspun_core::date::format_date;
use unspun_core::text::split_sentences;
use unspun_index::Index;

use crate::state::CatalogEntry;

/// Documents looked at, at most, to find the parts.
const MAX_LOOKS: usize = 64;
/// Sentences taken from each document.
const SENTENCES_PER_PART: usize = 2;
/// The closing sentence, written for the example: it has no source.
const OWN_SENTENCE: &str = "Readers who followed the story closely said the details were still coming together late on Tuesday.";

/// Light spin: common words and the synonyms swapped in.
const SPINS: &[(&str, &str)] = &[
    ("said", "stated"),
    ("says", "states"),
    ("big", "large"),
    ("began", "started"),
    ("help", "assist"),
    ("people", "individuals"),
    ("buy", "purchase"),
    ("about", "approximately"),
    ("also", "additionally"),
    ("show", "demonstrate"),
    ("shows", "demonstrates"),
    ("end", "conclusion"),
    ("start", "beginning"),
    ("need", "require"),
    ("get", "obtain"),
    ("told", "informed"),
    ("killed", "slain"),
    ("officials", "authorities"),
    ("country", "nation"),
    ("government", "administration"),
];

/// SplitMix64: a tiny fixed generator, so a seed means the same example everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Swaps words of `sentence` found in [`SPINS`] (whole words, keeping a capital first
/// letter), at most `max` of them; returns the text and the pairs swapped.
fn spin(sentence: &str, max: usize) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(sentence.len() + 16);
    let mut pairs = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, pairs: &mut Vec<(String, String)>| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        let found = SPINS.iter().find(|(from, _)| *from == lower);
        match found {
            Some((_, to)) if pairs.len() < max => {
                let capital = word.chars().next().is_some_and(char::is_uppercase);
                let replaced = if capital {
                    let mut chars = to.chars();
                    chars
                        .next()
                        .map(|first| first.to_uppercase().chain(chars).collect())
                        .unwrap_or_default()
                } else {
                    (*to).to_string()
                };
                pairs.push((word.clone(), replaced.clone()));
                out.push_str(&replaced);
            }
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in sentence.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut pairs);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut pairs);
    (out, pairs)
}

/// Sentences of `text` with at least 8 words, as trimmed strings without line breaks.
fn usable_sentences(text: &str) -> Vec<String> {
    split_sentences(text)
        .into_iter()
        .map(|range| text[range].split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| s.split_whitespace().count() >= 8 && s.len() <= 600)
        .collect()
}

/// The example for `seed`, or `None` when the index holds fewer than two documents with
/// enough sentences.
pub fn build(index: &Index, catalog: &[&CatalogEntry], seed: u64) -> Option<Value> {
    if catalog.len() < 2 {
        return None;
    }
    let mut rng = SplitMix64(seed ^ 0x756e_7370_756e_0001);
    let want = 2 + rng.below(2);
    let start = rng.below(catalog.len());
    let step = 1 + rng.below(catalog.len().max(2) - 1);
    let mut parts: Vec<Value> = Vec::new();
    let mut text = String::new();
    let mut latest = None;
    let mut used = Vec::new();
    for look in 0..catalog.len().min(MAX_LOOKS) {
        if parts.len() == want {
            break;
        }
        let entry = catalog[(start + look * step) % catalog.len()];
        if used.contains(&entry.id) {
            continue;
        }
        let Some(doc) = index.doc_id(&entry.id).and_then(|id| index.document(id).ok().flatten())
        else {
            continue;
        };
        let sentences = usable_sentences(&doc.text);
        if sentences.len() < SENTENCES_PER_PART {
            continue;
        }
        let first = rng.below(sentences.len() - SENTENCES_PER_PART + 1);
        let spun = parts.len().is_multiple_of(2);
        let mut swapped = Vec::new();
        for sentence in &sentences[first..first + SENTENCES_PER_PART] {
            let (sentence, pairs) =
                if spun { spin(sentence, 2) } else { (sentence.clone(), Vec::new()) };
            swapped.extend(pairs);
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&sentence);
        }
        latest = latest.max(doc.date);
        used.push(entry.id.clone());
        parts.push(json!({
            "id": doc.id,
            "outlet": doc.source,
            "title": doc.title,
            "n_sentences": SENTENCES_PER_PART,
            "spun": swapped.iter().map(|(from, to)| json!({"from": from, "to": to})).collect::<Vec<_>>(),
        }));
    }
    if parts.len() < 2 {
        return None;
    }
    text.push(' ');
    text.push_str(OWN_SENTENCE);
    // A day after the latest part, so every part is an earlier source.
    let date = latest.map(|ts| format_date(unspun_core::Timestamp(ts.0 + 86_400)));
    Some(json!({
        "seed": seed,
        "title": format!("Example patchwork {seed}"),
        "date": date.map(|d| d.chars().take(10).collect::<String>()),
        "text": text,
        "parts": parts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_swaps_whole_words_keeping_capitals() {
        let (text, pairs) = spin("Officials said people sayings began.", 2);
        assert_eq!(text, "Authorities stated people sayings began.");
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0], ("Officials".to_string(), "Authorities".to_string()));
    }

    #[test]
    fn generator_is_fixed() {
        let mut a = SplitMix64(7);
        let mut b = SplitMix64(7);
        assert_eq!((a.next(), a.below(10)), (b.next(), b.below(10)));
    }
}

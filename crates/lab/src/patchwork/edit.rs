//! Small editorial edits of a copied sentence: delete one non-essential word ("very", "said
//! that" → "said") or insert one ("reportedly", "also", "now", "on Monday") where it reads well.

use super::rng::Rng;
use unspun_core::text;

/// Words a copy editor drops without changing the claim.
const DELETABLE: &[&str] =
    &["very", "just", "also", "still", "really", "already", "currently", "recently", "actually"];

/// Auxiliaries after which an adverb may go: "has also said", "is now".
const AUXILIARIES: &[&str] =
    &["is", "was", "are", "were", "has", "have", "had", "will", "would", "could", "can"];

/// Verbs before which an adverb may go: "reportedly told", "also said".
const VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "announced",
    "plans",
    "wants",
    "made",
    "took",
    "called",
    "met",
    "warned",
    "agreed",
    "sent",
    "launched",
];

/// Days whose presence makes "on Monday" contradictory.
const WEEKDAYS: &[&str] =
    &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// An applied edit: the new text and the word inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub text: String,
    pub inserted: Option<String>,
    pub deleted: Option<String>,
}

enum Op {
    /// Insert `text` at a byte offset.
    Insert { byte_at: usize, text: String, word: &'static str },
    /// Delete bytes `byte_start..byte_end` (the word and the space before it).
    Delete { byte_start: usize, byte_end: usize, word_start: usize },
}

/// One randomly chosen plausible edit of `sentence`, or `None` if no position reads well.
pub(crate) fn edit_sentence(sentence: &str, rng: &mut Rng) -> Option<Edit> {
    let tokens = text::tokenize(sentence);
    let word = |i: usize| &sentence[tokens[i].byte_start..tokens[i].byte_end];
    let mut ops = Vec::new();
    for i in 1..tokens.len() {
        let token = tokens[i];
        let lower = word(i).to_lowercase();
        let spaced_before = sentence[..token.byte_start].ends_with(' ');
        let spaced_after = sentence[token.byte_end..].starts_with(' ');
        let prev = word(i - 1).to_lowercase();
        let next = if i + 1 < tokens.len() { word(i + 1).to_lowercase() } else { String::new() };
        if AUXILIARIES.contains(&lower.as_str()) && spaced_after {
            for adverb in ["reportedly", "also", "now"] {
                if next != adverb {
                    let text = format!(" {adverb}");
                    ops.push(Op::Insert { byte_at: token.byte_end, text, word: adverb });
                }
            }
        }
        if VERBS.contains(&lower.as_str()) && spaced_before {
            for adverb in ["reportedly", "also"] {
                if prev != adverb {
                    let text = format!("{adverb} ");
                    ops.push(Op::Insert { byte_at: token.byte_start, text, word: adverb });
                }
            }
        }
        let deletable = DELETABLE.contains(&lower.as_str())
            || (lower == "that" && matches!(prev.as_str(), "said" | "says" | "told"));
        if deletable && spaced_before && spaced_after {
            ops.push(Op::Delete {
                byte_start: token.byte_start - 1,
                byte_end: token.byte_end,
                word_start: token.byte_start,
            });
        }
    }
    // "…, officials said on Monday." — only after a plain lowercase word and a full stop.
    if let Some(body) = sentence.strip_suffix('.') {
        let last_word = body.rsplit(' ').next().unwrap_or("");
        let plain = !last_word.is_empty() && last_word.chars().all(|c| c.is_ascii_lowercase());
        if plain && body.contains(' ') && !WEEKDAYS.iter().any(|d| sentence.contains(d)) {
            let text = " on Monday".to_string();
            ops.push(Op::Insert { byte_at: body.len(), text, word: "on Monday" });
        }
    }
    let op = rng.choose(&ops)?;
    Some(match op {
        Op::Insert { byte_at, text, word } => Edit {
            text: format!("{}{}{}", &sentence[..*byte_at], text, &sentence[*byte_at..]),
            inserted: Some((*word).to_string()),
            deleted: None,
        },
        Op::Delete { byte_start, byte_end, word_start } => Edit {
            text: format!("{}{}", &sentence[..*byte_start], &sentence[*byte_end..]),
            inserted: None,
            deleted: Some(sentence[*word_start..*byte_end].to_string()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All edits of `input` reachable with seeds 0..200, sorted, one per line.
    fn check(input: &str, expect: expect_test::Expect) {
        let mut all: Vec<String> = (0..200)
            .filter_map(|s| edit_sentence(input, &mut Rng::new(s)))
            .map(|e| e.text)
            .collect();
        all.sort();
        all.dedup();
        expect.assert_eq(&all.join("\n"));
    }

    #[test]
    fn edits_read_well() {
        check(
            "The minister has said that talks were very close.",
            expect_test::expect![[r#"
            The minister has also said that talks were very close.
            The minister has now said that talks were very close.
            The minister has reportedly said that talks were very close.
            The minister has said talks were very close.
            The minister has said that talks were also very close.
            The minister has said that talks were close.
            The minister has said that talks were now very close.
            The minister has said that talks were reportedly very close.
            The minister has said that talks were very close on Monday."#]],
        );
        check("Nothing to edit here", expect_test::expect![[r#""#]]);
    }

    #[test]
    fn no_edit_possible() {
        assert_eq!(edit_sentence("", &mut Rng::new(1)), None);
        assert_eq!(edit_sentence("Hello", &mut Rng::new(1)), None);
    }
}

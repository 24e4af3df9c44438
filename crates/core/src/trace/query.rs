//! The article being traced, analysed once: sentences (long ones cut into windows), byte →
//! char offsets and the spans inside quotation marks.

use crate::limits::hit;
use crate::report::{CharIndex, TraceStats};
use crate::text::{Analyzed, Sentence, analyze};

/// The query article, analysed.
pub(super) struct Query<'a> {
    /// The body text; every byte offset of the trace indexes into it.
    pub(super) body: &'a str,
    /// Tokens and sentences; a sentence longer than the limit is several windows.
    pub(super) analyzed: Analyzed,
    pub(super) chars: CharIndex,
    pub(super) quotes: QuoteMask,
}

impl<'a> Query<'a> {
    /// Analyses `body`, cutting sentences of more than `max_sentence_tokens` words into
    /// windows (said in `stats.limits_hit`).
    pub(super) fn new(body: &'a str, max_sentence_tokens: usize, stats: &mut TraceStats) -> Self {
        let mut analyzed = analyze(body);
        let chars = CharIndex::new(body);
        let quotes = QuoteMask::new(body);
        if window_long_sentences(&mut analyzed, max_sentence_tokens) {
            stats.limits_hit.push(hit::LONG_SENTENCES.to_string());
        }
        Query { body, analyzed, chars, quotes }
    }

    pub(super) fn n_sentences(&self) -> usize {
        self.analyzed.sentences.len()
    }
}

/// Which bytes of a text lie inside double quotation marks (“…”, "…"), as a prefix count.
/// A paragraph break closes an open quotation (news style reopens it in the next paragraph).
#[derive(Debug, Clone)]
pub(super) struct QuoteMask {
    prefix: Vec<u32>,
}

impl QuoteMask {
    pub(super) fn new(text: &str) -> QuoteMask {
        let bytes = text.as_bytes();
        let mut prefix = vec![0u32; bytes.len() + 1];
        let (mut open, mut count, mut last_newline) = (false, 0u32, false);
        let mut at = 0;
        while at < bytes.len() {
            // ASCII bytes one at a time (most of a news text), other characters decoded.
            let (c, len) = if bytes[at] < 0x80 {
                (char::from(bytes[at]), 1)
            } else {
                let c = text[at..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
                (c, c.len_utf8())
            };
            match c {
                '“' | '„' => open = true,
                '”' => open = false,
                '"' => open = !open,
                '\n' if last_newline => open = false,
                _ => {}
            }
            if c == '\n' {
                last_newline = true;
            } else if !c.is_whitespace() {
                last_newline = false;
            }
            for slot in &mut prefix[at + 1..at + 1 + len] {
                count += u32::from(open);
                *slot = count;
            }
            at += len;
        }
        QuoteMask { prefix }
    }

    /// Share of the bytes `start..end` that lie inside quotation marks.
    pub(super) fn share(&self, start: usize, end: usize) -> f64 {
        if end <= start || end >= self.prefix.len() {
            return 0.0;
        }
        f64::from(self.prefix[end] - self.prefix[start]) / (end - start) as f64
    }

    /// Whether `text[start..end]` is a quotation: mostly inside quotation marks
    /// ([`QUOTED_SHARE`]), or partly ([`ATTRIBUTED_QUOTE_SHARE`]) with nothing outside them but
    /// a short attribution ("Senate Judiciary Committee Chairman Patrick Leahy said,").
    pub(super) fn is_quotation(&self, text: &str, start: usize, end: usize) -> bool {
        let share = self.share(start, end);
        if share >= QUOTED_SHARE {
            return true;
        }
        if share < ATTRIBUTED_QUOTE_SHARE {
            return false;
        }
        let outside: String = (start..end)
            .filter(|&i| text.is_char_boundary(i) && self.prefix[i + 1] == self.prefix[i])
            .filter_map(|i| text[i..].chars().next())
            .collect();
        let words: Vec<String> = outside
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.len() <= MAX_ATTRIBUTION_WORDS
            && words.iter().any(|w| SPEECH_VERBS.contains(&w.as_str()))
    }
}

/// A match is a shared quotation when this share of it lies inside quotation marks in the
/// query or in the source...
const QUOTED_SHARE: f64 = 0.6;
/// ...or this share, when the rest is a short attribution (see [`QuoteMask::is_quotation`]).
const ATTRIBUTED_QUOTE_SHARE: f64 = 0.3;
/// The longest attribution outside the quotation marks, in words.
const MAX_ATTRIBUTION_WORDS: usize = 16;
/// Words that make the text outside quotation marks an attribution.
const SPEECH_VERBS: [&str; 22] = [
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "asked",
    "wrote",
    "writes",
    "according",
    "statement",
    "tweeted",
    "explained",
    "insisted",
    "noted",
    "argued",
    "stated",
    "declared",
    "continued",
    "warned",
    "recalled",
];

/// Cuts every sentence of more than `max_tokens` word tokens into consecutive windows of about
/// equal length (at most `max_tokens` each), so that the aligner's work per sentence is
/// bounded. Returns whether any sentence was cut.
pub(super) fn window_long_sentences(analyzed: &mut Analyzed, max_tokens: usize) -> bool {
    let max_tokens = max_tokens.max(1);
    if analyzed.sentences.iter().all(|s| s.token_end - s.token_start <= max_tokens) {
        return false;
    }
    let mut windowed = Vec::with_capacity(analyzed.sentences.len());
    for sentence in &analyzed.sentences {
        let n_tokens = sentence.token_end - sentence.token_start;
        if n_tokens <= max_tokens {
            windowed.push(*sentence);
            continue;
        }
        let n_windows = n_tokens.div_ceil(max_tokens);
        for w in 0..n_windows {
            let token_start = sentence.token_start + n_tokens * w / n_windows;
            let token_end = sentence.token_start + n_tokens * (w + 1) / n_windows;
            let byte_start =
                if w == 0 { sentence.byte_start } else { analyzed.tokens[token_start].byte_start };
            let byte_end = if w + 1 == n_windows {
                sentence.byte_end
            } else {
                analyzed.tokens[token_end - 1].byte_end
            };
            windowed.push(Sentence { byte_start, byte_end, token_start, token_end });
        }
    }
    analyzed.sentences = windowed;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotation(text: &str) -> bool {
        QuoteMask::new(text).is_quotation(text, 0, text.len())
    }

    #[test]
    fn issue_14_a_quotation_with_its_attribution_is_a_quotation() {
        assert!(quotation("\"I am very troubled by these allegations,\" he said."));
        assert!(quotation(
            "In a statement issued Monday night, Senate Judiciary Committee Chairman Patrick \
             Leahy said, \"I am very troubled by these allegations and want to hear the \
             government's explanation.\""
        ));
        // Half quoted, but the rest is the writer's own reporting, not an attribution.
        assert!(!quotation(
            "The committee voted on Tuesday to delay the bill until the spring because of the \
             budget, after \"long and difficult talks\" between the two parties."
        ));
        assert!(!quotation("No quotation marks at all in this sentence, he said."));
    }

    #[test]
    fn quote_mask_counts_every_byte_as_the_char_by_char_definition() {
        fn by_chars(text: &str) -> Vec<u32> {
            let mut prefix = vec![0u32];
            let (mut open, mut count, mut last_newline) = (false, 0u32, false);
            for c in text.chars() {
                match c {
                    '“' | '„' => open = true,
                    '”' => open = false,
                    '"' => open = !open,
                    '\n' if last_newline => open = false,
                    _ => {}
                }
                if c == '\n' {
                    last_newline = true;
                } else if !c.is_whitespace() {
                    last_newline = false;
                }
                for _ in 0..c.len_utf8() {
                    count += u32::from(open);
                    prefix.push(count);
                }
            }
            prefix
        }
        for text in [
            "",
            "plain text",
            "He said \"no\" and “yes” — „ja“ \u{a0}\n\u{2003}\nnew \"open\n\nclosed",
            "\"a\u{b}\n\u{b}\nb\" café 北京 \"\u{1F600}\"",
        ] {
            assert_eq!(QuoteMask::new(text).prefix, by_chars(text), "{text:?}");
        }
    }
}

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

/// Whether the text read so far leaves a quotation open.
#[derive(Debug, Clone, Copy, Default)]
struct QuoteState {
    open: bool,
    /// The last character other than white space was a line break.
    last_newline: bool,
}

impl QuoteState {
    /// Reads `c`; whether `c` lies inside quotation marks (an opening mark does, a closing one
    /// does not).
    fn step(&mut self, c: char) -> bool {
        match c {
            '“' | '„' => self.open = true,
            '”' => self.open = false,
            '"' => self.open = !self.open,
            '\n' if self.last_newline => self.open = false,
            _ => {}
        }
        if c == '\n' {
            self.last_newline = true;
        } else if !c.is_whitespace() {
            self.last_newline = false;
        }
        self.open
    }
}

impl QuoteMask {
    pub(super) fn new(text: &str) -> QuoteMask {
        // Filled in place, a byte at a time, each byte counted with its character.
        let mut prefix = vec![0u32; text.len() + 1];
        let (mut state, mut count) = (QuoteState::default(), 0u32);
        for (at, c) in text.char_indices() {
            let open = state.step(c);
            for slot in &mut prefix[at + 1..at + 1 + c.len_utf8()] {
                count += u32::from(open);
                *slot = count;
            }
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
    fn quote_mask_counts_every_byte_of_a_character_as_the_character() {
        // Each byte of a character counts as its character does, whatever its length, and an
        // opening or closing mark turns the count on or off at that character.
        fn by_chars(text: &str) -> Vec<u32> {
            let mut prefix = vec![0u32];
            let (mut state, mut count) = (QuoteState::default(), 0u32);
            for c in text.chars() {
                let open = state.step(c);
                for _ in 0..c.len_utf8() {
                    count += u32::from(open);
                    prefix.push(count);
                }
            }
            prefix
        }
        let mask = QuoteMask::new("a “bé” c");
        // a, space: out; “ (3 bytes), b, é (2 bytes): in; ” and the rest: out.
        assert_eq!(mask.prefix, [0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6]);
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

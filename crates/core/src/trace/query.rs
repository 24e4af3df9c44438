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
        let mut prefix = Vec::with_capacity(text.len() + 1);
        prefix.push(0u32);
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
        QuoteMask { prefix }
    }

    /// Share of the bytes `start..end` that lie inside quotation marks.
    pub(super) fn share(&self, start: usize, end: usize) -> f64 {
        if end <= start || end >= self.prefix.len() {
            return 0.0;
        }
        f64::from(self.prefix[end] - self.prefix[start]) / (end - start) as f64
    }
}

/// A match is a shared quotation when this share of it lies inside quotation marks in the
/// query or in the source.
pub(super) const QUOTED_SHARE: f64 = 0.6;

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

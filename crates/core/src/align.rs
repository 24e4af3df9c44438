//! Local alignment of two token sequences (Smith-Waterman with affine gaps, Gotoh).
//!
//! Tokens are compared by their normalised hash, so case, quotes and Unicode forms never
//! count as differences. A substitution (one token for another) costs less than a gap pair,
//! which keeps spun text ("Russia" → "Russian Federation") aligned as one passage whose
//! differences can be listed as substitution pairs by [`Alignment::chunks`].
//!
//! Two different words can still be equivalent ([`Op::Equivalent`]): the same canonical form
//! ([`crate::canon`]: "U.S." and "USA"), or synonyms by the caller's thesaurus (WordNet, the
//! learned spin dictionary). They score like a match, and stay listed as substitutions. The
//! later words of an alias phrase ("Federation" in "Russian Federation") are skipped at no
//! cost.

use crate::canon::ABSORBED;
use crate::text::Token;

/// Scores of the local alignment. Content words weigh more than stop words, so that a run of
/// shared "of the in" cannot make an alignment on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    /// Score of two equal content tokens.
    pub content_match: i32,
    /// Score of two equal stop-word tokens.
    pub stopword_match: i32,
    /// Score (negative) of two different tokens aligned together.
    pub mismatch: i32,
    /// Cost (negative) of opening a gap, including its first token.
    pub gap_open: i32,
    /// Cost (negative) of each further token of a gap.
    pub gap_extend: i32,
    /// Score of two different tokens with the same canonical form.
    pub equivalent: i32,
    /// Score of two content words that the thesaurus calls synonyms.
    pub synonym: i32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            content_match: 3,
            stopword_match: 1,
            mismatch: -1,
            gap_open: -3,
            gap_extend: -1,
            equivalent: 3,
            synonym: 2,
        }
    }
}

/// One step of an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal tokens on both sides.
    Match,
    /// Different tokens aligned together.
    Substitute,
    /// Different tokens of the same meaning aligned together: the same canonical form, or
    /// synonyms. Scored like a match; listed as a substitution by [`Alignment::chunks`].
    Equivalent,
    /// A query token with no source counterpart (the query inserted it).
    Insert,
    /// A source token with no query counterpart (the query deleted it).
    Delete,
}

/// A local alignment between `query[q_start..q_end]` and `source[s_start..s_end]` (token indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    /// Alignment score (higher is better).
    pub score: i32,
    /// First aligned query token.
    pub q_start: usize,
    /// One past the last aligned query token.
    pub q_end: usize,
    /// First aligned source token.
    pub s_start: usize,
    /// One past the last aligned source token.
    pub s_end: usize,
    /// The steps, from `(q_start, s_start)` to `(q_end, s_end)`.
    pub ops: Vec<Op>,
}

/// A maximal run of non-matching steps between two matches: query tokens
/// `q_start..q_end` stand where the source had `s_start..s_end`. One side may be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// First query token of the chunk.
    pub q_start: usize,
    /// One past the last query token of the chunk.
    pub q_end: usize,
    /// First source token of the chunk.
    pub s_start: usize,
    /// One past the last source token of the chunk.
    pub s_end: usize,
}

impl Alignment {
    /// Number of [`Op::Match`] steps.
    pub fn n_matches(&self) -> usize {
        self.ops.iter().filter(|op| **op == Op::Match).count()
    }

    /// Number of [`Op::Equivalent`] steps.
    pub fn n_equivalents(&self) -> usize {
        self.ops.iter().filter(|op| **op == Op::Equivalent).count()
    }

    /// Similarity of the aligned region in 0..=1: matches and equivalent pairs over the
    /// longer aligned side.
    pub fn similarity(&self) -> f64 {
        let longest = (self.q_end - self.q_start).max(self.s_end - self.s_start);
        let same = self.n_matches() + self.n_equivalents();
        if longest == 0 { 0.0 } else { (same as f64 / longest as f64).min(1.0) }
    }

    /// The differing runs between matches, in order, with absolute token indices. An
    /// equivalent pair is a chunk of its own, with the absorbed words of its alias phrase
    /// (`query` and `source` are the sequences aligned, to tell them).
    pub fn chunks(&self, query: &[Token], source: &[Token]) -> Vec<Chunk> {
        let mut out = Vec::new();
        let (mut qi, mut si) = (self.q_start, self.s_start);
        let mut open: Option<Chunk> = None;
        // Whether the open chunk is an equivalent pair (then only absorbed words join it).
        let mut open_equivalent = false;
        for op in &self.ops {
            let absorbed = match op {
                Op::Insert => query.get(qi).is_some_and(|t| t.canon == ABSORBED),
                Op::Delete => source.get(si).is_some_and(|t| t.canon == ABSORBED),
                _ => false,
            };
            if (*op == Op::Equivalent || (open_equivalent && !absorbed))
                && let Some(chunk) = open.take()
            {
                out.push(chunk);
            }
            match op {
                Op::Match => {
                    if let Some(chunk) = open.take() {
                        out.push(chunk);
                    }
                    open_equivalent = false;
                    qi += 1;
                    si += 1;
                }
                Op::Substitute | Op::Equivalent | Op::Insert | Op::Delete => {
                    if open.is_none() {
                        open_equivalent = *op == Op::Equivalent;
                    }
                    let chunk = open.get_or_insert(Chunk {
                        q_start: qi,
                        q_end: qi,
                        s_start: si,
                        s_end: si,
                    });
                    if *op != Op::Delete {
                        qi += 1;
                        chunk.q_end = qi;
                    }
                    if *op != Op::Insert {
                        si += 1;
                        chunk.s_end = si;
                    }
                }
            }
        }
        if let Some(chunk) = open {
            out.push(chunk);
        }
        out
    }
}

const NEG: i32 = i32::MIN / 4;

/// The best local alignment of `query` against `source`, or `None` when no positive-scoring
/// alignment exists. Cost is O(len(query) × len(source)) time and memory: callers pass a
/// sentence and a window of the source, not whole documents.
pub fn align(query: &[Token], source: &[Token], scoring: &Scoring) -> Option<Alignment> {
    align_with(query, source, scoring, &|_, _| false)
}

/// How two tokens pair up: the score and the step.
fn pair(
    q: &Token,
    s: &Token,
    i: usize,
    j: usize,
    scoring: &Scoring,
    synonym: &dyn Fn(usize, usize) -> bool,
) -> (i32, Op) {
    if q.hash == s.hash {
        (if q.is_stopword { scoring.stopword_match } else { scoring.content_match }, Op::Match)
    } else if q.canon == s.canon && q.canon != ABSORBED {
        (scoring.equivalent, Op::Equivalent)
    } else if q.is_content() && s.is_content() && synonym(i, j) {
        (scoring.synonym, Op::Equivalent)
    } else {
        (scoring.mismatch, Op::Substitute)
    }
}

/// [`align`] with a thesaurus: `synonym(i, j)` tells whether `query[i]` and `source[j]` are
/// synonyms (asked only of two different content words).
pub fn align_with(
    query: &[Token],
    source: &[Token],
    scoring: &Scoring,
    synonym: &dyn Fn(usize, usize) -> bool,
) -> Option<Alignment> {
    let (n, m) = (query.len(), source.len());
    if n == 0 || m == 0 {
        return None;
    }
    let width = m + 1;
    // h: best score of an alignment ending at (i, j) in any state (floored at 0);
    // e: ending with a deletion (source token j-1 unmatched); f: ending with an insertion.
    let mut h = vec![0i32; (n + 1) * width];
    let mut e = vec![NEG; (n + 1) * width];
    let mut f = vec![NEG; (n + 1) * width];
    let (mut best, mut best_at) = (0i32, (0usize, 0usize));
    for i in 1..=n {
        let q = &query[i - 1];
        let row = i * width;
        let up = (i - 1) * width;
        for j in 1..=m {
            let s = &source[j - 1];
            let (pair, _) = pair(q, s, i - 1, j - 1, scoring, synonym);
            let e_val =
                (h[row + j - 1] + scoring.gap_open).max(e[row + j - 1] + scoring.gap_extend);
            let f_val = (h[up + j] + scoring.gap_open).max(f[up + j] + scoring.gap_extend);
            let diag = h[up + j - 1] + pair;
            // Absorbed words of an alias phrase are skipped at no cost.
            let free_ins = if q.canon == ABSORBED { h[up + j] } else { NEG };
            let free_del = if s.canon == ABSORBED { h[row + j - 1] } else { NEG };
            let h_val = diag.max(e_val).max(f_val).max(free_ins).max(free_del).max(0);
            e[row + j] = e_val;
            f[row + j] = f_val;
            h[row + j] = h_val;
            if h_val > best {
                best = h_val;
                best_at = (i, j);
            }
        }
    }
    if best <= 0 {
        return None;
    }
    // Traceback from the best cell until the score drops to zero.
    let (mut i, mut j) = best_at;
    let mut ops = Vec::new();
    #[derive(PartialEq)]
    enum State {
        H,
        E,
        F,
    }
    let mut state = State::H;
    loop {
        let at = i * width + j;
        match state {
            State::H => {
                if i == 0 || j == 0 || h[at] == 0 {
                    break;
                }
                let q = &query[i - 1];
                let s = &source[j - 1];
                let (pair, op) = pair(q, s, i - 1, j - 1, scoring, synonym);
                if h[at] == h[(i - 1) * width + j - 1] + pair {
                    ops.push(op);
                    i -= 1;
                    j -= 1;
                } else if q.canon == ABSORBED && h[at] == h[at - width] {
                    ops.push(Op::Insert);
                    i -= 1;
                } else if s.canon == ABSORBED && h[at] == h[at - 1] {
                    ops.push(Op::Delete);
                    j -= 1;
                } else if h[at] == e[at] {
                    state = State::E;
                } else {
                    state = State::F;
                }
            }
            State::E => {
                ops.push(Op::Delete);
                if e[at] != h[at - 1] + scoring.gap_open {
                    state = State::E;
                } else {
                    state = State::H;
                }
                j -= 1;
            }
            State::F => {
                ops.push(Op::Insert);
                if f[at] != h[at - width] + scoring.gap_open {
                    state = State::F;
                } else {
                    state = State::H;
                }
                i -= 1;
            }
        }
    }
    ops.reverse();
    // A local alignment never starts or ends with a non-match step (an equivalent pair may
    // start it), but trim defensively so spans are tight.
    let is_pair = |op: &Op| matches!(op, Op::Match | Op::Equivalent);
    while ops.first().is_some_and(|op| !is_pair(op)) {
        match ops.remove(0) {
            Op::Insert => i += 1,
            Op::Delete => j += 1,
            _ => {
                i += 1;
                j += 1;
            }
        }
    }
    let (q_start, s_start) = (i, j);
    while ops.last().is_some_and(|op| !is_pair(op)) {
        ops.pop();
    }
    let q_len = ops.iter().filter(|op| **op != Op::Delete).count();
    let s_len = ops.iter().filter(|op| **op != Op::Insert).count();
    if ops.is_empty() {
        return None;
    }
    Some(Alignment {
        score: best,
        q_start,
        q_end: q_start + q_len,
        s_start,
        s_end: s_start + s_len,
        ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn check(query: &str, source: &str, expect: &str) {
        let q = tokenize(query);
        let s = tokenize(source);
        let got = match align(&q, &s, &Scoring::default()) {
            None => "none".to_string(),
            Some(a) => {
                let mut out = format!(
                    "q[{}..{}] s[{}..{}] matches={}",
                    a.q_start,
                    a.q_end,
                    a.s_start,
                    a.s_end,
                    a.n_matches()
                );
                for c in a.chunks(&q, &s) {
                    let qt = if c.q_start == c.q_end {
                        String::new()
                    } else {
                        query[q[c.q_start].byte_start..q[c.q_end - 1].byte_end].to_string()
                    };
                    let st = if c.s_start == c.s_end {
                        String::new()
                    } else {
                        source[s[c.s_start].byte_start..s[c.s_end - 1].byte_end].to_string()
                    };
                    out.push_str(&format!(" [{st}->{qt}]"));
                }
                out
            }
        };
        assert_eq!(got, expect, "query={query:?} source={source:?}");
    }

    #[test]
    fn verbatim_is_all_matches() {
        check(
            "Putin met Obama in New York",
            "Putin met Obama in New York",
            "q[0..6] s[0..6] matches=6",
        );
    }

    #[test]
    fn substitution_pairs_are_listed() {
        check(
            "the step comes as Russian Federation ramps up its military presence",
            "the step comes as Russia ramps up its military presence",
            "q[0..11] s[0..10] matches=9 [Russia->Russian Federation]",
        );
    }

    #[test]
    fn local_span_inside_longer_source() {
        check(
            "Obama will address the body Monday morning",
            "Earlier news. Obama will address the body Monday morning, with Putin following.",
            "q[0..7] s[2..9] matches=7",
        );
    }

    #[test]
    fn aliases_align_as_equivalent_with_absorbed_words_free() {
        let q = tokenize("the step comes as Russian Federation ramps up its military presence");
        let s = tokenize("the step comes as Russia ramps up its military presence");
        let a = align(&q, &s, &Scoring::default()).expect("aligns");
        assert_eq!(a.n_equivalents(), 1);
        assert_eq!(a.n_matches(), 9);
        assert_eq!((a.q_start, a.q_end, a.s_start, a.s_end), (0, 11, 0, 10));
        assert_eq!(a.chunks(&q, &s).len(), 1, "one chunk: Russia -> Russian Federation");
        assert!((a.similarity() - 10.0 / 11.0).abs() < 1e-9);
    }

    #[test]
    fn synonyms_from_the_caller_score_as_equivalent() {
        let q = tokenize("officials informed journalists the talks ended");
        let s = tokenize("officials told reporters the talks ended");
        let plain = align(&q, &s, &Scoring::default()).expect("aligns");
        let with =
            align_with(&q, &s, &Scoring::default(), &|i, j| (i, j) == (2, 2)).expect("aligns");
        assert_eq!(with.n_equivalents(), 1);
        assert!(with.score > plain.score);
        assert!(with.similarity() > plain.similarity());
    }

    #[test]
    fn insertion_and_deletion() {
        check(
            "officials said the talks reportedly ended without a deal on Friday",
            "officials said the talks ended without a deal late on Friday",
            "q[0..11] s[0..11] matches=10 [->reportedly] [late->]",
        );
    }

    #[test]
    fn unrelated_texts_do_not_align_much() {
        check("apples oranges bananas", "cars trucks planes", "none");
    }

    #[test]
    fn empty_inputs() {
        check("", "something here", "none");
        check("something here", "", "none");
    }

    #[test]
    fn similarity_counts_longer_side() {
        let q = tokenize("a b c d");
        let s = tokenize("a b x c d");
        let a = align(&q, &s, &Scoring::default()).expect("aligns");
        assert_eq!(a.n_matches(), 4);
        assert!((a.similarity() - 0.8).abs() < 1e-9);
    }

    proptest::proptest! {
        #[test]
        fn self_alignment_is_verbatim(words in proptest::collection::vec("[a-z]{1,8}", 1..40)) {
            let text = words.join(" ");
            let t = tokenize(&text);
            let a = align(&t, &t, &Scoring::default());
            if let Some(a) = a {
                // Only all-stopword texts can fail to align fully from the first token.
                proptest::prop_assert!(a.ops.iter().all(|op| *op == Op::Match));
                proptest::prop_assert_eq!(a.q_start, a.s_start);
                proptest::prop_assert_eq!(a.q_end, a.s_end);
            }
        }

        #[test]
        fn spans_stay_in_bounds(q in "[a-e ]{0,60}", s in "[a-e ]{0,60}") {
            let qt = tokenize(&q);
            let st = tokenize(&s);
            if let Some(a) = align(&qt, &st, &Scoring::default()) {
                proptest::prop_assert!(a.q_start < a.q_end && a.q_end <= qt.len());
                proptest::prop_assert!(a.s_start < a.s_end && a.s_end <= st.len());
                let q_len = a.ops.iter().filter(|op| **op != Op::Delete).count();
                proptest::prop_assert_eq!(q_len, a.q_end - a.q_start);
            }
        }
    }
}

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
    align_impl(query, source, scoring, None)
}

/// How two tokens pair up: the score and the step.
fn pair(
    q: &Token,
    s: &Token,
    i: usize,
    j: usize,
    scoring: &Scoring,
    synonym: &impl Fn(usize, usize) -> bool,
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

/// A thesaurus as the alignment of one query against one source asks it: per source token,
/// the bit set of the query tokens it is a synonym of. Source token `j` has the words
/// `rows[j * words..(j + 1) * words]`, bit `i % 64` of word `i / 64` for query token `i`,
/// with `words` = ⌈len(query) / 64⌉. Bits of pairs that are not two content words are ignored.
#[derive(Debug, Clone, Copy)]
pub struct SynonymRows<'a> {
    /// Words per source token: ⌈len(query) / 64⌉.
    pub words: usize,
    /// The bit sets, source token after source token.
    pub rows: &'a [u64],
}

impl SynonymRows<'_> {
    /// Whether `query[i]` and `source[j]` are synonyms (by the bits alone).
    pub fn get(&self, i: usize, j: usize) -> bool {
        self.rows[j * self.words + i / 64] >> (i % 64) & 1 != 0
    }

    /// The rows of `synonym(i, j)`, asked of every pair of content words of `query` and
    /// `source` (the bits of [`align_with`]).
    pub fn build(
        query: &[Token],
        source: &[Token],
        synonym: &dyn Fn(usize, usize) -> bool,
    ) -> Vec<u64> {
        let words = query.len().div_ceil(64);
        let mut rows = vec![0u64; source.len() * words];
        for (j, s) in source.iter().enumerate() {
            if !s.is_content() {
                continue;
            }
            for (i, q) in query.iter().enumerate() {
                if q.is_content() && synonym(i, j) {
                    rows[j * words + i / 64] |= 1u64 << (i % 64);
                }
            }
        }
        rows
    }
}

/// [`align`] with a thesaurus: `synonym(i, j)` tells whether `query[i]` and `source[j]` are
/// synonyms (asked once of every two content words, before aligning: see
/// [`align_with_rows`], which takes the answers as bit sets).
pub fn align_with(
    query: &[Token],
    source: &[Token],
    scoring: &Scoring,
    synonym: &dyn Fn(usize, usize) -> bool,
) -> Option<Alignment> {
    let rows = SynonymRows::build(query, source, synonym);
    let words = query.len().div_ceil(64);
    align_impl(query, source, scoring, Some(SynonymRows { words, rows: &rows }))
}

/// [`align`] with a thesaurus given as bit sets: `query[i]` and `source[j]`, two content
/// words of different hashes and canonical forms, are synonyms when `synonyms.get(i, j)`.
pub fn align_with_rows(
    query: &[Token],
    source: &[Token],
    scoring: &Scoring,
    synonyms: SynonymRows<'_>,
) -> Option<Alignment> {
    align_impl(query, source, scoring, Some(synonyms))
}

/// One source token as the alignment compares it.
#[derive(Clone, Copy)]
struct SourceToken {
    hash: u64,
    canon: u64,
    /// The query tokens of the current block of 64 rows that are synonyms of this token
    /// (0 unless it is a content word).
    synonyms: u64,
    /// All ones for a word absorbed by an alias phrase, else 0.
    absorbed: i32,
}

/// Buffers of [`align_impl`] and [`max_pairs`], kept per thread between calls.
#[derive(Default)]
struct Scratch {
    /// The scores `h`, `(n + 1) × (m + 1)`, row-major.
    h: Vec<i32>,
    /// The scores `f` of the current row.
    f: Vec<i32>,
    source: Vec<SourceToken>,
    /// The pair scores of the current row.
    pairs: Vec<i32>,
    /// Buffers of the traceback.
    e_row: Vec<i32>,
    f_col: Vec<i32>,
    /// Buffers of [`max_pairs`].
    bounds: BoundScratch,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Smith-Waterman-Gotoh. Keeps the matrix `h` only: the few values of `e` and `f` the
/// traceback asks for are computed again from it (a row of `e`, a column of `f`).
///
/// A cell's pair score is chosen without branches from per-row constants (the query token)
/// and per-source-token fields ([`SourceToken`]): equal hashes, equal canonical forms, the
/// synonym bit.
fn align_impl(
    query: &[Token],
    source: &[Token],
    scoring: &Scoring,
    synonyms: Option<SynonymRows<'_>>,
) -> Option<Alignment> {
    let (n, m) = (query.len(), source.len());
    if n == 0 || m == 0 {
        return None;
    }
    with_scratch(|scratch| {
        let width = m + 1;
        let Scratch { h, f, source: src, pairs, e_row, f_col, .. } = scratch;
        h.clear();
        h.resize((n + 1) * width, 0);
        f.clear();
        f.resize(width, NEG);
        src.clear();
        src.extend(source.iter().map(|s| SourceToken {
            hash: s.hash,
            canon: s.canon,
            synonyms: 0,
            absorbed: if s.canon == ABSORBED { -1 } else { 0 },
        }));
        pairs.clear();
        pairs.resize(m, 0);
        let (go, ge) = (scoring.gap_open, scoring.gap_extend);
        let (eq, mis, syn_score) = (scoring.equivalent, scoring.mismatch, scoring.synonym);
        let (mut best, mut best_at) = (0i32, (0usize, 0usize));
        for (qi, q) in query.iter().enumerate() {
            if qi % 64 == 0
                && let Some(syn) = synonyms
            {
                // The synonym bits of this block of 64 query tokens.
                let block = qi / 64;
                for (j, (s, t)) in src.iter_mut().zip(source).enumerate() {
                    s.synonyms = if t.is_content() { syn.rows[j * syn.words + block] } else { 0 };
                }
            }
            let q_match =
                if q.is_stopword { scoring.stopword_match } else { scoring.content_match };
            let q_absorbed = q.canon == ABSORBED;
            // An absorbed query word has no canonical form to share.
            let q_canon_ok = !q_absorbed;
            let q_bit = if q.is_content() { 1u64 << (qi % 64) } else { 0 };
            let q_free = if q_absorbed { -1i32 } else { 0 };
            // The pair scores of the row first: no dependency from cell to cell.
            for (s, pair) in src.iter().zip(pairs.iter_mut()) {
                let same_canon = q_canon_ok & (q.canon == s.canon);
                let synonym = s.synonyms & q_bit != 0;
                *pair = if q.hash == s.hash {
                    q_match
                } else if same_canon {
                    eq
                } else if synonym {
                    syn_score
                } else {
                    mis
                };
            }
            let (done, rest) = h.split_at_mut((qi + 1) * width);
            let up = &done[qi * width..(qi + 1) * width];
            let cur = &mut rest[..width];
            // h(i, j-1), e(i, j-1), h(i-1, j-1)
            let (mut h_left, mut e, mut h_diag) = (0i32, NEG, up[0]);
            let mut row_best = 0i32;
            for ((((h_cell, f_cell), h_up), pair), s) in
                cur[1..].iter_mut().zip(&mut f[1..]).zip(&up[1..]).zip(pairs.iter()).zip(src.iter())
            {
                let h_up = *h_up;
                let f_val = (h_up + go).max(*f_cell + ge);
                // Absorbed words of an alias phrase are skipped at no cost (h is never
                // negative, so masking it to 0 leaves the floor below unchanged). What does
                // not depend on the cell to the left is taken first, to keep the chain from
                // cell to cell short.
                let other = (h_diag + pair).max(f_val).max(h_up & q_free).max(0);
                let e_val = (h_left + go).max(e + ge);
                let h_val = other.max(h_left & s.absorbed).max(e_val);
                *h_cell = h_val;
                *f_cell = f_val;
                h_left = h_val;
                h_diag = h_up;
                e = e_val;
                row_best = row_best.max(h_val);
            }
            if row_best > best {
                // The first cell of the row with the row's best, as a row-major scan finds.
                let j = cur[1..].iter().position(|v| *v == row_best).unwrap_or(0);
                best = row_best;
                best_at = (qi + 1, j + 1);
            }
        }
        if best <= 0 {
            return None;
        }
        let matrix = Matrix { h, width, go, ge, e_row, e_row_at: None, f_col, f_col_at: None };
        let synonym = |i: usize, j: usize| synonyms.is_some_and(|syn| syn.get(i, j));
        traceback(query, source, scoring, &synonym, matrix, best, best_at)
    })
}

/// The matrix `h`, with `e` and `f` computed again on demand.
struct Matrix<'a> {
    h: &'a [i32],
    width: usize,
    go: i32,
    ge: i32,
    /// `e` of row `e_row_at`.
    e_row: &'a mut Vec<i32>,
    e_row_at: Option<usize>,
    /// `f` of column `f_col_at`.
    f_col: &'a mut Vec<i32>,
    f_col_at: Option<usize>,
}

impl Matrix<'_> {
    fn h(&self, i: usize, j: usize) -> i32 {
        self.h[i * self.width + j]
    }

    /// e(i, j): the best score ending with a deletion (source token j-1 unmatched).
    fn e(&mut self, i: usize, j: usize) -> i32 {
        if self.e_row_at != Some(i) {
            let row = &self.h[i * self.width..(i + 1) * self.width];
            self.e_row.clear();
            self.e_row.push(NEG);
            for k in 1..self.width {
                let e = (row[k - 1] + self.go).max(self.e_row[k - 1] + self.ge);
                self.e_row.push(e);
            }
            self.e_row_at = Some(i);
        }
        self.e_row[j]
    }

    /// f(i, j): the best score ending with an insertion (query token i-1 unmatched).
    fn f(&mut self, i: usize, j: usize) -> i32 {
        if self.f_col_at != Some(j) {
            let n = self.h.len() / self.width - 1;
            self.f_col.clear();
            self.f_col.push(NEG);
            for k in 1..=n {
                let f = (self.h(k - 1, j) + self.go).max(self.f_col[k - 1] + self.ge);
                self.f_col.push(f);
            }
            self.f_col_at = Some(j);
        }
        self.f_col[i]
    }
}

/// Follows the matrix from the best cell `best_at` until the score drops to zero, and trims
/// the ends to pairs.
fn traceback(
    query: &[Token],
    source: &[Token],
    scoring: &Scoring,
    synonym: &impl Fn(usize, usize) -> bool,
    mut mx: Matrix<'_>,
    best: i32,
    best_at: (usize, usize),
) -> Option<Alignment> {
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
        match state {
            State::H => {
                if i == 0 || j == 0 {
                    break;
                }
                let h = mx.h(i, j);
                if h == 0 {
                    break;
                }
                let q = &query[i - 1];
                let s = &source[j - 1];
                let (pair, op) = pair(q, s, i - 1, j - 1, scoring, synonym);
                if h == mx.h(i - 1, j - 1) + pair {
                    ops.push(op);
                    i -= 1;
                    j -= 1;
                } else if q.canon == ABSORBED && h == mx.h(i - 1, j) {
                    ops.push(Op::Insert);
                    i -= 1;
                } else if s.canon == ABSORBED && h == mx.h(i, j - 1) {
                    ops.push(Op::Delete);
                    j -= 1;
                } else if h == mx.e(i, j) {
                    state = State::E;
                } else {
                    state = State::F;
                }
            }
            State::E => {
                ops.push(Op::Delete);
                if mx.e(i, j) == mx.h(i, j - 1) + mx.go {
                    state = State::H;
                }
                j -= 1;
            }
            State::F => {
                ops.push(Op::Insert);
                if mx.f(i, j) == mx.h(i - 1, j) + mx.go {
                    state = State::H;
                }
                i -= 1;
            }
        }
    }
    ops.reverse();
    from_traceback(ops, (i, j), best)
}

/// The alignment whose steps, in order, are `ops`, starting at query token `i` and source
/// token `j` (`start`), with score `best`; `None` without a pair.
fn from_traceback(mut ops: Vec<Op>, start: (usize, usize), best: i32) -> Option<Alignment> {
    let (mut i, mut j) = start;
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

/// Upper bounds, computed in O(len(source) × ⌈len(query)/64⌉), on what any alignment of
/// `query` against `source` can hold, to skip alignments that cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairBounds {
    /// At most this many [`Op::Match`] and [`Op::Equivalent`] steps: the longest common
    /// subsequence under "would pair as a match or an equivalent" (the steps of an
    /// alignment advance on both sides, so its pairs are such a subsequence).
    pub pairs: usize,
    /// At most this many [`Op::Match`] steps on a query token that is not a stop word: the
    /// query's non-stop-word tokens whose exact word occurs in `source`.
    pub content_matches: usize,
}

/// Buffers of [`max_pairs`]: the table of a query, and the buffers of one bound.
#[derive(Default)]
struct BoundScratch {
    /// Tokens of the query.
    n: usize,
    /// ⌈n / 64⌉.
    words: usize,
    /// Open-addressing table: slot → (tagged key, index into `masks`; `u32::MAX`: empty).
    /// Hashes and canonical hashes share it, tagged apart; a clash of tagged keys only
    /// merges two bit sets, which loosens the bound but keeps it a bound.
    slots: Vec<(u64, u32)>,
    /// Bit sets of query positions, `words` u64 each, per key of `slots`.
    masks: Vec<u64>,
    /// The LCS bit vector.
    v: Vec<u64>,
    /// The query positions that pair with the current source token.
    row: Vec<u64>,
    /// The query positions whose exact word occurs in the source.
    seen: Vec<u64>,
    /// The query positions of stop words.
    stop: Vec<u64>,
    /// The query positions of content words.
    content: Vec<u64>,
}

impl BoundScratch {
    /// The mask index of `key` in table `table` (0: hashes, 1: canons), inserting it.
    fn slot(&mut self, table: u64, key: u64, words: usize) -> usize {
        let mask = self.slots.len() - 1;
        // Token hashes are xxh3 values: their bits are already mixed.
        let tagged = key ^ table.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = (tagged as usize) & mask;
        loop {
            let (k, idx) = self.slots[at];
            if idx == u32::MAX {
                let idx = self.masks.len() / words;
                self.slots[at] = (tagged, idx as u32);
                self.masks.resize(self.masks.len() + words, 0);
                return idx;
            }
            if k == tagged {
                return idx as usize;
            }
            at = (at + 1) & mask;
        }
    }

    /// The mask index of `key` in table `table`, if present.
    fn find(&self, table: u64, key: u64) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let tagged = key ^ table.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = (tagged as usize) & mask;
        loop {
            let (k, idx) = self.slots[at];
            if idx == u32::MAX {
                return None;
            }
            if k == tagged {
                return Some(idx as usize);
            }
            at = (at + 1) & mask;
        }
    }
}

/// [`PairBounds`] of `query` against `source`, with the thesaurus of the alignment
/// (`synonyms`, see [`align_with_rows`]) if it has one. Cost O(len(source) × ⌈len(query)/64⌉)
/// after O(len(query)) for the query's table: [`QueryBounds`] keeps that table for a query
/// bounded against many sources.
pub fn max_pairs(
    query: &[Token],
    source: &[Token],
    synonyms: Option<SynonymRows<'_>>,
) -> PairBounds {
    with_scratch(|scratch| {
        let b = &mut scratch.bounds;
        b.set_query(query);
        b.bounds(source, synonyms)
    })
}

/// [`max_pairs`] of one query against many sources: the query's table is made once.
#[derive(Default)]
pub struct QueryBounds {
    table: BoundScratch,
}

impl QueryBounds {
    /// The table of `query`.
    pub fn new(query: &[Token]) -> QueryBounds {
        let mut table = BoundScratch::default();
        table.set_query(query);
        QueryBounds { table }
    }

    /// [`max_pairs`] of the query against `source`.
    pub fn max_pairs(&mut self, source: &[Token], synonyms: Option<SynonymRows<'_>>) -> PairBounds {
        self.table.bounds(source, synonyms)
    }
}

impl BoundScratch {
    /// Makes the table of `query`.
    fn set_query(&mut self, query: &[Token]) {
        let n = query.len();
        let words = n.div_ceil(64);
        let b = self;
        b.n = n;
        b.words = words;
        let n_slots = (4 * n).next_power_of_two();
        b.slots.clear();
        b.slots.resize(n_slots, (0, u32::MAX));
        b.masks.clear();
        b.stop.clear();
        b.stop.resize(words, 0);
        b.content.clear();
        b.content.resize(words, 0);
        for (i, q) in query.iter().enumerate() {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            let idx = b.slot(0, q.hash, words);
            b.masks[idx * words + word] |= bit;
            if q.canon != ABSORBED {
                let idx = b.slot(1, q.canon, words);
                b.masks[idx * words + word] |= bit;
            }
            if q.is_stopword {
                b.stop[word] |= bit;
            }
            if q.is_content() {
                b.content[word] |= bit;
            }
        }
    }

    /// The bounds of the query of the table against `source`.
    fn bounds(&mut self, source: &[Token], synonyms: Option<SynonymRows<'_>>) -> PairBounds {
        let (n, words) = (self.n, self.words);
        if n == 0 || source.is_empty() {
            return PairBounds { pairs: 0, content_matches: 0 };
        }
        let b = self;
        // Bit-parallel LCS (Hyyrö 2004): the zeros of `v` count the longest chain of pairs.
        b.v.clear();
        b.v.resize(words, !0);
        b.row.clear();
        b.row.resize(words, 0);
        b.seen.clear();
        b.seen.resize(words, 0);
        for (j, s) in source.iter().enumerate() {
            b.row.iter_mut().for_each(|w| *w = 0);
            let by_hash = b.find(0, s.hash);
            if let Some(idx) = by_hash {
                for k in 0..words {
                    b.row[k] |= b.masks[idx * words + k];
                    b.seen[k] |= b.masks[idx * words + k];
                }
            }
            if s.canon != ABSORBED
                && let Some(idx) = b.find(1, s.canon)
            {
                for k in 0..words {
                    b.row[k] |= b.masks[idx * words + k];
                }
            }
            if let Some(syn) = synonyms
                && s.is_content()
            {
                let of_j = &syn.rows[j * syn.words..(j + 1) * syn.words];
                for ((row, synonym), content) in b.row.iter_mut().zip(of_j).zip(&b.content) {
                    *row |= synonym & content;
                }
            }
            let mut carry = false;
            for k in 0..words {
                let (v, row) = (b.v[k], b.row[k]);
                let (sum, c1) = v.overflowing_add(v & row);
                let (sum, c2) = sum.overflowing_add(u64::from(carry));
                carry = c1 || c2;
                b.v[k] = sum | (v & !row);
            }
        }
        let ones: u32 = b.v.iter().map(|w| w.count_ones()).sum();
        let pairs = words * 64 - ones as usize;
        let content_matches: u32 =
            b.seen.iter().zip(&b.stop).map(|(seen, stop)| (seen & !stop).count_ones()).sum();
        PairBounds { pairs, content_matches: content_matches as usize }
    }
}

#[cfg(test)]
mod tests;

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
    let with = align_with(&q, &s, &Scoring::default(), &|i, j| (i, j) == (2, 2)).expect("aligns");
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

// --- the fast paths against plain implementations ----------------------------------

/// The alignment as first written: three full matrices and a `pair` call per cell.
fn reference_align(
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
            let (pair, _) = reference_pair(q, s, i - 1, j - 1, scoring, synonym);
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
                let (pair, op) = reference_pair(q, s, i - 1, j - 1, scoring, synonym);
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
    // The trimming is shared; what is checked is the matrix and its traceback.
    from_traceback(ops, (i, j), best)
}

/// The pairing of the reference alignment.
fn reference_pair(
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

/// A token of a small vocabulary: words 1..=3 are stop words, 4..=10 content words;
/// `canon` 1 is an alias class shared by words of different hashes, 0 an absorbed word.
fn token(word: u64, canon: u64) -> Token {
    let hash = 1000 + word;
    Token {
        byte_start: 0,
        byte_end: 0,
        hash,
        canon: match canon {
            0 => ABSORBED,
            1 => 7,
            _ => hash,
        },
        is_stopword: word <= 3,
        is_marked: false,
    }
}

fn tokens() -> impl proptest::strategy::Strategy<Value = Vec<Token>> {
    use proptest::prelude::*;
    proptest::collection::vec(
        (1u64..=10, prop_oneof![6 => Just(2u64), 1 => Just(1), 1 => Just(0)]),
        0..150,
    )
    .prop_map(|words| words.into_iter().map(|(w, c)| token(w, c)).collect())
}

fn scorings() -> impl proptest::strategy::Strategy<Value = Scoring> {
    use proptest::prelude::*;
    prop_oneof![
        3 => Just(Scoring::default()),
        1 => (1i32..5, 0i32..3, -3i32..0, -5i32..-1, -3i32..0, 0i32..5, 0i32..4).prop_map(
            |(content_match, stopword_match, mismatch, gap_open, gap_extend, equivalent, synonym)| {
                Scoring { content_match, stopword_match, mismatch, gap_open, gap_extend, equivalent, synonym }
            }
        ),
    ]
}

/// The synonyms of the tests: some pairs of different words, by their hashes.
fn synonym_of<'a>(q: &'a [Token], s: &'a [Token], seed: u64) -> impl Fn(usize, usize) -> bool + 'a {
    move |i, j| (q[i].hash.wrapping_mul(31) ^ s[j].hash.wrapping_mul(17) ^ seed).is_multiple_of(5)
}

/// The longest chain of pairing tokens, by the plain quadratic recurrence.
fn plain_lcs(q: &[Token], s: &[Token], synonym: &dyn Fn(usize, usize) -> bool) -> usize {
    let mut l = vec![vec![0usize; s.len() + 1]; q.len() + 1];
    for i in 1..=q.len() {
        for j in 1..=s.len() {
            let (_, op) =
                reference_pair(&q[i - 1], &s[j - 1], i - 1, j - 1, &Scoring::default(), synonym);
            l[i][j] = if op != Op::Substitute {
                l[i - 1][j - 1] + 1
            } else {
                l[i - 1][j].max(l[i][j - 1])
            };
        }
    }
    l[q.len()][s.len()]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn fast_alignment_equals_reference(q in tokens(), s in tokens(), scoring in scorings(), seed in 0u64..5, with_synonyms: bool) {
        if with_synonyms {
            let syn = synonym_of(&q, &s, seed);
            let reference = reference_align(&q, &s, &scoring, &syn);
            proptest::prop_assert_eq!(&align_with(&q, &s, &scoring, &syn), &reference);
            // The bit sets as the trace makes them: bits of stop words too (ignored).
            let words = q.len().div_ceil(64);
            let mut rows = vec![0u64; s.len() * words];
            for j in 0..s.len() {
                for i in 0..q.len() {
                    if syn(i, j) {
                        rows[j * words + i / 64] |= 1 << (i % 64);
                    }
                }
            }
            let fast = align_with_rows(&q, &s, &scoring, SynonymRows { words, rows: &rows });
            proptest::prop_assert_eq!(&fast, &reference);
        } else {
            proptest::prop_assert_eq!(align(&q, &s, &scoring), reference_align(&q, &s, &scoring, &|_, _| false));
        }
    }

    #[test]
    fn pair_bounds_are_exact_lcs_and_bound_the_alignment(q in tokens(), s in tokens(), seed in 0u64..5, with_synonyms: bool) {
        let syn = synonym_of(&q, &s, seed);
        let none = |_: usize, _: usize| false;
        let synonym: &dyn Fn(usize, usize) -> bool = if with_synonyms { &syn } else { &none };
        let rows = SynonymRows::build(&q, &s, synonym);
        let words = q.len().div_ceil(64);
        let bounds = max_pairs(&q, &s, with_synonyms.then_some(SynonymRows { words, rows: &rows }));
        proptest::prop_assert_eq!(bounds.pairs, plain_lcs(&q, &s, synonym));
        // The query's table kept from one source to the next gives the same bounds.
        let mut bounder = QueryBounds::new(&q);
        let other = tokenize("the other source of the same query");
        bounder.max_pairs(&other, None);
        let kept = bounder.max_pairs(&s, with_synonyms.then_some(SynonymRows { words, rows: &rows }));
        proptest::prop_assert_eq!(kept, bounds);
        let exact: std::collections::HashSet<u64> = s.iter().map(|t| t.hash).collect();
        let content = q.iter().filter(|t| !t.is_stopword && exact.contains(&t.hash)).count();
        proptest::prop_assert_eq!(bounds.content_matches, content);
        if let Some(a) = align_with(&q, &s, &Scoring::default(), synonym) {
            proptest::prop_assert!(a.n_matches() + a.n_equivalents() <= bounds.pairs);
            let mut qi = a.q_start;
            let mut content_matches = 0;
            for op in &a.ops {
                if *op == Op::Match && !q[qi].is_stopword {
                    content_matches += 1;
                }
                if *op != Op::Delete {
                    qi += 1;
                }
            }
            proptest::prop_assert!(content_matches <= bounds.content_matches);
        }
    }
}

/// Pseudo-random tokens for the cell benchmark: a vocabulary of 400 words, the first 60
/// stop words; every content word has 3 senses out of 3,000 (sorted), as WordNet gives.
fn bench_corpus(n: usize, seed: u64) -> (Vec<Token>, Vec<Vec<u32>>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut tokens = Vec::new();
    let mut senses = Vec::new();
    for _ in 0..n {
        let word = next() % 400;
        let hash = 0x1234_5678_9abc ^ word.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        tokens.push(Token {
            byte_start: 0,
            byte_end: 0,
            hash,
            canon: hash,
            is_stopword: word < 60,
            is_marked: false,
        });
        let mut own: Vec<u32> = if word < 60 {
            Vec::new()
        } else {
            (0..3u64).map(|k| ((word * 7 + k * 131) % 3000) as u32).collect()
        };
        own.sort_unstable();
        senses.push(own);
    }
    (tokens, senses)
}

/// Cells per second of the alignment with a thesaurus, as the trace calls it: run with
/// `cargo test --release -p unspun-core align_cell_rate -- --ignored --nocapture`.
#[test]
#[ignore]
fn align_cell_rate() {
    let pairs: Vec<_> =
        (0..400u64).map(|k| (bench_corpus(28, 2 * k + 1), bench_corpus(72, 2 * k + 2))).collect();
    // The bit sets as the trace makes them: the query tokens of each sense, then each source
    // token's senses looked up.
    let rows: Vec<Vec<u64>> = pairs
        .iter()
        .map(|((_, qs), (_, ss))| {
            let mut by_sense: std::collections::HashMap<u32, u64> = Default::default();
            for (i, qi) in qs.iter().enumerate() {
                for sense in qi {
                    *by_sense.entry(*sense).or_default() |= 1 << i;
                }
            }
            ss.iter()
                .map(|sj| sj.iter().fold(0, |row, sense| row | by_sense.get(sense).unwrap_or(&0)))
                .collect()
        })
        .collect();
    for bound in [true, false] {
        let (mut cells, mut found) = (0u64, 0usize);
        let start = std::time::Instant::now();
        for _ in 0..50 {
            for (((q, _), (s, _)), rows) in pairs.iter().zip(&rows) {
                let syn = SynonymRows { words: 1, rows };
                if bound {
                    found += max_pairs(q, s, Some(syn)).pairs;
                } else if let Some(a) = align_with_rows(q, s, &Scoring::default(), syn) {
                    found += a.ops.len();
                }
                cells += (q.len() * s.len()) as u64;
            }
        }
        let elapsed = start.elapsed();
        println!(
            "{}: {cells} cells in {:.3} s: {:.2} ns/cell (found {found})",
            if bound { "max_pairs" } else { "align" },
            elapsed.as_secs_f64(),
            elapsed.as_nanos() as f64 / cells as f64
        );
    }
    // The fill alone: no thesaurus.
    let (mut cells, mut found) = (0u64, 0usize);
    let start = std::time::Instant::now();
    for _ in 0..50 {
        for ((q, _), (s, _)) in &pairs {
            if let Some(a) = align(q, s, &Scoring::default()) {
                found += a.ops.len();
            }
            cells += (q.len() * s.len()) as u64;
        }
    }
    let elapsed = start.elapsed();
    println!(
        "align without thesaurus: {cells} cells in {:.3} s: {:.2} ns/cell (found {found})",
        elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / cells as f64
    );
}

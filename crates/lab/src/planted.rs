//! Report sentences against planted truth: which document each report sentence is
//! attributed to, each planted sentence's outcome, the verdict a patchwork should get. Pure;
//! `unspun eval` and `unspun demo` run the traces and print.

use std::ops::Range;

use unspun_core::report::{CharIndex, SentenceStatus, TraceReport, VerdictKind};

use crate::eval::AttributionCounts;
use crate::patchwork::Patchwork;

/// What the evaluation needs of one report sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceView {
    /// The sentence's characters in the report's article.
    pub char_range: Range<usize>,
    /// The sentence's text.
    pub text: String,
    /// Origin id when the sentence is sourced.
    pub origin: Option<String>,
    /// Ids of the co-copies of the origin.
    pub co_copies: Vec<String>,
    /// Whether the match is a quotation other documents carry too: the report shows it as a
    /// shared quotation, which its verdict does not count as copying.
    pub quoted: bool,
}

/// The sentences of `report` with their origin and co-copy ids resolved.
pub fn sentence_views(report: &TraceReport) -> Vec<SentenceView> {
    let id_of = |source: usize| report.sources.get(source).map(|s| s.id.clone());
    report
        .sentences
        .iter()
        .map(|sentence| {
            let sourced = match (&sentence.source_match, sentence.status) {
                (Some(m), SentenceStatus::Sourced) => Some(m),
                _ => None,
            };
            SentenceView {
                char_range: sentence.char_start..sentence.char_end,
                text: sentence.text.clone(),
                origin: sourced.and_then(|m| id_of(m.source)),
                co_copies: sourced
                    .map(|m| m.co_copies.iter().filter_map(|&c| id_of(c)).collect())
                    .unwrap_or_default(),
                quoted: sourced.is_some_and(|m| m.quoted),
            }
        })
        .collect()
}

/// How one sentence's attribution compares with the expected source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The origin is the expected document.
    Strict,
    /// The expected document is a co-copy of the origin (an equally good, equally old copy).
    Lenient,
    /// Sourced to another document.
    Wrong,
    /// No source.
    Unsourced,
}

/// How `view` is attributed, against the `expected` source document.
pub fn attribution(view: &SentenceView, expected: &str) -> Verdict {
    match &view.origin {
        None => Verdict::Unsourced,
        Some(origin) if origin == expected => Verdict::Strict,
        Some(_) if view.co_copies.iter().any(|c| c == expected) => Verdict::Lenient,
        Some(_) => Verdict::Wrong,
    }
}

/// The length buckets of planted sentences (in words), for `by_kind`.
pub const LENGTH_BUCKETS: [&str; 4] = ["words 1-7", "words 8-15", "words 16-25", "words 26+"];

/// The length bucket of a sentence of `n` words.
pub fn length_bucket(n: usize) -> &'static str {
    match n {
        0..=7 => LENGTH_BUCKETS[0],
        8..=15 => LENGTH_BUCKETS[1],
        16..=25 => LENGTH_BUCKETS[2],
        _ => LENGTH_BUCKETS[3],
    }
}

/// Number of words (whitespace-separated pieces with a letter or digit).
pub fn n_words(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

/// Whether two half-open ranges share at least one position.
pub fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start.max(b.start) < a.end.min(b.end)
}

/// One planted sentence, in characters of the patchwork's text.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedSpan {
    /// The planted sentence's characters.
    pub char_range: Range<usize>,
    /// `None` for an original (negative) sentence.
    pub source_id: Option<String>,
}

/// How one planted sentence was scored (the scorer's own type, under the name the demo uses).
pub use crate::eval::AttributionOutcome as PlantedOutcome;

/// Scores the planted sentences of one patchwork against the report's sentences.
///
/// The unit is the planted sentence. A sourced planted sentence is a true positive when a
/// sourced report sentence overlapping it has the right origin (or, when `lenient`, lists the
/// right document as a co-copy); otherwise it is a false negative, and also a false positive
/// when overlapping report sentences name only wrong documents. A negative planted sentence
/// overlapped by a sourced report sentence is a false positive, unless every such sentence is
/// a shared quotation (shown as one, and not counted as copying by the report's verdict). Report sentences overlapping no
/// planted sentence (the repeated title) are not counted.
pub fn score_planted(
    planted: &[PlantedSpan],
    sentences: &[SentenceView],
    lenient: bool,
) -> (AttributionCounts, Vec<PlantedOutcome>) {
    let mut counts = AttributionCounts::default();
    let mut outcomes = Vec::with_capacity(planted.len());
    for span in planted {
        let sourced: Vec<&SentenceView> = sentences
            .iter()
            .filter(|s| s.origin.is_some() && overlaps(&s.char_range, &span.char_range))
            .collect();
        let outcome = match &span.source_id {
            None if sourced.iter().all(|s| s.quoted) => PlantedOutcome::CorrectlyOriginal,
            None => PlantedOutcome::FalseSource,
            Some(_) if sourced.is_empty() => PlantedOutcome::Missed,
            Some(source_id) => {
                let right = sourced.iter().any(|s| match attribution(s, source_id) {
                    Verdict::Strict => true,
                    Verdict::Lenient => lenient,
                    Verdict::Wrong | Verdict::Unsourced => false,
                });
                if right { PlantedOutcome::Found } else { PlantedOutcome::WrongSource }
            }
        };
        counts += outcome.counts();
        outcomes.push(outcome);
    }
    (counts, outcomes)
}

/// The verdict a patchwork with `n_sources` distinct planted sources should get.
pub fn expected_verdict(n_sources: usize) -> VerdictKind {
    match n_sources {
        0 => VerdictKind::Original,
        1 => VerdictKind::Copy,
        _ => VerdictKind::Patchwork,
    }
}

/// Characters `range` of `text`.
pub fn char_slice(text: &str, range: Range<usize>) -> String {
    text.chars().skip(range.start).take(range.end.saturating_sub(range.start)).collect()
}

/// `text` cut to at most `max_chars` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let mut out: String = flat.chars().take(max_chars).collect();
    out.push('…');
    out
}

/// The planted sentences of `patchwork` in characters of its text.
pub fn planted_spans(patchwork: &Patchwork) -> Vec<PlantedSpan> {
    let chars = CharIndex::new(&patchwork.doc.text);
    patchwork
        .truth
        .iter()
        .map(|t| PlantedSpan {
            char_range: chars.char_offset(t.query_byte_start)..chars.char_offset(t.query_byte_end),
            source_id: t.source_id.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(range: Range<usize>, origin: Option<&str>, co_copies: &[&str]) -> SentenceView {
        SentenceView {
            char_range: range,
            text: "one two three four five".to_string(),
            origin: origin.map(str::to_string),
            co_copies: co_copies.iter().map(|c| c.to_string()).collect(),
            quoted: false,
        }
    }

    fn span(range: Range<usize>, source: Option<&str>) -> PlantedSpan {
        PlantedSpan { char_range: range, source_id: source.map(str::to_string) }
    }

    fn counts(tp: usize, fp: usize, fn_: usize) -> AttributionCounts {
        AttributionCounts { tp, fp, fn_ }
    }

    #[test]
    fn attribution_distinguishes_strict_lenient_wrong_and_unsourced() {
        assert_eq!(attribution(&view(0..5, Some("a"), &["b"]), "a"), Verdict::Strict);
        assert_eq!(attribution(&view(0..5, Some("a"), &["b"]), "b"), Verdict::Lenient);
        assert_eq!(attribution(&view(0..5, Some("a"), &["b"]), "c"), Verdict::Wrong);
        assert_eq!(attribution(&view(0..5, None, &[]), "a"), Verdict::Unsourced);
    }

    #[test]
    fn planted_perfect_trace() {
        let planted = [span(0..10, Some("a")), span(11..20, Some("b")), span(21..30, None)];
        let views =
            [view(0..10, Some("a"), &[]), view(11..20, Some("b"), &[]), view(21..30, None, &[])];
        let (c, outcomes) = score_planted(&planted, &views, false);
        assert_eq!(c, counts(2, 0, 0));
        assert_eq!(outcomes[2], PlantedOutcome::CorrectlyOriginal);
    }

    #[test]
    fn planted_trace_reporting_nothing() {
        let planted = [span(0..10, Some("a")), span(11..20, Some("b")), span(21..30, None)];
        let views = [view(0..10, None, &[]), view(11..20, None, &[]), view(21..30, None, &[])];
        let (c, _) = score_planted(&planted, &views, false);
        assert_eq!(c, counts(0, 0, 2));
        assert_eq!((c.precision(), c.recall()), (0.0, 0.0));
    }

    #[test]
    fn planted_trace_sourcing_everything_to_one_document() {
        // Everything attributed to "a": right once, wrong for "b" (fp + fn), the negative is a
        // false positive.
        let planted = [span(0..10, Some("a")), span(11..20, Some("b")), span(21..30, None)];
        let views = [
            view(0..10, Some("a"), &[]),
            view(11..20, Some("a"), &[]),
            view(21..30, Some("a"), &[]),
        ];
        let (c, outcomes) = score_planted(&planted, &views, false);
        assert_eq!(c, counts(1, 2, 1));
        assert_eq!(
            outcomes,
            [PlantedOutcome::Found, PlantedOutcome::WrongSource, PlantedOutcome::FalseSource]
        );
    }

    #[test]
    fn a_shared_quotation_on_a_negative_is_no_false_source() {
        let planted = [span(0..10, Some("a")), span(11..20, None), span(21..30, None)];
        let quoted = SentenceView { quoted: true, ..view(11..20, Some("q"), &[]) };
        let views = [view(0..10, Some("a"), &[]), quoted, view(21..30, Some("z"), &[])];
        let (c, outcomes) = score_planted(&planted, &views, false);
        assert_eq!(c, counts(1, 1, 0));
        assert_eq!(
            outcomes,
            [PlantedOutcome::Found, PlantedOutcome::CorrectlyOriginal, PlantedOutcome::FalseSource]
        );
    }

    #[test]
    fn planted_half_found_and_co_copy_only_in_lenient() {
        let planted = [span(0..10, Some("a")), span(11..20, Some("b"))];
        let views = [view(0..10, Some("a"), &[]), view(11..20, Some("x"), &["b"])];
        assert_eq!(score_planted(&planted, &views, false).0, counts(1, 1, 1));
        assert_eq!(score_planted(&planted, &views, true).0, counts(2, 0, 0));
    }

    #[test]
    fn planted_sentence_split_into_pieces_counts_once() {
        // The splitter cut one planted sentence into three report sentences: one is enough.
        let planted = [span(0..30, Some("a"))];
        let views =
            [view(0..10, Some("a"), &[]), view(10..20, None, &[]), view(20..30, Some("a"), &[])];
        assert_eq!(score_planted(&planted, &views, false).0, counts(1, 0, 0));
        // Report sentences that overlap no planted sentence (the repeated title) do not count.
        let views = [view(0..30, Some("a"), &[]), view(31..40, Some("z"), &[])];
        assert_eq!(score_planted(&planted, &views, false).0, counts(1, 0, 0));
    }

    #[test]
    fn planted_touching_ranges_do_not_overlap() {
        let planted = [span(0..10, None)];
        let views = [view(10..20, Some("a"), &[])];
        assert_eq!(score_planted(&planted, &views, false).0, counts(0, 0, 0));
    }

    #[test]
    fn expected_verdict_by_number_of_sources() {
        assert_eq!(expected_verdict(0), VerdictKind::Original);
        assert_eq!(expected_verdict(1), VerdictKind::Copy);
        assert_eq!(expected_verdict(3), VerdictKind::Patchwork);
    }

    #[test]
    fn char_helpers() {
        assert_eq!(char_slice("a“b”c", 1..4), "“b”");
        assert_eq!(shorten("a  b\nc", 10), "a b c");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(n_words("He said: “no” — 3 times."), 5);
    }
}

//! Scorers for `unspun eval`: pure functions that compare detections with ground truth.
//!
//! Two families:
//! - [`pan_score`]: the PAN text-alignment measures of Potthast et al. (2010), "An Evaluation
//!   Framework for Plagiarism Detection", with the macro-averaged precision and recall used at
//!   PAN 2013, granularity and plagdet. A case or detection is a pair of character ranges, one
//!   in the suspicious (reusing) document and one in the source document.
//! - [`AttributionCounts`]: true/false positive and false negative counts of sentence
//!   attributions, with precision, recall and F1.
//!
//! Nothing here reads files or knows the corpora; the command-line tool maps reports and truth
//! files onto these types.
//!
//! ```
//! use unspun_core::eval::{PanCase, pan_score};
//! let case = PanCase::new("susp-1", "src-1", 0..100, 0..100);
//! let half = PanCase::new("susp-1", "src-1", 0..50, 0..50);
//! let score = pan_score(&[case], &[half]);
//! assert_eq!(score.recall, 0.5);
//! assert_eq!(score.precision, 1.0);
//! ```

use std::collections::HashMap;
use std::ops::{Add, AddAssign, Range};

use serde::Serialize;

/// A plagiarism case or a detection: a passage of a suspicious document and the passage of a
/// source document it corresponds to. Ranges are half-open, in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PanCase {
    /// Id of the suspicious (reusing) document.
    pub susp_doc: String,
    /// Id of the source document.
    pub src_doc: String,
    /// The passage in the suspicious document, in characters.
    pub susp_char_range: Range<usize>,
    /// The passage in the source document, in characters.
    pub src_char_range: Range<usize>,
}

impl PanCase {
    /// A case or detection from its parts.
    pub fn new(
        susp_doc: impl Into<String>,
        src_doc: impl Into<String>,
        susp_char_range: Range<usize>,
        src_char_range: Range<usize>,
    ) -> PanCase {
        PanCase {
            susp_doc: susp_doc.into(),
            src_doc: src_doc.into(),
            susp_char_range,
            src_char_range,
        }
    }

    /// `|s|`: the number of characters on both sides.
    pub fn n_chars(&self) -> usize {
        range_len(&self.susp_char_range) + range_len(&self.src_char_range)
    }

    /// Whether `self` and `other` detect each other: same document pair, and overlapping in
    /// the suspicious document and in the source document.
    pub fn detects(&self, other: &PanCase) -> bool {
        self.susp_doc == other.susp_doc
            && self.src_doc == other.src_doc
            && intersect(&self.susp_char_range, &other.susp_char_range).is_some()
            && intersect(&self.src_char_range, &other.src_char_range).is_some()
    }
}

/// The PAN text-alignment measures of a set of detections against a set of cases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PanScore {
    /// Macro precision: mean over detections of the share of its characters that lie in the
    /// cases it detects.
    pub precision: f64,
    /// Macro recall: mean over cases of the share of its characters covered by the detections
    /// that detect it.
    pub recall: f64,
    /// Mean number of detections per detected case (1 is best; 1 when no case is detected).
    pub granularity: f64,
    /// `F1(precision, recall) / log2(1 + granularity)`.
    pub plagdet: f64,
    /// Number of cases.
    pub n_cases: usize,
    /// Number of detections.
    pub n_detections: usize,
    /// Number of cases detected by at least one detection.
    pub n_cases_detected: usize,
}

/// Scores `detections` against `cases` with the PAN measures.
///
/// `s ⊓ r` is the character-wise intersection of case `s` and detection `r` on both sides when
/// `r` detects `s` (see [`PanCase::detects`]), and empty otherwise. Then
/// - recall = mean over cases `s` of `|∪_r (s ⊓ r)| / |s|`,
/// - precision = mean over detections `r` of `|∪_s (s ⊓ r)| / |r|`,
/// - granularity = mean over detected cases of the number of detections detecting them,
/// - plagdet = `F1 / log2(1 + granularity)`.
///
/// Following PAN's reference implementation, with neither cases nor detections precision and
/// recall are 1; with only one of the two they are 0. Empty cases or detections (zero
/// characters) count with a share of 0.
pub fn pan_score(cases: &[PanCase], detections: &[PanCase]) -> PanScore {
    let n_cases = cases.len();
    let n_detections = detections.len();
    let mut score = PanScore {
        precision: 0.0,
        recall: 0.0,
        granularity: 1.0,
        plagdet: 0.0,
        n_cases,
        n_detections,
        n_cases_detected: 0,
    };
    if n_cases == 0 && n_detections == 0 {
        score.precision = 1.0;
        score.recall = 1.0;
        score.plagdet = 1.0;
        return score;
    }
    if n_cases == 0 || n_detections == 0 {
        return score;
    }

    // Only detections of the same document pair can detect a case.
    let mut detections_by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (detection_idx, detection) in detections.iter().enumerate() {
        detections_by_pair
            .entry((detection.susp_doc.as_str(), detection.src_doc.as_str()))
            .or_default()
            .push(detection_idx);
    }
    let mut cases_by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (case_idx, case) in cases.iter().enumerate() {
        cases_by_pair
            .entry((case.susp_doc.as_str(), case.src_doc.as_str()))
            .or_default()
            .push(case_idx);
    }

    let mut recall_sum = 0.0;
    let mut granularity_sum = 0usize;
    for case in cases {
        let pair = (case.susp_doc.as_str(), case.src_doc.as_str());
        let detecting: Vec<&PanCase> = detections_by_pair
            .get(&pair)
            .map(|idxs| idxs.iter().map(|&i| &detections[i]).filter(|r| r.detects(case)).collect())
            .unwrap_or_default();
        if detecting.is_empty() {
            continue;
        }
        score.n_cases_detected += 1;
        granularity_sum += detecting.len();
        recall_sum += share(covered_chars(case, &detecting), case.n_chars());
    }

    let mut precision_sum = 0.0;
    for detection in detections {
        let pair = (detection.susp_doc.as_str(), detection.src_doc.as_str());
        let detected: Vec<&PanCase> = cases_by_pair
            .get(&pair)
            .map(|idxs| idxs.iter().map(|&i| &cases[i]).filter(|s| s.detects(detection)).collect())
            .unwrap_or_default();
        precision_sum += share(covered_chars(detection, &detected), detection.n_chars());
    }

    score.recall = recall_sum / n_cases as f64;
    score.precision = precision_sum / n_detections as f64;
    if score.n_cases_detected > 0 {
        score.granularity = granularity_sum as f64 / score.n_cases_detected as f64;
    }
    score.plagdet = f1(score.precision, score.recall) / (1.0 + score.granularity).log2();
    score
}

/// `|∪_o (this ⊓ o)|`: characters of `this`, on both sides, covered by any of `others` (which
/// all detect `this`).
fn covered_chars(this: &PanCase, others: &[&PanCase]) -> usize {
    let susp: Vec<Range<usize>> = others
        .iter()
        .filter_map(|o| intersect(&this.susp_char_range, &o.susp_char_range))
        .collect();
    let src: Vec<Range<usize>> =
        others.iter().filter_map(|o| intersect(&this.src_char_range, &o.src_char_range)).collect();
    union_len(susp) + union_len(src)
}

/// The non-empty intersection of two half-open ranges.
fn intersect(a: &Range<usize>, b: &Range<usize>) -> Option<Range<usize>> {
    let start = a.start.max(b.start);
    let end = a.end.min(b.end);
    (start < end).then_some(start..end)
}

/// Length of a half-open range (0 when reversed).
fn range_len(range: &Range<usize>) -> usize {
    range.end.saturating_sub(range.start)
}

/// Number of positions covered by the union of `ranges`.
fn union_len(mut ranges: Vec<Range<usize>>) -> usize {
    ranges.sort_by_key(|r| r.start);
    let mut total = 0;
    let mut current: Option<Range<usize>> = None;
    for range in ranges {
        match &mut current {
            Some(cur) if range.start <= cur.end => cur.end = cur.end.max(range.end),
            _ => {
                if let Some(done) = current.take() {
                    total += range_len(&done);
                }
                current = Some(range);
            }
        }
    }
    total + current.map_or(0, |r| range_len(&r))
}

/// `part / whole`, 0 when `whole` is 0.
fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Harmonic mean of precision and recall, 0 when both are 0.
fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) }
}

/// Counts of sentence attributions against ground truth.
///
/// A true positive is a correct attribution of a reused sentence, a false positive an
/// attribution that is wrong (wrong source, or a source for a sentence that has none), a false
/// negative a reused sentence left without its correct source. Counts add up with `+=` across
/// documents. Serialises as `{tp, fp, fn, precision, recall, f1}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttributionCounts {
    /// Correct attributions.
    pub tp: usize,
    /// Wrong or spurious attributions.
    pub fp: usize,
    /// Reused sentences without a correct attribution (`fn` is a keyword).
    pub fn_: usize,
}

impl AttributionCounts {
    /// `tp / (tp + fp)`. With no attribution at all (0/0) this is 0, not 1: a detector that
    /// reports nothing must not score a perfect precision.
    pub fn precision(&self) -> f64 {
        share(self.tp, self.tp + self.fp)
    }

    /// `tp / (tp + fn)`, 0 when there is nothing to find (0/0).
    pub fn recall(&self) -> f64 {
        share(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of [`precision`](Self::precision) and [`recall`](Self::recall), 0 when
    /// both are 0.
    pub fn f1(&self) -> f64 {
        f1(self.precision(), self.recall())
    }
}

impl AddAssign for AttributionCounts {
    fn add_assign(&mut self, other: AttributionCounts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

impl Add for AttributionCounts {
    type Output = AttributionCounts;

    fn add(mut self, other: AttributionCounts) -> AttributionCounts {
        self += other;
        self
    }
}

impl std::iter::Sum for AttributionCounts {
    fn sum<I: Iterator<Item = AttributionCounts>>(iter: I) -> AttributionCounts {
        iter.fold(AttributionCounts::default(), Add::add)
    }
}

impl Serialize for AttributionCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out {
            tp: usize,
            fp: usize,
            #[serde(rename = "fn")]
            fn_: usize,
            precision: f64,
            recall: f64,
            f1: f64,
        }
        Out {
            tp: self.tp,
            fp: self.fp,
            fn_: self.fn_,
            precision: self.precision(),
            recall: self.recall(),
            f1: self.f1(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A case of `susp`/`src` with the same range on both sides.
    fn case(susp: &str, src: &str, range: Range<usize>) -> PanCase {
        PanCase::new(susp, src, range.clone(), range)
    }

    fn close(got: f64, expected: f64) -> bool {
        (got - expected).abs() < 1e-9
    }

    /// Checks precision, recall, granularity and plagdet against hand-computed values.
    fn check(cases: &[PanCase], detections: &[PanCase], expect: [f64; 4]) {
        let score = pan_score(cases, detections);
        let got = [score.precision, score.recall, score.granularity, score.plagdet];
        assert!(
            got.iter().zip(expect).all(|(&g, e)| close(g, e)),
            "got {got:?}, expected {expect:?} ({score:?})"
        );
        assert_eq!(score.n_cases, cases.len());
        assert_eq!(score.n_detections, detections.len());
    }

    #[test]
    fn pan_perfect_detection_scores_one() {
        let truth = [case("d", "s", 0..100)];
        check(&truth, &truth, [1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn pan_reporting_nothing_scores_zero() {
        check(&[case("d", "s", 0..100)], &[], [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn pan_nothing_to_find_and_nothing_found_scores_one() {
        check(&[], &[], [1.0, 1.0, 1.0, 1.0]);
        check(&[], &[case("d", "s", 0..10)], [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn pan_reporting_everything_loses_precision() {
        // Case: 100 + 100 chars; detection: both whole documents, 1000 + 1000 chars.
        // precision = 200 / 2000 = 0.1, recall = 1, F1 = 0.2 / 1.1, granularity 1.
        let f1 = 2.0 * 0.1 / 1.1;
        check(&[case("d", "s", 100..200)], &[case("d", "s", 0..1000)], [0.1, 1.0, 1.0, f1]);
    }

    #[test]
    fn pan_reporting_half_loses_recall() {
        // recall = (50 + 50) / 200, precision 1, F1 = 2 * 0.5 / 1.5.
        check(&[case("d", "s", 0..100)], &[case("d", "s", 0..50)], [1.0, 0.5, 1.0, 2.0 / 3.0]);
    }

    #[test]
    fn pan_fragmenting_into_three_costs_granularity() {
        // Full coverage and precision, but 3 detections for one case: plagdet = 1 / log2(4).
        let pieces = [case("d", "s", 0..33), case("d", "s", 33..66), case("d", "s", 66..100)];
        check(&[case("d", "s", 0..100)], &pieces, [1.0, 1.0, 3.0, 0.5]);
    }

    #[test]
    fn pan_detection_must_overlap_on_both_sides_of_the_same_pair() {
        let truth = [case("d", "s", 0..100)];
        // Right susp range, source range elsewhere: does not detect the case.
        check(&truth, &[PanCase::new("d", "s", 0..100, 500..600)], [0.0, 0.0, 1.0, 0.0]);
        // Another source document.
        check(&truth, &[case("d", "other", 0..100)], [0.0, 0.0, 1.0, 0.0]);
        // Half-open ranges that only touch do not overlap.
        check(&truth, &[case("d", "s", 100..200)], [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn pan_macro_averages_over_cases_and_detections() {
        // Two cases of 200 chars each; one detection covers the first exactly, a second one
        // covers half of the second case plus 50 chars outside it on each side, and a third
        // detection hits nothing.
        let truth = [case("d", "s", 0..100), case("d", "s", 200..300)];
        let detections = [case("d", "s", 0..100), case("d", "s", 250..350), case("x", "s", 0..10)];
        // recall = (1 + 0.5) / 2; precision = (1 + 0.5 + 0) / 3; granularity 1.
        let (p, r) = (0.5, 0.75);
        check(&truth, &detections, [p, r, 1.0, 2.0 * p * r / (p + r)]);
    }

    #[test]
    fn pan_unions_overlapping_detections() {
        // Two overlapping detections of one case: the overlap is counted once for recall,
        // each detection is fully precise, granularity 2.
        let truth = [case("d", "s", 0..100)];
        let detections = [case("d", "s", 0..60), case("d", "s", 40..80)];
        // recall = 160 / 200 = 0.8; plagdet = F1(1, 0.8) / log2(3).
        let f1 = 2.0 * 0.8 / 1.8;
        check(&truth, &detections, [1.0, 0.8, 2.0, f1 / 3f64.log2()]);
    }

    #[test]
    fn pan_one_detection_spanning_two_cases() {
        // Cases 0..100 and 100..200 on both sides; one detection 0..200: precision 1 (the union
        // of both cases covers it), recall 1, granularity 1.
        let truth = [case("d", "s", 0..100), case("d", "s", 100..200)];
        check(&truth, &[case("d", "s", 0..200)], [1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn pan_sides_are_counted_separately() {
        // Case: 100 susp chars, 300 src chars; detection covers all of the susp side and the
        // first 100 src chars: recall = 200 / 400, precision 1.
        let truth = [PanCase::new("d", "s", 0..100, 0..300)];
        check(&truth, &[PanCase::new("d", "s", 0..100, 0..100)], [1.0, 0.5, 1.0, 2.0 / 3.0]);
    }

    #[test]
    fn union_len_merges_overlaps_and_touching_ranges() {
        assert_eq!(union_len(vec![]), 0);
        assert_eq!(union_len(vec![5..10, 0..3, 2..4, 10..12, 20..21]), 4 + 7 + 1);
    }

    #[test]
    fn attribution_counts_score_and_merge() {
        let nothing = AttributionCounts { tp: 0, fp: 0, fn_: 10 };
        assert_eq!((nothing.precision(), nothing.recall(), nothing.f1()), (0.0, 0.0, 0.0));
        let empty = AttributionCounts::default();
        assert_eq!((empty.precision(), empty.recall(), empty.f1()), (0.0, 0.0, 0.0));
        // Everything reported: 10 right, 90 wrong.
        let everything = AttributionCounts { tp: 10, fp: 90, fn_: 0 };
        assert!(close(everything.precision(), 0.1));
        assert!(close(everything.recall(), 1.0));
        assert!(close(everything.f1(), 0.2 / 1.1));
        // Half found, all correct.
        let half = AttributionCounts { tp: 5, fp: 0, fn_: 5 };
        assert!(close(half.f1(), 2.0 / 3.0));

        let mut total = half;
        total += everything;
        assert_eq!(total, AttributionCounts { tp: 15, fp: 90, fn_: 5 });
        assert_eq!([half, everything, nothing].into_iter().sum::<AttributionCounts>().fn_, 15);
    }

    #[test]
    fn attribution_counts_serialise_with_scores() {
        let counts = AttributionCounts { tp: 3, fp: 1, fn_: 0 };
        let json = serde_json::to_value(counts).expect("serialises");
        assert_eq!(json["fn"], 0);
        assert_eq!(json["precision"], 0.75);
        assert_eq!(json["recall"], 1.0);
    }
}

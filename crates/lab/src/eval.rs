//! Scorers for `unspun eval`: pure functions that compare detections with ground truth.
//!
//! Two families:
//! - [`pan_score`]: the PAN text-alignment measures of Potthast et al. (2010), "An Evaluation
//!   Framework for Plagiarism Detection", with the macro-averaged precision and recall used at
//!   PAN 2013, granularity and plagdet. A case or detection is a pair of character ranges, one
//!   in the suspicious (reusing) document and one in the source document.
//! - [`AttributionCounts`]: true/false positive and false negative counts of sentence
//!   attributions, with precision, recall and F1; [`AttributionOutcome`] is the verdict on one
//!   labelled sentence, and [`counts_by_key`] groups outcomes by edit kind, rate or size.
//!
//! Document-level measures: [`Confusion`] (verdicts, reuse categories) with its accuracy,
//! [`CountError`] (mean absolute error of a predicted count, e.g. of origins), and
//! [`reuse_category`], which maps a trace's coverage onto the cut / light / heavy / non labels
//! of the Clough & Stevenson corpus.
//!
//! Every measure scores 0 (or, for an error, reports no value) when there is nothing to score:
//! a detector that reports nothing, or a run on no data, can never look perfect.
//!
//! Nothing here reads files or knows the corpora; the command-line tool maps reports and truth
//! files onto these types.
//!
//! ```
//! use unspun_lab::eval::{PanCase, pan_score};
//! let case = PanCase::new("susp-1", "src-1", 0..100, 0..100);
//! let half = PanCase::new("susp-1", "src-1", 0..50, 0..50);
//! let score = pan_score(&[case], &[half]);
//! assert_eq!(score.recall, 0.5);
//! assert_eq!(score.precision, 1.0);
//! ```

use std::collections::{BTreeMap, HashMap};
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

/// How one labelled sentence was scored against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionOutcome {
    /// Reused sentence, correctly attributed: a true positive.
    Found,
    /// Reused sentence without any source: a false negative.
    Missed,
    /// Reused sentence attributed only to wrong documents: a false positive and a false
    /// negative.
    WrongSource,
    /// Original sentence left without a source: counts nowhere (there are no true negatives
    /// in precision and recall).
    CorrectlyOriginal,
    /// Original sentence given a source: a false positive.
    FalseSource,
}

impl AttributionOutcome {
    /// The counts this one outcome contributes.
    pub fn counts(self) -> AttributionCounts {
        match self {
            AttributionOutcome::Found => AttributionCounts { tp: 1, fp: 0, fn_: 0 },
            AttributionOutcome::Missed => AttributionCounts { tp: 0, fp: 0, fn_: 1 },
            AttributionOutcome::WrongSource => AttributionCounts { tp: 0, fp: 1, fn_: 1 },
            AttributionOutcome::FalseSource => AttributionCounts { tp: 0, fp: 1, fn_: 0 },
            AttributionOutcome::CorrectlyOriginal => AttributionCounts::default(),
        }
    }
}

/// Sums outcomes per key: each `(keys, outcome)` item counts once under each of its keys (a
/// sentence both spun and reordered counts for both kinds), and not at all without keys.
///
/// ```
/// use unspun_lab::eval::{AttributionOutcome, counts_by_key};
/// let scored = [(vec!["spun", "reordered"], AttributionOutcome::Found)];
/// let by_kind = counts_by_key(scored);
/// assert_eq!(by_kind["spun"].tp, 1);
/// assert_eq!(by_kind["reordered"].tp, 1);
/// ```
pub fn counts_by_key<K, I, S>(scored: S) -> BTreeMap<K, AttributionCounts>
where
    K: Ord,
    I: IntoIterator<Item = K>,
    S: IntoIterator<Item = (I, AttributionOutcome)>,
{
    let mut out: BTreeMap<K, AttributionCounts> = BTreeMap::new();
    for (keys, outcome) in scored {
        for key in keys {
            *out.entry(key).or_default() += outcome.counts();
        }
    }
    out
}

/// A confusion matrix of labelled documents: `counts[expected][got]`, labels in a fixed order.
/// Serialises as `{labels, counts, n, n_right, accuracy}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// The labels, indexing both the rows (expected) and the columns (got).
    pub labels: Vec<String>,
    /// `counts[expected_idx][got_idx]`; always `labels.len()` × `labels.len()`.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// An empty matrix over `labels`.
    pub fn new(labels: &[&str]) -> Confusion {
        Confusion {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            counts: vec![vec![0; labels.len()]; labels.len()],
        }
    }

    /// Counts one document labelled `expected` and predicted `got` (label indices). Indices
    /// out of range are a caller bug and are ignored.
    pub fn add(&mut self, expected: usize, got: usize) {
        if let Some(cell) = self.counts.get_mut(expected).and_then(|row| row.get_mut(got)) {
            *cell += 1;
        }
    }

    /// Number of documents counted.
    pub fn n(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Number of documents on the diagonal.
    pub fn n_right(&self) -> usize {
        self.counts.iter().enumerate().map(|(i, row)| row.get(i).copied().unwrap_or(0)).sum()
    }

    /// Share of documents on the diagonal; 0 when nothing was counted.
    pub fn accuracy(&self) -> f64 {
        share(self.n_right(), self.n())
    }

    /// Share of the documents labelled `expected` that were predicted `got`; 0 for an empty
    /// row.
    pub fn row_share(&self, expected: usize, got: usize) -> f64 {
        let Some(row) = self.counts.get(expected) else { return 0.0 };
        share(row.get(got).copied().unwrap_or(0), row.iter().sum())
    }
}

impl Serialize for Confusion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            labels: &'a [String],
            /// Rows are expected labels, columns predicted ones.
            counts: &'a [Vec<usize>],
            n: usize,
            n_right: usize,
            accuracy: f64,
        }
        Out {
            labels: &self.labels,
            counts: &self.counts,
            n: self.n(),
            n_right: self.n_right(),
            accuracy: self.accuracy(),
        }
        .serialize(serializer)
    }
}

/// The error of a predicted count (such as the number of origins) against the true count,
/// over documents. Serialises as `{n, n_exact, mean_abs_error, mean_signed_error}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountError {
    /// Documents counted.
    pub n: usize,
    /// Sum over documents of `|predicted − truth|`.
    pub sum_abs_error: usize,
    /// Documents whose predicted count is exact.
    pub n_exact: usize,
    /// Sum over documents of `predicted − truth`: negative when counts are too low.
    pub sum_signed_error: i64,
}

impl CountError {
    /// Counts one document.
    pub fn add(&mut self, predicted: usize, truth: usize) {
        self.n += 1;
        self.sum_abs_error += predicted.abs_diff(truth);
        // Counts of documents' origins are far below i64::MAX.
        let signed =
            i64::try_from(predicted).unwrap_or(i64::MAX) - i64::try_from(truth).unwrap_or(i64::MAX);
        self.sum_signed_error += signed;
        if predicted == truth {
            self.n_exact += 1;
        }
    }

    /// Mean of `|predicted − truth|`; `None` when no document was counted (an error of 0 would
    /// claim perfection).
    pub fn mean_abs_error(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum_abs_error as f64 / self.n as f64)
    }

    /// Mean of `predicted − truth` (the bias: negative when counts are too low); `None` when
    /// no document was counted.
    pub fn mean_signed_error(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum_signed_error as f64 / self.n as f64)
    }

    /// Share of documents with the exact count; 0 when none was counted.
    pub fn exact_share(&self) -> f64 {
        share(self.n_exact, self.n)
    }
}

impl AddAssign for CountError {
    fn add_assign(&mut self, other: CountError) {
        self.n += other.n;
        self.sum_abs_error += other.sum_abs_error;
        self.n_exact += other.n_exact;
        self.sum_signed_error += other.sum_signed_error;
    }
}

impl Serialize for CountError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out {
            n: usize,
            n_exact: usize,
            mean_abs_error: Option<f64>,
            mean_signed_error: Option<f64>,
        }
        Out {
            n: self.n,
            n_exact: self.n_exact,
            mean_abs_error: self.mean_abs_error(),
            mean_signed_error: self.mean_signed_error(),
        }
        .serialize(serializer)
    }
}

/// The reuse categories of the Clough & Stevenson corpus, in their order of decreasing reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReuseCategory {
    /// Cut and paste from the source, a near copy.
    Cut,
    /// Light revision of the source.
    Light,
    /// Heavy revision or paraphrase of the source.
    Heavy,
    /// Written independently.
    Non,
}

impl ReuseCategory {
    /// All categories, in the order of [`ReuseCategory::idx`].
    pub const ALL: [ReuseCategory; 4] =
        [ReuseCategory::Cut, ReuseCategory::Light, ReuseCategory::Heavy, ReuseCategory::Non];

    /// The corpus's label: `cut`, `light`, `heavy` or `non`.
    pub fn name(self) -> &'static str {
        match self {
            ReuseCategory::Cut => "cut",
            ReuseCategory::Light => "light",
            ReuseCategory::Heavy => "heavy",
            ReuseCategory::Non => "non",
        }
    }

    /// Index in [`ReuseCategory::ALL`] (for a [`Confusion`]).
    pub fn idx(self) -> usize {
        self as usize
    }

    /// The category of a corpus label, `None` for another label (such as `orig`).
    pub fn from_name(name: &str) -> Option<ReuseCategory> {
        ReuseCategory::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What a trace says about an answer and its known source, for [`reuse_category`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReuseEvidence {
    /// Share of the answer's characters attributed to the right source, 0..=1.
    pub right_source_share: f64,
    /// Share of the answer's characters attributed to any source, 0..=1.
    pub coverage: f64,
    /// Share of the sentences attributed to the right source that match it verbatim, 0..=1.
    pub verbatim_share: f64,
}

/// Thresholds of [`reuse_category`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReuseThresholds {
    /// Cut: at least this share from the right source...
    pub cut_share: f64,
    /// ... and at least this share of its sentences verbatim.
    pub cut_verbatim: f64,
    /// Light: at least this share from the right source.
    pub light_share: f64,
}

impl Default for ReuseThresholds {
    /// Cut: ≥ 60 % from the source, half of it verbatim; light: ≥ 30 %; heavy: anything from
    /// the source. Chosen by reading the corpus's labels: cut answers are near copies, light
    /// ones keep most sentences recognisable, heavy ones a few.
    fn default() -> Self {
        ReuseThresholds { cut_share: 0.6, cut_verbatim: 0.5, light_share: 0.3 }
    }
}

/// Maps a trace of an answer onto a reuse category: cut when most of the answer comes from
/// the right source and mostly verbatim, light when a good part does, heavy when any does, and
/// non otherwise (text sourced only to a wrong document counts as non).
pub fn reuse_category(evidence: &ReuseEvidence, thresholds: &ReuseThresholds) -> ReuseCategory {
    let share = evidence.right_source_share;
    if share >= thresholds.cut_share && evidence.verbatim_share >= thresholds.cut_verbatim {
        ReuseCategory::Cut
    } else if share >= thresholds.light_share {
        ReuseCategory::Light
    } else if share > 0.0 {
        ReuseCategory::Heavy
    } else {
        ReuseCategory::Non
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

    #[test]
    fn outcomes_count_like_the_planted_scorer() {
        let total: AttributionCounts = [
            AttributionOutcome::Found,
            AttributionOutcome::Missed,
            AttributionOutcome::WrongSource,
            AttributionOutcome::CorrectlyOriginal,
            AttributionOutcome::FalseSource,
        ]
        .into_iter()
        .map(AttributionOutcome::counts)
        .sum();
        assert_eq!(total, AttributionCounts { tp: 1, fp: 2, fn_: 2 });
    }

    #[test]
    fn by_kind_counts_each_kind_of_a_sentence() {
        use AttributionOutcome::*;
        let scored = [
            (vec!["verbatim"], Found),
            (vec!["spun", "reordered"], Found),
            (vec!["spun"], Missed),
            (vec!["spun"], WrongSource),
            (vec![], FalseSource),
        ];
        let by_kind = counts_by_key(scored);
        assert_eq!(by_kind.keys().copied().collect::<Vec<_>>(), ["reordered", "spun", "verbatim"]);
        assert_eq!(by_kind["spun"], AttributionCounts { tp: 1, fp: 1, fn_: 2 });
        assert_eq!(by_kind["reordered"], AttributionCounts { tp: 1, fp: 0, fn_: 0 });
        assert_eq!(by_kind["verbatim"].f1(), 1.0);
    }

    #[test]
    fn by_kind_detector_reporting_nothing_or_everything() {
        use AttributionOutcome::*;
        // Nothing reported: every reused sentence missed, every original left alone.
        let nothing = counts_by_key([(["spun"], Missed), (["spun"], Missed)]);
        assert_eq!((nothing["spun"].precision(), nothing["spun"].recall()), (0.0, 0.0));
        // Everything sourced to one document: one right, the rest wrong.
        let everything = counts_by_key([(["spun"], Found), (["spun"], WrongSource)]);
        assert_eq!(everything["spun"], AttributionCounts { tp: 1, fp: 1, fn_: 1 });
        assert_eq!(everything["spun"].f1(), 0.5);
    }

    fn verdicts() -> Confusion {
        Confusion::new(&["original", "copy", "patchwork"])
    }

    #[test]
    fn confusion_accuracy_and_rows() {
        let mut c = verdicts();
        assert_eq!((c.n(), c.accuracy()), (0, 0.0));
        c.add(0, 0);
        c.add(1, 1);
        c.add(2, 1);
        c.add(2, 2);
        c.add(7, 0); // out of range: ignored
        assert_eq!((c.n(), c.n_right()), (4, 3));
        assert_eq!(c.accuracy(), 0.75);
        assert_eq!(c.row_share(2, 1), 0.5);
        assert_eq!(c.row_share(9, 0), 0.0);
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(json["counts"][2][1], 1);
        assert_eq!(json["accuracy"], 0.75);
    }

    #[test]
    fn confusion_constant_detectors_are_not_perfect() {
        // Truth: 2 originals, 3 copies, 5 patchworks. "Always patchwork" and "always original"
        // score their class's share, never 1.
        let truth = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
        for (constant, expected) in [(2, 0.5), (0, 0.2)] {
            let mut c = verdicts();
            for &t in &truth {
                c.add(t, constant);
            }
            assert_eq!(c.accuracy(), expected);
        }
    }

    #[test]
    fn count_error_of_origins() {
        let mut e = CountError::default();
        assert_eq!(e.mean_abs_error(), None);
        assert_eq!(e.exact_share(), 0.0);
        e.add(3, 3);
        e.add(1, 4);
        e.add(5, 2);
        assert_eq!((e.n, e.sum_abs_error, e.n_exact, e.sum_signed_error), (3, 6, 1, 0));
        assert_eq!(e.mean_abs_error(), Some(2.0));
        // Errors in both directions cancel in the bias, not in the absolute error.
        assert_eq!(e.mean_signed_error(), Some(0.0));
        // A detector reporting no origin at all errs by the true count.
        let mut none = CountError::default();
        for truth in [1, 2, 8] {
            none.add(0, truth);
        }
        assert_eq!(none.mean_abs_error(), Some(11.0 / 3.0));
        assert_eq!(none.mean_signed_error(), Some(-11.0 / 3.0));
        let mut total = e;
        total += none;
        assert_eq!(total.n, 6);
        let json = serde_json::to_value(e).expect("serialises");
        assert_eq!(json["mean_abs_error"], 2.0);
    }

    fn category(right_source_share: f64, coverage: f64, verbatim_share: f64) -> ReuseCategory {
        let evidence = ReuseEvidence { right_source_share, coverage, verbatim_share };
        reuse_category(&evidence, &ReuseThresholds::default())
    }

    #[test]
    fn reuse_categories_by_share() {
        assert_eq!(category(0.9, 0.9, 0.8), ReuseCategory::Cut);
        assert_eq!(category(0.9, 0.9, 0.1), ReuseCategory::Light);
        assert_eq!(category(0.3, 0.3, 1.0), ReuseCategory::Light);
        assert_eq!(category(0.1, 0.1, 1.0), ReuseCategory::Heavy);
        // Sourced, but to another document: not reuse of this source.
        assert_eq!(category(0.0, 0.8, 1.0), ReuseCategory::Non);
        assert_eq!(category(0.0, 0.0, 0.0), ReuseCategory::Non);
        for c in ReuseCategory::ALL {
            assert_eq!(ReuseCategory::from_name(c.name()), Some(c));
            assert_eq!(ReuseCategory::ALL[c.idx()], c);
        }
        assert_eq!(ReuseCategory::from_name("orig"), None);
    }

    #[test]
    fn reuse_constant_detectors_are_not_perfect() {
        // The shared split: 10 cut, 10 light, 10 heavy, 20 non. A detector that reports nothing
        // says non everywhere (0.4); one that reports every answer as a full verbatim copy says
        // cut everywhere (0.2).
        let truth: Vec<ReuseCategory> = [(ReuseCategory::Cut, 10), (ReuseCategory::Light, 10)]
            .into_iter()
            .chain([(ReuseCategory::Heavy, 10), (ReuseCategory::Non, 20)])
            .flat_map(|(c, n)| std::iter::repeat_n(c, n))
            .collect();
        for (evidence, expected) in [((0.0, 0.0, 0.0), 0.4), ((1.0, 1.0, 1.0), 0.2)] {
            let names: Vec<&str> = ReuseCategory::ALL.iter().map(|c| c.name()).collect();
            let mut c = Confusion::new(&names);
            for t in &truth {
                c.add(t.idx(), category(evidence.0, evidence.1, evidence.2).idx());
            }
            assert_eq!(c.accuracy(), expected);
        }
    }
}

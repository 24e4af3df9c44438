//! Paraphrase detection on the Microsoft Research Paraphrase Corpus (MSRP): how well "cosine
//! of the two sentence vectors ≥ a threshold" tells paraphrases from other pairs.
//!
//! The shared file holds MSRP's train split. Pairs are split deterministically by their
//! position in the file: pairs whose 0-based index is not a multiple of 5 calibrate the
//! threshold (80 %), the others are held out (20 %) and scored. The threshold maximises
//! accuracy on the calibration part (or F1, by [`MsrpConfig::objective`]), and lies halfway
//! between two neighbouring calibration cosines.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use unspun_core::semantic::{Embedder, cosine};

use crate::Error;

/// One MSRP pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MsrpPair {
    /// First sentence.
    pub text1: String,
    /// Second sentence.
    pub text2: String,
    /// 1 when the annotators judged the sentences equivalent, else 0.
    pub label: u8,
}

/// What the threshold maximises on the calibration part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Accuracy (MSRP's usual figure).
    Accuracy,
    /// F1 of the paraphrase class.
    F1,
}

/// Knobs of [`msrp_eval`].
#[derive(Debug, Clone, PartialEq)]
pub struct MsrpConfig {
    /// Pairs whose index % `heldout_every` == 0 are held out; the rest calibrate.
    pub heldout_every: usize,
    /// What the threshold maximises.
    pub objective: Objective,
    /// Texts per call to [`Embedder::embed`] (progress is reported after each call).
    pub chunk_size: usize,
    /// Read at most this many pairs (all when `None`), for quick runs.
    pub max_pairs: Option<usize>,
}

impl Default for MsrpConfig {
    fn default() -> Self {
        Self { heldout_every: 5, objective: Objective::Accuracy, chunk_size: 256, max_pairs: None }
    }
}

/// Confusion counts of "paraphrase" predictions and the scores derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Pairs scored.
    pub n_pairs: usize,
    /// Paraphrases predicted as paraphrases.
    pub true_positives: usize,
    /// Non-paraphrases predicted as paraphrases.
    pub false_positives: usize,
    /// Non-paraphrases predicted as such.
    pub true_negatives: usize,
    /// Paraphrases missed.
    pub false_negatives: usize,
    /// (tp + tn) / n.
    pub accuracy: f64,
    /// tp / (tp + fp), 0 when nothing is predicted positive.
    pub precision: f64,
    /// tp / (tp + fn), 0 when there is no positive.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub f1: f64,
}

impl Scores {
    /// Scores of `predictions` against `labels` (same length).
    pub fn from_predictions(predictions: &[bool], labels: &[bool]) -> Self {
        let (mut tp, mut fp, mut tn, mut fneg) = (0, 0, 0, 0);
        for (&predicted, &label) in predictions.iter().zip(labels) {
            match (predicted, label) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fneg += 1,
            }
        }
        Self::from_counts(tp, fp, tn, fneg)
    }

    fn from_counts(tp: usize, fp: usize, tn: usize, fneg: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let n_pairs = tp + fp + tn + fneg;
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fneg);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            n_pairs,
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fneg,
            accuracy: ratio(tp + tn, n_pairs),
            precision,
            recall,
            f1,
        }
    }
}

/// The figures of one MSRP evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MsrpReport {
    /// [`Embedder::name`].
    pub model: String,
    /// The pairs file.
    pub pairs_path: PathBuf,
    /// Pairs read.
    pub n_pairs: usize,
    /// How the parts were made, e.g. `index % 5 != 0 calibrates, index % 5 == 0 is held out`.
    pub split: String,
    /// What the threshold maximises.
    pub objective: Objective,
    /// Pairs with cosine ≥ this are predicted paraphrases.
    pub threshold: f32,
    /// Scores on the calibration part (optimistic: the threshold was chosen on it).
    pub calibration: Scores,
    /// Scores on the held-out part.
    pub heldout: Scores,
    /// Always answering "paraphrase" on the held-out part.
    pub baseline_all_paraphrase: Scores,
    /// Distinct sentences embedded.
    pub n_sentences: usize,
    /// Wall time of the embedding, seconds.
    pub embed_seconds: f64,
    /// `n_sentences / embed_seconds`.
    pub sentences_per_second: f64,
}

/// Reads MSRP pairs from a JSON Lines file, gzip-compressed when its name ends in `.gz`.
pub fn read_pairs(path: &Path, max_pairs: Option<usize>) -> Result<Vec<MsrpPair>, Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|ext| ext == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut pairs = Vec::new();
    for (line_idx, line) in BufReader::new(reader).lines().enumerate() {
        if max_pairs.is_some_and(|max| pairs.len() >= max) {
            break;
        }
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let bad =
            |reason: String| Error::BadRecord { path: path.to_owned(), line: line_idx + 1, reason };
        let pair: MsrpPair = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if pair.label > 1 {
            return Err(bad(format!("label is {}, expected 0 or 1", pair.label)));
        }
        pairs.push(pair);
    }
    Ok(pairs)
}

/// The threshold that maximises `objective` when "cosine ≥ threshold" predicts a paraphrase,
/// halfway between two neighbouring cosines (ties keep the highest such threshold).
pub fn choose_threshold(cosines: &[f32], labels: &[bool], objective: Objective) -> f32 {
    let mut order: Vec<usize> = (0..cosines.len()).collect();
    order.sort_by(|&a, &b| cosines[b].total_cmp(&cosines[a]));
    let n_positive = labels.iter().filter(|&&label| label).count();
    let n_negative = labels.len() - n_positive;
    // Start with nothing predicted positive (threshold above every cosine), then lower the
    // threshold one distinct cosine at a time.
    let value = |tp: usize, fp: usize| {
        let scores = Scores::from_counts(tp, fp, n_negative - fp, n_positive - tp);
        match objective {
            Objective::Accuracy => scores.accuracy,
            Objective::F1 => scores.f1,
        }
    };
    let highest = order.first().map_or(1.0, |&idx| cosines[idx]);
    let mut best = (value(0, 0), highest + 1e-6);
    let (mut tp, mut fp) = (0, 0);
    let mut rank = 0;
    while rank < order.len() {
        let cos = cosines[order[rank]];
        while rank < order.len() && cosines[order[rank]] == cos {
            if labels[order[rank]] {
                tp += 1
            } else {
                fp += 1
            }
            rank += 1;
        }
        let below = order.get(rank).map_or(cos - 1e-6, |&idx| cosines[idx]);
        let candidate = value(tp, fp);
        if candidate > best.0 {
            best = (candidate, (cos + below) / 2.0);
        }
    }
    best.1
}

/// Embeds every distinct sentence of the pairs file at `pairs_path` with `embedder`, chooses
/// the threshold on the calibration part and scores the held-out part (module docs).
/// `progress(n_done, n_total)` is called after each chunk of sentences.
pub fn msrp_eval(
    pairs_path: &Path,
    embedder: &dyn Embedder,
    config: &MsrpConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<MsrpReport, Error> {
    if config.heldout_every < 2 {
        return Err(Error::Config("heldout_every must be at least 2".to_owned()));
    }
    let pairs = read_pairs(pairs_path, config.max_pairs)?;
    // Each distinct sentence is embedded once; BTreeMap keeps the order deterministic.
    let mut sentence_idx: BTreeMap<&str, usize> = BTreeMap::new();
    for pair in &pairs {
        for text in [pair.text1.as_str(), pair.text2.as_str()] {
            let next = sentence_idx.len();
            sentence_idx.entry(text).or_insert(next);
        }
    }
    let mut sentences = vec![""; sentence_idx.len()];
    for (&text, &idx) in &sentence_idx {
        sentences[idx] = text;
    }

    let started = Instant::now();
    let mut vectors = Vec::with_capacity(sentences.len());
    for chunk in sentences.chunks(config.chunk_size.max(1)) {
        vectors.extend(embedder.embed(chunk).map_err(|e| Error::Embed(e.0))?);
        progress(vectors.len(), sentences.len());
    }
    let embed_seconds = started.elapsed().as_secs_f64();

    let (mut calibration, mut heldout) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for (pair_idx, pair) in pairs.iter().enumerate() {
        let cos = cosine(
            &vectors[sentence_idx[pair.text1.as_str()]],
            &vectors[sentence_idx[pair.text2.as_str()]],
        );
        let part = if pair_idx.is_multiple_of(config.heldout_every) {
            &mut heldout
        } else {
            &mut calibration
        };
        part.0.push(cos);
        part.1.push(pair.label == 1);
    }
    let threshold = choose_threshold(&calibration.0, &calibration.1, config.objective);
    let predict = |cosines: &[f32]| cosines.iter().map(|&cos| cos >= threshold).collect::<Vec<_>>();
    let all_paraphrase = vec![true; heldout.1.len()];

    Ok(MsrpReport {
        model: embedder.name().to_owned(),
        pairs_path: pairs_path.to_owned(),
        n_pairs: pairs.len(),
        split: format!(
            "index % {every} != 0 calibrates, index % {every} == 0 is held out",
            every = config.heldout_every
        ),
        objective: config.objective,
        threshold,
        calibration: Scores::from_predictions(&predict(&calibration.0), &calibration.1),
        heldout: Scores::from_predictions(&predict(&heldout.0), &heldout.1),
        baseline_all_paraphrase: Scores::from_predictions(&all_paraphrase, &heldout.1),
        n_sentences: sentences.len(),
        embed_seconds,
        sentences_per_second: if embed_seconds > 0.0 {
            sentences.len() as f64 / embed_seconds
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspun_core::semantic::EmbedError;

    fn check_threshold(cosines: &[f32], labels: &[u8], objective: Objective, expect: f32) {
        let labels: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
        let got = choose_threshold(cosines, &labels, objective);
        assert!((got - expect).abs() < 1e-5, "threshold {got}, expected {expect}");
    }

    #[test]
    fn threshold_splits_between_neighbours() {
        check_threshold(&[0.9, 0.8, 0.3, 0.2], &[1, 1, 0, 0], Objective::Accuracy, 0.55);
        // A negative between two positives: cutting above it or below the lower positive both
        // give 3/4; the higher cut wins.
        check_threshold(&[0.9, 0.7, 0.6, 0.2], &[1, 0, 1, 0], Objective::Accuracy, 0.8);
        // F1 prefers taking everything down to the last positive.
        check_threshold(&[0.9, 0.7, 0.6, 0.2], &[1, 0, 1, 0], Objective::F1, 0.4);
        // All negative: nothing predicted positive.
        check_threshold(&[0.5, 0.4], &[0, 0], Objective::Accuracy, 0.500001);
        // Ties move together.
        check_threshold(&[0.5, 0.5, 0.1], &[1, 1, 0], Objective::Accuracy, 0.3);
    }

    #[test]
    fn scores_from_counts() {
        let scores =
            Scores::from_predictions(&[true, true, false, false], &[true, false, true, false]);
        assert_eq!((scores.true_positives, scores.false_positives), (1, 1));
        assert_eq!((scores.true_negatives, scores.false_negatives), (1, 1));
        assert_eq!(
            (scores.accuracy, scores.precision, scores.recall, scores.f1),
            (0.5, 0.5, 0.5, 0.5)
        );
        let none = Scores::from_predictions(&[false], &[true]);
        assert_eq!((none.precision, none.f1), (0.0, 0.0));
    }

    /// Bag of words hashed into 64 buckets: paraphrases share words.
    struct BagOfWords;

    impl Embedder for BagOfWords {
        fn dim(&self) -> usize {
            64
        }
        fn name(&self) -> &str {
            "bag-of-words"
        }
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
            Ok(texts
                .iter()
                .map(|text| {
                    let mut v = vec![0f32; 64];
                    for word in text.split_whitespace() {
                        let h = word
                            .bytes()
                            .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
                        v[h % 64] += 1.0;
                    }
                    v
                })
                .collect())
        }
    }

    #[test]
    fn eval_on_a_small_gzip_file() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("unspun-semantic-msrp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("pairs.jsonl.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..50u32 {
            let (a, b, label) = if i.is_multiple_of(2) {
                (
                    format!("the mayor said on day {i} that taxes rise"),
                    format!("on day {i} the mayor said taxes rise"),
                    1,
                )
            } else {
                (
                    format!("rain fell on the city on day {i}"),
                    format!("stocks closed higher on {i} march"),
                    0,
                )
            };
            writeln!(gz, "{}", serde_json::json!({"text1": a, "text2": b, "label": label}))
                .expect("write");
        }
        std::fs::write(&path, gz.finish().expect("gzip")).expect("write file");
        let mut calls = Vec::new();
        let config = MsrpConfig { chunk_size: 40, ..MsrpConfig::default() };
        let report =
            msrp_eval(&path, &BagOfWords, &config, &mut |done, total| calls.push((done, total)))
                .expect("eval");
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(report.n_pairs, 50);
        assert_eq!(report.heldout.n_pairs, 10);
        assert_eq!(report.calibration.n_pairs, 40);
        assert_eq!(report.heldout.accuracy, 1.0);
        assert_eq!(report.baseline_all_paraphrase.true_positives, 5);
        assert_eq!(report.baseline_all_paraphrase.accuracy, 0.5);
        assert_eq!(report.n_sentences, 100);
        assert_eq!(calls, vec![(40, 100), (80, 100), (100, 100)]);
    }

    #[test]
    fn bad_records_name_the_line() {
        let dir = std::env::temp_dir().join(format!("unspun-semantic-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("pairs.jsonl");
        std::fs::write(&path, "{\"text1\":\"a\",\"text2\":\"b\",\"label\":1}\n{\"text1\":\"a\"}\n")
            .expect("write");
        let err = read_pairs(&path, None).expect_err("second line lacks fields");
        std::fs::remove_dir_all(&dir).expect("clean up");
        let message = err.to_string();
        assert!(message.contains("pairs.jsonl:2:"), "{message}");
        assert!(message.contains("text2"), "{message}");
    }
}

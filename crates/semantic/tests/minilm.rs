//! MiniLm against the Python package's own embeddings (fixtures/expected.json, written by
//! fixtures/make_expected.py) and its behaviour on batches, paraphrases and empty texts.
//!
//! The model is read from $UNSPUN_MODEL_DIR, else target/models/all-minilm-l6-v2. Without it
//! these tests fail under CI (where .ci/run fetches it first) and are skipped elsewhere.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;
use unspun_core::semantic::{Embedder, cosine};
use unspun_semantic::{EmbedConfig, Error, MiniLm, WEIGHTS_FILE};

fn model_dir() -> PathBuf {
    std::env::var_os(unspun_semantic::MODEL_DIR_ENV)
        .map_or_else(unspun_semantic::default_model_dir, PathBuf::from)
}

/// The model, loaded once; `None` (with a note) when it is not there and this is not CI.
fn model() -> Option<&'static MiniLm> {
    static MODEL: OnceLock<Option<MiniLm>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = model_dir();
            if !dir.join(WEIGHTS_FILE).is_file() {
                let message = format!(
                    "all-MiniLM-L6-v2 is not in {}: run scripts/fetch-model.sh (or set {} to \
                     the directory that holds it)",
                    dir.display(),
                    unspun_semantic::MODEL_DIR_ENV
                );
                assert!(std::env::var_os("CI").is_none(), "{message}");
                eprintln!("note: skipping the model tests: {message}");
                return None;
            }
            Some(MiniLm::load(&dir).unwrap_or_else(|e| panic!("loading the model: {e}")))
        })
        .as_ref()
}

#[derive(Deserialize)]
struct Expected {
    max_seq_length: usize,
    sentences: Vec<ExpectedSentence>,
}

#[derive(Deserialize)]
struct ExpectedSentence {
    text: String,
    n_tokens: usize,
    vector: Vec<f32>,
}

fn expected() -> Expected {
    let text = include_str!("../fixtures/expected.json");
    serde_json::from_str(text).expect("fixtures/expected.json parses")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn matches_the_python_package() {
    let Some(model) = model() else { return };
    let expected = expected();
    assert_eq!(expected.max_seq_length, model.config().max_tokens);
    let texts: Vec<&str> = expected.sentences.iter().map(|s| s.text.as_str()).collect();
    let vectors = model.embed(&texts).expect("embed");
    let mut worst = 0f32;
    for (sentence, vector) in expected.sentences.iter().zip(&vectors) {
        let short: String = sentence.text.chars().take(40).collect();
        assert_eq!(
            model.count_tokens(&sentence.text).expect("tokens"),
            sentence.n_tokens,
            "{short}"
        );
        let diff = max_abs_diff(vector, &sentence.vector);
        let cos = cosine(vector, &sentence.vector);
        eprintln!(
            "{short:<40} tokens {:>3} max |diff| {diff:.2e} cosine {cos:.7}",
            sentence.n_tokens
        );
        assert!(diff < 1e-4, "{short}: max |diff| {diff}");
        assert!(cos > 0.9999, "{short}: cosine {cos}");
        worst = worst.max(diff);
    }
    eprintln!("largest difference from sentence-transformers: {worst:.2e}");
}

#[test]
fn long_texts_are_cut_at_256_tokens() {
    let Some(model) = model() else { return };
    let long = "The minister said the talks would resume next week. ".repeat(40);
    assert_eq!(model.count_tokens(&long).expect("tokens"), 256);
    let longer = format!("{long} And then something else entirely happened in another country.");
    let vectors = model.embed(&[&long, &longer]).expect("embed");
    // Everything past token 256 is cut, so the tails do not change the vector.
    assert!(max_abs_diff(&vectors[0], &vectors[1]) < 1e-6);
}

#[test]
fn paraphrases_score_higher_than_unrelated_pairs() {
    let Some(model) = model() else { return };
    let pairs = [
        (
            "The U.S. central bank left interest rates unchanged on Wednesday.",
            "On Wednesday the Federal Reserve kept rates where they were.",
        ),
        (
            "Police arrested two men after a bank robbery in downtown Chicago.",
            "Two suspects were detained by officers following a heist at a Chicago bank.",
        ),
        (
            "The company's quarterly profit fell 12 percent on weak demand.",
            "Weak demand pushed the firm's earnings for the quarter down by 12%.",
        ),
    ];
    let unrelated = [
        (
            "The U.S. central bank left interest rates unchanged on Wednesday.",
            "A new species of frog was found in the Amazon rainforest.",
        ),
        (
            "Police arrested two men after a bank robbery in downtown Chicago.",
            "The orchestra will perform Beethoven's ninth symphony in May.",
        ),
        (
            "The company's quarterly profit fell 12 percent on weak demand.",
            "Heavy snow closed schools across the northern mountains.",
        ),
    ];
    let score = |(a, b): (&str, &str)| {
        let v = model.embed(&[a, b]).expect("embed");
        cosine(&v[0], &v[1])
    };
    let lowest_paraphrase = pairs.into_iter().map(score).fold(f32::INFINITY, f32::min);
    let highest_unrelated = unrelated.into_iter().map(score).fold(f32::NEG_INFINITY, f32::max);
    eprintln!(
        "lowest paraphrase cosine {lowest_paraphrase:.3}, highest unrelated {highest_unrelated:.3}"
    );
    assert!(lowest_paraphrase > highest_unrelated + 0.2);
    assert!(lowest_paraphrase > 0.5, "{lowest_paraphrase}");
    assert!(highest_unrelated < 0.3, "{highest_unrelated}");
}

#[test]
fn batches_and_single_texts_give_the_same_vectors() {
    let Some(model) = model() else { return };
    let texts = [
        "Short one.",
        "The U.S. Senate passed the bill late on Thursday after a long debate over spending.",
        "",
        "Officials said 14 people were hurt.",
        "Markets rallied.",
    ];
    let together = model.embed(&texts).expect("embed");
    // Batches of 2 mix lengths differently from one batch of 5.
    let small_batches =
        MiniLm::load_with(&model_dir(), EmbedConfig { batch_size: 2, ..EmbedConfig::default() })
            .expect("load")
            .embed(&texts)
            .expect("embed");
    for (text_idx, text) in texts.iter().enumerate() {
        let alone = model.embed(&[text]).expect("embed");
        assert!(max_abs_diff(&alone[0], &together[text_idx]) < 1e-5, "{text}");
        assert!(max_abs_diff(&small_batches[text_idx], &together[text_idx]) < 1e-5, "{text}");
    }
    // Deterministic: the same call gives the same bits.
    assert_eq!(model.embed(&texts).expect("embed"), together);
}

#[test]
fn empty_texts_are_zero_vectors() {
    let Some(model) = model() else { return };
    assert_eq!(model.embed(&[]).expect("embed"), Vec::<Vec<f32>>::new());
    let vectors = model.embed(&["", "  \n\t ", "Something happened."]).expect("embed");
    assert_eq!(vectors[0], vec![0.0; 384]);
    assert_eq!(vectors[1], vec![0.0; 384]);
    let norm: f32 = vectors[2].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    assert_eq!(cosine(&vectors[0], &vectors[2]), 0.0);
    assert_eq!((model.dim(), model.name()), (384, "all-MiniLM-L6-v2"));
}

#[test]
fn missing_model_files_are_named() {
    let err =
        MiniLm::load(std::path::Path::new("/nonexistent/unspun-model")).err().expect("no dir");
    assert!(matches!(err, Error::MissingModel { .. }));
    assert!(err.to_string().contains("scripts/fetch-model.sh"), "{err}");

    let dir = std::env::temp_dir().join(format!("unspun-semantic-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("config.json"), "{}").expect("write");
    std::fs::write(dir.join("tokenizer.json"), "{}").expect("write");
    let missing = MiniLm::load(&dir).err().expect("no weights");
    std::fs::write(dir.join(WEIGHTS_FILE), "").expect("write");
    let bad_config = MiniLm::load(&dir).err().expect("config lacks fields");
    std::fs::remove_dir_all(&dir).expect("clean up");

    let message = missing.to_string();
    assert!(message.contains("model.safetensors is missing"), "{message}");
    assert!(message.contains("scripts/fetch-model.sh"), "{message}");
    let message = bad_config.to_string();
    assert!(message.contains("config.json: missing field"), "{message}");
}

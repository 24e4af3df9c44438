//! The paraphrase stage of `unspun trace` (`--paraphrase-model`, a build with
//! `--features semantic`): a reworded sentence is found by its sentence embedding and reported
//! as `paraphrased`, apart from the exact evidence.

use crate::hay;
#[cfg(feature = "semantic")]
use crate::hay::REUTERS_SYRIA;
use crate::util::TestDir;
#[cfg(feature = "semantic")]
use crate::util::str_at;

/// Without the feature, the flag is refused with the way to get it.
#[cfg(not(feature = "semantic"))]
#[test]
fn issue_6_paraphrase_model_needs_the_semantic_build() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["news.jsonl"]);
    dir.create("a.txt", "Some words of an article that is long enough.");
    let err = dir
        .cmd()
        .args(["trace", "--index", "idx", "a.txt", "--paraphrase-model", "model"])
        .fails_with(2);
    assert!(err.contains("--features semantic"), "{err}");
    let err =
        dir.cmd().args(["semantic-index", "--index", "idx", "--model", "model"]).fails_with(2);
    assert!(err.contains("--features semantic"), "{err}");
    // `index --semantic` fails before it touches anything.
    let err =
        dir.cmd().args(["index", "--index", "idx2", "news.jsonl", "--semantic", "m"]).fails_with(2);
    assert!(err.contains("--features semantic"), "{err}");
    assert!(!dir.join("idx2").exists());
}

/// The model fetched by scripts/fetch-model.sh (`UNSPUN_MODEL_DIR` or the default folder);
/// missing: a failure under CI, a skipped test elsewhere.
#[cfg(feature = "semantic")]
fn model_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("UNSPUN_MODEL_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/models/all-minilm-l6-v2"),
        std::path::PathBuf::from,
    );
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no model in {}: run scripts/fetch-model.sh (CI is set)",
        dir.display()
    );
    eprintln!("note: skipping a paraphrase test: no model in {}", dir.display());
    None
}

#[cfg(feature = "semantic")]
#[test]
fn issue_6_reworded_sentence_is_a_paraphrase() {
    let Some(model) = model_dir() else { return };
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["news.jsonl"]);
    // The second sentence of the Reuters story rewritten by a person: no three content words
    // in a row survive, the first sentence is copied verbatim.
    let text = "Russia ramps up its military presence in Syria in support of President Bashar \
        Assad. According to US officials, the deployment comprised several hundred marines, \
        tanks and fighter aircraft at an airbase close to Latakia.";
    dir.create("para.txt", text);
    let model = model.display().to_string();
    let plain = dir.trace("idx", "para.txt", &["--date", "2016-01-01"]);
    assert!(plain["sentences"][1]["source_match"].is_null(), "{plain:#}");
    let report = dir.trace(
        "idx",
        "para.txt",
        &["--date", "2016-01-01", "--paraphrase-model", &model, "--paraphrase-threshold", "0.7"],
    );
    let first = &report["sentences"][0]["source_match"];
    assert_eq!(first["kind"], "verbatim", "{report:#}");
    let second = &report["sentences"][1]["source_match"];
    assert_eq!(second["kind"], "paraphrased", "{report:#}");
    let similarity = second["similarity"].as_f64().expect("a similarity");
    assert!((0.7..=1.0).contains(&similarity), "{similarity}");
    assert!(str_at(second, "source_text").starts_with("Officials in Washington said"));
    let source = &report["sources"][second["source"].as_u64().expect("source") as usize];
    assert_eq!(source["id"], REUTERS_SYRIA.id);
    assert_eq!(report["stats"]["n_paraphrase_queries"], 1);
    assert!(report["stats"]["n_paraphrase_ann_hits"].is_null(), "no stored index yet");

    // With the stored sentence index, the same sentence is also found by nearest neighbours.
    let summary =
        dir.cmd().args(["semantic-index", "--index", "idx", "--model", &model, "--json"]).json();
    assert_eq!(summary["n_docs"].as_u64(), Some(hay::NEWS.len() as u64), "{summary:#}");
    let stored_sentences = summary["n_sentences"].clone();
    assert!(summary["n_sentences"].as_u64().is_some_and(|n| n >= hay::NEWS.len() as u64));
    let report = dir.trace(
        "idx",
        "para.txt",
        &["--date", "2016-01-01", "--paraphrase-model", &model, "--paraphrase-threshold", "0.7"],
    );
    assert_eq!(report["sentences"][1]["source_match"]["kind"], "paraphrased", "{report:#}");
    assert!(report["stats"]["n_paraphrase_ann_hits"].as_u64().is_some_and(|n| n >= 1));

    // `index --semantic` builds the same sentence index as its last step.
    let summary = dir
        .cmd()
        .args(["index", "--index", "idx2", "news.jsonl", "--semantic", &model, "--json"])
        .json();
    assert_eq!(summary["semantic"]["n_sentences"], stored_sentences, "{summary:#}");
    assert!(dir.join("idx2/SEMANTIC").is_file());
}

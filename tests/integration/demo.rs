//! `unspun demo`: on the shared real data, on a corpus of one's own, and without either.

use crate::hay;
use crate::util::{self, TestDir, u64_at};

#[test]
fn issue_2_demo_on_shared_data_finds_planted_sources() {
    let Some(data) = util::shared_data() else { return };
    let dir = TestDir::new();
    let out = dir
        .cmd()
        .env("UNSPUN_DATA", &data)
        .args(["demo", "--docs", "600", "--patchworks", "2", "--json"])
        .json();
    assert!(out["corpus"].as_str().expect("corpus").ends_with("allsides/articles.jsonl.gz"));
    assert!(u64_at(&out, "n_indexed") > 500, "{}", out["n_indexed"]);
    assert!(u64_at(&out, "n_planted") > 0);
    assert!(u64_at(&out, "n_found") > 0, "no planted sentence found");
    assert!(u64_at(&out, "n_found") <= u64_at(&out, "n_planted"));
    let cases = out["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 2);
    for case in cases {
        assert_eq!(case["report"]["schema"], "unspun.trace/1");
        assert!(!case["report"]["sentences"].as_array().expect("sentences").is_empty());
        assert!(!case["checks"].as_array().expect("checks").is_empty());
        assert!(case["patchwork"]["doc"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

#[test]
fn issue_2_demo_with_own_corpus_needs_no_shared_data() {
    let dir = TestDir::new();
    dir.create("own.jsonl", hay::generated_corpus(40));
    let missing = dir.join("no-shared-data-here");
    let out = dir
        .cmd()
        .env("UNSPUN_DATA", &missing)
        .args(["demo", "--corpus", "own.jsonl", "--docs", "40", "--patchworks", "2", "--json"])
        .json();
    assert_eq!(out["corpus"], "own.jsonl");
    // Every 50th article is held out, so all 40 are indexed.
    assert_eq!(u64_at(&out, "n_indexed"), 40);
    assert_eq!(out["cases"].as_array().expect("cases").len(), 2);
    assert!(u64_at(&out, "n_planted") > 0, "{out:#}");
    assert!(u64_at(&out, "n_found") > 0, "{out:#}");

    let human = dir
        .cmd()
        .env("UNSPUN_DATA", &missing)
        .args(["demo", "--corpus", "own.jsonl", "--docs", "40", "--patchworks", "1"])
        .stdout();
    assert!(human.contains("unspun demo: indexed 40 articles of own.jsonl"), "{human}");
    assert!(human.contains("planted sources found:"), "{human}");
}

#[test]
fn issue_2_demo_without_data_asks_for_corpus() {
    let dir = TestDir::new();
    let stderr = dir
        .cmd()
        .env("UNSPUN_DATA", dir.join("nowhere"))
        .args(["demo", "--docs", "10", "--patchworks", "1"])
        .fails_with(2);
    assert!(stderr.contains("--corpus"), "{stderr}");
    assert!(stderr.contains("UNSPUN_DATA"), "{stderr}");

    // A corpus without a single usable article.
    dir.create("empty.jsonl", "{\"id\": \"a\", \"text\": \"\"}\n");
    let stderr = dir.cmd().args(["demo", "--corpus", "empty.jsonl"]).fails_with(2);
    assert!(stderr.contains("empty.jsonl: no usable article"), "{stderr}");
}

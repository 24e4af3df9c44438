//! `unspun dedup`: the corpus without its copies, from a cluster run (issue #12).

use serde_json::Value;

use crate::cluster::corpus;
use crate::hay::REUTERS_SYRIA;
use crate::util::{TestDir, u64_at};

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

#[test]
fn issue_12_dedup_keeps_the_earliest_and_reports_the_copies() {
    let dir = TestDir::new();
    dir.create("news.jsonl", corpus());
    let indexed = dir.index("idx", &["news.jsonl"]);
    let n_docs = u64_at(&indexed, "n_added");
    dir.cmd().args(["cluster", "--quiet", "--index", "idx", "--out", "reuse"]).stdout();
    let summary = dir
        .cmd()
        .args(["dedup", "--json", "--index", "idx", "--cluster", "reuse", "--out", "kept.jsonl"])
        .json();
    assert_eq!(summary["schema"], "unspun.dedup/1");
    // The farm's verbatim and spun copies of the Syria story go, kept: the Reuters original;
    // so do the three stories re-run with a newsletter footer (near-duplicates of theirs).
    let dropped = lines(&std::fs::read_to_string(dir.join("kept.dropped.jsonl")).expect("report"));
    let ids: Vec<&str> = dropped.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids, ["farm-1", "farm-2", "footer-0", "footer-1", "footer-2"], "{dropped:#?}");
    assert!(dropped[..2].iter().all(|d| d["kept"] == REUTERS_SYRIA.id), "{dropped:#?}");
    assert!(dropped.iter().all(|d| d["share"].as_f64() >= Some(0.8)), "{dropped:#?}");
    assert!(dropped.iter().all(|d| d["cluster"].is_u64()), "{dropped:#?}");
    let n_dropped = dropped.len() as u64;
    assert_eq!(u64_at(&summary, "n_dropped"), n_dropped);
    assert_eq!(u64_at(&summary, "n_kept"), n_docs - n_dropped);
    // The kept documents are every other one (each dropped one's kept member among them), and
    // index again as they are.
    let kept = lines(&std::fs::read_to_string(dir.join("kept.jsonl")).expect("kept"));
    assert_eq!(kept.len() as u64, n_docs - n_dropped);
    for d in &dropped {
        assert!(kept.iter().any(|k| k["id"] == d["kept"]), "{d}");
        assert!(kept.iter().all(|k| k["id"] != d["id"]), "{d}");
    }
    let again = dir.index("again", &["kept.jsonl"]);
    assert_eq!(u64_at(&again, "n_added"), n_docs - n_dropped);

    // A stricter threshold keeps the spun copy (it covers less than all of itself verbatim).
    let strict = dir
        .cmd()
        .args(["dedup", "--json", "--index", "idx", "--cluster", "reuse"])
        .args(["--out", "strict.jsonl", "--threshold", "1"])
        .json();
    assert!(u64_at(&strict, "n_dropped") < n_dropped, "{strict:#}");
}

#[test]
fn issue_12_dedup_refuses_what_it_should_not_touch() {
    let dir = TestDir::new();
    dir.create("news.jsonl", corpus());
    dir.index("idx", &["news.jsonl"]);
    dir.cmd().args(["cluster", "--quiet", "--index", "idx", "--out", "reuse"]).stdout();
    let args = ["dedup", "--index", "idx", "--cluster", "reuse", "--out", "kept.jsonl"];
    // A file that exists is not overwritten without --force.
    dir.create("kept.jsonl", "mine\n");
    let err = dir.cmd().args(args).fails_with(2);
    assert!(err.contains("kept.jsonl exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("kept.jsonl")).expect("kept"), "mine\n");
    assert!(!dir.join("kept.dropped.jsonl").exists());
    dir.cmd().args(args).arg("--force").stdout();
    // The report cannot be the output, however the path is spelled.
    let err = dir.cmd().args(args).args(["--force", "--dropped", "./kept.jsonl"]).fails_with(2);
    assert!(err.contains("--dropped must not be --out"), "{err}");
    // A threshold out of range.
    let err = dir.cmd().args(args).args(["--force", "--threshold", "1.5"]).fails_with(2);
    assert!(err.contains("--threshold"), "{err}");
    // A run over an older generation of the index: the index changed since.
    dir.create("more.jsonl", crate::hay::generated_corpus(3).replace("gen-", "late-"));
    dir.index("idx", &["more.jsonl"]);
    let err = dir.cmd().args(args).arg("--force").fails_with(2);
    assert!(err.contains("run.json") && err.contains("generation"), "{err}");
}

//! The corpus pipeline of `unspun cluster` (issue #10): candidate pairs against brute force,
//! determinism whatever the shard sizes, memory budget and thread count, and resumption after a
//! kill in every stage.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{self, TestDir, u64_at};

/// Every output file but the summary (which holds timings), by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "summary.json"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("output file"))
        })
        .collect()
}

/// The files of the reuse stage and of boilerplate: what a user reads.
fn results(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = outputs(dir);
    all.retain(|name, _| {
        !(name.starts_with("trace-")
            || name.starts_with("prints-")
            || name.starts_with("sentences-")
            || name.ends_with(".done")
            || name == "run.json")
    });
    all
}

/// Real wire stories with their reissues and corrections, plus the generated filler.
fn real_corpus(dir: &TestDir) -> bool {
    let Some(data) = util::shared_data() else { return false };
    let mut corpus = util::head_gz(&data.join("reuters21578/articles.jsonl.gz"), 700);
    corpus.push_str(&util::head_gz(&data.join("allsides/articles.jsonl.gz"), 300));
    dir.create("news.jsonl", &corpus);
    dir.index("idx", &["news.jsonl"]);
    true
}

fn cluster(dir: &TestDir, out: &str, extra: &[&str]) -> Value {
    dir.cmd()
        .args(["cluster", "--quiet", "--json", "--index", "idx", "--out", out])
        .args(extra)
        .json()
}

#[test]
fn issue_10_candidate_pairs_find_the_links_of_brute_force() {
    let dir = TestDir::new();
    if !real_corpus(&dir) {
        return;
    }
    let fast = cluster(&dir, "fast", &[]);
    let brute = cluster(&dir, "brute", &["--all-pairs"]);
    assert!(u64_at(&fast, "n_links") > 20, "{fast:#}");
    // Brute force aligns every pair that shares anything; the filter many fewer.
    let candidates = |s: &Value| s["pairs"]["n_candidates"].as_u64().expect("n_candidates");
    assert!(candidates(&fast) * 5 < candidates(&brute), "{:#} {:#}", fast["pairs"], brute["pairs"]);
    // Every link the filter keeps is the brute-force link, byte for byte; brute force finds
    // a few more between documents that share fewer than 8 fingerprints (on this slice one:
    // two templated stock-split notices of different companies, a false link).
    let lines = |out: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(&format!("{out}/links.jsonl")))
            .expect("links")
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let (fast_links, brute_links) = (lines("fast"), lines("brute"));
    let missing: Vec<&String> = brute_links.iter().filter(|l| !fast_links.contains(l)).collect();
    let extra: Vec<&String> = fast_links.iter().filter(|l| !brute_links.contains(l)).collect();
    assert!(extra.is_empty(), "links brute force does not have: {extra:#?}");
    assert!(missing.len() * 20 <= brute_links.len(), "missed: {missing:#?}");
    // Documents in no missed link have the same verdict and coverage (cluster numbers shift
    // when a cluster is missing).
    let missed_ids: Vec<String> = missing
        .iter()
        .flat_map(|l| {
            let v: Value = serde_json::from_str(l).expect("link");
            [
                v["source"].as_str().unwrap_or("").to_owned(),
                v["copy"].as_str().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    let docs = |out: &str| -> Vec<Value> {
        std::fs::read_to_string(dir.join(&format!("{out}/documents.jsonl")))
            .expect("documents")
            .lines()
            .map(|l| serde_json::from_str(l).expect("document"))
            .filter(|d: &Value| !missed_ids.iter().any(|id| d["id"] == id.as_str()))
            .map(|mut d: Value| {
                d["cluster"] = Value::Null;
                d
            })
            .collect()
    };
    assert_eq!(docs("fast"), docs("brute"));
}

#[test]
fn issue_10_cluster_is_deterministic_for_any_shard_size_and_memory_budget() {
    let dir = TestDir::new();
    if !real_corpus(&dir) {
        return;
    }
    cluster(&dir, "a", &[]);
    cluster(&dir, "b", &[]);
    // One worker thread instead of the machine's: the same bytes, every file.
    dir.cmd()
        .env("RAYON_NUM_THREADS", "1")
        .args(["cluster", "--quiet", "--json", "--index", "idx", "--out", "one-thread"])
        .json();
    assert_eq!(outputs(&dir.join("a")), outputs(&dir.join("one-thread")), "threads change it");
    // The fingerprint runs are gone once the pairs are counted.
    assert!(!outputs(&dir.join("a")).keys().any(|n| n.starts_with("prints-")));
    assert_eq!(outputs(&dir.join("a")), outputs(&dir.join("b")), "two runs differ");
    // Tiny shards and a budget that spills every 1,024 pairs: the same results.
    let small = cluster(
        &dir,
        "small",
        &["--shard-docs", "7", "--prints-shard-docs", "97", "--spill-budget-mb", "0"],
    );
    assert!(small["n_spilled_bytes"].as_u64() > Some(0), "{small:#}");
    assert!(!dir.join("small/spill").exists(), "spill files are removed");
    let (a, small) = (results(&dir.join("a")), results(&dir.join("small")));
    assert_eq!(a, small);
    let pairs_a = std::fs::read(dir.join("a/pairs.bin")).expect("pairs");
    assert_eq!(pairs_a, std::fs::read(dir.join("small/pairs.bin")).expect("pairs"));
}

/// The files each stage writes (its marker last).
const STAGES: [(&str, &[&str]); 5] = [
    ("prints", &["prints-", "sentences-", "docprints-", "profiles-"]),
    ("boilerplate", &["boilerplate.jsonl", "common-sentences.bin"]),
    ("pairs", &["pairs.bin", "pairs.json", "freqs.bin"]),
    ("trace", &["trace-"]),
    (
        "reuse",
        &[
            "documents.jsonl",
            "spins.jsonl",
            "boilerplate_passages.jsonl",
            "links.jsonl",
            "doc_clusters.jsonl",
            "passage_clusters.jsonl",
            "outlet_edges.jsonl",
            "outlets.graphml",
            "outlets.dot",
            "publishers.json",
        ],
    ),
];

#[test]
fn issue_10_cluster_resumes_after_a_kill_in_every_stage() {
    let dir = TestDir::new();
    if !real_corpus(&dir) {
        return;
    }
    let args = [
        "--shard-docs",
        "100",
        "--prints-shard-docs",
        "300",
        "--spill-budget-mb",
        "0",
        "--keep-intermediate",
    ];
    cluster(&dir, "whole", &args);
    let whole = outputs(&dir.join("whole"));
    // The counts a resumed trace stage reads back instead of asking the index.
    for kept in ["freqs.bin", "common-sentences.bin", "docprints-00000.bin", "profiles-00000.bin"] {
        assert!(whole.contains_key(kept), "{kept} is kept with --keep-intermediate");
    }
    for (killed_in, _) in STAGES {
        // What a kill in the middle of `killed_in` leaves: the earlier stages done, half of this
        // stage's shard files, no marker of it or of any later stage, a temporary file and
        // spilled runs.
        let out = dir.join(killed_in);
        std::fs::create_dir_all(&out).expect("out");
        let mut later = false;
        for (stage, prefixes) in STAGES {
            later |= stage == killed_in;
            for (name, bytes) in &whole {
                let of_stage = name == &format!("{stage}.done")
                    || prefixes.iter().any(|p| name.starts_with(p));
                if !of_stage {
                    continue;
                }
                let shard_kept = name.ends_with("0.bin") || name.ends_with("0.jsonl");
                let keep = !later || (stage == killed_in && shard_kept && !name.ends_with(".done"));
                if keep {
                    std::fs::write(out.join(name), bytes).expect("copy");
                }
            }
        }
        std::fs::write(out.join("run.json"), &whole["run.json"]).expect("run.json");
        std::fs::write(out.join("links.jsonl.tmp"), b"half a line").expect("tmp");
        std::fs::create_dir_all(out.join("spill")).expect("spill");
        std::fs::write(out.join("spill/pairs-00000.run"), [7u8; 26]).expect("run");
        let resumed = cluster(&dir, killed_in, &args);
        assert_eq!(outputs(&out), whole, "killed in {killed_in}");
        assert!(!out.join("spill").exists(), "killed in {killed_in}: spill left behind");
        let stages = resumed["stages"].as_array().expect("stages");
        let skipped: Vec<bool> = stages.iter().map(|s| s["skipped"] == true).collect();
        let position = STAGES.iter().position(|(s, _)| *s == killed_in).expect("stage");
        assert!(skipped[..position].iter().all(|s| *s), "{killed_in}: {skipped:?}");
        assert!(!skipped[position], "{killed_in}: {skipped:?}");
    }
}

#[test]
fn issue_10_cluster_never_removes_files_it_cannot_prove_are_its_own() {
    let dir = TestDir::new();
    dir.create("news.jsonl", crate::cluster::corpus());
    dir.index("idx", &["news.jsonl"]);
    // A user's folder that happens to hold a file named like an output, and no run.json.
    std::fs::create_dir_all(dir.join("data")).expect("data");
    std::fs::write(dir.join("data/documents.jsonl"), "my corpus\n").expect("mine");
    for fresh in [false, true] {
        let mut cmd = dir.cmd().args(["cluster", "--quiet", "--index", "idx", "--out", "data"]);
        if fresh {
            cmd = cmd.arg("--fresh");
        }
        let err = cmd.fails_with(2);
        assert!(err.contains("run.json") && err.contains("another --out"), "{err}");
    }
    let mine = std::fs::read_to_string(dir.join("data/documents.jsonl")).expect("mine");
    assert_eq!(mine, "my corpus\n");
    // Files of other names beside a run are left alone by --fresh.
    cluster(&dir, "run", &[]);
    std::fs::write(dir.join("run/notes.done"), "mine").expect("notes");
    std::fs::write(dir.join("run/trace-syria.jsonl"), "mine").expect("trace");
    cluster(&dir, "run", &["--fresh", "--min-shared-fingerprints", "9"]);
    assert!(dir.join("run/notes.done").exists() && dir.join("run/trace-syria.jsonl").exists());
}

#[test]
fn issue_10_cluster_starts_over_when_its_unsynced_files_are_from_another_boot() {
    // Stage files are written without fsync and the run records the boot they were written
    // in: a crash or a power cut can tear them, so a run of another boot must not read them.
    let Ok(boot) = std::fs::read_to_string("/proc/sys/kernel/random/boot_id") else { return };
    let dir = TestDir::new();
    dir.create("news.jsonl", crate::cluster::corpus());
    dir.index("idx", &["news.jsonl"]);
    let args = ["--shard-docs", "4", "--prints-shard-docs", "4"];
    cluster(&dir, "whole", &args);
    let whole = outputs(&dir.join("whole"));
    assert!(
        !whole.contains_key("scratch.boot"),
        "a finished run syncs its files and forgets the boot"
    );
    let shards: Vec<&String> = whole.keys().filter(|n| n.starts_with("trace-")).collect();
    assert!(shards.len() >= 3, "{shards:?}");
    for (case, written_in) in
        [("same boot", boot.trim()), ("other boot", "0a0b0c0d-0000-4000-8000-000000000000")]
    {
        // A run killed after its trace stage, its reuse files not yet written.
        let out = dir.join(case);
        std::fs::create_dir_all(&out).expect("out");
        for (name, bytes) in &whole {
            if !name.starts_with("reuse") && !STAGES[4].1.contains(&name.as_str()) {
                std::fs::write(out.join(name), bytes).expect("copy");
            }
        }
        std::fs::write(out.join("scratch.boot"), written_in).expect("boot");
        let resumed = cluster(&dir, case, &args);
        let skipped: Vec<bool> = resumed["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|s| s["skipped"] == true)
            .collect();
        let other = case == "other boot";
        assert_eq!(skipped, [!other, !other, !other, !other, false], "{case}");
        assert_eq!(outputs(&out), whole, "{case}");
    }
    // What a power cut can leave of an unsynced file: nothing of it, under its final name.
    let out = dir.join("torn");
    std::fs::create_dir_all(&out).expect("out");
    for (name, bytes) in &whole {
        let torn = name == shards[1];
        std::fs::write(out.join(name), if torn { &[][..] } else { &bytes[..] }).expect("copy");
    }
    std::fs::remove_file(out.join("reuse.done")).expect("reuse.done");
    std::fs::write(out.join("scratch.boot"), "0a0b0c0d-0000-4000-8000-000000000000").expect("boot");
    cluster(&dir, "torn", &args);
    assert_eq!(outputs(&out), whole, "a torn shard of another boot is made again");
}

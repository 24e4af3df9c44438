//! Crash safety through the CLI: `unspun index` killed mid-run never breaks the index.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::time::Duration;

use crate::hay;
use crate::util::{TestDir, u64_at};

const N_SYNTHETIC: usize = 120_000;

/// Writes `n` small synthetic news records as JSON Lines.
fn write_synthetic(dir: &TestDir, name: &str, n: usize) {
    const WORDS: [&str; 24] = [
        "council", "budget", "river", "storm", "minister", "court", "election", "school", "police",
        "market", "energy", "harbour", "bridge", "hospital", "farmers", "union", "strike",
        "museum", "airport", "railway", "tax", "housing", "water", "festival",
    ];
    let file = std::fs::File::create(dir.join(name)).expect("create synthetic corpus");
    let mut out = std::io::BufWriter::new(file);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..n {
        let mut words = Vec::with_capacity(24);
        for _ in 0..24 {
            // xorshift: cheap, deterministic variety.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            words.push(WORDS[(state % WORDS.len() as u64) as usize]);
        }
        let text = format!(
            "The {} said on Monday that the {} plan {} would go ahead. Residents asked about the {} and the {} near {} {}.",
            words[0..3].join(" "),
            words[3..6].join(" "),
            i,
            words[6..10].join(" "),
            words[10..14].join(" "),
            words[14..18].join(" "),
            words[18..24].join(" ")
        );
        let record = serde_json::json!({
            "id": format!("syn-{i}"), "text": text, "date": "2019-05-01", "source": "Synthetic Wire",
        });
        writeln!(out, "{record}").expect("write synthetic record");
    }
    out.flush().expect("flush synthetic corpus");
}

/// A delay between `min_ms` and `max_ms` that differs from run to run; printed so that a
/// failure can be reproduced.
fn random_delay(min_ms: u64, max_ms: u64) -> Duration {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let ms = min_ms + hasher.finish() % (max_ms - min_ms + 1);
    eprintln!("killing `unspun index` after {ms} ms");
    Duration::from_millis(ms)
}

#[test]
fn issue_2_index_killed_midway_leaves_a_readable_index() {
    let dir = TestDir::new();
    dir.create("base.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["base.jsonl"]);
    let n_base = u64_at(&dir.stats("idx"), "n_docs");
    write_synthetic(&dir, "big.jsonl", N_SYNTHETIC);

    let mut last = n_base;
    for (min_ms, max_ms) in [(50, 600), (600, 2500)] {
        let mut child = dir.cmd().args(["index", "--quiet", "--index", "idx", "big.jsonl"]).spawn();
        std::thread::sleep(random_delay(min_ms, max_ms));
        // The run may have finished already on a fast machine; then kill fails harmlessly.
        let _ = child.kill();
        let status = child.wait().expect("the killed child is reaped");
        eprintln!("index ended with {status}");

        let stats = dir.stats("idx");
        let n_docs = u64_at(&stats, "n_docs");
        eprintln!("after the kill the index holds {n_docs} documents");
        assert!(
            n_docs >= last && n_docs <= n_base + N_SYNTHETIC as u64,
            "{n_docs} documents after the kill; before it {last}"
        );
        assert_eq!(u64_at(&stats, "n_deleted"), 0);
        // Whatever was committed is searchable.
        dir.create("q.txt", hay::SENATE_PARAGRAPH);
        let report = dir.trace("idx", "q.txt", &[]);
        assert_eq!(report["sources"][0]["id"], hay::AP_SENATE.id);
        last = n_docs;
    }

    // No stale lock: the next run writes, and the index holds what it said.
    let more = serde_json::json!({
        "id": "after-crash", "text": "The ferry service resumed on Sunday after a week of repairs to the pier.",
    });
    dir.create("more.jsonl", format!("{more}\n"));
    let summary = dir.index("idx", &["more.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 1);
    assert_eq!(u64_at(&summary, "n_docs_in_index"), last + 1);
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), last + 1);

    // Finishing the big corpus adds exactly the records that were not committed before.
    let summary = dir.index("idx", &["big.jsonl"]);
    let n_committed_synthetic = last - n_base;
    assert_eq!(u64_at(&summary, "n_duplicate"), n_committed_synthetic);
    assert_eq!(u64_at(&summary, "n_added"), N_SYNTHETIC as u64 - n_committed_synthetic);
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), n_base + 1 + N_SYNTHETIC as u64);
}

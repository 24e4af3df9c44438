//! `unspun stats`: JSON fields and the human summary.

use crate::hay;
use crate::util::{TestDir, u64_at};

#[test]
fn issue_2_stats_json_and_human() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["news.jsonl"]);
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), 5);
    assert_eq!(u64_at(&stats, "n_deleted"), 0);
    // Reuters, Associated Press (twice), CNN, Daily Blog.
    assert_eq!(u64_at(&stats, "n_outlets"), 4);
    assert_eq!(
        stats["top_outlets"][0],
        serde_json::json!({"outlet": "Associated Press", "n_docs": 2})
    );
    // Dates are seconds since the epoch: 2015-09-20 and 2015-10-04, UTC midnight.
    assert_eq!(stats["date_min"], 1_442_707_200);
    assert_eq!(stats["date_max"], 1_443_916_800);
    assert_eq!(u64_at(&stats, "format_version"), 5);
    assert!(u64_at(&stats, "bytes_on_disk") > 0);
    assert!(u64_at(&stats, "n_postings") > 0);
    assert!(u64_at(&stats, "n_segments") >= 1);

    let human = dir.cmd().args(["stats", "--index", "idx"]).stdout();
    for needle in [
        "format         v5",
        "documents      5 (0 deleted)",
        "outlets        4",
        "dates          2015-09-20 .. 2015-10-04",
        "Associated Press",
    ] {
        assert!(human.contains(needle), "{needle:?} in\n{human}");
    }
}

#[test]
fn issue_2_stats_without_dates_or_outlets() {
    let dir = TestDir::new();
    dir.create("plain.jsonl", "{\"id\": 1, \"text\": \"A short note about the weather today.\"}\n");
    let summary = dir.index("idx", &["plain.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 1, "a numeric id is accepted");
    let stats = dir.stats("idx");
    assert!(stats["date_min"].is_null() && stats["date_max"].is_null(), "{stats:#}");
    assert_eq!(u64_at(&stats, "n_outlets"), 0);
    let human = dir.cmd().args(["stats", "--index", "idx"]).stdout();
    assert!(human.contains("no dates"), "{human}");
}

//! Slices of the real corpora in ../shared/data.

use crate::util::{self, TestDir, str_at, u64_at};

#[test]
fn issue_2_real_allsides_and_reuters_slices() {
    let Some(data) = util::shared_data() else { return };
    let dir = TestDir::new();
    let allsides = util::head_gz(&data.join("allsides/articles.jsonl.gz"), 300);
    let reuters = util::head_gz(&data.join("reuters21578/articles.jsonl.gz"), 300);
    dir.create("allsides.jsonl", &allsides);
    dir.create("reuters.jsonl", &reuters);
    let n_empty_reuters = reuters
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("reuters record"))
        .filter(|r| r["text"].as_str().is_none_or(|t| t.trim().is_empty()))
        .count() as u64;
    assert!(n_empty_reuters > 0, "the Reuters slice has title-only briefs");

    let summary = dir.index("idx", &["allsides.jsonl", "reuters.jsonl"]);
    assert_eq!(u64_at(&summary, "n_records"), 600);
    assert_eq!(summary["skipped_by_reason"]["empty-text"], n_empty_reuters, "{summary:#}");
    assert_eq!(
        u64_at(&summary, "n_added")
            + u64_at(&summary, "n_skipped")
            + u64_at(&summary, "n_duplicate"),
        600
    );
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), u64_at(&summary, "n_added"));
    assert!(u64_at(&stats, "n_outlets") > 5, "{stats:#}");
    assert!(stats["date_min"].as_i64() < stats["date_max"].as_i64());

    // One indexed AllSides article, traced with its own id, is not its own source.
    let record: serde_json::Value =
        serde_json::from_str(allsides.lines().nth(4).expect("5 lines")).expect("record");
    let id = str_at(&record, "id");
    let article = serde_json::json!({
        "id": id, "title": record["title"], "text": record["text"], "date": record["date"],
    });
    dir.create("own.json", article.to_string());
    let report = dir.trace("idx", "own.json", &[]);
    assert_eq!(report["query"]["id"], id);
    let sources = report["sources"].as_array().expect("sources");
    assert!(sources.iter().all(|s| s["id"] != id), "{id} traced to itself: {report:#}");

    // Without the id it is found as a copy of itself.
    let anonymous = serde_json::json!({"title": record["title"], "text": record["text"]});
    dir.create("anon.json", anonymous.to_string());
    let report = dir.trace("idx", "anon.json", &[]);
    assert_eq!(report["sources"][0]["id"], id, "{report:#}");
    assert_eq!(report["verdict"]["kind"], "copy");
}

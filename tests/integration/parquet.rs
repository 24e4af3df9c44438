//! Parquet corpora in `unspun index` and Parquet output of `unspun dedup` (#12), on the real
//! binary. Fixtures are written here with the index crate's own Parquet writer, from the JSON
//! Lines fixtures, so both formats hold the same documents.

use std::fs::File;

use serde_json::Value;
use unspun_core::Document;
use unspun_index::ingest::ParquetDocWriter;

use crate::cluster::corpus;
use crate::hay::REUTERS_SYRIA;
use crate::util::{TestDir, str_at, u64_at};

/// The documents of a JSON Lines fixture (dates read by the same parser as the index).
fn documents(jsonl: &str) -> Vec<Document> {
    jsonl
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("a JSON line");
            let field = |name: &str| value[name].as_str().map(str::to_owned);
            Document {
                id: field("id").expect("an id"),
                title: field("title"),
                text: field("text").unwrap_or_default(),
                date: field("date").and_then(|d| unspun_core::date::parse_date(&d)),
                source: field("source"),
                url: field("url"),
            }
        })
        .collect()
}

fn write_parquet(dir: &TestDir, name: &str, docs: &[Document]) {
    let file = File::create(dir.join(name)).expect("temp dir is writable");
    let mut writer = ParquetDocWriter::new(file).expect("parquet writer");
    for doc in docs {
        writer.write(doc).expect("write");
    }
    writer.finish().expect("footer");
}

/// A trace report without its timings.
fn untimed(mut report: Value) -> Value {
    report["stats"] = Value::Null;
    report
}

#[test]
fn issue_12_a_parquet_corpus_indexes_and_traces_like_its_json_lines() {
    let dir = TestDir::new();
    let jsonl = corpus();
    dir.create("news.jsonl", &jsonl);
    write_parquet(&dir, "news.parquet", &documents(&jsonl));
    let from_jsonl = dir.index("a", &["news.jsonl"]);
    let from_parquet = dir.index("b", &["news.parquet"]);
    assert!(u64_at(&from_jsonl, "n_added") > 5, "{from_jsonl:#}");
    assert_eq!(from_parquet["n_added"], from_jsonl["n_added"], "{from_parquet:#}");
    assert_eq!(u64_at(&from_parquet, "n_skipped"), 0, "{from_parquet:#}");
    assert_eq!(from_parquet["dates"], from_jsonl["dates"]);
    dir.create("q.txt", REUTERS_SYRIA.text);
    let a = untimed(dir.trace("a", "q.txt", &[]));
    let b = untimed(dir.trace("b", "q.txt", &[]));
    assert_eq!(a, b, "the same documents give the same trace");
    // Found by its extension in a folder, and with --format on any name.
    std::fs::create_dir(dir.join("folder")).expect("mkdir");
    std::fs::copy(dir.join("news.parquet"), dir.join("folder/part-0.parquet")).expect("copy");
    std::fs::copy(dir.join("news.parquet"), dir.join("data.bin")).expect("copy");
    let folder = dir.index("c", &["folder"]);
    assert_eq!(folder["n_added"], from_jsonl["n_added"], "{folder:#}");
    let forced: Value = dir
        .cmd()
        .args(["index", "--quiet", "--json", "--index", "d", "--format", "parquet", "data.bin"])
        .json();
    assert_eq!(forced["n_added"], from_jsonl["n_added"], "{forced:#}");
}

#[test]
fn issue_12_bad_parquet_rows_are_counted_and_truncated_files_fail_keeping_the_index() {
    let dir = TestDir::new();
    let mut docs = documents(&corpus());
    docs[1].text = "   ".to_owned();
    docs[3].id = String::new();
    write_parquet(&dir, "bad-rows.parquet", &docs);
    let summary = dir.index("idx", &["bad-rows.parquet"]);
    assert_eq!(u64_at(&summary, "n_skipped"), 2, "{summary:#}");
    assert_eq!(u64_at(&summary, "n_added"), docs.len() as u64 - 2);
    let skipped = &summary["bad_records"];
    assert_eq!(u64_at(&skipped[0], "line"), 2, "rows are numbered from 1: {skipped:#}");
    assert_eq!(u64_at(&skipped[1], "line"), 4, "{skipped:#}");
    assert!(str_at(&skipped[0], "path").ends_with("bad-rows.parquet"), "{skipped:#}");
    let stderr = dir
        .cmd()
        .args(["index", "-q", "--strict", "--index", "strict", "bad-rows.parquet"])
        .fails_with(2);
    // An empty text is skipped even then; a missing id stops the run.
    assert!(stderr.contains("bad-rows.parquet:4: field \"id\""), "{stderr}");

    // A truncated file is an error naming it, and what the index held stays.
    let before = dir.stats("idx");
    let bytes = std::fs::read(dir.join("bad-rows.parquet")).expect("read");
    dir.create("cut.parquet", &bytes[..bytes.len() / 2]);
    let stderr = dir.cmd().args(["index", "-q", "--index", "idx", "cut.parquet"]).fails_with(2);
    assert!(stderr.contains("cut.parquet") && stderr.contains("Parquet"), "{stderr}");
    assert_eq!(dir.stats("idx")["n_docs"], before["n_docs"]);
    // A missing text column lists the columns there are.
    let stderr = dir
        .cmd()
        .args(["index", "-q", "--index", "idx", "--text-field", "body", "bad-rows.parquet"])
        .fails_with(2);
    assert!(stderr.contains("no text column `body`"), "{stderr}");
    assert!(stderr.contains("id, title, text, date, source, url"), "{stderr}");
}

#[test]
fn issue_12_dedup_writes_parquet_that_indexes_back() {
    let dir = TestDir::new();
    dir.create("news.jsonl", corpus());
    dir.index("idx", &["news.jsonl"]);
    dir.cmd().args(["cluster", "--quiet", "--index", "idx", "--out", "reuse"]).stdout();
    let as_jsonl = dir
        .cmd()
        .args(["dedup", "--json", "--index", "idx", "--cluster", "reuse", "--out", "kept.jsonl"])
        .json();
    let as_parquet = dir
        .cmd()
        .args(["dedup", "--json", "--index", "idx", "--cluster", "reuse"])
        .args(["--out", "kept.parquet", "--dropped", "dropped.jsonl"])
        .json();
    assert_eq!(as_parquet["n_kept"], as_jsonl["n_kept"], "{as_parquet:#}");
    assert!(u64_at(&as_parquet, "n_dropped") > 0, "{as_parquet:#}");
    let head = std::fs::read(dir.join("kept.parquet")).expect("written");
    assert!(head.starts_with(b"PAR1") && head.ends_with(b"PAR1"));
    assert!(!dir.join("kept.parquet.tmp").exists());
    let a = dir.index("a", &["kept.jsonl"]);
    let b = dir.index("b", &["kept.parquet"]);
    assert_eq!(b["n_added"], as_jsonl["n_kept"], "{b:#}");
    assert_eq!(b["dates"], a["dates"]);
    // The same documents, field by field, in the same order.
    let config = unspun_index::ingest::ReaderConfig::default();
    let reader = unspun_index::ingest::CorpusReader::open(&dir.join("kept.parquet"), &config)
        .expect("kept.parquet opens");
    let from_parquet: Vec<Document> =
        reader.map(|record| record.into_result().expect("every row is good")).collect();
    let kept = std::fs::read_to_string(dir.join("kept.jsonl")).expect("kept.jsonl");
    assert_eq!(from_parquet, documents(&kept));
}

//! `unspun index`: formats, field mapping, the summary, duplicates, bad records, --strict.

use crate::hay::{self, AP_STORM, CNN_MARKETS, REUTERS_SYRIA};
use crate::util::{TestDir, str_at, u64_at};

/// A corpus whose good records surround one bad record of every kind.
fn corpus_with_bad_records() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut line = |text: &[u8]| {
        bytes.extend_from_slice(text);
        bytes.push(b'\n');
    };
    line(hay::json_line(&REUTERS_SYRIA).as_bytes()); // 1
    line(br#"{"id": "broken", "text": "an object that never ends"#); // 2 malformed-json
    line(b"{\"id\": \"latin1\", \"text\": \"caf\xe9 au lait in a Latin-1 line\"}"); // 3 invalid-utf8
    line(br#"{"title": "No id here", "text": "A record without any identifier at all."}"#); // 4
    line(br#"{"id": "no-text", "title": "Only a title"}"#); // 5 missing-text
    // 6: kept undated with a warning (#12)
    line(br#"{"id": "bad-date", "text": "A fine text with a bad date.", "date": "32/13/2020"}"#);
    line(br#"{"id": "object-text", "text": {"body": "nested"}}"#); // 7 wrong-type
    line(hay::json_line(&AP_STORM).as_bytes()); // 8
    bytes
}

#[test]
fn issue_2_index_jsonl_reports_summary_fields() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    let summary = dir.index("idx", &["news.jsonl"]);
    assert_eq!(u64_at(&summary, "n_records"), 5);
    assert_eq!(u64_at(&summary, "n_added"), 5);
    assert_eq!(u64_at(&summary, "n_duplicate"), 0);
    assert_eq!(u64_at(&summary, "n_skipped"), 0);
    assert_eq!(u64_at(&summary, "n_docs_in_index"), 5);
    assert_eq!(summary["skipped_by_reason"], serde_json::json!({}));
    assert_eq!(summary["bad_records"], serde_json::json!([]));
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 5);

    let human = dir.cmd().args(["index", "--index", "idx2", "news.jsonl"]).stdout();
    assert!(human.contains("indexed 5 documents into idx2"), "{human}");
    assert!(human.contains("the index now holds 5 documents"), "{human}");
}

#[test]
fn issue_2_index_gzip_jsonl_by_name_and_by_content() {
    let dir = TestDir::new();
    let corpus = hay::jsonl(&hay::NEWS);
    dir.create_gz("news.jsonl.gz", &corpus);
    // Same bytes without the .gz name: detected from the gzip magic.
    std::fs::copy(dir.join("news.jsonl.gz"), dir.join("news-no-extension")).expect("copy fixture");
    for (index, file) in [("a", "news.jsonl.gz"), ("b", "news-no-extension")] {
        let summary = dir.index(index, &[file]);
        assert_eq!(u64_at(&summary, "n_added"), 5, "{file}");
        assert_eq!(u64_at(&summary, "n_skipped"), 0, "{file}");
        assert_eq!(u64_at(&dir.stats(index), "n_docs"), 5, "{file}");
    }
    // The trace finds the gzip-indexed text.
    let input = dir.create("q.txt", hay::SYRIA_VERBATIM);
    let report = dir.trace("a", input.to_str().expect("utf-8 path"), &[]);
    assert_eq!(report["sources"][0]["id"], REUTERS_SYRIA.id);
}

#[test]
fn issue_2_index_csv_with_field_mapping() {
    let dir = TestDir::new();
    let mut csv = String::from("doc_id,headline,body,published,outlet,link\n");
    for a in [&REUTERS_SYRIA, &AP_STORM] {
        csv.push_str(&format!(
            "{},\"{}\",\"{}\",{},{},https://example.com/{}\n",
            a.id, a.title, a.text, a.date, a.source, a.id
        ));
    }
    dir.create("news.csv", csv);
    let summary = dir
        .cmd()
        .args(["index", "--quiet", "--json", "--index", "idx", "news.csv"])
        .args(["--id-field", "doc_id", "--text-field", "body", "--title-field", "headline"])
        .args(["--date-field", "published", "--source-field", "outlet", "--url-field", "link"])
        .json();
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    assert_eq!(u64_at(&summary, "n_skipped"), 0, "{summary:#}");
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), 2);
    assert_eq!(u64_at(&stats, "n_outlets"), 2);

    // The mapped fields arrive in the index: title, outlet, date and url of the source.
    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let report = dir.trace("idx", "q.txt", &[]);
    let source = &report["sources"][0];
    assert_eq!(source["id"], REUTERS_SYRIA.id);
    assert_eq!(source["title"], REUTERS_SYRIA.title);
    assert_eq!(source["outlet"], "Reuters");
    assert_eq!(source["date"], REUTERS_SYRIA.date);
    assert_eq!(source["url"], format!("https://example.com/{}", REUTERS_SYRIA.id));

    // Without the mapping the header has no `id` column: the whole file is refused.
    let stderr =
        dir.cmd().args(["index", "--quiet", "--index", "unmapped", "news.csv"]).fails_with(2);
    assert!(stderr.contains("news.csv"), "{stderr}");
    assert!(stderr.contains("the header row has no `id` column"), "{stderr}");
    assert_eq!(stderr.matches("the header row has no `id` column").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("news.csv").count(), 1, "said once: {stderr}");
}

#[test]
fn issue_2_index_tsv_with_field_mapping_and_forced_format() {
    let dir = TestDir::new();
    let mut tsv = String::from("key\tcontent\twhen\n");
    for a in [&CNN_MARKETS, &AP_STORM] {
        tsv.push_str(&format!("{}\t{}\t{}\n", a.id, a.text, a.date));
    }
    dir.create("news.tsv", &tsv);
    let summary = dir
        .cmd()
        .args(["index", "-q", "--json", "--index", "idx", "news.tsv"])
        .args(["--id-field", "key", "--text-field", "content", "--date-field", "when"])
        .json();
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), 2);
    assert_eq!(u64_at(&stats, "n_outlets"), 0, "no outlet column was mapped");
    assert!(stats["date_min"].is_i64(), "{stats:#}");

    // The same bytes under a name that says nothing, with --format tsv.
    dir.create("news.data", &tsv);
    let summary = dir
        .cmd()
        .args(["index", "-q", "--json", "--index", "idx2", "--format", "tsv", "news.data"])
        .args(["--id-field", "key", "--text-field", "content", "--date-field", "when"])
        .json();
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
}

#[test]
fn issue_2_index_twice_reports_duplicates_and_replace_replaces() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&[REUTERS_SYRIA, AP_STORM]));
    dir.index("idx", &["news.jsonl"]);

    let again = dir.index("idx", &["news.jsonl"]);
    assert_eq!(u64_at(&again, "n_added"), 0);
    assert_eq!(u64_at(&again, "n_duplicate"), 2);
    let mut ids: Vec<&str> = again["duplicate_ids"]
        .as_array()
        .expect("duplicate_ids is a list")
        .iter()
        .map(|v| v.as_str().expect("ids are strings"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [AP_STORM.id, REUTERS_SYRIA.id]);
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 2);
    let human = dir.cmd().args(["index", "--index", "idx", "news.jsonl"]).stdout();
    assert!(human.contains("duplicate ids skipped 2"), "{human}");
    assert!(human.contains("--replace"), "{human}");

    // A new text under the storm's id, with --replace.
    let new_text = "Floodwaters rose across the valley overnight, forcing hundreds of residents \
                    to leave their homes before dawn and wait in the high school gym.";
    let update = serde_json::json!({
        "id": AP_STORM.id, "title": "Valley floods", "text": new_text,
        "date": "2015-09-22", "source": "Associated Press",
    });
    dir.create("update.jsonl", format!("{update}\n"));
    let replaced = dir
        .cmd()
        .args(["index", "-q", "--json", "--replace", "--index", "idx", "update.jsonl"])
        .json();
    assert_eq!(u64_at(&replaced, "n_replaced"), 1, "{replaced:#}");
    assert_eq!(u64_at(&replaced, "n_added"), 0);
    assert_eq!(u64_at(&replaced, "n_duplicate"), 0);
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), 2);
    assert_eq!(u64_at(&stats, "n_deleted"), 1);

    dir.create("new.txt", new_text);
    let report = dir.trace("idx", "new.txt", &[]);
    assert_eq!(str_at(&report["verdict"], "kind"), "copy", "{report:#}");
    assert_eq!(report["sources"][0]["id"], AP_STORM.id);
    assert_eq!(report["sources"][0]["title"], "Valley floods");

    dir.create("old.txt", AP_STORM.text);
    let report = dir.trace("idx", "old.txt", &[]);
    assert_eq!(str_at(&report["verdict"], "kind"), "original", "the old text is gone");
    assert_eq!(report["sources"], serde_json::json!([]));
}

#[test]
fn issue_2_index_bad_records_are_counted_reported_and_skipped() {
    let dir = TestDir::new();
    dir.create("mixed.jsonl", corpus_with_bad_records());
    let summary = dir.index("idx", &["mixed.jsonl"]);
    assert_eq!(u64_at(&summary, "n_records"), 8);
    assert_eq!(u64_at(&summary, "n_added"), 3, "{summary:#}");
    assert_eq!(u64_at(&summary, "n_skipped"), 5);
    assert_eq!(
        summary["skipped_by_reason"],
        serde_json::json!({
            "malformed-json": 1, "invalid-utf8": 1, "missing-id": 1,
            "missing-text": 1, "wrong-type": 1,
        })
    );
    // An unparseable date costs the date, not the record (#12).
    assert_eq!(u64_at(&summary, "n_warnings"), 1);
    assert_eq!(summary["warnings_by_kind"], serde_json::json!({"unparseable-date": 1}));
    assert_eq!(u64_at(&summary["warnings"][0], "line"), 6);
    let bad: Vec<(String, u64, Option<String>, String)> = summary["bad_records"]
        .as_array()
        .expect("bad_records is a list")
        .iter()
        .map(|b| {
            (
                str_at(b, "path").to_string(),
                u64_at(b, "line"),
                b["field"].as_str().map(str::to_string),
                str_at(b, "reason").to_string(),
            )
        })
        .collect();
    let expect = |line, field: Option<&str>, reason: &str| {
        ("mixed.jsonl".to_string(), line, field.map(str::to_string), reason.to_string())
    };
    assert_eq!(
        bad,
        [
            expect(2, None, "malformed-json"),
            expect(3, None, "invalid-utf8"),
            expect(4, Some("id"), "missing-id"),
            expect(5, Some("text"), "missing-text"),
            expect(7, Some("text"), "wrong-type"),
        ]
    );
    // The good records before and after the bad ones are indexed.
    let stats = dir.stats("idx");
    assert_eq!(u64_at(&stats, "n_docs"), 3);
    dir.create("q.txt", AP_STORM.text);
    assert_eq!(dir.trace("idx", "q.txt", &[])["sources"][0]["id"], AP_STORM.id);
    dir.create("q2.txt", REUTERS_SYRIA.text);
    assert_eq!(dir.trace("idx", "q2.txt", &[])["sources"][0]["id"], REUTERS_SYRIA.id);

    // The human summary names file:line.
    let human = dir.cmd().args(["index", "--index", "idx-human", "mixed.jsonl"]).stdout();
    assert!(human.contains("bad records skipped 5"), "{human}");
    assert!(human.contains("mixed.jsonl:6: field `date`"), "{human}");
}

#[test]
fn issue_2_index_strict_stops_and_keeps_the_committed_index() {
    let dir = TestDir::new();
    dir.create("first.jsonl", hay::jsonl(&[REUTERS_SYRIA, AP_STORM]));
    dir.index("idx", &["first.jsonl"]);
    let before = dir.stats("idx");

    let mut second = hay::json_line(&CNN_MARKETS) + "\n";
    second.push_str("{\"id\": \"x\", \"text\": \"unterminated\n");
    second.push_str(&(hay::json_line(&hay::AP_SENATE) + "\n"));
    dir.create("second.jsonl", second);
    let stderr = dir
        .cmd()
        .args(["index", "--quiet", "--strict", "--index", "idx", "second.jsonl"])
        .fails_with(2);
    assert!(stderr.contains("second.jsonl:2"), "names file:line: {stderr}");
    assert!(stderr.contains("malformed JSON"), "{stderr}");

    let after = dir.stats("idx");
    assert_eq!(u64_at(&after, "n_docs"), 2, "the failed run added nothing");
    assert_eq!(after["generation"], before["generation"]);
    // Still writable: the same corpus without --strict goes in, the bad line skipped.
    let summary = dir.index("idx", &["second.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 2);
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 4);
}

#[test]
fn issue_2_index_strict_still_skips_empty_texts() {
    let dir = TestDir::new();
    let mut corpus = hay::json_line(&CNN_MARKETS) + "\n";
    corpus.push_str("{\"id\": \"brief\", \"title\": \"Title-only brief\", \"text\": \"  \"}\n");
    dir.create("c.jsonl", corpus);
    let summary =
        dir.cmd().args(["index", "-q", "--json", "--strict", "--index", "idx", "c.jsonl"]).json();
    assert_eq!(u64_at(&summary, "n_added"), 1);
    assert_eq!(summary["skipped_by_reason"], serde_json::json!({"empty-text": 1}));
}

#[test]
fn issue_2_index_missing_corpus_file_is_a_clear_error() {
    let dir = TestDir::new();
    let stderr = dir
        .cmd()
        .args(["index", "--quiet", "--index", "idx", "no-such-corpus.jsonl"])
        .fails_with(2);
    assert!(stderr.starts_with("unspun: "), "{stderr}");
    assert!(stderr.contains("no-such-corpus.jsonl"), "names the file: {stderr}");
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
    // The corpora are opened before the index: a typo creates nothing.
    assert!(!dir.path().join("idx").exists(), "no index is created for a failed run");
}

#[test]
fn issue_2_index_second_corpus_extends_the_index() {
    let dir = TestDir::new();
    dir.create("one.jsonl", hay::jsonl(&[REUTERS_SYRIA, AP_STORM]));
    dir.create("two.jsonl", hay::jsonl(&[CNN_MARKETS, hay::AP_SENATE, hay::BLOG_SENATE]));
    dir.index("idx", &["one.jsonl"]);
    let first = dir.stats("idx");
    assert_eq!(u64_at(&first, "n_docs"), 2);
    let summary = dir.index("idx", &["two.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 3);
    assert_eq!(u64_at(&summary, "n_docs_in_index"), 5);
    let second = dir.stats("idx");
    assert_eq!(u64_at(&second, "n_docs"), 5);
    assert!(u64_at(&second, "generation") > u64_at(&first, "generation"));
    // Both corpora are searchable.
    dir.create("q.txt", hay::SENATE_PARAGRAPH);
    assert_eq!(dir.trace("idx", "q.txt", &[])["sources"][0]["id"], hay::AP_SENATE.id);
    dir.create("q2.txt", AP_STORM.text);
    assert_eq!(dir.trace("idx", "q2.txt", &[])["sources"][0]["id"], AP_STORM.id);
}

/// `corpus` gzip-compressed with stored (uncompressed) deflate blocks, so a byte flipped in
/// it garbles the text without breaking the deflate stream: only the CRC-32 can tell.
fn gzip_stored(corpus: &str) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    encoder.write_all(corpus.as_bytes()).expect("in-memory writes succeed");
    encoder.finish().expect("in-memory writes succeed")
}

/// The `--json` summary and stderr of a run that exits with `code`.
fn index_fails(dir: &TestDir, code: i32, args: &[&str]) -> (serde_json::Value, String) {
    let out = dir.cmd().args(["index", "--quiet", "--json", "--index", "idx"]).args(args).output();
    assert_eq!(out.code, code, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let summary = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout));
    (summary, out.stderr)
}

#[test]
fn issue_13_unclosed_csv_quote_is_a_bad_record_and_fails_the_run() {
    let dir = TestDir::new();
    let mut csv = String::from("id,text\n");
    csv.push_str(&format!("{},\"{}\"\n", REUTERS_SYRIA.id, REUTERS_SYRIA.text));
    csv.push_str(&format!("{},\"{}\n", AP_STORM.id, AP_STORM.text)); // line 3: never closed
    csv.push_str(&format!("{},{}\n", CNN_MARKETS.id, CNN_MARKETS.text.replace(',', ";")));
    dir.create("news.csv", csv);
    let (summary, stderr) = index_fails(&dir, 2, &["news.csv"]);
    assert!(stderr.contains("corpus news.csv could not be read to its end"), "{stderr}");
    assert!(stderr.contains("news.csv:3: unclosed quote opened at line 3"), "{stderr}");
    assert_eq!(u64_at(&summary, "n_added"), 1, "{summary:#}");
    assert_eq!(summary["skipped_by_reason"], serde_json::json!({"unclosed-quote": 1}));
    assert_eq!(u64_at(&summary, "n_unreadable_files"), 1);
    let bad = &summary["bad_records"][0];
    assert_eq!((bad["line"].as_u64(), bad["reason"].as_str()), (Some(3), Some("unclosed-quote")));
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 1, "the good row is committed");
    // The human summary counts it on its own line.
    let out = dir.cmd().args(["index", "--index", "idx2", "news.csv"]).output();
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("skipped        1  unclosed-quote"), "{}", out.stdout);
    assert!(out.stdout.contains("corpora not read to their end: 1"), "{}", out.stdout);
    // --keep-going: a warning, exit 0.
    let out =
        dir.cmd().args(["index", "-q", "--keep-going", "--index", "idx3", "news.csv"]).output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("unspun: warning: corpus not read to its end: news.csv:3"));
}

#[test]
fn issue_13_truncated_gzip_exits_2_and_keeps_what_was_committed() {
    let dir = TestDir::new();
    dir.create("first.jsonl", hay::jsonl(&hay::NEWS[..2]));
    assert_eq!(u64_at(&dir.index("idx", &["first.jsonl"]), "n_added"), 2);
    dir.create("second.jsonl", hay::jsonl(&hay::NEWS[2..4]));
    let gz = dir.create_gz("cut.jsonl.gz", hay::generated_corpus(200));
    let bytes = std::fs::read(&gz).expect("fixture");
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).expect("fixture");
    dir.create("last.jsonl", hay::jsonl(&hay::NEWS[4..]));
    let corpora = ["second.jsonl", "cut.jsonl.gz", "last.jsonl"];
    let (summary, stderr) = index_fails(&dir, 2, &corpora);
    assert!(
        stderr.contains("unspun: corpus cut.jsonl.gz could not be read to its end"),
        "{stderr}"
    );
    assert!(stderr.contains("truncated: the gzip stream ends early"), "{stderr}");
    assert!(stderr.contains("0 documents of this file are in the index"), "{stderr}");
    assert!(stderr.contains("not read: last.jsonl"), "{stderr}");
    let incomplete = &summary["files_incomplete"][0];
    assert_eq!(str_at(incomplete, "path"), "cut.jsonl.gz");
    assert_eq!(str_at(incomplete, "reason"), "io");
    assert!(u64_at(incomplete, "n_docs_discarded") > 0, "{summary:#}");
    assert_eq!(u64_at(incomplete, "n_docs_committed"), 0);
    assert_eq!(u64_at(&summary, "n_skipped"), 0, "a damaged stream is no bad record");
    assert_eq!(summary["files_not_read"], serde_json::json!(["last.jsonl"]));
    // Earlier runs and earlier files are in; no half-read document of the cut file is.
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 4);
    // --keep-going: the warning names the file, the rest is indexed, exit 0.
    let out = dir
        .cmd()
        .args(["index", "-q", "--json", "--keep-going", "--index", "idx"])
        .args(corpora)
        .output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("unspun: warning: corpus not read to its end: cut.jsonl.gz:"));
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 5);
}

#[test]
fn issue_13_corrupt_gzip_commits_no_garbled_document() {
    let dir = TestDir::new();
    let corpus = hay::generated_corpus(40);
    let mut bytes = gzip_stored(&corpus);
    // Garble one letter of a text in the middle: the deflate data stays valid.
    let middle = bytes.len() / 2;
    let at = middle + bytes[middle..].iter().position(u8::is_ascii_lowercase).expect("text");
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(dir.join("garbled.jsonl.gz"), &bytes).expect("fixture");
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    let (summary, stderr) = index_fails(&dir, 2, &["news.jsonl", "garbled.jsonl.gz"]);
    assert!(stderr.contains("garbled.jsonl.gz:41: CRC mismatch"), "{stderr}");
    let incomplete = &summary["files_incomplete"][0];
    assert_eq!(u64_at(incomplete, "n_records"), 40, "every record decoded, one of them wrong");
    assert_eq!(u64_at(incomplete, "n_docs_discarded"), 40);
    assert_eq!(u64_at(incomplete, "n_docs_committed"), 0);
    assert_eq!(u64_at(&dir.stats("idx"), "n_docs"), 5, "only the intact file is in");
}

#[test]
fn issue_13_numeric_ids_keep_their_digits() {
    let dir = TestDir::new();
    let lines = [
        serde_json::json!({"text": REUTERS_SYRIA.text}).to_string().replacen(
            '{',
            "{\"id\":123456789012345678901234567890,",
            1,
        ),
        serde_json::json!({"text": AP_STORM.text}).to_string().replacen('{', "{\"id\":1.0,", 1),
        serde_json::json!({"text": CNN_MARKETS.text}).to_string().replacen('{', "{\"id\":1,", 1),
    ];
    dir.create("ids.jsonl", lines.join("\n"));
    let summary = dir.index("idx", &["ids.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 3, "1.0 and 1 are two ids: {summary:#}");
    assert_eq!(u64_at(&summary, "n_duplicate"), 0);
    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let report = dir.trace("idx", "q.txt", &[]);
    assert_eq!(report["sources"][0]["id"], "123456789012345678901234567890");
    dir.create("storm.txt", AP_STORM.text);
    let report = dir.trace("idx", "storm.txt", &[]);
    assert_eq!(report["sources"][0]["id"], "1.0");
}

#[test]
fn issue_13_nothing_indexed_because_everything_was_bad_exits_2() {
    let dir = TestDir::new();
    dir.create("bad.jsonl", "{\"id\": 1\n{\"text\": \"no id\"}\n");
    let (summary, stderr) = index_fails(&dir, 2, &["bad.jsonl"]);
    assert_eq!(u64_at(&summary, "n_skipped"), 2);
    assert!(stderr.contains("nothing was indexed: 2 records were bad"), "{stderr}");
}

#[test]
fn a_winnow_window_that_is_not_a_number_is_refused_by_name() {
    let dir = TestDir::new();
    let corpus = dir.create("c.jsonl", "{\"id\":\"a\",\"text\":\"One sentence here.\"}\n");
    let stderr = dir
        .cmd()
        .env("UNSPUN_INDEX_WINNOW", "eight")
        .args(["index", "--quiet", "--index", "idx"])
        .arg(&corpus)
        .fails_with(2);
    assert!(stderr.contains("UNSPUN_INDEX_WINNOW=\"eight\""), "names the variable: {stderr}");
    assert!(!dir.path().join("idx").exists(), "nothing is created");
    // A number is taken, and recorded in the MANIFEST.
    dir.cmd()
        .env("UNSPUN_INDEX_WINNOW", " 4 ")
        .args(["index", "--quiet", "--index", "idx"])
        .arg(&corpus)
        .output();
    let manifest = std::fs::read(dir.path().join("idx").join("MANIFEST")).expect("MANIFEST");
    let manifest = String::from_utf8_lossy(&manifest);
    assert!(manifest.contains("\"winnow\":4"), "the MANIFEST records the window: {manifest}");
}

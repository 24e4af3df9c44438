//! Reader tests: tiny inline fixtures written to temp dirs, then every corpus in shared/data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp dir is writable");
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("in-memory writes succeed");
    encoder.finish().expect("in-memory writes succeed")
}

/// One line per result: `ok LINE BYTES id title date source url` or `LINE reason field: detail`.
pub(super) fn summarize(reader: CorpusReader) -> Vec<String> {
    reader
        .map(|result| match result {
            RecordResult::Ok { doc, line, bytes, .. } => format!(
                "ok {line} {bytes} {} {:?} {:?} {:?} {:?} {:?}",
                doc.id,
                doc.text,
                doc.title,
                doc.date.map(unspun_core::date::format_date),
                doc.source,
                doc.url
            ),
            RecordResult::Skipped(bad) => format!(
                "{} {} {}: {}",
                bad.line,
                bad.reason,
                bad.field.as_deref().unwrap_or("-"),
                bad.detail
            ),
        })
        .collect()
}

/// Writes `bytes` as `name` in a fresh temp dir and reads it with `config`.
fn check_with(name: &str, bytes: &[u8], config: &ReaderConfig, expect: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), name, bytes);
    let reader = CorpusReader::open(&path, config).expect("fixture opens");
    assert_eq!(summarize(reader), expect, "{name}");
}

fn check(name: &str, bytes: &[u8], expect: &[&str]) {
    check_with(name, bytes, &ReaderConfig::default(), expect);
}

const JSONL: &str = r#"{"id":"a-1","text":"First body.","title":"One","date":"2017-12-31","source":"Reuters","url":"http://a/1"}

{"id":2,"text":"Second body.","title":null,"date":"1987-02-26T15:01:01.79","extra":{"nested":[1,2]}}
{"id":"a-3","text":"Third.","date":null,"source":"","url":null}"#;

const JSONL_EXPECT: [&str; 3] = [
    r#"ok 1 106 a-1 "First body." Some("One") Some("2017-12-31") Some("Reuters") Some("http://a/1")"#,
    r#"ok 3 101 2 "Second body." None Some("1987-02-26T15:01:01Z") None None"#,
    r#"ok 4 63 a-3 "Third." None None None None"#,
];

#[test]
fn plain_json_lines() {
    check("corpus.jsonl", JSONL.as_bytes(), &JSONL_EXPECT);
}

#[test]
fn crlf_bom_and_trailing_newline() {
    // Sizes grow by each `\r`, and the first line also by the 3-byte BOM.
    let bytes = format!("\u{feff}{}\r\n", JSONL.replace('\n', "\r\n"));
    let expect: Vec<String> = JSONL_EXPECT
        .iter()
        .zip(["ok 1 110 ", "ok 3 102 ", "ok 4 65 "])
        .map(|(line, prefix)| format!("{prefix}{}", line.splitn(4, ' ').nth(3).unwrap_or_default()))
        .collect();
    let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
    check("corpus.ndjson", bytes.as_bytes(), &expect);
}

#[test]
fn gzip_multi_member() {
    let (first, second) = JSONL.split_at(JSONL.find("\n{\"id\":2").expect("fixture has line 3"));
    let mut bytes = gzip(first.as_bytes());
    bytes.extend(gzip(second.as_bytes()));
    check("corpus.jsonl.gz", &bytes, &JSONL_EXPECT);
    // Detection by content: gzip magic and a `{`, whatever the name says.
    check("corpus.data", &bytes, &JSONL_EXPECT);
}

#[test]
fn every_json_skip_reason() {
    let long_text = "x".repeat(300);
    let lines = [
        r#"{"id":"ok-1","text":"fine"}"#.to_owned(),
        r#"{"id":"bad-json","text":"unterminated"#.to_owned(),
        "{\"id\":\"utf8\",\"text\":\"caf\u{e9}\"}".to_owned(), // replaced by Latin-1 below
        r#"{"text":"no id"}"#.to_owned(),
        r#"{"id":"","text":"empty id"}"#.to_owned(),
        r#"{"id":"no-text"}"#.to_owned(),
        r#"{"id":"null-text","text":null}"#.to_owned(),
        r#"{"id":"empty","text":" \n\t"}"#.to_owned(),
        r#"{"id":"obj","text":"t","source":{"name":"x"}}"#.to_owned(),
        r#"["not","an","object"]"#.to_owned(),
        format!(r#"{{"id":"big-text","text":"{long_text}"}}"#),
        format!(r#"{{"id":"big-record","text":"t","pad":"{}"}}"#, "y".repeat(600)),
        r#"{"id":"date","text":"t","date":"32/13/2020"}"#.to_owned(),
        r#"{"id":"ok-2","text":"fine","date":""}"#.to_owned(),
    ];
    let mut bytes = lines.join("\n").into_bytes();
    // Make line 3 invalid UTF-8: é as a single Latin-1 byte.
    let utf8_e = "caf\u{e9}".as_bytes().to_vec();
    let position =
        bytes.windows(utf8_e.len()).position(|window| window == utf8_e).expect("line 3 has café");
    bytes.splice(position + 3..position + 5, [0xe9]);
    let config =
        ReaderConfig { max_record_bytes: 500, max_text_bytes: 200, ..ReaderConfig::default() };
    check_with(
        "skips.jsonl",
        &bytes,
        &config,
        &[
            r#"ok 1 28 ok-1 "fine" None None None None"#,
            "2 malformed-json -: malformed JSON: EOF while parsing a string at line 1 column 37",
            "3 invalid-utf8 -: invalid UTF-8 at byte 24 of the line",
            "4 missing-id id: missing, null or empty id",
            "5 missing-id id: missing, null or empty id",
            "6 missing-text text: missing or null text",
            "7 missing-text text: missing or null text",
            "8 empty-text text: empty text",
            "9 wrong-type source: expected a string, a number or null, found an object",
            "10 wrong-type -: record: invalid type: sequence, expected a JSON object at line 1 column 1",
            "11 too-large text: text of 300 bytes exceeds max_text_bytes (200)",
            "12 too-large -: record of 640 bytes exceeds max_record_bytes (500)",
            r#"ok 13 45 date "t" None None None None"#,
            r#"ok 14 37 ok-2 "fine" None None None None"#,
        ],
    );
}

#[test]
fn absurdly_long_line() {
    // 20 MiB on one line, limit 1 KiB: skipped without holding it, and the count goes on.
    let mut bytes = br#"{"id":"huge","text":""#.to_vec();
    bytes.resize(bytes.len() + (20 << 20), b'z');
    bytes.extend(b"\"}\n{\"id\":\"after\",\"text\":\"t\"}\n");
    let config = ReaderConfig { max_record_bytes: 1024, ..ReaderConfig::default() };
    check_with(
        "long.jsonl",
        &bytes,
        &config,
        &[
            "1 too-large -: record of 20971544 bytes exceeds max_record_bytes (1024)",
            r#"ok 2 26 after "t" None None None None"#,
        ],
    );
}

#[test]
fn truncated_gzip() {
    let mut text = String::new();
    for index in 0..2000 {
        text.push_str(&format!("{{\"id\":\"r{index}\",\"text\":\"record number {index}\"}}\n"));
    }
    let bytes = gzip(text.as_bytes());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "cut.jsonl.gz", &bytes[..bytes.len() / 2]);
    let results: Vec<RecordResult> =
        CorpusReader::open(&path, &ReaderConfig::default()).expect("opens").collect();
    let (last, first) = results.split_last().expect("some records before the cut");
    assert!(first.iter().all(|result| matches!(result, RecordResult::Ok { .. })));
    assert!(first.len() > 100, "{} records before the cut", first.len());
    match last {
        RecordResult::Skipped(bad) => {
            assert_eq!(bad.reason, SkipReason::Io);
            assert_eq!(bad.line, first.len() as u64 + 1);
            assert!(bad.detail.starts_with("truncated: the gzip stream ends early"), "{bad}");
        }
        RecordResult::Ok { .. } => panic!("a truncated stream must end with an Io skip"),
    }
    // Garbage after a complete member is an error too, not silently ignored.
    let mut bytes = gzip(b"{\"id\":\"a\",\"text\":\"t\"}\n");
    bytes.extend(b"not gzip");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "tail.jsonl.gz", &bytes);
    let got = summarize(CorpusReader::open(&path, &ReaderConfig::default()).expect("opens"));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1], "2 io -: truncated: the gzip stream ends early (unexpected end of file)");
    let mut bytes = gzip(b"{\"id\":\"a\",\"text\":\"t\"}\n");
    bytes.extend(b"not gzip at all");
    let path = write_file(dir.path(), "tail2.jsonl.gz", &bytes);
    let got = summarize(CorpusReader::open(&path, &ReaderConfig::default()).expect("opens"));
    assert!(got[1].starts_with("2 io -: not a gzip member: invalid gzip header"), "{got:?}");
}

/// Reads `bytes` as `name` to the end; returns the results, the verified end and
/// [`CorpusReader::incomplete`] as `LINE reason: detail`.
fn read_all(name: &str, bytes: &[u8]) -> (Vec<RecordResult>, u64, Option<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), name, bytes);
    let mut reader = CorpusReader::open(&path, &ReaderConfig::default()).expect("opens");
    let results: Vec<RecordResult> = reader.by_ref().collect();
    let incomplete =
        reader.incomplete().map(|bad| format!("{} {}: {}", bad.line, bad.reason, bad.detail));
    (results, reader.verified_byte_end(), incomplete)
}

fn lines(range: std::ops::Range<u32>) -> String {
    range.map(|n| format!("{{\"id\":\"r{n}\",\"text\":\"record number {n}\"}}\n")).collect()
}

#[test]
fn gzip_damage_is_named() {
    // A member whose CRC-32 does not match: the text decodes, the footer says it is wrong.
    let mut bytes = gzip(lines(0..3).as_bytes());
    let crc = bytes.len() - 8;
    bytes[crc] ^= 0xff;
    let (results, verified, incomplete) = read_all("crc.jsonl.gz", &bytes);
    assert_eq!(results.len(), 4);
    assert_eq!(verified, 0, "no member was checked");
    assert_eq!(
        incomplete.as_deref(),
        Some("4 io: CRC mismatch: the decompressed data does not match the gzip member's checksum")
    );
    // A deflate block of the reserved type 3.
    let mut bytes = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    bytes.extend([0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let (results, _, incomplete) = read_all("bad.jsonl.gz", &bytes);
    assert_eq!(results.len(), 1);
    let incomplete = incomplete.expect("a corrupt stream is incomplete");
    assert!(incomplete.starts_with("1 io: corrupt deflate data"), "{incomplete}");
    // Cut inside the 8-byte footer: truncated, although every byte of text arrived.
    let bytes = gzip(lines(0..3).as_bytes());
    let (results, _, incomplete) = read_all("cut.jsonl.gz", &bytes[..bytes.len() - 3]);
    assert_eq!(results.len(), 4);
    let incomplete = incomplete.expect("a cut stream is incomplete");
    assert!(incomplete.starts_with("4 io: truncated"), "{incomplete}");
    // An intact file: complete, and verified to its end.
    let text = lines(0..3);
    let (results, verified, incomplete) = read_all("ok.jsonl.gz", &gzip(text.as_bytes()));
    assert_eq!((results.len(), verified, incomplete), (3, text.len() as u64, None));
    let (_, verified, _) = read_all("ok.jsonl", text.as_bytes());
    assert_eq!(verified, u64::MAX, "a plain file has nothing to wait for");
}

#[test]
fn gzip_members_are_verified_one_by_one() {
    let (first, second) = (lines(0..2), lines(2..5));
    let mut bytes = gzip(first.as_bytes());
    let mut damaged = gzip(second.as_bytes());
    let crc = damaged.len() - 8;
    damaged[crc] ^= 0xff;
    bytes.extend(&damaged);
    let (results, verified, incomplete) = read_all("two.jsonl.gz", &bytes);
    assert_eq!(verified, first.len() as u64, "the first member was checked, not the second");
    let byte_ends: Vec<(u64, bool)> = results
        .iter()
        .filter_map(|result| match result {
            RecordResult::Ok { byte_end, .. } => Some((*byte_end, *byte_end <= verified)),
            RecordResult::Skipped(_) => None,
        })
        .collect();
    let ends = [first.len() / 2, first.len(), first.len() + second.len() / 3];
    assert_eq!(byte_ends.len(), 5);
    assert_eq!(
        byte_ends[..3],
        [(ends[0] as u64, true), (ends[1] as u64, true), (ends[2] as u64, false)]
    );
    assert!(byte_ends[3..].iter().all(|&(_, verified)| !verified));
    assert!(incomplete.is_some_and(|stop| stop.starts_with("6 io: CRC mismatch")));
}

#[test]
fn csv_unclosed_quote_at_the_end_is_a_bad_record() {
    let csv = "id,text\nc-1,fine\nc-2,\"never closed\nc-3,swallowed\nc-4,swallowed too\n";
    let expect = [
        r#"ok 2 9 c-1 "fine" None None None None"#,
        "3 unclosed-quote -: unclosed quote opened at line 3: the rest of the file (46 bytes) ran \
         into this row and was not read as rows",
    ];
    check("open.csv", csv.as_bytes(), &expect);
    check("open.csv.gz", &gzip(csv.as_bytes()), &expect);
    let (_, _, incomplete) = read_all("open.csv", csv.as_bytes());
    assert!(incomplete.is_some_and(|stop| stop.starts_with("3 unclosed-quote")));
    // Quotes closed, doubled, or inside unquoted fields are fine.
    let csv = "id,text\nc-1,\"a \"\"b\"\" c\"\nc-2,say \"hi\n";
    check(
        "closed.csv",
        csv.as_bytes(),
        &[
            r#"ok 2 16 c-1 "a \"b\" c" None None None None"#,
            r#"ok 3 12 c-2 "say \"hi" None None None None"#,
        ],
    );
    let (_, _, incomplete) = read_all("closed.csv", csv.as_bytes());
    assert_eq!(incomplete, None);
    // A later quote closes the open one with text after it: the row is refused, and the
    // rows after it are read again.
    let csv = "id,text\nc-1,\"open\nc-2,x\nc-3,\"quoted\" text\nc-4,after\n";
    check(
        "closed-late.csv",
        csv.as_bytes(),
        &[
            "2 unclosed-quote -: unclosed quote opened at line 2: a quote at line 4 closed it \
             with text after it, so the lines in between ran into this row",
            r#"ok 5 10 c-4 "after" None None None None"#,
        ],
    );
    // In TSV, and in the header.
    check(
        "open.tsv",
        b"id\ttext\n1\t\"open\n2\tx\n",
        &[
            "2 unclosed-quote -: unclosed quote opened at line 2: the rest of the file (10 bytes) ran \
           into this row and was not read as rows",
        ],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "head.csv", b"id,\"text\n1,x\n");
    let error = CorpusReader::open(&path, &ReaderConfig::default()).expect_err("open header");
    assert!(error.to_string().ends_with("unclosed quote opened at line 1"), "{error}");
}

#[test]
fn csv_with_quoted_newlines() {
    let csv = "id,title,text,date,extra\n\
        c-1,\"Title, with comma\",\"Line one\nLine two\n\",\"December 31, 2017 \",x\n\
        c-2,,\"Says \"\"hi\"\"\",,y\n\
        c-3,T3,short row\n\
        c-4,T4,,2017-01-01,z\n\
        ,T5,no id,,z\n\
        c-6,T6,bad date,31-MAR-1987 605:12:19.12,z\n";
    check(
        "corpus.csv",
        csv.as_bytes(),
        &[
            r#"ok 2 68 c-1 "Line one\nLine two\n" Some("Title, with comma") Some("2017-12-31") None None"#,
            r#"ok 5 22 c-2 "Says \"hi\"" None None None None"#,
            "6 malformed-csv -: expected 5 fields (from the header), found 3",
            "7 empty-text text: empty text",
            "8 missing-id id: missing, null or empty id",
            r#"ok 9 43 c-6 "bad date" Some("T6") None None None"#,
        ],
    );
}

#[test]
fn csv_invalid_utf8_only_in_used_columns() {
    let mut bytes = b"id,text,unused\nc-1,caf".to_vec();
    bytes.extend([0xe9, b',']);
    bytes.extend(b"fine\nc-2,ok,caf");
    bytes.extend([0xe9, b'\n']);
    check(
        "latin.csv",
        &bytes,
        &[
            "2 invalid-utf8 text: invalid UTF-8 at byte 3 of the field",
            r#"ok 3 12 c-2 "ok" None None None None"#,
        ],
    );
}

#[test]
fn tsv_and_custom_fields() {
    let tsv =
        "doc\tbody\theadline\twhen\n1\tSome text\tA head\t2020-02-29\n2\t\"quoted\ttab\"\t\t\n";
    let fields = FieldMap {
        id: "doc".into(),
        text: "body".into(),
        title: "headline".into(),
        date: "when".into(),
        ..FieldMap::default()
    };
    let config = ReaderConfig { fields, ..ReaderConfig::default() };
    let expect = [
        r#"ok 2 30 1 "Some text" Some("A head") Some("2020-02-29") None None"#,
        r#"ok 3 17 2 "quoted\ttab" None None None None"#,
    ];
    check_with("corpus.tsv.gz", &gzip(tsv.as_bytes()), &config, &expect);
    // By content: tabs and no commas in the header line.
    check_with("corpus", tsv.as_bytes(), &config, &expect);
}

#[test]
fn csv_header_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "nohead.csv", b"id,body\n1,x\n");
    let error = CorpusReader::open(&path, &ReaderConfig::default()).expect_err("no text column");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert!(error.to_string().ends_with("nohead.csv: the header row has no `text` column"));
    check("empty.csv", b"", &[]);
    check("only-header.csv", b"id,text\n", &[]);
}

#[test]
fn csv_unterminated_quote_stops_at_the_limit() {
    let mut bytes = b"id,text\nc-1,fine\nc-2,\"never closed".to_vec();
    bytes.resize(bytes.len() + (2 << 20), b'q');
    let config = ReaderConfig { max_record_bytes: 1024, ..ReaderConfig::default() };
    check_with(
        "open.csv",
        &bytes,
        &config,
        &[
            r#"ok 2 9 c-1 "fine" None None None None"#,
            "3 too-large -: record exceeds max_record_bytes (1024) (a quote opened at line 3 is \
             still open); reading stopped here",
        ],
    );
    // Under the slack but over the limit: skipped, and the next row is read.
    let mut bytes = b"id,text\nc-1,\"".to_vec();
    bytes.resize(bytes.len() + 2000, b'q');
    bytes.extend(b"\"\nc-2,fine\n");
    check_with(
        "big.csv",
        &bytes,
        &config,
        &[
            "2 too-large -: record of 2007 bytes exceeds max_record_bytes (1024)",
            r#"ok 3 9 c-2 "fine" None None None None"#,
        ],
    );
}

#[test]
fn detection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = b"  \n{\"id\":1}\n";
    let csv = b"id,text\n1,x\n";
    let tsv = b"id\ttext\n1\tx, y\n";
    let array = b"\n [{\"id\":1}]";
    let (none, gz) = (super::Compression::None, super::Compression::Gzip);
    // The content decides where it is clear (`{`, `[`); then the name; then the first line.
    let cases: [(&str, Vec<u8>, (Format, super::Compression)); 11] = [
        ("a.jsonl", csv.to_vec(), (Format::JsonLines, none)),
        ("a.NDJSON.gz", gzip(csv), (Format::JsonLines, gz)),
        ("a.json", csv.to_vec(), (Format::JsonLines, none)),
        ("a.csv.gz", json.to_vec(), (Format::JsonLines, none)),
        ("a.tsv", json.to_vec(), (Format::JsonLines, none)),
        ("a.txt", json.to_vec(), (Format::JsonLines, none)),
        ("a", gzip(json), (Format::JsonLines, gz)),
        ("b.gz", gzip(csv), (Format::Csv, gz)),
        ("b.dat", tsv.to_vec(), (Format::Tsv, none)),
        ("c", Vec::new(), (Format::Csv, none)),
        ("d.json", array.to_vec(), (Format::JsonArray, none)),
    ];
    for (name, bytes, expect) in cases {
        let path = write_file(dir.path(), name, &bytes);
        assert_eq!(detect(&path).expect("file exists"), expect, "{name}");
    }
    assert!(detect(&dir.path().join("missing.jsonl")).is_err());
    assert_eq!("TSV".parse::<Format>(), Ok(Format::Tsv));
    assert!("xml".parse::<Format>().is_err());
    // An explicit format wins over the name.
    let path = write_file(dir.path(), "really.jsonl", b"id,text\n1,x\n");
    let config = ReaderConfig { format: Some(Format::Csv), ..ReaderConfig::default() };
    let reader = CorpusReader::open(&path, &config).expect("opens");
    assert_eq!(reader.format(), Format::Csv);
    assert_eq!(summarize(reader), [r#"ok 2 4 1 "x" None None None None"#]);
}

#[test]
fn progress_counts_compressed_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = gzip(JSONL.as_bytes());
    let path = write_file(dir.path(), "p.jsonl.gz", &bytes);
    let mut reader = CorpusReader::open(&path, &ReaderConfig::default()).expect("opens");
    assert_eq!(reader.file_len(), bytes.len() as u64);
    assert!(reader.is_gzip());
    assert_eq!(reader.path(), path);
    assert_eq!(reader.by_ref().count(), 3);
    assert_eq!(reader.bytes_read(), reader.file_len());
    assert_eq!(reader.next(), None, "a finished reader stays finished");
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&reader);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Arbitrary bytes, plain or gzipped (possibly cut short), in any format: the reader never
    /// panics, always ends, and yields at most one result per line plus one.
    #[test]
    fn arbitrary_bytes_never_panic(
        body in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(b"{}[]\",:\n\t\r idtext".to_vec()),
            ],
            0..400,
        ),
        format in proptest::sample::select(vec![Format::JsonLines, Format::Csv, Format::Tsv]),
        compress in proptest::prelude::any::<bool>(),
        cut in 0.0..1.0f64,
    ) {
        let mut bytes = b"id,text\tdate\n".to_vec();
        bytes.extend(&body);
        if compress {
            bytes = gzip(&bytes);
            let keep = ((bytes.len() as f64) * (0.5 + cut / 2.0)) as usize;
            bytes.truncate(keep.max(2));
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write_file(dir.path(), "any", &bytes);
        let config = ReaderConfig {
            format: Some(format),
            max_record_bytes: 64,
            max_text_bytes: 16,
            ..ReaderConfig::default()
        };
        if let Ok(reader) = CorpusReader::open(&path, &config) {
            let n_lines = body.iter().filter(|&&byte| byte == b'\n').count() + 2;
            let n_results = reader.take(n_lines + 2).count();
            proptest::prop_assert!(n_results <= n_lines, "{n_results} results for {n_lines} lines");
        }
    }
}

/// Expected outcome of reading one shared corpus with the default config.
struct Expected {
    path: &'static str,
    n_records: u64,
    n_empty_text: u64,
    /// Documents with a date (null dates read as `None`; none may fail to parse).
    n_dated: u64,
    /// Dates outside the default window (kept undated, with a warning; #12).
    n_out_of_window: u64,
    /// Earliest and latest date read (`""` when none).
    range: (&'static str, &'static str),
}

/// Counts from the corpus READMEs. Empty texts: reuters21578 has 1,799 title-only briefs,
/// fakehealth 29 empty bodies, fakenews_small 2 (found by reading the data). Dated counts
/// are the non-null dates in the READMEs less those on empty-text records, and less (#12) the
/// three AllSides dates outside the default window (two in year 1, one in 2050), which the
/// README calls "clearly wrong". The ranges are what each README describes.
const SHARED_CORPORA: [Expected; 10] = [
    Expected {
        path: "allsides/articles.jsonl.gz",
        n_records: 37_554,
        n_empty_text: 0,
        n_dated: 33_144,
        n_out_of_window: 3,
        range: ("2001-10-23", "2020-07-21"),
    },
    Expected {
        path: "reuters21578/articles.jsonl.gz",
        n_records: 21_578,
        n_empty_text: 1_799,
        n_dated: 19_778,
        n_out_of_window: 0,
        range: ("1987-02-26T15:01:01Z", "1987-10-20T22:53:18Z"),
    },
    Expected {
        path: "bbc/articles.jsonl.gz",
        n_records: 2_225,
        n_empty_text: 0,
        n_dated: 0,
        n_out_of_window: 0,
        range: ("", ""),
    },
    Expected {
        path: "isot_sample/articles.jsonl.gz",
        n_records: 2_402,
        n_empty_text: 0,
        n_dated: 2_402,
        n_out_of_window: 0,
        range: ("2017-05-18", "2017-12-31"),
    },
    Expected {
        path: "fakehealth/articles.jsonl.gz",
        n_records: 2_237,
        n_empty_text: 29,
        n_dated: 1_463,
        n_out_of_window: 0,
        range: ("2009-12-10T05:00:00Z", "2019-09-11T03:43:00Z"),
    },
    Expected {
        path: "fakenews_small/articles.jsonl.gz",
        n_records: 1_311,
        n_empty_text: 2,
        n_dated: 296,
        n_out_of_window: 0,
        range: ("2013-03-05", "2017-08-24T09:21:00Z"),
    },
    Expected {
        path: "basil/articles.jsonl.gz",
        n_records: 192,
        n_empty_text: 0,
        n_dated: 192,
        n_out_of_window: 0,
        range: ("2010-02-20", "2019-03-28"),
    },
    Expected {
        path: "pan13_text_alignment/documents.jsonl.gz",
        n_records: 347,
        n_empty_text: 0,
        n_dated: 0,
        n_out_of_window: 0,
        range: ("", ""),
    },
    Expected {
        path: "perezrosas_fakenews/documents.jsonl.gz",
        n_records: 606,
        n_empty_text: 0,
        n_dated: 0,
        n_out_of_window: 0,
        range: ("", ""),
    },
    Expected {
        path: "clough_stevenson/documents.jsonl.gz",
        n_records: 55,
        n_empty_text: 0,
        n_dated: 0,
        n_out_of_window: 0,
        range: ("", ""),
    },
];

fn shared_data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("shared corpora not found at {} (required when CI is set)", dir.display());
    }
    eprintln!("note: {} not found; skipping the shared-corpus test", dir.display());
    None
}

/// Reads every shared corpus once with the defaults; the only skips allowed are empty texts.
#[test]
fn shared_corpora_read_cleanly() {
    let Some(dir) = shared_data_dir() else { return };
    for expected in SHARED_CORPORA {
        let path = dir.join(expected.path);
        let started = Instant::now();
        let mut reader = CorpusReader::open(&path, &ReaderConfig::default())
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let mut n_ok = 0u64;
        let mut n_dated = 0u64;
        let mut n_uncompressed = 0u64;
        let mut n_warnings = 0u64;
        let mut range: Option<(unspun_core::Timestamp, unspun_core::Timestamp)> = None;
        let mut skipped: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut unexpected = Vec::new();
        while let Some(result) = reader.next() {
            for warning in reader.take_warnings() {
                assert_eq!(warning.kind, WarningKind::DateOutOfWindow, "{warning}");
                n_warnings += 1;
            }
            match result {
                RecordResult::Ok { doc, bytes, .. } => {
                    if let Some(date) = doc.date {
                        let (earliest, latest) = range.get_or_insert((date, date));
                        *earliest = (*earliest).min(date);
                        *latest = (*latest).max(date);
                    }
                    n_ok += 1;
                    n_uncompressed += bytes;
                    n_dated += u64::from(doc.date.is_some());
                }
                RecordResult::Skipped(bad) => {
                    *skipped.entry(bad.reason.name()).or_default() += 1;
                    if bad.reason != SkipReason::EmptyText && unexpected.len() < 5 {
                        unexpected.push(bad.to_string());
                    }
                }
            }
        }
        let n_skipped: u64 = skipped.values().sum();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {n_ok} ok, {n_dated} dated, skipped {skipped:?}, {:.1} MB in {seconds:.2} s \
             ({:.0} MB/s uncompressed)",
            expected.path,
            n_uncompressed as f64 / 1e6,
            n_uncompressed as f64 / 1e6 / seconds.max(1e-9),
        );
        assert!(unexpected.is_empty(), "{}: {unexpected:#?}", expected.path);
        assert_eq!(n_ok + n_skipped, expected.n_records, "{}", expected.path);
        assert_eq!(n_skipped, expected.n_empty_text, "{}", expected.path);
        assert_eq!(n_dated, expected.n_dated, "{}", expected.path);
        assert_eq!(n_warnings, expected.n_out_of_window, "{}", expected.path);
        let range = range.map_or((String::new(), String::new()), |(earliest, latest)| {
            (unspun_core::date::format_date(earliest), unspun_core::date::format_date(latest))
        });
        eprintln!("{}: dates {} .. {}", expected.path, range.0, range.1);
        assert_eq!((range.0.as_str(), range.1.as_str()), expected.range, "{}", expected.path);
        assert_eq!(reader.bytes_read(), reader.file_len(), "{}", expected.path);
    }
}

/// Ingests `files` (name, bytes) into a fresh in-memory index with `config`; returns the
/// report and the ids committed.
fn ingest(
    files: &[(&str, Vec<u8>)],
    config: &pipeline::IngestConfig,
) -> (pipeline::IngestReport, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> =
        files.iter().map(|(name, bytes)| write_file(dir.path(), name, bytes)).collect();
    let storage: std::sync::Arc<dyn crate::storage::Storage> =
        std::sync::Arc::new(crate::storage::MemStorage::new());
    let mut writer =
        crate::IndexWriter::with_storage(storage.clone(), crate::WriterConfig::default())
            .expect("a new index");
    let report = pipeline::ingest_files(&mut writer, &paths, config, &mut |_| {}).expect("ingest");
    drop(writer);
    let index = crate::Index::with_storage(storage).expect("committed index opens");
    let ids = index
        .live_docs()
        .into_iter()
        .map(|doc| index.document(doc).expect("readable").expect("live").id)
        .collect();
    (report, ids)
}

#[test]
fn pipeline_drops_unchecked_documents_of_a_damaged_gzip() {
    let config = pipeline::IngestConfig { batch_docs: 2, ..pipeline::IngestConfig::default() };
    let good = ("good.jsonl", lines(0..2).into_bytes());
    let mut damaged = gzip(lines(2..4).as_bytes());
    let mut second = gzip(lines(4..7).as_bytes());
    let crc = second.len() - 8;
    second[crc] ^= 0xff;
    damaged.extend(&second);
    let after = ("after.jsonl", lines(7..8).into_bytes());
    let files = [good.clone(), ("two.jsonl.gz", damaged.clone()), after.clone()];
    let (report, ids) = ingest(&files, &config);
    // The earlier file and the checked first member are in; the second member is not.
    assert_eq!(ids, ["r0", "r1", "r2", "r3"]);
    assert_eq!(report.n_unreadable_files, 1);
    assert_eq!(
        report.files_not_read,
        [PathBuf::from("after.jsonl")].map(|p| report.files_incomplete[0].path.with_file_name(p))
    );
    let incomplete = &report.files_incomplete[0];
    assert_eq!((incomplete.line, incomplete.n_records, incomplete.n_docs_committed), (6, 5, 2));
    assert_eq!((incomplete.n_docs_unverified, incomplete.n_docs_discarded), (0, 3));
    assert!(
        incomplete.to_string().ends_with(
            "two.jsonl.gz:6: CRC mismatch: the decompressed data does not match the gzip member's \
         checksum; 5 records read: 2 documents of this file are in the index, 3 read after the \
         last verified point were discarded"
        ),
        "{incomplete}"
    );
    assert_eq!((report.n_skipped, report.n_added), (0, 4), "a stream error is no bad record");
    // --keep-going reads the next file.
    let keep_going = pipeline::IngestConfig { keep_going: true, ..config.clone() };
    let (report, ids) = ingest(&files, &keep_going);
    assert_eq!(ids, ["r0", "r1", "r2", "r3", "r7"]);
    assert!(report.files_not_read.is_empty());
    // Past the memory bound, held documents are committed unverified, and counted.
    let tight = pipeline::IngestConfig { max_unverified_bytes: 1, ..config.clone() };
    let (report, ids) = ingest(&[("two.jsonl.gz", damaged)], &tight);
    assert_eq!(ids, ["r2", "r3", "r4", "r5", "r6"]);
    let incomplete = &report.files_incomplete[0];
    assert_eq!((incomplete.n_docs_committed, incomplete.n_docs_discarded), (5, 0));
    // At least the second member's three went in before their (wrong) checksum was read.
    assert!(incomplete.n_docs_unverified >= 3, "{incomplete}");
    assert_eq!(report.n_committed_unverified, incomplete.n_docs_unverified);
    assert!(incomplete.to_string().contains("committed before a checksum could confirm"));
    // Strict mode stops at the damage as at any bad record.
    let strict = pipeline::IngestConfig { strict: true, ..config };
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = gzip(lines(0..50).as_bytes());
    let path = write_file(dir.path(), "cut.jsonl.gz", &cut[..cut.len() / 2]);
    let storage: std::sync::Arc<dyn crate::storage::Storage> =
        std::sync::Arc::new(crate::storage::MemStorage::new());
    let mut writer = crate::IndexWriter::with_storage(storage, crate::WriterConfig::default())
        .expect("a new index");
    let error = pipeline::ingest_files(&mut writer, &[path], &strict, &mut |_| {})
        .expect_err("strict stops");
    assert!(error.to_string().contains("truncated"), "{error}");
}

fn zst(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn bz2(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(bytes).expect("in-memory writes succeed");
    encoder.finish().expect("in-memory writes succeed")
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut std::io::Cursor::new(bytes), &mut out).expect("in memory");
    out
}

#[test]
fn zstd_bzip2_xz_corpora_read_like_gzip() {
    let expect = [
        "ok 1 37 r0 \"record number 0\" None None None None",
        "ok 2 37 r1 \"record number 1\" None None None None",
    ];
    for (name, bytes) in [
        ("a.jsonl.zst", zst(lines(0..2).as_bytes())),
        ("a.jsonl.bz2", bz2(lines(0..2).as_bytes())),
        ("a.jsonl.xz", xz(lines(0..2).as_bytes())),
        ("no-name", zst(lines(0..2).as_bytes())),
    ] {
        check(name, &bytes, &expect);
    }
}

#[test]
fn pipeline_keeps_checked_zstd_frames_and_drops_the_damaged_one() {
    // Two frames: the first is checked when the second breaks, so its records stay.
    let config = pipeline::IngestConfig { batch_docs: 1, ..pipeline::IngestConfig::default() };
    let mut bytes = zst(lines(0..2).as_bytes());
    let second = zst(lines(2..4).as_bytes());
    bytes.extend(&second[..second.len() - 6]);
    let (report, ids) = ingest(&[("two.jsonl.zst", bytes)], &config);
    assert_eq!(ids, ["r0", "r1"]);
    let incomplete = &report.files_incomplete[0];
    assert!(incomplete.detail.starts_with("truncated: the zstd stream ends early"), "{incomplete}");
    // bzip2 and xz, one unit each: a cut file commits nothing of itself.
    for (name, packed) in [
        ("cut.jsonl.bz2", bz2(lines(0..50).as_bytes())),
        ("cut.jsonl.xz", xz(lines(0..50).as_bytes())),
    ] {
        let cut = packed[..packed.len() - 10].to_vec();
        let (report, ids) = ingest(&[(name, cut)], &config);
        assert!(ids.is_empty(), "{name}: {ids:?}");
        assert_eq!(report.n_unreadable_files, 1, "{name}");
        assert!(
            report.files_incomplete[0].detail.starts_with("truncated"),
            "{name}: {}",
            report.files_incomplete[0]
        );
    }
}

#[test]
fn json_array_records_and_generated_ids() {
    let array =
        "[\n{\"text\":\"first\"},\n {\"id\":\"given\",\"text\":\"second\"}, {\"text\":\"\"}\n]";
    let mut config = ReaderConfig { generate_ids: Some(IdScheme::Line), ..ReaderConfig::default() };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "a.json", array.as_bytes());
    let got = summarize(CorpusReader::open(&path, &config).expect("opens"));
    let first_id = format!("{}:2", path.display());
    assert_eq!(
        got,
        [
            format!("ok 2 16 {first_id} \"first\" None None None None"),
            "ok 3 30 given \"second\" None None None None".to_owned(),
            "3 empty-text text: empty text".to_owned(),
        ]
    );
    config.generate_ids = Some(IdScheme::Hash);
    let got = summarize(CorpusReader::open(&path, &config).expect("opens"));
    assert_eq!(got[0], "ok 2 16 h370f0f1c16b0aa53 \"first\" None None None None");
}

#[test]
fn unsupported_content_is_refused_by_what_it_looks_like() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes, what) in [
        ("a.jsonl", b"%PDF-1.5\n".to_vec(), "looks like a PDF document: not supported"),
        ("a.csv", b"PK\x03\x04rest".to_vec(), "looks like a ZIP archive"),
        ("a.zst", zst(b"%PDF-1.5\n"), "looks like a PDF document"),
        ("a.warc", b"ARROW1\x00\x00".to_vec(), "looks like an Arrow IPC file"),
        // Parquet is read (feature `parquet`): a cut one is refused as not readable.
        ("a.parquet", b"PAR1xxxx".to_vec(), "not a readable Parquet file"),
    ] {
        let path = write_file(dir.path(), name, &bytes);
        let error = CorpusReader::open(&path, &ReaderConfig::default()).expect_err(name);
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{name}");
        assert!(error.to_string().contains(what), "{name}: {error}");
        assert!(error.to_string().contains(name), "{name}: {error}");
    }
    // Text that merely starts like a magic number is read.
    let path = write_file(
        dir.path(),
        "orcid.csv",
        b"ORCID,id,text
0000-0001,a,body
",
    );
    let reader = CorpusReader::open(&path, &ReaderConfig::default()).expect("a CSV");
    assert_eq!(summarize(reader), [r#"ok 2 17 a "body" None None None None"#]);
}

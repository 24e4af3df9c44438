//! `unspun index` reading what users have (#12): date hygiene, detection by content, honest
//! errors, JSON arrays, nested fields, generated ids, compressed inputs, HTML and text folders.
//! Every fixture is tiny and made here.

use std::io::Read as _;

use serde_json::{Value, json};

use crate::hay::{self, AP_STORM, CNN_MARKETS, REUTERS_SYRIA};
use crate::util::{TestDir, str_at, u64_at};

/// `unspun index --json` with `extra` flags; asserts success.
fn index_with(dir: &TestDir, index: &str, corpora: &[&str], extra: &[&str]) -> Value {
    dir.cmd()
        .args(["index", "--quiet", "--json", "--index", index])
        .args(extra)
        .args(corpora)
        .json()
}

/// One JSON line with the fixture's text and the given id and date.
fn dated_line(id: &str, text: &str, date: &str) -> String {
    json!({"id": id, "text": text, "date": date}).to_string() + "\n"
}

#[test]
fn issue_12_implausible_dates_are_kept_undated_with_a_warning() {
    let dir = TestDir::new();
    let mut corpus = dated_line("year-one", REUTERS_SYRIA.text, "0001-11-30");
    corpus.push_str(&dated_line("future", AP_STORM.text, "2050-09-30"));
    corpus.push_str(&dated_line("fine", CNN_MARKETS.text, "2017-03-01"));
    dir.create("dates.jsonl", &corpus);
    let summary = dir.index("idx", &["dates.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 3, "{summary:#}");
    assert_eq!(u64_at(&summary, "n_skipped"), 0);
    assert_eq!(u64_at(&summary, "n_warnings"), 2);
    assert_eq!(summary["warnings_by_kind"], json!({"date-out-of-window": 2}));
    assert_eq!(u64_at(&summary["warnings"][1], "line"), 2);
    assert!(str_at(&summary["warnings"][0], "detail").contains("outside the plausible window"));
    // Only the plausible date makes the corpus's range.
    assert_eq!(summary["dates"]["earliest"], "2017-03-01");
    assert_eq!(summary["dates"]["latest"], "2017-03-01");
    assert_eq!(u64_at(&summary["dates"], "n_undated"), 2);
    let stats = dir.stats("idx");
    assert_eq!(stats["date_min"], stats["date_max"], "{stats:#}");

    // A wider window keeps 2050; an empty side keeps the default.
    let summary = index_with(&dir, "wide", &["dates.jsonl"], &["--date-window", "..2100-01-01"]);
    assert_eq!(u64_at(&summary, "n_warnings"), 1, "{summary:#}");
    assert_eq!(summary["dates"]["latest"], "2050-09-30");
    // A malformed window is refused before anything is read.
    let stderr = dir
        .cmd()
        .args(["index", "-q", "--index", "bad", "--date-window", "2020", "dates.jsonl"])
        .fails_with(2);
    assert!(stderr.contains("--date-window"), "{stderr}");
    assert!(!dir.join("bad").exists());

    // The human summary says it.
    let human = dir.cmd().args(["index", "--index", "human", "dates.jsonl"]).stdout();
    assert!(human.contains("records kept with a warning 2"), "{human}");
    assert!(human.contains("dates.jsonl:1: field `date`: date \"0001-11-30\" outside"), "{human}");
    assert!(human.contains("dates 2017-03-01 to 2017-03-01 (1 dated, 2 undated)"), "{human}");
}

#[test]
fn issue_12_day_first_dates_with_date_format_and_strict() {
    let dir = TestDir::new();
    let mut corpus = dated_line("a", REUTERS_SYRIA.text, "31/12/2017");
    corpus.push_str(&dated_line("b", AP_STORM.text, "2017-01-02"));
    dir.create("dmy.jsonl", &corpus);

    // Without a format the day-first date is unreadable: the record stays, undated.
    let summary = dir.index("plain", &["dmy.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    assert_eq!(summary["warnings_by_kind"], json!({"unparseable-date": 1}));
    assert_eq!(summary["dates"]["earliest"], "2017-01-02");

    // With --date-format both are dated; the built-in forms still apply.
    let summary = index_with(&dir, "dmy", &["dmy.jsonl"], &["--date-format", "%d/%m/%Y"]);
    assert_eq!(u64_at(&summary, "n_warnings"), 0, "{summary:#}");
    assert_eq!(summary["dates"]["earliest"], "2017-01-02");
    assert_eq!(summary["dates"]["latest"], "2017-12-31");

    // --strict still stops at an unreadable date, naming file, line and field; nothing of the
    // failed run is committed.
    let stderr =
        dir.cmd().args(["index", "-q", "--strict", "--index", "strict", "dmy.jsonl"]).fails_with(2);
    assert!(stderr.contains("dmy.jsonl:1"), "{stderr}");
    assert!(stderr.contains("unparseable date \"31/12/2017\""), "{stderr}");

    // An unknown directive is refused on the command line.
    let stderr = dir
        .cmd()
        .args(["index", "-q", "--index", "x", "--date-format", "%d/%q", "dmy.jsonl"])
        .fails_with(2);
    assert!(stderr.contains("unknown directive %q"), "{stderr}");
    let _ = hay::NEWS;
}

/// Writes `bytes` compressed with `kind` (`zst`, `bz2`, `xz`) by the system tool, which every
/// CI machine has (zstd, bzip2, xz-utils); `None` when the tool is missing here.
fn compress_with_tool(dir: &TestDir, name: &str, bytes: &[u8], tool: &str) -> Option<()> {
    let plain = dir.create(&format!("{name}.plain"), bytes);
    let out = std::process::Command::new(tool).arg("-kq").arg(&plain).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let suffix = match tool {
        "zstd" => "zst",
        "bzip2" => "bz2",
        _ => "xz",
    };
    std::fs::rename(dir.join(&format!("{name}.plain.{suffix}")), dir.join(name)).ok()?;
    Some(())
}

#[test]
fn issue_12_zst_bz2_xz_corpora_by_magic_bytes_and_truncated_ones_fail() {
    let dir = TestDir::new();
    let corpus = hay::jsonl(&hay::NEWS);
    for tool in ["zstd", "bzip2", "xz"] {
        // Names that say nothing: the magic bytes decide.
        let name = format!("news-{tool}.data");
        if compress_with_tool(&dir, &name, corpus.as_bytes(), tool).is_none() {
            eprintln!("note: {tool} is not installed; skipping its case");
            continue;
        }
        let summary = dir.index(&format!("idx-{tool}"), &[&name]);
        assert_eq!(u64_at(&summary, "n_added"), 5, "{tool}: {summary:#}");
        assert_eq!(u64_at(&summary, "n_skipped"), 0, "{tool}");

        // Cut in the middle: an error naming the file, never a silent partial success, and
        // nothing unchecked committed.
        let bytes = std::fs::read(dir.join(&name)).expect("fixture");
        let cut = format!("cut-{tool}.data");
        dir.create(&cut, &bytes[..bytes.len() * 2 / 3]);
        let out = dir.cmd().args(["index", "-q", "--json", "--index", "cut", &cut]).output();
        assert_eq!(out.code, 2, "{tool}: {out:?}");
        assert!(out.stderr.contains(&cut), "{tool}: {}", out.stderr);
        assert!(out.stderr.contains("truncated"), "{tool}: {}", out.stderr);
        // A cut inside the first frame's header fails at open (no summary); later, the
        // summary shows that no unchecked document went in.
        if let Ok(summary) = serde_json::from_str::<Value>(&out.stdout) {
            assert_eq!(u64_at(&summary, "n_added"), 0, "{tool}: no unchecked document");
        } else {
            assert!(out.stderr.contains("cannot read corpus"), "{tool}: {}", out.stderr);
        }
    }
}

#[test]
fn issue_12_unsupported_files_get_an_honest_message() {
    let dir = TestDir::new();
    dir.create("report.jsonl", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
    dir.create("archive.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00");
    dir.create("blob", b"\x00\x01\x02binary\x00");
    dir.create("utf16.jsonl", b"\xff\xfe{\x00\"\x00");
    for (file, what) in [
        ("report.jsonl", "looks like a PDF document: not supported"),
        ("archive.csv", "looks like a ZIP archive"),
        ("blob", "looks like binary data"),
        ("utf16.jsonl", "looks like UTF-16 text"),
    ] {
        let stderr = dir.cmd().args(["index", "-q", "--index", "idx", file]).fails_with(2);
        assert!(stderr.contains(file), "{stderr}");
        assert!(stderr.contains(what), "{file}: {stderr}");
        assert!(!stderr.contains("header row"), "not read as CSV: {stderr}");
    }
    assert!(!dir.join("idx").exists(), "nothing is created");
    // A gzip-compressed PDF is refused the same way.
    dir.create_gz("report.gz", b"%PDF-1.4\n");
    let stderr = dir.cmd().args(["index", "-q", "--index", "idx", "report.gz"]).fails_with(2);
    assert!(stderr.contains("looks like a PDF document"), "{stderr}");
}

#[test]
fn issue_12_a_run_that_indexes_nothing_fails_and_says_what_to_do() {
    let dir = TestDir::new();
    // Hugging Face / C4 style: no id; text nested.
    let records = [
        json!({"url": "https://a.example/1", "content": {"body": REUTERS_SYRIA.text}}),
        json!({"url": "https://a.example/2", "content": {"body": AP_STORM.text}}),
    ];
    let corpus: String = records.iter().map(|r| r.to_string() + "\n").collect();
    dir.create("c4.jsonl", &corpus);
    let stderr = dir.cmd().args(["index", "-q", "--index", "idx", "c4.jsonl"]).fails_with(2);
    assert!(stderr.contains("nothing was indexed"), "{stderr}");
    assert!(stderr.contains("--generate-ids"), "{stderr}");
    assert!(stderr.contains("the first record of c4.jsonl has the fields"), "{stderr}");
    assert!(stderr.contains("content.body (string)"), "{stderr}");

    // With the hints followed, both go in; the ids are stable across runs.
    let args = ["--text-field", "content.body", "--generate-ids", "hash"];
    let first = index_with(&dir, "idx", &["c4.jsonl"], &args);
    assert_eq!(u64_at(&first, "n_added"), 2, "{first:#}");
    let again = index_with(&dir, "idx", &["c4.jsonl"], &args);
    assert_eq!(u64_at(&again, "n_duplicate"), 2, "same text, same id: {again:#}");
    let by_line = index_with(
        &dir,
        "lines",
        &["c4.jsonl"],
        &["--text-field", "content.body", "--generate-ids", "line"],
    );
    assert_eq!(u64_at(&by_line, "n_added"), 2);
    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let report = dir.trace("lines", "q.txt", &[]);
    assert_eq!(report["sources"][0]["id"], "c4.jsonl:1");
    let report = dir.trace("idx", "q.txt", &[]);
    let id = str_at(&report["sources"][0], "id");
    assert!(id.starts_with('h') && id.len() == 17, "{id}");

    // An empty corpus indexes nothing: that is a failure too.
    dir.create("empty.jsonl", "");
    let stderr = dir.cmd().args(["index", "-q", "--index", "e", "empty.jsonl"]).fails_with(2);
    assert!(stderr.contains("nothing was indexed: the corpora hold no records"), "{stderr}");
}

#[test]
fn issue_12_json_array_streamed_with_bad_and_truncated_elements() {
    let dir = TestDir::new();
    let articles = [&REUTERS_SYRIA, &AP_STORM, &CNN_MARKETS];
    let elements: Vec<String> = articles
        .iter()
        .map(|a| json!({"id": a.id, "text": a.text, "date": a.date}).to_string())
        .collect();
    // Pretty-printed, with one element that is not an object and one without text.
    let array = format!(
        "[\n  {},\n  \"not an object\",\n  {{\"id\": \"no-text\"}},\n  {},\n  {}\n]\n",
        elements[0], elements[1], elements[2]
    );
    dir.create("news.json", &array);
    let summary = dir.index("idx", &["news.json"]);
    assert_eq!(u64_at(&summary, "n_added"), 3, "{summary:#}");
    assert_eq!(summary["skipped_by_reason"], json!({"wrong-type": 1, "missing-text": 1}));
    let lines: Vec<u64> = summary["bad_records"]
        .as_array()
        .expect("list")
        .iter()
        .map(|b| u64_at(b, "line"))
        .collect();
    assert_eq!(lines, [3, 4], "each element named by its line");
    // Compressed and without a telling name, too.
    dir.create_gz("news.bin", &array);
    assert_eq!(u64_at(&dir.index("gz", &["news.bin"]), "n_added"), 3);

    // A cut array: the elements before the cut are indexed, the file is named as incomplete
    // and the run fails.
    let cut = &array[..array.len() - 40];
    dir.create("cut.json", cut);
    let out = dir.cmd().args(["index", "-q", "--json", "--index", "cut", "cut.json"]).output();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cut.json"), "{}", out.stderr);
    assert!(out.stderr.contains("the JSON array is not closed"), "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).expect("a JSON summary");
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    assert_eq!(u64_at(&dir.stats("cut"), "n_docs"), 2, "what was read before the cut is kept");
}

#[test]
fn issue_12_nested_fields_in_csv_free_json_lines_and_generated_ids_in_csv() {
    let dir = TestDir::new();
    let line = |id: &str, a: &hay::Article| {
        json!({"meta": {"id": id, "published": a.date, "outlet": {"name": a.source}},
               "content": {"headline": a.title, "body": a.text}})
        .to_string()
            + "\n"
    };
    let corpus = line("n-1", &REUTERS_SYRIA) + &line("n-2", &AP_STORM);
    dir.create("nested.jsonl", &corpus);
    let summary = index_with(
        &dir,
        "idx",
        &["nested.jsonl"],
        &[
            "--id-field",
            "meta.id",
            "--text-field",
            "content.body",
            "--title-field",
            "content.headline",
            "--date-field",
            "meta.published",
            "--source-field",
            "meta.outlet.name",
        ],
    );
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let source = &dir.trace("idx", "q.txt", &[])["sources"][0];
    assert_eq!(source["id"], "n-1");
    assert_eq!(source["title"], REUTERS_SYRIA.title);
    assert_eq!(source["outlet"], REUTERS_SYRIA.source);
    assert_eq!(source["date"], REUTERS_SYRIA.date);

    // A CSV without an id column is read with --generate-ids.
    let csv = format!("body\n\"{}\"\n", AP_STORM.text);
    dir.create("noid.csv", csv);
    let summary =
        index_with(&dir, "csv", &["noid.csv"], &["--text-field", "body", "--generate-ids", "line"]);
    assert_eq!(u64_at(&summary, "n_added"), 1, "{summary:#}");
}

/// A news page around `body`: navigation, an ad, share buttons, related links, a footer,
/// scripts and comments, as real pages have.
fn news_page(title: &str, date: &str, url: &str, body: &str) -> String {
    let paragraphs: String = body
        .split(". ")
        .map(|sentence| {
            format!("<p>{}.</p>\n", sentence.trim_end_matches('.').replace('\'', "&#39;"))
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>{title} | The Gazette</title>\n\
         <meta property=\"og:site_name\" content=\"The Gazette\">\n\
         <meta property=\"article:published_time\" content=\"{date}\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <script>window.ads = {{slot: \"<p>not text</p>\"}};</script></head><body>\n\
         <header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/sport\">Sport</a></nav></header>\n\
         <div class=\"ad-banner\">Subscribe now for only $1 a week, cancel any time you like!</div>\n\
         <main><article><h1>{title}</h1>\n{paragraphs}\
         <!-- <p>An editor's note that was commented out.</p> -->\n\
         <div class=\"share-tools\"><a href=\"#\">Share</a> <a href=\"#\">Tweet</a></div></article>\n\
         <aside class=\"related\"><h2>Related</h2><ul><li><a href=\"/a\">Another story</a></li></ul></aside></main>\n\
         <footer>Copyright The Gazette. All rights reserved. Privacy policy. Terms of use.</footer>\n\
         </body></html>\n"
    )
}

#[test]
fn issue_12_html_and_text_files_and_folders_one_document_each() {
    let dir = TestDir::new();
    std::fs::create_dir_all(dir.join("site/world")).expect("dirs");
    dir.create(
        "site/world/syria.html",
        news_page(
            REUTERS_SYRIA.title,
            REUTERS_SYRIA.date,
            "https://gazette.example/world/syria",
            REUTERS_SYRIA.text,
        ),
    );
    dir.create("site/storm.txt", format!("{}\n\n{}", AP_STORM.title, AP_STORM.text));
    dir.create("site/skip.pdf", b"%PDF-1.4");
    dir.create("site/empty.html", "<html><body><nav><a href=/>Home</a></nav></body></html>");
    let summary = dir.index("idx", &["site"]);
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    assert_eq!(summary["skipped_by_reason"], json!({"empty-text": 1}), "the page without text");
    // The source is the article with its metadata; its id is the path inside the folder.
    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let source = &dir.trace("idx", "q.txt", &[])["sources"][0];
    assert_eq!(source["id"], "world/syria.html");
    assert_eq!(source["title"], REUTERS_SYRIA.title);
    assert_eq!(source["date"], REUTERS_SYRIA.date);
    assert_eq!(source["outlet"], "The Gazette");
    assert_eq!(source["url"], "https://gazette.example/world/syria");
    dir.create("q2.txt", AP_STORM.text);
    let source = &dir.trace("idx", "q2.txt", &[])["sources"][0];
    assert_eq!(
        (source["id"].as_str(), source["title"].as_str()),
        (Some("storm.txt"), Some(AP_STORM.title))
    );

    // --glob picks files; a file given directly takes its path as id.
    let summary = index_with(&dir, "glob", &["site"], &["--glob", "*.txt"]);
    assert_eq!(u64_at(&summary, "n_added"), 1, "{summary:#}");
    let stderr =
        dir.cmd().args(["index", "-q", "--index", "none", "--glob", "*.xml", "site"]).fails_with(2);
    assert!(stderr.contains("no files matching --glob \"*.xml\""), "{stderr}");
    // A compressed page is read the same way.
    dir.create_gz(
        "page.html.gz",
        news_page(CNN_MARKETS.title, CNN_MARKETS.date, "https://x.example/m", CNN_MARKETS.text),
    );
    let summary = dir.index("gz", &["page.html.gz"]);
    assert_eq!(u64_at(&summary, "n_added"), 1, "{summary:#}");
    // A page over the record limit is skipped and named, a truncated gzip page fails.
    let bytes = std::fs::read(dir.join("page.html.gz")).expect("fixture");
    dir.create("cut.html.gz", &bytes[..bytes.len() / 2]);
    let stderr = dir.cmd().args(["index", "-q", "--index", "cut", "cut.html.gz"]).fails_with(2);
    assert!(stderr.contains("cut.html.gz"), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn issue_12_trace_extracts_the_article_of_an_html_page() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["news.jsonl"]);
    let page =
        news_page("A copied story", "2016-09-01", "https://copy.example/a", REUTERS_SYRIA.text);
    dir.create("copy.html", &page);
    let report = dir.trace("idx", "copy.html", &[]);
    assert_eq!(report["sources"][0]["id"], REUTERS_SYRIA.id, "{report:#}");
    assert_eq!(report["query"]["title"], "A copied story");
    let json = report.to_string();
    // No markup, navigation or entity was traced.
    for junk in ["<p>", "&#39;", "Subscribe now", "All rights reserved", "Tweet"] {
        assert!(!json.contains(junk), "{junk} in {json}");
    }
    // HTML on standard input too.
    let report = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(page).output();
    assert!(report.stdout.contains(REUTERS_SYRIA.id), "{}", report.stderr);
}

/// One WARC record, gzip-compressed on its own as Common Crawl writes them.
fn warc_member(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}-{}>\r\n\
         WARC-Date: 2019-06-01T12:00:00Z\r\nWARC-Target-URI: {uri}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        uri.len(),
        block.len()
    )
    .into_bytes();
    record.extend_from_slice(block);
    record.extend_from_slice(b"\r\n\r\n");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&record).expect("in memory");
    encoder.finish().expect("in memory")
}

fn http(content_type: &str, status: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[test]
fn issue_12_warc_gz_responses_become_articles_and_the_rest_is_counted() {
    let dir = TestDir::new();
    let response = "application/http; msgtype=response";
    let syria_url = "https://www.gazette.example/world/syria";
    let syria = news_page(REUTERS_SYRIA.title, REUTERS_SYRIA.date, syria_url, REUTERS_SYRIA.text);
    let mut warc = warc_member("warcinfo", "", "application/warc-fields", b"software: test\r\n");
    warc.extend(warc_member(
        "request",
        syria_url,
        "application/http; msgtype=request",
        b"GET / HTTP/1.1\r\n\r\n",
    ));
    warc.extend(warc_member(
        "response",
        syria_url,
        response,
        &http("text/html; charset=utf-8", "200 OK", syria.as_bytes()),
    ));
    warc.extend(warc_member(
        "metadata",
        syria_url,
        "application/warc-fields",
        b"fetchTimeMs: 1\r\n",
    ));
    warc.extend(warc_member(
        "response",
        "https://www.gazette.example/logo.png",
        response,
        &http("image/png", "200 OK", b"\x89PNG...."),
    ));
    warc.extend(warc_member(
        "response",
        "https://www.gazette.example/gone",
        response,
        &http("text/html", "404 Not Found", b"<html>gone</html>"),
    ));
    warc.extend(warc_member(
        "response",
        "https://www.gazette.example/empty",
        response,
        &http("text/html", "200 OK", b"<html><body><nav><a href=/>Home</a></nav></body></html>"),
    ));
    // A WET-style conversion record: plain text.
    warc.extend(warc_member(
        "conversion",
        "https://news.example/storm",
        "text/plain",
        format!("{}\n\n{}", AP_STORM.title, AP_STORM.text).as_bytes(),
    ));
    dir.create("crawl.warc.gz", &warc);
    let summary = dir.index("idx", &["crawl.warc.gz"]);
    assert_eq!(u64_at(&summary, "n_added"), 2, "{summary:#}");
    assert_eq!(
        summary["skipped_by_reason"],
        json!({"not-article": 2, "empty-text": 1}),
        "{summary:#}"
    );

    dir.create("q.txt", hay::SYRIA_VERBATIM);
    let source = &dir.trace("idx", "q.txt", &[])["sources"][0];
    assert_eq!(source["id"], syria_url, "the URL is the id");
    assert_eq!(source["title"], REUTERS_SYRIA.title);
    assert_eq!(source["date"], REUTERS_SYRIA.date, "the page's date, not the crawl's");
    assert_eq!(source["outlet"], "The Gazette");
    dir.create("q2.txt", AP_STORM.text);
    let source = &dir.trace("idx", "q2.txt", &[])["sources"][0];
    assert_eq!(source["outlet"], "news.example", "the host when the page names no site");
    assert_eq!(source["date"], "2019-06-01T12:00:00Z", "WARC-Date when the record has no other");

    // Cut inside the last record: the records whose gzip member was complete are kept, the
    // file is named as truncated and the run fails.
    let cut = &warc[..warc.len() - 30];
    dir.create("cut.warc.gz", cut);
    let out = dir.cmd().args(["index", "-q", "--json", "--index", "cut", "cut.warc.gz"]).output();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cut.warc.gz"), "{}", out.stderr);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).expect("a JSON summary");
    assert_eq!(u64_at(&summary, "n_added"), 1, "the page before the cut: {summary:#}");

    // An uncompressed WARC without a telling name is found by its first line; a garbled one
    // is named.
    let mut plain = Vec::new();
    flate2::read::MultiGzDecoder::new(&warc[..]).read_to_end(&mut plain).expect("gunzip");
    dir.create("crawl.data", &plain);
    assert_eq!(u64_at(&dir.index("plain", &["crawl.data"]), "n_added"), 2);
    let mut garbled = plain.clone();
    let at = plain.windows(9).rposition(|w| w == b"WARC/1.0\r").expect("a record");
    garbled[at..at + 4].copy_from_slice(b"XXXX");
    dir.create("garbled.warc", &garbled);
    let stderr = dir.cmd().args(["index", "-q", "--index", "g", "garbled.warc"]).fails_with(2);
    assert!(stderr.contains("garbled.warc"), "{stderr}");
    assert!(stderr.contains("malformed WARC"), "{stderr}");
}

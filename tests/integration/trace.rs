//! `unspun trace`: plain text, JSON and stdin articles against a small news index.

use serde_json::Value;

use crate::hay::{self, AP_SENATE, BLOG_SENATE, CNN_MARKETS, REUTERS_SYRIA};
use crate::util::{char_slice, news_index, str_at, u64_at};

/// The report's sentence whose text contains `needle`.
fn sentence_with<'a>(report: &'a Value, needle: &str) -> &'a Value {
    report["sentences"]
        .as_array()
        .expect("sentences is a list")
        .iter()
        .find(|s| str_at(s, "text").contains(needle))
        .unwrap_or_else(|| panic!("no sentence contains {needle:?} in\n{report:#}"))
}

/// The source document of a sentence's match.
fn source_of<'a>(report: &'a Value, sentence: &Value) -> &'a Value {
    let idx = sentence["source_match"]["source"].as_u64().expect("a sourced sentence");
    &report["sources"][usize::try_from(idx).expect("fits")]
}

fn flag<'a>(report: &'a Value, kind: &str) -> Option<&'a Value> {
    report["flags"].as_array().expect("flags is a list").iter().find(|f| f["kind"] == kind)
}

#[test]
fn issue_2_trace_plain_text_with_title_spin_and_dateline() {
    let dir = news_index();
    dir.create("spun.txt", hay::SPUN_SYRIA_TXT);
    let report = dir.trace("idx", "spun.txt", &[]);
    assert_eq!(str_at(&report, "schema"), "unspun.trace/1");
    assert_eq!(report["query"]["title"], "Moscow expands its role in Syria");
    assert_eq!(
        u64_at(&report["query"], "body_char_offset"),
        "Moscow expands its role in Syria\n\n".chars().count() as u64
    );
    assert_eq!(str_at(&report["verdict"], "kind"), "copy", "{report:#}");
    assert_eq!(u64_at(&report["verdict"], "n_origins"), 1);
    assert_eq!(report["sources"][0]["id"], REUTERS_SYRIA.id);
    assert_eq!(report["sources"][0]["role"], "origin");
    assert_eq!(report["sources"][0]["outlet"], "Reuters");

    let spun = sentence_with(&report, "Russian Federation ramps up");
    assert_eq!(spun["status"], "sourced");
    assert_eq!(spun["source_match"]["kind"], "spun");
    assert_eq!(source_of(&report, spun)["id"], REUTERS_SYRIA.id);
    assert_eq!(
        spun["source_match"]["substitutions"],
        serde_json::json!([{"from": "Russia", "to": "Russian Federation"}])
    );
    assert_eq!(spun["source_match"]["source_text"], hay::SYRIA_SENTENCE.trim_end_matches('.'));

    let verbatim = sentence_with(&report, "fighter jets");
    assert_eq!(verbatim["status"], "sourced");
    assert_eq!(verbatim["source_match"]["kind"], "verbatim");
    assert_eq!(verbatim["source_match"]["substitutions"], serde_json::json!([]));

    let own = sentence_with(&report, "Our correspondent");
    assert_eq!(own["status"], "original");
    assert!(own["source_match"].is_null());

    let dateline = flag(&report, "wire_dateline").expect("the CNN dateline is flagged");
    assert_eq!(dateline["outlet"], "CNN");
    assert_eq!(dateline["outlet_in_index"], true, "CNN_MARKETS is indexed");
    // The flag's offsets are characters of the body and point at the dateline.
    let body = hay::SPUN_SYRIA_TXT.split_once("\n\n").expect("title line").1;
    let flagged = char_slice(body, u64_at(dateline, "char_start"), u64_at(dateline, "char_end"));
    assert!(flagged.starts_with("Washington (CNN)"), "{flagged:?}");
    assert!(flag(&report, "title_repeated").is_none(), "the title is not in the body");
}

#[test]
fn issue_2_trace_json_article_origin_is_earliest_and_offsets_are_chars() {
    let dir = news_index();
    let text = format!(
        "Lawmakers in Washington “exhaled” on Thursday. {} Critics said the deal only delays \
         the hard choices until winter.",
        hay::SENATE_PARAGRAPH
    );
    let article = serde_json::json!({
        "title": "Shutdown averted", "text": text, "date": "2015-10-08", "id": "my-article",
    });
    dir.create("article.json", article.to_string());
    let report = dir.trace("idx", "article.json", &[]);
    assert_eq!(report["query"]["id"], "my-article");
    assert_eq!(report["query"]["title"], "Shutdown averted");
    assert_eq!(report["query"]["date"], "2015-10-08");
    assert_eq!(u64_at(&report["query"], "body_char_offset"), 0);
    assert_eq!(str_at(&report["verdict"], "kind"), "copy", "{report:#}");

    // Two documents hold the paragraph: the earlier one is the origin, the later a co-copy.
    let sources = report["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 2, "{report:#}");
    let role = |id: &str| {
        sources.iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("{id} is a source"))["role"]
            .clone()
    };
    assert_eq!(role(AP_SENATE.id), "origin");
    assert_eq!(role(BLOG_SENATE.id), "co_copy");
    let blog_idx = sources.iter().position(|s| s["id"] == BLOG_SENATE.id).expect("listed");

    let mut n_checked = 0;
    for sentence in report["sentences"].as_array().expect("sentences") {
        let Some(m) = sentence["source_match"].as_object() else { continue };
        let m = Value::Object(m.clone());
        assert_eq!(source_of(&report, sentence)["id"], AP_SENATE.id);
        assert_eq!(m["kind"], "verbatim");
        assert_eq!(m["co_copies"], serde_json::json!([blog_idx]));
        // Character offsets slice the same words out of both texts, although the source has
        // multi-byte characters before them and the query too.
        let in_query =
            char_slice(&text, u64_at(&m, "query_char_start"), u64_at(&m, "query_char_end"));
        let in_source = char_slice(
            AP_SENATE.text,
            u64_at(&m, "source_char_start"),
            u64_at(&m, "source_char_end"),
        );
        assert_eq!(in_query, in_source);
        assert_eq!(in_source, str_at(&m, "source_text"));
        assert!(hay::SENATE_PARAGRAPH.contains(&in_query), "{in_query:?}");
        let whole = char_slice(&text, u64_at(sentence, "char_start"), u64_at(sentence, "char_end"));
        assert_eq!(whole, str_at(sentence, "text"));
        n_checked += 1;
    }
    assert_eq!(n_checked, 2, "both sentences of the paragraph are sourced: {report:#}");
    assert_eq!(sentence_with(&report, "exhaled")["status"], "original");
    assert_eq!(sentence_with(&report, "hard choices")["status"], "original");
}

#[test]
fn issue_2_trace_date_before_every_source_is_original() {
    let dir = news_index();
    dir.create("spun.txt", hay::SPUN_SYRIA_TXT);
    let report = dir.trace("idx", "spun.txt", &["--date", "2015-01-01"]);
    assert_eq!(str_at(&report["verdict"], "kind"), "original", "{report:#}");
    assert_eq!(report["sources"], serde_json::json!([]));
    assert!(u64_at(&report["stats"], "n_candidates_too_late") >= 1, "{report:#}");
    assert_eq!(report["query"]["date"], "2015-01-01");

    // The date of a JSON article works the same, and --date overrides it.
    let article = serde_json::json!({"text": hay::SENATE_PARAGRAPH, "date": "2015-09-01"});
    dir.create("a.json", article.to_string());
    let report = dir.trace("idx", "a.json", &[]);
    assert_eq!(str_at(&report["verdict"], "kind"), "original", "{report:#}");
    let report = dir.trace("idx", "a.json", &["--date", "2015-10-02"]);
    assert_eq!(str_at(&report["verdict"], "kind"), "copy", "{report:#}");
    assert_eq!(report["sources"].as_array().expect("sources").len(), 1, "the blog is later");
    assert_eq!(report["sources"][0]["id"], AP_SENATE.id);
}

#[test]
fn issue_2_trace_reads_stdin() {
    let dir = news_index();
    let report =
        dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(CNN_MARKETS.text).report();
    assert_eq!(str_at(&report["verdict"], "kind"), "copy", "{report:#}");
    assert_eq!(report["sources"][0]["id"], CNN_MARKETS.id);
    assert!(report["query"]["title"].is_null());
    // A JSON article on stdin.
    let article = serde_json::json!({"title": "t", "text": CNN_MARKETS.text}).to_string();
    let report = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(article).report();
    assert_eq!(report["sources"][0]["id"], CNN_MARKETS.id);
    assert_eq!(report["query"]["title"], "t");
}

#[test]
fn issue_14_a_body_opening_with_its_title_is_not_a_repeat() {
    // The usual shape of scraped articles: the body starts with the title. It is marked as the
    // title (not traced twice), but not flagged as printed again.
    let dir = news_index();
    let text = format!("Stocks slide again\n\nStocks slide again\n\n{}", CNN_MARKETS.text);
    let report = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(text).report();
    assert!(flag(&report, "title_repeated").is_none(), "{report:#}");
    assert_eq!(report["sentences"][0]["status"], "title", "{report:#}");
    assert_eq!(str_at(&report["verdict"], "kind"), "copy");
    let text = format!("Stocks slide again\n\nStocks slide again. {}", CNN_MARKETS.text);
    let report = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(text).report();
    assert!(flag(&report, "title_repeated").is_none(), "{report:#}");
    assert_eq!(report["sentences"][0]["status"], "title", "{report:#}");
}

#[test]
fn issue_2_trace_title_repeated_flag() {
    // A title printed again after the start of the body is flagged.
    let dir = news_index();
    let text =
        format!("Stocks slide again\n\n{}\n\nStocks slide again\n\nThe end.", CNN_MARKETS.text);
    let report = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin(text).report();
    let repeated = flag(&report, "title_repeated").expect("flagged");
    assert!(str_at(repeated, "message").contains("Stocks slide again"));
    let n = report["sentences"].as_array().expect("sentences").len();
    assert_eq!(report["sentences"][n - 2]["status"], "title", "{report:#}");
}

#[test]
fn issue_2_trace_human_output_names_verdict_and_sources() {
    let dir = news_index();
    dir.create("spun.txt", hay::SPUN_SYRIA_TXT);
    let out = dir.cmd().args(["trace", "--index", "idx", "spun.txt"]).output();
    assert_eq!(out.code, 1, "a copy exits 1 (#16): {}", out.stderr);
    let out = out.stdout;
    assert!(out.starts_with("COPY"), "{out}");
    assert!(!out.contains('\x1b'), "no colour with NO_COLOR and a pipe: {out}");
    assert!(out.contains(REUTERS_SYRIA.id), "{out}");
    // Issue 16: the full report shows the source's wording with the swapped words marked.
    assert!(out.contains("[-Russia-]"), "{out}");
    assert!(out.contains("Russian Federation+}"), "{out}");
    assert!(out.contains("Washington (CNN)"), "{out}");
    // Issue 14: each counted match names its evidence, the title is traced on its own line.
    assert!(out.contains(" shared words, "), "{out}");
    assert!(out.contains("\nTitle\n  T "), "{out}");

    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "-"])
        .stdin("Nothing in this sentence was ever printed by anyone before today.")
        .stdout();
    assert!(out.starts_with("ORIGINAL"), "{out}");
}

#[test]
fn issue_16_full_report_prints_each_copied_sentence_over_its_source() {
    let dir = news_index();
    dir.create("spun.txt", hay::SPUN_SYRIA_TXT);
    let out = dir.cmd().args(["trace", "--index", "idx", "spun.txt"]).output().stdout;
    assert!(out.starts_with("COPY  copy of "), "{out}");
    assert!(out.contains("[-words-] the article changed or dropped, {+words+}"), "legend: {out}");
    let block = out
        .lines()
        .skip_while(|l| !l.contains("reworded in 1 place"))
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(block.contains("from [1] Reuters: reworded in 1 place, 2 words added"), "{out}");
    // The dateline is no part of the source's wording: it is marked as added with the spin.
    let article = "     article  {+Washington (CNN) - Russian Federation+} ramps up its military";
    assert!(block.contains(article), "{out}");
    assert!(block.contains("     source   [-Russia-] ramps up its military presence"), "{out}");
    assert!(block.contains("evidence: "), "{out}");
    assert!(out.contains("own words: Our correspondent could not confirm"), "{out}");
    assert!(!out.contains("chars "), "offsets only with --verbose: {out}");
    assert!(!out.contains('\x1b'), "NO_COLOR and a pipe: no colour, the markers stay: {out}");

    // With colour the markers stay too.
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--color", "always", "spun.txt"])
        .output()
        .stdout;
    assert!(out.contains("\x1b[31;9m[-Russia-]\x1b[0m"), "{out}");
}

#[test]
fn issue_16_brief_and_verbose_views() {
    let dir = news_index();
    dir.create("spun.txt", hay::SPUN_SYRIA_TXT);
    let brief = dir.cmd().args(["trace", "--index", "idx", "--brief", "spun.txt"]).output();
    assert_eq!(brief.code, 1, "{}", brief.stderr);
    let brief = brief.stdout;
    assert!(brief.starts_with("COPY"), "{brief}");
    assert!(brief.contains("spin: Russia → Russian Federation"), "{brief}");
    assert!(brief.contains(" shared words, "), "{brief}");
    assert!(brief.contains("\nTitle\n  T "), "{brief}");
    assert!(!brief.contains("[-Russia-]"), "no source wording in --brief: {brief}");
    assert!(!brief.contains("chars "), "{brief}");

    let verbose = dir
        .cmd()
        .args(["trace", "--index", "idx", "--brief", "--verbose", "spun.txt"])
        .output()
        .stdout;
    assert!(verbose.contains("source text chars 0.."), "{verbose}");
    let verbose = dir.cmd().args(["trace", "--index", "idx", "-v", "spun.txt"]).output().stdout;
    assert!(verbose.contains(" of the article's body · chars 0.."), "{verbose}");
    assert!(verbose.contains("[-Russia-]"), "{verbose}");

    let stderr =
        dir.cmd().args(["trace", "--index", "idx", "--brief", "--json", "spun.txt"]).fails_with(2);
    assert!(stderr.contains("--brief"), "{stderr}");
}

#[test]
fn issue_2_trace_bad_articles_exit_2() {
    let dir = news_index();
    dir.create("broken.json", r#"{"title": "Cut off", "text": "#);
    let stderr = dir.cmd().args(["trace", "--index", "idx", "broken.json"]).fails_with(2);
    assert!(stderr.contains("broken.json: not valid JSON"), "{stderr}");

    dir.create("no-text.json", r#"{"title": "Only a title"}"#);
    let stderr = dir.cmd().args(["trace", "--index", "idx", "no-text.json"]).fails_with(2);
    assert!(stderr.contains("no-text.json: field `text` is missing"), "{stderr}");

    dir.create("latin1.txt", b"Caf\xe9 society\n\nThe caf\xe9 reopened on Monday.\n");
    let stderr = dir.cmd().args(["trace", "--index", "idx", "latin1.txt"]).fails_with(2);
    assert!(stderr.contains("latin1.txt: not valid UTF-8"), "{stderr}");

    let stderr = dir
        .cmd()
        .args(["trace", "--index", "idx", "-"])
        .stdin(b"bad \xff byte".to_vec())
        .fails_with(2);
    assert!(stderr.contains("<stdin>: not valid UTF-8"), "{stderr}");

    let stderr = dir.cmd().args(["trace", "--index", "idx", "missing.txt"]).fails_with(2);
    assert!(stderr.contains("missing.txt"), "{stderr}");

    let stderr = dir.cmd().args(["trace", "--json", "--index", "idx", "-"]).stdin("").fails_with(2);
    assert!(stderr.contains("nothing to trace"), "{stderr}");

    dir.create("ok.txt", CNN_MARKETS.text);
    let stderr =
        dir.cmd().args(["trace", "--index", "idx", "--date", "yesterday", "ok.txt"]).fails_with(2);
    assert!(stderr.contains("cannot parse the date \"yesterday\""), "{stderr}");
}

/// An article of `n_words` words and no full stop, with the Reuters Syria paragraph inside.
fn one_sentence_article(n_words: usize) -> String {
    let mut words: Vec<String> = (0..n_words / 2).map(|i| format!("filler{}", i % 997)).collect();
    words.push(REUTERS_SYRIA.text.replace('.', ""));
    words.extend((0..n_words / 2).map(|i| format!("padding{}", i % 991)));
    words.join(" ")
}

#[test]
fn issue_13_a_long_unpunctuated_article_is_traced_in_windows() {
    let dir = news_index();
    // About 200 KB in one "sentence": it used to be aligned whole (seconds and gigabytes).
    dir.create("long.txt", one_sentence_article(24_000));
    let report = dir.trace("idx", "long.txt", &[]);
    let limits = report["stats"]["limits_hit"].as_array().expect("limits_hit listed");
    assert!(limits.iter().any(|l| l == "long_sentences_windowed"), "{limits:?}");
    assert_eq!(str_at(&report["sources"][0], "id"), REUTERS_SYRIA.id, "still found");
}

#[test]
fn issue_13_an_article_over_the_size_limit_is_refused() {
    let dir = news_index();
    dir.create("big.txt", "word ".repeat(3_000));
    let stderr = dir
        .cmd()
        .args(["trace", "--index", "idx", "--max-article-bytes", "10000", "big.txt"])
        .fails_with(2);
    assert!(stderr.contains("big.txt") && stderr.contains("--max-article-bytes"), "{stderr}");
    let stderr = dir
        .cmd()
        .args(["trace", "--index", "idx", "--max-article-bytes", "10000", "-"])
        .stdin("word ".repeat(3_000))
        .fails_with(2);
    assert!(stderr.contains("<stdin>"), "{stderr}");
}

#[test]
fn issue_13_a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = news_index();
    // A report far larger than a pipe's buffer (64 KiB), read for a few bytes only.
    let article: Vec<&str> = std::iter::repeat_n(REUTERS_SYRIA.text, 200).collect();
    dir.create("many.txt", article.join("\n\n"));
    for args in [
        &["trace", "--index", "idx", "--json", "many.txt"][..],
        &["trace", "--index", "idx", "many.txt"],
        &["stats", "--index", "idx", "--json"],
    ] {
        let mut command = dir.cmd().args(args).into_command();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let mut stdout = child.stdout.take().expect("piped");
        let mut first = [0u8; 8];
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let output = child.wait_with_output().expect("ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn issue_16_html_report_file_is_self_contained_and_escaped() {
    let dir = news_index();
    let hostile = format!(
        "Moscow <script>alert(\"x\")</script> expands\n\n{}\n\nשלום <b>bold</b> 👋 'quote' & co.",
        hay::SPUN_SYRIA_TXT.split_once("\n\n").expect("title and body").1
    );
    dir.create("spun.txt", &hostile);
    let out =
        dir.cmd().args(["trace", "--index", "idx", "--html", "report.html", "spun.txt"]).output();
    assert_eq!(out.code, 1, "a copy: {}", out.stderr);
    assert!(out.stdout.starts_with("COPY"), "the terminal report still prints: {}", out.stdout);
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    assert!(html.starts_with("<!doctype html>"));
    assert!(!html.to_lowercase().contains("<script"), "no script, escaped or not");
    assert!(html.contains("Moscow &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; expands"));
    assert!(html.contains("שלום &lt;b&gt;bold&lt;/b&gt; 👋 &#39;quote&#39; &amp; co."));
    assert!(
        html.contains("<mark class=\"d-sub\" title=\"replaced\">Russia</mark>"),
        "the spin is marked"
    );
    assert!(html.contains("traced against the index <code>idx</code>"));
    for needle in ["<link", "src=\"", "@import", "url("] {
        assert!(!html.contains(needle), "loads nothing: {needle}");
    }

    // `--html -` prints the page instead of the terminal report, for one article only (several
    // get a folder of pages: tests/integration/batch.rs).
    let page = dir.cmd().args(["trace", "--index", "idx", "--html", "-", "spun.txt"]).output();
    assert!(page.stdout.starts_with("<!doctype html>"), "{}", page.stdout);
    dir.create("other.txt", "Another article. It has two sentences.");
    let err = dir
        .cmd()
        .args(["trace", "--index", "idx", "--html", "-", "spun.txt", "other.txt"])
        .fails_with(2);
    assert!(err.contains("--html - prints the page of one article"), "{err}");
}

//! Batch tracing, exit codes and CLI manners of #16: folders and `--jsonl` in input order, bad
//! records reported and skipped, grep's exit codes, `UNSPUN_INDEX`, `--color`, completions,
//! the man page and `--version`.

use serde_json::{Value, json};

use crate::hay::{self, AP_SENATE, AP_STORM, CNN_MARKETS, REUTERS_SYRIA};
use crate::util::{TestDir, news_index, str_at, u64_at};

/// A sentence no fixture article contains.
const ORIGINAL_TEXT: &str = "Nothing in this sentence was ever printed by anyone before today, \
     said the town's only baker while the kettle was boiling.";

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

#[test]
fn issue_16_jsonl_keeps_order_and_ids_and_skips_a_bad_line() {
    let dir = news_index();
    // Enough records that the parallel workers finish out of order.
    let mut lines = Vec::new();
    let mut expected_ids = Vec::new();
    for round in 0..6 {
        for (i, a) in [&CNN_MARKETS, &AP_STORM, &REUTERS_SYRIA, &AP_SENATE].into_iter().enumerate()
        {
            let id = format!("q-{round}-{i}");
            let text = if i == 1 { ORIGINAL_TEXT } else { a.text };
            lines.push(
                json!({"id": id, "title": "t", "text": text, "date": "2016-01-01"}).to_string(),
            );
            expected_ids.push(id);
        }
    }
    lines.insert(3, "{not json".to_string());
    lines.insert(7, json!({"id": "no-text", "title": "t"}).to_string());
    lines.insert(9, String::new()); // Empty lines are not records.
    dir.create("q.jsonl", lines.join("\n") + "\n");

    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--jsonl", "q.jsonl", "-j", "3"])
        .args(["--summary", "summary.json"])
        .output();
    assert_eq!(out.code, 2, "a bad record was skipped: exit 2\n{}", out.stderr);
    let reports = json_lines(&out.stdout);
    let ids: Vec<&str> = reports.iter().map(|r| str_at(&r["query"], "id")).collect();
    assert_eq!(ids, expected_ids, "input order and ids kept");
    assert_eq!(reports[0]["input"], "q.jsonl:1");
    assert_eq!(reports[3]["input"], "q.jsonl:5", "line numbers count every line");
    assert_eq!(reports[0]["schema"], "unspun.trace/1");
    assert_eq!(str_at(&reports[0]["verdict"], "kind"), "copy");
    assert_eq!(reports[0]["sources"][0]["id"], CNN_MARKETS.id);
    assert_eq!(str_at(&reports[1]["verdict"], "kind"), "original");
    assert!(out.stderr.contains("q.jsonl:4: not valid JSON"), "{}", out.stderr);
    assert!(out.stderr.contains("q.jsonl:8: field `text` is missing"), "{}", out.stderr);
    assert!(out.stderr.contains("24 articles traced"), "{}", out.stderr);
    assert!(out.stderr.contains("2 bad articles skipped"), "{}", out.stderr);

    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("written"))
            .expect("JSON");
    assert_eq!(summary["schema"], "unspun.trace-summary/1");
    assert_eq!((u64_at(&summary, "n_traced"), u64_at(&summary, "n_bad")), (24, 2));
    assert_eq!(u64_at(&summary["verdicts"], "original"), 6);
    assert_eq!(u64_at(&summary, "exit_code"), 2);
    let worst = summary["worst"].as_array().expect("a list");
    assert_eq!(worst.len(), 10);
    assert!(worst.windows(2).all(|w| w[0]["coverage"].as_f64() >= w[1]["coverage"].as_f64()));

    // --strict stops at the first bad record.
    let stderr =
        dir.cmd().args(["trace", "--index", "idx", "--strict", "--jsonl", "q.jsonl"]).fails_with(2);
    assert!(stderr.contains("q.jsonl:4: not valid JSON"), "{stderr}");
    assert!(stderr.contains("--strict"), "{stderr}");
}

#[test]
fn issue_16_jsonl_from_stdin_and_size_limit() {
    let dir = news_index();
    let big = "word ".repeat(400);
    let input = [
        json!({"id": 7, "text": CNN_MARKETS.text}).to_string(),
        json!({"id": "big", "text": big}).to_string(),
        json!({"id": "ok", "text": ORIGINAL_TEXT}).to_string(),
    ]
    .join("\n");
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--jsonl", "-", "--max-article-bytes", "1000"])
        .stdin(input)
        .output();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let reports = json_lines(&out.stdout);
    let ids: Vec<&str> = reports.iter().map(|r| str_at(&r["query"], "id")).collect();
    assert_eq!(ids, ["7", "ok"]);
    assert!(
        out.stderr.contains("<stdin>:2: the article is larger than 1000 bytes"),
        "{}",
        out.stderr
    );
}

#[test]
fn issue_16_folder_batch_lines_and_exit_codes() {
    let dir = news_index();
    std::fs::create_dir_all(dir.join("in/sub")).expect("mkdir");
    std::fs::create_dir_all(dir.join("clean")).expect("mkdir");
    dir.create("in/a.txt", format!("Markets\n\n{}", CNN_MARKETS.text));
    dir.create("in/sub/b.json", json!({"id": "b", "text": ORIGINAL_TEXT}).to_string());
    dir.create("in/sub/c.jsonl", json!({"id": "c", "text": AP_STORM.text}).to_string() + "\n");
    dir.create("in/ignored.csv", "not,an,article");
    dir.create("in/.hidden.txt", CNN_MARKETS.text);
    dir.create("clean/one.txt", ORIGINAL_TEXT);
    dir.create("clean/two.txt", format!("Another one. {ORIGINAL_TEXT}"));

    // Copies found: exit 1, one line per article in order, a summary on stderr.
    let out = dir.cmd().args(["trace", "--index", "idx", "in"]).output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].starts_with("in/a.txt: COPY"), "{}", out.stdout);
    assert!(lines[0].contains(CNN_MARKETS.id) && lines[0].contains("(CNN)"), "{}", out.stdout);
    assert!(lines[1].starts_with("in/sub/b.json [b]: ORIGINAL"), "{}", out.stdout);
    assert!(lines[2].starts_with("in/sub/c.jsonl:1 [c]: COPY"), "{}", out.stdout);
    assert!(!out.stdout.contains('\x1b'), "no colour on a pipe");
    assert!(out.stderr.contains("3 articles traced"), "{}", out.stderr);
    assert!(out.stderr.contains("1 original, 2 copy"), "{}", out.stderr);
    assert!(out.stderr.contains("highest coverage:"), "{}", out.stderr);

    // --json over several inputs: JSON Lines.
    let out = dir.cmd().args(["trace", "--index", "idx", "--json", "in/a.txt", "clean"]).output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let inputs: Vec<String> =
        json_lines(&out.stdout).iter().map(|r| str_at(r, "input").to_string()).collect();
    assert_eq!(inputs, ["in/a.txt", "clean/one.txt", "clean/two.txt"]);

    // Every article original: exit 0.
    let out = dir.cmd().args(["trace", "--index", "idx", "clean"]).output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // An unreadable input is an error: exit 2, the others still traced.
    let out = dir.cmd().args(["trace", "--index", "idx", "clean", "missing.txt"]).output();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2);
    assert!(out.stderr.contains("missing.txt"), "{}", out.stderr);
    // A folder with no article in it, and --title with several articles, are errors.
    std::fs::create_dir_all(dir.join("empty")).expect("mkdir");
    let stderr = dir.cmd().args(["trace", "--index", "idx", "empty"]).fails_with(2);
    assert!(stderr.contains("no article to trace"), "{stderr}");
    let stderr = dir.cmd().args(["trace", "--index", "idx", "--title", "T", "clean"]).fails_with(2);
    assert!(stderr.contains("--title"), "{stderr}");
}

#[test]
fn issue_12_batch_traces_the_articles_of_html_pages_in_folders() {
    let dir = news_index();
    std::fs::create_dir_all(dir.join("pages")).expect("mkdir");
    let paragraphs: String = CNN_MARKETS
        .text
        .split(". ")
        .map(|s| format!("<p>{}.</p>", s.trim_end_matches('.')))
        .collect();
    dir.create(
        "pages/markets.html",
        format!(
            "<!DOCTYPE html><html><head><title>Markets | Farm</title></head><body>\
             <nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\
             <article><h1>Markets</h1>{paragraphs}</article>\
             <footer>Copyright Farm. All rights reserved.</footer></body></html>"
        ),
    );
    dir.create("pages/clean.htm", format!("<html><body><p>{ORIGINAL_TEXT}</p></body></html>"));
    let out = dir.cmd().args(["trace", "--index", "idx", "--json", "pages"]).output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let reports = json_lines(&out.stdout);
    let inputs: Vec<&str> = reports.iter().map(|r| str_at(r, "input")).collect();
    assert_eq!(inputs, ["pages/clean.htm", "pages/markets.html"]);
    // The article was traced, not the tags: no markup in the text, the copy found.
    let markets = &reports[1];
    assert_eq!(markets["verdict"]["kind"], "copy", "{markets:#}");
    assert!(!markets.to_string().contains("<p>"), "{markets:#}");
}

#[test]
fn issue_16_single_article_exit_codes() {
    let dir = news_index();
    dir.create("copy.txt", CNN_MARKETS.text);
    dir.create("original.txt", ORIGINAL_TEXT);
    let out = dir.cmd().args(["trace", "--index", "idx", "copy.txt"]).output();
    assert_eq!(out.code, 1, "a copy: exit 1\n{}", out.stderr);
    assert!(out.stdout.starts_with("COPY"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "one article prints no summary: {}", out.stderr);
    let out = dir.cmd().args(["trace", "--index", "idx", "--json", "original.txt"]).output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stderr = dir.cmd().args(["trace", "--index", "idx", "missing.txt"]).fails_with(2);
    assert!(stderr.contains("missing.txt"), "{stderr}");
}

#[test]
fn issue_16_unspun_index_env_is_the_default_index() {
    let dir = news_index();
    dir.create("copy.txt", CNN_MARKETS.text);
    let report: Value = serde_json::from_str(
        &dir.cmd().env("UNSPUN_INDEX", "idx").args(["trace", "--json", "copy.txt"]).output().stdout,
    )
    .expect("JSON");
    assert_eq!(report["sources"][0]["id"], CNN_MARKETS.id);
    let stats = dir.cmd().env("UNSPUN_INDEX", "idx").args(["stats", "--json"]).json();
    assert_eq!(u64_at(&stats, "n_docs"), hay::NEWS.len() as u64);
    dir.cmd().env("UNSPUN_INDEX", "idx").args(["verify"]).stdout();
    // --index wins over the environment.
    let stderr =
        dir.cmd().env("UNSPUN_INDEX", "idx").args(["stats", "--index", "nowhere"]).fails_with(2);
    assert!(stderr.contains("nowhere"), "{stderr}");
    let help = dir.cmd().args(["trace", "--help"]).stdout();
    assert!(help.contains("UNSPUN_INDEX"), "{help}");
}

#[test]
fn issue_16_color_always_and_never() {
    let dir = news_index();
    dir.create("copy.txt", CNN_MARKETS.text);
    // The test harness sets NO_COLOR=1: --color always still colours.
    let out = dir.cmd().args(["trace", "--index", "idx", "--color", "always", "copy.txt"]).output();
    assert!(out.stdout.contains("\x1b["), "{}", out.stdout);
    let out = dir.cmd().args(["--color", "never", "trace", "--index", "idx", "copy.txt"]).output();
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);
    // auto on a pipe: CLICOLOR_FORCE colours, unless NO_COLOR is set.
    let out = dir
        .cmd()
        .env("NO_COLOR", "")
        .env("CLICOLOR_FORCE", "1")
        .args(["trace", "--index", "idx", "copy.txt"])
        .output();
    assert!(out.stdout.contains("\x1b["), "{}", out.stdout);
    let out =
        dir.cmd().env("CLICOLOR_FORCE", "1").args(["trace", "--index", "idx", "copy.txt"]).output();
    assert!(!out.stdout.contains('\x1b'), "NO_COLOR wins: {}", out.stdout);
    // Batch lines are coloured too.
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--color=always", "copy.txt", "copy.txt"])
        .output();
    assert!(out.stdout.contains("\x1b[1;31mCOPY"), "{}", out.stdout);
}

#[test]
fn issue_16_completions_man_page_examples_and_version() {
    let dir = TestDir::new();
    let bash = dir.cmd().args(["completions", "bash"]).stdout();
    assert!(bash.contains("_unspun()") && bash.contains("complete -F"), "{bash}");
    assert!(bash.contains("--jsonl"), "trace's flags are completed");
    let zsh = dir.cmd().args(["completions", "zsh"]).stdout();
    assert!(zsh.starts_with("#compdef unspun"), "{zsh}");
    let stderr = dir.cmd().args(["completions", "tcsh"]).fails_with(2);
    assert!(stderr.contains("tcsh"), "{stderr}");

    let man = dir.cmd().arg("man").stdout();
    assert!(man.starts_with(".ie \\n(.g .ds Aq") || man.contains(".TH unspun 1"), "{man}");
    assert!(man.contains(".TH unspun 1"), "{man}");
    assert!(man.contains(".SH NAME") && man.contains(".SH SUBCOMMANDS"), "{man}");

    for sub in ["index", "trace", "stats", "verify", "cluster", "spins", "serve", "demo", "eval"] {
        let help = dir.cmd().args([sub, "--help"]).stdout();
        assert!(help.contains("Examples:\n  unspun"), "{sub}:\n{help}");
    }
    let help = dir.cmd().args(["trace", "--help"]).stdout();
    assert!(help.contains("Exit status: 0"), "{help}");

    let version = dir.cmd().arg("--version").stdout();
    assert!(version.starts_with("unspun 0."), "{version}");
    assert!(version.contains("(commit ") && version.contains(", features: "), "{version}");
}

/// The `.html` files in `dir`, sorted.
fn html_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the report folder exists")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn issue_16_html_dir_writes_one_page_per_article() {
    let dir = news_index();
    std::fs::create_dir_all(dir.join("in")).expect("mkdir");
    dir.create("in/a.txt", format!("Markets\n\n{}", CNN_MARKETS.text));
    dir.create("in/b.json", json!({"id": "b", "text": ORIGINAL_TEXT}).to_string());
    dir.create("in/c.txt", AP_STORM.text);

    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--html", "reports", "in", "--summary", "s.json"])
        .output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // The usual lines on stdout, in input order.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].starts_with("in/a.txt: COPY"), "{}", out.stdout);
    assert!(lines[1].starts_with("in/b.json [b]: ORIGINAL"), "{}", out.stdout);
    assert!(out.stderr.contains("3 HTML reports written to reports"), "{}", out.stderr);
    assert_eq!(html_files(&dir.join("reports")), ["a.html", "b.html", "c.html"]);
    let page = |name: &str| {
        std::fs::read_to_string(dir.join("reports").join(name)).expect("a page is written")
    };
    for (name, verdict, source) in [
        ("a.html", "Copy", Some(CNN_MARKETS.id)),
        ("b.html", "Original", None),
        ("c.html", "Copy", Some(AP_STORM.id)),
    ] {
        let html = page(name);
        assert!(html.starts_with("<!doctype html>"), "{name}: {html:.100}");
        assert!(html.trim_end().ends_with("</html>"), "{name}: a whole page");
        let banner = format!("<span class=\"kind\">{verdict}</span>");
        assert!(html.contains(&banner), "{name} holds its verdict {verdict}");
        if let Some(source) = source {
            assert!(html.contains(source), "{name} names its source {source}");
        }
    }
    assert!(page("a.html").contains("Markets"), "the title");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("s.json")).expect("written"))
            .expect("JSON");
    assert_eq!(summary["html_reports"], json!({"dir": "reports", "n_written": 3}));

    // Again into the same folder: an existing page stops the run, unless --force. The report
    // folder inside the input folder is not traced.
    let before = page("a.html");
    let stderr =
        dir.cmd().args(["trace", "--index", "idx", "--html", "reports", "in"]).fails_with(2);
    assert!(stderr.contains("reports/a.html already exists"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    std::fs::rename(dir.join("reports"), dir.join("in/reports")).expect("move");
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--html", "in/reports", "--force", "in"])
        .output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3, "the pages are not articles: {}", out.stdout);
    assert_eq!(html_files(&dir.join("in/reports")), ["a.html", "b.html", "c.html"]);
    assert_eq!(std::fs::read_to_string(dir.join("in/reports/a.html")).expect("page"), before);
}

#[test]
fn issue_16_html_dir_names_jsonl_lines_and_clashes_and_skips_bad_records() {
    let dir = news_index();
    std::fs::create_dir_all(dir.join("x/sub")).expect("mkdir");
    dir.create("x/story.txt", CNN_MARKETS.text);
    dir.create("x/sub/story.txt", AP_STORM.text);
    let lines = [
        json!({"id": "r/1", "text": REUTERS_SYRIA.text}).to_string(),
        "{not json".to_string(),
        json!({"text": ORIGINAL_TEXT}).to_string(),
    ];
    dir.create("feed.jsonl", lines.join("\n") + "\n");
    // Two files named story.txt, and lines: unique names, in input order, a bad line skipped.
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--json", "--html", "out/"])
        .args(["x", "feed.jsonl"])
        .output();
    assert_eq!(out.code, 2, "a bad record: exit 2\n{}", out.stderr);
    assert_eq!(json_lines(&out.stdout).len(), 4, "JSON Lines on stdout as without --html");
    assert!(out.stderr.contains("feed.jsonl:2: not valid JSON"), "{}", out.stderr);
    assert!(out.stderr.contains("4 HTML reports written to out/"), "{}", out.stderr);
    assert_eq!(
        html_files(&dir.join("out")),
        ["feed-1-r_1.html", "feed-3.html", "story-2.html", "story.html"]
    );
    let story = std::fs::read_to_string(dir.join("out/story.html")).expect("page");
    assert!(story.contains(CNN_MARKETS.id), "the first input gets the plain name");
    let story_2 = std::fs::read_to_string(dir.join("out/story-2.html")).expect("page");
    assert!(story_2.contains(AP_STORM.id));

    // --jsonl, and one article into an existing folder: still a page per article.
    let out = dir
        .cmd()
        .args(["trace", "--index", "idx", "--html", "j", "--jsonl", "feed.jsonl"])
        .output();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(html_files(&dir.join("j")), ["feed-1-r_1.html", "feed-3.html"]);
    let out = dir.cmd().args(["trace", "--index", "idx", "--html", "j", "x/story.txt"]).output();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(dir.join("j/story.html").is_file(), "{}", out.stderr);
}

#[test]
fn issue_16_html_dir_that_cannot_be_written_is_an_error_naming_it() {
    let dir = news_index();
    dir.create("a.txt", CNN_MARKETS.text);
    dir.create("b.txt", ORIGINAL_TEXT);
    dir.create("plain-file", "not a folder");
    // Under a file (root may write anywhere, but not there), and a file itself.
    for target in ["plain-file/reports", "plain-file"] {
        let out = dir
            .cmd()
            .args(["trace", "--index", "idx", "--html", target, "a.txt", "b.txt"])
            .output();
        assert_eq!(out.code, 2, "{target}: {}", out.stderr);
        assert!(out.stderr.contains(&format!("(--html) {target}")), "{target}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "nothing traced: {}", out.stdout);
    }
    // `--force` only goes with --html.
    let stderr =
        dir.cmd().args(["trace", "--index", "idx", "--force", "a.txt", "b.txt"]).fails_with(2);
    assert!(stderr.contains("--html"), "{stderr}");
}

//! `unspun index` reading what users have (#12): date hygiene, detection by content, honest
//! errors, JSON arrays, nested fields, generated ids, compressed inputs, HTML and text folders.
//! Every fixture is tiny and made here.

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

//! `unspun cluster --input` (issue #10): a run over corpus files without an index gives the
//! bytes of `unspun index` + `unspun cluster --index`, resumes, refuses changed inputs, counts
//! bad records, and never passes off a partial read or a store as an index.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{self, TestDir, u64_at};

/// Every output file but the run's parameters and summary (which name the inputs and hold
/// timings), by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                !["summary.json", "run.json", "store.json"].contains(&n.to_str().unwrap_or(""))
            })
        })
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("output file"))
        })
        .collect()
}

fn input_run(dir: &TestDir, out: &str, inputs: &[&str], extra: &[&str]) -> Value {
    dir.cmd()
        .args(["cluster", "--quiet", "--json", "--out", out, "--input"])
        .args(inputs)
        .args(extra)
        .json()
}

/// A rerun over `news.jsonl` into `run` is refused, naming store.json and --fresh.
fn refused_until_fresh(dir: &TestDir) {
    let err = dir
        .cmd()
        .args(["cluster", "--quiet", "--out", "run", "--input", "news.jsonl"])
        .fails_with(2);
    assert!(err.contains("store.json") && err.contains("--fresh"), "{err}");
}

fn stage_skipped(summary: &Value) -> Vec<(String, bool)> {
    summary["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| (s["stage"].as_str().expect("name").to_owned(), s["skipped"] == true))
        .collect()
}

#[test]
fn issue_10_cluster_over_input_files_gives_the_bytes_of_index_then_cluster() {
    let Some(data) = util::shared_data() else { return };
    let dir = TestDir::new();
    // Real wire stories with reissues, and opinion pieces: links, boilerplate, spins.
    let mut corpus = util::head_gz(&data.join("reuters21578/articles.jsonl.gz"), 700);
    corpus.push_str(&util::head_gz(&data.join("allsides/articles.jsonl.gz"), 300));
    dir.create_gz("news.jsonl.gz", &corpus);
    let ingested = dir.index("idx", &["news.jsonl.gz"]);
    let args = ["--shard-docs", "100", "--prints-shard-docs", "300", "--spill-budget-mb", "0"];
    let indexed = dir
        .cmd()
        .args(["cluster", "--quiet", "--json", "--index", "idx", "--out", "by-index"])
        .args(args)
        .json();
    let first = input_run(&dir, "by-input", &["news.jsonl.gz"], &args);
    let by_index = outputs(&dir.join("by-index"));
    assert!(u64_at(&indexed, "n_links") > 0, "the sample has links");
    assert_eq!(outputs(&dir.join("by-input")), by_index);
    assert_eq!(first["n_links"], indexed["n_links"]);
    assert_eq!(first["input"]["n_docs"], indexed["n_index_docs"]);
    // The records `unspun index` skips (real data has empty texts) are skipped and counted.
    for count in ["n_records", "n_skipped", "n_duplicate"] {
        assert_eq!(first["input"][count], ingested[count], "{count}");
    }
    let names: Vec<String> = stage_skipped(&first).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["input", "prints", "boilerplate", "pairs", "trace", "reuse"]);

    // A rerun finds every stage done, the store too, and changes nothing (a second later:
    // nothing of the store's key moves with the clock).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = input_run(&dir, "by-input", &["news.jsonl.gz"], &args);
    assert!(stage_skipped(&again).iter().all(|(_, skipped)| *skipped), "{again}");
    assert_eq!(again["input"], first["input"]);
    assert_eq!(outputs(&dir.join("by-input")), by_index);

    // `unspun dedup` of the run reads its own store: the corpus the index's run keeps.
    dir.cmd()
        .args(["dedup", "--index", "idx", "--cluster", "by-index", "--out", "a.jsonl"])
        .stdout();
    dir.cmd().args(["dedup", "--cluster", "by-input", "--out", "b.jsonl"]).stdout();
    let kept = std::fs::read(dir.join("a.jsonl")).expect("kept by index");
    assert!(!kept.is_empty());
    assert_eq!(std::fs::read(dir.join("b.jsonl")).expect("kept by input"), kept);
    assert_eq!(
        std::fs::read(dir.join("b.dropped.jsonl")).expect("dropped"),
        std::fs::read(dir.join("a.dropped.jsonl")).expect("dropped")
    );
    // An index is not the run's store, nor the run's store an index's run.
    let err = dir
        .cmd()
        .args(["dedup", "--index", "idx", "--cluster", "by-input", "--out", "c.jsonl"])
        .fails_with(2);
    assert!(err.contains("leave out") && err.contains("--index"), "{err}");

    // A store left half-built by a killed run is the run's own: built again, same bytes.
    let store_json = dir.join("by-input/store.json");
    let state = std::fs::read_to_string(&store_json).expect("store.json");
    std::fs::write(&store_json, state.replace("\"done\"", "\"building\"")).expect("killed");
    for marker in ["prints.done", "boilerplate.done", "pairs.done", "trace.done", "reuse.done"] {
        std::fs::remove_file(dir.join("by-input").join(marker)).expect("marker");
    }
    let rebuilt = input_run(&dir, "by-input", &["news.jsonl.gz"], &args);
    assert_eq!(stage_skipped(&rebuilt)[0], ("input".to_owned(), false));
    assert_eq!(outputs(&dir.join("by-input")), by_index);

    // The store has no postings: a trace stage whose records were removed (they are, once it
    // is done) cannot fall back on them, and says so.
    std::fs::remove_file(dir.join("by-input/trace.done")).expect("marker");
    std::fs::remove_file(dir.join("by-input/trace-00000.jsonl")).expect("shard");
    let err = dir
        .cmd()
        .args(["cluster", "--quiet", "--out", "by-input", "--input", "news.jsonl.gz"])
        .args(args)
        .fails_with(2);
    assert!(err.contains("freqs.bin") || err.contains("docprints"), "{err}");
    assert!(err.contains("--fresh"), "{err}");
}

#[test]
fn issue_10_cluster_over_input_files_refuses_what_it_cannot_vouch_for() {
    let dir = TestDir::new();
    let corpus = crate::cluster::corpus();
    dir.create("news.jsonl", &corpus);
    let first = input_run(&dir, "run", &["news.jsonl"], &[]);
    assert!(u64_at(&first, "n_links") > 0);

    // The store is no index: nothing is traced on it.
    std::fs::write(dir.join("a.txt"), "Russia ramps up its military presence in Syria.")
        .expect("query");
    let err = dir.cmd().args(["trace", "--index", "run/store", "a.txt"]).fails_with(2);
    assert!(err.contains("store of documents without postings"), "{err}");

    // Inputs that changed since the store was read: refused, then --fresh starts over.
    let mut grown = corpus.clone();
    grown.push_str(
        "{\"id\": \"late\", \"date\": \"2020-01-01\", \"text\": \"A story of another day.\"}\n",
    );
    dir.create("news.jsonl", &grown);
    refused_until_fresh(&dir);
    let fresh = input_run(&dir, "run", &["news.jsonl"], &["--fresh"]);
    assert_eq!(u64_at(&fresh["input"], "n_docs"), u64_at(&first["input"], "n_docs") + 1);

    // Filters choose documents of an index; the files are the run.
    let err = dir
        .cmd()
        .args(["cluster", "--out", "f", "--since", "2016", "--input", "news.jsonl"])
        .fails_with(2);
    assert!(err.contains("--since") && err.contains("--input"), "{err}");

    // The store is written only as a store: `unspun index` into it is refused, unchanged.
    let store_files = |dir: &TestDir| {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("run/store"))
            .expect("store")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = store_files(&dir);
    let err = dir.cmd().args(["index", "--index", "run/store", "news.jsonl"]).fails_with(2);
    assert!(err.contains("store of documents without postings"), "{err}");
    assert_eq!(store_files(&dir), before);
    // Reader flags read --input files: with --index they are refused, not ignored.
    dir.index("idx", &["news.jsonl"]);
    let err = dir
        .cmd()
        .args(["cluster", "--out", "g", "--index", "idx", "--text-field", "body"])
        .fails_with(2);
    assert!(err.contains("--input"), "{err}");

    // A store whose read was stopped (a --fresh rebuild killed, say) is no run's store:
    // `unspun dedup` refuses it; --fresh rebuilds it even when store.json is damaged.
    let store_json = dir.join("run/store.json");
    let done = std::fs::read_to_string(&store_json).expect("store.json");
    std::fs::write(&store_json, done.replace("\"done\"", "\"building\"")).expect("killed");
    let err = dir.cmd().args(["dedup", "--cluster", "run", "--out", "k.jsonl"]).fails_with(2);
    assert!(err.contains("store.json") && err.contains("not the complete one"), "{err}");
    std::fs::write(&store_json, "{\"state\": ").expect("damaged");
    refused_until_fresh(&dir);
    let again = input_run(&dir, "run", &["news.jsonl"], &["--fresh"]);
    assert_eq!(again["n_links"], fresh["n_links"]);
    dir.cmd().args(["dedup", "--cluster", "run", "--out", "k.jsonl"]).stdout();
    // A file of the user's inside a run's store is never removed with it (the rebuild is
    // refused, naming it), nor a `store` folder that no run made, even with --fresh.
    std::fs::write(dir.join("run/store/notes.txt"), "mine").expect("notes");
    std::fs::create_dir_all(dir.join("mine/store")).expect("mine");
    std::fs::write(dir.join("mine/store/notes.txt"), "mine").expect("notes");
    for (out, says) in [("run", "notes.txt"), ("mine", "store.json is missing")] {
        let err = dir
            .cmd()
            .args(["cluster", "--quiet", "--fresh", "--out", out, "--input", "news.jsonl"])
            .fails_with(2);
        assert!(err.contains(says), "{out}: {err}");
        assert!(dir.join(out).join("store/notes.txt").exists(), "{out}");
    }
}

#[test]
fn issue_10_cluster_over_input_files_counts_bad_records_and_stops_at_a_partial_file() {
    let dir = TestDir::new();
    let mut corpus = crate::cluster::corpus();
    corpus.push_str("{\"id\": \"broken\", \"text\": \n");
    corpus.push_str("{\"id\": \"no-text\", \"title\": \"A title alone\"}\n");
    dir.create("news.jsonl", &corpus);
    let summary = input_run(&dir, "run", &["news.jsonl"], &[]);
    assert_eq!(u64_at(&summary["input"], "n_skipped"), 2, "{}", summary["input"]);
    let bad = summary["input"]["bad_records"].to_string();
    assert!(bad.contains("news.jsonl") && bad.contains(":"), "{bad}");

    // --strict: the first bad record stops the run, named by file and line.
    let lines = corpus.lines().count();
    let err = dir
        .cmd()
        .args(["cluster", "--quiet", "--strict", "--out", "strict", "--input", "news.jsonl"])
        .fails_with(2);
    assert!(err.contains("news.jsonl") && err.contains(&format!("{}", lines - 1)), "{err}");

    // A gzip file cut short is an error naming it, never a run over what came before.
    let whole = crate::cluster::corpus();
    let gz = dir.create_gz("cut.jsonl.gz", &whole);
    let bytes = std::fs::read(&gz).expect("gz");
    std::fs::write(&gz, &bytes[..bytes.len() * 2 / 3]).expect("cut");
    let err = dir
        .cmd()
        .args(["cluster", "--quiet", "--out", "cut", "--input", "cut.jsonl.gz"])
        .fails_with(2);
    assert!(err.contains("cut.jsonl.gz") && err.contains("read to its end"), "{err}");
    assert!(!dir.join("cut/links.jsonl").exists());
}

#[test]
fn issue_10_cluster_over_input_files_answers_from_its_records_past_64_partners() {
    // Seventy reissues of one story on one day: the earliest documents of a fingerprint held
    // by so many are paired with all the others, so one document has 69 partners. Over an
    // index, more than 64 partners are answered from the index's postings; over the store,
    // from the run's records: the same bytes.
    let story = "The central bank raised its benchmark interest rate by a quarter point on \
                 Wednesday, citing persistent inflation in housing and services. Officials said \
                 further increases remained possible if price growth did not slow. Markets had \
                 expected the move after a string of strong employment reports. The decision \
                 was unanimous, the bank said in a statement released after the meeting.";
    let mut corpus = String::new();
    for n in 0..70 {
        let text = story.replace("Wednesday", &format!("Wednesday (edition {n})"));
        corpus.push_str(
            &serde_json::json!({"id": format!("wire-{n:02}"), "date": "2021-03-17",
                                "source": format!("outlet{}", n % 7), "text": text})
            .to_string(),
        );
        corpus.push('\n');
    }
    corpus.push_str(&crate::cluster::corpus());
    let dir = TestDir::new();
    dir.create("news.jsonl", &corpus);
    dir.index("idx", &["news.jsonl"]);
    let indexed = dir
        .cmd()
        .args(["cluster", "--quiet", "--json", "--index", "idx", "--out", "by-index"])
        .args(["--keep-intermediate"])
        .json();
    input_run(&dir, "by-input", &["news.jsonl"], &["--keep-intermediate"]);
    // The pairs give some document more than 64 partners.
    let pairs = std::fs::read(dir.join("by-index/pairs.bin")).expect("pairs.bin");
    let mut partners = std::collections::HashMap::<u32, u32>::new();
    for record in pairs.chunks_exact(13) {
        let a = u32::from_le_bytes(record[0..4].try_into().expect("a"));
        let b = u32::from_le_bytes(record[4..8].try_into().expect("b"));
        if record[12] & 1 != 0 {
            *partners.entry(b).or_default() += 1;
        }
        if record[12] & 2 != 0 {
            *partners.entry(a).or_default() += 1;
        }
    }
    assert!(partners.values().any(|&n| n > 64), "{:?}", partners.values().max());
    assert!(u64_at(&indexed, "n_links") > 0);
    assert_eq!(outputs(&dir.join("by-input")), outputs(&dir.join("by-index")));
}

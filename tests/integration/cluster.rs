//! `unspun cluster`: corpus-wide links, clusters, copy graph and publisher report.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Value, json};

use crate::hay::{self, AP_SENATE, BLOG_SENATE, NEWS, REUTERS_SYRIA};
use crate::util::{self, TestDir, char_slice, str_at, u64_at};

/// The fixture news, a verbatim copy and a spun copy of the Syria story by a content farm,
/// three unrelated stories of one outlet that end in the same newsletter box, and filler.
pub(crate) fn corpus() -> String {
    let mut out = hay::jsonl(&NEWS);
    let footer = "Sign up for our morning newsletter to get the day's top stories delivered to \
                  your inbox every weekday.";
    let farm = [
        ("farm-1", "2015-09-22", REUTERS_SYRIA.text.to_owned()),
        (
            "farm-2",
            "2015-09-23",
            REUTERS_SYRIA
                .text
                .replace("Russia ramps up", "Russian Federation ramps up")
                .replace("Officials in Washington", "Officials in Washington DC"),
        ),
    ];
    for (id, date, text) in farm {
        let record = json!({"id": id, "title": "Syria", "text": text, "date": date,
                            "source": "Farm Daily"});
        out.push_str(&format!("{record}\n"));
    }
    for (i, a) in [hay::AP_STORM, hay::CNN_MARKETS, AP_SENATE].iter().enumerate() {
        let record = json!({"id": format!("footer-{i}"), "title": a.title,
                            "text": format!("{} {footer}", a.text.replace('.', " today.")),
                            "date": "2016-01-0{i}".replace("0{i}", &format!("0{}", i + 1)),
                            "source": "Footer Times"});
        out.push_str(&format!("{record}\n"));
    }
    out.push_str(&hay::generated_corpus(12));
    out
}

fn read_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn texts(corpus: &str) -> HashMap<String, (String, String)> {
    corpus
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).expect("fixture record");
            (
                str_at(&r, "id").to_owned(),
                (str_at(&r, "text").to_owned(), r["date"].as_str().unwrap_or("").to_owned()),
            )
        })
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every link's offsets point at equal (verbatim) or aligned (shared words) text, and no
/// source is later than its copy.
fn check_links(out: &Path, texts: &HashMap<String, (String, String)>) -> usize {
    let links = read_lines(&out.join("links.jsonl"));
    for link in &links {
        let (source_text, source_date) = &texts[str_at(link, "source")];
        let (copy_text, copy_date) = &texts[str_at(link, "copy")];
        assert!(source_date[..10] <= copy_date[..10], "source later than copy: {link}");
        for p in link["passages"].as_array().expect("passages") {
            let s = char_slice(
                source_text,
                u64_at(p, "source_char_start"),
                u64_at(p, "source_char_end"),
            );
            let c = char_slice(copy_text, u64_at(p, "copy_char_start"), u64_at(p, "copy_char_end"));
            if p["kind"] == "verbatim" {
                assert_eq!(words(&s), words(&c), "verbatim passage differs: {link}");
            } else {
                let sw = words(&s);
                let shared = words(&c).iter().filter(|w| sw.contains(w)).count();
                assert!(shared * 2 >= words(&c).len(), "unaligned passage {s:?} ~ {c:?}");
            }
        }
    }
    links.len()
}

#[test]
fn issue_4_cluster_links_clusters_graph_and_publishers() {
    let dir = TestDir::new();
    let corpus = corpus();
    dir.create("news.jsonl", &corpus);
    dir.index("idx", &["news.jsonl"]);
    let summary = dir.cmd().args(["cluster", "--json", "--index", "idx", "--out", "out"]).json();
    assert_eq!(summary["schema"], "unspun.cluster/1");
    assert_eq!(u64_at(&summary, "n_docs"), corpus.lines().count() as u64);
    let out = dir.join("out");
    assert!(check_links(&out, &texts(&corpus)) >= 3);

    // The farm's verbatim and spun copies cluster with the Reuters story, which is the origin.
    let clusters = read_lines(&out.join("doc_clusters.jsonl"));
    let syria = clusters
        .iter()
        .find(|c| c["origin"] == REUTERS_SYRIA.id)
        .unwrap_or_else(|| panic!("no cluster of the Syria story: {clusters:#?}"));
    let members: Vec<(&str, &str)> = syria["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (str_at(m, "id"), str_at(m, "relation")))
        .collect();
    assert_eq!(
        members,
        [(REUTERS_SYRIA.id, "origin"), ("farm-1", "exact_copy"), ("farm-2", "near_duplicate")]
    );
    let links = read_lines(&out.join("links.jsonl"));
    let spun = links.iter().find(|l| l["copy"] == "farm-2").expect("farm-2 link");
    assert_eq!(spun["source"], REUTERS_SYRIA.id, "the earliest is the source, not farm-1");
    assert!(spun["alterations"].as_array().expect("kinds").contains(&json!("spun")), "{spun}");
    // The blog's paragraph from AP is a passage, not a whole copy.
    let blog = links.iter().find(|l| l["copy"] == BLOG_SENATE.id).expect("blog link");
    assert_eq!(blog["source"], AP_SENATE.id);

    // The newsletter box is boilerplate of its outlet, and links no footer story to another.
    let boilerplate = read_lines(&out.join("boilerplate.jsonl"));
    assert!(
        boilerplate.iter().any(|b| b["scope"] == "outlet"
            && b["outlet"] == "Footer Times"
            && str_at(b, "text").starts_with("Sign up")),
        "{boilerplate:#?}"
    );
    assert!(
        !links.iter().any(|l| str_at(l, "source").starts_with("footer-")
            && str_at(l, "copy").starts_with("footer-")),
        "boilerplate made a link"
    );

    // Passage clusters: every member's source is an earlier member.
    for cluster in read_lines(&out.join("passage_clusters.jsonl")) {
        let members = cluster["members"].as_array().expect("members");
        assert_eq!(members.len() as u64, u64_at(&cluster, "n_members"));
        for m in members {
            if let Some(source) = m["source"].as_u64() {
                let s = &members[source as usize];
                assert!(s["date"].as_str() <= m["date"].as_str(), "{cluster:#}");
            }
        }
    }

    // The publisher report puts the farm first; the graph files open in Gephi and Graphviz.
    let publishers: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("publishers.json")).expect("publishers.json"),
    )
    .expect("publishers JSON");
    assert_eq!(publishers[0]["outlet"], "Farm Daily", "{publishers:#}");
    assert_eq!(publishers[0]["n_copies"], 2);
    assert_eq!(publishers[0]["top_sources"][0]["outlet"], "Reuters");
    let graphml = std::fs::read_to_string(out.join("outlets.graphml")).expect("graphml");
    assert!(graphml.contains("source=\"Reuters\" target=\"Farm Daily\""), "{graphml}");
    let dot = std::fs::read_to_string(out.join("outlets.dot")).expect("dot");
    assert!(dot.starts_with("digraph") && dot.contains("\"Reuters\" -> \"Farm Daily\""), "{dot}");

    // The spin dictionary file is there (one spun copy is too few for an entry) and
    // `unspun spins` reads the same run.
    assert!(out.join("spins.jsonl").exists());
    let spins = dir.cmd().args(["spins", "--json", "--index", "idx", "--out", "out"]).json();
    assert!(spins.as_array().is_some(), "{spins}");

    // The terminal report.
    let text =
        dir.cmd().args(["cluster", "--index", "idx", "--out", "out", "--min-docs", "1"]).output();
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("publishers"), "{}", text.stdout);
    assert!(text.stdout.contains("Farm Daily"), "{}", text.stdout);
    assert!(text.stderr.contains("trace  done by an earlier run"), "{}", text.stderr);
}

/// Every output file but the summary (which holds timings), by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "summary.json"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("output file"))
        })
        .collect()
}

#[test]
fn issue_4_cluster_rerun_after_kill_gives_identical_output() {
    let dir = TestDir::new();
    let mut corpus = corpus();
    corpus.push_str(&hay::generated_corpus(60).replace("gen-", "more-"));
    dir.create("news.jsonl", &corpus);
    dir.index("idx", &["news.jsonl"]);
    let args = ["cluster", "--quiet", "--index", "idx", "--shard-docs", "4", "--out"];
    dir.cmd().args(args).arg("whole").stdout();

    // Kill a second run as soon as its first shard is written, then resume it.
    let mut child = dir.cmd().args(args).arg("killed").spawn();
    let first_shard = dir.join("killed/trace-00000.jsonl");
    for _ in 0..2000 {
        if first_shard.exists() || child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let resumed = dir.cmd().args(args).arg("killed").arg("--json").json();
    assert_eq!(outputs(&dir.join("whole")), outputs(&dir.join("killed")));
    let stages = resumed["stages"].as_array().expect("stages");
    let names: Vec<&str> = stages.iter().filter_map(|s| s["stage"].as_str()).collect();
    assert_eq!(names, ["prints", "boilerplate", "pairs", "trace", "reuse"]);
    let trace_stage = &stages[3];
    // Finished shards were not traced again (when the kill came before the end).
    assert!(trace_stage["skipped"] == true || trace_stage["n_shards_reused"].as_u64() > Some(0));

    // A finished run reruns as a no-op with the same files.
    let again = dir.cmd().args(args).arg("killed").arg("--json").json();
    assert!(again["stages"].as_array().expect("stages").iter().all(|s| s["skipped"] == true));
    assert_eq!(outputs(&dir.join("whole")), outputs(&dir.join("killed")));
}

/// Copies the files (not the folders) of `from` into a new folder `to`, but those `skip`
/// accepts.
fn copy_run(from: &Path, to: &Path, skip: impl Fn(&str) -> bool) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("run dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        if path.is_file() && !skip(&name) {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

#[test]
fn issue_10_trace_from_the_runs_own_prints_matches_index_lookups() {
    // The trace stage answers its frequency and postings questions from the prints stage's
    // docprints files and the pairs stage's frequency table, and takes a document without
    // partners from its profile (profiles files); without them (a resumed run) it asks the
    // index and analyses the document again. All three ways must give the same bytes.
    let dir = TestDir::new();
    let mut corpus = corpus();
    corpus.push_str(&hay::generated_corpus(60).replace("gen-", "more-"));
    dir.create("news.jsonl", &corpus);
    dir.index("idx", &["news.jsonl"]);
    let args = [
        "cluster",
        "--quiet",
        "--json",
        "--index",
        "idx",
        "--shard-docs",
        "4",
        "--keep-intermediate",
    ];
    let fast = dir.cmd().args(args).args(["--prints-shard-docs", "16", "--out", "fast"]).json();
    assert!(fast["n_links"].as_u64() > Some(0), "{fast}");
    assert!(dir.join("fast/docprints-00000.bin").exists());
    assert!(dir.join("fast/profiles-00000.bin").exists());
    let retrace =
        |name: &str| name.starts_with("trace") || name == "reuse.done" || name == "summary.json";
    // Frequencies from the index (the pairs stage is not rerun), postings from the prints.
    copy_run(&dir.join("fast"), &dir.join("index_freqs"), retrace);
    // Both from the index, unpartnered documents analysed again: the docprints and profiles
    // files are gone.
    copy_run(&dir.join("fast"), &dir.join("index_only"), |name| {
        retrace(name) || name.starts_with("docprints-") || name.starts_with("profiles-")
    });
    for out in ["index_freqs", "index_only"] {
        let rerun = dir.cmd().args(args).args(["--prints-shard-docs", "16", "--out", out]).json();
        let stages = rerun["stages"].as_array().expect("stages");
        assert_eq!(stages[2]["skipped"], true, "{rerun}"); // pairs
        assert_eq!(stages[3]["skipped"], false, "{rerun}"); // trace
    }
    let without_docprints = |out: &str| {
        let mut files = outputs(&dir.join(out));
        files.retain(|name, _| !name.starts_with("docprints-") && !name.starts_with("profiles-"));
        files
    };
    assert_eq!(without_docprints("fast"), without_docprints("index_freqs"));
    assert_eq!(without_docprints("fast"), without_docprints("index_only"));
    // Without --keep-intermediate the docprints and profiles files are removed once traced.
    dir.cmd().args(&args[..7]).args(["--out", "plain"]).stdout();
    assert!(!dir.join("plain/docprints-00000.bin").exists());
    assert!(!dir.join("plain/profiles-00000.bin").exists());
}

#[test]
fn issue_4_cluster_refuses_to_mix_runs_and_filters() {
    let dir = TestDir::new();
    dir.create("news.jsonl", corpus());
    dir.index("idx", &["news.jsonl"]);
    dir.cmd().args(["cluster", "--quiet", "--index", "idx", "--out", "out"]).stdout();
    let err = dir
        .cmd()
        .args(["cluster", "--index", "idx", "--out", "out", "--source", "Farm Daily"])
        .fails_with(2);
    assert!(err.contains("run.json") && err.contains("--fresh"), "{err}");
    let summary = dir
        .cmd()
        .args(["cluster", "--json", "--index", "idx", "--out", "out", "--fresh"])
        .args(["--source", "Farm Daily", "--source", "Reuters"])
        .json();
    // The two farm copies, the Reuters story and three generated Reuters articles.
    assert_eq!(u64_at(&summary, "n_docs"), 6);
    let documents = read_lines(&dir.join("out/documents.jsonl"));
    assert_eq!(documents.len(), 6);
    assert!(documents.iter().all(|d| d["outlet"] == "Farm Daily" || d["outlet"] == "Reuters"));
    let summary = dir
        .cmd()
        .args(["cluster", "--json", "--index", "idx", "--out", "late", "--since", "2015-09-23"])
        .args(["--until", "2015-09-23"])
        .json();
    let documents = read_lines(&dir.join("late/documents.jsonl"));
    assert_eq!(u64_at(&summary, "n_docs"), documents.len() as u64);
    assert!(
        documents.iter().all(|d| d["date"].as_str().is_some_and(|d| d.starts_with("2015-09-23")))
    );
    assert!(documents.iter().any(|d| d["id"] == "farm-2"));
    let links = read_lines(&dir.join("late/links.jsonl"));
    assert!(!links.iter().any(|l| l["copy"] == "farm-2"), "its sources are outside the run");

    let err = dir
        .cmd()
        .args(["cluster", "--index", "idx", "--out", "x", "--since", "yesterday-ish"])
        .fails_with(2);
    assert!(err.contains("--since") && err.contains("not a date"), "{err}");
    let err = dir.cmd().args(["cluster", "--index", "nothing", "--out", "x"]).fails_with(2);
    assert!(err.contains("nothing"), "{err}");
}

#[test]
fn issue_4_cluster_real_reuters_and_basil() {
    let Some(data) = util::shared_data() else { return };
    let dir = TestDir::new();
    let reuters = util::head_gz(&data.join("reuters21578/articles.jsonl.gz"), 400);
    let basil = util::head_gz(&data.join("basil/articles.jsonl.gz"), 200);
    dir.create("reuters.jsonl", &reuters);
    dir.create("basil.jsonl", &basil);
    dir.index("idx", &["reuters.jsonl", "basil.jsonl"]);
    let summary = dir.cmd().args(["cluster", "--json", "--index", "idx", "--out", "out"]).json();
    let mut texts = texts(&reuters);
    texts.extend(self::texts(&basil));
    check_links(&dir.join("out"), &texts);
    // Reuters reissues and corrects its wires: the slice has real near-duplicates.
    assert!(u64_at(&summary, "n_strong_links") > 5, "{summary:#}");
    // basil covers the same events independently at Fox, NYT and HuffPost: no document-level
    // copy links between different outlets.
    let links = read_lines(&dir.join("out/links.jsonl"));
    let basil_ids: std::collections::HashSet<String> = basil
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("basil record"))
        .map(|r| str_at(&r, "id").to_owned())
        .collect();
    assert_eq!(basil_ids.len(), 200.min(basil.lines().count()));
    let is_basil = |id: &str| basil_ids.contains(id);
    let cross_outlet_strong: Vec<&Value> = links
        .iter()
        .filter(|l| {
            l["strong"] == true && is_basil(str_at(l, "copy")) && is_basil(str_at(l, "source"))
        })
        .filter(|l| l["source_outlet"] != l["copy_outlet"])
        .collect();
    assert_eq!(cross_outlet_strong, Vec::<&Value>::new());
}

//! `trace` with the fuzz input as the article, against a small in-memory set of real documents
//! (the first BBC and Reuters articles of ../shared/data), checking that every offset of the
//! report lies in the texts it points into and that a cached trace gives the same report.
//!
//! Run it with `-max_len=4096`: the trace has no work bounds yet, and longer articles only
//! make each run slower.
#![no_main]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use unspun_core::Document;
use unspun_core::report::TraceReport;
use unspun_core::trace::{
    CandidateCache, MemoryCandidates, TraceConfig, TraceInput, trace, trace_cached,
};
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};

/// How many documents of each corpus become candidates.
const N_BBC: usize = 20;
const N_REUTERS: usize = 10;

struct Fixture {
    candidates: MemoryCandidates,
    /// Text of every candidate by id, to check source offsets.
    texts: HashMap<String, String>,
    config: TraceConfig,
    cache: CandidateCache,
}

/// `../shared/data` beside the repository, or `$UNSPUN_DATA`.
fn data_dir() -> PathBuf {
    match std::env::var_os("UNSPUN_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    }
}

fn first_documents(corpus: &str, n: usize) -> Vec<Document> {
    let path = data_dir().join(corpus);
    let reader = CorpusReader::open(&path, &ReaderConfig::default())
        .unwrap_or_else(|e| panic!("the trace target needs {}: {e}", path.display()));
    reader
        .filter_map(|record| match record {
            RecordResult::Ok { doc, .. } => Some(doc),
            RecordResult::Skipped(_) => None,
        })
        .take(n)
        .collect()
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let mut docs = first_documents("bbc/articles.jsonl.gz", N_BBC);
    docs.extend(first_documents("reuters21578/articles.jsonl.gz", N_REUTERS));
    let config = TraceConfig::default();
    let texts = docs.iter().map(|d| (d.id.clone(), d.text.clone())).collect();
    let candidates = MemoryCandidates::new(docs, &config.shingle);
    Fixture { candidates, texts, config, cache: CandidateCache::new(64) }
});

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let text = String::from_utf8_lossy(data);
    let input = TraceInput { id: None, title: None, text: &text, date: None };
    let report = trace(&input, &fixture.candidates, &fixture.config);
    check(&report, &text, &fixture.texts);
    // The cache is shared by every run: analysed candidates from earlier inputs must not
    // change the report.
    let cached = trace_cached(&input, &fixture.candidates, &fixture.config, &fixture.cache);
    assert!(cached == report, "trace_cached differs from trace");
});

/// The characters `start..end` of `text`, or a panic naming what is out of bounds.
fn char_slice(text: &str, start: usize, end: usize, what: &str) -> String {
    let n_chars = text.chars().count();
    assert!(start <= end && end <= n_chars, "{what}: {start}..{end} out of 0..{n_chars}");
    text.chars().skip(start).take(end - start).collect()
}

fn check(report: &TraceReport, body: &str, texts: &HashMap<String, String>) {
    let n_chars = body.chars().count();
    assert_eq!(report.query.n_chars, n_chars, "n_chars");
    assert_eq!(report.query.n_sentences, report.sentences.len(), "n_sentences");
    let source_text = |source: usize| -> &str {
        let doc = report.sources.get(source).unwrap_or_else(|| panic!("no source #{source}"));
        texts.get(&doc.id).unwrap_or_else(|| panic!("unknown source {}", doc.id))
    };
    let share = |x: f64, what: &str| assert!((0.0..=1.0).contains(&x), "{what} = {x}");
    share(report.verdict.coverage, "coverage");
    for origin in &report.verdict.origins {
        source_text(origin.source);
        share(origin.share, "origin share");
    }
    for flag in &report.flags {
        char_slice(body, flag.char_start, flag.char_end, "flag");
    }
    let mut prev_end = 0;
    for (idx, sentence) in report.sentences.iter().enumerate() {
        assert_eq!(sentence.idx, idx, "sentence idx");
        assert!(prev_end <= sentence.char_start, "sentences overlap at #{idx}");
        let got = char_slice(body, sentence.char_start, sentence.char_end, "sentence");
        assert_eq!(got, sentence.text, "text of sentence #{idx}");
        prev_end = sentence.char_end;
        let Some(m) = &sentence.source_match else { continue };
        share(m.similarity, "similarity");
        char_slice(body, m.query_char_start, m.query_char_end, "match in the query");
        let source = source_text(m.source);
        let got = char_slice(source, m.source_char_start, m.source_char_end, "match in the source");
        assert_eq!(got, m.source_text, "source text of sentence #{idx}");
        for copy in &m.co_copies {
            source_text(*copy);
        }
    }
    for passage in &report.passages {
        assert!(passage.first_sentence <= passage.last_sentence, "passage {passage:?}");
        assert!(passage.last_sentence < report.sentences.len(), "passage {passage:?}");
        share(passage.similarity, "passage similarity");
        char_slice(body, passage.query_char_start, passage.query_char_end, "passage in the query");
        let source = source_text(passage.source);
        char_slice(source, passage.source_char_start, passage.source_char_end, "passage source");
    }
}

//! `unspun dedup`: the corpus of an index without its near-duplicates and contained copies,
//! from a finished `unspun cluster` run over that index.
//!
//! A document is dropped when a link of the run makes it a copy (the later side) covering at
//! least [`DedupConfig::threshold`] of its content characters. Links go from the earlier
//! document to the later one, so following the dropped documents' sources always ends at a
//! kept one: the earliest member of each group of copies, the one every other was taken from.
//! Streaming: memory holds the dropped documents only (bounded by the links of the run),
//! never the corpus.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use unspun_core::Document;
#[cfg(doc)]
use unspun_index::ingest::document_record;
use unspun_index::{Error, Index, Result};

/// Schema of [`DedupSummary`].
pub const DEDUP_SCHEMA: &str = "unspun.dedup/1";

/// Knobs of [`run_dedup`].
#[derive(Debug, Clone, PartialEq)]
pub struct DedupConfig {
    /// A copy covering at least this share of its content is dropped.
    pub threshold: f64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig { threshold: 0.8 }
    }
}

/// One dropped document (a line of the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// The dropped document.
    pub id: String,
    /// The kept document it is a copy of (at the end of the chain of copies).
    pub kept: String,
    /// The document it was copied from directly (the link's source).
    pub source: String,
    /// The link's kind (`exact_copy`, `near_duplicate`, `contained_in`, …).
    pub kind: String,
    /// Share of the dropped document's content the link covers.
    pub share: f64,
    /// Its document cluster in the run, if any.
    pub cluster: Option<u64>,
}

/// What [`run_dedup`] did (`unspun dedup --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupSummary {
    /// [`DEDUP_SCHEMA`].
    pub schema: String,
    /// The cluster run read.
    pub cluster_dir: PathBuf,
    /// The threshold used.
    pub threshold: f64,
    /// Documents in the index.
    pub n_docs: u64,
    /// Documents written.
    pub n_kept: u64,
    /// Documents left out.
    pub n_dropped: u64,
    /// Dropped documents by link kind.
    pub dropped_by_kind: Vec<(String, u64)>,
}

/// The fields of a link that dedup reads.
#[derive(Deserialize)]
struct LinkLine {
    source: String,
    copy: String,
    kind: String,
    copy_share: f64,
}

fn read_lines(path: &Path, each: &mut dyn FnMut(usize, &str) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    for (idx, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if !line.is_empty() {
            each(idx + 1, &line)?;
        }
    }
    Ok(())
}

/// The documents a run drops at `config.threshold`, by id, sorted.
pub fn dropped_documents(cluster_dir: &Path, config: &DedupConfig) -> Result<Vec<Dropped>> {
    // The best link of each copy: highest share, then the first source by id (deterministic).
    let mut best: HashMap<String, LinkLine> = HashMap::new();
    let links = cluster_dir.join("links.jsonl");
    read_lines(&links, &mut |line_no, line| {
        let link: LinkLine = serde_json::from_str(line)
            .map_err(|e| Error::corrupt(&links, format!("line {line_no}: {e}")))?;
        if link.copy_share < config.threshold || link.copy == link.source {
            return Ok(());
        }
        let better = best.get(&link.copy).is_none_or(|b| {
            link.copy_share > b.copy_share
                || (link.copy_share == b.copy_share && link.source < b.source)
        });
        if better {
            best.insert(link.copy.clone(), link);
        }
        Ok(())
    })?;
    let mut clusters: HashMap<String, u64> = HashMap::new();
    let documents = cluster_dir.join("documents.jsonl");
    read_lines(&documents, &mut |line_no, line| {
        let doc: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Error::corrupt(&documents, format!("line {line_no}: {e}")))?;
        if let (Some(id), Some(cluster)) = (doc["id"].as_str(), doc["cluster"].as_u64())
            && best.contains_key(id)
        {
            clusters.insert(id.to_owned(), cluster);
        }
        Ok(())
    })?;
    // The kept member at the end of each chain of copies, each chain walked once (links go
    // from earlier to later documents, so a chain ends; the step bound is a guard).
    let mut roots: HashMap<&str, &str> = HashMap::new();
    for start in best.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut at: &str = start;
        let root = loop {
            if let Some(root) = roots.get(at) {
                break *root;
            }
            match best.get(at) {
                Some(link) if path.len() <= best.len() => {
                    path.push(at);
                    at = &link.source;
                }
                _ => break at,
            }
        };
        for id in path {
            roots.insert(id, root);
        }
    }
    let mut out: Vec<Dropped> = best
        .iter()
        .map(|(id, link)| Dropped {
            id: id.clone(),
            kept: roots.get(id.as_str()).map_or_else(|| link.source.clone(), |r| (*r).to_owned()),
            source: link.source.clone(),
            kind: link.kind.clone(),
            share: link.copy_share,
            cluster: clusters.get(id).copied(),
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Checks that `cluster_dir` holds a finished run over this generation of `index`.
fn check_run(index: &Index, cluster_dir: &Path) -> Result<()> {
    let run = cluster_dir.join("run.json");
    let bytes = std::fs::read(&run).map_err(|e| Error::io(&run, e))?;
    let params: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::corrupt(&run, format!("not a cluster run: {e}")))?;
    // A store of documents is the run's own, and only its run's.
    if params.get("inputs").is_some() != index.config().documents_only {
        return Err(Error::RunMismatch {
            path: run,
            reason: if index.config().documents_only {
                "the run was made over an index, not over this store of documents".to_owned()
            } else {
                "the run was made over corpus files (`unspun cluster --input`), not over this \
                 index: read its own store"
                    .to_owned()
            },
        });
    }
    if index.config().documents_only {
        crate::input::check_store(cluster_dir, params["inputs"].as_str())?;
    }
    if params["index_generation"].as_u64() != Some(index.generation()) {
        return Err(Error::RunMismatch {
            path: run,
            reason: format!(
                "the run was made over index generation {}, the index is at generation {}: \
                 run `unspun cluster` again first",
                params["index_generation"],
                index.generation()
            ),
        });
    }
    let done = cluster_dir.join("reuse.done");
    if !done.exists() {
        return Err(Error::RunMismatch {
            path: done,
            reason: "missing: the cluster run is not finished; run `unspun cluster` again"
                .to_owned(),
        });
    }
    Ok(())
}

/// Where [`run_dedup`] writes, with the paths its errors name.
pub struct DedupOutputs<'a> {
    /// Receives the kept documents, in index order (JSON Lines, Parquet: the caller's choice).
    pub out: &'a mut dyn FnMut(&Document) -> std::io::Result<()>,
    /// Its path.
    pub out_path: &'a Path,
    /// The dropped documents.
    pub report: &'a mut dyn Write,
    /// Its path.
    pub report_path: &'a Path,
}

/// Gives every document of `index` that the run in `cluster_dir` does not drop to
/// `outputs.out`, in index order (the CLI writes them as JSON Lines with [`document_record`]
/// or as Parquet, both of which `unspun index` reads back), and writes the dropped ones to
/// `outputs.report` (one [`Dropped`] per line, by id).
pub fn run_dedup(
    index: &Index,
    cluster_dir: &Path,
    config: &DedupConfig,
    outputs: DedupOutputs<'_>,
) -> Result<DedupSummary> {
    check_run(index, cluster_dir)?;
    let dropped = dropped_documents(cluster_dir, config)?;
    let DedupOutputs { out, out_path, report, report_path } = outputs;
    for d in &dropped {
        serde_json::to_writer(&mut *report, d).map_err(|e| Error::io(report_path, e.into()))?;
        report.write_all(b"\n").map_err(|e| Error::io(report_path, e))?;
    }
    let mut docs = index.live_docs();
    docs.sort_unstable();
    let mut n_kept = 0u64;
    for doc_id in &docs {
        let Some(doc) = index.document(*doc_id)? else { continue };
        if dropped.binary_search_by(|d| d.id.as_str().cmp(&doc.id)).is_ok() {
            continue;
        }
        out(&doc).map_err(|e| Error::io(out_path, e))?;
        n_kept += 1;
    }
    let mut by_kind: Vec<(String, u64)> = Vec::new();
    for d in &dropped {
        match by_kind.iter_mut().find(|(k, _)| *k == d.kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((d.kind.clone(), 1)),
        }
    }
    by_kind.sort();
    Ok(DedupSummary {
        schema: DEDUP_SCHEMA.to_owned(),
        cluster_dir: cluster_dir.to_path_buf(),
        threshold: config.threshold,
        n_docs: docs.len() as u64,
        n_kept,
        n_dropped: dropped.len() as u64,
        dropped_by_kind: by_kind,
    })
}

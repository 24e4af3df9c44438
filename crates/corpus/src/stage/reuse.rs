//! Stage 5, `reuse`: the files of links, clusters, graph and publishers.
//!
//! Public so that a driver without the index (the Spark driver of the Python package) writes
//! the same bytes: it builds the [`ClusterOutput`] from the trace lines, fills the passage
//! texts from its records through [`fill_passage_texts_with`] and writes with
//! [`write_reuse`]. The native driver streams instead: [`write_reuse_streamed`] writes the
//! same bytes from a [`ReuseOutput`], one chunk of values at a time.

use std::collections::BTreeMap;

use rayon::prelude::*;
use unspun_core::cluster::graph::{
    EdgeAcc, OutletEdge, Publisher, PublisherAcc, add_spins, outlet_dot, outlet_graphml,
};
use unspun_core::cluster::stream::ReuseOutput;
use unspun_core::cluster::{
    ClusterConfig, ClusterOutput, DocLink, DocSummary, PassageCluster, link_kind_name,
};
use unspun_core::report::VerdictKind;
use unspun_index::{Error, FsStorage, Index, Result, Storage};

use crate::files::*;

/// Puts the text of each passage cluster's first member in the cluster, the documents read
/// from `index` on both cores; the result is that of [`fill_passage_texts_with`] over the
/// index.
fn fill_passage_texts(index: &Index, clusters: &mut [PassageCluster]) -> Result<()> {
    let texts: Vec<Option<String>> = clusters
        .par_iter()
        .map(|cluster| {
            let first = &cluster.members[0];
            let Some(doc) = index.doc_id(&first.id) else { return Ok(None) };
            Ok(index
                .document(doc)?
                .map(|document| char_excerpt(&document.text, first.char_start, first.char_end)))
        })
        .collect::<Result<_>>()?;
    for (cluster, text) in clusters.iter_mut().zip(texts) {
        if text.is_some() {
            cluster.text = text;
        }
    }
    Ok(())
}

/// Items made at a time when writing a streamed output.
const CHUNK: usize = 1024;

/// Writes `name` atomically, a JSON value a line, the values made `CHUNK` at a time by
/// `make` from their numbers `0..n`; when `write` is false, only makes them (for the counts).
fn stream_lines<T: serde::Serialize>(
    storage: &FsStorage,
    name: &str,
    write: bool,
    n: usize,
    make: &mut dyn FnMut(std::ops::Range<usize>) -> Result<Vec<T>>,
) -> Result<()> {
    let chunks = (0..n).step_by(CHUNK).map(|start| start..(start + CHUNK).min(n));
    if !write {
        for range in chunks {
            make(range)?;
        }
        return Ok(());
    }
    let path = storage.path_of(name);
    storage.write_atomic(name, &mut |out: &mut dyn std::io::Write| {
        for range in chunks.clone() {
            for item in make(range)? {
                serde_json::to_writer(&mut *out, &item)
                    .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
                out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    })
}

/// The reuse stage from a streamed build: writes (when `write`; else an earlier run wrote
/// them) the same ten files as [`write_reuse`], byte for byte, each made a chunk of values at
/// a time, with the passage texts read from `index`. Returns the counts and the publisher
/// report either way.
pub(crate) fn write_reuse_streamed(
    storage: &FsStorage,
    index: &Index,
    output: &ReuseOutput,
    write: bool,
) -> Result<(ReuseCounts, Vec<Publisher>)> {
    let mut publishers = PublisherAcc::default();
    let mut edges = EdgeAcc::default();
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    stream_lines(storage, "documents.jsonl", write, output.n_documents(), &mut |range| {
        let docs: Vec<DocSummary> = range.map(|idx| output.document(idx)).collect();
        for doc in &docs {
            publishers.add_document(doc);
            *verdicts.entry(verdict_name(doc.verdict)).or_insert(0) += 1;
        }
        Ok(docs)
    })?;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut n_strong_links = 0;
    stream_lines(storage, "links.jsonl", write, output.n_links(), &mut |range| {
        let links: Vec<DocLink> = range.map(|idx| output.link(idx)).collect();
        for link in &links {
            publishers.add_link(link);
            edges.add_link(link);
            n_strong_links += usize::from(link.strong);
            *by_kind.entry(link_kind_name(link.kind).to_owned()).or_insert(0) += 1;
        }
        Ok(links)
    })?;
    let n_doc_clusters = output.n_doc_clusters();
    if write {
        stream_lines(storage, "doc_clusters.jsonl", write, n_doc_clusters, &mut |range| {
            Ok(range.map(|k| output.doc_cluster(k)).collect())
        })?;
        stream_lines(
            storage,
            "passage_clusters.jsonl",
            write,
            output.n_passage_clusters(),
            &mut |range| {
                let mut clusters: Vec<PassageCluster> =
                    range.map(|k| output.passage_cluster(k)).collect();
                fill_passage_texts(index, &mut clusters)?;
                Ok(clusters)
            },
        )?;
        let mut boilerplate = output.boilerplate_passages().to_vec();
        fill_passage_texts(index, &mut boilerplate)?;
        write_json_lines(storage, "boilerplate_passages.jsonl", &boilerplate)?;
        write_json_lines(storage, "spins.jsonl", output.spins())?;
    }
    let edges = edges.finish();
    let mut report = publishers.finish();
    add_spins(&mut report, output.spins());
    if write {
        write_json_lines(storage, "outlet_edges.jsonl", &edges)?;
        write_bytes(storage, "outlets.graphml", outlet_graphml(&report, &edges).as_bytes())?;
        write_bytes(storage, "outlets.dot", outlet_dot(&report, &edges).as_bytes())?;
        let path = storage.path_of("publishers.json");
        write_bytes(storage, "publishers.json", &to_json(&report, &path)?)?;
    }
    let counts = ReuseCounts {
        n_links: output.n_links(),
        n_strong_links,
        links_by_kind: by_kind.into_iter().collect(),
        verdicts: verdicts.into_iter().collect(),
        n_doc_clusters,
        n_clustered_docs: (0..n_doc_clusters).map(|k| output.doc_cluster_size(k)).sum(),
        n_passage_clusters: output.n_passage_clusters(),
        n_boilerplate_passages: output.boilerplate_passages().len(),
        n_outlet_edges: edges.len(),
        n_spins: output.spins().len(),
    };
    Ok((counts, report))
}

/// The serialised name of a verdict.
fn verdict_name(verdict: VerdictKind) -> String {
    serde_json::to_value(verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The ids of the documents whose texts [`fill_passage_texts_with`] asks for: each passage
/// cluster's first member (boilerplate passages too), in the order it asks.
pub fn passage_text_ids(output: &ClusterOutput) -> Vec<String> {
    output
        .passage_clusters
        .iter()
        .chain(&output.boilerplate_passages)
        .map(|cluster| cluster.members[0].id.clone())
        .collect()
}

/// Puts the text of each passage cluster's first member in the cluster (an excerpt of at most
/// 300 characters of its span); `text_of` gives a document's text by id (`None`: unknown, the
/// cluster keeps no text).
pub fn fill_passage_texts_with(
    output: &mut ClusterOutput,
    text_of: &mut dyn FnMut(&str) -> Result<Option<String>>,
) -> Result<()> {
    for cluster in output.passage_clusters.iter_mut().chain(&mut output.boilerplate_passages) {
        let first = &cluster.members[0];
        if let Some(text) = text_of(&first.id)? {
            cluster.text = Some(char_excerpt(&text, first.char_start, first.char_end));
        }
    }
    Ok(())
}

/// The content of `reuse.done`: a hash of the link knobs, so that other knobs rerun the stage.
pub fn reuse_marker(config: &ClusterConfig) -> String {
    format!("{:016x}\n", xxhash_rust::xxh3::xxh3_64(format!("{config:?}").as_bytes()))
}

/// Writes the ten files of the reuse stage into `storage`, each atomically (`documents.jsonl`,
/// `links.jsonl`, `doc_clusters.jsonl`, `passage_clusters.jsonl`, `boilerplate_passages.jsonl`,
/// `spins.jsonl`, `outlet_edges.jsonl`, `outlets.graphml`, `outlets.dot`, `publishers.json`);
/// the caller writes the stage's marker after them.
pub fn write_reuse(
    storage: &FsStorage,
    output: &ClusterOutput,
    edges: &[OutletEdge],
    report: &[Publisher],
) -> Result<()> {
    write_json_lines(storage, "documents.jsonl", &output.documents)?;
    write_json_lines(storage, "links.jsonl", &output.links)?;
    write_json_lines(storage, "doc_clusters.jsonl", &output.doc_clusters)?;
    write_json_lines(storage, "passage_clusters.jsonl", &output.passage_clusters)?;
    write_json_lines(storage, "boilerplate_passages.jsonl", &output.boilerplate_passages)?;
    write_json_lines(storage, "spins.jsonl", &output.spins)?;
    write_json_lines(storage, "outlet_edges.jsonl", edges)?;
    write_bytes(storage, "outlets.graphml", outlet_graphml(report, edges).as_bytes())?;
    write_bytes(storage, "outlets.dot", outlet_dot(report, edges).as_bytes())?;
    let path = storage.path_of("publishers.json");
    write_bytes(storage, "publishers.json", &to_json(&report, &path)?)
}

/// What `summary.json` says of the reuse stage's output (flattened into
/// [`crate::ClusterSummary`]): the native driver and the Spark driver count alike.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReuseCounts {
    /// Document links.
    pub n_links: usize,
    /// Strong links.
    pub n_strong_links: usize,
    /// Links by kind name, sorted by name.
    pub links_by_kind: Vec<(String, usize)>,
    /// Documents by verdict name, sorted by name.
    pub verdicts: Vec<(String, usize)>,
    /// Document clusters (two or more members).
    pub n_doc_clusters: usize,
    /// Documents in them.
    pub n_clustered_docs: usize,
    /// Passage clusters.
    pub n_passage_clusters: usize,
    /// Passage clusters found to be an outlet's boilerplate.
    pub n_boilerplate_passages: usize,
    /// Outlet edges.
    pub n_outlet_edges: usize,
    /// Entries of the learned spin dictionary.
    pub n_spins: usize,
}

/// Counts `output` and its outlet `edges` for `summary.json`.
pub fn reuse_counts(output: &ClusterOutput, edges: &[OutletEdge]) -> ReuseCounts {
    let count_by = |names: &mut dyn Iterator<Item = String>| {
        let mut counts = std::collections::BTreeMap::new();
        for name in names {
            *counts.entry(name).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    };
    let verdict_name =
        |verdict| serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(str::to_owned));
    ReuseCounts {
        n_links: output.links.len(),
        n_strong_links: output.links.iter().filter(|l| l.strong).count(),
        links_by_kind: count_by(
            &mut output
                .links
                .iter()
                .map(|l| unspun_core::cluster::link_kind_name(l.kind).to_owned()),
        ),
        verdicts: count_by(
            &mut output.documents.iter().map(|d| verdict_name(d.verdict).unwrap_or_default()),
        ),
        n_doc_clusters: output.doc_clusters.len(),
        n_clustered_docs: output.doc_clusters.iter().map(|c| c.n_members).sum(),
        n_passage_clusters: output.passage_clusters.len(),
        n_boilerplate_passages: output.boilerplate_passages.len(),
        n_outlet_edges: edges.len(),
        n_spins: output.spins.len(),
    }
}

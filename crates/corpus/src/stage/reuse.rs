//! Stage 5, `reuse`: the files of links, clusters, graph and publishers.
//!
//! Public so that a driver without the index (the Spark driver of the Python package) writes
//! the same bytes: it builds the [`ClusterOutput`] from the trace lines, fills the passage
//! texts from its records through [`fill_passage_texts_with`] and writes with
//! [`write_reuse`].

use rayon::prelude::*;
use unspun_core::cluster::graph::{OutletEdge, Publisher, outlet_dot, outlet_graphml};
use unspun_core::cluster::{ClusterConfig, ClusterOutput};
use unspun_index::{FsStorage, Index, Result, Storage};

use crate::files::*;

/// Puts the text of each passage cluster's first member in the cluster, the documents read
/// from `index`.
/// The documents are read and cut on both cores; the result is that of
/// [`fill_passage_texts_with`] over the index.
pub(crate) fn fill_passage_texts(index: &Index, output: &mut ClusterOutput) -> Result<()> {
    let clusters: Vec<_> =
        output.passage_clusters.iter_mut().chain(&mut output.boilerplate_passages).collect();
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
    for (cluster, text) in clusters.into_iter().zip(texts) {
        if text.is_some() {
            cluster.text = text;
        }
    }
    Ok(())
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

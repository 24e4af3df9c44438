//! Stage 5, `reuse`: the files of links, clusters, graph and publishers.
//!
//! Both drivers stream: the traced documents are read twice into a compact
//! [`ReuseBuilder`] (a few numbers per document and passage), and [`write_reuse_streamed`]
//! writes the files from its [`ReuseOutput`], one chunk of values at a time. Public through
//! [`reuse_stage`], so that a driver without the index (the Spark driver of the Python
//! package, which has the trace lines or the trace files and fetches the passage texts from
//! its records) writes the same bytes as `unspun cluster`.

use std::collections::BTreeMap;

use rayon::prelude::*;
use unspun_core::cluster::graph::{
    EdgeAcc, Publisher, PublisherAcc, add_spins, outlet_dot, outlet_graphml,
};
use unspun_core::cluster::stream::{ReuseBuilder, ReuseOutput};
use unspun_core::cluster::{
    ClusterConfig, DocLink, DocSummary, PassageCluster, TracedDoc, link_kind_name,
};
use unspun_core::report::VerdictKind;
use unspun_index::{Error, FsStorage, Index, Result, Storage};

use crate::Stage;
use crate::files::*;

/// A document's text by id, for the excerpts of the passage clusters (`None`: unknown; the
/// cluster then has no `text`).
pub type TextOf<'a> = dyn Fn(&str) -> Result<Option<String>> + Sync + 'a;

/// [`TextOf`] answered by `index`.
pub(crate) fn index_text(index: &Index) -> impl Fn(&str) -> Result<Option<String>> + Sync + '_ {
    |id| match index.doc_id(id) {
        Some(doc) => Ok(index.document(doc)?.map(|document| document.text)),
        None => Ok(None),
    }
}

/// A sort key of a document id for fetching texts (the index's DocId: neighbours share a
/// compressed block), or `None` to fetch in cluster order.
pub(crate) type OrderOf<'a> = dyn Fn(&str) -> u64 + Sync + 'a;

/// [`OrderOf`] answered by `index`: its DocId (unknown ids last).
pub(crate) fn index_order(index: &Index) -> impl Fn(&str) -> u64 + Sync + '_ {
    |id| index.doc_id(id).map_or(u64::MAX, |doc| u64::from(doc.0))
}

/// Puts in each passage cluster an excerpt of its first member's text (at most 300
/// characters of its span), the texts fetched by `text_of` on both cores, in the order of
/// `order_of` when given (each thread then reads a run of neighbouring documents, and a
/// document block is decompressed about once instead of once per cluster).
fn fill_passage_texts(
    text_of: &TextOf<'_>,
    order_of: Option<&OrderOf<'_>>,
    clusters: &mut [PassageCluster],
) -> Result<()> {
    let mut order: Vec<usize> = (0..clusters.len()).collect();
    if let Some(order_of) = order_of {
        let keys: Vec<u64> = clusters.iter().map(|c| order_of(&c.members[0].id)).collect();
        order.sort_by_key(|&k| (keys[k], k));
    }
    // Runs of at most FETCH_RUN, and at least one a thread.
    let run = clusters.len().div_ceil(rayon::current_num_threads()).clamp(1, FETCH_RUN);
    let parts: Vec<Vec<(usize, Option<String>)>> = order
        .par_chunks(run)
        .map(|run| {
            run.iter()
                .map(|&k| {
                    let first = &clusters[k].members[0];
                    let text = text_of(&first.id)?
                        .map(|text| char_excerpt(&text, first.char_start, first.char_end));
                    Ok((k, text))
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    for (k, text) in parts.into_iter().flatten() {
        if text.is_some() {
            clusters[k].text = text;
        }
    }
    Ok(())
}

/// Texts fetched in one run by one thread.
const FETCH_RUN: usize = 512;

/// Items made at a time when writing a streamed output.
const CHUNK: usize = 1024;

/// Passage clusters made at a time when their texts are fetched in document order (an
/// `order_of` is given): the more at once, the fewer blocks decompressed twice. They are held
/// with their members and excerpts (an estimate, not measured: 1-2 KB a cluster of a few
/// members, so about 100 MB; the 1M run's peak stayed 1.71 GB); without an order, 1,024.
const PASSAGE_CHUNK: usize = 1 << 16;

/// Writes `name` atomically, a JSON value a line, the values made `CHUNK` at a time by
/// `make` from their numbers `0..n`; when `write` is false, only makes them (for the counts).
fn stream_lines<T: serde::Serialize>(
    storage: &FsStorage,
    name: &str,
    write: bool,
    n: usize,
    chunk: usize,
    make: &mut dyn FnMut(std::ops::Range<usize>) -> Result<Vec<T>>,
) -> Result<()> {
    let chunks = (0..n).step_by(chunk).map(|start| start..(start + chunk).min(n));
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
/// them) the ten files (`documents.jsonl`, `links.jsonl`, `doc_clusters.jsonl`,
/// `passage_clusters.jsonl`, `boilerplate_passages.jsonl`, `spins.jsonl`,
/// `outlet_edges.jsonl`, `outlets.graphml`, `outlets.dot`, `publishers.json`), each
/// atomically and made a chunk of values at a time, with the passage texts from `text_of`.
/// Returns the counts and the publisher report either way.
pub(crate) fn write_reuse_streamed(
    storage: &FsStorage,
    text_of: &TextOf<'_>,
    order_of: Option<&OrderOf<'_>>,
    output: &ReuseOutput,
    write: bool,
) -> Result<(ReuseCounts, Vec<Publisher>)> {
    let mut publishers = PublisherAcc::default();
    let mut edges = EdgeAcc::default();
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    stream_lines(storage, "documents.jsonl", write, output.n_documents(), CHUNK, &mut |range| {
        let docs: Vec<DocSummary> = range.map(|idx| output.document(idx)).collect();
        for doc in &docs {
            publishers.add_document(doc);
            *verdicts.entry(verdict_name(doc.verdict)).or_insert(0) += 1;
        }
        Ok(docs)
    })?;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut n_strong_links = 0;
    stream_lines(storage, "links.jsonl", write, output.n_links(), CHUNK, &mut |range| {
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
        stream_lines(storage, "doc_clusters.jsonl", write, n_doc_clusters, CHUNK, &mut |range| {
            Ok(range.map(|k| output.doc_cluster(k)).collect())
        })?;
        stream_lines(
            storage,
            "passage_clusters.jsonl",
            write,
            output.n_passage_clusters(),
            if order_of.is_some() { PASSAGE_CHUNK } else { CHUNK },
            &mut |range| {
                let mut clusters: Vec<PassageCluster> =
                    range.map(|k| output.passage_cluster(k)).collect();
                fill_passage_texts(text_of, order_of, &mut clusters)?;
                Ok(clusters)
            },
        )?;
        let mut boilerplate = output.boilerplate_passages().to_vec();
        fill_passage_texts(text_of, order_of, &mut boilerplate)?;
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

/// The ids of the documents whose texts the writer asks for: each passage cluster's first
/// member (boilerplate passages too), in cluster order.
pub fn passage_text_ids(output: &ReuseOutput) -> Vec<String> {
    let mut ids: Vec<String> = (0..output.n_passage_clusters())
        .map(|k| output.passage_cluster(k).members[0].id.clone())
        .collect();
    ids.extend(output.boilerplate_passages().iter().map(|c| c.members[0].id.clone()));
    ids
}

/// Calls its argument on every traced document of a run, in DocId order (see
/// [`reuse_stage`]).
pub type EachTracedDoc<'a> = dyn FnMut(&mut dyn FnMut(&TracedDoc)) -> Result<()> + Send + 'a;

/// The reuse stage for a driver of its own: `each_doc` calls its argument on every traced
/// document of the run, in DocId order (the lines of `trace-NNNNN.jsonl`, shard after
/// shard), and is called twice; `texts` gets the ids of [`passage_text_ids`] once and returns
/// their texts (an id it leaves out leaves its cluster without `text`). Writes the ten files
/// and `reuse.done` into `storage` as `unspun cluster` does (the same bytes for the same
/// traces), in the memory of the native stage: about 80 bytes a document and 40 a passage,
/// plus what `texts` returns. Returns the counts and the publisher report.
pub fn reuse_stage(
    storage: &FsStorage,
    config: &ClusterConfig,
    each_doc: &mut EachTracedDoc<'_>,
    texts: &mut dyn FnMut(Vec<String>) -> Result<std::collections::HashMap<String, String>>,
) -> Result<(ReuseCounts, Vec<Publisher>)> {
    let mut builder = ReuseBuilder::new(config);
    each_doc(&mut |doc| builder.add_doc(doc))?;
    each_doc(&mut |doc| builder.add_substitutions(doc))?;
    let output = builder.finish();
    let found = texts(passage_text_ids(&output))?;
    let text_of = |id: &str| Ok(found.get(id).cloned());
    let marker = done_file(Stage::Reuse);
    if storage.exists(&marker)? {
        storage.remove(&marker)?;
    }
    let written = write_reuse_streamed(storage, &text_of, None, &output, true)?;
    write_bytes(storage, &marker, reuse_marker(config).as_bytes())?;
    Ok(written)
}

/// Calls `each` on the documents of the trace files `trace-00000.jsonl` … of `n_shards`
/// shards in `storage`, in order (one shard held at a time): the `each_doc` of
/// [`reuse_stage`] for a run whose trace files are written.
pub fn each_traced_doc(
    storage: &FsStorage,
    n_shards: usize,
    each: &mut dyn FnMut(&TracedDoc),
) -> Result<()> {
    for shard in 0..n_shards {
        for doc in read_json_lines::<TracedDoc>(storage, &shard_file(shard))? {
            each(&doc);
        }
    }
    Ok(())
}

/// The content of `reuse.done`: a hash of the link knobs, so that other knobs rerun the stage.
pub fn reuse_marker(config: &ClusterConfig) -> String {
    format!("{:016x}\n", xxhash_rust::xxh3::xxh3_64(format!("{config:?}").as_bytes()))
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

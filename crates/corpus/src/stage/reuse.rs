//! Stage 5, `reuse`: the files of links, clusters, graph and publishers.

use unspun_core::cluster::ClusterOutput;
use unspun_core::cluster::graph::{OutletEdge, Publisher, outlet_dot, outlet_graphml};
use unspun_index::{FsStorage, Index, Result, Storage};

use crate::files::*;

/// Puts the text of each passage cluster's first member in the cluster.
pub(crate) fn fill_passage_texts(index: &Index, output: &mut ClusterOutput) -> Result<()> {
    for cluster in output.passage_clusters.iter_mut().chain(&mut output.boilerplate_passages) {
        let first = &cluster.members[0];
        if let Some(doc) = index.doc_id(&first.id)
            && let Some(document) = index.document(doc)?
        {
            cluster.text = Some(char_excerpt(&document.text, first.char_start, first.char_end));
        }
    }
    Ok(())
}

pub(crate) fn write_reuse(
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

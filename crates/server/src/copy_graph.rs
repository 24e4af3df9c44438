//! The outlet copy graph of a finished `unspun cluster` run (`unspun serve --cluster DIR`):
//! `outlet_edges.jsonl` (who takes text from whom) and `publishers.json` (each outlet's
//! figures), read once at start (docs/cluster-output.md). `GET /v1/copy-graph?outlet=NAME`
//! answers one outlet's neighbourhood from it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

/// Edges listed on each side at most (the largest by characters); the totals are given.
pub const MAX_EDGES_PER_SIDE: usize = 12;

/// One outlet → outlet edge: `copy` took `n_chars` characters of `source`'s text.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletEdge {
    /// The earlier outlet.
    pub source: String,
    /// The later outlet that took its text.
    pub copy: String,
    /// Document links summed in the edge.
    pub n_links: u64,
    /// Strong links among them.
    pub n_strong_links: u64,
    /// Characters taken.
    pub n_chars: u64,
    /// Median days between the source's and the copy's dates, when both are dated.
    pub median_lag_days: Option<f64>,
}

/// The loaded copy graph.
#[derive(Debug, Clone, Default)]
pub struct CopyGraph {
    /// The run's folder name, for people.
    pub name: String,
    /// Every edge, most characters first (the file's order).
    pub edges: Vec<OutletEdge>,
    /// `publishers.json`, by outlet.
    pub publishers: HashMap<String, Value>,
}

impl CopyGraph {
    /// Reads the graph of the finished run in `dir`; the error says what is missing.
    pub fn load(dir: &Path) -> Result<CopyGraph, String> {
        if !dir.join("reuse.done").is_file() {
            return Err(format!(
                "{} holds no finished `unspun cluster` run (no reuse.done)",
                dir.display()
            ));
        }
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
        };
        let mut edges = Vec::new();
        for (line_idx, line) in read("outlet_edges.jsonl")?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |what: &str| format!("outlet_edges.jsonl line {}: {what}", line_idx + 1);
            let value: Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let text = |key: &str| {
                value[key].as_str().map(str::to_string).ok_or_else(|| bad(&format!("no {key}")))
            };
            edges.push(OutletEdge {
                source: text("source_outlet")?,
                copy: text("copy_outlet")?,
                n_links: value["n_links"].as_u64().unwrap_or(0),
                n_strong_links: value["n_strong_links"].as_u64().unwrap_or(0),
                n_chars: value["n_chars"].as_u64().unwrap_or(0),
                median_lag_days: value["lag_days"]["median"].as_f64(),
            });
        }
        let publishers: Value = serde_json::from_str(&read("publishers.json")?)
            .map_err(|e| format!("publishers.json: {e}"))?;
        let publishers = publishers
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|p| Some((p["outlet"].as_str()?.to_string(), p.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let name = std::fs::canonicalize(dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string());
        Ok(CopyGraph { name, edges, publishers })
    }

    /// Whether the graph knows `outlet` (as a node of an edge or a publisher).
    pub fn knows(&self, outlet: &str) -> bool {
        self.publishers.contains_key(outlet)
            || self.edges.iter().any(|e| e.source == outlet || e.copy == outlet)
    }

    /// One outlet's neighbourhood: the outlets it takes from, those that take from it (each
    /// side the largest [`MAX_EDGES_PER_SIDE`] by characters, with totals), its own edge to
    /// itself (self reuse) and its publisher figures.
    pub fn neighbourhood(&self, outlet: &str) -> Value {
        let edge_json = |other: &str, e: &OutletEdge| {
            json!({
                "outlet": other,
                "n_links": e.n_links,
                "n_strong_links": e.n_strong_links,
                "n_chars": e.n_chars,
                "median_lag_days": e.median_lag_days,
            })
        };
        let takes_from: Vec<&OutletEdge> =
            self.edges.iter().filter(|e| e.copy == outlet && e.source != outlet).collect();
        let taken_by: Vec<&OutletEdge> =
            self.edges.iter().filter(|e| e.source == outlet && e.copy != outlet).collect();
        let own = self.edges.iter().find(|e| e.source == outlet && e.copy == outlet);
        json!({
            "outlet": outlet,
            "run": self.name,
            "n_takes_from": takes_from.len(),
            "n_taken_by": taken_by.len(),
            "takes_from": takes_from.iter().take(MAX_EDGES_PER_SIDE).map(|e| edge_json(&e.source, e)).collect::<Vec<_>>(),
            "taken_by": taken_by.iter().take(MAX_EDGES_PER_SIDE).map(|e| edge_json(&e.copy, e)).collect::<Vec<_>>(),
            "self_reuse": own.map(|e| edge_json(outlet, e)),
            "publisher": self.publishers.get(outlet),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(source: &str, copy: &str, n_chars: u64) -> OutletEdge {
        OutletEdge {
            source: source.into(),
            copy: copy.into(),
            n_links: 1,
            n_strong_links: 1,
            n_chars,
            median_lag_days: Some(1.0),
        }
    }

    #[test]
    fn neighbourhood_splits_sources_and_copiers() {
        let graph = CopyGraph {
            name: "run".into(),
            edges: vec![
                edge("AP", "Blog", 900),
                edge("Reuters", "Blog", 500),
                edge("Blog", "Blog", 50),
            ],
            publishers: HashMap::new(),
        };
        let blog = graph.neighbourhood("Blog");
        assert_eq!(blog["n_takes_from"], 2);
        assert_eq!(blog["takes_from"][0]["outlet"], "AP");
        assert_eq!(blog["n_taken_by"], 0);
        assert_eq!(blog["self_reuse"]["n_chars"], 50);
        let ap = graph.neighbourhood("AP");
        assert_eq!(ap["taken_by"][0]["outlet"], "Blog");
        assert!(graph.knows("Reuters") && !graph.knows("CNN"));
    }
}

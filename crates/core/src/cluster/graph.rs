//! The copy graph by outlet (JSON values, GraphML for Gephi, DOT for Graphviz) and the
//! publisher report: who republishes whom, how much and how fast.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{DocLink, DocSummary, UNKNOWN_OUTLET};
use crate::report::VerdictKind;

/// Lag statistics in days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagStats {
    /// Links with both dates known.
    pub n: usize,
    /// Shortest lag.
    pub min: f64,
    /// Median lag.
    pub median: f64,
    /// Mean lag.
    pub mean: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// Longest lag.
    pub max: f64,
}

impl LagStats {
    /// Statistics of `lags`, `None` when empty.
    pub fn of(mut lags: Vec<f64>) -> Option<LagStats> {
        if lags.is_empty() {
            return None;
        }
        lags.sort_by(f64::total_cmp);
        let n = lags.len();
        let rank = |q: f64| lags[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        Some(LagStats {
            n,
            min: lags[0],
            median: rank(0.5),
            mean: lags.iter().sum::<f64>() / n as f64,
            p90: rank(0.9),
            max: lags[n - 1],
        })
    }
}

/// Reuse from one outlet by another: the sum of their documents' links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletEdge {
    /// The outlet taken from.
    pub source_outlet: String,
    /// The outlet that took.
    pub copy_outlet: String,
    /// Document links.
    pub n_links: usize,
    /// Strong links (whole-document copies, near-duplicates, containment).
    pub n_strong_links: usize,
    /// Passages.
    pub n_passages: usize,
    /// Characters of the copies in those passages.
    pub n_chars: usize,
    /// Days from source to copy.
    pub lag_days: Option<LagStats>,
}

fn outlet_name(outlet: &Option<String>) -> String {
    outlet.clone().unwrap_or_else(|| UNKNOWN_OUTLET.to_owned())
}

/// Aggregates document links by (source outlet, copy outlet), largest first.
pub fn outlet_edges(links: &[DocLink]) -> Vec<OutletEdge> {
    let mut acc = EdgeAcc::default();
    for link in links {
        acc.add_link(link);
    }
    acc.finish()
}

#[derive(Debug, Default)]
struct EdgeSums {
    n_links: usize,
    n_strong: usize,
    n_passages: usize,
    n_chars: usize,
    lags: Vec<f64>,
}

/// [`outlet_edges`] one link at a time.
#[derive(Debug, Default)]
pub struct EdgeAcc {
    acc: BTreeMap<(String, String), EdgeSums>,
}

impl EdgeAcc {
    /// Counts one link.
    pub fn add_link(&mut self, link: &DocLink) {
        let a = self
            .acc
            .entry((outlet_name(&link.source_outlet), outlet_name(&link.copy_outlet)))
            .or_default();
        a.n_links += 1;
        a.n_strong += usize::from(link.strong);
        a.n_passages += link.n_passages;
        a.n_chars += link.n_chars;
        a.lags.extend(link.lag_days);
    }

    /// The edges, largest first.
    pub fn finish(self) -> Vec<OutletEdge> {
        let mut edges: Vec<OutletEdge> = self
            .acc
            .into_iter()
            .map(|((source_outlet, copy_outlet), a)| OutletEdge {
                source_outlet,
                copy_outlet,
                n_links: a.n_links,
                n_strong_links: a.n_strong,
                n_passages: a.n_passages,
                n_chars: a.n_chars,
                lag_days: LagStats::of(a.lags),
            })
            .collect();
        edges.sort_by(|a, b| {
            b.n_chars
                .cmp(&a.n_chars)
                .then_with(|| a.source_outlet.cmp(&b.source_outlet))
                .then_with(|| a.copy_outlet.cmp(&b.copy_outlet))
        });
        edges
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The outlet copy graph as GraphML (nodes: outlets with their document counts; edges:
/// source → copy with `weight` = characters taken, links, strong links, median lag).
pub fn outlet_graphml(publishers: &[Publisher], edges: &[OutletEdge]) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for (id, for_, name, ty) in [
        ("label", "node", "label", "string"),
        ("n_docs", "node", "n_docs", "int"),
        ("reused_text_share", "node", "reused_text_share", "double"),
        ("weight", "edge", "weight", "double"),
        ("n_links", "edge", "n_links", "int"),
        ("n_strong_links", "edge", "n_strong_links", "int"),
        ("median_lag_days", "edge", "median_lag_days", "double"),
    ] {
        let _ = writeln!(
            out,
            "  <key id=\"{id}\" for=\"{for_}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    out.push_str("  <graph id=\"outlets\" edgedefault=\"directed\">\n");
    for p in publishers {
        let name = xml_escape(&p.outlet);
        let _ = writeln!(
            out,
            "    <node id=\"{name}\"><data key=\"label\">{name}</data>\
             <data key=\"n_docs\">{}</data><data key=\"reused_text_share\">{:.4}</data></node>",
            p.n_docs, p.reused_text_share
        );
    }
    for (idx, e) in edges.iter().enumerate() {
        let lag = e.lag_days.as_ref().map_or(String::new(), |l| {
            format!("<data key=\"median_lag_days\">{:.3}</data>", l.median)
        });
        let _ = writeln!(
            out,
            "    <edge id=\"e{idx}\" source=\"{}\" target=\"{}\"><data key=\"weight\">{}</data>\
             <data key=\"n_links\">{}</data><data key=\"n_strong_links\">{}</data>{lag}</edge>",
            xml_escape(&e.source_outlet),
            xml_escape(&e.copy_outlet),
            e.n_chars,
            e.n_links,
            e.n_strong_links
        );
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn dot_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The outlet copy graph in Graphviz DOT: an edge per (source, copy) outlet pair, labelled
/// with links and characters, pen width growing with the characters taken.
pub fn outlet_dot(publishers: &[Publisher], edges: &[OutletEdge]) -> String {
    let mut out = String::from("digraph copy_graph {\n  rankdir=LR;\n  node [shape=box];\n");
    for p in publishers {
        let _ = writeln!(
            out,
            "  {} [label={}];",
            dot_quote(&p.outlet),
            dot_quote(&format!(
                "{}\n{} docs, {:.0}% reused",
                p.outlet,
                p.n_docs,
                p.reused_text_share * 100.0
            ))
        );
    }
    for e in edges {
        let width = 1.0 + (e.n_chars as f64).log10().max(0.0) / 2.0;
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, weight={}, penwidth={width:.2}];",
            dot_quote(&e.source_outlet),
            dot_quote(&e.copy_outlet),
            dot_quote(&format!("{} links, {} chars", e.n_links, e.n_chars)),
            e.n_chars
        );
    }
    out.push_str("}\n");
    out
}

/// Another outlet and how much went between it and this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletShare {
    /// The other outlet.
    pub outlet: String,
    /// Document links.
    pub n_links: usize,
    /// Characters.
    pub n_chars: usize,
}

/// One line of the publisher report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publisher {
    /// The outlet.
    pub outlet: String,
    /// Its documents in the run.
    pub n_docs: usize,
    /// Of which originals.
    pub n_originals: usize,
    /// Of which copies of one earlier document.
    pub n_copies: usize,
    /// Of which patchworks of several.
    pub n_patchworks: usize,
    /// (copies + patchworks) / documents.
    pub republished_share: f64,
    /// Share of its content characters taken from earlier documents.
    pub reused_text_share: f64,
    /// Share of its reused characters taken from its own earlier documents.
    pub self_reuse_share: f64,
    /// Content characters (outside boilerplate).
    pub n_content_chars: usize,
    /// Of which reused.
    pub n_reused_chars: usize,
    /// Outlets it takes from most (other outlets, by characters).
    pub top_sources: Vec<OutletShare>,
    /// Outlets that take from it most (other outlets, by characters).
    pub top_copiers: Vec<OutletShare>,
    /// Median days between a source and this outlet's copy.
    pub median_lag_days: Option<f64>,
    /// Boilerplate sentences left out of its documents.
    pub n_boilerplate_sentences: usize,
    /// Substitutions of the learned spin dictionary it makes most (see [`add_spins`]).
    pub top_spins: Vec<OutletSpin>,
}

/// A substitution an outlet makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletSpin {
    /// The earlier text's words.
    pub from: String,
    /// The outlet's words.
    pub to: String,
    /// Times the outlet made it.
    pub n: usize,
}

/// Puts each outlet's most frequent learned substitutions in its report line.
pub fn add_spins(publishers: &mut [Publisher], spins: &[crate::lexicon::Spin]) {
    let mut by_outlet: BTreeMap<&str, Vec<OutletSpin>> = BTreeMap::new();
    for spin in spins {
        for o in &spin.outlets {
            by_outlet.entry(o.outlet.as_str()).or_default().push(OutletSpin {
                from: spin.from.clone(),
                to: spin.to.clone(),
                n: o.n,
            });
        }
    }
    for p in publishers {
        if let Some(list) = by_outlet.get_mut(p.outlet.as_str()) {
            list.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.from.cmp(&b.from)));
            p.top_spins = list.iter().take(N_TOP_OUTLETS).cloned().collect();
        }
    }
}

/// How many other outlets each report line lists.
pub const N_TOP_OUTLETS: usize = 5;

/// The publisher report, most reused text first (outlets with the most documents first
/// among equals).
pub fn publishers(documents: &[DocSummary], links: &[DocLink]) -> Vec<Publisher> {
    let mut acc = PublisherAcc::default();
    for doc in documents {
        acc.add_document(doc);
    }
    for link in links {
        acc.add_link(link);
    }
    acc.finish()
}

#[derive(Debug, Default)]
struct PublisherSums {
    n_docs: usize,
    n_originals: usize,
    n_copies: usize,
    n_patchworks: usize,
    n_content: usize,
    n_reused: usize,
    n_boilerplate: usize,
    self_chars: usize,
    other_chars: usize,
    sources: BTreeMap<String, (usize, usize)>,
    copiers: BTreeMap<String, (usize, usize)>,
    lags: Vec<f64>,
}

/// [`publishers`] one document and one link at a time: every document first, then the links.
#[derive(Debug, Default)]
pub struct PublisherAcc {
    acc: BTreeMap<String, PublisherSums>,
}

impl PublisherAcc {
    /// Counts one document.
    pub fn add_document(&mut self, doc: &DocSummary) {
        let a = self.acc.entry(outlet_name(&doc.outlet)).or_default();
        a.n_docs += 1;
        match doc.verdict {
            VerdictKind::Original => a.n_originals += 1,
            VerdictKind::Copy | VerdictKind::PartlyCopied => a.n_copies += 1,
            VerdictKind::Patchwork => a.n_patchworks += 1,
        }
        a.n_content += doc.n_content_chars;
        a.n_reused += (doc.coverage * doc.n_content_chars as f64).round() as usize;
        a.n_boilerplate += doc.n_boilerplate_sentences;
    }

    /// Counts one link (after every document).
    pub fn add_link(&mut self, link: &DocLink) {
        let acc = &mut self.acc;
        let (source, copy) = (outlet_name(&link.source_outlet), outlet_name(&link.copy_outlet));
        if let Some(a) = acc.get_mut(&copy) {
            a.lags.extend(link.lag_days);
            if source == copy {
                a.self_chars += link.n_chars;
            } else {
                a.other_chars += link.n_chars;
                let e = a.sources.entry(source.clone()).or_default();
                e.0 += 1;
                e.1 += link.n_chars;
            }
        }
        if source != copy
            && let Some(a) = acc.get_mut(&source)
        {
            let e = a.copiers.entry(copy).or_default();
            e.0 += 1;
            e.1 += link.n_chars;
        }
    }

    /// The report, most reused text first.
    pub fn finish(self) -> Vec<Publisher> {
        let acc = self.acc;
        let top = |map: BTreeMap<String, (usize, usize)>| {
            let mut v: Vec<OutletShare> = map
                .into_iter()
                .map(|(outlet, (n_links, n_chars))| OutletShare { outlet, n_links, n_chars })
                .collect();
            v.sort_by(|a, b| b.n_chars.cmp(&a.n_chars).then_with(|| a.outlet.cmp(&b.outlet)));
            v.truncate(N_TOP_OUTLETS);
            v
        };
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut out: Vec<Publisher> = acc
            .into_iter()
            .map(|(outlet, a)| Publisher {
                outlet,
                n_docs: a.n_docs,
                n_originals: a.n_originals,
                n_copies: a.n_copies,
                n_patchworks: a.n_patchworks,
                republished_share: ratio(a.n_copies + a.n_patchworks, a.n_docs),
                reused_text_share: ratio(a.n_reused, a.n_content).min(1.0),
                self_reuse_share: ratio(a.self_chars, a.self_chars + a.other_chars),
                n_content_chars: a.n_content,
                n_reused_chars: a.n_reused,
                top_sources: top(a.sources),
                top_copiers: top(a.copiers),
                median_lag_days: LagStats::of(a.lags).map(|l| l.median),
                n_boilerplate_sentences: a.n_boilerplate,
                top_spins: Vec::new(),
            })
            .collect();
        out.sort_by(|a, b| {
            b.reused_text_share
                .total_cmp(&a.reused_text_share)
                .then_with(|| b.n_docs.cmp(&a.n_docs))
                .then_with(|| a.outlet.cmp(&b.outlet))
        });
        out
    }
}

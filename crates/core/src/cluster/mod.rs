//! Corpus-wide reuse: from the traces of every document of a corpus to document links,
//! near-duplicate clusters, passage clusters, the copy graph and the publisher report.
//!
//! The corpus runner (`unspun_index::corpus`) traces each document against the rest of the
//! index and hands each trace to [`passages_from_report`], which keeps the reused passages
//! (boilerplate, titles and shared quotations left out) as a [`TracedDoc`]. [`build`] then
//! works on those plain values only:
//!
//! 1. every passage is oriented from the earlier document to the later one (date, then index
//!    order; undated documents count as the latest), so that a pair found from both sides is
//!    counted once;
//! 2. passages of one pair become a [`DocLink`] with the share of each side it covers and a
//!    kind (exact copy, near-duplicate, contains, contained in, partial);
//! 3. strong links (all but partial) are joined into [`DocCluster`]s whose earliest member is
//!    the presumed origin;
//! 4. passage spans that overlap inside a document are merged and joined across documents
//!    into [`PassageCluster`]s, each member with its inferred source member (passim's unit);
//! 5. [`graph`] aggregates links by outlet and writes GraphML and DOT; [`graph::publishers`]
//!    makes the per-outlet report;
//! 6. [`spins`] mines the substitutions that recur in aligned copies (the learned spin
//!    dictionary), with the outlets making them.
//!
//! Everything is deterministic: the same traces give the same output, byte for byte.

pub mod boilerplate;
pub mod graph;
mod passages;
pub mod spins;
pub mod stream;
mod traced;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::report::{Alteration, Substitution, VerdictKind};
use crate::{DocId, Timestamp};

use passages::passage_clusters;
pub use passages::{PassageCluster, PassageMember};
pub(crate) use traced::title_overlap;
pub use traced::{
    ProfiledSentence, UnsourcedProfile, passages_from_report, trace_document, unsourced_document,
    unsourced_from_profile, unsourced_profile,
};
#[cfg(test)]
use traced::{number_agreement, numbers};

/// The outlet name used for documents without one.
pub const UNKNOWN_OUTLET: &str = "(unknown)";

/// The schema identifier of the cluster outputs. Bump the number on breaking changes.
pub const CLUSTER_SCHEMA: &str = "unspun.cluster/1";

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Knobs of the corpus-wide analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// A link is strong (it joins document clusters) when it covers at least this share of
    /// the copy or of the source.
    pub strong_share: f64,
    /// An exact copy covers at least this share of both sides, verbatim.
    pub exact_share: f64,
    /// Passages shorter than this many characters are not kept from a trace.
    pub min_passage_chars: usize,
    /// Passages shorter than this many characters make no link ("declined to comment for
    /// this story" is not reuse).
    pub min_link_chars: usize,
    /// Between two documents of which one has fewer content characters than this, a link needs
    /// titles that share half their words (when both are known): one-line notices ("Qtly div
    /// 5 cts vs 5 cts prior, pay April 15") differ only in the company named in the title.
    /// Kept small: content farms retitle what they copy.
    pub short_doc_chars: usize,
    /// A link covers at least this many characters of the copy: a single job title or a
    /// one-line notice shared by two documents is not reuse (a reviewed sample of links found
    /// 4 real ones among 72 single passages under 150 characters).
    pub min_link_total_chars: usize,
    /// A passage found in at least this many documents of one outlet, at most half of them
    /// strong copies of another member, is that outlet's boilerplate.
    pub boilerplate_passage_docs: usize,
    /// Consecutive sourced sentences join one passage when the source skips at most this many
    /// characters between them.
    pub passage_gap_chars: usize,
    /// Two passage spans of one document merge when they overlap by this share of the shorter.
    pub span_overlap: f64,
    /// Below this coverage a document is an original.
    pub original_max_coverage: f64,
    /// A document is a copy when one origin holds this share of its reused text.
    pub copy_min_share: f64,
    /// An origin counts towards a patchwork when it covers this share of the text.
    pub origin_min_share: f64,
    /// A sentence match with figures on the copy's side is kept only when this share of them
    /// is also in the source: spinners keep figures, while templated reports ("Shr 19 cts vs
    /// 7 cts, Net ...", "shortage revised to 350 mln stg") share every word but the figures.
    pub min_number_agreement: f64,
    /// The learned spin dictionary.
    pub spins: spins::SpinConfig,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            strong_share: 0.8,
            exact_share: 0.98,
            min_passage_chars: 40,
            min_link_chars: 80,
            min_link_total_chars: 150,
            short_doc_chars: 200,
            boilerplate_passage_docs: 3,
            passage_gap_chars: 400,
            span_overlap: 0.5,
            original_max_coverage: 0.2,
            copy_min_share: 0.9,
            origin_min_share: 0.05,
            min_number_agreement: 0.75,
            spins: spins::SpinConfig::default(),
        }
    }
}

/// One reused passage found by tracing `copy`: a run of its sentences taken in order from
/// `source`. Offsets are characters of each document's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageLink {
    /// The document the passage was found in (earlier or as old as the traced one).
    pub source: DocId,
    /// Start in the traced document.
    pub copy_char_start: usize,
    /// End in the traced document.
    pub copy_char_end: usize,
    /// Start in the source.
    pub source_char_start: usize,
    /// End in the source.
    pub source_char_end: usize,
    /// Sentences of the traced document in the passage.
    pub n_sentences: usize,
    /// The most significant alteration of its sentences.
    pub kind: Alteration,
    /// Mean similarity of its sentences, weighted by length.
    pub similarity: f64,
    /// Substituted words and phrases (source → copy), in text order.
    #[serde(default)]
    pub substitutions: Vec<Substitution>,
}

/// What the trace of one document found: one line of the trace stage's shards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracedDoc {
    /// Its number in the index.
    pub doc: DocId,
    /// Its corpus id.
    pub id: String,
    /// Its outlet.
    pub outlet: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its date.
    pub date: Option<Timestamp>,
    /// Characters of its text.
    pub n_chars: usize,
    /// Characters outside boilerplate, common text and the repeated title.
    pub n_content_chars: usize,
    /// Sentences left out as boilerplate or common text.
    pub n_boilerplate_sentences: usize,
    /// Reused passages, in text order.
    pub passages: Vec<PassageLink>,
}

/// How two documents are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Both texts are (almost) entirely the same, word for word.
    ExactCopy,
    /// Most of each text is in the other.
    NearDuplicate,
    /// The later document holds (most of) the earlier one and adds text of its own.
    Contains,
    /// The later document is (mostly) an excerpt of the earlier one.
    ContainedIn,
    /// They share passages, a small part of each.
    Partial,
}

impl LinkKind {
    /// Whether links of this kind join document clusters.
    pub fn is_strong(self) -> bool {
        self != LinkKind::Partial
    }
}

/// Text reuse between two documents, oriented from the earlier to the later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocLink {
    /// Corpus id of the earlier document.
    pub source: String,
    /// Corpus id of the later document.
    pub copy: String,
    /// Outlet of the source.
    pub source_outlet: Option<String>,
    /// Outlet of the copy.
    pub copy_outlet: Option<String>,
    /// Date of the source (`YYYY-MM-DD…`).
    pub source_date: Option<String>,
    /// Date of the copy.
    pub copy_date: Option<String>,
    /// The relation.
    pub kind: LinkKind,
    /// Whether it joins document clusters.
    pub strong: bool,
    /// Share of the copy's content characters found in the source, 0..=1.
    pub copy_share: f64,
    /// Share of the source's content characters found in the copy, 0..=1.
    pub source_share: f64,
    /// Passages shared.
    pub n_passages: usize,
    /// Characters of the copy in those passages.
    pub n_chars: usize,
    /// Days from the source to the copy, when both are dated.
    pub lag_days: Option<f64>,
    /// Alterations seen in the passages, sorted.
    pub alterations: Vec<Alteration>,
    /// Mean similarity of the passages, weighted by length.
    pub similarity: f64,
    /// The passages, with offsets into each side.
    pub passages: Vec<LinkPassage>,
}

/// One passage of a [`DocLink`], offsets in characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPassage {
    /// Start in the copy.
    pub copy_char_start: usize,
    /// End in the copy.
    pub copy_char_end: usize,
    /// Start in the source.
    pub source_char_start: usize,
    /// End in the source.
    pub source_char_end: usize,
    /// Its alteration.
    pub kind: Alteration,
    /// Its similarity.
    pub similarity: f64,
}

/// What one document is, seen from the whole corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSummary {
    /// Corpus id.
    pub id: String,
    /// Outlet.
    pub outlet: Option<String>,
    /// Date.
    pub date: Option<String>,
    /// Characters of the text.
    pub n_chars: usize,
    /// Characters outside boilerplate.
    pub n_content_chars: usize,
    /// Original, copy or patchwork, from the passages it took from earlier documents.
    pub verdict: VerdictKind,
    /// Share of its content characters taken from earlier documents.
    pub coverage: f64,
    /// Distinct earlier documents it took a share of its text from.
    pub n_origins: usize,
    /// Its document cluster, when it is in one.
    pub cluster: Option<usize>,
    /// Boilerplate sentences left out.
    pub n_boilerplate_sentences: usize,
}

/// Documents joined by strong links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocCluster {
    /// Its number (clusters are numbered by their origin's date and index order).
    pub cluster: usize,
    /// Corpus id of the earliest member: the presumed origin.
    pub origin: String,
    /// Members.
    pub n_members: usize,
    /// Distinct outlets among the members.
    pub n_outlets: usize,
    /// Date of the earliest member.
    pub first_date: Option<String>,
    /// Date of the latest member.
    pub last_date: Option<String>,
    /// Members, earliest first.
    pub members: Vec<DocClusterMember>,
}

/// One member of a [`DocCluster`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocClusterMember {
    /// Corpus id.
    pub id: String,
    /// Outlet.
    pub outlet: Option<String>,
    /// Date.
    pub date: Option<String>,
    /// `origin` for the earliest member; else the kind of its strongest link as a copy, or
    /// `source` for a member that only others took from.
    pub relation: String,
    /// The member it took most from (its strongest link as a copy).
    pub copied_from: Option<String>,
}

/// Everything [`build`] derives from the traces.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterOutput {
    /// One per traced document, in index order.
    pub documents: Vec<DocSummary>,
    /// Document links, by source then copy index order.
    pub links: Vec<DocLink>,
    /// Document clusters of two or more members.
    pub doc_clusters: Vec<DocCluster>,
    /// Passage clusters of two or more members.
    pub passage_clusters: Vec<PassageCluster>,
    /// Passage clusters found to be an outlet's boilerplate, left out of everything above.
    pub boilerplate_passages: Vec<PassageCluster>,
    /// The learned spin dictionary.
    pub spins: Vec<spins::Spin>,
}

/// The order key of a document: earlier dates first, undated last, then index order.
fn order_key(doc: &TracedDoc) -> (i64, u32) {
    (doc.date.map_or(i64::MAX, |d| d.0), doc.doc.0)
}

/// A passage oriented from the earlier to the later document, as indices into the traced docs.
#[derive(Debug, Clone)]
pub(crate) struct Oriented {
    pub(crate) source: usize,
    pub(crate) copy: usize,
    pub(crate) passage: LinkPassage,
}

/// Orients every passage; where a pair was found from both sides, keeps the later document's
/// trace (it was the one whose sources were searched under the date rule).
pub(crate) fn orient(docs: &[TracedDoc]) -> Vec<Oriented> {
    let position: HashMap<DocId, usize> =
        docs.iter().enumerate().map(|(idx, d)| (d.doc, idx)).collect();
    // (source, copy) → (from the copy's own trace, passages)
    let mut pairs: BTreeMap<(usize, usize), (bool, Vec<LinkPassage>)> = BTreeMap::new();
    for (traced_idx, traced) in docs.iter().enumerate() {
        for p in &traced.passages {
            let Some(&other) = position.get(&p.source) else { continue };
            if other == traced_idx {
                continue;
            }
            let forward = order_key(&docs[other]) < order_key(traced);
            let (pair, passage) = if forward {
                (
                    (other, traced_idx),
                    LinkPassage {
                        copy_char_start: p.copy_char_start,
                        copy_char_end: p.copy_char_end,
                        source_char_start: p.source_char_start,
                        source_char_end: p.source_char_end,
                        kind: p.kind,
                        similarity: p.similarity,
                    },
                )
            } else {
                (
                    (traced_idx, other),
                    LinkPassage {
                        copy_char_start: p.source_char_start,
                        copy_char_end: p.source_char_end,
                        source_char_start: p.copy_char_start,
                        source_char_end: p.copy_char_end,
                        kind: p.kind,
                        similarity: p.similarity,
                    },
                )
            };
            let entry = pairs.entry(pair).or_insert((forward, Vec::new()));
            if forward && !entry.0 {
                // The copy's own trace wins over the flipped evidence from the source's.
                *entry = (true, Vec::new());
            }
            if forward == entry.0 {
                entry.1.push(passage);
            }
        }
    }
    pairs
        .into_iter()
        .flat_map(|((source, copy), (_, passages))| {
            passages.into_iter().map(move |passage| Oriented { source, copy, passage })
        })
        .collect()
}

/// Total length of the union of `spans` (half-open).
pub(crate) fn union_len(spans: &mut [(usize, usize)]) -> usize {
    spans.sort_unstable();
    let (mut total, mut reach) = (0, 0);
    for &(start, end) in spans.iter() {
        let start = start.max(reach);
        if end > start {
            total += end - start;
            reach = end;
        }
    }
    total
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64).min(1.0) }
}

/// Formats a timestamp as the reports do.
fn date_string(date: Option<Timestamp>) -> Option<String> {
    date.map(crate::date::format_date)
}

/// Derives links, verdicts, document clusters and passage clusters from the traces. `docs`
/// must be in index order (as the trace stage writes them).
pub fn build(docs: &[TracedDoc], config: &ClusterConfig) -> ClusterOutput {
    let mut oriented = orient(docs);
    oriented
        .retain(|o| o.passage.copy_char_end - o.passage.copy_char_start >= config.min_link_chars);
    // Passages that recur across several documents of one outlet without making any of them
    // a copy (inline "related stories" cards, standard paragraphs): boilerplate of the outlet.
    let (links, _) = make_links(docs, &oriented, config);
    let (first_clusters, cluster_of_passage) = passage_clusters(docs, &oriented, config);
    let boilerplate_clusters: Vec<bool> =
        first_clusters.iter().map(|c| is_boilerplate_cluster(c, &links, config)).collect();
    let boilerplate_passages: Vec<PassageCluster> = first_clusters
        .into_iter()
        .zip(&boilerplate_clusters)
        .filter_map(|(c, &boilerplate)| boilerplate.then_some(c))
        .collect();
    // A passage that merely overlaps the box (a reprinted story that ends with it) is much
    // longer than the cluster's typical passage: it stays.
    let length = |o: &Oriented| o.passage.copy_char_end - o.passage.copy_char_start;
    let mut lengths: Vec<Vec<usize>> = vec![Vec::new(); boilerplate_clusters.len()];
    for (o, cluster) in oriented.iter().zip(&cluster_of_passage) {
        if let Some(c) = *cluster {
            lengths[c].push(length(o));
        }
    }
    let median: Vec<usize> = lengths
        .iter_mut()
        .map(|l| {
            l.sort_unstable();
            l.get(l.len() / 2).copied().unwrap_or(0)
        })
        .collect();
    let keep: Vec<bool> = oriented
        .iter()
        .zip(&cluster_of_passage)
        .map(|(o, cluster)| {
            cluster.is_none_or(|c| !boilerplate_clusters[c] || length(o) > 2 * median[c])
        })
        .collect();
    let mut keep = keep.into_iter();
    oriented.retain(|_| keep.next().unwrap_or(true));

    let (links, link_pairs) = make_links(docs, &oriented, config);
    // Passages of pairs too small to be a link are left out of verdicts and clusters too.
    let linked: HashSet<(usize, usize)> = link_pairs.iter().copied().collect();
    oriented.retain(|o| linked.contains(&(o.source, o.copy)));
    let documents_without_clusters = verdicts(docs, &oriented, config);
    let (doc_clusters, cluster_of) = doc_clusters(docs, &links, &link_pairs);
    let documents = documents_without_clusters
        .into_iter()
        .zip(cluster_of)
        .map(|(mut summary, cluster)| {
            summary.cluster = cluster;
            summary
        })
        .collect();
    let (passage_clusters, _) = passage_clusters(docs, &oriented, config);
    let spins = spins::learn_spins(docs, &config.spins);
    ClusterOutput { documents, links, doc_clusters, passage_clusters, boilerplate_passages, spins }
}

/// Whether a passage cluster is an outlet's boilerplate: at least
/// [`ClusterConfig::boilerplate_passage_docs`] documents, 80 % of them of one known outlet, and at most
/// half of them strong copies of another member (a card or box repeated across hundreds of an
/// outlet's articles also lands in the few that are versions of one story).
fn is_boilerplate_cluster(
    cluster: &PassageCluster,
    links: &[DocLink],
    config: &ClusterConfig,
) -> bool {
    if cluster.n_docs < config.boilerplate_passage_docs {
        return false;
    }
    // One known outlet holds at least 80 % of the documents (overlapping spans can chain a
    // few other outlets' documents into an outlet's box).
    let mut per_outlet: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for m in &cluster.members {
        if let Some(outlet) = &m.outlet {
            per_outlet.entry(outlet.as_str()).or_default().insert(m.id.as_str());
        }
    }
    let dominant = per_outlet.values().map(HashSet::len).max().unwrap_or(0);
    if dominant < config.boilerplate_passage_docs || dominant * 5 < cluster.n_docs * 4 {
        return false;
    }
    let ids: HashSet<&str> = cluster.members.iter().map(|m| m.id.as_str()).collect();
    let mut linked: HashSet<&str> = HashSet::new();
    for l in links {
        if l.strong && ids.contains(l.source.as_str()) && ids.contains(l.copy.as_str()) {
            linked.insert(l.source.as_str());
            linked.insert(l.copy.as_str());
        }
    }
    linked.len() * 2 <= cluster.n_docs
}

/// Document links from oriented passages, with the (source, copy) positions of each.
fn make_links(
    docs: &[TracedDoc],
    oriented: &[Oriented],
    config: &ClusterConfig,
) -> (Vec<DocLink>, Vec<(usize, usize)>) {
    let mut by_pair: BTreeMap<(usize, usize), Vec<&LinkPassage>> = BTreeMap::new();
    for o in oriented {
        by_pair.entry((o.source, o.copy)).or_default().push(&o.passage);
    }

    let mut links: Vec<DocLink> = Vec::with_capacity(by_pair.len());
    let mut link_pairs: Vec<(usize, usize)> = Vec::with_capacity(by_pair.len());
    for (&(source, copy), passages) in &by_pair {
        let (s, c) = (&docs[source], &docs[copy]);
        let mut copy_spans: Vec<(usize, usize)> =
            passages.iter().map(|p| (p.copy_char_start, p.copy_char_end)).collect();
        let mut source_spans: Vec<(usize, usize)> =
            passages.iter().map(|p| (p.source_char_start, p.source_char_end)).collect();
        let n_chars = union_len(&mut copy_spans);
        if n_chars < config.min_link_total_chars {
            continue;
        }
        if s.n_content_chars.min(c.n_content_chars) < config.short_doc_chars
            && let (Some(a), Some(b)) = (&s.title, &c.title)
            && title_overlap(a, b) < 0.5
        {
            continue;
        }
        let copy_share = share(n_chars, c.n_content_chars);
        let source_share = share(union_len(&mut source_spans), s.n_content_chars);
        let mut alterations: Vec<Alteration> = passages.iter().map(|p| p.kind).collect();
        alterations.sort_unstable();
        alterations.dedup();
        let verbatim = alterations == [Alteration::Verbatim];
        let kind = link_kind(verbatim, copy_share, source_share, config);
        let weight: f64 =
            passages.iter().map(|p| (p.copy_char_end - p.copy_char_start) as f64).sum();
        let similarity = if weight > 0.0 {
            passages
                .iter()
                .map(|p| p.similarity * (p.copy_char_end - p.copy_char_start) as f64)
                .sum::<f64>()
                / weight
        } else {
            0.0
        };
        let lag_days = match (s.date, c.date) {
            (Some(a), Some(b)) => Some((b.0 - a.0) as f64 / SECONDS_PER_DAY),
            _ => None,
        };
        let mut link_passages: Vec<LinkPassage> = passages.iter().map(|p| (*p).clone()).collect();
        link_passages.sort_by_key(|p| (p.copy_char_start, p.copy_char_end));
        links.push(DocLink {
            source: s.id.clone(),
            copy: c.id.clone(),
            source_outlet: s.outlet.clone(),
            copy_outlet: c.outlet.clone(),
            source_date: date_string(s.date),
            copy_date: date_string(c.date),
            kind,
            strong: kind.is_strong(),
            copy_share,
            source_share,
            n_passages: passages.len(),
            n_chars,
            lag_days,
            alterations,
            similarity,
            passages: link_passages,
        });
        link_pairs.push((source, copy));
    }
    (links, link_pairs)
}

/// The kind of a link whose passages cover `copy_share` of the copy's content and
/// `source_share` of the source's, `verbatim` when every passage is word for word.
pub(crate) fn link_kind(
    verbatim: bool,
    copy_share: f64,
    source_share: f64,
    config: &ClusterConfig,
) -> LinkKind {
    if verbatim && copy_share >= config.exact_share && source_share >= config.exact_share {
        LinkKind::ExactCopy
    } else if copy_share >= config.strong_share && source_share >= config.strong_share {
        LinkKind::NearDuplicate
    } else if source_share >= config.strong_share {
        LinkKind::Contains
    } else if copy_share >= config.strong_share {
        LinkKind::ContainedIn
    } else {
        LinkKind::Partial
    }
}

/// The verdict of every document from the passages it took from earlier documents.
fn verdicts(docs: &[TracedDoc], oriented: &[Oriented], config: &ClusterConfig) -> Vec<DocSummary> {
    let mut spans_of: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); docs.len()];
    for o in oriented {
        spans_of[o.copy].push((o.passage.copy_char_start, o.passage.copy_char_end, o.source));
    }
    docs.iter()
        .zip(spans_of)
        .map(|(doc, spans)| {
            let (verdict, coverage, n_origins) = copy_verdict(spans, doc.n_content_chars, config);
            DocSummary {
                id: doc.id.clone(),
                outlet: doc.outlet.clone(),
                date: date_string(doc.date),
                n_chars: doc.n_chars,
                n_content_chars: doc.n_content_chars,
                verdict,
                coverage,
                n_origins,
                cluster: None,
                n_boilerplate_sentences: doc.n_boilerplate_sentences,
            }
        })
        .collect()
}

/// A document's verdict from the spans of its content taken from earlier documents
/// (`(start, end, source)`, in characters of the content): the verdict, the share of the
/// content covered, and the number of origins that each cover `origin_min_share` of it.
pub(crate) fn copy_verdict<S: Ord>(
    spans: impl IntoIterator<Item = (usize, usize, S)>,
    n_content_chars: usize,
    config: &ClusterConfig,
) -> (VerdictKind, f64, usize) {
    let mut all: Vec<(usize, usize)> = Vec::new();
    let mut per_origin: BTreeMap<S, Vec<(usize, usize)>> = BTreeMap::new();
    for (start, end, source) in spans {
        all.push((start, end));
        per_origin.entry(source).or_default().push((start, end));
    }
    let covered = union_len(&mut all);
    let coverage = share(covered, n_content_chars);
    let mut origin_chars: Vec<usize> =
        per_origin.into_values().map(|mut spans| union_len(&mut spans)).collect();
    origin_chars.sort_unstable_by(|a, b| b.cmp(a));
    let n_origins = origin_chars
        .iter()
        .filter(|&&chars| share(chars, n_content_chars) >= config.origin_min_share)
        .count();
    let top = origin_chars.first().copied().unwrap_or(0);
    let verdict = if coverage < config.original_max_coverage || n_origins == 0 {
        VerdictKind::Original
    } else if n_origins == 1 || share(top, covered) >= config.copy_min_share {
        VerdictKind::Copy
    } else {
        VerdictKind::Patchwork
    };
    (verdict, coverage, n_origins)
}

/// Union-find over document positions.
pub(crate) struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n).collect() }
    }

    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller root wins: roots do not depend on the order of unions.
            let (keep, drop) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[drop] = keep;
        }
    }
}

/// Document clusters from strong links, and each document's cluster number.
fn doc_clusters(
    docs: &[TracedDoc],
    links: &[DocLink],
    link_pairs: &[(usize, usize)],
) -> (Vec<DocCluster>, Vec<Option<usize>>) {
    let mut uf = UnionFind::new(docs.len());
    // Strongest link of each document as a copy: (share, source position, kind).
    let mut best_source: Vec<Option<(f64, usize, LinkKind)>> = vec![None; docs.len()];
    for (link, &(source, copy)) in links.iter().zip(link_pairs) {
        if !link.strong {
            continue;
        }
        uf.union(source, copy);
        let strength = link.copy_share.max(link.source_share);
        if best_source[copy].is_none_or(|(best, _, _)| strength > best) {
            best_source[copy] = Some((strength, source, link.kind));
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for idx in 0..docs.len() {
        let root = uf.find(idx);
        groups.entry(root).or_default().push(idx);
    }
    let mut clusters: Vec<Vec<usize>> = groups.into_values().filter(|m| m.len() > 1).collect();
    for members in &mut clusters {
        members.sort_by_key(|&m| order_key(&docs[m]));
    }
    clusters.sort_by_key(|members| order_key(&docs[members[0]]));
    let mut cluster_of = vec![None; docs.len()];
    let out = clusters
        .into_iter()
        .enumerate()
        .map(|(number, members)| {
            for &m in &members {
                cluster_of[m] = Some(number);
            }
            let mut outlets: Vec<&Option<String>> =
                members.iter().map(|&m| &docs[m].outlet).collect();
            outlets.sort();
            outlets.dedup();
            let dates: Vec<Timestamp> = members.iter().filter_map(|&m| docs[m].date).collect();
            DocCluster {
                cluster: number,
                origin: docs[members[0]].id.clone(),
                n_members: members.len(),
                n_outlets: outlets.len(),
                first_date: date_string(dates.iter().min().copied()),
                last_date: date_string(dates.iter().max().copied()),
                members: members
                    .iter()
                    .enumerate()
                    .map(|(rank, &m)| {
                        let (relation, copied_from) = match best_source[m] {
                            _ if rank == 0 => ("origin".to_owned(), None),
                            Some((_, source, kind)) => {
                                (link_kind_name(kind).to_owned(), Some(docs[source].id.clone()))
                            }
                            None => ("source".to_owned(), None),
                        };
                        DocClusterMember {
                            id: docs[m].id.clone(),
                            outlet: docs[m].outlet.clone(),
                            date: date_string(docs[m].date),
                            relation,
                            copied_from,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    (out, cluster_of)
}

/// The snake_case name of a link kind (as serialised).
pub fn link_kind_name(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::ExactCopy => "exact_copy",
        LinkKind::NearDuplicate => "near_duplicate",
        LinkKind::Contains => "contains",
        LinkKind::ContainedIn => "contained_in",
        LinkKind::Partial => "partial",
    }
}

#[cfg(test)]
mod tests;

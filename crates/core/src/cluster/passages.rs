//! Passage clusters: every passage reused across documents, with its members and, for each
//! member, the member it was taken from (passim's unit, with the source inferred by date).
//!
//! Each oriented passage puts a span in two documents. Spans of one document that overlap by
//! at least [`ClusterConfig::span_overlap`] of the shorter merge into one member; members are
//! joined through the passages into clusters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ClusterConfig, Oriented, TracedDoc, UnionFind, date_string, order_key};
use crate::report::Alteration;

/// One reused passage and every document it appears in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageCluster {
    /// Its number (clusters are numbered by their first member's date and position).
    pub cluster: usize,
    /// Members.
    pub n_members: usize,
    /// Distinct documents.
    pub n_docs: usize,
    /// Distinct outlets (unknown counts as one).
    pub n_outlets: usize,
    /// Date of the earliest member.
    pub first_date: Option<String>,
    /// Date of the latest member.
    pub last_date: Option<String>,
    /// The text of the first member's span (filled in by the corpus runner, which reads the
    /// documents; at most a few hundred characters).
    pub text: Option<String>,
    /// Members, earliest first; the first is the presumed origin.
    pub members: Vec<PassageMember>,
}

/// One occurrence of a reused passage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageMember {
    /// Corpus id of the document.
    pub id: String,
    /// Its outlet.
    pub outlet: Option<String>,
    /// Its date.
    pub date: Option<String>,
    /// Start of the span in the document's text, in characters.
    pub char_start: usize,
    /// End of the span, in characters.
    pub char_end: usize,
    /// Index into `members` of the member it was taken from: the earlier member with the
    /// longest alignment to it (ties: the earliest). `None` for members taken from no other.
    pub source: Option<usize>,
    /// Alteration of that alignment.
    pub kind: Option<Alteration>,
    /// Similarity of that alignment.
    pub similarity: Option<f64>,
}

/// A span of one document that some passage covers.
#[derive(Debug, Clone, Copy)]
struct Span {
    doc: usize,
    start: usize,
    end: usize,
    /// Index of the oriented passage and whether this is its copy side.
    passage: usize,
    copy_side: bool,
}

/// Groups the spans of the oriented passages into clusters (see the module docs); also returns
/// the cluster of each oriented passage.
pub(crate) fn passage_clusters(
    docs: &[TracedDoc],
    oriented: &[Oriented],
    config: &ClusterConfig,
) -> (Vec<PassageCluster>, Vec<Option<usize>>) {
    let mut spans: Vec<Span> = Vec::with_capacity(oriented.len() * 2);
    for (idx, o) in oriented.iter().enumerate() {
        let p = &o.passage;
        spans.push(Span {
            doc: o.copy,
            start: p.copy_char_start,
            end: p.copy_char_end,
            passage: idx,
            copy_side: true,
        });
        spans.push(Span {
            doc: o.source,
            start: p.source_char_start,
            end: p.source_char_end,
            passage: idx,
            copy_side: false,
        });
    }
    spans.sort_by_key(|s| (s.doc, s.start, s.end, s.passage, s.copy_side));

    // Merge overlapping spans of one document into members.
    let mut members: Vec<(usize, usize, usize)> = Vec::new(); // (doc, start, end)
    let mut copy_member = vec![0usize; oriented.len()];
    let mut source_member = vec![0usize; oriented.len()];
    for span in &spans {
        let joins = members.last().is_some_and(|&(doc, start, end)| {
            let overlap = span.end.min(end).saturating_sub(span.start.max(start));
            let shorter = (span.end - span.start).min(end - start).max(1);
            doc == span.doc && overlap as f64 >= config.span_overlap * shorter as f64
        });
        if joins {
            let last = members.last_mut().expect("joins only a member");
            last.2 = last.2.max(span.end);
        } else {
            members.push((span.doc, span.start, span.end));
        }
        let member = members.len() - 1;
        if span.copy_side {
            copy_member[span.passage] = member;
        } else {
            source_member[span.passage] = member;
        }
    }

    let mut uf = UnionFind::new(members.len());
    for idx in 0..oriented.len() {
        uf.union(copy_member[idx], source_member[idx]);
    }
    // Best source of each member: (copy-span length, earlier source first) over the passages
    // whose copy side it holds.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; members.len()]; // (passage, length)
    for (idx, o) in oriented.iter().enumerate() {
        let member = copy_member[idx];
        let length = o.passage.copy_char_end - o.passage.copy_char_start;
        let better = match best[member] {
            None => true,
            Some((current, current_len)) => {
                let current_key = order_key(&docs[oriented[current].source]);
                length > current_len
                    || (length == current_len && order_key(&docs[o.source]) < current_key)
            }
        };
        if better {
            best[member] = Some((idx, length));
        }
    }

    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for member in 0..members.len() {
        let root = uf.find(member);
        groups.entry(root).or_default().push(member);
    }
    let member_key = |m: usize| {
        let (doc, start, end) = members[m];
        (order_key(&docs[doc]), start, end)
    };
    let mut clusters: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for group in &mut clusters {
        group.sort_by_key(|&m| member_key(m));
    }
    clusters.sort_by_key(|group| member_key(group[0]));
    let mut cluster_of_member = vec![None; members.len()];
    for (number, group) in clusters.iter().enumerate() {
        for &m in group {
            cluster_of_member[m] = Some(number);
        }
    }
    let cluster_of_passage = copy_member.iter().map(|&m| cluster_of_member[m]).collect();
    let clusters = clusters
        .into_iter()
        .enumerate()
        .map(|(number, group)| {
            let rank: BTreeMap<usize, usize> =
                group.iter().enumerate().map(|(rank, &m)| (m, rank)).collect();
            let mut doc_set: Vec<usize> = group.iter().map(|&m| members[m].0).collect();
            doc_set.sort_unstable();
            doc_set.dedup();
            let mut outlets: Vec<&Option<String>> =
                doc_set.iter().map(|&d| &docs[d].outlet).collect();
            outlets.sort();
            outlets.dedup();
            let dates: Vec<_> = doc_set.iter().filter_map(|&d| docs[d].date).collect();
            let out_members = group
                .iter()
                .map(|&m| {
                    let (doc, start, end) = members[m];
                    let source = best[m].map(|(p, _)| &oriented[p]);
                    PassageMember {
                        id: docs[doc].id.clone(),
                        outlet: docs[doc].outlet.clone(),
                        date: date_string(docs[doc].date),
                        char_start: start,
                        char_end: end,
                        source: best[m].and_then(|(p, _)| rank.get(&source_member[p]).copied()),
                        kind: source.map(|o| o.passage.kind),
                        similarity: source.map(|o| o.passage.similarity),
                    }
                })
                .collect();
            PassageCluster {
                cluster: number,
                n_members: group.len(),
                n_docs: doc_set.len(),
                n_outlets: outlets.len(),
                first_date: date_string(dates.iter().min().copied()),
                last_date: date_string(dates.iter().max().copied()),
                text: None,
                members: out_members,
            }
        })
        .collect();
    (clusters, cluster_of_passage)
}

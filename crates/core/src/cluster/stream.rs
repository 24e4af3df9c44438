//! [`build`](super::build) in bounded memory: the traces come one document at a time and
//! are kept as a few compact numbers per document and per passage (document numbers, interned
//! outlets, offsets as `u32`); the outputs are made one at a time when written.
//!
//! The reuse stage of the corpus runner reads each trace shard twice: a first pass hands every
//! document to [`ReuseBuilder::add_doc`] (its numbers and passages), a second one to
//! [`ReuseBuilder::add_substitutions`] (the spin dictionary needs the dates of every source);
//! [`ReuseBuilder::finish`] then derives what `build` derives, in the same order, and
//! [`ReuseOutput`] makes each document summary, link and cluster on demand. What stays in
//! memory grows with the corpus by about 80 bytes a document (its id and numbers; its title
//! only when it shares a passage with a short document), 40 a reused passage and 12 a
//! distinct substitution (counted by hash: see [`SpinLearner::with_prefilter`]), instead of
//! every trace and every output as values.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::passages::{PassageCluster, PassageMember};
use super::spins::{Spin, SpinLearner};
use super::{
    ClusterConfig, ClusterOutput, DocCluster, DocClusterMember, DocLink, DocSummary, LinkKind,
    LinkPassage, SECONDS_PER_DAY, TracedDoc, UnionFind, copy_verdict, date_string, link_kind,
    link_kind_name, share, title_overlap, union_len,
};
use crate::report::{Alteration, VerdictKind};
use crate::{DocId, Timestamp};

const NONE: u32 = u32::MAX;

/// Offsets and counts are kept as `u32` (a text of 4 G characters saturates).
fn narrow(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Strings of many documents in one buffer.
#[derive(Debug, Default)]
struct Strings {
    text: String,
    ends: Vec<usize>,
}

impl Strings {
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len());
        narrow(self.ends.len() - 1)
    }

    fn get(&self, idx: u32) -> &str {
        let idx = idx as usize;
        let start = if idx == 0 { 0 } else { self.ends[idx - 1] };
        &self.text[start..self.ends[idx]]
    }
}

/// What is kept of a traced document.
#[derive(Debug, Clone, Copy)]
struct Meta {
    doc: DocId,
    /// Into the outlet names, [`NONE`] for none.
    outlet: u32,
    /// Into the titles, [`NONE`] for none.
    title: u32,
    date: Option<Timestamp>,
    n_chars: usize,
    n_content_chars: usize,
    n_boilerplate_sentences: usize,
}

/// A passage. Read from a trace: `copy` is the traced document's position, `source` the
/// source's [`DocId`]. Oriented: both are positions, the source the earlier document.
#[derive(Debug, Clone, Copy)]
struct Pass {
    source: u32,
    copy: u32,
    copy_start: u32,
    copy_end: u32,
    source_start: u32,
    source_end: u32,
    kind: Alteration,
    forward: bool,
    similarity: f64,
}

impl Pass {
    fn copy_len(&self) -> usize {
        (self.copy_end - self.copy_start) as usize
    }

    fn pair(&self) -> (u32, u32) {
        (self.source, self.copy)
    }

    fn link_passage(&self) -> LinkPassage {
        LinkPassage {
            copy_char_start: self.copy_start as usize,
            copy_char_end: self.copy_end as usize,
            source_char_start: self.source_start as usize,
            source_char_end: self.source_end as usize,
            kind: self.kind,
            similarity: self.similarity,
        }
    }
}

/// The documents of a run, compact.
#[derive(Debug, Default)]
struct Docs {
    metas: Vec<Meta>,
    ids: Strings,
    titles: Strings,
    outlets: Vec<String>,
    outlet_ids: HashMap<String, u32>,
    /// (DocId, position) sorted, the last position of a repeated DocId.
    positions: Vec<(u32, u32)>,
}

impl Docs {
    fn order_key(&self, position: u32) -> (i64, u32) {
        let meta = &self.metas[position as usize];
        (meta.date.map_or(i64::MAX, |d| d.0), meta.doc.0)
    }

    fn index_positions(&mut self) {
        let mut positions: Vec<(u32, u32)> = self
            .metas
            .iter()
            .enumerate()
            .map(|(position, meta)| (meta.doc.0, narrow(position)))
            .collect();
        positions.sort_unstable_by_key(|&(doc, position)| (doc, std::cmp::Reverse(position)));
        positions.dedup_by_key(|&mut (doc, _)| doc);
        self.positions = positions;
    }

    fn position(&self, doc: DocId) -> Option<u32> {
        self.positions
            .binary_search_by_key(&doc.0, |&(d, _)| d)
            .ok()
            .map(|idx| self.positions[idx].1)
    }

    fn id(&self, position: u32) -> String {
        self.ids.get(position).to_owned()
    }

    fn outlet(&self, position: u32) -> Option<String> {
        let outlet = self.metas[position as usize].outlet;
        (outlet != NONE).then(|| self.outlets[outlet as usize].clone())
    }

    fn title(&self, position: u32) -> Option<&str> {
        let title = self.metas[position as usize].title;
        (title != NONE).then(|| self.titles.get(title))
    }

    fn date(&self, position: u32) -> Option<String> {
        date_string(self.metas[position as usize].date)
    }
}

/// Takes the traces of a run one document at a time (see the module docs).
#[derive(Debug)]
pub struct ReuseBuilder {
    config: ClusterConfig,
    docs: Docs,
    passages: Vec<Pass>,
    spins: SpinLearner,
    /// Documents seen by the second pass.
    n_second: usize,
    /// Whether the title of each document is needed: it shares a passage with a document of
    /// fewer than [`ClusterConfig::short_doc_chars`] content characters (see `make_links`).
    needs_title: Vec<bool>,
}

impl ReuseBuilder {
    /// An empty builder.
    pub fn new(config: &ClusterConfig) -> ReuseBuilder {
        ReuseBuilder {
            config: config.clone(),
            docs: Docs::default(),
            passages: Vec::new(),
            spins: SpinLearner::with_prefilter(),
            n_second: 0,
            needs_title: Vec::new(),
        }
    }

    /// Documents given to the first pass.
    pub fn n_docs(&self) -> usize {
        self.docs.metas.len()
    }

    /// First pass: the next traced document, in index order.
    pub fn add_doc(&mut self, doc: &TracedDoc) {
        let docs = &mut self.docs;
        let position = narrow(docs.metas.len());
        let outlet = match &doc.outlet {
            None => NONE,
            Some(name) => match docs.outlet_ids.get(name) {
                Some(&id) => id,
                None => {
                    let id = narrow(docs.outlets.len());
                    docs.outlets.push(name.clone());
                    docs.outlet_ids.insert(name.clone(), id);
                    id
                }
            },
        };
        docs.ids.push(&doc.id);
        docs.metas.push(Meta {
            doc: doc.doc,
            outlet,
            // Read by the second pass, for the documents that need it.
            title: NONE,
            date: doc.date,
            n_chars: doc.n_chars,
            n_content_chars: doc.n_content_chars,
            n_boilerplate_sentences: doc.n_boilerplate_sentences,
        });
        for p in &doc.passages {
            self.spins.count(&p.substitutions, &self.config.spins);
        }
        self.passages.extend(doc.passages.iter().map(|p| Pass {
            source: p.source.0,
            copy: position,
            copy_start: narrow(p.copy_char_start),
            copy_end: narrow(p.copy_char_end),
            source_start: narrow(p.source_char_start),
            source_end: narrow(p.source_char_end),
            kind: p.kind,
            forward: true,
            similarity: p.similarity,
        }));
    }

    /// Second pass, after the first: the same documents again, in the same order (their
    /// passages' substitutions are read, and the titles that links between short documents
    /// need).
    pub fn add_substitutions(&mut self, doc: &TracedDoc) {
        if self.n_second == 0 {
            self.start_second_pass();
        }
        let idx = self.n_second;
        self.n_second += 1;
        if self.needs_title[idx]
            && let Some(title) = &doc.title
        {
            self.docs.metas[idx].title = self.docs.titles.push(title);
        }
        let outlet = self.docs.outlet(narrow(idx));
        let own_key = self.docs.order_key(narrow(idx));
        for passage in &doc.passages {
            if passage.substitutions.is_empty() {
                continue;
            }
            let Some(source) = self.docs.position(passage.source) else { continue };
            if self.docs.order_key(source) >= own_key {
                continue;
            }
            self.spins.add(idx, outlet.as_deref(), &passage.substitutions, &self.config.spins);
        }
    }

    fn start_second_pass(&mut self) {
        let docs = &mut self.docs;
        docs.index_positions();
        let short = |position: u32| {
            docs.metas[position as usize].n_content_chars < self.config.short_doc_chars
        };
        let mut needs_title = vec![false; docs.metas.len()];
        for p in &self.passages {
            if let Some(source) = docs.position(DocId(p.source))
                && (short(source) || short(p.copy))
            {
                needs_title[source as usize] = true;
                needs_title[p.copy as usize] = true;
            }
        }
        self.needs_title = needs_title;
    }

    /// Derives everything [`build`](super::build) derives. Both passes must have seen every
    /// document.
    ///
    /// # Panics
    /// When the second pass saw other documents than the first.
    pub fn finish(self) -> ReuseOutput {
        assert_eq!(self.n_second, self.docs.metas.len(), "both passes see every document");
        let ReuseBuilder { config, docs, passages, spins, .. } = self;
        let mut oriented = orient(&docs, passages);
        oriented.retain(|o| o.copy_len() >= config.min_link_chars);

        // Boilerplate passage clusters, as `build` finds them.
        let first_links = make_links(&docs, &oriented, &config);
        let first = passage_clusters(&docs, &oriented, &config);
        let strong = StrongLinks::new(docs.metas.len(), &first_links);
        let n_first = first.n_clusters();
        let boilerplate_clusters: Vec<bool> = (0..n_first)
            .map(|k| is_boilerplate_cluster(&docs, &first, k, &strong, &config))
            .collect();
        drop(strong);
        drop(first_links);
        let boilerplate_passages: Vec<PassageCluster> = (0..n_first)
            .filter(|&k| boilerplate_clusters[k])
            .map(|k| first.cluster(&docs, &oriented, k))
            .collect();
        let cluster_of_passage = first.cluster_of_passage();
        drop(first);
        let mut lengths: Vec<Vec<usize>> = vec![Vec::new(); n_first];
        for (o, &cluster) in oriented.iter().zip(&cluster_of_passage) {
            if cluster != NONE {
                lengths[cluster as usize].push(o.copy_len());
            }
        }
        let median: Vec<usize> = lengths
            .iter_mut()
            .map(|l| {
                l.sort_unstable();
                l.get(l.len() / 2).copied().unwrap_or(0)
            })
            .collect();
        drop(lengths);
        let mut idx = 0;
        oriented.retain(|o| {
            let cluster = cluster_of_passage[idx];
            idx += 1;
            cluster == NONE
                || !boilerplate_clusters[cluster as usize]
                || o.copy_len() > 2 * median[cluster as usize]
        });
        drop(cluster_of_passage);

        let mut links = make_links(&docs, &oriented, &config);
        oriented.retain(|o| links.binary_search_by_key(&o.pair(), Link::pair).is_ok());
        // Every passage left belongs to a link, in link order.
        let mut next = 0;
        for link in &mut links {
            link.start = next;
            while next < oriented.len() && oriented[next].pair() == link.pair() {
                next += 1;
            }
            link.end = next;
        }
        let verdicts = verdicts(&docs, &oriented, &config);
        let doc_clusters = doc_clusters(&docs, &links);
        let passage_clusters = passage_clusters(&docs, &oriented, &config);
        let spins = spins.finish(&config.spins);
        ReuseOutput {
            docs,
            oriented,
            links,
            verdicts,
            doc_clusters,
            passage_clusters,
            boilerplate_passages,
            spins,
        }
    }
}

/// Orients every passage as [`super::orient`] does, sorted by (source, copy) position.
fn orient(docs: &Docs, mut passages: Vec<Pass>) -> Vec<Pass> {
    passages.retain_mut(|p| {
        let Some(other) = docs.position(DocId(p.source)) else { return false };
        let traced = p.copy;
        if other == traced {
            return false;
        }
        let forward = docs.order_key(other) < docs.order_key(traced);
        *p = if forward {
            Pass { source: other, copy: traced, forward, ..*p }
        } else {
            Pass {
                source: traced,
                copy: other,
                copy_start: p.source_start,
                copy_end: p.source_end,
                source_start: p.copy_start,
                source_end: p.copy_end,
                forward,
                ..*p
            }
        };
        true
    });
    // Stable: the passages of a pair stay in trace order.
    passages.sort_by_key(Pass::pair);
    // The copy's own trace wins over the flipped evidence from the source's.
    let mut out = 0;
    let mut start = 0;
    while start < passages.len() {
        let pair = passages[start].pair();
        let mut end = start;
        while end < passages.len() && passages[end].pair() == pair {
            end += 1;
        }
        let any_forward = passages[start..end].iter().any(|p| p.forward);
        for idx in start..end {
            if passages[idx].forward == any_forward {
                passages[out] = passages[idx];
                out += 1;
            }
        }
        start = end;
    }
    passages.truncate(out);
    passages.shrink_to_fit();
    passages
}

/// A document link, its passages `oriented[start..end]`.
#[derive(Debug, Clone, Copy)]
struct Link {
    source: u32,
    copy: u32,
    start: usize,
    end: usize,
    kind: LinkKind,
    copy_share: f64,
    source_share: f64,
    n_chars: usize,
    similarity: f64,
}

impl Link {
    fn pair(&self) -> (u32, u32) {
        (self.source, self.copy)
    }
}

/// [`super::make_links`] over compact passages.
fn make_links(docs: &Docs, oriented: &[Pass], config: &ClusterConfig) -> Vec<Link> {
    let mut links = Vec::new();
    let mut start = 0;
    while start < oriented.len() {
        let (source, copy) = oriented[start].pair();
        let mut end = start;
        while end < oriented.len() && oriented[end].pair() == (source, copy) {
            end += 1;
        }
        let passages = &oriented[start..end];
        let range = (start, end);
        start = end;
        let (s, c) = (&docs.metas[source as usize], &docs.metas[copy as usize]);
        let mut copy_spans: Vec<(usize, usize)> =
            passages.iter().map(|p| (p.copy_start as usize, p.copy_end as usize)).collect();
        let n_chars = union_len(&mut copy_spans);
        if n_chars < config.min_link_total_chars {
            continue;
        }
        if s.n_content_chars.min(c.n_content_chars) < config.short_doc_chars
            && let (Some(a), Some(b)) = (docs.title(source), docs.title(copy))
            && title_overlap(a, b) < 0.5
        {
            continue;
        }
        let mut source_spans: Vec<(usize, usize)> =
            passages.iter().map(|p| (p.source_start as usize, p.source_end as usize)).collect();
        let copy_share = share(n_chars, c.n_content_chars);
        let source_share = share(union_len(&mut source_spans), s.n_content_chars);
        let verbatim = passages.iter().all(|p| p.kind == Alteration::Verbatim);
        let kind = link_kind(verbatim, copy_share, source_share, config);
        let weight: f64 = passages.iter().map(|p| p.copy_len() as f64).sum();
        let similarity = if weight > 0.0 {
            passages.iter().map(|p| p.similarity * p.copy_len() as f64).sum::<f64>() / weight
        } else {
            0.0
        };
        links.push(Link {
            source,
            copy,
            start: range.0,
            end: range.1,
            kind,
            copy_share,
            source_share,
            n_chars,
            similarity,
        });
    }
    links
}

/// The strong links of each document (both directions), for the boilerplate test.
struct StrongLinks {
    starts: Vec<usize>,
    others: Vec<u32>,
}

impl StrongLinks {
    fn new(n_docs: usize, links: &[Link]) -> StrongLinks {
        let mut starts = vec![0usize; n_docs + 1];
        for l in links.iter().filter(|l| l.kind.is_strong()) {
            starts[l.source as usize + 1] += 1;
            starts[l.copy as usize + 1] += 1;
        }
        for idx in 0..n_docs {
            starts[idx + 1] += starts[idx];
        }
        let mut fill = starts.clone();
        let mut others = vec![0u32; starts[n_docs]];
        for l in links.iter().filter(|l| l.kind.is_strong()) {
            others[fill[l.source as usize]] = l.copy;
            fill[l.source as usize] += 1;
            others[fill[l.copy as usize]] = l.source;
            fill[l.copy as usize] += 1;
        }
        StrongLinks { starts, others }
    }

    fn of(&self, doc: u32) -> &[u32] {
        &self.others[self.starts[doc as usize]..self.starts[doc as usize + 1]]
    }
}

/// [`super::is_boilerplate_cluster`] on passage cluster `k`.
fn is_boilerplate_cluster(
    docs: &Docs,
    clusters: &Clusters,
    k: usize,
    strong: &StrongLinks,
    config: &ClusterConfig,
) -> bool {
    let doc_set = clusters.doc_set(k);
    if doc_set.len() < config.boilerplate_passage_docs {
        return false;
    }
    let mut per_outlet: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    for &m in clusters.group(k) {
        let doc = clusters.members[m as usize].0;
        let outlet = docs.metas[doc as usize].outlet;
        if outlet != NONE {
            per_outlet.entry(outlet).or_default().insert(doc);
        }
    }
    let dominant = per_outlet.values().map(HashSet::len).max().unwrap_or(0);
    if dominant < config.boilerplate_passage_docs || dominant * 5 < doc_set.len() * 4 {
        return false;
    }
    let ids: HashSet<u32> = doc_set.iter().copied().collect();
    let mut linked: HashSet<u32> = HashSet::new();
    for &doc in &doc_set {
        for &other in strong.of(doc) {
            if ids.contains(&other) {
                linked.insert(doc);
                linked.insert(other);
            }
        }
    }
    linked.len() * 2 <= doc_set.len()
}

/// Passage clusters as [`super::passages::passage_clusters`] finds them, compact.
struct Clusters {
    /// (document position, start, end).
    members: Vec<(u32, u32, u32)>,
    copy_member: Vec<u32>,
    source_member: Vec<u32>,
    /// Best source passage of each member ([`NONE`]: none).
    best: Vec<u32>,
    /// Members of the clusters, cluster after cluster, each earliest first.
    order: Vec<u32>,
    starts: Vec<usize>,
}

impl Clusters {
    fn n_clusters(&self) -> usize {
        self.starts.len() - 1
    }

    fn group(&self, k: usize) -> &[u32] {
        &self.order[self.starts[k]..self.starts[k + 1]]
    }

    fn doc_set(&self, k: usize) -> Vec<u32> {
        let mut doc_set: Vec<u32> =
            self.group(k).iter().map(|&m| self.members[m as usize].0).collect();
        doc_set.sort_unstable();
        doc_set.dedup();
        doc_set
    }

    fn cluster_of_passage(&self) -> Vec<u32> {
        let mut cluster_of_member = vec![NONE; self.members.len()];
        for k in 0..self.n_clusters() {
            for &m in self.group(k) {
                cluster_of_member[m as usize] = narrow(k);
            }
        }
        self.copy_member.iter().map(|&m| cluster_of_member[m as usize]).collect()
    }

    /// Cluster `k` as a value (no text).
    fn cluster(&self, docs: &Docs, oriented: &[Pass], k: usize) -> PassageCluster {
        let group = self.group(k);
        let rank: HashMap<u32, usize> =
            group.iter().enumerate().map(|(rank, &m)| (m, rank)).collect();
        let doc_set = self.doc_set(k);
        let mut outlets: Vec<u32> =
            doc_set.iter().map(|&d| docs.metas[d as usize].outlet).collect();
        outlets.sort_unstable();
        outlets.dedup();
        let dates: Vec<Timestamp> =
            doc_set.iter().filter_map(|&d| docs.metas[d as usize].date).collect();
        let members = group
            .iter()
            .map(|&m| {
                let (doc, start, end) = self.members[m as usize];
                let best = self.best[m as usize];
                let source = (best != NONE).then(|| &oriented[best as usize]);
                PassageMember {
                    id: docs.id(doc),
                    outlet: docs.outlet(doc),
                    date: docs.date(doc),
                    char_start: start as usize,
                    char_end: end as usize,
                    source: source
                        .and_then(|_| rank.get(&self.source_member[best as usize]).copied()),
                    kind: source.map(|o| o.kind),
                    similarity: source.map(|o| o.similarity),
                }
            })
            .collect();
        PassageCluster {
            cluster: k,
            n_members: group.len(),
            n_docs: doc_set.len(),
            n_outlets: outlets.len(),
            first_date: date_string(dates.iter().min().copied()),
            last_date: date_string(dates.iter().max().copied()),
            text: None,
            members,
        }
    }
}

/// [`super::passages::passage_clusters`] over compact passages.
fn passage_clusters(docs: &Docs, oriented: &[Pass], config: &ClusterConfig) -> Clusters {
    // (doc, start, end, passage, copy side)
    let mut spans: Vec<(u32, u32, u32, u32, bool)> = Vec::with_capacity(oriented.len() * 2);
    for (idx, o) in oriented.iter().enumerate() {
        spans.push((o.copy, o.copy_start, o.copy_end, narrow(idx), true));
        spans.push((o.source, o.source_start, o.source_end, narrow(idx), false));
    }
    spans.sort_unstable();
    let mut members: Vec<(u32, u32, u32)> = Vec::new();
    let mut copy_member = vec![0u32; oriented.len()];
    let mut source_member = vec![0u32; oriented.len()];
    for &(doc, span_start, span_end, passage, copy_side) in &spans {
        let joins = members.last().is_some_and(|&(d, start, end)| {
            let overlap = span_end.min(end).saturating_sub(span_start.max(start)) as usize;
            let shorter = ((span_end - span_start).min(end - start) as usize).max(1);
            d == doc && overlap as f64 >= config.span_overlap * shorter as f64
        });
        if joins {
            let last = members.last_mut().expect("joins only a member");
            last.2 = last.2.max(span_end);
        } else {
            members.push((doc, span_start, span_end));
        }
        let member = narrow(members.len() - 1);
        if copy_side {
            copy_member[passage as usize] = member;
        } else {
            source_member[passage as usize] = member;
        }
    }
    drop(spans);

    let mut uf = UnionFind::new(members.len());
    for idx in 0..oriented.len() {
        uf.union(copy_member[idx] as usize, source_member[idx] as usize);
    }
    let mut best: Vec<(u32, u32)> = vec![(NONE, 0); members.len()]; // (passage, length)
    for (idx, o) in oriented.iter().enumerate() {
        let member = copy_member[idx] as usize;
        let length = o.copy_end - o.copy_start;
        let (current, current_len) = best[member];
        let better = current == NONE
            || length > current_len
            || (length == current_len
                && docs.order_key(o.source) < docs.order_key(oriented[current as usize].source));
        if better {
            best[member] = (narrow(idx), length);
        }
    }
    let best: Vec<u32> = best.into_iter().map(|(p, _)| p).collect();

    let member_key = |m: u32| {
        let (doc, start, end) = members[m as usize];
        (docs.order_key(doc), start, end)
    };
    let roots: Vec<u32> = (0..members.len()).map(|m| narrow(uf.find(m))).collect();
    drop(uf);
    let (grouped, ranges) = groups_of(&roots, member_key);
    let mut order = Vec::with_capacity(grouped.len());
    let mut starts = Vec::with_capacity(ranges.len() + 1);
    starts.push(0);
    for (start, end) in ranges {
        order.extend_from_slice(&grouped[start..end]);
        starts.push(order.len());
    }
    Clusters { members, copy_member, source_member, best, order, starts }
}

/// (verdict, coverage, origins) of each document, as [`super::verdicts`] finds them.
fn verdicts(
    docs: &Docs,
    oriented: &[Pass],
    config: &ClusterConfig,
) -> Vec<(VerdictKind, f64, u32)> {
    let mut by_copy: Vec<u32> = (0..narrow(oriented.len())).collect();
    by_copy.sort_by_key(|&idx| oriented[idx as usize].copy);
    let mut next = 0;
    docs.metas
        .iter()
        .enumerate()
        .map(|(position, doc)| {
            let start = next;
            while next < by_copy.len() && oriented[by_copy[next] as usize].copy as usize == position
            {
                next += 1;
            }
            let spans = by_copy[start..next].iter().map(|&idx| {
                let p = &oriented[idx as usize];
                (p.copy_start as usize, p.copy_end as usize, p.source)
            });
            let (verdict, coverage, n_origins) = copy_verdict(spans, doc.n_content_chars, config);
            (verdict, coverage, narrow(n_origins))
        })
        .collect()
}

/// Document clusters, compact.
struct DocClusters {
    /// Strongest link of each document as a copy: (share, source, kind).
    best_source: Vec<Option<(f64, u32, LinkKind)>>,
    cluster_of: Vec<u32>,
    order: Vec<u32>,
    starts: Vec<usize>,
}

/// [`super::doc_clusters`] over compact links.
fn doc_clusters(docs: &Docs, links: &[Link]) -> DocClusters {
    let n = docs.metas.len();
    let mut uf = UnionFind::new(n);
    let mut best_source: Vec<Option<(f64, u32, LinkKind)>> = vec![None; n];
    for link in links.iter().filter(|l| l.kind.is_strong()) {
        uf.union(link.source as usize, link.copy as usize);
        let strength = link.copy_share.max(link.source_share);
        let copy = link.copy as usize;
        if best_source[copy].is_none_or(|(best, _, _)| strength > best) {
            best_source[copy] = Some((strength, link.source, link.kind));
        }
    }
    let roots: Vec<u32> = (0..n).map(|idx| narrow(uf.find(idx))).collect();
    drop(uf);
    let (grouped, ranges) = groups_of(&roots, |d| docs.order_key(d));
    let mut cluster_of = vec![NONE; n];
    let mut order = Vec::with_capacity(grouped.len());
    let mut starts = Vec::with_capacity(ranges.len() + 1);
    starts.push(0);
    for (number, (start, end)) in ranges.into_iter().enumerate() {
        for &d in &grouped[start..end] {
            cluster_of[d as usize] = narrow(number);
        }
        order.extend_from_slice(&grouped[start..end]);
        starts.push(order.len());
    }
    DocClusters { best_source, cluster_of, order, starts }
}

/// The groups of two or more items (an item's group is its `roots` entry, from a union-find):
/// their members sorted by group then by `key`, and the range of those each group takes, in
/// the order of the key of its first member (keys are distinct: every sort here is total).
fn groups_of<K: Ord>(roots: &[u32], key: impl Fn(u32) -> K) -> (Vec<u32>, Vec<(usize, usize)>) {
    let mut sizes = vec![0u32; roots.len()];
    for &root in roots {
        sizes[root as usize] += 1;
    }
    let mut grouped: Vec<u32> =
        (0..narrow(roots.len())).filter(|&m| sizes[roots[m as usize] as usize] > 1).collect();
    drop(sizes);
    grouped.sort_unstable_by_key(|&m| (roots[m as usize], key(m)));
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < grouped.len() {
        let root = roots[grouped[start] as usize];
        let mut end = start;
        while end < grouped.len() && roots[grouped[end] as usize] == root {
            end += 1;
        }
        ranges.push((start, end));
        start = end;
    }
    ranges.sort_by_key(|&(start, _)| key(grouped[start]));
    (grouped, ranges)
}

/// What [`ReuseBuilder::finish`] derives, each output made on demand.
pub struct ReuseOutput {
    docs: Docs,
    oriented: Vec<Pass>,
    links: Vec<Link>,
    verdicts: Vec<(VerdictKind, f64, u32)>,
    doc_clusters: DocClusters,
    passage_clusters: Clusters,
    boilerplate_passages: Vec<PassageCluster>,
    spins: Vec<Spin>,
}

impl ReuseOutput {
    /// Documents, in index order.
    pub fn n_documents(&self) -> usize {
        self.docs.metas.len()
    }

    /// The summary of the document at `position`.
    pub fn document(&self, position: usize) -> DocSummary {
        let meta = &self.docs.metas[position];
        let (verdict, coverage, n_origins) = self.verdicts[position];
        let cluster = self.doc_clusters.cluster_of[position];
        let position = narrow(position);
        DocSummary {
            id: self.docs.id(position),
            outlet: self.docs.outlet(position),
            date: self.docs.date(position),
            n_chars: meta.n_chars,
            n_content_chars: meta.n_content_chars,
            verdict,
            coverage,
            n_origins: n_origins as usize,
            cluster: (cluster != NONE).then_some(cluster as usize),
            n_boilerplate_sentences: meta.n_boilerplate_sentences,
        }
    }

    /// Document links.
    pub fn n_links(&self) -> usize {
        self.links.len()
    }

    /// Link `idx` (by source then copy index order).
    pub fn link(&self, idx: usize) -> DocLink {
        let link = &self.links[idx];
        let passages = &self.oriented[link.start..link.end];
        let (s, c) = (link.source, link.copy);
        let mut alterations: Vec<Alteration> = passages.iter().map(|p| p.kind).collect();
        alterations.sort_unstable();
        alterations.dedup();
        let lag_days = match (self.docs.metas[s as usize].date, self.docs.metas[c as usize].date) {
            (Some(a), Some(b)) => Some((b.0 - a.0) as f64 / SECONDS_PER_DAY),
            _ => None,
        };
        let mut link_passages: Vec<LinkPassage> = passages.iter().map(Pass::link_passage).collect();
        link_passages.sort_by_key(|p| (p.copy_char_start, p.copy_char_end));
        DocLink {
            source: self.docs.id(s),
            copy: self.docs.id(c),
            source_outlet: self.docs.outlet(s),
            copy_outlet: self.docs.outlet(c),
            source_date: self.docs.date(s),
            copy_date: self.docs.date(c),
            kind: link.kind,
            strong: link.kind.is_strong(),
            copy_share: link.copy_share,
            source_share: link.source_share,
            n_passages: passages.len(),
            n_chars: link.n_chars,
            lag_days,
            alterations,
            similarity: link.similarity,
            passages: link_passages,
        }
    }

    /// Document clusters.
    pub fn n_doc_clusters(&self) -> usize {
        self.doc_clusters.starts.len() - 1
    }

    /// Members of document cluster `k`.
    pub fn doc_cluster_size(&self, k: usize) -> usize {
        self.doc_clusters.starts[k + 1] - self.doc_clusters.starts[k]
    }

    /// Document cluster `k`.
    pub fn doc_cluster(&self, k: usize) -> DocCluster {
        let clusters = &self.doc_clusters;
        let members = &clusters.order[clusters.starts[k]..clusters.starts[k + 1]];
        let docs = &self.docs;
        let mut outlets: Vec<u32> =
            members.iter().map(|&m| docs.metas[m as usize].outlet).collect();
        outlets.sort_unstable();
        outlets.dedup();
        let dates: Vec<Timestamp> =
            members.iter().filter_map(|&m| docs.metas[m as usize].date).collect();
        DocCluster {
            cluster: k,
            origin: docs.id(members[0]),
            n_members: members.len(),
            n_outlets: outlets.len(),
            first_date: date_string(dates.iter().min().copied()),
            last_date: date_string(dates.iter().max().copied()),
            members: members
                .iter()
                .enumerate()
                .map(|(rank, &m)| {
                    let (relation, copied_from) = match clusters.best_source[m as usize] {
                        _ if rank == 0 => ("origin".to_owned(), None),
                        Some((_, source, kind)) => {
                            (link_kind_name(kind).to_owned(), Some(docs.id(source)))
                        }
                        None => ("source".to_owned(), None),
                    };
                    DocClusterMember {
                        id: docs.id(m),
                        outlet: docs.outlet(m),
                        date: docs.date(m),
                        relation,
                        copied_from,
                    }
                })
                .collect(),
        }
    }

    /// Passage clusters.
    pub fn n_passage_clusters(&self) -> usize {
        self.passage_clusters.n_clusters()
    }

    /// Passage cluster `k`, without its text.
    pub fn passage_cluster(&self, k: usize) -> PassageCluster {
        self.passage_clusters.cluster(&self.docs, &self.oriented, k)
    }

    /// Passage clusters found to be an outlet's boilerplate (without their text).
    pub fn boilerplate_passages(&self) -> &[PassageCluster] {
        &self.boilerplate_passages
    }

    /// The learned spin dictionary.
    pub fn spins(&self) -> &[Spin] {
        &self.spins
    }

    /// Everything as the values [`build`](super::build) returns.
    pub fn to_output(&self) -> ClusterOutput {
        ClusterOutput {
            documents: (0..self.n_documents()).map(|idx| self.document(idx)).collect(),
            links: (0..self.n_links()).map(|idx| self.link(idx)).collect(),
            doc_clusters: (0..self.n_doc_clusters()).map(|k| self.doc_cluster(k)).collect(),
            passage_clusters: (0..self.n_passage_clusters())
                .map(|k| self.passage_cluster(k))
                .collect(),
            boilerplate_passages: self.boilerplate_passages.clone(),
            spins: self.spins.clone(),
        }
    }
}

/// Both passes of [`ReuseBuilder`] over traces in memory: the same as [`build`](super::build).
pub fn build_streamed(docs: &[TracedDoc], config: &ClusterConfig) -> ReuseOutput {
    let mut builder = ReuseBuilder::new(config);
    for doc in docs {
        builder.add_doc(doc);
    }
    for doc in docs {
        builder.add_substitutions(doc);
    }
    builder.finish()
}

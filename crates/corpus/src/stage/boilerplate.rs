//! Stage 2, `boilerplate`: count every sentence hash over the shards, then judge.

use std::collections::HashMap;

use rayon::prelude::*;
use unspun_core::DocId;
use unspun_core::Document;
use unspun_core::cluster::boilerplate::{
    Boilerplate, BoilerplateScope, SentenceCount, judge_boilerplate, sentence_hashes,
};
use unspun_core::shingle::ShingleConfig;
use unspun_core::text::analyze;
use unspun_index::{FsStorage, Index, Result};

use crate::prints::SentenceRec;

use crate::files::*;
use crate::job::*;

/// Most sentences [`CommonSentences`] holds (16 bytes each, plus the map's overhead); a corpus
/// with more common sentences leaves the trace stage to ask the index (over a store of
/// documents only, which has no postings, the map has no cap).
const MAX_COMMON_SENTENCES: usize = 1 << 20;

/// The whole-sentence hashes held by at least `TraceConfig::common_sentence_docs` documents of
/// the run, with their number of documents: what the trace stage needs of a document without
/// partners (`unspun_core::cluster::unsourced_document` only asks whether a sentence is that
/// common), counted by the boilerplate stage's merge instead of looked up in every segment of
/// the index. Only for a run over every live document of the index, where the documents
/// holding a sentence hash are those the index's postings list (the index fingerprints each
/// sentence with the same `sentence_hash`).
pub(crate) type CommonSentences = HashMap<u64, u32>;

/// The boilerplate stage: count every sentence hash over the shards (a streaming merge), then
/// judge the frequent ones on the sentences of their sampled documents. Also returns the
/// [`CommonSentences`] (`None` past [`MAX_COMMON_SENTENCES`]).
pub(crate) fn boilerplate_stage(
    index: &Index,
    storage: &FsStorage,
    n_shards: usize,
    job: &ClusterJob,
) -> Result<(Vec<BoilerplateLine>, Option<CommonSentences>)> {
    let config = &job.boilerplate;
    let shingle = &job.trace.shingle;
    let mut merged = merge_shards::<SentenceRec>(storage, n_shards, sentences_file)?;
    let mut frequent: Vec<SentenceCount> = Vec::new();
    let mut current: Option<SentenceCount> = None;
    // Each document's sentence hashes are distinct: a hash's records are its documents.
    let mut common = Some(CommonSentences::new());
    let mut n_docs = 0u32;
    let mut close = |count: SentenceCount, n_docs: u32, frequent: &mut Vec<SentenceCount>| {
        if n_docs >= job.trace.common_sentence_docs
            && let Some(map) = &mut common
        {
            map.insert(count.hash, n_docs);
            // A store of documents only has no postings to ask instead: no cap.
            if map.len() > MAX_COMMON_SENTENCES && !index.config().documents_only {
                common = None;
            }
        }
        if count.is_frequent(config) {
            frequent.push(count);
        }
    };
    while let Some(rec) = merged.next_record()? {
        if current.as_ref().is_some_and(|c| c.hash != rec.hash) {
            close(current.take().unwrap_or_default(), n_docs, &mut frequent);
            n_docs = 0;
        }
        current
            .get_or_insert_with(|| SentenceCount::new(rec.hash))
            .add(rec.doc, rec.outlet, config);
        n_docs = n_docs.saturating_add(1);
    }
    if let Some(count) = current.take() {
        close(count, n_docs, &mut frequent);
    }
    // The sentences of every sampled document, from the stored text.
    let mut sampled: Vec<u32> = frequent.iter().flat_map(|c| c.sample.iter().copied()).collect();
    sampled.sort_unstable();
    sampled.dedup();
    let hashes: Vec<Vec<u64>> = sampled
        .par_iter()
        .map(|&doc| {
            let text = index.document(DocId(doc))?.map(|d| d.text).unwrap_or_default();
            Ok(sentence_hashes(&text, shingle).into_iter().map(|(h, _)| h).collect())
        })
        .collect::<Result<_>>()?;
    let lookup = |doc: u32| sampled.binary_search(&doc).ok().map(|i| hashes[i].as_slice());
    let found = judge_boilerplate(&frequent, &lookup, config);
    let mut lines = Vec::with_capacity(found.len());
    for b in &found {
        let document = index.document(DocId(b.first_doc as u32))?.unwrap_or_default();
        lines.push(boilerplate_line(b, document, shingle));
    }
    sort_boilerplate_lines(&mut lines);
    Ok((lines, common))
}

/// The output line of one boilerplate sentence found by the judge, with its text taken from
/// `document` (the sentence's first document, `b.first_doc`). A pure function, so that every
/// driver (the local one, the Spark one) writes the same bytes.
pub fn boilerplate_line(
    b: &Boilerplate,
    document: Document,
    shingle: &ShingleConfig,
) -> BoilerplateLine {
    let analyzed = analyze(&document.text);
    let text = (0..analyzed.sentences.len())
        .find(|&idx| unspun_core::shingle::sentence_hash(&analyzed, idx, shingle) == Some(b.hash))
        .map(|idx| {
            let s = analyzed.sentences[idx];
            document.text[s.byte_start..s.byte_end].chars().take(EXCERPT_CHARS).collect()
        })
        .unwrap_or_default();
    BoilerplateLine {
        hash: format!("{:016x}", b.hash),
        n_docs: b.n_docs,
        n_outlets: b.n_outlets,
        scope: b.scope,
        outlet: (b.scope == BoilerplateScope::Outlet).then(|| document.source.clone()).flatten(),
        related_share: b.related_share,
        example_id: document.id,
        text,
    }
}

/// The order of `boilerplate.jsonl`: most widespread first, then by hash.
pub fn sort_boilerplate_lines(lines: &mut [BoilerplateLine]) {
    lines.sort_by(|a, b| b.n_docs.cmp(&a.n_docs).then_with(|| a.hash.cmp(&b.hash)));
}

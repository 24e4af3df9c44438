//! Stage 2, `boilerplate`: count every sentence hash over the shards, then judge.

use rayon::prelude::*;
use unspun_core::DocId;
use unspun_core::cluster::boilerplate::{
    BoilerplateScope, SentenceCount, judge_boilerplate, sentence_hashes,
};
use unspun_core::text::analyze;
use unspun_index::{FsStorage, Index, Result};

use crate::prints::SentenceRec;

use crate::files::*;
use crate::job::*;

/// The boilerplate stage: count every sentence hash over the shards (a streaming merge), then
/// judge the frequent ones on the sentences of their sampled documents.
pub(crate) fn boilerplate_stage(
    index: &Index,
    storage: &FsStorage,
    n_shards: usize,
    job: &ClusterJob,
) -> Result<Vec<BoilerplateLine>> {
    let config = &job.boilerplate;
    let shingle = &job.trace.shingle;
    let mut merged = merge_shards::<SentenceRec>(storage, n_shards, sentences_file)?;
    let mut frequent: Vec<SentenceCount> = Vec::new();
    let mut current: Option<SentenceCount> = None;
    while let Some(rec) = merged.next_record()? {
        if current.as_ref().is_some_and(|c| c.hash != rec.hash) {
            let count = current.take().unwrap_or_default();
            if count.is_frequent(config) {
                frequent.push(count);
            }
        }
        current
            .get_or_insert_with(|| SentenceCount::new(rec.hash))
            .add(rec.doc, rec.outlet, config);
    }
    if let Some(count) = current.take().filter(|c| c.is_frequent(config)) {
        frequent.push(count);
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
    for b in found {
        let document = index.document(DocId(b.first_doc as u32))?.unwrap_or_default();
        let analyzed = analyze(&document.text);
        let text = (0..analyzed.sentences.len())
            .find(|&idx| {
                unspun_core::shingle::sentence_hash(&analyzed, idx, shingle) == Some(b.hash)
            })
            .map(|idx| {
                let s = analyzed.sentences[idx];
                document.text[s.byte_start..s.byte_end].chars().take(EXCERPT_CHARS).collect()
            })
            .unwrap_or_default();
        lines.push(BoilerplateLine {
            hash: format!("{:016x}", b.hash),
            n_docs: b.n_docs,
            n_outlets: b.n_outlets,
            scope: b.scope,
            outlet: (b.scope == BoilerplateScope::Outlet)
                .then(|| document.source.clone())
                .flatten(),
            related_share: b.related_share,
            example_id: document.id,
            text,
        });
    }
    // Most widespread first.
    lines.sort_by(|a, b| b.n_docs.cmp(&a.n_docs).then_with(|| a.hash.cmp(&b.hash)));
    Ok(lines)
}

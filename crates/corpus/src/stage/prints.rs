//! Stage 1, `prints`: each shard's fingerprints and sentence hashes as sorted runs, and its
//! documents' own fingerprints and unsourced profiles document by document (for the trace
//! stage, [`DocPrints`] and [`Profiles`]), all from one analysis of each document.
//!
//! [`DocPrints`]: crate::docprints::DocPrints
//! [`Profiles`]: crate::profiles::Profiles

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use unspun_core::DocId;
use unspun_core::cluster::UnsourcedProfile;
use unspun_index::{FsStorage, Index, Result, Storage};

use crate::docprints::{docprints_file, write_docprints};
use crate::prints::{PrintRec, SentenceRec, document_prints_and_profile};
use crate::profiles::{profiles_file, write_profiles};
use crate::spill::{sort_by_hash, write_records};

use crate::files::*;
use crate::job::*;

type PrintsOf = Vec<PrintRec>;
type SentencesOf = Vec<SentenceRec>;
type ProfileOf = Option<UnsourcedProfile>;

/// The prints stage: one sorted run of fingerprints and one of sentence hashes per shard, and
/// the shard's documents' own fingerprints.
/// Returns the number of shards an earlier run had done.
pub(crate) fn prints_stage(
    index: &Index,
    storage: &FsStorage,
    shards: &[&[DocId]],
    job: &ClusterJob,
    progress: &(dyn Fn(&ClusterEvent) + Sync),
) -> Result<usize> {
    let mut pending = Vec::new();
    for (shard, docs) in shards.iter().enumerate() {
        if !storage.exists(&prints_file(shard))?
            || !storage.exists(&sentences_file(shard))?
            || !storage.exists(&docprints_file(shard))?
            || !storage.exists(&profiles_file(shard))?
        {
            pending.push((shard, *docs));
        }
    }
    let n_docs: usize = shards.iter().map(|s| s.len()).sum();
    let n_pending: usize = pending.iter().map(|(_, d)| d.len()).sum();
    let done_before = (n_docs - n_pending) as u64;
    progress(&ClusterEvent::Started {
        stage: Stage::Prints,
        total: n_docs as u64,
        done: done_before,
    });
    let counter = AtomicU64::new(done_before);
    let shingle = &job.trace.shingle;
    let max_sentence_tokens = job.trace.limits.max_sentence_tokens;
    pending.par_iter().try_for_each(|(shard, docs)| -> Result<()> {
        let mut prints: Vec<PrintRec> = Vec::new();
        let mut sentences: Vec<SentenceRec> = Vec::new();
        // The documents of a shard on both cores too: a corpus of a few shards keeps both busy.
        let analysed: Vec<Option<(u32, PrintsOf, SentencesOf, ProfileOf)>> = docs
            .par_iter()
            .map(|&doc_id| {
                let Some(doc) = index.document(doc_id)? else { return Ok(None) };
                let (p, s, profile) =
                    document_prints_and_profile(doc_id, &doc, shingle, max_sentence_tokens);
                let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of(256) {
                    progress(&ClusterEvent::Advanced { stage: Stage::Prints, done });
                }
                Ok(Some((doc_id.0, p, s, profile)))
            })
            .collect::<Result<_>>()?;
        let mut own: Vec<(u32, Vec<u64>)> = Vec::with_capacity(docs.len());
        let mut profiles: Vec<(u32, ProfileOf)> = Vec::with_capacity(docs.len());
        // Sized at once: a vector grown by doubling copies itself into fresh pages each time.
        let analysed: Vec<_> = analysed.into_iter().flatten().collect();
        prints.reserve_exact(analysed.iter().map(|(_, p, _, _)| p.len()).sum());
        sentences.reserve_exact(analysed.iter().map(|(_, _, s, _)| s.len()).sum());
        for (doc, p, s, profile) in analysed {
            own.push((doc, p.iter().map(|rec| rec.fingerprint).collect()));
            profiles.push((doc, profile));
            prints.extend(p);
            sentences.extend(s);
        }
        sort_by_hash(&mut prints, |rec| rec.fingerprint);
        sort_by_hash(&mut sentences, |rec| rec.hash);
        // A shard counts as done when its four files exist; the prints run is written last.
        write_docprints(storage, &docprints_file(*shard), &own)?;
        drop(own);
        write_profiles(storage, &profiles_file(*shard), &profiles)?;
        drop(profiles);
        write_records(&storage.path_of(&sentences_file(*shard)), &sentences)?;
        write_records(&storage.path_of(&prints_file(*shard)), &prints)
    })?;
    progress(&ClusterEvent::Advanced { stage: Stage::Prints, done: n_docs as u64 });
    Ok(shards.len() - pending.len())
}

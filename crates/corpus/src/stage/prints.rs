//! Stage 1, `prints`: each shard's fingerprints and sentence hashes as sorted runs.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use unspun_core::DocId;
use unspun_index::{FsStorage, Index, Result, Storage};

use crate::prints::{PrintRec, SentenceRec, document_prints};
use crate::spill::write_records;

use crate::files::*;
use crate::job::*;

/// The prints stage: one sorted run of fingerprints and one of sentence hashes per shard.
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
        if !storage.exists(&prints_file(shard))? || !storage.exists(&sentences_file(shard))? {
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
    pending.par_iter().try_for_each(|(shard, docs)| -> Result<()> {
        let mut prints: Vec<PrintRec> = Vec::new();
        let mut sentences: Vec<SentenceRec> = Vec::new();
        for &doc_id in *docs {
            let Some(doc) = index.document(doc_id)? else { continue };
            let (p, s) = document_prints(doc_id, &doc, shingle);
            prints.extend(p);
            sentences.extend(s);
            let done = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if done.is_multiple_of(256) {
                progress(&ClusterEvent::Advanced { stage: Stage::Prints, done });
            }
        }
        prints.sort_unstable();
        sentences.sort_unstable();
        // A shard counts as done when both its files exist.
        write_records(&storage.path_of(&sentences_file(*shard)), &sentences)?;
        write_records(&storage.path_of(&prints_file(*shard)), &prints)
    })?;
    progress(&ClusterEvent::Advanced { stage: Stage::Prints, done: n_docs as u64 });
    Ok(shards.len() - pending.len())
}

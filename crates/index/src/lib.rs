//! unspun-index: the on-disk index of unspun. It owns every byte on disk.
//!
//! An index is a directory of immutable files: segments (a document store and a postings table
//! each), an optional tombstone file, and a MANIFEST naming the committed ones. Writers add
//! segments and swap the MANIFEST atomically, so a crash never loses committed data.
//!
//! Main types:
//! - [`IndexWriter`]: the single writer (exclusive lock); buffers, flushes segments, commits,
//!   and merges small segments ([`MergePolicy`]).
//! - [`Index`]: a read-only, `Send + Sync` view of the last commit: postings by fingerprint,
//!   documents by [`DocId`](unspun_core::DocId), ids, statistics.
//! - [`Storage`]: where bytes live ([`FsStorage`] on a directory, [`MemStorage`] in memory,
//!   [`FailingStorage`] for crash tests).
//!
//! The byte layout is in docs/index-format.md.
//!
//! ```
//! use unspun_core::{DocId, Document};
//! use unspun_index::{AddOutcome, Index, IndexWriter, WriterConfig};
//!
//! # fn main() -> unspun_index::Result<()> {
//! let dir = tempfile::tempdir().expect("temp dir");
//! let mut writer = IndexWriter::open_or_create(dir.path(), WriterConfig::default())?;
//! let doc = Document { id: "a1".into(), text: "Rain in Spain.".into(), ..Document::default() };
//! // The writer fingerprints the text with the index's own scheme.
//! let fingerprints = writer.fingerprinter().fingerprints(&doc.text);
//! assert_eq!(writer.add(doc, false)?, AddOutcome::Added(DocId(0)));
//! writer.commit()?;
//! drop(writer);
//!
//! let index = Index::open(dir.path())?;
//! let mut docs = Vec::new();
//! index.postings(fingerprints[0], &mut docs);
//! assert_eq!(docs, [DocId(0)]);
//! assert_eq!(index.doc_id("a1"), Some(DocId(0)));
//! assert_eq!(index.document(DocId(0))?.map(|d| d.text), Some("Rain in Spain.".to_string()));
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod error;
mod fingerprint;
mod format;
pub mod ingest;
mod manifest;
mod merge;
mod reader;
mod retrieve;
mod segment;
pub mod semantic;
mod storage;
pub mod thesaurus;
pub mod verify;
mod writer;

pub use error::{Error, Result};
pub use fingerprint::Fingerprinter;
pub use format::{MAGIC_DOCS, MAGIC_MANIFEST, MAGIC_POSTINGS, MAGIC_TOMBSTONES};
pub use manifest::{IndexConfig, MANIFEST_FILE, WINNOW_ENV, winnow_from_env};
pub use merge::{MergeInfo, MergePolicy};
pub use reader::{Index, IndexStats, N_TOP_OUTLETS, OutletCount};
pub use storage::{
    FailingStorage, FileBytes, FsStorage, LOCK_FILE, MemStorage, Storage, StorageFile, StorageLock,
    TMP_SUFFIX,
};
pub use writer::{AddOutcome, CommitInfo, IndexWriter, WriterConfig, remove_documents_store};

/// The on-disk format version this build writes (and the newest it reads). See
/// docs/index-format.md: v2 adds the canonical-forms and anchors options to the MANIFEST's
/// config, which a v1 reader would ignore and query wrongly; v3 stores documents in zstd
/// blocks and postings bit-packed.
pub use format::FORMAT_VERSION;

/// The oldest format version this build reads (v1 indexes are read as they are: their
/// config has neither option, so they are queried with the fingerprints they hold).
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// `records` sorted, when their order starts with `key`, a uniform 64-bit hash: one pass
/// distributes them into buckets by the key's top bits (about `per_bucket` records a bucket,
/// at most 2^`max_bits` buckets), then the buckets are sorted on their own, on every core. The
/// same order as `sort_unstable` (equal records are indistinguishable); about a third of its
/// CPU on tens of millions of records, for a copy of them.
pub fn sort_by_top_bits<R: Copy + Ord + Send>(
    records: &[R],
    key: impl Fn(&R) -> u64,
    per_bucket: usize,
    max_bits: u32,
) -> Vec<R> {
    use rayon::prelude::*;
    let n = records.len();
    if n < 1 << 12 {
        let mut sorted = records.to_vec();
        sorted.sort_unstable();
        return sorted;
    }
    let bits = (usize::BITS - (n / per_bucket.max(1)).leading_zeros()).clamp(1, max_bits.max(1));
    let shift = 64 - bits;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for record in records {
        starts[(key(record) >> shift) as usize + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut next = starts.clone();
    let mut out = vec![records[0]; n];
    for record in records {
        let slot = &mut next[(key(record) >> shift) as usize];
        out[*slot] = *record;
        *slot += 1;
    }
    let mut buckets: Vec<&mut [R]> = Vec::with_capacity(starts.len() - 1);
    let mut rest: &mut [R] = &mut out;
    for pair in starts.windows(2) {
        let (bucket, tail) = std::mem::take(&mut rest).split_at_mut(pair[1] - pair[0]);
        buckets.push(bucket);
        rest = tail;
    }
    buckets.par_iter_mut().with_min_len(256).for_each(|bucket| bucket.sort_unstable());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn sort_by_top_bits_sorts_as_sort_unstable() {
        // Uniform tops, a skewed run of one key (many documents of one fingerprint, many
        // records of one hash), duplicates, and sizes on both sides of the small-input cut; with
        // the index writer's and the prints stage's bucket sizes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [0usize, 1, 5, 4095, 4096, 10_000, 100_003] {
            let mut postings: Vec<u64> = (0..n).map(|_| next()).collect();
            postings.extend((0..n / 10).map(|doc| (0xabcd_u64 << 40) | (doc as u64 % 977)));
            let mut want = postings.clone();
            want.sort_unstable();
            for (per_bucket, max_bits) in [(1024, 10), (64, 16)] {
                assert_eq!(sort_by_top_bits(&postings, |&p| p, per_bucket, max_bits), want, "{n}");
            }
            let records: Vec<(u64, u32)> =
                (0..n as u32).map(|i| (if i % 7 == 3 { 42 } else { next() }, i)).collect();
            let mut want = records.clone();
            want.sort_unstable();
            assert_eq!(sort_by_top_bits(&records, |r| r.0, 64, 16), want, "{n} records");
        }
    }

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<Index>();
        assert_send_sync::<IndexWriter>();
    }
}

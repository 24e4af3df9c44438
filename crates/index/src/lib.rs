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

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn index_is_send_and_sync() {
        assert_send_sync::<Index>();
        assert_send_sync::<IndexWriter>();
    }
}

//! [`IndexWriter`]: buffers documents and commits them as immutable segments.
//!
//! Commit protocol (see docs/index-format.md): write the new segment files and, if deletions
//! changed, a new tombstone file, each atomically under a fresh name; then atomically replace
//! MANIFEST; then remove files the new MANIFEST no longer names. A crash before the MANIFEST
//! rename leaves the previous generation intact (plus garbage that the next writer removes);
//! a crash after it leaves the new generation intact.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use unspun_core::{DocId, Document};

use crate::error::{Error, Result};
use crate::fingerprint::Fingerprinter;
use crate::format::count_u32;
use crate::manifest::{
    FileMeta, IndexConfig, MANIFEST_FILE, Manifest, SegmentMeta, TombstoneMeta, docs_file_name,
    postings_file_name, tombstone_file_name, write_tombstones,
};
use crate::reader::Snapshot;
use crate::segment::{
    MAX_SEGMENT_DOCS, PACKED64_MAX_DOCS, pack_posting64, write_docs, write_postings,
};
use crate::semantic::SEMANTIC_FILE;
use crate::storage::{FsStorage, LOCK_FILE, Storage, StorageLock, TMP_SUFFIX};

/// Most postings an [`IndexWriter`] reserves room for at once (256 MiB).
const MAX_RESERVED_POSTINGS: usize = 1 << 24;

/// Knobs of an [`IndexWriter`].
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Flush a segment (and commit) once this many documents are buffered (at most 2^24, the
    /// documents a 64-bit buffered posting can number).
    pub segment_max_docs: usize,
    /// Flush a segment (and commit) once the buffered text and postings reach about this many
    /// bytes. Peak memory of a writer is roughly this plus the id map.
    pub segment_max_bytes: usize,
    /// Configuration of a new index. Ignored when the index exists: its stored one wins.
    pub index: IndexConfig,
    /// Compress each new segment's documents with a zstd dictionary trained on its first
    /// records (format v4). Off by default: on AllSides it stores the documents in 0.395 of
    /// the body text instead of 0.457 (the whole index 0.78× instead of 0.84×), but a
    /// dictionary's matches decompress more slowly, and traces took about 4.5 % more CPU.
    pub docs_dictionary: bool,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            segment_max_docs: 50_000,
            segment_max_bytes: 256 << 20,
            index: IndexConfig::default(),
            docs_dictionary: false,
        }
    }
}

/// What [`IndexWriter::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// The document is new and got this DocId.
    Added(DocId),
    /// A live document with the same id exists (this DocId); nothing was added.
    Duplicate(DocId),
    /// The live document `old` with the same id was deleted and the new one added as `new`.
    Replaced {
        /// The DocId of the deleted document.
        old: DocId,
        /// The DocId of the added document.
        new: DocId,
    },
}

/// What a commit left on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitInfo {
    /// The generation now in the MANIFEST.
    pub generation: u64,
    /// Live documents after the commit.
    pub n_docs: u64,
    /// Segments after the commit.
    pub n_segments: u64,
    /// Documents written by this commit (0 if the buffer was empty).
    pub n_docs_flushed: u64,
    /// Deleted documents recorded after the commit.
    pub n_deleted: u64,
}

/// The only writer of an index: holds its exclusive lock until dropped.
///
/// Documents are buffered in memory; [`IndexWriter::commit`] makes them durable. The buffer is
/// also committed automatically when it exceeds [`WriterConfig`]'s limits, so an interrupted
/// long ingest keeps every segment flushed so far. Dropping the writer discards the buffer.
pub struct IndexWriter {
    pub(crate) storage: Arc<dyn Storage>,
    _lock: StorageLock,
    segment_max_docs: usize,
    segment_max_bytes: usize,
    /// [`WriterConfig::docs_dictionary`].
    pub(crate) docs_dictionary: bool,
    /// The last committed state.
    pub(crate) manifest: Manifest,
    /// Live documents by corpus id, committed and buffered.
    ids: HashMap<String, DocId>,
    /// Every deleted DocId, committed and pending.
    pub(crate) deleted: BTreeSet<DocId>,
    /// Whether `deleted` changed since the last commit.
    tombstones_dirty: bool,
    /// Buffered documents; the first gets DocId `manifest.next_doc_id`.
    buffer_docs: Vec<Document>,
    /// Buffered postings, [`pack_posting64`] with local document numbers (a buffer is
    /// committed before it holds [`PACKED64_MAX_DOCS`] documents).
    buffer_postings: Vec<u64>,
    /// Approximate bytes held by the buffer.
    buffer_bytes: usize,
}

impl std::fmt::Debug for IndexWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter")
            .field("storage", &self.storage)
            .field("generation", &self.manifest.generation)
            .field("n_buffered", &self.buffer_docs.len())
            .finish_non_exhaustive()
    }
}

/// Whether `name` has the exact shape of a segment or tombstone file the writer names
/// (`seg-` or `del-`, ten digits, then `.docs`, `.post` or `.tomb`).
fn is_data_file(name: &str) -> bool {
    let numbered = |rest: &str, ext: &str| {
        rest.strip_suffix(ext)
            .is_some_and(|digits| digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
    };
    name.strip_prefix("seg-").is_some_and(|rest| numbered(rest, ".docs") || numbered(rest, ".post"))
        || name.strip_prefix("del-").is_some_and(|rest| numbered(rest, ".tomb"))
}

/// Whether `name` is a file an unspun writer creates: a segment or tombstone file, or the
/// temporary file of one of those, of MANIFEST or of SEMANTIC. Only such files are ever
/// removed, and only inside a directory that holds a MANIFEST.
pub(crate) fn is_index_file(name: &str) -> bool {
    match name.strip_suffix(TMP_SUFFIX) {
        Some(base) => base == MANIFEST_FILE || base == SEMANTIC_FILE || is_data_file(base),
        None => is_data_file(name),
    }
}

/// Removes the store of documents only in `dir` ([`IndexConfig::documents_only`]) that a
/// run made: only the files an unspun writer names (MANIFEST, LOCK, segment and tombstone
/// files and their temporaries), then the directory. An index with postings in `dir`, or any
/// other file, is refused, naming it, and nothing is removed.
pub fn remove_documents_store(dir: &Path) -> Result<()> {
    let storage = FsStorage::new(dir);
    if !dir.exists() {
        return Ok(());
    }
    if let Ok(index) = crate::Index::open_documents(dir)
        && !index.config().documents_only
    {
        return Err(Error::Refused {
            path: dir.to_path_buf(),
            reason: "holds an index with postings, not a run's store of documents; nothing was \
                     removed"
                .to_owned(),
        });
    }
    let names = storage.list()?;
    let manifest_tmp = format!("{MANIFEST_FILE}{TMP_SUFFIX}");
    let ours = |name: &str| {
        name == MANIFEST_FILE || name == LOCK_FILE || name == manifest_tmp || is_index_file(name)
    };
    if let Some(foreign) = names.iter().find(|name| !ours(name)) {
        return Err(Error::Refused {
            path: dir.to_path_buf(),
            reason: format!(
                "holds {foreign}, which no unspun writer makes: remove it yourself (nothing was \
                 removed)"
            ),
        });
    }
    for name in names.iter().filter(|name| name.as_str() != MANIFEST_FILE) {
        storage.remove(name)?;
    }
    // The MANIFEST last: until it goes, what is left is still recognisably a store.
    if names.iter().any(|name| name == MANIFEST_FILE) {
        storage.remove(MANIFEST_FILE)?;
    }
    std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))
}

/// Checks that a storage without a MANIFEST may become a new index: it must be empty but for
/// the lock file and a MANIFEST temporary left by a writer that died while creating the index.
/// A folder holding index files but no MANIFEST is a damaged index, and any other file means
/// the folder is not an index: both are refused, and nothing in them is touched.
fn check_new_index_dir(storage: &dyn Storage) -> Result<()> {
    let manifest_tmp = format!("{MANIFEST_FILE}{TMP_SUFFIX}");
    let mut names: Vec<String> = storage
        .list()?
        .into_iter()
        .filter(|name| name != LOCK_FILE && *name != manifest_tmp)
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let n_names = names.len();
    let shown = names.iter().take(3).map(String::as_str).collect::<Vec<_>>().join(", ");
    let more = if n_names > 3 { format!(" and {} more", n_names - 3) } else { String::new() };
    let reason = if names.iter().any(|name| is_index_file(name) || name == SEMANTIC_FILE) {
        format!(
            "holds index files ({shown}{more}) but no MANIFEST: the index is damaged; nothing \
             was changed (`unspun verify --index DIR` reports what is recoverable)"
        )
    } else {
        format!(
            "is not empty and holds no unspun index ({shown}{more}): give a new or empty \
             directory, or the directory of an existing index; nothing was changed"
        )
    };
    Err(Error::Refused { path: storage.path_of(""), reason })
}

impl IndexWriter {
    /// Opens the index in `dir` for writing, creating the directory and an empty index if
    /// needed. Fails with [`Error::Locked`] if another writer has it open. Removes files left
    /// behind by a writer that crashed.
    pub fn open_or_create(dir: &Path, config: WriterConfig) -> Result<IndexWriter> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        IndexWriter::with_storage(Arc::new(FsStorage::new(dir)), config)
    }

    /// Opens the index in `storage` for writing, creating an empty one if needed.
    pub fn with_storage(storage: Arc<dyn Storage>, config: WriterConfig) -> Result<IndexWriter> {
        // Checked before the lock is taken, so a refused folder is left without a LOCK file,
        // and again under the lock, since another writer may have created the index meanwhile.
        if !storage.exists(MANIFEST_FILE)? {
            check_new_index_dir(&*storage)?;
        }
        let lock = storage.lock()?;
        if !storage.exists(MANIFEST_FILE)? {
            check_new_index_dir(&*storage)?;
            remove_garbage(&*storage, &[])?;
            let manifest = Manifest::empty(config.index.clone());
            storage.write_atomic(MANIFEST_FILE, &mut |out| manifest.write(out))?;
        }
        let Snapshot { manifest, segments: _, deleted, ids } =
            Snapshot::load(&*storage, crate::reader::EAGER_VERIFY_BYTES)?;
        // A store of documents only is written only as one, and an index never as a store:
        // checked before anything is changed.
        match (manifest.config.documents_only, config.index.documents_only) {
            (true, false) => return Err(Error::DocumentsOnly { path: storage.path_of("") }),
            (false, true) => {
                return Err(Error::Refused {
                    path: storage.path_of(""),
                    reason: "holds an index with postings, not a store of documents only; \
                             nothing was changed"
                        .to_owned(),
                });
            }
            _ => {}
        }
        remove_garbage(&*storage, &manifest.file_names())?;
        Ok(IndexWriter {
            storage,
            _lock: lock,
            segment_max_docs: config
                .segment_max_docs
                .clamp(1, MAX_SEGMENT_DOCS.min(PACKED64_MAX_DOCS)),
            segment_max_bytes: config.segment_max_bytes.max(1),
            docs_dictionary: config.docs_dictionary,
            manifest,
            ids,
            deleted: deleted.into_iter().collect(),
            tombstones_dirty: false,
            buffer_docs: Vec::new(),
            buffer_postings: Vec::new(),
            buffer_bytes: 0,
        })
    }

    /// The index's stored configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.manifest.config
    }

    /// The last committed generation.
    pub fn generation(&self) -> u64 {
        self.manifest.generation
    }

    /// Whether a live document (committed or buffered) has corpus id `id`.
    pub fn contains_id(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    /// Live documents, committed and buffered.
    pub fn n_docs(&self) -> u64 {
        self.ids.len() as u64
    }

    /// The index's fingerprint scheme, for callers that fingerprint documents themselves (the
    /// ingest pipeline does it on the rayon pool) before [`IndexWriter::add_with_fingerprints`].
    pub fn fingerprinter(&self) -> Fingerprinter {
        Fingerprinter::new(&self.manifest.config)
    }

    /// Buffers `doc`, fingerprinted with the index's stored scheme.
    ///
    /// If a live document has the same id, returns [`AddOutcome::Duplicate`] without adding,
    /// or with `replace` deletes it and returns [`AddOutcome::Replaced`]. When the buffer
    /// exceeds the configured limits it is committed; an error then comes from that commit and
    /// the document stays buffered.
    pub fn add(&mut self, doc: Document, replace: bool) -> Result<AddOutcome> {
        let fingerprints = if self.manifest.config.documents_only {
            Vec::new()
        } else {
            self.fingerprinter().fingerprints(&doc.text)
        };
        self.add_with_fingerprints(doc, &fingerprints, replace)
    }

    /// [`IndexWriter::add`] with `fingerprints` computed by the caller (any order, duplicates
    /// allowed). They must come from [`IndexWriter::fingerprinter`], or traces will not find
    /// the document. A store of documents only ([`IndexConfig::documents_only`]) ignores them.
    pub fn add_with_fingerprints(
        &mut self,
        doc: Document,
        fingerprints: &[u64],
        replace: bool,
    ) -> Result<AddOutcome> {
        let existing = self.ids.get(&doc.id).copied();
        if let (Some(existing), false) = (existing, replace) {
            return Ok(AddOutcome::Duplicate(existing));
        }
        check_lengths(&doc)?;
        let buffer_base = self.manifest.next_doc_id;
        let doc_idx = count_u32(self.buffer_docs.len(), "segment")?;
        if self.buffer_docs.len() >= PACKED64_MAX_DOCS {
            // Only after failed commits (the buffer commits at `segment_max_docs` ≤ 2^24): a
            // 64-bit posting cannot number this document.
            return Err(Error::TooLarge {
                what: "segment".into(),
                reason: format!(
                    "{} documents buffered, at most {PACKED64_MAX_DOCS}: commit first",
                    self.buffer_docs.len()
                ),
            });
        }
        let new =
            buffer_base.checked_add(doc_idx).filter(|&id| id < u32::MAX).ok_or_else(|| {
                Error::TooLarge {
                    what: "index".into(),
                    reason: "all 2^32 - 1 DocIds are used".into(),
                }
            })?;
        let new = DocId(new);
        if let Some(old) = existing {
            self.deleted.insert(old);
            self.tombstones_dirty = true;
        }
        if self.buffer_postings.capacity() == 0 {
            // A segment's postings fit in its byte budget (counted at 16 bytes each): reserved
            // at once, so the buffer never grows by copying, and its pages are touched only as
            // filled.
            let most = self.segment_max_bytes / size_of::<u128>();
            self.buffer_postings.reserve(most.min(MAX_RESERVED_POSTINGS));
        }
        let kept = if self.manifest.config.documents_only { &[][..] } else { fingerprints };
        let mut hashes = kept.to_vec();
        hashes.sort_unstable();
        hashes.dedup();
        self.buffer_postings.extend(hashes.iter().map(|&hash| pack_posting64(hash, doc_idx)));
        self.buffer_bytes += 64
            + doc.id.len() * 2
            + doc.text.len()
            + doc.title.as_ref().map_or(0, String::len)
            + doc.source.as_ref().map_or(0, String::len)
            + doc.url.as_ref().map_or(0, String::len)
            + hashes.len() * size_of::<u128>();
        self.ids.insert(doc.id.clone(), new);
        self.buffer_docs.push(doc);
        if self.buffer_docs.len() >= self.segment_max_docs
            || self.buffer_bytes >= self.segment_max_bytes
        {
            self.commit()?;
        }
        Ok(match existing {
            None => AddOutcome::Added(new),
            Some(old) => AddOutcome::Replaced { old, new },
        })
    }

    /// Deletes the live document with corpus id `id` (committed or buffered). Returns whether
    /// there was one. Takes effect for readers at the next commit.
    pub fn delete(&mut self, id: &str) -> Result<bool> {
        let Some(doc) = self.ids.remove(id) else { return Ok(false) };
        self.deleted.insert(doc);
        self.tombstones_dirty = true;
        Ok(true)
    }

    /// Makes everything buffered durable: writes a segment and tombstones, then swaps the
    /// MANIFEST atomically. Does nothing if nothing changed. On error the previous generation
    /// stays committed and the buffer is kept, so the commit can be retried.
    pub fn commit(&mut self) -> Result<CommitInfo> {
        let n_docs_flushed = self.buffer_docs.len() as u64;
        if n_docs_flushed == 0 && !self.tombstones_dirty {
            return Ok(self.info(0));
        }
        let mut manifest = self.manifest.clone();
        manifest.generation += 1;
        if !self.buffer_docs.is_empty() {
            let n_docs = count_u32(self.buffer_docs.len(), "segment")?;
            let number = manifest.next_file_number;
            manifest.next_file_number += 1;
            // The documents are compressed while the postings are sorted and encoded: both
            // cores busy at the end of an ingest, when nothing else is left to do.
            let buffer_postings = std::mem::take(&mut self.buffer_postings);
            let (docs, postings) = rayon::join(
                || {
                    self.write_file(&docs_file_name(number), |out, this| {
                        write_docs(out, &this.buffer_docs, this.docs_dictionary)
                    })
                },
                || {
                    // Sorted into a copy: the buffer stays as it was (its reserved capacity
                    // for the next segment, and whole for a retry if the commit fails).
                    let mut sorted = sort_uniform(&buffer_postings);
                    // Two fingerprints of one document can share a 40-bit key: one posting.
                    sorted.dedup();
                    let written = self.write_file(&postings_file_name(number), |out, _| {
                        write_postings(out, &sorted)
                    });
                    written.map(|file| (file, sorted.len() as u64))
                },
            );
            // Kept until the commit succeeds, so that a failed commit can be retried.
            self.buffer_postings = buffer_postings;
            let (docs, (postings, n_postings)) = (docs?, postings?);
            manifest.segments.push(SegmentMeta {
                number,
                base: manifest.next_doc_id,
                n_docs,
                n_postings,
                docs,
                postings,
            });
            manifest.next_doc_id += n_docs;
        }
        if self.tombstones_dirty {
            let number = manifest.next_file_number;
            manifest.next_file_number += 1;
            let deleted: Vec<DocId> = self.deleted.iter().copied().collect();
            let file = self.write_file(&tombstone_file_name(number), |out, _| {
                write_tombstones(out, &deleted)
            })?;
            manifest.tombstones =
                Some(TombstoneMeta { number, n_deleted: deleted.len() as u64, file });
        }
        self.swap_manifest(manifest)?;
        Ok(self.info(n_docs_flushed))
    }

    /// Writes `manifest` (whose files are written) as the commit point and adopts it.
    pub(crate) fn swap_manifest(&mut self, manifest: Manifest) -> Result<()> {
        let swapped = self.storage.write_atomic(MANIFEST_FILE, &mut |out| manifest.write(out));
        if let Err(error) = swapped {
            // If the rename happened and only the directory sync failed, the new generation is
            // what readers see: adopt it, so the writer's state matches the disk, and report.
            let visible = Manifest::read(&*self.storage).is_ok_and(|m| m == manifest);
            if visible {
                self.adopt(manifest);
            }
            return Err(error);
        }
        self.adopt(manifest);
        Ok(())
    }

    /// Makes `manifest` (just committed) the writer's state and removes obsolete files.
    fn adopt(&mut self, manifest: Manifest) {
        let old_files = self.manifest.file_names();
        let new_files = manifest.file_names();
        self.manifest = manifest;
        self.buffer_docs.clear();
        self.buffer_postings.clear();
        self.buffer_bytes = 0;
        self.tombstones_dirty = false;
        for name in old_files.iter().filter(|name| !new_files.contains(name)) {
            // A file left behind here is garbage the next writer removes.
            let _ = self.storage.remove(name);
        }
    }

    fn info(&self, n_docs_flushed: u64) -> CommitInfo {
        CommitInfo {
            generation: self.manifest.generation,
            n_docs: self.n_docs() - self.buffer_docs.len() as u64,
            n_segments: self.manifest.segments.len() as u64,
            n_docs_flushed,
            n_deleted: self.deleted.len() as u64,
        }
    }

    /// Stores a sentence index (`SEMANTIC`, see [`crate::semantic`]) built from this index's
    /// last committed generation, replacing any earlier one atomically: a crash leaves the old
    /// file or the new one, and its temporary file is garbage the next writer removes. Written
    /// through the writer's [`Storage`], under its lock, so no commit runs meanwhile.
    ///
    /// Refuses ([`Error::Refused`]) sentences built from another generation: documents added
    /// or deleted since would be missing or still found.
    pub fn write_sentences(&mut self, stored: &crate::semantic::StoredSentences) -> Result<()> {
        if stored.generation != self.manifest.generation {
            return Err(Error::Refused {
                path: self.storage.path_of(SEMANTIC_FILE),
                reason: format!(
                    "sentences built from generation {} of the index, which is now at {}: build \
                     them again",
                    stored.generation, self.manifest.generation
                ),
            });
        }
        crate::semantic::write_sentences(&*self.storage, stored)
    }

    /// Writes file `name` atomically with `write`, returning its size and checksum.
    pub(crate) fn write_file(
        &self,
        name: &str,
        write: impl Fn(&mut dyn std::io::Write, &IndexWriter) -> Result<(u64, u64)>,
    ) -> Result<FileMeta> {
        let mut meta = FileMeta { size: 0, checksum: 0 };
        self.storage.write_atomic(name, &mut |out| {
            let (size, checksum) = write(out, self)?;
            meta = FileMeta { size, checksum };
            Ok(())
        })?;
        Ok(meta)
    }
}

/// Rejects a document whose strings do not fit the format's `u32` lengths, so that a bad
/// document fails `add` instead of every later commit.
fn check_lengths(doc: &Document) -> Result<()> {
    let fields =
        [Some(&doc.id), Some(&doc.text), doc.title.as_ref(), doc.source.as_ref(), doc.url.as_ref()];
    for field in fields.into_iter().flatten() {
        if field.len() > u32::MAX as usize {
            return Err(Error::TooLarge {
                what: format!("document {:?}", doc.id),
                reason: format!("a field of {} bytes, at most {} fit", field.len(), u32::MAX),
            });
        }
    }
    Ok(())
}

/// Removes the writer's own temporary files and segment or tombstone files not in `keep`:
/// leftovers of a crashed writer. Files of any other name are never touched.
fn remove_garbage(storage: &dyn Storage, keep: &[String]) -> Result<()> {
    let mut removed = false;
    for name in storage.list()? {
        if is_index_file(&name) && !keep.contains(&name) {
            storage.remove(&name)?;
            removed = true;
        }
    }
    if removed {
        storage.sync_dir()?;
    }
    Ok(())
}

/// `postings` sorted ([`crate::sort_by_top_bits`]: the top of a posting is its key, a uniform
/// hash). On the synthetic 100k corpus (two segments of 10.8 M postings) `unspun index` took
/// 3.68 s of user CPU instead of 3.94 s with `par_sort_unstable`, and about 100 MB more at its
/// peak (the copy). At most 2^10 buckets: with 2^16 the pass, writing to that many places at
/// once, was as slow as a sort; a bucket of a 50,000-document segment holds about 10,000
/// postings, sorted in the second-level cache.
fn sort_uniform(postings: &[u64]) -> Vec<u64> {
    crate::sort_by_top_bits(postings, |&posting| posting, 1024, 10)
}

//! [`Index`]: a read-only view of the last committed generation of an index.
//!
//! Opening reads the MANIFEST, maps every segment file, checks each file's size and trailer
//! against the MANIFEST and the checksum of its small tables (ids, offsets, statistics), and
//! builds the in-memory id → DocId map and the deleted-document bitset. Whole-file checksums
//! are recomputed at open for the first [`EAGER_VERIFY_BYTES`] of segment files (so a small
//! index is verified entirely, as before); beyond that, each document block and postings
//! chunk is checked when first read, so opening a large index reads little more than its
//! ids. [`Index::document`] fails on a damaged block; a lookup skips a damaged postings chunk
//! and [`Index::damage`] reports it. `unspun verify` checks every byte.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use unspun_core::{DocId, Document, Timestamp};

use crate::Error;
use crate::error::Result;
use crate::manifest::{
    IndexConfig, MANIFEST_FILE, Manifest, SegmentMeta, check_against_manifest, docs_file_name,
    postings_file_name, read_tombstones,
};
use crate::segment::{DocStore, PostingsTable, SharedBlocks, Verify};
use crate::storage::{FsStorage, Storage};

/// Bytes of segment files whose whole checksum [`Index::open`] recomputes (the rest is checked
/// block by block on first read): 64 MiB, some 20 ms of hashing.
pub const EAGER_VERIFY_BYTES: u64 = 64 << 20;

/// How many outlets [`IndexStats::top_outlets`] lists.
pub const N_TOP_OUTLETS: usize = 20;

/// One segment with its files opened.
#[derive(Debug, Clone)]
pub(crate) struct LoadedSegment {
    pub(crate) meta: SegmentMeta,
    pub(crate) docs: DocStore,
    pub(crate) postings: PostingsTable,
}

impl LoadedSegment {
    /// Opens the files of `meta`, verifying them as `verify` asks.
    pub(crate) fn load(
        storage: &dyn Storage,
        meta: &SegmentMeta,
        verify: Verify,
    ) -> Result<LoadedSegment> {
        let docs_name = docs_file_name(meta.number);
        let docs_path = storage.path_of(&docs_name);
        let bytes = storage.read(&docs_name)?;
        check_against_manifest(&bytes, &docs_path, meta.docs)?;
        let docs = DocStore::open(bytes, docs_path.clone(), verify)?;
        if docs.n_docs() != meta.n_docs {
            return Err(Error::corrupt(
                docs_path,
                format!("holds {} documents, the MANIFEST says {}", docs.n_docs(), meta.n_docs),
            ));
        }
        let postings_name = postings_file_name(meta.number);
        let postings_path = storage.path_of(&postings_name);
        let bytes = storage.read(&postings_name)?;
        check_against_manifest(&bytes, &postings_path, meta.postings)?;
        let postings = PostingsTable::open(bytes, &postings_path, verify)?;
        if postings.n_postings() != meta.n_postings {
            return Err(Error::corrupt(postings_path, "posting count disagrees with the MANIFEST"));
        }
        Ok(LoadedSegment { meta: meta.clone(), docs, postings })
    }
}

/// Documents counted per outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutletCount {
    /// The outlet (`Document::source`).
    pub outlet: String,
    /// Live documents from it.
    pub n_docs: u64,
}

/// Summary of an index, cheap to get (computed at open from per-segment statistics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    /// Live documents.
    pub n_docs: u64,
    /// Deleted (or replaced) documents still stored.
    pub n_deleted: u64,
    /// Segments.
    pub n_segments: u64,
    /// Stored (hash, document) postings, including those of deleted documents.
    pub n_postings: u64,
    /// Distinct outlets among live documents.
    pub n_outlets: u64,
    /// The outlets with the most live documents (at most [`N_TOP_OUTLETS`]), most first.
    pub top_outlets: Vec<OutletCount>,
    /// Earliest document date (deleted documents included).
    pub date_min: Option<Timestamp>,
    /// Latest document date (deleted documents included).
    pub date_max: Option<Timestamp>,
    /// Bytes of all files of this generation.
    pub bytes_on_disk: u64,
    /// The on-disk format version.
    pub format_version: u32,
    /// The committed generation.
    pub generation: u64,
}

/// A set of DocIds as a bitset.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocSet {
    words: Vec<u64>,
}

impl DocSet {
    pub(crate) fn insert(&mut self, doc: DocId) {
        let word = doc.0 as usize / 64;
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (doc.0 % 64);
    }

    #[inline]
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.words.get(doc.0 as usize / 64).is_some_and(|word| word & (1 << (doc.0 % 64)) != 0)
    }
}

/// The committed state of an index, loaded and verified.
pub(crate) struct Snapshot {
    pub(crate) manifest: Manifest,
    pub(crate) segments: Vec<LoadedSegment>,
    pub(crate) deleted: Vec<DocId>,
    pub(crate) ids: HashMap<String, DocId>,
}

impl Snapshot {
    /// Loads the committed state, recomputing whole-file checksums for the first
    /// `verify_budget` bytes of segment files (see the module documentation).
    pub(crate) fn load(storage: &dyn Storage, verify_budget: u64) -> Result<Snapshot> {
        let manifest = Manifest::read(storage)?;
        let mut budget = verify_budget;
        let segments = manifest
            .segments
            .iter()
            .map(|meta| {
                let size = meta.docs.size.saturating_add(meta.postings.size);
                let verify = if size <= budget {
                    budget -= size;
                    Verify::Full
                } else {
                    Verify::Tables
                };
                LoadedSegment::load(storage, meta, verify)
            })
            .collect::<Result<Vec<_>>>()?;
        let deleted = match &manifest.tombstones {
            None => Vec::new(),
            Some(meta) => read_tombstones(storage, meta)?,
        };
        let mut deleted_set = DocSet::default();
        for doc in &deleted {
            deleted_set.insert(*doc);
        }
        let n_stored: usize = segments.iter().map(|s| s.meta.n_docs as usize).sum();
        let mut ids = HashMap::with_capacity(n_stored.saturating_sub(deleted.len()));
        for segment in &segments {
            for doc_idx in 0..segment.meta.n_docs {
                let doc = DocId(segment.meta.base + doc_idx);
                if deleted_set.contains(doc) {
                    continue;
                }
                let id = segment.docs.id(doc_idx)?;
                if ids.insert(id.to_string(), doc).is_some() {
                    let file = storage.path_of(&docs_file_name(segment.meta.number));
                    return Err(Error::corrupt(file, format!("id {id:?} is live twice")));
                }
            }
        }
        Ok(Snapshot { manifest, segments, deleted, ids })
    }
}

/// A read-only view of the last committed generation of an index. `Send + Sync`: share it
/// behind an `Arc`. It does not see later commits; open it again for those.
pub struct Index {
    config: IndexConfig,
    segments: Vec<LoadedSegment>,
    /// Deleted documents per segment, parallel to `segments`.
    n_deleted_per_segment: Vec<u32>,
    deleted: DocSet,
    ids: HashMap<String, DocId>,
    /// Live documents per outlet.
    outlets: BTreeMap<String, u64>,
    stats: IndexStats,
    /// The sentence-vector index (`SEMANTIC`), when `unspun semantic-index` built one.
    sentences: Option<std::sync::Arc<crate::semantic::StoredSentences>>,
    /// The decompressed document blocks shared by the segments ([`Index::set_block_cache`]).
    blocks: SharedBlocks,
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index").field("stats", &self.stats).finish_non_exhaustive()
    }
}

impl Index {
    /// Opens the index in directory `dir` (read-only; no lock is taken).
    pub fn open(dir: &Path) -> Result<Index> {
        let index = Index::open_documents(dir)?;
        if index.config().documents_only {
            return Err(Error::DocumentsOnly { path: dir.to_path_buf() });
        }
        Ok(index)
    }

    /// [`Index::open`] that also opens a store of documents without postings
    /// ([`IndexConfig::documents_only`]), for the corpus stages that answer from their own
    /// records.
    pub fn open_documents(dir: &Path) -> Result<Index> {
        if !dir.is_dir() {
            return Err(Error::NotAnIndex { path: dir.to_path_buf() });
        }
        Index::with_storage(Arc::new(FsStorage::new(dir)))
    }

    /// Opens the index in `storage`.
    pub fn with_storage(storage: Arc<dyn Storage>) -> Result<Index> {
        Index::with_storage_verifying(storage, EAGER_VERIFY_BYTES)
    }

    /// Opens the index in `storage`, recomputing whole-file checksums for the first
    /// `verify_budget` bytes of segment files ([`EAGER_VERIFY_BYTES`] for
    /// [`Index::with_storage`]; 0 checks only tables at open, `u64::MAX` every byte).
    pub fn with_storage_verifying(storage: Arc<dyn Storage>, verify_budget: u64) -> Result<Index> {
        // A writer may remove an obsolete file of the generation we just read; the MANIFEST
        // then names a newer one, so read again.
        let mut attempt = 0;
        let snapshot = loop {
            match Snapshot::load(&*storage, verify_budget) {
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound && attempt < 3 =>
                {
                    attempt += 1;
                }
                result => break result?,
            }
        };
        let Snapshot { manifest, segments, deleted, ids } = snapshot;
        let sentences = crate::semantic::read_sentences(&*storage)?.map(std::sync::Arc::new);
        let mut deleted_set = DocSet::default();
        let mut n_deleted_per_segment = vec![0u32; segments.len()];
        let mut outlets: BTreeMap<String, u64> = BTreeMap::new();
        for segment in &segments {
            for (outlet, count) in &segment.docs.stats().outlets {
                *outlets.entry(outlet.clone()).or_default() += u64::from(*count);
            }
        }
        for doc in &deleted {
            deleted_set.insert(*doc);
            let Some((seg_idx, doc_idx)) = locate(&segments, *doc) else { continue };
            n_deleted_per_segment[seg_idx] += 1;
            let document = segments[seg_idx].docs.document(doc_idx)?;
            if let Some(count) = document.source.and_then(|source| outlets.get_mut(&source)) {
                *count = count.saturating_sub(1);
            }
        }
        outlets.retain(|_, count| *count > 0);
        let mut top_outlets: Vec<OutletCount> = outlets
            .iter()
            .map(|(outlet, n_docs)| OutletCount { outlet: outlet.clone(), n_docs: *n_docs })
            .collect();
        top_outlets.sort_by(|a, b| b.n_docs.cmp(&a.n_docs).then_with(|| a.outlet.cmp(&b.outlet)));
        top_outlets.truncate(N_TOP_OUTLETS);

        let mut bytes_on_disk = storage.read(MANIFEST_FILE).map(|b| b.len() as u64).unwrap_or(0);
        bytes_on_disk += manifest.tombstones.map_or(0, |t| t.file.size);
        let mut n_postings = 0;
        let (mut date_min, mut date_max): (Option<Timestamp>, Option<Timestamp>) = (None, None);
        for segment in &segments {
            bytes_on_disk += segment.docs.len_bytes() + segment.postings.len_bytes();
            n_postings += segment.postings.n_postings();
            let stats = segment.docs.stats();
            date_min = date_min.into_iter().chain(stats.date_min).min();
            date_max = date_max.into_iter().chain(stats.date_max).max();
        }
        let stats = IndexStats {
            n_docs: ids.len() as u64,
            n_deleted: deleted.len() as u64,
            n_segments: segments.len() as u64,
            n_postings,
            n_outlets: outlets.len() as u64,
            top_outlets,
            date_min,
            date_max,
            bytes_on_disk,
            format_version: manifest.format_version,
            generation: manifest.generation,
        };
        Ok(Index {
            config: manifest.config,
            segments,
            n_deleted_per_segment,
            deleted: deleted_set,
            ids,
            outlets,
            stats,
            sentences,
            blocks: SharedBlocks::default(),
        })
    }

    /// The configuration the index was built with.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// Live documents.
    pub fn n_docs(&self) -> u64 {
        self.ids.len() as u64
    }

    /// The committed generation this view shows.
    pub fn generation(&self) -> u64 {
        self.stats.generation
    }

    /// The stored sentence-vector index, if one was built (it may be older than the index:
    /// compare its `generation`).
    pub fn sentences(&self) -> Option<&crate::semantic::StoredSentences> {
        self.sentences.as_deref()
    }

    /// Appends to `out` the live documents containing `hash`, ascending.
    pub fn postings(&self, hash: u64, out: &mut Vec<DocId>) {
        for (segment, n_deleted) in self.segments.iter().zip(&self.n_deleted_per_segment) {
            let base = segment.meta.base;
            if *n_deleted == 0 {
                segment.postings.for_each_doc(hash, |doc_idx| out.push(DocId(base + doc_idx)));
            } else {
                segment.postings.for_each_doc(hash, |doc_idx| {
                    let doc = DocId(base + doc_idx);
                    if !self.deleted.contains(doc) {
                        out.push(doc);
                    }
                });
            }
        }
    }

    /// The number of live documents containing `hash`. Reads only key tables, except in
    /// segments with deletions.
    pub fn doc_freq(&self, hash: u64) -> u32 {
        let mut n_docs = 0;
        for (segment, n_deleted) in self.segments.iter().zip(&self.n_deleted_per_segment) {
            if *n_deleted == 0 {
                n_docs += segment.postings.doc_freq(hash);
            } else {
                let base = segment.meta.base;
                segment.postings.for_each_doc(hash, |doc_idx| {
                    n_docs += u32::from(!self.deleted.contains(DocId(base + doc_idx)));
                });
            }
        }
        n_docs
    }

    /// Damage found by a lookup so far: a postings chunk whose checksum failed when first
    /// read (the lookup skipped it). `None` while everything read was intact.
    pub fn damage(&self) -> Option<Error> {
        self.segments.iter().find_map(|segment| segment.postings.damage())
    }

    /// The document `doc`, or `None` if it is deleted or was never assigned.
    /// Fails only if its block is damaged.
    pub fn document(&self, doc: DocId) -> Result<Option<Document>> {
        if self.deleted.contains(doc) {
            return Ok(None);
        }
        match locate(&self.segments, doc) {
            None => Ok(None),
            Some((seg_idx, doc_idx)) => self.segments[seg_idx]
                .docs
                .document_shared(doc_idx, &self.blocks, seg_idx as u32)
                .map(Some),
        }
    }

    /// Keeps up to `bytes` of decompressed document blocks of every segment, so that
    /// documents read in no order decompress their blocks once while they fit (0, the
    /// default: each segment keeps only its last few blocks, which serves reads in DocId
    /// order and single traces). `unspun cluster` sets it for its trace stage.
    pub fn set_block_cache(&self, bytes: usize) {
        self.blocks.set_budget(bytes);
    }

    /// The budget of [`Index::set_block_cache`] in bytes.
    pub fn block_cache(&self) -> usize {
        self.blocks.budget()
    }

    /// Every live document, ascending.
    pub fn live_docs(&self) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self.ids.values().copied().collect();
        docs.sort_unstable();
        docs
    }

    /// The DocId of the live document with corpus identifier `id`.
    pub fn doc_id(&self, id: &str) -> Option<DocId> {
        self.ids.get(id).copied()
    }

    /// Whether a live document comes from `outlet` (exact `Document::source` match).
    pub fn has_outlet(&self, outlet: &str) -> bool {
        self.outlets.contains_key(outlet)
    }

    /// Whether a live document comes from an outlet named like `name`: equal ignoring ASCII
    /// case, or starting with it as a whole word ("CNN" matches "CNN (Web News)" and
    /// "cnn.com", not "CNNMoney").
    pub fn has_outlet_like(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.outlets.keys().any(|outlet| {
            let outlet = outlet.to_ascii_lowercase();
            outlet == name
                || outlet
                    .strip_prefix(&name)
                    .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
        })
    }

    /// Summary statistics (precomputed at open).
    pub fn stats(&self) -> IndexStats {
        self.stats.clone()
    }
}

/// The segment holding `doc` and the local number in it.
fn locate(segments: &[LoadedSegment], doc: DocId) -> Option<(usize, u32)> {
    let seg_idx = segments.partition_point(|s| s.meta.base <= doc.0).checked_sub(1)?;
    let doc_idx = doc.0 - segments[seg_idx].meta.base;
    (doc_idx < segments[seg_idx].meta.n_docs).then_some((seg_idx, doc_idx))
}

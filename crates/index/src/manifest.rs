//! The MANIFEST: the single file that defines the committed state of an index, and the
//! tombstone files it points to.
//!
//! A commit writes new segment and tombstone files under fresh names, then replaces MANIFEST
//! atomically. Whatever MANIFEST names is the index; every other file is garbage from an
//! unfinished commit or an older generation, and is removed by the next writer.

use std::io::Write;

use serde::{Deserialize, Serialize};
use unspun_core::DocId;
use unspun_core::shingle::ShingleConfig;

use crate::error::{Error, Result};
use crate::format::{
    CHECKSUM_LEN, Decoder, Encoder, HEADER_LEN, MAGIC_MANIFEST, MAGIC_TOMBSTONES, check_frame,
    count_u32, io_other, put_str, read_u32, read_u64,
};
use crate::storage::Storage;

/// Name of the manifest file.
pub const MANIFEST_FILE: &str = "MANIFEST";

/// How an index was built; stored in the MANIFEST when the index is created and never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexConfig {
    /// The fingerprint configuration: queries must shingle text the same way.
    pub shingle: ShingleConfig,
    /// The program that created the index, e.g. "unspun-index 0.1.0".
    pub created_by: String,
    /// Winnowing window of the shingles stored (format v5): of every `winnow` consecutive
    /// shingles of a document at least one is kept (see
    /// [`unspun_core::shingle::document_fingerprints_winnowed`]); 0 or 1 keeps all of them,
    /// as every index before v5 did (absent from their manifests).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub winnow: u32,
    /// A store of documents without postings: `unspun cluster --input` keeps its corpus so
    /// (the corpus stages answer from their own records), and no trace can be run on it.
    /// Ingest does not fingerprint its documents.
    #[serde(default, skip_serializing_if = "is_false")]
    pub documents_only: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// The winnowing window of a new index ([`IndexConfig::winnow`]) unless
/// [`WINNOW_ENV`] names another.
pub const DEFAULT_WINNOW: u32 = 0;

/// Environment variable overriding [`DEFAULT_WINNOW`] for new indexes (for benchmarks that
/// build their own indexes, such as `unspun eval`); existing indexes keep their own.
pub const WINNOW_ENV: &str = "UNSPUN_INDEX_WINNOW";

/// The winnowing window [`WINNOW_ENV`] asks for: `None` when it is unset or empty, an error
/// naming the variable and its value when that is not a whole number. The CLI checks it
/// before any command runs, so a typo is refused rather than silently ignored.
pub fn winnow_from_env() -> std::result::Result<Option<u32>, String> {
    let value = match std::env::var(WINNOW_ENV) {
        Err(std::env::VarError::NotPresent) => return Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => value.to_string_lossy().into_owned(),
        Ok(value) if value.trim().is_empty() => return Ok(None),
        Ok(value) => match value.trim().parse() {
            Ok(window) => return Ok(Some(window)),
            Err(_) => value,
        },
    };
    Err(format!(
        "{WINNOW_ENV}={value:?} is not a winnowing window: give a whole number of shingles \
         (0 or 1 keeps every shingle), or unset it"
    ))
}

/// [`DEFAULT_WINNOW`], or the value of [`WINNOW_ENV`] when it is set to a number (a value
/// that is not one is refused by [`winnow_from_env`]; here it leaves the default).
pub fn default_winnow() -> u32 {
    winnow_from_env().ok().flatten().unwrap_or(DEFAULT_WINNOW)
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            shingle: ShingleConfig::default(),
            created_by: concat!("unspun-index ", env!("CARGO_PKG_VERSION")).to_string(),
            winnow: default_winnow(),
            documents_only: false,
        }
    }
}

/// Size and checksum (the file's own trailer) of a file named by the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Bytes.
    pub size: u64,
    /// The xxh3_64 trailer of the file.
    pub checksum: u64,
}

/// One segment as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMeta {
    /// File number: the files are [`docs_file_name`] and [`postings_file_name`] of it.
    pub number: u64,
    /// DocId of the segment's first document.
    pub base: u32,
    /// Documents in the segment (deleted ones included).
    pub n_docs: u32,
    /// Postings in the segment.
    pub n_postings: u64,
    /// The document store.
    pub docs: FileMeta,
    /// The postings table.
    pub postings: FileMeta,
}

/// The tombstone file as recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TombstoneMeta {
    /// File number: the file is [`tombstone_file_name`] of it.
    pub number: u64,
    /// Deleted documents listed.
    pub n_deleted: u64,
    /// Size and checksum.
    pub file: FileMeta,
}

/// The decoded MANIFEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Incremented by every commit; 0 for a new, never committed index.
    pub generation: u64,
    /// The DocId the next added document gets (DocIds are never reused).
    pub next_doc_id: u32,
    /// The number the next new file gets (file numbers are never reused).
    pub next_file_number: u64,
    /// The index configuration.
    pub config: IndexConfig,
    /// Segments in ascending `base` order, not overlapping.
    pub segments: Vec<SegmentMeta>,
    /// Deleted documents, if any.
    pub tombstones: Option<TombstoneMeta>,
    /// The format version of the MANIFEST as read (this build's for a new one); not written:
    /// every file states its own in its frame.
    pub format_version: u32,
}

/// File name of the document store of segment `number`.
pub fn docs_file_name(number: u64) -> String {
    format!("seg-{number:010}.docs")
}

/// File name of the postings table of segment `number`.
pub fn postings_file_name(number: u64) -> String {
    format!("seg-{number:010}.post")
}

/// File name of tombstone file `number`.
pub fn tombstone_file_name(number: u64) -> String {
    format!("del-{number:010}.tomb")
}

impl Manifest {
    /// The state of an index that has never been committed.
    pub fn empty(config: IndexConfig) -> Manifest {
        Manifest {
            generation: 0,
            next_doc_id: 0,
            next_file_number: 1,
            config,
            segments: Vec::new(),
            tombstones: None,
            format_version: crate::format::FORMAT_VERSION,
        }
    }

    /// Names of all files this manifest references.
    pub fn file_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for segment in &self.segments {
            names.push(docs_file_name(segment.number));
            names.push(postings_file_name(segment.number));
        }
        if let Some(tombstones) = &self.tombstones {
            names.push(tombstone_file_name(tombstones.number));
        }
        names
    }

    /// Encodes the manifest.
    pub fn write(&self, out: &mut dyn Write) -> Result<()> {
        let mut encoder = Encoder::new(out, MAGIC_MANIFEST).map_err(io_other)?;
        let config = serde_json::to_string(&self.config).map_err(|e| Error::TooLarge {
            what: "index configuration".into(),
            reason: e.to_string(),
        })?;
        let io = |r: std::io::Result<()>| r.map_err(io_other);
        io(encoder.u64(self.generation))?;
        io(encoder.u64(u64::from(self.next_doc_id)))?;
        io(encoder.u64(self.next_file_number))?;
        put_str(&mut encoder, &config, "index configuration")?;
        io(encoder.u32(count_u32(self.segments.len(), "manifest segments")?))?;
        for segment in &self.segments {
            io(encoder.u64(segment.number))?;
            io(encoder.u32(segment.base))?;
            io(encoder.u32(segment.n_docs))?;
            io(encoder.u64(segment.n_postings))?;
            for file in [segment.docs, segment.postings] {
                io(encoder.u64(file.size))?;
                io(encoder.u64(file.checksum))?;
            }
        }
        match &self.tombstones {
            None => io(encoder.u8(0))?,
            Some(tombstones) => {
                io(encoder.u8(1))?;
                io(encoder.u64(tombstones.number))?;
                io(encoder.u64(tombstones.n_deleted))?;
                io(encoder.u64(tombstones.file.size))?;
                io(encoder.u64(tombstones.file.checksum))?;
            }
        }
        encoder.finish().map_err(io_other)?;
        Ok(())
    }

    /// Reads and checks the MANIFEST of `storage`; [`Error::NotAnIndex`] if there is none.
    pub fn read(storage: &dyn Storage) -> Result<Manifest> {
        if !storage.exists(MANIFEST_FILE)? {
            let path = storage.path_of(MANIFEST_FILE);
            let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or(path);
            return Err(Error::NotAnIndex { path: dir });
        }
        let file = storage.path_of(MANIFEST_FILE);
        let bytes = storage.read(MANIFEST_FILE)?;
        check_frame(&bytes, MAGIC_MANIFEST, &file)?;
        let body = &bytes[..bytes.len() - CHECKSUM_LEN];
        let mut decoder = Decoder::new(body, HEADER_LEN, &file);
        let generation = decoder.u64()?;
        let next_doc_id = decoder.u64()?;
        let next_doc_id = u32::try_from(next_doc_id)
            .map_err(|_| decoder.error(format!("next DocId {next_doc_id} out of range")))?;
        let next_file_number = decoder.u64()?;
        let config = decoder.str()?;
        let config: IndexConfig = serde_json::from_str(config)
            .map_err(|e| decoder.error(format!("bad index configuration: {e}")))?;
        let n_segments = decoder.u32()?;
        let mut segments = Vec::new();
        for _ in 0..n_segments {
            let number = decoder.u64()?;
            let base = decoder.u32()?;
            let n_docs = decoder.u32()?;
            let n_postings = decoder.u64()?;
            let docs = FileMeta { size: decoder.u64()?, checksum: decoder.u64()? };
            let postings = FileMeta { size: decoder.u64()?, checksum: decoder.u64()? };
            segments.push(SegmentMeta { number, base, n_docs, n_postings, docs, postings });
        }
        let tombstones = match decoder.u8()? {
            0 => None,
            _ => Some(TombstoneMeta {
                number: decoder.u64()?,
                n_deleted: decoder.u64()?,
                file: FileMeta { size: decoder.u64()?, checksum: decoder.u64()? },
            }),
        };
        if decoder.position() != body.len() {
            return Err(decoder.error("trailing bytes after the segment list"));
        }
        let mut doc_end = 0u64;
        for segment in &segments {
            let consistent = u64::from(segment.base) >= doc_end
                && segment.number < next_file_number
                && u64::from(segment.base) + u64::from(segment.n_docs) <= u64::from(next_doc_id);
            if !consistent {
                return Err(decoder.error(format!("segment {} overlaps another", segment.number)));
            }
            doc_end = u64::from(segment.base) + u64::from(segment.n_docs);
        }
        if tombstones.is_some_and(|t| t.number >= next_file_number) {
            return Err(decoder.error("tombstone file number out of range"));
        }
        let format_version = read_u32(&bytes, 8);
        Ok(Manifest {
            generation,
            next_doc_id,
            next_file_number,
            config,
            segments,
            tombstones,
            format_version,
        })
    }
}

/// Writes a tombstone file listing `deleted` (ascending). Returns (file size, checksum).
pub fn write_tombstones(out: &mut dyn Write, deleted: &[DocId]) -> Result<(u64, u64)> {
    let mut encoder = Encoder::new(out, MAGIC_TOMBSTONES).map_err(io_other)?;
    encoder.u64(deleted.len() as u64).map_err(io_other)?;
    for doc in deleted {
        encoder.u32(doc.0).map_err(io_other)?;
    }
    encoder.finish().map_err(io_other)
}

/// Reads the tombstone file named by `meta`, checking it against the manifest.
pub fn read_tombstones(storage: &dyn Storage, meta: &TombstoneMeta) -> Result<Vec<DocId>> {
    let name = tombstone_file_name(meta.number);
    let file = storage.path_of(&name);
    let bytes = storage.read(&name)?;
    check_against_manifest(&bytes, &file, meta.file)?;
    check_frame(&bytes, MAGIC_TOMBSTONES, &file)?;
    let mut decoder = Decoder::new(&bytes, HEADER_LEN, &file);
    let n = decoder.u64()?;
    if n != meta.n_deleted || Some(bytes.len() as u64) != n.checked_mul(4).map(|b| b + 32) {
        return Err(decoder.error(format!("tombstone count {n} disagrees with the file size")));
    }
    let mut deleted = Vec::with_capacity(n as usize);
    for idx in 0..n as usize {
        deleted.push(DocId(read_u32(&bytes, HEADER_LEN + 8 + idx * 4)));
    }
    if deleted.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(decoder.error("tombstones are not in ascending order"));
    }
    Ok(deleted)
}

/// Checks that a file has the size and checksum trailer the manifest recorded (cheap; the
/// file's own frame check recomputes the checksum).
pub fn check_against_manifest(bytes: &[u8], file: &std::path::Path, meta: FileMeta) -> Result<()> {
    if bytes.len() as u64 != meta.size {
        return Err(Error::corrupt(
            file,
            format!("size is {} bytes, the MANIFEST says {}", bytes.len(), meta.size),
        ));
    }
    let trailer = bytes.len().checked_sub(CHECKSUM_LEN).map(|at| read_u64(bytes, at));
    if trailer != Some(meta.checksum) {
        return Err(Error::corrupt(file, "checksum differs from the one in the MANIFEST"));
    }
    Ok(())
}

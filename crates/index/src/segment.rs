//! One immutable segment: a document store (`.docs`) and a postings table (`.post`).
//!
//! Segments are written once from the writer's buffer and never changed; deletions are
//! recorded as tombstones elsewhere. Local document numbers (`doc_idx`) run from 0 to
//! `n_docs - 1`; the global [`unspun_core::DocId`] is the segment's base plus `doc_idx`.
//! The byte layouts are documented in docs/index-format.md.
//!
//! Format v3 (written by this build) stores records in zstd-compressed blocks of a few
//! documents and the postings as bit-packed buckets of [`KEY_BITS`]-bit keys. Its small
//! tables carry a checksum of their own, checked at open; each document block and each chunk
//! of postings buckets has a checksum too, checked when it is first read, so that opening
//! need not read every byte ([`Verify::Tables`]). Files of v1 and v2 (uncompressed) are read
//! as they are and always verified whole at open.

use std::borrow::Borrow;
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use unspun_core::{Document, Timestamp};
use xxhash_rust::xxh3::{Xxh3Default, xxh3_64};

use crate::error::{Error, Result};
use crate::format::{
    BitReader, BitWriter, CHECKSUM_LEN, Decoder, Encoder, HEADER_LEN, MAGIC_DOCS, MAGIC_POSTINGS,
    check_frame, check_magic, check_version, count_u32, frame_version, get_varint, io_other,
    put_str, put_varint, read_u32, read_u64,
};
use crate::storage::FileBytes;

/// Most documents in one segment: local numbers must fit in 31 bits (see the postings values).
pub const MAX_SEGMENT_DOCS: usize = (1 << 31) - 1;

/// How much of a segment file [`DocStore::open`] and [`PostingsTable::open`] verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The whole file's checksum (every byte read).
    Full,
    /// The frame's trailer and the small tables (their own checksum); each block is checked
    /// when first read. Files of v1 and v2, which have no table checksum, are verified whole.
    Tables,
}

/// Statistics of one segment, computed when it is written (deleted documents included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentStats {
    /// Documents stored.
    pub n_docs: u32,
    /// Earliest date of a dated document.
    pub date_min: Option<Timestamp>,
    /// Latest date of a dated document.
    pub date_max: Option<Timestamp>,
    /// Documents per outlet (`Document::source`), sorted by name.
    pub outlets: Vec<(String, u32)>,
}

impl SegmentStats {
    fn add(&mut self, doc: &Document, outlets: &mut BTreeMap<String, u32>) {
        if let Some(date) = doc.date {
            self.date_min = Some(self.date_min.map_or(date, |min| min.min(date)));
            self.date_max = Some(self.date_max.map_or(date, |max| max.max(date)));
        }
        if let Some(source) = &doc.source {
            match outlets.get_mut(source.as_str()) {
                Some(count) => *count += 1,
                None => {
                    outlets.insert(source.clone(), 1);
                }
            }
        }
    }
}

/// Writes the stats section: dates, then outlets sorted by name.
fn write_stats(
    encoder: &mut Encoder<'_>,
    stats: &SegmentStats,
    outlets: &BTreeMap<String, u32>,
) -> Result<()> {
    match (stats.date_min, stats.date_max) {
        (Some(min), Some(max)) => {
            encoder.u8(1).map_err(io_other)?;
            encoder.i64(min.0).map_err(io_other)?;
            encoder.i64(max.0).map_err(io_other)?;
        }
        _ => encoder.u8(0).map_err(io_other)?,
    }
    encoder.u32(count_u32(outlets.len(), "segment outlets")?).map_err(io_other)?;
    for (name, count) in outlets {
        put_str(encoder, name, "outlet name")?;
        encoder.u32(*count).map_err(io_other)?;
    }
    Ok(())
}

/// Reads the stats section at `off_stats`, which must end exactly at `end`.
fn read_stats(
    bytes: &[u8],
    off_stats: usize,
    end: usize,
    n_docs: u32,
    file: &Path,
) -> Result<SegmentStats> {
    let mut decoder = Decoder::new(&bytes[..end], off_stats, file);
    let mut stats = SegmentStats { n_docs, ..SegmentStats::default() };
    if decoder.u8()? != 0 {
        stats.date_min = Some(Timestamp(decoder.i64()?));
        stats.date_max = Some(Timestamp(decoder.i64()?));
    }
    let n_outlets = decoder.u32()?;
    for _ in 0..n_outlets {
        let name = decoder.str()?.to_string();
        let count = decoder.u32()?;
        stats.outlets.push((name, count));
    }
    if decoder.position() != end {
        return Err(Error::corrupt(file, "document store statistics are inconsistent"));
    }
    Ok(stats)
}

/// The xxh3_64 of a v3 file's header, its tables `[tables_start, footer_start)` and its footer
/// up to (not including) the tables checksum, which is the footer's last field.
fn tables_checksum(
    bytes: &[u8],
    tables_start: usize,
    footer_start: usize,
    footer_len: usize,
) -> u64 {
    let mut hasher = Xxh3Default::new();
    hasher.update(&bytes[..HEADER_LEN]);
    hasher.update(&bytes[tables_start..footer_start + footer_len - 8]);
    hasher.digest()
}

/// Checks the frame of a segment file as `verify` asks. With [`Verify::Tables`] a v3 file's
/// checksum is not recomputed: the caller checks the table checksum, which covers the header.
/// Returns the file's format version.
fn check_segment_frame(bytes: &[u8], magic: [u8; 8], file: &Path, verify: Verify) -> Result<u32> {
    check_magic(bytes, magic, file)?;
    let version = frame_version(bytes);
    if verify == Verify::Full || version != crate::format::FORMAT_VERSION {
        // Old files have no table checksum, and an unknown version may be damage: the whole
        // checksum decides (damage first, then the version).
        check_frame(bytes, magic, file)?;
    }
    check_version(bytes, file)?;
    Ok(version)
}

// ---------------------------------------------------------------------------------------
// Posting keys

/// Bits of a stored posting key: the top bits of the fingerprint after a fixed bijective mix.
/// Two fingerprints sharing a key are taken for one (a lookup then also returns the other's
/// documents): with about 24 keys per bucket, a lookup of an absent fingerprint matches one
/// by chance with probability 24 / 2^(40 - B), where 2^B is the number of buckets (1e-5 at
/// B = 20, a 50,000-document segment).
pub const KEY_BITS: u32 = 40;

/// The stored key of fingerprint `hash` (a [`KEY_BITS`]-bit value). The mix (the splitmix64
/// finaliser, a bijection) spreads small or structured fingerprints over the key space.
#[inline]
pub fn posting_key(hash: u64) -> u64 {
    let mut z = hash;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z >> (64 - KEY_BITS)
}

/// A posting packed for sorting: the key of `hash` in the high bits, the local document in
/// the low 32.
pub fn pack_posting(hash: u64, doc_idx: u32) -> u128 {
    pack_key(posting_key(hash), doc_idx)
}

/// A posting packed from its stored key.
pub fn pack_key(key: u64, doc_idx: u32) -> u128 {
    (u128::from(key) << 32) | u128::from(doc_idx)
}

fn packed_key(packed: u128) -> u64 {
    (packed >> 32) as u64
}

fn packed_doc(packed: u128) -> u32 {
    packed as u32
}

// ---------------------------------------------------------------------------------------
// Document store

/// Bytes of the v3 document store footer before the checksum.
const DOCS_FOOTER_LEN: usize = 56;
/// Bytes of the v1 document store footer before the checksum.
const DOCS_V1_FOOTER_LEN: usize = 32;
/// A block is closed once its records reach this many bytes (or [`BLOCK_MAX_DOCS`]).
const BLOCK_TARGET_BYTES: usize = 16 << 10;
/// Most documents in one block: reading one document decodes at most this many records.
const BLOCK_MAX_DOCS: usize = 64;
/// zstd level of document blocks: level 6 saved 1 % more on news text at a third of the speed.
const ZSTD_LEVEL: i32 = 3;
/// Blocks compressed in parallel at a time (about 2 MiB of records).
const COMPRESS_BATCH_BLOCKS: usize = 64;
/// Decompressed blocks kept per document store (a trace reads a few dozen candidates; a scan
/// in DocId order reads each block once).
const BLOCK_CACHE_BLOCKS: usize = 8;

/// Appends a record (v1 layout: opt-str title, str text, opt-date, opt-str source, opt-str
/// url) to `raw`.
fn put_record(raw: &mut Vec<u8>, doc: &Document) -> Result<()> {
    let what = || format!("document {:?}", doc.id);
    let put = |raw: &mut Vec<u8>, value: &str| -> Result<()> {
        let len = u32::try_from(value.len()).map_err(|_| Error::TooLarge {
            what: what(),
            reason: format!("a field of {} bytes, at most {} fit", value.len(), u32::MAX),
        })?;
        raw.extend_from_slice(&len.to_le_bytes());
        raw.extend_from_slice(value.as_bytes());
        Ok(())
    };
    let put_opt = |raw: &mut Vec<u8>, value: Option<&str>| -> Result<()> {
        match value {
            None => {
                raw.push(0);
                Ok(())
            }
            Some(value) => {
                raw.push(1);
                put(raw, value)
            }
        }
    };
    put_opt(raw, doc.title.as_deref())?;
    put(raw, &doc.text)?;
    match doc.date {
        None => raw.push(0),
        Some(Timestamp(secs)) => {
            raw.push(1);
            raw.extend_from_slice(&secs.to_le_bytes());
        }
    }
    put_opt(raw, doc.source.as_deref())?;
    put_opt(raw, doc.url.as_deref())
}

/// Writes a document store for `docs` (local numbers = positions) to `out`.
/// Returns (file size, checksum).
pub fn write_docs(out: &mut dyn Write, docs: &[Document]) -> Result<(u64, u64)> {
    write_docs_from(out, docs.iter().map(Ok))
}

/// [`write_docs`] from a stream of documents (a merge reads them from its sources one at a
/// time, so only a block's worth is held). Stops at the first error of `docs`.
pub fn write_docs_from<D: Borrow<Document>>(
    out: &mut dyn Write,
    docs: impl Iterator<Item = Result<D>>,
) -> Result<(u64, u64)> {
    let mut encoder = Encoder::new(out, MAGIC_DOCS).map_err(io_other)?;
    let mut stats = SegmentStats::default();
    let mut outlets: BTreeMap<String, u32> = BTreeMap::new();
    let mut ids: Vec<u8> = Vec::new();
    let mut id_ends: Vec<u64> = Vec::new();
    // Block table: offset, first document, raw length, checksum of the compressed bytes.
    let mut block_offsets: Vec<u64> = Vec::new();
    let mut block_first_docs: Vec<u32> = Vec::new();
    let mut block_raw_lens: Vec<u64> = Vec::new();
    let mut block_checksums: Vec<u64> = Vec::new();
    let mut raw: Vec<u8> = Vec::new();
    let mut n_in_block = 0usize;
    let mut n_docs = 0usize;

    // Closed blocks waiting to be compressed (first document, records), compressed in
    // parallel a batch at a time.
    let mut pending: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut compress = |encoder: &mut Encoder<'_>, pending: &mut Vec<(usize, Vec<u8>)>| {
        let compressed: Vec<std::io::Result<Vec<u8>>> =
            pending.par_iter().map(|(_, raw)| zstd::bulk::compress(raw, ZSTD_LEVEL)).collect();
        for ((first_doc, raw), compressed) in pending.drain(..).zip(compressed) {
            let compressed = compressed.map_err(io_other)?;
            block_offsets.push(encoder.position());
            block_first_docs.push(count_u32(first_doc, "segment")?);
            block_raw_lens.push(raw.len() as u64);
            block_checksums.push(xxh3_64(&compressed));
            encoder.bytes(&compressed).map_err(io_other)?;
        }
        Ok::<(), Error>(())
    };
    let close_block =
        |raw: &mut Vec<u8>, n_in_block: &mut usize, n_docs: usize, pending: &mut Vec<_>| {
            if *n_in_block > 0 {
                pending.push((n_docs - *n_in_block, std::mem::take(raw)));
                *n_in_block = 0;
            }
        };
    for doc in docs {
        let doc = doc?;
        let doc = doc.borrow();
        if n_docs >= MAX_SEGMENT_DOCS {
            return Err(Error::TooLarge {
                what: "segment".to_string(),
                reason: format!("more than {MAX_SEGMENT_DOCS} documents"),
            });
        }
        put_record(&mut raw, doc)?;
        ids.extend_from_slice(doc.id.as_bytes());
        id_ends.push(ids.len() as u64);
        stats.add(doc, &mut outlets);
        n_in_block += 1;
        n_docs += 1;
        if raw.len() >= BLOCK_TARGET_BYTES || n_in_block >= BLOCK_MAX_DOCS {
            close_block(&mut raw, &mut n_in_block, n_docs, &mut pending);
            if pending.len() >= COMPRESS_BATCH_BLOCKS {
                compress(&mut encoder, &mut pending)?;
            }
        }
    }
    close_block(&mut raw, &mut n_in_block, n_docs, &mut pending);
    compress(&mut encoder, &mut pending)?;
    stats.n_docs = count_u32(n_docs, "segment")?;
    let n_blocks = block_checksums.len();

    let off_ids = encoder.position();
    encoder.begin_tables();
    encoder.bytes(&ids).map_err(io_other)?;
    let off_id_offsets = encoder.position();
    encoder.u64(off_ids).map_err(io_other)?;
    for end in &id_ends {
        encoder.u64(off_ids + end).map_err(io_other)?;
    }
    let off_blocks = encoder.position();
    for offset in block_offsets.iter().chain([&off_ids]) {
        encoder.u64(*offset).map_err(io_other)?;
    }
    for first in block_first_docs.iter().chain([&stats.n_docs]) {
        encoder.u32(*first).map_err(io_other)?;
    }
    for value in block_raw_lens.iter().chain(&block_checksums) {
        encoder.u64(*value).map_err(io_other)?;
    }
    let off_stats = encoder.position();
    write_stats(&mut encoder, &stats, &outlets)?;
    for value in [n_docs as u64, n_blocks as u64, off_ids, off_id_offsets, off_blocks, off_stats] {
        encoder.u64(value).map_err(io_other)?;
    }
    let checksum = encoder.tables_digest();
    encoder.u64(checksum).map_err(io_other)?;
    encoder.finish().map_err(io_other)
}

/// A document store read from its file: random access by local number.
#[derive(Debug, Clone)]
pub enum DocStore {
    /// Format v1 and v2: uncompressed records.
    V1(DocsV1),
    /// Format v3: compressed blocks.
    V3(DocsV3),
}

impl DocStore {
    /// Opens a document store, checking its frame (as `verify` asks) and the consistency of
    /// its tables.
    pub fn open(bytes: FileBytes, file: PathBuf, verify: Verify) -> Result<DocStore> {
        match check_segment_frame(&bytes, MAGIC_DOCS, &file, verify)? {
            1 | 2 => DocsV1::open(bytes, file).map(DocStore::V1),
            _ => DocsV3::open(bytes, file, verify == Verify::Full).map(DocStore::V3),
        }
    }

    /// Documents stored (deleted ones included).
    pub fn n_docs(&self) -> u32 {
        match self {
            DocStore::V1(store) => store.n_docs,
            DocStore::V3(store) => store.n_docs,
        }
    }

    /// Statistics stored with the segment.
    pub fn stats(&self) -> &SegmentStats {
        match self {
            DocStore::V1(store) => &store.stats,
            DocStore::V3(store) => &store.stats,
        }
    }

    /// Size of the file in bytes.
    pub fn len_bytes(&self) -> u64 {
        match self {
            DocStore::V1(store) => store.bytes.len() as u64,
            DocStore::V3(store) => store.bytes.len() as u64,
        }
    }

    /// The corpus identifier of `doc_idx`.
    pub fn id(&self, doc_idx: u32) -> Result<&str> {
        match self {
            DocStore::V1(store) => store.id(doc_idx),
            DocStore::V3(store) => store.id(doc_idx),
        }
    }

    /// The whole document `doc_idx` (`doc_idx < n_docs`).
    pub fn document(&self, doc_idx: u32) -> Result<Document> {
        match self {
            DocStore::V1(store) => store.document(doc_idx),
            DocStore::V3(store) => store.document(doc_idx),
        }
    }
}

/// Decodes the record at the decoder's position.
fn decode_record(decoder: &mut Decoder<'_>, id: String) -> Result<Document> {
    let title = decoder.opt_str()?.map(str::to_string);
    let text = decoder.str()?.to_string();
    let date = if decoder.u8()? != 0 { Some(Timestamp(decoder.i64()?)) } else { None };
    let source = decoder.opt_str()?.map(str::to_string);
    let url = decoder.opt_str()?.map(str::to_string);
    Ok(Document { id, title, text, date, source, url })
}

/// Skips one record (lengths only).
fn skip_record(decoder: &mut Decoder<'_>) -> Result<()> {
    decoder.opt_str()?;
    decoder.str()?;
    if decoder.u8()? != 0 {
        decoder.i64()?;
    }
    decoder.opt_str()?;
    decoder.opt_str()?;
    Ok(())
}

/// Decompressed blocks, most recently used first: (block, records).
type BlockCache = VecDeque<(usize, Arc<[u8]>)>;

/// A v3 document store.
#[derive(Debug, Clone)]
pub struct DocsV3 {
    bytes: FileBytes,
    file: PathBuf,
    n_docs: u32,
    n_blocks: usize,
    off_ids: usize,
    off_id_offsets: usize,
    off_blocks: usize,
    stats: SegmentStats,
    /// Recently decompressed blocks, most recent first: (block, raw bytes).
    cache: Arc<Mutex<BlockCache>>,
    /// Whether the whole file's checksum was checked at open (blocks need no check then).
    verified: bool,
}

thread_local! {
    /// A zstd decompression context per thread: creating one costs more than decompressing a
    /// small block.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Decompresses one zstd frame of `capacity` bytes with this thread's context.
fn decompress(compressed: &[u8], capacity: usize) -> std::io::Result<Vec<u8>> {
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.try_borrow_mut().map_err(std::io::Error::other)?;
        if cell.is_none() {
            *cell = Some(zstd::bulk::Decompressor::new()?);
        }
        match cell.as_mut() {
            Some(decompressor) => decompressor.decompress(compressed, capacity),
            None => zstd::bulk::decompress(compressed, capacity),
        }
    })
}

impl DocsV3 {
    fn open(bytes: FileBytes, file: PathBuf, verified: bool) -> Result<DocsV3> {
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + DOCS_FOOTER_LEN)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| Error::corrupt(&file, "too short for a document store"))?;
        let mut footer = Decoder::new(&bytes, footer_start, &file);
        let n_docs = footer.u64()?;
        let n_blocks = footer.usize()?;
        let off_ids = footer.usize()?;
        let off_id_offsets = footer.usize()?;
        let off_blocks = footer.usize()?;
        let off_stats = footer.usize()?;
        let stored = footer.u64()?;
        let sizes_ok = off_ids >= HEADER_LEN
            && off_ids <= off_id_offsets
            && off_id_offsets <= off_blocks
            && off_blocks <= off_stats
            && off_stats <= footer_start;
        if !sizes_ok {
            return Err(Error::corrupt(&file, "document store tables are inconsistent"));
        }
        let computed = tables_checksum(&bytes, off_ids, footer_start, DOCS_FOOTER_LEN);
        if stored != computed {
            return Err(Error::corrupt(
                &file,
                format!(
                    "checksum mismatch in the tables (stored {stored:016x}, computed {computed:016x})"
                ),
            ));
        }
        let n_docs = u32::try_from(n_docs)
            .ok()
            .filter(|&n| n as usize <= MAX_SEGMENT_DOCS)
            .ok_or_else(|| Error::corrupt(&file, format!("impossible document count {n_docs}")))?;
        let id_table_len = (n_docs as usize + 1) * 8;
        let block_table_len = n_blocks.checked_mul(28).and_then(|len| len.checked_add(12));
        let consistent = off_id_offsets.checked_add(id_table_len) == Some(off_blocks)
            && block_table_len.and_then(|len| off_blocks.checked_add(len)) == Some(off_stats)
            && n_blocks <= n_docs as usize
            && (n_blocks > 0 || n_docs == 0);
        if !consistent {
            return Err(Error::corrupt(&file, "document store tables are inconsistent"));
        }
        let stats = read_stats(&bytes, off_stats, footer_start, n_docs, &file)?;
        let store = DocsV3 {
            bytes,
            file,
            n_docs,
            n_blocks,
            off_ids,
            off_id_offsets,
            off_blocks,
            stats,
            cache: Arc::new(Mutex::new(VecDeque::new())),
            verified,
        };
        // Blocks tile [HEADER_LEN, off_ids) in order, and their first documents ascend from 0
        // to n_docs.
        let ends_ok = store.block_offset(0) == HEADER_LEN as u64
            && store.block_first_doc(0) == 0
            && store.block_offset(n_blocks) == off_ids as u64
            && store.block_first_doc(n_blocks) == n_docs;
        let ascending = (0..n_blocks).all(|block| {
            store.block_offset(block) < store.block_offset(block + 1)
                && store.block_first_doc(block) < store.block_first_doc(block + 1)
        });
        if !ends_ok || !ascending {
            return Err(Error::corrupt(&store.file, "document blocks are inconsistent"));
        }
        if read_u64(&store.bytes, off_id_offsets) != off_ids as u64
            || read_u64(&store.bytes, off_blocks - 8) != off_id_offsets as u64
        {
            return Err(Error::corrupt(&store.file, "document ids are inconsistent"));
        }
        Ok(store)
    }

    fn block_offset(&self, block: usize) -> u64 {
        read_u64(&self.bytes, self.off_blocks + block * 8)
    }

    fn block_first_doc(&self, block: usize) -> u32 {
        read_u32(&self.bytes, self.off_blocks + (self.n_blocks + 1) * 8 + block * 4)
    }

    fn block_raw_len(&self, block: usize) -> u64 {
        read_u64(&self.bytes, self.off_blocks + (self.n_blocks + 1) * 12 + block * 8)
    }

    fn block_checksum(&self, block: usize) -> u64 {
        read_u64(
            &self.bytes,
            self.off_blocks + (self.n_blocks + 1) * 12 + (self.n_blocks + block) * 8,
        )
    }

    fn id(&self, doc_idx: u32) -> Result<&str> {
        let at = self.off_id_offsets + doc_idx as usize * 8;
        let (start, end) = (read_u64(&self.bytes, at), read_u64(&self.bytes, at + 8));
        if doc_idx >= self.n_docs
            || start > end
            || end > self.off_id_offsets as u64
            || start < self.off_ids as u64
        {
            return Err(Error::corrupt(&self.file, format!("bad offsets for document {doc_idx}")));
        }
        std::str::from_utf8(&self.bytes[start as usize..end as usize]).map_err(|_| {
            Error::corrupt(&self.file, format!("id of document {doc_idx} is not UTF-8"))
        })
    }

    /// The decompressed bytes of `block`, from the cache or checked and decompressed.
    fn block(&self, block: usize) -> Result<Arc<[u8]>> {
        if let Ok(mut cache) = self.cache.lock()
            && let Some(at) = cache.iter().position(|(cached, _)| *cached == block)
        {
            let entry = cache.remove(at).expect("position is in range");
            let raw = Arc::clone(&entry.1);
            cache.push_front(entry);
            return Ok(raw);
        }
        let (start, end) =
            (self.block_offset(block) as usize, self.block_offset(block + 1) as usize);
        let compressed = &self.bytes[start..end];
        let stored = self.block_checksum(block);
        let computed = if self.verified { stored } else { xxh3_64(compressed) };
        if computed != stored {
            return Err(Error::corrupt(
                &self.file,
                format!(
                    "checksum mismatch in document block {block} (stored {stored:016x}, computed {computed:016x})"
                ),
            ));
        }
        let raw_len = usize::try_from(self.block_raw_len(block)).map_err(|_| {
            Error::corrupt(&self.file, format!("document block {block} is too large"))
        })?;
        let raw = decompress(compressed, raw_len).map_err(|error| {
            Error::corrupt(
                &self.file,
                format!("document block {block} does not decompress: {error}"),
            )
        })?;
        if raw.len() != raw_len {
            return Err(Error::corrupt(
                &self.file,
                format!("document block {block} has the wrong length"),
            ));
        }
        let raw: Arc<[u8]> = raw.into();
        if let Ok(mut cache) = self.cache.lock() {
            cache.push_front((block, Arc::clone(&raw)));
            cache.truncate(BLOCK_CACHE_BLOCKS);
        }
        Ok(raw)
    }

    fn document(&self, doc_idx: u32) -> Result<Document> {
        let id = self.id(doc_idx)?.to_string();
        // The last block whose first document is at most `doc_idx` (block 0 starts at 0).
        let (mut lo, mut hi) = (0, self.n_blocks);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.block_first_doc(mid) <= doc_idx {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let block = lo;
        let raw = self.block(block)?;
        let mut decoder = Decoder::new(&raw, 0, &self.file);
        for _ in self.block_first_doc(block)..doc_idx {
            skip_record(&mut decoder)?;
        }
        decode_record(&mut decoder, id)
    }

    /// Checks every block's checksum (for [`crate::verify`]).
    pub(crate) fn check_blocks(&self) -> Result<()> {
        for block in 0..self.n_blocks {
            let (start, end) =
                (self.block_offset(block) as usize, self.block_offset(block + 1) as usize);
            if xxh3_64(&self.bytes[start..end]) != self.block_checksum(block) {
                return Err(Error::corrupt(
                    &self.file,
                    format!("checksum mismatch in document block {block}"),
                ));
            }
        }
        Ok(())
    }
}

/// A v1/v2 document store: uncompressed records.
#[derive(Debug, Clone)]
pub struct DocsV1 {
    bytes: FileBytes,
    file: PathBuf,
    n_docs: u32,
    off_doc_offsets: usize,
    off_id_offsets: usize,
    stats: SegmentStats,
}

impl DocsV1 {
    fn open(bytes: FileBytes, file: PathBuf) -> Result<DocsV1> {
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + DOCS_V1_FOOTER_LEN)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| Error::corrupt(&file, "too short for a document store"))?;
        let mut footer = Decoder::new(&bytes, footer_start, &file);
        let n_docs = footer.u64()?;
        let off_doc_offsets = footer.usize()?;
        let off_id_offsets = footer.usize()?;
        let off_stats = footer.usize()?;
        let n_docs = u32::try_from(n_docs)
            .ok()
            .filter(|&n| n as usize <= MAX_SEGMENT_DOCS)
            .ok_or_else(|| Error::corrupt(&file, format!("impossible document count {n_docs}")))?;
        let table_len = (n_docs as usize + 1) * 8;
        let consistent = off_doc_offsets >= HEADER_LEN
            && off_doc_offsets.checked_add(table_len) == Some(off_id_offsets)
            && off_id_offsets.checked_add(table_len) == Some(off_stats)
            && off_stats <= footer_start;
        if !consistent {
            return Err(Error::corrupt(&file, "document store tables are inconsistent"));
        }
        let stats = read_stats(&bytes, off_stats, footer_start, n_docs, &file)?;
        Ok(DocsV1 { bytes, file, n_docs, off_doc_offsets, off_id_offsets, stats })
    }

    /// The byte range `[start, end)` of entry `doc_idx` in the offsets table at `table`.
    fn range(&self, table: usize, doc_idx: u32) -> Result<(usize, usize)> {
        let at = table + doc_idx as usize * 8;
        let start = read_u64(&self.bytes, at);
        let end = read_u64(&self.bytes, at + 8);
        if start > end || end > self.off_doc_offsets as u64 || start < HEADER_LEN as u64 {
            return Err(Error::corrupt(&self.file, format!("bad offsets for document {doc_idx}")));
        }
        Ok((start as usize, end as usize))
    }

    fn id(&self, doc_idx: u32) -> Result<&str> {
        let (start, end) = self.range(self.off_id_offsets, doc_idx)?;
        std::str::from_utf8(&self.bytes[start..end]).map_err(|_| {
            Error::corrupt(&self.file, format!("id of document {doc_idx} is not UTF-8"))
        })
    }

    fn document(&self, doc_idx: u32) -> Result<Document> {
        let id = self.id(doc_idx)?.to_string();
        let (start, end) = self.range(self.off_doc_offsets, doc_idx)?;
        let mut decoder = Decoder::new(&self.bytes[..end], start, &self.file);
        let document = decode_record(&mut decoder, id)?;
        if decoder.position() != end {
            return Err(decoder.error(format!("document {doc_idx} has trailing bytes")));
        }
        Ok(document)
    }
}

// ---------------------------------------------------------------------------------------
// Postings

/// Bytes of the v3 postings footer before the checksum.
const POSTINGS_FOOTER_LEN: usize = 64;
/// Bytes of the v1 postings footer before the checksum.
const POSTINGS_V1_FOOTER_LEN: usize = 64;
/// Buckets per checksummed chunk: 2^10 buckets of about 24 keys, some 100 KiB.
const CHUNK_BITS: u32 = 10;
/// A chunk whose checksum was not checked yet.
const CHUNK_UNCHECKED: u8 = 0;
/// A chunk whose checksum matched.
const CHUNK_OK: u8 = 1;
/// A chunk whose checksum failed: lookups skip it.
const CHUNK_DAMAGED: u8 = 2;
/// Flag in a v1 postings value: the low 31 bits are the only document of the key.
const SINGLETON_FLAG: u32 = 1 << 31;

/// Bits of the key prefix that choose a bucket: 16 to 32 keys per bucket.
fn bucket_bits(n_keys: u64) -> u32 {
    let target = (n_keys / 16).max(1);
    (63 - target.leading_zeros()).min(28)
}

/// The low `n_bits` bits set.
#[inline]
fn low_mask(n_bits: u32) -> u64 {
    if n_bits == 0 { 0 } else { u64::MAX >> (64 - n_bits) }
}

/// Writes a postings table to `out`. `postings` are [`pack_posting`] values, sorted ascending
/// and without duplicates. Returns (file size, checksum).
pub fn write_postings(out: &mut dyn Write, postings: &[u128]) -> Result<(u64, u64)> {
    let n_keys = postings.chunk_by(|a, b| packed_key(*a) == packed_key(*b)).count();
    let max_doc = postings.iter().map(|p| packed_doc(*p)).max().unwrap_or(0);
    let pairs = postings.iter().map(|p| (packed_key(*p), packed_doc(*p)));
    write_postings_from(out, n_keys as u64, max_doc, pairs)
}

/// [`write_postings`] from a stream of (key, local document) pairs ascending, without
/// duplicates, holding `n_keys` distinct keys and no document above `max_doc`.
pub fn write_postings_from(
    out: &mut dyn Write,
    n_keys: u64,
    max_doc: u32,
    postings: impl Iterator<Item = (u64, u32)>,
) -> Result<(u64, u64)> {
    let too_large = |reason: String| Error::TooLarge { what: "segment postings".into(), reason };
    let bits = bucket_bits(n_keys);
    let chunk_bits = CHUNK_BITS.min(bits);
    let remainder_bits = KEY_BITS - bits;
    let doc_bits = (32 - max_doc.leading_zeros()).max(1);
    let n_buckets = 1usize << bits;
    let chunk_buckets = 1usize << chunk_bits;

    let mut encoder = Encoder::new(out, MAGIC_POSTINGS).map_err(io_other)?;
    let mut directory: Vec<u32> = Vec::with_capacity(n_buckets + 1);
    let mut chunk_sums: Vec<u64> = Vec::with_capacity(n_buckets / chunk_buckets);
    let mut chunk = Xxh3Default::new();
    let mut data_len: u64 = 0;
    let (mut n_keys_seen, mut n_postings) = (0u64, 0u64);
    let mut postings = postings.peekable();
    let (mut keys, mut counts, mut docs) = (Vec::new(), Vec::new(), Vec::new());
    let mut bucket_bytes = Vec::new();
    let offset = |data_len: u64| {
        u32::try_from(data_len).map_err(|_| too_large(format!("more than {} bytes", u32::MAX)))
    };
    for bucket in 0..n_buckets {
        directory.push(offset(data_len)?);
        keys.clear();
        counts.clear();
        docs.clear();
        while let Some(&(key, doc)) = postings.peek() {
            let key_bucket = (key >> remainder_bits) as usize;
            if key_bucket != bucket {
                if key_bucket < bucket || key > low_mask(KEY_BITS) {
                    return Err(too_large("postings are not sorted keys".into()));
                }
                break;
            }
            postings.next();
            let remainder = key & low_mask(remainder_bits);
            match (keys.last(), counts.last_mut()) {
                (Some(last), Some(count)) if *last == remainder => *count += 1,
                _ => {
                    keys.push(remainder);
                    counts.push(1u64);
                }
            }
            docs.push(doc);
        }
        if !keys.is_empty() {
            n_keys_seen += keys.len() as u64;
            n_postings += docs.len() as u64;
            bucket_bytes.clear();
            put_varint(&mut bucket_bytes, keys.len() as u64);
            let mut writer = BitWriter::default();
            for key in &keys {
                writer.bits(*key, remainder_bits);
            }
            for count in &counts {
                writer.gamma(*count);
            }
            for doc in &docs {
                writer.bits(u64::from(*doc), doc_bits);
            }
            bucket_bytes.extend_from_slice(&writer.finish());
            encoder.bytes(&bucket_bytes).map_err(io_other)?;
            chunk.update(&bucket_bytes);
            data_len += bucket_bytes.len() as u64;
        }
        if (bucket + 1).is_multiple_of(chunk_buckets) {
            let first = bucket + 1 - chunk_buckets;
            for start in &directory[first..] {
                chunk.update(&start.to_le_bytes());
            }
            chunk.update(&offset(data_len)?.to_le_bytes());
            chunk_sums.push(chunk.digest());
            chunk = Xxh3Default::new();
        }
    }
    directory.push(offset(data_len)?);
    if postings.next().is_some() || n_keys_seen != n_keys {
        return Err(too_large("postings are not sorted keys".into()));
    }

    let off_dir = encoder.position();
    for start in &directory {
        encoder.u32(*start).map_err(io_other)?;
    }
    let off_chunks = encoder.position();
    encoder.begin_tables();
    for sum in &chunk_sums {
        encoder.u64(*sum).map_err(io_other)?;
    }
    encoder.u64(n_keys).map_err(io_other)?;
    encoder.u64(n_postings).map_err(io_other)?;
    for value in [bits, chunk_bits, KEY_BITS, doc_bits] {
        encoder.u32(value).map_err(io_other)?;
    }
    for value in [off_dir, off_chunks, chunk_sums.len() as u64] {
        encoder.u64(value).map_err(io_other)?;
    }
    let checksum = encoder.tables_digest();
    encoder.u64(checksum).map_err(io_other)?;
    encoder.finish().map_err(io_other)
}

/// A postings table read from its file: fingerprint → ascending local document numbers.
#[derive(Debug, Clone)]
pub enum PostingsTable {
    /// Format v1 and v2: full 64-bit hashes.
    V1(PostingsV1),
    /// Format v3: packed buckets of keys.
    V3(PostingsV3),
}

impl PostingsTable {
    /// Opens a postings table, checking its frame (as `verify` asks) and that its sections
    /// tile the file.
    pub fn open(bytes: FileBytes, file: &Path, verify: Verify) -> Result<PostingsTable> {
        match check_segment_frame(&bytes, MAGIC_POSTINGS, file, verify)? {
            1 | 2 => PostingsV1::open(bytes, file).map(PostingsTable::V1),
            _ => PostingsV3::open(bytes, file, verify).map(PostingsTable::V3),
        }
    }

    /// Postings (fingerprint, document) pairs stored.
    pub fn n_postings(&self) -> u64 {
        match self {
            PostingsTable::V1(table) => table.n_postings,
            PostingsTable::V3(table) => table.n_postings,
        }
    }

    /// Size of the file in bytes.
    pub fn len_bytes(&self) -> u64 {
        match self {
            PostingsTable::V1(table) => table.bytes.len() as u64,
            PostingsTable::V3(table) => table.bytes.len() as u64,
        }
    }

    /// How many documents of this segment contain `hash` (deleted ones included).
    pub fn doc_freq(&self, hash: u64) -> u32 {
        match self {
            PostingsTable::V1(table) => table.doc_freq(hash),
            PostingsTable::V3(table) => {
                table.find(posting_key(hash)).map_or(0, |(_, count)| count as u32)
            }
        }
    }

    /// Calls `each` with the local documents containing `hash`, ascending.
    pub fn for_each_doc(&self, hash: u64, mut each: impl FnMut(u32)) {
        match self {
            PostingsTable::V1(table) => table.for_each_doc(hash, each),
            PostingsTable::V3(table) => {
                if let Some((mut reader, count)) = table.find(posting_key(hash)) {
                    for _ in 0..count {
                        each(reader.bits(table.doc_bits) as u32);
                    }
                }
            }
        }
    }

    /// Calls `each` with every (key, local document) pair, keys as [`posting_key`] gives
    /// them: how a merge reads a whole table. Ascending for v3; a v1 table's keys come in the
    /// order of its hashes. Fails if a chunk of the table is damaged.
    pub(crate) fn for_each_posting(&self, mut each: impl FnMut(u64, u32)) -> Result<()> {
        match self {
            PostingsTable::V1(table) => {
                table.for_each_posting(|hash, doc| each(posting_key(hash), doc));
                Ok(())
            }
            PostingsTable::V3(table) => table.for_each_posting(each),
        }
    }

    /// Every (key, local document) pair in key order, a bucket at a time, after checking
    /// every chunk: how a merge streams a v3 table. `None` for a v1/v2 table (its keys are
    /// not in order).
    pub(crate) fn cursor(&self) -> Result<Option<PostingsCursor<'_>>> {
        match self {
            PostingsTable::V1(_) => Ok(None),
            PostingsTable::V3(table) => {
                table.check_all_chunks()?;
                Ok(Some(PostingsCursor { table, next_bucket: 0, buffer: Vec::new(), position: 0 }))
            }
        }
    }

    /// The first damage found by a lookup (which skips damaged chunks), as the reason.
    pub fn damage(&self) -> Option<Error> {
        match self {
            PostingsTable::V1(_) => None,
            PostingsTable::V3(table) => {
                table.damage.get().map(|reason| Error::corrupt(&table.file, reason.clone()))
            }
        }
    }
}

/// The postings of a v3 table in key order, decoded a bucket at a time.
#[derive(Debug)]
pub(crate) struct PostingsCursor<'a> {
    table: &'a PostingsV3,
    next_bucket: usize,
    buffer: Vec<(u64, u32)>,
    position: usize,
}

impl Iterator for PostingsCursor<'_> {
    type Item = Result<(u64, u32)>;

    fn next(&mut self) -> Option<Result<(u64, u32)>> {
        while self.position == self.buffer.len() {
            if self.next_bucket >= 1usize << self.table.bits {
                return None;
            }
            self.buffer.clear();
            self.position = 0;
            let bucket = self.next_bucket;
            self.next_bucket += 1;
            if let Err(error) = self.table.decode_bucket(bucket, &mut self.buffer) {
                self.next_bucket = usize::MAX;
                return Some(Err(error));
            }
        }
        self.position += 1;
        Some(Ok(self.buffer[self.position - 1]))
    }
}

/// A v3 postings table: buckets of bit-packed keys, counts and documents.
///
/// Bucket `b` (bytes `directory[b] .. directory[b + 1]` of the data) holds the keys whose top
/// `bits` bits are `b`: a varint key count n, then a bit stream (least significant bit first)
/// of n key remainders (`KEY_BITS - bits` bits each, ascending), n Elias gamma document
/// counts, and every key's documents (`doc_bits` bits each, ascending per key).
#[derive(Debug, Clone)]
pub struct PostingsV3 {
    bytes: FileBytes,
    file: PathBuf,
    n_postings: u64,
    bits: u32,
    chunk_bits: u32,
    doc_bits: u32,
    off_dir: usize,
    off_chunks: usize,
    data_len: usize,
    /// Per chunk: [`CHUNK_UNCHECKED`], [`CHUNK_OK`] or [`CHUNK_DAMAGED`].
    verified: Arc<[AtomicU8]>,
    /// The first damaged chunk's reason; lookups skip damaged chunks.
    damage: Arc<OnceLock<String>>,
}

impl PostingsV3 {
    fn open(bytes: FileBytes, file: &Path, verify: Verify) -> Result<PostingsV3> {
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + POSTINGS_FOOTER_LEN)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| Error::corrupt(file, "too short for a postings table"))?;
        let mut footer = Decoder::new(&bytes, footer_start, file);
        let _n_keys = footer.u64()?;
        let n_postings = footer.u64()?;
        let bits = footer.u32()?;
        let chunk_bits = footer.u32()?;
        let key_bits = footer.u32()?;
        let doc_bits = footer.u32()?;
        let off_dir = footer.usize()?;
        let off_chunks = footer.usize()?;
        let n_chunks = footer.usize()?;
        let stored = footer.u64()?;
        if off_chunks > footer_start {
            return Err(Error::corrupt(file, "postings sections are inconsistent"));
        }
        let computed = tables_checksum(&bytes, off_chunks, footer_start, POSTINGS_FOOTER_LEN);
        if stored != computed {
            return Err(Error::corrupt(
                file,
                format!(
                    "checksum mismatch in the tables (stored {stored:016x}, computed {computed:016x})"
                ),
            ));
        }
        if key_bits != KEY_BITS {
            return Err(Error::corrupt(
                file,
                format!("keys of {key_bits} bits, this build reads {KEY_BITS}"),
            ));
        }
        let sizes_match = || -> Option<bool> {
            let dir_len = 1usize.checked_shl(bits)?.checked_add(1)?.checked_mul(4)?;
            Some(
                bits <= 28
                    && chunk_bits <= bits
                    && (1..=31).contains(&doc_bits)
                    && n_chunks == 1usize << (bits - chunk_bits)
                    && off_dir >= HEADER_LEN
                    && off_dir - HEADER_LEN <= u32::MAX as usize
                    && off_dir.checked_add(dir_len)? == off_chunks
                    && off_chunks.checked_add(n_chunks.checked_mul(8)?)? == footer_start
                    && read_u32(&bytes, off_dir) == 0
                    && read_u32(&bytes, off_chunks - 4) as usize == off_dir - HEADER_LEN,
            )
        };
        if sizes_match() != Some(true) {
            return Err(Error::corrupt(file, "postings sections are inconsistent"));
        }
        let state = if verify == Verify::Full { CHUNK_OK } else { CHUNK_UNCHECKED };
        Ok(PostingsV3 {
            bytes,
            file: file.to_path_buf(),
            n_postings,
            bits,
            chunk_bits,
            doc_bits,
            off_dir,
            off_chunks,
            data_len: off_dir - HEADER_LEN,
            verified: (0..n_chunks).map(|_| AtomicU8::new(state)).collect(),
            damage: Arc::new(OnceLock::new()),
        })
    }

    fn dir(&self, bucket: usize) -> usize {
        read_u32(&self.bytes, self.off_dir + bucket * 4) as usize
    }

    /// Checks the checksum of chunk `chunk` (its buckets' bytes and directory entries).
    fn check_chunk(&self, chunk: usize) -> Result<()> {
        let first = chunk << self.chunk_bits;
        let end = first + (1 << self.chunk_bits);
        let (start_byte, end_byte) = (self.dir(first), self.dir(end));
        if start_byte > end_byte || end_byte > self.data_len {
            return Err(Error::corrupt(
                &self.file,
                format!("postings chunk {chunk} is inconsistent"),
            ));
        }
        let mut hasher = Xxh3Default::new();
        hasher.update(&self.bytes[HEADER_LEN + start_byte..HEADER_LEN + end_byte]);
        hasher.update(&self.bytes[self.off_dir + first * 4..self.off_dir + (end + 1) * 4]);
        let computed = hasher.digest();
        let stored = read_u64(&self.bytes, self.off_chunks + chunk * 8);
        if computed != stored {
            return Err(Error::corrupt(
                &self.file,
                format!(
                    "checksum mismatch in postings chunk {chunk} (stored {stored:016x}, computed {computed:016x})"
                ),
            ));
        }
        Ok(())
    }

    /// Whether chunk `chunk` is intact, checking it on first use and remembering damage.
    #[inline]
    fn chunk_ok(&self, chunk: usize) -> bool {
        let Some(state) = self.verified.get(chunk) else { return false };
        match state.load(Ordering::Acquire) {
            CHUNK_OK => return true,
            CHUNK_DAMAGED => return false,
            _ => {}
        }
        match self.check_chunk(chunk) {
            Ok(()) => {
                state.store(CHUNK_OK, Ordering::Release);
                true
            }
            Err(error) => {
                let reason = match error {
                    Error::Corrupt { reason, .. } => reason,
                    other => other.to_string(),
                };
                let _ = self.damage.set(reason);
                state.store(CHUNK_DAMAGED, Ordering::Release);
                false
            }
        }
    }

    /// The bytes of bucket `bucket` (empty for an empty bucket).
    fn bucket_bytes(&self, bucket: usize) -> &[u8] {
        let (start, end) = (self.dir(bucket), self.dir(bucket + 1));
        if start >= end || end > self.data_len {
            return &[];
        }
        &self.bytes[HEADER_LEN + start..HEADER_LEN + end]
    }

    /// Decodes a bucket's header: (key count, bit reader at the first key).
    fn bucket(&self, bucket: usize) -> Option<(usize, BitReader<'_>)> {
        let bytes = self.bucket_bytes(bucket);
        let mut position = 0;
        let n_keys = usize::try_from(get_varint(bytes, &mut position)?).ok()?;
        let remainder_bits = (KEY_BITS - self.bits) as usize;
        // A count that the bucket's bits cannot hold is damage.
        if n_keys == 0 || n_keys.checked_mul(remainder_bits + 1)? > (bytes.len() - position) * 8 {
            return None;
        }
        Some((n_keys, BitReader::new(&bytes[position..])))
    }

    /// The documents of `key`: a reader at its first document and their count.
    #[inline]
    fn find(&self, key: u64) -> Option<(BitReader<'_>, u64)> {
        let remainder_bits = KEY_BITS - self.bits;
        let bucket = (key >> remainder_bits) as usize;
        if !self.chunk_ok(bucket >> self.chunk_bits) {
            return None;
        }
        let (n_keys, mut reader) = self.bucket(bucket)?;
        let target = key & low_mask(remainder_bits);
        let width = remainder_bits as usize;
        let (mut lo, mut hi) = (0, n_keys);
        let mut found = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            reader.seek(mid * width);
            match reader.bits(remainder_bits).cmp(&target) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    found = Some(mid);
                    break;
                }
            }
        }
        let key_idx = found?;
        reader.seek(n_keys * width);
        let (mut before, mut count) = (0u64, 0u64);
        for idx in 0..n_keys {
            let n_docs = reader.gamma()?;
            if idx < key_idx {
                before += n_docs;
            } else if idx == key_idx {
                count = n_docs;
            }
        }
        let docs_start = reader.position();
        let doc_bits = u64::from(self.doc_bits);
        let docs_end = docs_start as u64 + (before + count) * doc_bits;
        reader.seek(docs_end as usize);
        if reader.overran() {
            return None;
        }
        reader.seek(docs_start + (before * doc_bits) as usize);
        Some((reader, count))
    }

    /// Checks every chunk not yet checked (a merge reads them all).
    fn check_all_chunks(&self) -> Result<()> {
        for (chunk, state) in self.verified.iter().enumerate() {
            if state.load(Ordering::Acquire) != CHUNK_OK {
                self.check_chunk(chunk)?;
                state.store(CHUNK_OK, Ordering::Release);
            }
        }
        Ok(())
    }

    /// Appends the (key, local document) pairs of bucket `bucket` to `out`, ascending.
    fn decode_bucket(&self, bucket: usize, out: &mut Vec<(u64, u32)>) -> Result<()> {
        if self.bucket_bytes(bucket).is_empty() {
            return Ok(());
        }
        let damaged =
            || Error::corrupt(&self.file, format!("postings bucket {bucket} is inconsistent"));
        let remainder_bits = KEY_BITS - self.bits;
        let (n_keys, mut reader) = self.bucket(bucket).ok_or_else(damaged)?;
        let mut keys = Vec::with_capacity(n_keys);
        for _ in 0..n_keys {
            keys.push(((bucket as u64) << remainder_bits) | reader.bits(remainder_bits));
        }
        let mut counts = Vec::with_capacity(n_keys);
        for _ in 0..n_keys {
            counts.push(reader.gamma().ok_or_else(damaged)?);
        }
        for (key, count) in keys.iter().zip(counts) {
            for _ in 0..count {
                out.push((*key, reader.bits(self.doc_bits) as u32));
            }
        }
        if reader.overran() {
            return Err(damaged());
        }
        Ok(())
    }

    fn for_each_posting(&self, mut each: impl FnMut(u64, u32)) -> Result<()> {
        self.check_all_chunks()?;
        let mut postings = Vec::new();
        for bucket in 0..1usize << self.bits {
            postings.clear();
            self.decode_bucket(bucket, &mut postings)?;
            for (key, doc) in &postings {
                each(*key, *doc);
            }
        }
        Ok(())
    }

    /// Checks every chunk's checksum (for [`crate::verify`]).
    pub(crate) fn check_chunks(&self) -> Result<()> {
        (0..self.verified.len()).try_for_each(|chunk| self.check_chunk(chunk))
    }
}

/// A v1/v2 postings table: a bucket directory over full 64-bit hashes.
#[derive(Debug, Clone)]
pub struct PostingsV1 {
    bytes: FileBytes,
    bits: u32,
    n_keys: usize,
    n_postings: u64,
    off_dir: usize,
    off_keys: usize,
    off_values: usize,
    off_lists: usize,
    n_list_words: usize,
}

impl PostingsV1 {
    fn open(bytes: FileBytes, file: &Path) -> Result<PostingsV1> {
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + POSTINGS_V1_FOOTER_LEN)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| Error::corrupt(file, "too short for a postings table"))?;
        let mut footer = Decoder::new(&bytes, footer_start, file);
        let n_keys = footer.usize()?;
        let n_postings = footer.u64()?;
        let bits = footer.u32()?;
        let _reserved = footer.u32()?;
        let off_dir = footer.usize()?;
        let off_keys = footer.usize()?;
        let off_values = footer.usize()?;
        let off_lists = footer.usize()?;
        let n_list_words = footer.usize()?;
        let sizes_match = || -> Option<bool> {
            let dir_len = 1usize.checked_shl(bits)?.checked_add(1)?.checked_mul(4)?;
            Some(
                off_dir == HEADER_LEN
                    && off_dir.checked_add(dir_len)? == off_keys
                    && off_keys.checked_add(n_keys.checked_mul(8)?)? == off_values
                    && off_values.checked_add(n_keys.checked_mul(4)?)? == off_lists
                    && off_lists.checked_add(n_list_words.checked_mul(4)?)? == footer_start
                    && read_u32(&bytes, off_keys - 4) as usize == n_keys,
            )
        };
        if bits > 28 || sizes_match() != Some(true) {
            return Err(Error::corrupt(file, "postings sections are inconsistent"));
        }
        Ok(PostingsV1 {
            bytes,
            bits,
            n_keys,
            n_postings,
            off_dir,
            off_keys,
            off_values,
            off_lists,
            n_list_words,
        })
    }

    /// The index of `hash` in the key table.
    #[inline]
    fn find(&self, hash: u64) -> Option<usize> {
        let bucket = if self.bits == 0 { 0 } else { (hash >> (64 - self.bits)) as usize };
        let mut lo = read_u32(&self.bytes, self.off_dir + bucket * 4) as usize;
        let mut hi =
            (read_u32(&self.bytes, self.off_dir + bucket * 4 + 4) as usize).min(self.n_keys);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let key = read_u64(&self.bytes, self.off_keys + mid * 8);
            match key.cmp(&hash) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The value of key `key_idx`: a singleton document, or the word offset of a list.
    #[inline]
    fn list(&self, key_idx: usize) -> Docs<'_> {
        let value = read_u32(&self.bytes, self.off_values + key_idx * 4);
        if value & SINGLETON_FLAG != 0 {
            return Docs::One(value & !SINGLETON_FLAG);
        }
        let word = value as usize;
        if word >= self.n_list_words {
            return Docs::Many(&[]);
        }
        let count = read_u32(&self.bytes, self.off_lists + word * 4) as usize;
        let count = count.min(self.n_list_words - word - 1);
        let start = self.off_lists + (word + 1) * 4;
        Docs::Many(&self.bytes[start..start + count * 4])
    }

    fn doc_freq(&self, hash: u64) -> u32 {
        match self.find(hash).map(|key_idx| self.list(key_idx)) {
            None => 0,
            Some(Docs::One(_)) => 1,
            Some(Docs::Many(bytes)) => (bytes.len() / 4) as u32,
        }
    }

    fn for_each_posting(&self, mut each: impl FnMut(u64, u32)) {
        for key_idx in 0..self.n_keys {
            let hash = read_u64(&self.bytes, self.off_keys + key_idx * 8);
            match self.list(key_idx) {
                Docs::One(doc_idx) => each(hash, doc_idx),
                Docs::Many(bytes) => {
                    for chunk in bytes.chunks_exact(4) {
                        each(hash, read_u32(chunk, 0));
                    }
                }
            }
        }
    }

    fn for_each_doc(&self, hash: u64, mut each: impl FnMut(u32)) {
        match self.find(hash).map(|key_idx| self.list(key_idx)) {
            None => {}
            Some(Docs::One(doc_idx)) => each(doc_idx),
            Some(Docs::Many(bytes)) => {
                for chunk in bytes.chunks_exact(4) {
                    each(read_u32(chunk, 0));
                }
            }
        }
    }
}

enum Docs<'a> {
    One(u32),
    Many(&'a [u8]),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(n: usize) -> Document {
        Document {
            id: format!("doc-{n}"),
            title: n.is_multiple_of(2).then(|| format!("Title {n}")),
            text: format!("Body {n}: ").repeat(1 + n % 700),
            date: (!n.is_multiple_of(3)).then_some(Timestamp(1_500_000_000 + n as i64)),
            source: Some(format!("outlet {}", n % 4)),
            url: None,
        }
    }

    fn docs_file(docs: &[Document]) -> FileBytes {
        let mut out = Vec::new();
        write_docs(&mut out, docs).expect("write docs");
        FileBytes::from_vec(out)
    }

    fn postings_file(postings: &mut Vec<u128>) -> FileBytes {
        postings.sort_unstable();
        postings.dedup();
        let mut out = Vec::new();
        write_postings(&mut out, postings).expect("write postings");
        FileBytes::from_vec(out)
    }

    #[test]
    fn documents_round_trip_across_blocks() {
        let docs: Vec<Document> = (0..300).map(document).collect();
        let bytes = docs_file(&docs);
        for verify in [Verify::Full, Verify::Tables] {
            let store = DocStore::open(bytes.clone(), "t.docs".into(), verify).expect("open");
            let DocStore::V3(v3) = &store else { panic!("v3 expected") };
            assert!(v3.n_blocks > 3, "several blocks: {}", v3.n_blocks);
            assert_eq!(store.n_docs(), 300);
            // Out of order, to go through the cache and around it.
            for n in (0..300).rev().chain(0..300).step_by(7) {
                assert_eq!(store.document(n as u32).expect("read"), docs[n]);
                assert_eq!(store.id(n as u32).expect("id"), docs[n].id);
            }
            assert_eq!(store.stats().outlets.len(), 4);
        }
        let empty = DocStore::open(docs_file(&[]), "e.docs".into(), Verify::Tables).expect("open");
        assert_eq!(empty.n_docs(), 0);
    }

    #[test]
    fn postings_round_trip() {
        let mut postings: Vec<u128> = Vec::new();
        let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
        for doc in 0..500u32 {
            for i in 0..40u64 {
                // Many singletons, some keys shared by a few documents, one by all.
                let hash = match i {
                    0 => 7,
                    1..=5 => u64::from(doc / 3) * 1_000_003 + i,
                    _ => xxh3_64(&(u64::from(doc) * 100 + i).to_le_bytes()),
                };
                postings.push(pack_posting(hash, doc));
                expected.entry(hash).or_default().push(doc);
            }
        }
        let table =
            PostingsTable::open(postings_file(&mut postings), Path::new("t.post"), Verify::Tables)
                .expect("open");
        assert_eq!(table.n_postings(), 20_000);
        for (hash, docs) in &expected {
            let mut found = Vec::new();
            table.for_each_doc(*hash, |doc| found.push(doc));
            assert_eq!(&found, docs, "{hash}");
            assert_eq!(table.doc_freq(*hash), docs.len() as u32);
        }
        for absent in [999_999_999_999u64, 42_000_000_000_000, u64::MAX] {
            assert_eq!(table.doc_freq(absent), 0);
        }
        let mut all = Vec::new();
        table.for_each_posting(|key, doc| all.push(pack_key(key, doc))).expect("all");
        assert_eq!(all, postings);
        assert!(table.damage().is_none());
    }

    #[test]
    fn a_damaged_block_is_found_when_read() {
        let docs: Vec<Document> = (0..200).map(document).collect();
        let bytes = docs_file(&docs);
        let mut damaged = bytes.to_vec();
        damaged[HEADER_LEN + 5] ^= 0x10; // inside block 0
        let file = PathBuf::from("d.docs");
        let error =
            DocStore::open(FileBytes::from_vec(damaged.clone()), file.clone(), Verify::Full)
                .expect_err("full check");
        assert!(error.to_string().contains("d.docs is damaged: checksum mismatch"), "{error}");
        let store =
            DocStore::open(FileBytes::from_vec(damaged), file, Verify::Tables).expect("lazy open");
        let error = store.document(0).expect_err("block 0 is damaged");
        assert!(
            error
                .to_string()
                .starts_with("d.docs is damaged: checksum mismatch in document block 0"),
            "{error}"
        );
        assert_eq!(store.document(199).expect("another block"), docs[199]);
    }

    #[test]
    fn a_damaged_table_is_refused_at_open() {
        let docs: Vec<Document> = (0..50).map(document).collect();
        let bytes = docs_file(&docs);
        let DocStore::V3(v3) =
            DocStore::open(bytes.clone(), "t.docs".into(), Verify::Tables).expect("open")
        else {
            panic!("v3 expected")
        };
        for at in [v3.off_ids, v3.off_id_offsets + 3, v3.off_blocks + 1, bytes.len() - 20, 9] {
            let mut damaged = bytes.to_vec();
            damaged[at] ^= 0x01;
            let error =
                DocStore::open(FileBytes::from_vec(damaged), "t.docs".into(), Verify::Tables)
                    .expect_err("damaged tables");
            assert!(error.to_string().contains("is damaged"), "byte {at}: {error}");
        }
    }

    #[test]
    fn a_damaged_postings_chunk_is_skipped_and_reported() {
        let mut postings: Vec<u128> = (0..60_000u64)
            .map(|i| pack_posting(xxh3_64(&i.to_le_bytes()), (i % 1000) as u32))
            .collect();
        let bytes = postings_file(&mut postings);
        let mut damaged = bytes.to_vec();
        damaged[HEADER_LEN + 10] ^= 0x04; // the first bucket, in chunk 0
        let file = Path::new("p.post");
        let error = PostingsTable::open(FileBytes::from_vec(damaged.clone()), file, Verify::Full)
            .expect_err("full check");
        assert!(error.to_string().contains("checksum mismatch"), "{error}");
        let table = PostingsTable::open(FileBytes::from_vec(damaged), file, Verify::Tables)
            .expect("lazy open");
        let PostingsTable::V3(v3) = &table else { panic!("v3 expected") };
        assert!(v3.verified.len() > 1, "several chunks");
        let (mut n_found, mut n_missed) = (0, 0);
        for i in 0..60_000u64 {
            match table.doc_freq(xxh3_64(&i.to_le_bytes())) {
                0 => n_missed += 1,
                _ => n_found += 1,
            }
        }
        // Two chunks: the damaged one's keys are not found, the other's are.
        assert!(n_missed > 0 && n_found > 0, "{n_found} found, {n_missed} missed");
        let damage = table.damage().expect("damage is reported").to_string();
        assert!(damage.starts_with("p.post is damaged: checksum mismatch in postings chunk 0"));
        assert!(table.for_each_posting(|_, _| {}).is_err(), "a merge refuses it");
    }

    #[test]
    fn bit_codes_round_trip() {
        let mut writer = BitWriter::default();
        let values: Vec<(u64, u32)> =
            (0..500u64).map(|i| (i * 0x9e37_79b9 % (1 << 40), 1 + (i % 40) as u32)).collect();
        for (value, n_bits) in &values {
            writer.bits(*value, *n_bits);
            writer.gamma(value % 1_000_000 + 1);
        }
        let bytes = writer.finish();
        let mut reader = BitReader::new(&bytes);
        for (value, n_bits) in &values {
            assert_eq!(reader.bits(*n_bits), value & low_mask(*n_bits));
            assert_eq!(reader.gamma(), Some(value % 1_000_000 + 1));
        }
        assert!(!reader.overran());
    }
}

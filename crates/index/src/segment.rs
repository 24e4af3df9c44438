//! One immutable segment: a document store (`.docs`) and a postings table (`.post`).
//!
//! Segments are written once from the writer's buffer and never changed; deletions are
//! recorded as tombstones elsewhere. Local document numbers (`doc_idx`) run from 0 to
//! `n_docs - 1`; the global [`unspun_core::DocId`] is the segment's base plus `doc_idx`.
//! The byte layouts are documented in docs/index-format.md.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use unspun_core::{Document, Timestamp};

use crate::error::{Error, Result};
use crate::format::{
    CHECKSUM_LEN, Decoder, Encoder, HEADER_LEN, MAGIC_DOCS, MAGIC_POSTINGS, check_frame, count_u32,
    io_other, put_opt_str, put_str, read_u32, read_u64,
};
use crate::storage::FileBytes;

/// Most documents in one segment: local numbers must fit in 31 bits (see the postings values).
pub const MAX_SEGMENT_DOCS: usize = (1 << 31) - 1;

/// Flag in a postings value: the low 31 bits are the only document of the key.
const SINGLETON_FLAG: u32 = 1 << 31;

/// Bytes of the document store footer before the checksum.
const DOCS_FOOTER_LEN: usize = 32;
/// Bytes of the postings footer before the checksum.
const POSTINGS_FOOTER_LEN: usize = 64;

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

/// Writes a document store for `docs` (local numbers = positions) to `out`.
/// Returns (file size, checksum).
pub fn write_docs(out: &mut dyn Write, docs: &[Document]) -> Result<(u64, u64)> {
    if docs.len() > MAX_SEGMENT_DOCS {
        return Err(Error::TooLarge {
            what: "segment".to_string(),
            reason: format!("{} documents, at most {MAX_SEGMENT_DOCS}", docs.len()),
        });
    }
    let mut encoder = Encoder::new(out, MAGIC_DOCS).map_err(io_other)?;
    let mut doc_offsets = Vec::with_capacity(docs.len() + 1);
    let mut stats =
        SegmentStats { n_docs: count_u32(docs.len(), "segment")?, ..SegmentStats::default() };
    let mut outlets: BTreeMap<&str, u32> = BTreeMap::new();
    for doc in docs {
        doc_offsets.push(encoder.position());
        let what = format!("document {:?}", doc.id);
        put_opt_str(&mut encoder, doc.title.as_deref(), &what)?;
        put_str(&mut encoder, &doc.text, &what)?;
        match doc.date {
            None => encoder.u8(0).map_err(io_other)?,
            Some(Timestamp(secs)) => {
                encoder.u8(1).map_err(io_other)?;
                encoder.i64(secs).map_err(io_other)?;
            }
        }
        put_opt_str(&mut encoder, doc.source.as_deref(), &what)?;
        put_opt_str(&mut encoder, doc.url.as_deref(), &what)?;
        if let Some(date) = doc.date {
            stats.date_min = Some(stats.date_min.map_or(date, |min| min.min(date)));
            stats.date_max = Some(stats.date_max.map_or(date, |max| max.max(date)));
        }
        if let Some(source) = &doc.source {
            *outlets.entry(source).or_default() += 1;
        }
    }
    doc_offsets.push(encoder.position());
    let mut id_offsets = Vec::with_capacity(docs.len() + 1);
    for doc in docs {
        id_offsets.push(encoder.position());
        encoder.bytes(doc.id.as_bytes()).map_err(io_other)?;
    }
    id_offsets.push(encoder.position());

    let off_doc_offsets = encoder.position();
    for offset in &doc_offsets {
        encoder.u64(*offset).map_err(io_other)?;
    }
    let off_id_offsets = encoder.position();
    for offset in &id_offsets {
        encoder.u64(*offset).map_err(io_other)?;
    }
    let off_stats = encoder.position();
    match (stats.date_min, stats.date_max) {
        (Some(min), Some(max)) => {
            encoder.u8(1).map_err(io_other)?;
            encoder.i64(min.0).map_err(io_other)?;
            encoder.i64(max.0).map_err(io_other)?;
        }
        _ => encoder.u8(0).map_err(io_other)?,
    }
    encoder.u32(count_u32(outlets.len(), "segment outlets")?).map_err(io_other)?;
    for (name, count) in &outlets {
        put_str(&mut encoder, name, "outlet name")?;
        encoder.u32(*count).map_err(io_other)?;
    }
    encoder.u64(docs.len() as u64).map_err(io_other)?;
    encoder.u64(off_doc_offsets).map_err(io_other)?;
    encoder.u64(off_id_offsets).map_err(io_other)?;
    encoder.u64(off_stats).map_err(io_other)?;
    encoder.finish().map_err(io_other)
}

/// A document store read from its file: random access by local number.
#[derive(Debug, Clone)]
pub struct DocStore {
    bytes: FileBytes,
    file: PathBuf,
    n_docs: u32,
    off_doc_offsets: usize,
    off_id_offsets: usize,
    stats: SegmentStats,
}

impl DocStore {
    /// Opens a document store, checking its frame and the consistency of its tables.
    pub fn open(bytes: FileBytes, file: PathBuf) -> Result<DocStore> {
        check_frame(&bytes, MAGIC_DOCS, &file)?;
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + DOCS_FOOTER_LEN)
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
        let mut decoder = Decoder::new(&bytes, off_stats, &file);
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
        if decoder.position() != footer_start {
            return Err(Error::corrupt(&file, "document store statistics are inconsistent"));
        }
        Ok(DocStore { bytes, file, n_docs, off_doc_offsets, off_id_offsets, stats })
    }

    /// Documents stored (deleted ones included).
    pub fn n_docs(&self) -> u32 {
        self.n_docs
    }

    /// Statistics stored with the segment.
    pub fn stats(&self) -> &SegmentStats {
        &self.stats
    }

    /// Size of the file in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.bytes.len() as u64
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

    /// The corpus identifier of `doc_idx`.
    pub fn id(&self, doc_idx: u32) -> Result<&str> {
        let (start, end) = self.range(self.off_id_offsets, doc_idx)?;
        std::str::from_utf8(&self.bytes[start..end]).map_err(|_| {
            Error::corrupt(&self.file, format!("id of document {doc_idx} is not UTF-8"))
        })
    }

    /// The whole document `doc_idx` (`doc_idx < n_docs`).
    pub fn document(&self, doc_idx: u32) -> Result<Document> {
        let id = self.id(doc_idx)?.to_string();
        let (start, end) = self.range(self.off_doc_offsets, doc_idx)?;
        let mut decoder = Decoder::new(&self.bytes[..end], start, &self.file);
        let title = decoder.opt_str()?.map(str::to_string);
        let text = decoder.str()?.to_string();
        let date = if decoder.u8()? != 0 { Some(Timestamp(decoder.i64()?)) } else { None };
        let source = decoder.opt_str()?.map(str::to_string);
        let url = decoder.opt_str()?.map(str::to_string);
        if decoder.position() != end {
            return Err(decoder.error(format!("document {doc_idx} has trailing bytes")));
        }
        Ok(Document { id, title, text, date, source, url })
    }
}

/// Bits of the hash prefix that index the bucket directory: about 8 keys per bucket.
fn bucket_bits(n_keys: u64) -> u32 {
    let target = (n_keys / 8).max(1);
    (63 - target.leading_zeros()).min(28)
}

/// The bucket of `hash` in a directory of `2^bits` buckets.
#[inline]
fn bucket_of(hash: u64, bits: u32) -> usize {
    if bits == 0 { 0 } else { (hash >> (64 - bits)) as usize }
}

/// A posting packed for sorting: hash in the high 64 bits, local document in the low 32.
pub fn pack_posting(hash: u64, doc_idx: u32) -> u128 {
    (u128::from(hash) << 32) | u128::from(doc_idx)
}

fn posting_hash(packed: u128) -> u64 {
    (packed >> 32) as u64
}

fn posting_doc(packed: u128) -> u32 {
    packed as u32
}

/// Writes a postings table to `out`. `postings` are [`pack_posting`] values, sorted ascending
/// and without duplicates. Returns (file size, checksum).
pub fn write_postings(out: &mut dyn Write, postings: &[u128]) -> Result<(u64, u64)> {
    let too_large = |reason: String| Error::TooLarge { what: "segment postings".into(), reason };
    let runs = || postings.chunk_by(|a, b| posting_hash(*a) == posting_hash(*b));
    let n_keys = runs().count();
    if n_keys > u32::MAX as usize {
        return Err(too_large(format!("{n_keys} distinct hashes, at most {}", u32::MAX)));
    }
    let bits = bucket_bits(n_keys as u64);
    let mut directory = vec![0u32; (1usize << bits) + 1];
    for run in runs() {
        directory[bucket_of(posting_hash(run[0]), bits) + 1] += 1;
    }
    for bucket in 1..directory.len() {
        directory[bucket] += directory[bucket - 1];
    }

    let mut encoder = Encoder::new(out, MAGIC_POSTINGS).map_err(io_other)?;
    let off_dir = encoder.position();
    for start in &directory {
        encoder.u32(*start).map_err(io_other)?;
    }
    let off_keys = encoder.position();
    for run in runs() {
        encoder.u64(posting_hash(run[0])).map_err(io_other)?;
    }
    let off_values = encoder.position();
    let mut n_list_words: u64 = 0;
    for run in runs() {
        if run.len() == 1 {
            encoder.u32(SINGLETON_FLAG | posting_doc(run[0])).map_err(io_other)?;
        } else {
            if n_list_words >= u64::from(SINGLETON_FLAG) {
                return Err(too_large(format!("more than {SINGLETON_FLAG} list words")));
            }
            let list_word = u32::try_from(n_list_words)
                .map_err(|_| too_large(format!("more than {} list words", u32::MAX)))?;
            encoder.u32(list_word).map_err(io_other)?;
            n_list_words += 1 + run.len() as u64;
        }
    }
    let off_lists = encoder.position();
    for run in runs().filter(|run| run.len() > 1) {
        encoder.u32(count_u32(run.len(), "posting list")?).map_err(io_other)?;
        for posting in run {
            encoder.u32(posting_doc(*posting)).map_err(io_other)?;
        }
    }
    encoder.u64(n_keys as u64).map_err(io_other)?;
    encoder.u64(postings.len() as u64).map_err(io_other)?;
    encoder.u32(bits).map_err(io_other)?;
    encoder.u32(0).map_err(io_other)?;
    for offset in [off_dir, off_keys, off_values, off_lists, n_list_words] {
        encoder.u64(offset).map_err(io_other)?;
    }
    encoder.finish().map_err(io_other)
}

/// A postings table read from its file: hash → ascending local document numbers.
#[derive(Debug, Clone)]
pub struct PostingsTable {
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

impl PostingsTable {
    /// Opens a postings table, checking its frame and that its sections tile the file.
    pub fn open(bytes: FileBytes, file: &Path) -> Result<PostingsTable> {
        check_frame(&bytes, MAGIC_POSTINGS, file)?;
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + POSTINGS_FOOTER_LEN)
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
        Ok(PostingsTable {
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

    /// Postings (hash, document) pairs stored.
    pub fn n_postings(&self) -> u64 {
        self.n_postings
    }

    /// Size of the file in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The index of `hash` in the key table.
    #[inline]
    fn find(&self, hash: u64) -> Option<usize> {
        let bucket = bucket_of(hash, self.bits);
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

    /// How many documents of this segment contain `hash` (deleted ones included).
    pub fn doc_freq(&self, hash: u64) -> u32 {
        match self.find(hash).map(|key_idx| self.list(key_idx)) {
            None => 0,
            Some(Docs::One(_)) => 1,
            Some(Docs::Many(bytes)) => (bytes.len() / 4) as u32,
        }
    }

    /// Calls `each` with every (hash, local document) pair, ascending: how a merge reads a
    /// whole table without knowing its keys.
    pub(crate) fn for_each_posting(&self, mut each: impl FnMut(u64, u32)) {
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

    /// Calls `each` with the local documents containing `hash`, ascending.
    pub fn for_each_doc(&self, hash: u64, mut each: impl FnMut(u32)) {
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

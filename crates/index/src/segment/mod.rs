//! One immutable segment: a document store (`.docs`) and a postings table (`.post`).
//!
//! Segments are written once from the writer's buffer and never changed; deletions are
//! recorded as tombstones elsewhere. Local document numbers (`doc_idx`) run from 0 to
//! `n_docs - 1`; the global [`unspun_core::DocId`] is the segment's base plus `doc_idx`.
//! The byte layouts are documented in docs/index-format.md.
//!
//! Format v5 (written by this build; its segment files have the layout of v4, which is read
//! the same way) stores records in zstd-compressed blocks of a few
//! documents, with a dictionary trained on the segment's first records, and the postings as
//! bit-packed buckets of [`KEY_BITS`]-bit keys coded as Elias–Fano. Format v3 is the same but
//! for the dictionary and the keys at a fixed width; it is read as it is. Its small
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

mod docs;
mod postings;

pub use docs::*;
pub use postings::*;

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
    if verify == Verify::Full || !(3..=crate::format::FORMAT_VERSION).contains(&version) {
        // Files of v1 and v2 have no table checksum, and an unknown version may be damage:
        // the whole checksum decides (damage first, then the version).
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
#[cfg(test)]
pub fn pack_posting(hash: u64, doc_idx: u32) -> u128 {
    pack_key(posting_key(hash), doc_idx)
}

/// A posting packed from its stored key.
pub fn pack_key(key: u64, doc_idx: u32) -> u128 {
    (u128::from(key) << 32) | u128::from(doc_idx)
}

/// Local documents below this fit a [`pack_posting64`] posting (2^24: 16,777,216).
pub const PACKED64_MAX_DOCS: usize = 1 << (64 - KEY_BITS);

/// A posting packed in 64 bits, for a segment of fewer than [`PACKED64_MAX_DOCS`] documents
/// (the writer's buffer): the 40-bit key in the high bits, the local document in the low 24.
/// Half the memory of a `u128` posting, and sorted faster.
#[inline]
pub fn pack_posting64(hash: u64, doc_idx: u32) -> u64 {
    debug_assert!((doc_idx as usize) < PACKED64_MAX_DOCS);
    (posting_key(hash) << (64 - KEY_BITS)) | u64::from(doc_idx)
}

/// A posting as sorted before it is written: a stored key and a local document packed in one
/// integer, ordered by key, then document.
pub trait PackedPosting: Copy + Ord + Send + Sync {
    /// The stored key.
    fn key(self) -> u64;
    /// The local document.
    fn doc(self) -> u32;
}

impl PackedPosting for u128 {
    #[inline]
    fn key(self) -> u64 {
        (self >> 32) as u64
    }
    #[inline]
    fn doc(self) -> u32 {
        self as u32
    }
}

impl PackedPosting for u64 {
    #[inline]
    fn key(self) -> u64 {
        self >> (64 - KEY_BITS)
    }
    #[inline]
    fn doc(self) -> u32 {
        (self & ((1 << (64 - KEY_BITS)) - 1)) as u32
    }
}

// ---------------------------------------------------------------------------------------
// Document store

pub(crate) enum Docs<'a> {
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

    /// A document store with a dictionary when there are enough records to train one.
    fn docs_file(docs: &[Document]) -> FileBytes {
        docs_file_with(docs, true)
    }

    fn docs_file_with(docs: &[Document], dictionary: bool) -> FileBytes {
        let mut out = Vec::new();
        write_docs(&mut out, docs, dictionary).expect("write docs");
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
    fn shared_blocks_serve_reads_in_any_order_within_their_budget() {
        let docs: Vec<Document> = (0..600).map(document).collect();
        let stores: Vec<DocStore> = [&docs[..300], &docs[300..]]
            .iter()
            .map(|part| {
                DocStore::open(docs_file_with(part, false), "t.docs".into(), Verify::Tables)
                    .expect("open")
            })
            .collect();
        let shared = SharedBlocks::default();
        // A budget below one block holds nothing; then about three blocks; then off again.
        for budget in [0usize, 1000, 48 << 10, 0] {
            shared.set_budget(budget);
            assert!(shared.bytes() <= budget, "{} held for {budget}", shared.bytes());
            let mut state = 7u64;
            for _ in 0..2000 {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let n = (state >> 33) as usize % 600;
                let (segment, doc_idx) = (n / 300, (n % 300) as u32);
                let read = stores[segment]
                    .document_shared(doc_idx, &shared, segment as u32)
                    .expect("read");
                assert_eq!(read, docs[n], "budget {budget}");
                assert!(shared.bytes() <= budget, "{} held for {budget}", shared.bytes());
            }
            if budget > 1000 {
                assert!(shared.bytes() > budget / 2, "the budget is used: {}", shared.bytes());
            }
        }
        assert_eq!(shared.bytes(), 0, "a budget of 0 empties the cache");
    }

    #[test]
    fn documents_round_trip_across_blocks() {
        let docs: Vec<Document> = (0..300).map(document).collect();
        let bytes = docs_file(&docs);
        for verify in [Verify::Full, Verify::Tables] {
            let store = DocStore::open(bytes.clone(), "t.docs".into(), verify).expect("open");
            let DocStore::V3(v3) = &store else { panic!("v3 expected") };
            assert!(v3.n_blocks > 3, "several blocks: {}", v3.n_blocks);
            assert!(v3.dictionary.is_some(), "enough records to train a dictionary");
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
        // The dictionary (its offset is the footer's third field) is covered by the tables'
        // checksum.
        let off_dict = read_u64(&bytes, bytes.len() - CHECKSUM_LEN - DOCS_FOOTER_LEN + 16);
        let mut damaged = bytes.to_vec();
        damaged[off_dict as usize + 100] ^= 0x01;
        let error = DocStore::open(FileBytes::from_vec(damaged), "t.docs".into(), Verify::Tables)
            .expect_err("a damaged dictionary");
        assert!(error.to_string().contains("t.docs is damaged: checksum mismatch"), "{error}");
    }

    proptest::proptest! {
        /// Any set of documents round-trips, whether it gets a dictionary or not.
        #[test]
        fn documents_round_trip(texts in proptest::collection::vec("[a-z ]{0,400}", 0..60),
                                copies in 1usize..300, dictionary: bool) {
            let docs: Vec<Document> = (0..copies)
                .map(|n| Document {
                    text: texts.get(n % texts.len().max(1)).cloned().unwrap_or_default()
                        + &format!(" copy {n}"),
                    ..document(n)
                })
                .collect();
            let store =
                DocStore::open(docs_file_with(&docs, dictionary), "p.docs".into(), Verify::Tables)
                    .expect("open");
            let DocStore::V3(v3) = &store else { panic!("v3 expected") };
            proptest::prop_assert!(dictionary || v3.dictionary.is_none());
            for (n, doc) in docs.iter().enumerate() {
                proptest::prop_assert_eq!(&store.document(n as u32).expect("read"), doc);
            }
        }

        /// Any ascending set of (key, document) pairs round-trips through a v4 table: every
        /// key's documents and counts, in key order; dense runs of keys (gaps of 1) and
        /// sparse ones (gaps of 2^30) alike.
        #[test]
        fn postings_keys_round_trip(
            seeds in proptest::collection::vec((0u64..(1 << 40), 1u64..64, 0u32..5000), 1..400),
            stride in proptest::sample::select(vec![1u64, 3, 1 << 12, 1 << 30]),
        ) {
            let mut postings: Vec<u128> = Vec::new();
            for (start, run, doc) in &seeds {
                for i in 0..*run {
                    let key = (start + i * stride) & low_mask(KEY_BITS);
                    postings.push(pack_key(key, (doc + i as u32 * 7) % 5000));
                }
            }
            let bytes = postings_file(&mut postings);
            let table = PostingsTable::open(bytes, Path::new("p.post"), Verify::Full)
                .expect("open");
            let mut all = Vec::new();
            table.for_each_posting(|key, doc| all.push(pack_key(key, doc))).expect("all");
            proptest::prop_assert_eq!(all, postings);
        }

        /// Lookups of random fingerprints, present and absent, give their documents.
        #[test]
        fn postings_lookups(hashes in proptest::collection::vec(proptest::num::u64::ANY, 1..3000),
                            absent in proptest::collection::vec(proptest::num::u64::ANY, 50)) {
            let mut postings: Vec<u128> = Vec::new();
            let mut expected: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            for (n, hash) in hashes.iter().enumerate() {
                for doc in [n as u32 % 97, 100 + (*hash % 3) as u32] {
                    if !expected.get(hash).is_some_and(|docs| docs.contains(&doc)) {
                        postings.push(pack_posting(*hash, doc));
                        expected.entry(*hash).or_default().push(doc);
                    }
                }
            }
            let table = PostingsTable::open(postings_file(&mut postings), Path::new("p.post"),
                                            Verify::Tables).expect("open");
            for (hash, docs) in &mut expected {
                docs.sort_unstable();
                let mut found = Vec::new();
                table.for_each_doc(*hash, |doc| found.push(doc));
                proptest::prop_assert_eq!(&found, docs);
            }
            for hash in absent.iter().filter(|hash| !expected.contains_key(hash)) {
                proptest::prop_assert_eq!(table.doc_freq(*hash), 0);
            }
        }
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

    /// The parallel writer over 128- and 64-bit postings and the streaming one of a merge
    /// write the same bytes, here over more chunks than one parallel group (2^17 buckets,
    /// 128 chunks: 2 groups), with keys shared by several documents; unsorted or duplicated
    /// postings are refused.
    #[test]
    fn postings_writers_write_the_same_bytes() {
        let n = 4_500_000u64;
        let mut wide: Vec<u128> = (0..n)
            .map(|i| pack_posting(xxh3_64(&(i / 2).to_le_bytes()), (i % 40_000) as u32))
            .collect();
        wide.sort_unstable();
        wide.dedup();
        let mut narrow: Vec<u64> = (0..n)
            .map(|i| pack_posting64(xxh3_64(&(i / 2).to_le_bytes()), (i % 40_000) as u32))
            .collect();
        narrow.sort_unstable();
        narrow.dedup();
        assert_eq!(wide.len(), narrow.len());
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        write_postings(&mut a, &wide).expect("u128");
        write_postings(&mut b, &narrow).expect("u64");
        let n_keys = narrow.chunk_by(|x, y| x.key() == y.key()).count() as u64;
        let max_doc = narrow.iter().map(|p| p.doc()).max().unwrap_or(0);
        write_postings_from(&mut c, n_keys, max_doc, narrow.iter().map(|p| (p.key(), p.doc())))
            .expect("stream");
        assert!(a == b && b == c, "the three writers differ");
        let table = PostingsTable::open(FileBytes::from_vec(a), Path::new("p.post"), Verify::Full)
            .expect("open");
        let PostingsTable::V3(v3) = &table else { panic!("v3 expected") };
        assert!(v3.verified.len() > 64, "{} chunks", v3.verified.len());
        assert_eq!(table.n_postings(), narrow.len() as u64);
        assert_eq!(table.doc_freq(xxh3_64(&7u64.to_le_bytes())), 2);

        let mut unsorted = narrow[..1000].to_vec();
        unsorted.swap(10, 500);
        let mut duplicated = narrow[..1000].to_vec();
        duplicated[11] = duplicated[10];
        for bad in [unsorted, duplicated] {
            let error = write_postings(&mut Vec::new(), &bad).expect_err("refused");
            assert!(error.to_string().contains("not sorted"), "{error}");
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
        let unary = |value: u64| [0, 1, 7, 55, 56, 57, 63, 64, 65, 200][value as usize % 10];
        for (value, n_bits) in &values {
            writer.bits(*value, *n_bits);
            writer.gamma(value % 1_000_000 + 1);
            writer.unary(unary(*value));
        }
        let bytes = writer.finish();
        let mut reader = BitReader::new(&bytes);
        for (value, n_bits) in &values {
            assert_eq!(reader.bits(*n_bits), value & low_mask(*n_bits));
            assert_eq!(reader.gamma(), Some(value % 1_000_000 + 1));
            assert_eq!(reader.unary(200), Some(unary(*value)));
        }
        assert!(!reader.overran());
        // Past the end there is no one bit: a unary code there is damage.
        assert_eq!(reader.unary(1000), None);
    }
}

//! The document store of a segment (`.docs`): zstd blocks with a bounded block cache (v4:
//! compressed with a dictionary trained on the segment's first records; v3 without, read as
//! it is), v1/v2 records read as they are.

use super::*;
use std::collections::HashMap;

/// Bytes of the v3 document store footer before the checksum.
pub(super) const DOCS_V3_FOOTER_LEN: usize = 56;
/// Bytes of the v4 document store footer before the checksum (v3's and the dictionary offset).
pub(super) const DOCS_FOOTER_LEN: usize = 64;
/// Bytes of the v1 document store footer before the checksum.
pub(super) const DOCS_V1_FOOTER_LEN: usize = 32;
/// A block is closed once its records reach this many bytes (or [`BLOCK_MAX_DOCS`]).
pub(super) const BLOCK_TARGET_BYTES: usize = 16 << 10;
/// Most documents in one block: reading one document decodes at most this many records.
pub(super) const BLOCK_MAX_DOCS: usize = 64;
/// zstd level of document blocks. On 20 MB of AllSides records in 16 KiB blocks with a
/// dictionary (`zstd -b`, one core of a loaded machine): level 3 0.375 of the records at
/// 71 MB/s, 5 0.364 at 27 MB/s, 7 0.349 at 11 MB/s, 9 0.343 at 8 MB/s (without a dictionary,
/// level 3: 0.446 at 75 MB/s). Level 9 made `unspun index` of AllSides take 78 % more CPU:
/// level 3 keeps indexing as fast as v3 for 0.03 of the text more.
pub(super) const ZSTD_LEVEL: i32 = 3;
/// Records of the segment's first documents, up to this many bytes, train its dictionary.
pub(super) const DICT_SAMPLE_BYTES: usize = 2 << 20;
/// Below this many bytes of records a segment gets no dictionary (too little to train on).
pub(super) const DICT_MIN_SAMPLE_BYTES: usize = 64 << 10;
/// Largest dictionary trained (zstd's default size).
pub(super) const DICT_MAX_BYTES: usize = 112_640;
/// Blocks compressed in parallel at a time (about 2 MiB of records).
pub(super) const COMPRESS_BATCH_BLOCKS: usize = 64;
/// Decompressed blocks kept per document store (a trace reads a few dozen candidates; a scan
/// in DocId order reads each block once).
pub(super) const BLOCK_CACHE_BLOCKS: usize = 8;

/// Appends a record (v1 layout: opt-str title, str text, opt-date, opt-str source, opt-str
/// url) to `raw`.
pub(super) fn put_record(raw: &mut Vec<u8>, doc: &Document) -> Result<()> {
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

/// Writes a document store for `docs` (local numbers = positions) to `out`, with a trained
/// dictionary if `dictionary` (see [`crate::WriterConfig::docs_dictionary`]).
/// Returns (file size, checksum).
pub fn write_docs(out: &mut dyn Write, docs: &[Document], dictionary: bool) -> Result<(u64, u64)> {
    write_docs_from(out, docs.iter().map(Ok), dictionary)
}

/// [`write_docs`] from a stream of documents (a merge reads them from its sources one at a
/// time, so only a block's worth is held). Stops at the first error of `docs`.
pub fn write_docs_from<D: Borrow<Document>>(
    out: &mut dyn Write,
    docs: impl Iterator<Item = Result<D>>,
    with_dictionary: bool,
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
    // The dictionary, once trained (empty: none); until then, the length of every record
    // written, the samples it is trained on.
    let mut dictionary: Option<(Vec<u8>, Option<zstd::zstd_safe::CDict<'static>>)> =
        if with_dictionary { None } else { Some((Vec::new(), None)) };
    let mut sample_lens: Vec<usize> = Vec::new();

    // Closed blocks waiting to be compressed (first document, records), compressed in
    // parallel a batch at a time.
    let mut pending: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut compress = |encoder: &mut Encoder<'_>,
                        pending: &mut Vec<(usize, Vec<u8>)>,
                        cdict: Option<&zstd::zstd_safe::CDict<'static>>| {
        let compressed: Vec<std::io::Result<Vec<u8>>> = pending
            .par_iter()
            .map_init(zstd::zstd_safe::CCtx::try_create, |cctx, (_, raw)| match cctx {
                Some(cctx) => compress_block(cctx, raw, cdict),
                None => Err(std::io::Error::other("zstd could not allocate a context")),
            })
            .collect();
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
        let record_start = raw.len();
        put_record(&mut raw, doc)?;
        if dictionary.is_none() {
            sample_lens.push(raw.len() - record_start);
        }
        ids.extend_from_slice(doc.id.as_bytes());
        id_ends.push(ids.len() as u64);
        stats.add(doc, &mut outlets);
        n_in_block += 1;
        n_docs += 1;
        if raw.len() >= BLOCK_TARGET_BYTES || n_in_block >= BLOCK_MAX_DOCS {
            close_block(&mut raw, &mut n_in_block, n_docs, &mut pending);
            let sampled = || pending.iter().map(|(_, raw)| raw.len()).sum::<usize>();
            if dictionary.is_none() && sampled() >= DICT_SAMPLE_BYTES {
                dictionary = Some(train_dictionary(&pending, &sample_lens));
            }
            if pending.len() >= COMPRESS_BATCH_BLOCKS
                && let Some((_, cdict)) = &dictionary
            {
                compress(&mut encoder, &mut pending, cdict.as_ref())?;
            }
        }
    }
    close_block(&mut raw, &mut n_in_block, n_docs, &mut pending);
    let (dictionary, cdict) =
        dictionary.unwrap_or_else(|| train_dictionary(&pending, &sample_lens));
    compress(&mut encoder, &mut pending, cdict.as_ref())?;
    stats.n_docs = count_u32(n_docs, "segment")?;
    let n_blocks = block_checksums.len();

    let off_dict = encoder.position();
    encoder.begin_tables();
    encoder.bytes(&dictionary).map_err(io_other)?;
    let off_ids = encoder.position();
    encoder.bytes(&ids).map_err(io_other)?;
    let off_id_offsets = encoder.position();
    encoder.u64(off_ids).map_err(io_other)?;
    for end in &id_ends {
        encoder.u64(off_ids + end).map_err(io_other)?;
    }
    let off_blocks = encoder.position();
    for offset in block_offsets.iter().chain([&off_dict]) {
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
    let footer = [n_docs as u64, n_blocks as u64, off_dict, off_ids, off_id_offsets, off_blocks];
    for value in footer.into_iter().chain([off_stats]) {
        encoder.u64(value).map_err(io_other)?;
    }
    let checksum = encoder.tables_digest();
    encoder.u64(checksum).map_err(io_other)?;
    encoder.finish().map_err(io_other)
}

/// Trains the dictionary of a document store on the records of `pending` blocks (their
/// lengths in `sample_lens`): (its bytes, its compression dictionary), both empty when there
/// is too little to train on or training fails (the blocks are then compressed without).
fn train_dictionary(
    pending: &[(usize, Vec<u8>)],
    sample_lens: &[usize],
) -> (Vec<u8>, Option<zstd::zstd_safe::CDict<'static>>) {
    let sample: Vec<u8> = pending.iter().flat_map(|(_, raw)| raw.iter().copied()).collect();
    if sample.len() < DICT_MIN_SAMPLE_BYTES || sample_lens.iter().sum::<usize>() != sample.len() {
        return (Vec::new(), None);
    }
    match zstd::dict::from_continuous(&sample, sample_lens, DICT_MAX_BYTES) {
        Ok(dictionary) if !dictionary.is_empty() => {
            match zstd::zstd_safe::CDict::try_create(&dictionary, ZSTD_LEVEL) {
                Some(cdict) => (dictionary, Some(cdict)),
                None => (Vec::new(), None),
            }
        }
        _ => (Vec::new(), None),
    }
}

/// Compresses one block with `cctx`, with the dictionary when there is one.
fn compress_block(
    cctx: &mut zstd::zstd_safe::CCtx<'static>,
    raw: &[u8],
    cdict: Option<&zstd::zstd_safe::CDict<'static>>,
) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(zstd::zstd_safe::compress_bound(raw.len()));
    let written = match cdict {
        Some(cdict) => cctx.compress_using_cdict(&mut out, raw, cdict),
        None => cctx.compress(&mut out, raw, ZSTD_LEVEL),
    };
    written.map_err(zstd_error)?;
    Ok(out)
}

/// A zstd error code as an I/O error.
fn zstd_error(code: usize) -> std::io::Error {
    std::io::Error::other(zstd::zstd_safe::get_error_name(code))
}

/// A document store read from its file: random access by local number.
#[derive(Debug, Clone)]
pub enum DocStore {
    /// Format v1 and v2: uncompressed records.
    V1(DocsV1),
    /// Format v3 and v4: compressed blocks.
    V3(DocsV3),
}

impl DocStore {
    /// Opens a document store, checking its frame (as `verify` asks) and the consistency of
    /// its tables.
    pub fn open(bytes: FileBytes, file: PathBuf, verify: Verify) -> Result<DocStore> {
        match check_segment_frame(&bytes, MAGIC_DOCS, &file, verify)? {
            1 | 2 => DocsV1::open(bytes, file).map(DocStore::V1),
            version => DocsV3::open(bytes, file, verify == Verify::Full, version).map(DocStore::V3),
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
            DocStore::V3(store) => store.document(doc_idx, None),
        }
    }

    /// [`DocStore::document`] through `shared`, where this store is segment `segment` of
    /// its index.
    pub fn document_shared(
        &self,
        doc_idx: u32,
        shared: &SharedBlocks,
        segment: u32,
    ) -> Result<Document> {
        match self {
            DocStore::V1(store) => store.document(doc_idx),
            DocStore::V3(store) => store.document(doc_idx, Some((shared, segment))),
        }
    }
}

/// Decodes the record at the decoder's position.
pub(super) fn decode_record(decoder: &mut Decoder<'_>, id: String) -> Result<Document> {
    let title = decoder.opt_str()?.map(str::to_string);
    let text = decoder.str()?.to_string();
    let date = if decoder.u8()? != 0 { Some(Timestamp(decoder.i64()?)) } else { None };
    let source = decoder.opt_str()?.map(str::to_string);
    let url = decoder.opt_str()?.map(str::to_string);
    Ok(Document { id, title, text, date, source, url })
}

/// Skips one record (lengths only).
pub(super) fn skip_record(decoder: &mut Decoder<'_>) -> Result<()> {
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

/// Decompressed document blocks of every segment of an index, within a byte budget (0 by
/// default: off), evicted by the clock algorithm (a block read since the hand last passed is
/// spared once). Behind each segment's own cache of its last [`BLOCK_CACHE_BLOCKS`] blocks: a
/// job that reads documents in no order, such as the trace stage of `unspun cluster` reading
/// each document's partners, decompresses a block once while it fits, instead of once per
/// document read from it.
#[derive(Debug, Default)]
pub struct SharedBlocks {
    /// The budget, read without the lock to skip the cache when it is off; the clock holds the
    /// one its changes follow.
    budget: std::sync::atomic::AtomicUsize,
    clock: Mutex<Clock>,
}

/// Key of a block in [`SharedBlocks`]: (the segment's place in the index, the block).
type BlockKey = (u32, usize);

#[derive(Debug, Default)]
struct Clock {
    budget: usize,
    /// The ring the hand walks; `None`: a slot freed by an eviction, taken by the next block.
    slots: Vec<Option<ClockSlot>>,
    free: Vec<usize>,
    at: HashMap<BlockKey, usize>,
    hand: usize,
    bytes: usize,
}

#[derive(Debug)]
struct ClockSlot {
    key: BlockKey,
    raw: Arc<[u8]>,
    used: bool,
}

impl SharedBlocks {
    /// Sets the budget in bytes of decompressed blocks (0 turns the cache off and empties it).
    pub fn set_budget(&self, bytes: usize) {
        if let Ok(mut clock) = self.clock.lock() {
            clock.budget = bytes;
            if bytes == 0 {
                *clock = Clock::default();
            } else {
                clock.shrink_to(bytes);
            }
        }
        self.budget.store(bytes, Ordering::Relaxed);
    }

    /// The budget in bytes.
    pub fn budget(&self) -> usize {
        self.budget.load(Ordering::Relaxed)
    }

    /// The bytes of the blocks held.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.clock.lock().map_or(0, |clock| clock.bytes)
    }

    fn get(&self, key: BlockKey) -> Option<Arc<[u8]>> {
        if self.budget() == 0 {
            return None;
        }
        let mut clock = self.clock.lock().ok()?;
        let at = *clock.at.get(&key)?;
        let slot = clock.slots[at].as_mut()?;
        slot.used = true;
        Some(Arc::clone(&slot.raw))
    }

    fn put(&self, key: BlockKey, raw: &Arc<[u8]>) {
        if self.budget() == 0 {
            return;
        }
        let Ok(mut clock) = self.clock.lock() else { return };
        if raw.len() > clock.budget || clock.at.contains_key(&key) {
            return;
        }
        let keep = clock.budget - raw.len();
        clock.shrink_to(keep);
        // In a slot the hand has just passed (freed by the eviction), so the new block is the
        // last one the hand reaches.
        let entry = Some(ClockSlot { key, raw: Arc::clone(raw), used: false });
        let at = match clock.free.pop() {
            Some(at) => {
                clock.slots[at] = entry;
                at
            }
            None => {
                clock.slots.push(entry);
                clock.slots.len() - 1
            }
        };
        clock.at.insert(key, at);
        clock.bytes += raw.len();
    }
}

impl Clock {
    /// Evicts blocks until at most `bytes` are held: the hand spares a block read since it last
    /// passed (once), and takes the first one that was not.
    fn shrink_to(&mut self, bytes: usize) {
        while self.bytes > bytes {
            if self.hand >= self.slots.len() {
                self.hand = 0;
            }
            let at = self.hand;
            self.hand += 1;
            let Some(slot) = self.slots[at].as_mut() else { continue };
            if slot.used {
                slot.used = false;
                continue;
            }
            let evicted = self.slots[at].take().expect("a slot was there");
            self.at.remove(&evicted.key);
            self.bytes -= evicted.raw.len();
            self.free.push(at);
        }
    }
}

/// The decompression dictionary of a v4 document store.
#[derive(Clone)]
pub(super) struct Dictionary(Arc<zstd::zstd_safe::DDict<'static>>);

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dictionary")
    }
}

/// A v3 or v4 document store.
#[derive(Debug, Clone)]
pub struct DocsV3 {
    bytes: FileBytes,
    file: PathBuf,
    n_docs: u32,
    pub(super) n_blocks: usize,
    /// The blocks' dictionary (v4 with one).
    pub(super) dictionary: Option<Dictionary>,
    pub(super) off_ids: usize,
    pub(super) off_id_offsets: usize,
    pub(super) off_blocks: usize,
    stats: SegmentStats,
    /// Recently decompressed blocks, most recent first: (block, raw bytes).
    cache: Arc<Mutex<BlockCache>>,
    /// Whether the whole file's checksum was checked at open (blocks need no check then).
    verified: bool,
    /// Blocks whose checksum matched once: a block read again (evicted from the cache) is
    /// not hashed again (the file is mapped read-only and written once).
    checked: Arc<[std::sync::atomic::AtomicBool]>,
}

thread_local! {
    /// A zstd decompression context per thread: creating one costs more than decompressing a
    /// small block.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::zstd_safe::DCtx<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Decompresses one zstd frame of `capacity` bytes with this thread's context, with
/// `dictionary` when the frame was compressed with one.
fn decompress(
    compressed: &[u8],
    capacity: usize,
    dictionary: Option<&Dictionary>,
) -> std::io::Result<Vec<u8>> {
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.try_borrow_mut().map_err(std::io::Error::other)?;
        if cell.is_none() {
            *cell = zstd::zstd_safe::DCtx::try_create();
        }
        let dctx = cell
            .as_mut()
            .ok_or_else(|| std::io::Error::other("zstd could not allocate a context"))?;
        let mut out = Vec::with_capacity(capacity);
        match dictionary {
            Some(dictionary) => dctx.decompress_using_ddict(&mut out, compressed, &dictionary.0),
            None => dctx.decompress(&mut out, compressed),
        }
        .map_err(zstd_error)?;
        Ok(out)
    })
}

impl DocsV3 {
    fn open(bytes: FileBytes, file: PathBuf, verified: bool, version: u32) -> Result<DocsV3> {
        let footer_len = if version >= 4 { DOCS_FOOTER_LEN } else { DOCS_V3_FOOTER_LEN };
        let footer_start = bytes
            .len()
            .checked_sub(CHECKSUM_LEN + footer_len)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| Error::corrupt(&file, "too short for a document store"))?;
        let mut footer = Decoder::new(&bytes, footer_start, &file);
        let n_docs = footer.u64()?;
        let n_blocks = footer.usize()?;
        let off_dict = if version >= 4 { footer.usize()? } else { 0 };
        let off_ids = footer.usize()?;
        // v3 has no dictionary: its blocks end where the ids start.
        let off_dict = if version >= 4 { off_dict } else { off_ids };
        let off_id_offsets = footer.usize()?;
        let off_blocks = footer.usize()?;
        let off_stats = footer.usize()?;
        let stored = footer.u64()?;
        let sizes_ok = off_dict >= HEADER_LEN
            && off_dict <= off_ids
            && off_ids <= off_id_offsets
            && off_id_offsets <= off_blocks
            && off_blocks <= off_stats
            && off_stats <= footer_start;
        if !sizes_ok {
            return Err(Error::corrupt(&file, "document store tables are inconsistent"));
        }
        let computed = tables_checksum(&bytes, off_dict, footer_start, footer_len);
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
        let dictionary = match &bytes[off_dict..off_ids] {
            [] => None,
            dictionary => match zstd::zstd_safe::DDict::try_create(dictionary) {
                Some(ddict) => Some(Dictionary(Arc::new(ddict))),
                None => return Err(Error::corrupt(&file, "the document dictionary is unusable")),
            },
        };
        let store = DocsV3 {
            bytes,
            file,
            n_docs,
            n_blocks,
            dictionary,
            off_ids,
            off_id_offsets,
            off_blocks,
            stats,
            cache: Arc::new(Mutex::new(VecDeque::new())),
            verified,
            checked: (0..n_blocks).map(|_| std::sync::atomic::AtomicBool::new(false)).collect(),
        };
        // Blocks tile [HEADER_LEN, off_dict) in order, and their first documents ascend from 0
        // to n_docs.
        let ends_ok = store.block_offset(0) == HEADER_LEN as u64
            && store.block_first_doc(0) == 0
            && store.block_offset(n_blocks) == off_dict as u64
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
    fn block(&self, block: usize, shared: Option<(&SharedBlocks, u32)>) -> Result<Arc<[u8]>> {
        if let Ok(mut cache) = self.cache.lock()
            && let Some(at) = cache.iter().position(|(cached, _)| *cached == block)
        {
            let entry = cache.remove(at).expect("position is in range");
            let raw = Arc::clone(&entry.1);
            cache.push_front(entry);
            return Ok(raw);
        }
        let shared_raw = shared.and_then(|(shared, segment)| shared.get((segment, block)));
        let raw = match shared_raw {
            Some(raw) => raw,
            None => {
                let raw = self.decompress_block(block)?;
                if let Some((shared, segment)) = shared {
                    shared.put((segment, block), &raw);
                }
                raw
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.push_front((block, Arc::clone(&raw)));
            cache.truncate(BLOCK_CACHE_BLOCKS);
        }
        Ok(raw)
    }

    /// The decompressed bytes of `block`, checked the first time.
    fn decompress_block(&self, block: usize) -> Result<Arc<[u8]>> {
        let (start, end) =
            (self.block_offset(block) as usize, self.block_offset(block + 1) as usize);
        let compressed = &self.bytes[start..end];
        let stored = self.block_checksum(block);
        let checked = &self.checked[block];
        if !self.verified && !checked.load(Ordering::Relaxed) {
            let computed = xxh3_64(compressed);
            if computed != stored {
                return Err(Error::corrupt(
                    &self.file,
                    format!(
                        "checksum mismatch in document block {block} (stored {stored:016x}, computed {computed:016x})"
                    ),
                ));
            }
            checked.store(true, Ordering::Relaxed);
        }
        let raw_len = usize::try_from(self.block_raw_len(block)).map_err(|_| {
            Error::corrupt(&self.file, format!("document block {block} is too large"))
        })?;
        let raw = decompress(compressed, raw_len, self.dictionary.as_ref()).map_err(|error| {
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
        Ok(raw.into())
    }

    fn document(&self, doc_idx: u32, shared: Option<(&SharedBlocks, u32)>) -> Result<Document> {
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
        let raw = self.block(block, shared)?;
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

#[cfg(test)]
mod clock_tests {
    use super::*;

    fn block(n: u8) -> Arc<[u8]> {
        vec![n; 100].into()
    }

    #[test]
    fn the_clock_spares_blocks_read_since_it_passed_and_keeps_the_newest() {
        let shared = SharedBlocks::default();
        shared.set_budget(400); // four blocks of 100 bytes
        for b in 0..4 {
            shared.put((0, b), &block(b as u8));
        }
        // Blocks 1 and 3 are read again; 0 and 2 are not.
        assert!(shared.get((0, 1)).is_some() && shared.get((0, 3)).is_some());
        shared.put((0, 4), &block(4));
        shared.put((0, 5), &block(5));
        let held = |b: usize| shared.get((0, b)).is_some();
        // The two unread blocks went; the read ones and the two newest stayed.
        assert!(!held(0) && !held(2), "the unread blocks are evicted first");
        assert!(held(1) && held(3), "a block read since the hand passed is spared");
        assert!(held(4) && held(5), "the newest block is not the next one taken");
        assert_eq!(shared.bytes(), 400);
        // A block larger than the budget is not kept; a budget of 0 empties the cache.
        shared.put((1, 0), &vec![9u8; 500].into());
        assert!(shared.get((1, 0)).is_none());
        shared.set_budget(0);
        assert_eq!(shared.bytes(), 0);
        shared.put((0, 6), &block(6));
        assert_eq!(shared.bytes(), 0, "an off cache keeps nothing");
    }

    #[test]
    fn blocks_never_read_again_leave_in_the_order_they_came() {
        let shared = SharedBlocks::default();
        shared.set_budget(400);
        for b in 0..7 {
            shared.put((0, b), &block(b as u8));
        }
        let clock = shared.clock.lock().expect("lock");
        let mut held: Vec<usize> = clock.at.keys().map(|&(_, b)| b).collect();
        held.sort_unstable();
        assert_eq!(held, [3, 4, 5, 6], "the oldest went first, never a newer block");
    }
}

//! The postings table of a segment (`.post`): bit-packed buckets of 40-bit keys checked per
//! chunk on first read (v4 codes a bucket's keys as Elias–Fano, v3 at a fixed width, read as
//! it is), v1/v2 tables read as they are.

use super::*;

/// Bytes of the v3 postings footer before the checksum.
pub(super) const POSTINGS_FOOTER_LEN: usize = 64;
/// Bytes of the v1 postings footer before the checksum.
pub(super) const POSTINGS_V1_FOOTER_LEN: usize = 64;
/// Buckets per checksummed chunk: 2^10 buckets of about 24 keys, some 100 KiB.
pub(super) const CHUNK_BITS: u32 = 10;
/// A chunk whose checksum was not checked yet.
pub(super) const CHUNK_UNCHECKED: u8 = 0;
/// A chunk whose checksum matched.
pub(super) const CHUNK_OK: u8 = 1;
/// A chunk whose checksum failed: lookups skip it.
pub(super) const CHUNK_DAMAGED: u8 = 2;
/// Flag in a v1 postings value: the low 31 bits are the only document of the key.
pub(super) const SINGLETON_FLAG: u32 = 1 << 31;

/// Bits of the key prefix that choose a bucket: 16 to 32 keys per bucket.
pub(super) fn bucket_bits(n_keys: u64) -> u32 {
    let target = (n_keys / 16).max(1);
    (63 - target.leading_zeros()).min(28)
}

/// Low bits per key of a v4 bucket of `n_keys` keys of `remainder_bits` bits (Elias–Fano):
/// ⌊log2(2^remainder_bits / n_keys)⌋ rounded down to a whole bit, so that the high parts, in
/// unary, take about two bits per key.
#[inline]
pub(super) fn ef_low_bits(remainder_bits: u32, n_keys: usize) -> u32 {
    let ceil_log2 = if n_keys <= 1 { 0 } else { usize::BITS - (n_keys - 1).leading_zeros() };
    remainder_bits.saturating_sub(ceil_log2)
}

/// The low `n_bits` bits set.
#[inline]
pub(super) fn low_mask(n_bits: u32) -> u64 {
    if n_bits == 0 { 0 } else { u64::MAX >> (64 - n_bits) }
}

/// The shape of a postings table, fixed by its number of keys and its largest document.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Bits of a key that choose its bucket (B).
    bits: u32,
    /// Bits of a bucket number that choose its chunk (C).
    chunk_bits: u32,
    /// Bits of a key below its bucket's: 40 - B.
    remainder_bits: u32,
    /// Bits of a stored document (D).
    doc_bits: u32,
}

impl Shape {
    fn new(n_keys: u64, max_doc: u32) -> Shape {
        let bits = bucket_bits(n_keys);
        Shape {
            bits,
            chunk_bits: CHUNK_BITS.min(bits),
            remainder_bits: KEY_BITS - bits,
            doc_bits: (32 - max_doc.leading_zeros()).max(1),
        }
    }

    fn n_buckets(self) -> usize {
        1 << self.bits
    }

    fn chunk_buckets(self) -> usize {
        1 << self.chunk_bits
    }
}

fn too_large(reason: String) -> Error {
    Error::TooLarge { what: "segment postings".into(), reason }
}

fn not_sorted() -> Error {
    too_large("postings are not sorted keys".into())
}

/// Appends one bucket's bytes to `out`: its number of keys (a varint), then a bit stream of
/// the keys' remainders as Elias–Fano (every low part at a fixed width, then the gaps between
/// the high parts in unary), their document counts (gamma) and their documents.
fn encode_bucket(shape: Shape, keys: &[u64], counts: &[u64], docs: &[u32], out: &mut Vec<u8>) {
    put_varint(out, keys.len() as u64);
    let mut writer = BitWriter::default();
    let low_bits = ef_low_bits(shape.remainder_bits, keys.len());
    for key in keys {
        writer.bits(*key, low_bits);
    }
    let mut previous_high = 0;
    for key in keys {
        let high = key >> low_bits;
        writer.unary(high - previous_high);
        previous_high = high;
    }
    for count in counts {
        writer.gamma(*count);
    }
    for doc in docs {
        writer.bits(u64::from(*doc), shape.doc_bits);
    }
    out.extend_from_slice(&writer.finish());
}

/// The buckets `first..first + n` of `postings` (ascending (key, document) pairs whose keys
/// fall in those buckets) encoded one after the other into `out`: pushes each bucket's start,
/// relative to `out`'s length on entry, to `starts`. Returns the keys and postings encoded.
fn encode_buckets(
    shape: Shape,
    first: usize,
    n: usize,
    postings: &mut std::iter::Peekable<impl Iterator<Item = (u64, u32)>>,
    out: &mut Vec<u8>,
    starts: &mut Vec<u32>,
) -> Result<(u64, u64)> {
    let base = out.len();
    let (mut keys, mut counts, mut docs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut n_keys, mut n_postings) = (0u64, 0u64);
    for bucket in first..first + n {
        let start = u32::try_from(out.len() - base)
            .map_err(|_| too_large(format!("more than {} bytes", u32::MAX)))?;
        starts.push(start);
        keys.clear();
        counts.clear();
        docs.clear();
        while let Some(&(key, doc)) = postings.peek() {
            let key_bucket = (key >> shape.remainder_bits) as usize;
            if key_bucket != bucket {
                if key_bucket < bucket || key > low_mask(KEY_BITS) {
                    return Err(not_sorted());
                }
                break;
            }
            postings.next();
            let remainder = key & low_mask(shape.remainder_bits);
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
            n_keys += keys.len() as u64;
            n_postings += docs.len() as u64;
            encode_bucket(shape, &keys, &counts, &docs, out);
        }
    }
    Ok((n_keys, n_postings))
}

/// Writes the encoded buckets, a chunk at a time, and then the directory, the chunk checksums
/// and the footer.
struct TableWriter<'a> {
    encoder: Encoder<'a>,
    shape: Shape,
    directory: Vec<u32>,
    chunk_sums: Vec<u64>,
    data_len: u64,
}

impl<'a> TableWriter<'a> {
    fn new(out: &'a mut dyn Write, shape: Shape) -> Result<TableWriter<'a>> {
        Ok(TableWriter {
            encoder: Encoder::new(out, MAGIC_POSTINGS).map_err(io_other)?,
            shape,
            directory: Vec::with_capacity(shape.n_buckets() + 1),
            chunk_sums: Vec::with_capacity(shape.n_buckets() / shape.chunk_buckets()),
            data_len: 0,
        })
    }

    fn offset(&self, relative: u32) -> Result<u32> {
        u32::try_from(self.data_len + u64::from(relative))
            .map_err(|_| too_large(format!("more than {} bytes", u32::MAX)))
    }

    /// Appends one chunk: its buckets' `bytes`, with each bucket's start relative to them.
    fn chunk(&mut self, bytes: &[u8], starts: &[u32]) -> Result<()> {
        debug_assert_eq!(starts.len(), self.shape.chunk_buckets());
        let mut sum = Xxh3Default::new();
        sum.update(bytes);
        let first = self.directory.len();
        for start in starts {
            let start = self.offset(*start)?;
            self.directory.push(start);
        }
        for start in &self.directory[first..] {
            sum.update(&start.to_le_bytes());
        }
        self.encoder.bytes(bytes).map_err(io_other)?;
        self.data_len += bytes.len() as u64;
        sum.update(&self.offset(0)?.to_le_bytes());
        self.chunk_sums.push(sum.digest());
        Ok(())
    }

    fn finish(mut self, n_keys: u64, n_postings: u64) -> Result<(u64, u64)> {
        let end = self.offset(0)?;
        self.directory.push(end);
        let encoder = &mut self.encoder;
        let off_dir = encoder.position();
        for start in &self.directory {
            encoder.u32(*start).map_err(io_other)?;
        }
        let off_chunks = encoder.position();
        encoder.begin_tables();
        for sum in &self.chunk_sums {
            encoder.u64(*sum).map_err(io_other)?;
        }
        encoder.u64(n_keys).map_err(io_other)?;
        encoder.u64(n_postings).map_err(io_other)?;
        let shape = self.shape;
        for value in [shape.bits, shape.chunk_bits, KEY_BITS, shape.doc_bits] {
            encoder.u32(value).map_err(io_other)?;
        }
        for value in [off_dir, off_chunks, self.chunk_sums.len() as u64] {
            encoder.u64(value).map_err(io_other)?;
        }
        let checksum = encoder.tables_digest();
        encoder.u64(checksum).map_err(io_other)?;
        self.encoder.finish().map_err(io_other)
    }
}

/// Chunks encoded at a time by [`write_postings`], on every core: 64 chunks of about 100 KiB.
const PARALLEL_CHUNKS: usize = 64;

/// Writes a postings table to `out`. `postings` are packed postings ([`pack_key`] or
/// [`pack_posting64`]), sorted ascending and without duplicates. Returns (file size,
/// checksum). The chunks are encoded on every core, [`PARALLEL_CHUNKS`] at a time; the bytes
/// are those of [`write_postings_from`].
pub fn write_postings<P: PackedPosting>(out: &mut dyn Write, postings: &[P]) -> Result<(u64, u64)> {
    if !postings.par_windows(2).all(|pair| pair[0] < pair[1])
        || postings.last().is_some_and(|last| last.key() > low_mask(KEY_BITS))
    {
        return Err(not_sorted());
    }
    let n_keys = postings
        .par_chunks(1 << 16)
        .enumerate()
        .map(|(i, part)| {
            let starts = part.windows(2).filter(|pair| pair[0].key() != pair[1].key()).count();
            // A part's first key is new unless the part before ends with it.
            let continues = i > 0 && postings[i * (1 << 16) - 1].key() == part[0].key();
            starts as u64 + u64::from(!continues)
        })
        .sum::<u64>();
    let max_doc = postings.par_iter().map(|p| p.doc()).max().unwrap_or(0);
    let shape = Shape::new(n_keys, max_doc);
    let chunk_shift = shape.remainder_bits + shape.chunk_bits;
    let n_chunks = shape.n_buckets() / shape.chunk_buckets();
    // Where each chunk's postings start (the keys are sorted).
    let bounds: Vec<usize> = (0..=n_chunks)
        .map(|c| postings.partition_point(|p| ((p.key() >> chunk_shift) as usize) < c))
        .collect();
    let mut table = TableWriter::new(out, shape)?;
    let (mut n_keys_seen, mut n_postings) = (0u64, 0u64);
    for group in (0..n_chunks).collect::<Vec<_>>().chunks(PARALLEL_CHUNKS) {
        let encoded: Vec<(Vec<u8>, Vec<u32>, u64, u64)> = group
            .par_iter()
            .map(|&c| {
                let part = &postings[bounds[c]..bounds[c + 1]];
                let mut pairs = part.iter().map(|p| (p.key(), p.doc())).peekable();
                let (mut bytes, mut starts) = (Vec::new(), Vec::new());
                let first = c * shape.chunk_buckets();
                let (keys, n) = encode_buckets(
                    shape,
                    first,
                    shape.chunk_buckets(),
                    &mut pairs,
                    &mut bytes,
                    &mut starts,
                )?;
                Ok((bytes, starts, keys, n))
            })
            .collect::<Result<_>>()?;
        for (bytes, starts, keys, n) in encoded {
            table.chunk(&bytes, &starts)?;
            n_keys_seen += keys;
            n_postings += n;
        }
    }
    if n_keys_seen != n_keys || n_postings != postings.len() as u64 {
        return Err(not_sorted());
    }
    table.finish(n_keys, n_postings)
}

/// [`write_postings`] from a stream of (key, local document) pairs ascending, without
/// duplicates, holding `n_keys` distinct keys and no document above `max_doc` (a merge
/// streams them from its sources), a chunk at a time on one core.
pub fn write_postings_from(
    out: &mut dyn Write,
    n_keys: u64,
    max_doc: u32,
    postings: impl Iterator<Item = (u64, u32)>,
) -> Result<(u64, u64)> {
    let shape = Shape::new(n_keys, max_doc);
    let mut table = TableWriter::new(out, shape)?;
    let mut postings = postings.peekable();
    let (mut n_keys_seen, mut n_postings) = (0u64, 0u64);
    let (mut bytes, mut starts) = (Vec::new(), Vec::new());
    for first in (0..shape.n_buckets()).step_by(shape.chunk_buckets()) {
        bytes.clear();
        starts.clear();
        let (keys, n) = encode_buckets(
            shape,
            first,
            shape.chunk_buckets(),
            &mut postings,
            &mut bytes,
            &mut starts,
        )?;
        table.chunk(&bytes, &starts)?;
        n_keys_seen += keys;
        n_postings += n;
    }
    if postings.next().is_some() || n_keys_seen != n_keys {
        return Err(not_sorted());
    }
    table.finish(n_keys, n_postings)
}

/// A postings table read from its file: fingerprint → ascending local document numbers.
#[derive(Debug, Clone)]
pub enum PostingsTable {
    /// Format v1 and v2: full 64-bit hashes.
    V1(PostingsV1),
    /// Format v3 and v4: packed buckets of keys.
    V3(PostingsV3),
}

impl PostingsTable {
    /// Opens a postings table, checking its frame (as `verify` asks) and that its sections
    /// tile the file.
    pub fn open(bytes: FileBytes, file: &Path, verify: Verify) -> Result<PostingsTable> {
        match check_segment_frame(&bytes, MAGIC_POSTINGS, file, verify)? {
            1 | 2 => PostingsV1::open(bytes, file).map(PostingsTable::V1),
            version => PostingsV3::open(bytes, file, verify, version).map(PostingsTable::V3),
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

/// A v3 or v4 postings table: buckets of bit-packed keys, counts and documents.
///
/// Bucket `b` (bytes `directory[b] .. directory[b + 1]` of the data) holds the keys whose top
/// `bits` bits are `b`: a varint key count n, then a bit stream (least significant bit first)
/// of n ascending key remainders (`KEY_BITS - bits` bits each; v4: Elias–Fano, see
/// [`ef_low_bits`]: n low parts at a fixed width, then n unary gaps of the high parts), n
/// Elias gamma document counts, and every key's documents (`doc_bits` bits each, ascending
/// per key).
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
    /// Keys coded as Elias–Fano (v4), not at a fixed width (v3).
    elias_fano: bool,
    /// Per chunk: [`CHUNK_UNCHECKED`], [`CHUNK_OK`] or [`CHUNK_DAMAGED`].
    pub(super) verified: Arc<[AtomicU8]>,
    /// The first damaged chunk's reason; lookups skip damaged chunks.
    damage: Arc<OnceLock<String>>,
}

impl PostingsV3 {
    fn open(bytes: FileBytes, file: &Path, verify: Verify, version: u32) -> Result<PostingsV3> {
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
            elias_fano: version >= 4,
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
        let remainder_bits = KEY_BITS - self.bits;
        // Bits a key takes at least: its remainder and gamma count (v3), or its low bits, the
        // one ending its unary gap and its gamma count (v4).
        let key_bits = if self.elias_fano {
            ef_low_bits(remainder_bits, n_keys) as usize + 2
        } else {
            remainder_bits as usize + 1
        };
        // A count that the bucket's bits cannot hold is damage.
        if n_keys == 0 || n_keys.checked_mul(key_bits)? > (bytes.len() - position) * 8 {
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
        let key_idx = if self.elias_fano {
            find_elias_fano(&mut reader, n_keys, remainder_bits, target)?
        } else {
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
            reader.seek(n_keys * width);
            found?
        };
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
        if self.elias_fano {
            let low_bits = ef_low_bits(remainder_bits, n_keys);
            for _ in 0..n_keys {
                keys.push(reader.bits(low_bits));
            }
            let mut high = 0u64;
            for low in &mut keys {
                high += reader.unary(1 << (remainder_bits - low_bits)).ok_or_else(damaged)?;
                *low |= ((bucket as u64) << remainder_bits) | (high << low_bits);
            }
        } else {
            for _ in 0..n_keys {
                keys.push(((bucket as u64) << remainder_bits) | reader.bits(remainder_bits));
            }
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

/// Finds `target` among the `n_keys` Elias–Fano coded remainders of `remainder_bits` bits at
/// `reader`: its index, with the reader left after the keys (at the gamma counts). `None` if
/// it is absent or the bucket is damaged.
#[inline]
fn find_elias_fano(
    reader: &mut BitReader<'_>,
    n_keys: usize,
    remainder_bits: u32,
    target: u64,
) -> Option<usize> {
    let low_bits = ef_low_bits(remainder_bits, n_keys);
    let (target_high, target_low) = (target >> low_bits, target & low_mask(low_bits));
    // A gap between high parts is below 2^(remainder_bits - low_bits); more is damage.
    let max_gap = 1u64 << (remainder_bits - low_bits);
    let lows = reader.clone();
    reader.seek(n_keys * low_bits as usize);
    let mut high = 0u64;
    let mut found = None;
    for idx in 0..n_keys {
        high += reader.unary(max_gap)?;
        if high == target_high && found.is_none() {
            let mut low = lows.clone();
            low.seek(idx * low_bits as usize);
            if low.bits(low_bits) == target_low {
                found = Some(idx);
            }
        } else if high > target_high && found.is_none() {
            // Keys ascend: the target is absent (the common case of a lookup).
            return None;
        }
    }
    found
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

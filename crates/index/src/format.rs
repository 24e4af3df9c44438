//! Byte-level building blocks shared by every index file: magic numbers, the common frame
//! (magic + version at the head, xxh3_64 checksum at the tail) and little-endian encoding.
//!
//! Every file starts with 8 bytes of magic, a `u32` format version and a `u32` reserved for
//! flags (zero in v1), and ends with the xxh3_64 of all preceding bytes as a `u64`. All integers
//! are little-endian. See docs/index-format.md for each file's body.

use std::io::{self, Write};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3Default;

use crate::error::{Error, Result};

/// The format version this build writes and the newest it reads. Version 3 compresses the
/// document store in blocks and packs the postings; version 4 adds a zstd dictionary per
/// document store and codes posting keys as Elias–Fano; version 5 has the layout of 4 but
/// may hold a winnowed subset of each document's shingles (`IndexConfig::winnow` in the
/// MANIFEST), which a v4 reader would not know (docs/index-format.md).
pub const FORMAT_VERSION: u32 = 5;

/// Magic of the MANIFEST.
pub const MAGIC_MANIFEST: [u8; 8] = *b"UNSPMANI";
/// Magic of a segment's document store.
pub const MAGIC_DOCS: [u8; 8] = *b"UNSPDOCS";
/// Magic of a segment's postings.
pub const MAGIC_POSTINGS: [u8; 8] = *b"UNSPPOST";
/// Magic of a tombstone file.
pub const MAGIC_TOMBSTONES: [u8; 8] = *b"UNSPTOMB";

/// Bytes of the common header: magic, version, reserved.
pub const HEADER_LEN: usize = 16;
/// Bytes of the common trailer: the checksum.
pub const CHECKSUM_LEN: usize = 8;

/// Streams a file: little-endian integers, a running checksum, and the position.
pub struct Encoder<'w> {
    out: &'w mut dyn Write,
    hasher: Xxh3Default,
    position: u64,
    /// The header, which a table checksum covers too.
    header: [u8; HEADER_LEN],
    /// The table checksum of a v3 segment file, from [`Encoder::begin_tables`] on.
    tables: Option<Xxh3Default>,
}

impl<'w> Encoder<'w> {
    /// Starts a file of kind `magic` on `out`, writing the common header.
    pub fn new(out: &'w mut dyn Write, magic: [u8; 8]) -> io::Result<Encoder<'w>> {
        let mut encoder = Encoder {
            out,
            hasher: Xxh3Default::new(),
            position: 0,
            header: [0; HEADER_LEN],
            tables: None,
        };
        encoder.header[..8].copy_from_slice(&magic);
        encoder.header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        let header = encoder.header;
        encoder.bytes(&header)?;
        Ok(encoder)
    }

    /// Bytes written so far (the offset of the next byte).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Starts the table checksum: it covers the header and every byte written from now on,
    /// up to [`Encoder::tables_digest`].
    pub fn begin_tables(&mut self) {
        let mut tables = Xxh3Default::new();
        tables.update(&self.header);
        self.tables = Some(tables);
    }

    /// The table checksum so far (0 if [`Encoder::begin_tables`] was not called).
    pub fn tables_digest(&self) -> u64 {
        self.tables.as_ref().map_or(0, Xxh3Default::digest)
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.hasher.update(bytes);
        if let Some(tables) = &mut self.tables {
            tables.update(bytes);
        }
        self.position += bytes.len() as u64;
        Ok(())
    }

    /// Writes a `u8`.
    pub fn u8(&mut self, value: u8) -> io::Result<()> {
        self.bytes(&[value])
    }

    /// Writes a little-endian `u32`.
    pub fn u32(&mut self, value: u32) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    pub fn u64(&mut self, value: u64) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }

    /// Writes a little-endian `i64`.
    pub fn i64(&mut self, value: i64) -> io::Result<()> {
        self.bytes(&value.to_le_bytes())
    }

    /// Writes the checksum trailer; returns (file size, checksum).
    pub fn finish(mut self) -> io::Result<(u64, u64)> {
        let checksum = self.hasher.digest();
        self.out.write_all(&checksum.to_le_bytes())?;
        self.position += CHECKSUM_LEN as u64;
        Ok((self.position, checksum))
    }
}

/// The version field of a file whose magic was checked (0 if too short).
pub fn frame_version(bytes: &[u8]) -> u32 {
    read_u32(bytes, 8)
}

/// Checks only the magic of `bytes` read from `file` (see [`check_frame`] for the messages).
pub fn check_magic(bytes: &[u8], magic: [u8; 8], file: &Path) -> Result<()> {
    if bytes.len() < 8 || bytes[..8] != magic {
        if magic == MAGIC_MANIFEST {
            return Err(Error::NotAnIndex { path: file.to_path_buf() });
        }
        let kind = String::from_utf8_lossy(&magic).into_owned();
        return Err(Error::corrupt(file, format!("wrong magic bytes (expected {kind})")));
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(Error::corrupt(file, format!("truncated to {} bytes", bytes.len())));
    }
    Ok(())
}

/// Checks the common frame of `bytes` read from `file`: magic, checksum, then version, in this
/// order so that a damaged version field is reported as damage. Returns the stored checksum.
///
/// A wrong magic in a MANIFEST means "not an index"; in any other file it is damage.
pub fn check_frame(bytes: &[u8], magic: [u8; 8], file: &Path) -> Result<u64> {
    check_magic(bytes, magic, file)?;
    let body_end = bytes.len() - CHECKSUM_LEN;
    let stored = read_u64(bytes, body_end);
    let computed = xxhash_rust::xxh3::xxh3_64(&bytes[..body_end]);
    if stored != computed {
        return Err(Error::corrupt(
            file,
            format!("checksum mismatch (stored {stored:016x}, computed {computed:016x})"),
        ));
    }
    check_version(bytes, file)?;
    Ok(stored)
}

/// Checks the version field of a file whose magic (and checksum, or a checksum covering the
/// header) was checked.
pub fn check_version(bytes: &[u8], file: &Path) -> Result<()> {
    let version = frame_version(bytes);
    if !(crate::OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(Error::Version {
            file: file.to_path_buf(),
            expected: FORMAT_VERSION,
            got: version,
        });
    }
    Ok(())
}

/// The little-endian `u32` at `offset`, or 0 if `bytes` is too short. Callers validate ranges
/// up front; the fallback only keeps damaged input from panicking.
#[inline]
pub fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    match bytes.get(offset..offset.wrapping_add(4)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The little-endian `u64` at `offset`, or 0 if `bytes` is too short (see [`read_u32`]).
#[inline]
pub fn read_u64(bytes: &[u8], offset: usize) -> u64 {
    match bytes.get(offset..offset.wrapping_add(8)) {
        Some(slice) => {
            let mut array = [0u8; 8];
            array.copy_from_slice(slice);
            u64::from_le_bytes(array)
        }
        None => 0,
    }
}

/// A bounds-checked reader over a file's bytes; every failure is [`Error::Corrupt`] naming the
/// file.
pub struct Decoder<'a> {
    bytes: &'a [u8],
    position: usize,
    file: &'a Path,
}

impl<'a> Decoder<'a> {
    /// Reads `bytes` of `file` from `position`.
    pub fn new(bytes: &'a [u8], position: usize, file: &'a Path) -> Decoder<'a> {
        Decoder { bytes, position, file }
    }

    /// The offset of the next byte.
    pub fn position(&self) -> usize {
        self.position
    }

    /// A [`Error::Corrupt`] for this file.
    pub fn error(&self, reason: impl Into<String>) -> Error {
        Error::corrupt(self.file, reason)
    }

    /// The next `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self.position.checked_add(len).filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.error(format!("field at byte {} runs past the end", self.position)));
        };
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }

    /// The next `u8`.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(read_u32(self.bytes(4)?, 0))
    }

    /// The next little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(read_u64(self.bytes(8)?, 0))
    }

    /// The next little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64> {
        let bytes = self.bytes(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(i64::from_le_bytes(array))
    }

    /// The next `u64`, as an offset or count that must fit in memory.
    pub fn usize(&mut self) -> Result<usize> {
        let value = self.u64()?;
        usize::try_from(value).map_err(|_| self.error(format!("value {value} too large")))
    }

    /// A string written by [`put_str`].
    pub fn str(&mut self) -> Result<&'a str> {
        let len = self.u32()? as usize;
        let bytes = self.bytes(len)?;
        std::str::from_utf8(bytes).map_err(|_| self.error("string is not UTF-8"))
    }

    /// An optional string written by [`put_opt_str`].
    pub fn opt_str(&mut self) -> Result<Option<&'a str>> {
        if self.u8()? == 0 {
            return Ok(None);
        }
        self.str().map(Some)
    }
}

/// Writes a string as `u32` length + UTF-8 bytes.
pub fn put_str(encoder: &mut Encoder<'_>, value: &str, what: &str) -> Result<()> {
    let len = u32::try_from(value.len()).map_err(|_| Error::TooLarge {
        what: what.to_string(),
        reason: format!("{} bytes, at most {} fit", value.len(), u32::MAX),
    })?;
    encoder.u32(len).map_err(io_other)?;
    encoder.bytes(value.as_bytes()).map_err(io_other)
}

/// `n` (a length or a count written as `u32`) checked: [`Error::TooLarge`] naming `what` if
/// it does not fit.
pub fn count_u32(n: usize, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::TooLarge {
        what: what.to_string(),
        reason: format!("{n} items, at most {} fit", u32::MAX),
    })
}

/// Wraps an I/O error from inside a [`crate::Storage::write_atomic`] closure; the storage
/// replaces the placeholder path in its own error paths, and callers add the file name.
pub fn io_other(source: io::Error) -> Error {
    Error::io(WRITING_PLACEHOLDER, source)
}

/// Placeholder path of [`io_other`] errors, replaced by the temporary file's path.
pub const WRITING_PLACEHOLDER: &str = "<writing>";

/// Appends `value` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 varint at `*position` of `bytes`, advancing it; `None` if it runs past the
/// end or is longer than 10 bytes.
pub fn get_varint(bytes: &[u8], position: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*position)?;
        *position += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

/// Writes a bit stream, least significant bit first.
#[derive(Debug, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Bits not yet flushed to `bytes`, `n_pending` of them (< 8 after every call).
    pending: u64,
    n_pending: u32,
}

impl BitWriter {
    /// Appends the low `n_bits` (≤ 56) bits of `value`.
    pub fn bits(&mut self, value: u64, n_bits: u32) {
        debug_assert!(n_bits <= 56);
        let mask = if n_bits == 0 { 0 } else { u64::MAX >> (64 - n_bits) };
        self.pending |= (value & mask) << self.n_pending;
        self.n_pending += n_bits;
        while self.n_pending >= 8 {
            self.bytes.push(self.pending as u8);
            self.pending >>= 8;
            self.n_pending -= 8;
        }
    }

    /// Appends `value` (≥ 1) in Elias gamma code: ⌊log2⌋ zero bits, a one, then the bits
    /// below the leading one.
    pub fn gamma(&mut self, value: u64) {
        debug_assert!(value >= 1);
        let n_low = 63 - value.leading_zeros();
        self.bits(1 << n_low, n_low + 1);
        self.bits(value, n_low);
    }

    /// Appends `zeros` zero bits, then a one: the unary code of `zeros`.
    pub fn unary(&mut self, mut zeros: u64) {
        while zeros >= 56 {
            self.bits(0, 56);
            zeros -= 56;
        }
        self.bits(1 << zeros, zeros as u32 + 1);
    }

    /// The bytes, the last one padded with zero bits.
    pub fn finish(mut self) -> Vec<u8> {
        if self.n_pending > 0 {
            self.bytes.push(self.pending as u8);
        }
        self.bytes
    }
}

/// Reads a bit stream written by [`BitWriter`]; reading past the end yields zero bits (the
/// callers check counts against the slice's length).
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    bit: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `bytes`.
    pub fn new(bytes: &'a [u8]) -> BitReader<'a> {
        BitReader { bytes, bit: 0 }
    }

    /// The 64 bits starting at the current position (zeros past the end).
    #[inline]
    fn peek64(&self) -> u64 {
        let byte = self.bit / 8;
        let word = match self.bytes.get(byte..byte + 8) {
            Some(slice) => read_u64(slice, 0),
            None => {
                let mut array = [0u8; 8];
                let tail = self.bytes.get(byte..).unwrap_or(&[]);
                array[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(array)
            }
        };
        word >> (self.bit % 8)
    }

    /// The next `n_bits` (≤ 56) bits.
    #[inline]
    pub fn bits(&mut self, n_bits: u32) -> u64 {
        if n_bits == 0 {
            return 0;
        }
        let value = self.peek64() & (u64::MAX >> (64 - n_bits));
        self.bit += n_bits as usize;
        value
    }

    /// The next Elias gamma value, or `None` if the code is longer than 56 bits (damage).
    #[inline]
    pub fn gamma(&mut self) -> Option<u64> {
        let n_low = self.peek64().trailing_zeros();
        if n_low > 31 {
            return None;
        }
        self.bit += n_low as usize + 1;
        Some((1 << n_low) | self.bits(n_low))
    }

    /// The next unary code (zero bits up to a one, both read): the number of zeros, or `None`
    /// if there are more than `limit` (damage, or the end of the bytes).
    #[inline]
    pub fn unary(&mut self, limit: u64) -> Option<u64> {
        let mut zeros = 0u64;
        loop {
            // `peek64` fills the bits above the stream's current byte with zeros, so a one
            // bit in the word is always a real one; an all-zero word holds at least 57 real
            // zeros (or the end).
            let word = self.peek64();
            if word != 0 {
                let n = u64::from(word.trailing_zeros());
                zeros += n;
                self.bit += n as usize + 1;
                return (zeros <= limit).then_some(zeros);
            }
            zeros += 56;
            self.bit += 56;
            if zeros > limit {
                return None;
            }
        }
    }

    /// The position, in bits from the first.
    pub fn position(&self) -> usize {
        self.bit
    }

    /// Moves to bit `bit`.
    pub fn seek(&mut self, bit: usize) {
        self.bit = bit;
    }

    /// Whether the position is past the end of the bytes.
    pub fn overran(&self) -> bool {
        self.bit > self.bytes.len() * 8
    }
}

//! Byte-level building blocks shared by every index file: magic numbers, the common frame
//! (magic + version at the head, xxh3_64 checksum at the tail) and little-endian encoding.
//!
//! Every file starts with 8 bytes of magic, a `u32` format version and a `u32` reserved for
//! flags (zero in v1), and ends with the xxh3_64 of all preceding bytes as a `u64`. All integers
//! are little-endian. See docs/index-format.md for each file's body.

use std::io::{self, Write};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3Default;

use crate::FORMAT_VERSION;
use crate::error::{Error, Result};

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
}

impl<'w> Encoder<'w> {
    /// Starts a file of kind `magic` on `out`, writing the common header.
    pub fn new(out: &'w mut dyn Write, magic: [u8; 8]) -> io::Result<Encoder<'w>> {
        let mut encoder = Encoder { out, hasher: Xxh3Default::new(), position: 0 };
        encoder.bytes(&magic)?;
        encoder.u32(FORMAT_VERSION)?;
        encoder.u32(0)?;
        Ok(encoder)
    }

    /// Bytes written so far (the offset of the next byte).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.hasher.update(bytes);
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

/// Checks the common frame of `bytes` read from `file`: magic, checksum, then version, in this
/// order so that a damaged version field is reported as damage. Returns the stored checksum.
///
/// A wrong magic in a MANIFEST means "not an index"; in any other file it is damage.
pub fn check_frame(bytes: &[u8], magic: [u8; 8], file: &Path) -> Result<u64> {
    let is_manifest = magic == MAGIC_MANIFEST;
    if bytes.len() < 8 || bytes[..8] != magic {
        if is_manifest {
            return Err(Error::NotAnIndex { path: file.to_path_buf() });
        }
        let kind = String::from_utf8_lossy(&magic).into_owned();
        return Err(Error::corrupt(file, format!("wrong magic bytes (expected {kind})")));
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(Error::corrupt(file, format!("truncated to {} bytes", bytes.len())));
    }
    let body_end = bytes.len() - CHECKSUM_LEN;
    let stored = read_u64(bytes, body_end);
    let computed = xxhash_rust::xxh3::xxh3_64(&bytes[..body_end]);
    if stored != computed {
        return Err(Error::corrupt(
            file,
            format!("checksum mismatch (stored {stored:016x}, computed {computed:016x})"),
        ));
    }
    let version = read_u32(bytes, 8);
    if !(crate::OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(Error::Version {
            file: file.to_path_buf(),
            expected: FORMAT_VERSION,
            got: version,
        });
    }
    Ok(stored)
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

/// Writes an optional string as a `u8` flag (0 absent, 1 present) and, if present, [`put_str`].
pub fn put_opt_str(encoder: &mut Encoder<'_>, value: Option<&str>, what: &str) -> Result<()> {
    match value {
        None => encoder.u8(0).map_err(io_other),
        Some(value) => {
            encoder.u8(1).map_err(io_other)?;
            put_str(encoder, value, what)
        }
    }
}

/// Wraps an I/O error from inside a [`crate::Storage::write_atomic`] closure; the storage
/// replaces the placeholder path in its own error paths, and callers add the file name.
pub fn io_other(source: io::Error) -> Error {
    Error::io(WRITING_PLACEHOLDER, source)
}

/// Placeholder path of [`io_other`] errors, replaced by the temporary file's path.
pub const WRITING_PLACEHOLDER: &str = "<writing>";

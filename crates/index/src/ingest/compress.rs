//! Decompression of corpus files: gzip, zstd, bzip2 and xz, detected by their magic bytes.
//!
//! Each format checks its data with a checksum at the end of a unit (a gzip member, a zstd
//! frame with a content checksum, a bzip2 stream, an xz stream), so text decoded from a
//! damaged unit may be garbage before the error shows. [`Decompressed`] decodes unit by unit
//! and records how many decompressed bytes lie in units whose check passed
//! ([`super::CorpusReader::verified_byte_end`]); the pipeline holds records until then.
//!
//! A stream that ends inside a unit is an error (`truncated: ...`), never a short read: a
//! cut file must not look like a small corpus.
//!
//! The crates: `flate2` (already used), `ruzstd` (pure Rust, +3.3 s of a cold release build
//! here), `bzip2` 0.6 (its default backend `libbz2-rs-sys` is pure Rust, +3.0 s), `lzma-rs`
//! (pure Rust, +1.4 s; it decodes into a writer, so xz runs on its own thread feeding a
//! bounded channel).

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bzip2::bufread::BzDecoder;
use flate2::bufread::GzDecoder;
use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

/// How a corpus file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`1f 8b`), multi-member streams included.
    Gzip,
    /// Zstandard (`28 b5 2f fd`), several frames included.
    Zstd,
    /// bzip2 (`BZh`), several streams included.
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
}

impl Compression {
    /// The compression announced by the first bytes of a file.
    pub fn from_magic(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else {
            Compression::None
        }
    }

    /// `"gzip"`, `"zstd"`, `"bzip2"`, `"xz"` or `"none"`.
    pub fn name(&self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }
    }

    /// What a unit of this format is called in messages.
    fn unit(&self) -> &'static str {
        match self {
            Compression::Gzip => "member",
            Compression::Zstd => "frame",
            Compression::None | Compression::Bzip2 | Compression::Xz => "stream",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The unit being decoded.
enum Unit<R: BufRead> {
    Gzip(Box<GzDecoder<R>>),
    Zstd(Box<StreamingDecoder<R, FrameDecoder>>),
    Bzip2(BzDecoder<R>),
}

impl<R: BufRead> Unit<R> {
    fn start(compression: Compression, source: R) -> io::Result<Unit<R>> {
        Ok(match compression {
            Compression::Gzip => Unit::Gzip(Box::new(GzDecoder::new(source))),
            Compression::Zstd => Unit::Zstd(Box::new(
                StreamingDecoder::new(source).map_err(|error| zstd_error(&error))?,
            )),
            Compression::Bzip2 => Unit::Bzip2(BzDecoder::new(source)),
            Compression::None | Compression::Xz => unreachable!("not decoded unit by unit"),
        })
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Unit::Gzip(decoder) => decoder.read(buf),
            Unit::Zstd(decoder) => decoder.read(buf).map_err(|error| {
                if error.kind() == io::ErrorKind::UnexpectedEof {
                    error
                } else {
                    zstd_error(&error)
                }
            }),
            Unit::Bzip2(decoder) => decoder.read(buf),
        }
    }

    /// After the unit's last byte: checks what the decoder left to the caller (the zstd
    /// content checksum) and returns the source.
    fn finish(self) -> io::Result<R> {
        match self {
            Unit::Gzip(decoder) => Ok((*decoder).into_inner()),
            Unit::Bzip2(decoder) => Ok(decoder.into_inner()),
            Unit::Zstd(decoder) => {
                let (source, frame) = decoder.into_parts();
                if let (Some(stored), Some(computed)) =
                    (frame.get_checksum_from_data(), frame.get_calculated_checksum())
                    && stored != computed
                {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "checksum mismatch"));
                }
                Ok(source)
            }
        }
    }
}

/// A zstd error as an `io::Error` whose message says what it is; a stream that ended early
/// becomes `UnexpectedEof`.
fn zstd_error(error: &dyn fmt::Display) -> io::Error {
    let message = error.to_string();
    let lower = message.to_ascii_lowercase();
    if lower.contains("eof")
        || lower.contains("end of file")
        || lower.contains("not enough")
        || lower.contains("failed to fill whole buffer")
    {
        io::Error::new(io::ErrorKind::UnexpectedEof, format!("zstd: {message}"))
    } else {
        io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {message}"))
    }
}

/// Decodes gzip, zstd and bzip2 unit by unit, like `MultiGzDecoder`, and records how many
/// decompressed bytes lie in units whose check passed.
pub(crate) struct Units<R: BufRead> {
    compression: Compression,
    /// The unit being decoded; `None` after the last one.
    unit: Option<Unit<R>>,
    n_delivered: u64,
    /// Decompressed bytes delivered up to the end of the last checked unit.
    verified: Arc<AtomicU64>,
}

impl<R: BufRead> Units<R> {
    pub(crate) fn new(
        compression: Compression,
        source: R,
        verified: Arc<AtomicU64>,
    ) -> io::Result<Units<R>> {
        let unit = Some(Unit::start(compression, source)?);
        Ok(Units { compression, unit, n_delivered: 0, verified })
    }
}

impl<R: BufRead> Read for Units<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(unit) = &mut self.unit else { return Ok(0) };
            let n_read = unit.read(buf)?;
            if n_read > 0 || buf.is_empty() {
                self.n_delivered += n_read as u64;
                return Ok(n_read);
            }
            // A decoder returns 0 only at the end of its unit, after its checks; zstd's
            // content checksum is compared here.
            let mut source = self.unit.take().expect("checked above").finish()?;
            self.verified.store(self.n_delivered, Ordering::Relaxed);
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            if self.compression == Compression::Zstd
                && Compression::from_magic(source.fill_buf()?) != Compression::Zstd
            {
                // Skippable frames (`5? 2a 4d 18`) carry no text; anything else is damage.
                skip_zstd_skippable_frames(&mut source)?;
                if source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
            }
            self.unit = Some(Unit::start(self.compression, source)?);
        }
    }
}

/// Skips zstd skippable frames; leaves anything else for the frame decoder to refuse.
fn skip_zstd_skippable_frames<R: BufRead>(source: &mut R) -> io::Result<()> {
    loop {
        let head = source.fill_buf()?;
        if head.len() < 8 || head[0] & 0xf0 != 0x50 || head[1..4] != [0x2a, 0x4d, 0x18] {
            return Ok(());
        }
        let length = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        source.consume(8);
        let skipped = io::copy(&mut source.by_ref().take(length), &mut io::sink())?;
        if skipped < length {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "zstd skippable frame"));
        }
    }
}

/// xz through `lzma-rs`, which decodes into a writer: a thread decodes into a bounded channel
/// of chunks, so memory stays at a few chunks (plus the xz dictionary).
pub(crate) struct XzPipe {
    chunks: crossbeam_channel::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    position: usize,
    n_delivered: u64,
    verified: Arc<AtomicU64>,
    done: bool,
}

/// The writer side of [`XzPipe`].
struct ChunkWriter {
    sender: crossbeam_channel::Sender<io::Result<Vec<u8>>>,
    buffer: Vec<u8>,
}

const CHUNK_BYTES: usize = 64 * 1024;

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
        self.sender
            .send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader stopped"))
    }
}

impl XzPipe {
    pub(crate) fn new<R: BufRead + Send + 'static>(source: R, verified: Arc<AtomicU64>) -> XzPipe {
        let (sender, chunks) = crossbeam_channel::bounded(4);
        std::thread::spawn(move || {
            let mut source = BufReader::new(source);
            let mut writer = ChunkWriter { sender: sender.clone(), buffer: Vec::new() };
            let result = lzma_rs::xz_decompress(&mut source, &mut writer)
                .map_err(|error| xz_error(&error))
                .and_then(|()| writer.flush());
            // The empty chunk marks a stream whose checks passed.
            let _ = sender.send(result.map(|()| Vec::new()));
        });
        XzPipe { chunks, current: Vec::new(), position: 0, n_delivered: 0, verified, done: false }
    }
}

fn xz_error(error: &lzma_rs::error::Error) -> io::Error {
    match error {
        lzma_rs::error::Error::IoError(io_error) => {
            io::Error::new(io_error.kind(), format!("xz: {io_error}"))
        }
        other => {
            let message = other.to_string();
            // lzma-rs reports a stream cut inside a block as a short read in its LZMA error.
            let kind = if message.contains("failed to fill whole buffer") {
                io::ErrorKind::UnexpectedEof
            } else {
                io::ErrorKind::InvalidData
            };
            io::Error::new(kind, format!("xz: {message}"))
        }
    }
}

impl Read for XzPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => {
                    self.done = true;
                    self.verified.store(self.n_delivered, Ordering::Relaxed);
                }
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.position = 0;
                }
                Ok(Err(error)) => {
                    self.done = true;
                    return Err(error);
                }
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::other("xz: the decoder thread stopped"));
                }
            }
        }
        let n_copied = buf.len().min(self.current.len() - self.position);
        buf[..n_copied].copy_from_slice(&self.current[self.position..self.position + n_copied]);
        self.position += n_copied;
        self.n_delivered += n_copied as u64;
        Ok(n_copied)
    }
}

/// A read error of a compressed stream, in words: `truncated` (the stream ends early),
/// `corrupt data`, `checksum mismatch`.
pub(crate) fn describe_read_error(error: &io::Error, compression: Compression) -> String {
    let message = error.to_string();
    if compression == Compression::None {
        return format!("read error: {message}");
    }
    let name = compression.name();
    let unit = compression.unit();
    let lower = message.to_ascii_lowercase();
    if error.kind() == io::ErrorKind::UnexpectedEof
        || lower.contains("unexpected end")
        || lower.contains("eof")
    {
        format!("truncated: the {name} stream ends early ({message})")
    } else if lower.contains("checksum") || lower.contains("crc") {
        format!("CRC mismatch: the decompressed data does not match the {name} {unit}'s checksum")
    } else if compression == Compression::Gzip && message.contains("deflate") {
        format!("corrupt deflate data ({message})")
    } else if compression == Compression::Gzip && message.contains("gzip header") {
        format!("not a gzip member: {message} (damaged data or garbage after the last member)")
    } else {
        format!("corrupt {name} data ({message})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(compression: Compression, bytes: Vec<u8>) -> (io::Result<Vec<u8>>, u64) {
        let verified = Arc::new(AtomicU64::new(0));
        let result = Units::new(compression, io::Cursor::new(bytes), Arc::clone(&verified))
            .and_then(|mut units| {
                let mut out = Vec::new();
                units.read_to_end(&mut out).map(|_| out)
            });
        (result, verified.load(Ordering::Relaxed))
    }

    fn bz2(data: &[u8]) -> Vec<u8> {
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        encoder.write_all(data).expect("in memory");
        encoder.finish().expect("in memory")
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        lzma_rs::xz_compress(&mut io::Cursor::new(data), &mut out).expect("in memory");
        out
    }

    fn read_xz(bytes: Vec<u8>) -> (io::Result<Vec<u8>>, u64) {
        let verified = Arc::new(AtomicU64::new(0));
        let mut pipe = XzPipe::new(io::Cursor::new(bytes), Arc::clone(&verified));
        let mut out = Vec::new();
        let result = pipe.read_to_end(&mut out).map(|_| out);
        (result, verified.load(Ordering::Relaxed))
    }

    #[test]
    fn magic() {
        assert_eq!(Compression::from_magic(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(Compression::from_magic(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(Compression::from_magic(b"BZh91AY"), Compression::Bzip2);
        assert_eq!(Compression::from_magic(b"BZhx"), Compression::None);
        assert_eq!(Compression::from_magic(b"\xfd7zXZ\x00\x00"), Compression::Xz);
        assert_eq!(Compression::from_magic(b"{\"id\""), Compression::None);
    }

    #[test]
    fn bzip2_streams_and_damage() {
        let mut two = bz2(b"first stream\n");
        let first_len = b"first stream\n".len() as u64;
        two.extend(bz2(b"second\n"));
        let (out, verified) = units(Compression::Bzip2, two.clone());
        assert_eq!(out.expect("two streams"), b"first stream\nsecond\n");
        assert_eq!(verified, first_len + 7);
        let (out, _) = units(Compression::Bzip2, two[..two.len() - 5].to_vec());
        let error = out.expect_err("truncated");
        let message = describe_read_error(&error, Compression::Bzip2);
        assert!(message.starts_with("truncated: the bzip2 stream ends early"), "{message}");
    }

    fn zst(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    #[test]
    fn zstd_frames_and_damage() {
        let mut two = zst(b"first frame\n");
        // A skippable frame between the two carries no text.
        two.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        two.extend(zst(b"second\n"));
        let (out, verified) = units(Compression::Zstd, two.clone());
        assert_eq!(out.expect("two frames"), b"first frame\nsecond\n");
        assert_eq!(verified, 19);
        // A flipped byte in the content fails the frame's checksum.
        let mut flipped = zst(b"some text that is long enough\n");
        let n_flipped = flipped.len();
        flipped[n_flipped - 6] ^= 0x01;
        let (out, _) = units(Compression::Zstd, flipped);
        let message = describe_read_error(&out.expect_err("flipped"), Compression::Zstd);
        assert!(message.starts_with("CRC mismatch"), "{message}");
        // Cut inside the last frame's checksum, inside its block, inside the first frame.
        for cut in [two.len() - 3, two.len() - 9, 20] {
            let (out, _) = units(Compression::Zstd, two[..cut].to_vec());
            let message = describe_read_error(&out.expect_err("truncated"), Compression::Zstd);
            assert!(
                message.starts_with("truncated: the zstd stream ends early"),
                "{cut}: {message}"
            );
        }
    }

    #[test]
    fn xz_stream_and_damage() {
        let data = "line of text\n".repeat(10_000);
        let packed = xz(data.as_bytes());
        let (out, verified) = read_xz(packed.clone());
        assert_eq!(out.expect("whole"), data.as_bytes());
        assert_eq!(verified, data.len() as u64);
        let (out, verified) = read_xz(packed[..packed.len() / 2].to_vec());
        let message = describe_read_error(&out.expect_err("truncated"), Compression::Xz);
        assert!(message.starts_with("truncated: the xz stream ends early"), "{message}");
        assert_eq!(verified, 0);
    }
}

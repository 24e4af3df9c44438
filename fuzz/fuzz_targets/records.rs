//! The corpus readers on any file: `CorpusReader` over a temp file, every record iterated.
//! It must never panic; the record that stops the reading (a read error, a CSV quote open to
//! the end) is the last one and is kept by `incomplete`; a gzip stream read to its end is
//! verified to its end.
//!
//! The first input byte chooses how the rest is read:
//! - `byte % 4`: format jsonl, csv, tsv, or detected from the content;
//! - `byte / 4 % 3`: the rest as is, gzip-compressed here (so the parser sees the fuzzed
//!   records), or cut into two gzip members;
//! - `byte / 12 % 2`: the default record limits, or tiny ones (64-byte records, 32-byte texts).
#![no_main]

use std::io::Write;
use std::path::PathBuf;
use std::sync::LazyLock;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use unspun_index::ingest::{CorpusReader, Format, ReaderConfig, RecordResult, SkipReason};

struct Scratch {
    _dir: tempfile::TempDir,
    /// No extension: the format is either given or detected from the content.
    path: PathBuf,
}

static SCRATCH: LazyLock<Scratch> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temp dir for the corpus file");
    let path = dir.path().join("corpus");
    Scratch { _dir: dir, path }
});

fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(part).expect("writing to a Vec");
        out.extend(encoder.finish().expect("writing to a Vec"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else { return };
    let format = match mode % 4 {
        0 => Some(Format::JsonLines),
        1 => Some(Format::Csv),
        2 => Some(Format::Tsv),
        _ => None,
    };
    let bytes = match mode / 4 % 3 {
        0 => body.to_vec(),
        1 => gzip(&[body]),
        _ => {
            let (a, b) = body.split_at(body.len() / 2);
            gzip(&[a, b])
        }
    };
    let mut config = ReaderConfig { format, ..ReaderConfig::default() };
    if mode / 12 % 2 == 1 {
        config.max_record_bytes = 64;
        config.max_text_bytes = 32;
    }
    let path = &SCRATCH.path;
    std::fs::write(path, &bytes).expect("writing the corpus file");
    // Opening fails for a CSV/TSV without a usable header: that is an answer, not a bug.
    let Ok(mut reader) = CorpusReader::open(path, &config) else { return };
    // The uncompressed length, when this target made the stream (not for fuzzed bytes that
    // start like a compressed file: gzip, zstd, bzip2 or xz).
    let compressed_here = mode / 4 % 3 != 0;
    let plain = unspun_index::ingest::Compression::from_magic(body)
        == unspun_index::ingest::Compression::None;
    let known_len = (compressed_here || plain).then_some(body.len());
    let mut n_records = 0usize;
    let mut prev_byte_end = 0;
    while let Some(record) = reader.next() {
        n_records += 1;
        // Each record is at least one byte of the input (a line or a row), so a reader that
        // keeps yielding is looping.
        assert!(n_records <= body.len() + 1, "more records than input bytes");
        let mut read_error = false;
        match &record {
            RecordResult::Ok { doc, line, bytes, byte_end } => {
                assert!(*line >= 1, "line {line}");
                assert!(*bytes >= 1, "record of {bytes} bytes");
                assert!(*byte_end >= prev_byte_end, "byte_end went back to {byte_end}");
                if let Some(len) = known_len {
                    assert!(*byte_end <= len as u64, "byte_end {byte_end} past the end {len}");
                }
                prev_byte_end = *byte_end;
                assert!(!doc.id.trim().is_empty(), "blank id");
                assert!(!doc.text.trim().is_empty(), "blank text");
                assert!(doc.text.len() <= config.max_text_bytes, "text over the limit");
            }
            RecordResult::Skipped(bad) => {
                // The message must render (it names the file and line).
                let _ = bad.to_string();
                // A stream this target compressed is intact: no read error. A JSON array whose
                // content is cut or malformed also ends the reading as `Io` (an array cannot be
                // resynchronised), and says it is the content.
                let content = bad.detail.starts_with("malformed JSON array")
                    || bad.detail.starts_with("truncated: the JSON array");
                assert!(!(compressed_here && bad.reason == SkipReason::Io && !content), "{bad}");
                read_error = bad.reason == SkipReason::Io;
            }
        }
        // The record that stops the reading is kept by `incomplete`, and is the last one. (An
        // `UnclosedQuote` stops it only when the quote is open to the end of the file: one
        // closed later, with text after it, costs its row and the reading goes on.)
        match reader.incomplete() {
            Some(incomplete) => {
                let incomplete = incomplete.clone();
                assert_eq!(RecordResult::Skipped(incomplete.clone()), record, "incomplete()");
                assert!(reader.next().is_none(), "a record after {incomplete}");
                break;
            }
            None => assert!(!read_error, "a read error that does not stop the reading"),
        }
    }
    if reader.incomplete().is_none() && compressed_here {
        // A gzip stream read to its end is checked to its end.
        assert_eq!(reader.verified_byte_end(), body.len() as u64, "verified_byte_end");
    }
});

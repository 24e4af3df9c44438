//! What a corpus file is: compression by magic bytes, format by content, then name; honest
//! refusals of what is not a corpus (PDF, ZIP, Parquet, images, binary data).

use super::*;

/// Detects the format and compression of a corpus file.
///
/// Compression comes from the magic bytes (gzip, zstd, bzip2, xz), never the name. The
/// format comes from the first decompressed bytes where they are clear (a first non-blank
/// `{` is JSON Lines, `[` a JSON array), then from the name ([`Format::from_path`]), then
/// from the first line: tabs and no commas mean TSV, anything else CSV. A file that is
/// something else (a PDF, a ZIP archive, an image, Parquet, binary data, UTF-16 text) is an
/// `InvalidData` error that says what it looks like.
pub fn detect(path: &Path) -> io::Result<(Format, Compression)> {
    let mut file = BufReader::new(File::open(path)?);
    let compression = Compression::from_magic(file.fill_buf()?);
    if compression == Compression::None {
        if file.fill_buf()?.starts_with(PARQUET_MAGIC) {
            return if cfg!(feature = "parquet") {
                Ok((Format::Parquet, Compression::None))
            } else {
                Err(no_parquet(path))
            };
        }
        refuse_unsupported(path, file.fill_buf()?)?;
    }
    let verified = Arc::new(AtomicU64::new(0));
    let stream: Box<dyn Read> = match compression {
        Compression::None => Box::new(file),
        Compression::Xz => Box::new(XzPipe::new(file, verified)),
        _ => Box::new(Units::new(compression, file, verified)?),
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    // A damaged stream may fail before the sniff has enough: detect from what was read, and
    // let the reader report the damage with its line.
    let _ = stream.take(SNIFF_BYTES as u64).read_to_end(&mut head);
    if compression != Compression::None {
        if head.starts_with(PARQUET_MAGIC) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: looks like a Parquet file compressed as a whole ({compression:?}): \
                     decompress it first (Parquet compresses its own columns)",
                    path.display()
                ),
            ));
        }
        refuse_unsupported(path, &head)?;
    }
    Ok((sniff_format(path, &head), compression))
}

/// The first (and last) four bytes of a Parquet file.
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// The error for a Parquet file in a build without the `parquet` feature.
pub(super) fn no_parquet(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "{}: a Parquet file, and this build of unspun has no Parquet support (it was built \
             without the default `parquet` feature)",
            path.display()
        ),
    )
}

/// The fields of the first record of a corpus, for a hint when nothing could be indexed:
/// JSON keys as paths (`content.body`, with the kind of value: `content.body (string)`) down
/// to three levels, or the CSV/TSV header columns. Empty when there is no first record.
pub fn first_record_fields(path: &Path, config: &ReaderConfig) -> io::Result<Vec<String>> {
    let (detected, compression) = detect(path)?;
    let format = config.format.unwrap_or(detected);
    if format == Format::Parquet {
        #[cfg(feature = "parquet")]
        {
            use parquet::file::reader::{FileReader, SerializedFileReader};
            let reader = SerializedFileReader::new(File::open(path)?).map_err(|error| {
                io::Error::new(io::ErrorKind::InvalidData, format!("{}: {error}", path.display()))
            })?;
            let schema = reader.metadata().file_metadata().schema();
            return Ok(super::read_parquet::column_paths(schema));
        }
        #[cfg(not(feature = "parquet"))]
        return Err(no_parquet(path));
    }
    let file = BufReader::new(File::open(path)?);
    let verified = Arc::new(AtomicU64::new(0));
    let stream: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Xz => Box::new(BufReader::new(XzPipe::new(file, verified))),
        _ => Box::new(BufReader::new(Units::new(compression, file, verified)?)),
    };
    let first: Vec<u8> = match format {
        Format::JsonLines => {
            let mut lines = LineReader::new(stream, config.max_record_bytes);
            loop {
                match lines.next_line()? {
                    None => return Ok(Vec::new()),
                    Some((Line::Fits, _)) if !lines.line().trim_ascii().is_empty() => {
                        break lines.line().to_vec();
                    }
                    Some(_) => {}
                }
            }
        }
        Format::JsonArray => {
            let mut elements = ArrayReader::new(stream, config.max_record_bytes);
            match elements.next_element()? {
                Some(element) if element.fits => elements.element().to_vec(),
                _ => return Ok(Vec::new()),
            }
        }
        Format::Html | Format::Text | Format::Warc | Format::Parquet => return Ok(Vec::new()),
        Format::Csv | Format::Tsv => {
            let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
            let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(stream);
            let header = reader.byte_headers().map_err(io::Error::other)?;
            return Ok(header
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect());
        }
    };
    let first = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&first);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(first) else {
        return Ok(Vec::new());
    };
    let mut fields = Vec::new();
    list_fields(&value, "", 0, &mut fields);
    Ok(fields)
}

pub(super) fn list_fields(
    value: &serde_json::Value,
    prefix: &str,
    depth: usize,
    out: &mut Vec<String>,
) {
    let serde_json::Value::Object(object) = value else { return };
    for (key, member) in object {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match member {
            serde_json::Value::Object(_) if depth < 2 => list_fields(member, &path, depth + 1, out),
            other => out.push(format!(
                "{path} ({})",
                article::kind(other).trim_start_matches("a ").trim_start_matches("an ")
            )),
        }
        if out.len() >= 40 {
            return;
        }
    }
}

/// The format of a stream that opens with `head`, named `path`.
pub(super) fn sniff_format(path: &Path, head: &[u8]) -> Format {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match head.trim_ascii_start().first() {
        Some(b'{') => return Format::JsonLines,
        Some(b'[') => return Format::JsonArray,
        _ if head.trim_ascii_start().starts_with(b"WARC/") => return Format::Warc,
        _ if html::looks_like_html(head) => return Format::Html,
        _ => {}
    }
    if let Some(format) = Format::from_path(path) {
        return format;
    }
    let first_line = head.split(|&byte| byte == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        Format::Tsv
    } else {
        Format::Csv
    }
}

/// What a file that unspun cannot read looks like, from its first bytes, or `None`.
pub fn looks_like(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 16] = [
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (or a .docx, .xlsx, .odt or .epub, which are ZIP files)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"PAR1", "a Parquet file"),
        (b"ARROW1", "an Arrow IPC file"),
        (b"Obj\x01", "an Avro file"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"\x04\x22\x4d\x18", "an LZ4 stream"),
        (b"\x7fELF", "an executable"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
        (b"{\\rtf", "an RTF document"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(what);
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Some("a tar archive (unpack it and index the files)");
    }
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Some("UTF-16 text (convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8)");
    }
    if head.iter().take(4096).any(|&byte| byte == 0) {
        return Some("binary data");
    }
    None
}

/// Refuses a file whose first bytes say it is something unspun cannot read.
pub(super) fn refuse_unsupported(path: &Path, head: &[u8]) -> io::Result<()> {
    match looks_like(head) {
        None => Ok(()),
        Some(what) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: looks like {what}: not supported (unspun index reads {SUPPORTED})",
                path.display()
            ),
        )),
    }
}

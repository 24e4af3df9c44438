//! WARC web archives (ISO 28500, `WARC/1.0` and `1.1`), plain or gzip-compressed record by
//! record as Common Crawl ships them (each record its own gzip member, so the pipeline
//! commits a page once its member's checksum is read).
//!
//! - `response` records holding HTML become the extracted article ([`super::html::extract`]):
//!   URL from `WARC-Target-URI`, outlet from its host (or `og:site_name`), id the URL (else
//!   `WARC-Record-ID`), date from the page's metadata (else `WARC-Date`). Chunked transfer
//!   coding and gzip/deflate content coding are undone.
//! - `resource` and `conversion` records holding text (WET files) become text documents;
//!   holding HTML, the extracted article.
//! - `request`, `metadata`, `warcinfo` and `revisit` records are not documents: they are
//!   passed over without a count. A response that is not HTML or text, or has an error
//!   status, is skipped as [`SkipReason::NotArticle`]; a page with no article text as
//!   [`SkipReason::EmptyText`].
//!
//! Own reader rather than the `warc` crate: the format needs ~150 lines here, and the reader
//! must report damage the way the other corpus readers do (file, line, truncation) and
//! bound memory per record. A record's block over `max_record_bytes` is skipped without
//! being held; a header over 64 KiB, or a block cut short, ends the reading as damage.

use std::io::{self, BufRead, Read};

use super::SkipReason;
use super::record::Problem;

/// Largest WARC or HTTP header section.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// One WARC record's useful parts.
pub(crate) struct WarcRecord {
    /// 1-based line of the record's version line.
    pub(crate) line: u64,
    /// Stream offset just past the record.
    pub(crate) byte_end: u64,
    /// Bytes of the record (header and block).
    pub(crate) n_bytes: u64,
    /// What to do with it.
    pub(crate) content: Content,
}

/// What a record holds.
pub(crate) enum Content {
    /// Not a document (request, metadata, warcinfo, revisit, ...): passed over.
    Ignored,
    /// A record that is not an article, and why.
    Skipped(Problem),
    /// A page or text.
    Page {
        /// `WARC-Target-URI`.
        url: Option<String>,
        /// `WARC-Record-ID` without its `<>`.
        record_id: Option<String>,
        /// `WARC-Date`.
        warc_date: Option<String>,
        /// Whether the payload is HTML (else plain text).
        html: bool,
        /// The payload, decoded to text.
        text: String,
    },
}

/// Reads WARC records from a decompressed stream.
pub(crate) struct WarcReader {
    inner: Box<dyn BufRead + Send>,
    max_block_bytes: usize,
    /// 1-based line of the next byte.
    line: u64,
    /// Stream offset of the next byte.
    offset: u64,
}

fn damaged(kind: io::ErrorKind, message: String) -> io::Error {
    io::Error::new(kind, message)
}

impl WarcReader {
    pub(crate) fn new(inner: Box<dyn BufRead + Send>, max_block_bytes: usize) -> Self {
        WarcReader { inner, max_block_bytes, line: 1, offset: 0 }
    }

    /// The line the reader is at.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Reads one line (with its terminator) of at most [`MAX_HEADER_BYTES`].
    fn read_line(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        out.clear();
        let limit = MAX_HEADER_BYTES as u64 + 1;
        let n_read = (&mut self.inner).take(limit).read_until(b'\n', out)?;
        if n_read as u64 >= limit && out.last() != Some(&b'\n') {
            return Err(damaged(
                io::ErrorKind::InvalidData,
                format!("line {}: a WARC header line over {MAX_HEADER_BYTES} bytes", self.line),
            ));
        }
        self.offset += n_read as u64;
        if out.last() == Some(&b'\n') {
            self.line += 1;
        }
        Ok(n_read)
    }

    /// The next record; `Ok(None)` at the end. An `Err` ends the reading (a cut or garbled
    /// stream).
    pub(crate) fn next_record(&mut self) -> io::Result<Option<WarcRecord>> {
        let mut line = Vec::new();
        // Blank lines between records.
        loop {
            if self.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            if !line.trim_ascii().is_empty() {
                break;
            }
        }
        let record_line = self.line - u64::from(line.last() == Some(&b'\n'));
        let record_start = self.offset - line.len() as u64;
        if !line.starts_with(b"WARC/") {
            return Err(damaged(
                io::ErrorKind::InvalidData,
                format!(
                    "line {record_line}: expected a WARC record (`WARC/1.0`), found {:?}",
                    String::from_utf8_lossy(&line[..line.len().min(40)]).trim_end()
                ),
            ));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_bytes = 0usize;
        loop {
            let n_read = self.read_line(&mut line)?;
            if n_read == 0 {
                return Err(damaged(
                    io::ErrorKind::UnexpectedEof,
                    format!("the WARC record at line {record_line} ends inside its header"),
                ));
            }
            header_bytes += n_read;
            if header_bytes > MAX_HEADER_BYTES {
                return Err(damaged(
                    io::ErrorKind::InvalidData,
                    format!("line {record_line}: a WARC header over {MAX_HEADER_BYTES} bytes"),
                ));
            }
            if line.trim_ascii().is_empty() {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            if let Some((name, value)) = text.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let header = |name: &str| {
            headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
        };
        let length: u64 =
            header("content-length").and_then(|n| n.parse().ok()).ok_or_else(|| {
                damaged(
                    io::ErrorKind::InvalidData,
                    format!("the WARC record at line {record_line} has no valid Content-Length"),
                )
            })?;
        let kind = header("warc-type").unwrap_or_default().to_ascii_lowercase();
        let wanted = matches!(kind.as_str(), "response" | "resource" | "conversion");
        let too_large = length > self.max_block_bytes as u64;
        let mut block = Vec::new();
        if wanted && !too_large {
            block.reserve(usize::try_from(length).unwrap_or(0));
            (&mut self.inner).take(length).read_to_end(&mut block)?;
            if (block.len() as u64) < length {
                return Err(cut_short(record_line, block.len() as u64, length));
            }
            self.line += block.iter().filter(|&&byte| byte == b'\n').count() as u64;
        } else {
            // Not kept: counted through without holding it.
            let mut counter = LineCounter { n_lines: 0 };
            let n_copied = io::copy(&mut (&mut self.inner).take(length), &mut counter)?;
            if n_copied < length {
                return Err(cut_short(record_line, n_copied, length));
            }
            self.line += counter.n_lines;
        }
        self.offset += length;
        let content = if !wanted {
            Content::Ignored
        } else if too_large {
            Content::Skipped(Problem::new(
                SkipReason::TooLarge,
                None,
                format!(
                    "WARC {kind} record of {length} bytes exceeds max_record_bytes ({})",
                    self.max_block_bytes
                ),
            ))
        } else {
            page_content(&kind, &header, block)
        };
        Ok(Some(WarcRecord {
            line: record_line,
            byte_end: self.offset,
            n_bytes: self.offset - record_start,
            content,
        }))
    }
}

fn cut_short(record_line: u64, n_read: u64, length: u64) -> io::Error {
    damaged(
        io::ErrorKind::UnexpectedEof,
        format!(
            "the WARC record at line {record_line} is cut short: {n_read} of its {length} bytes"
        ),
    )
}

/// Counts lines of what is written to it.
struct LineCounter {
    n_lines: u64,
}

impl io::Write for LineCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.n_lines += buf.iter().filter(|&&byte| byte == b'\n').count() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The content of a response, resource or conversion record.
fn page_content(kind: &str, header: &dyn Fn(&str) -> Option<String>, block: Vec<u8>) -> Content {
    let url = header("warc-target-uri").map(|url| url.trim_matches(['<', '>']).to_owned());
    let record_id = header("warc-record-id").map(|id| id.trim_matches(['<', '>']).to_owned());
    let warc_date = header("warc-date");
    let not_article =
        |detail: String| Content::Skipped(Problem::new(SkipReason::NotArticle, None, detail));
    let (content_type, payload) = if kind == "response" {
        let http = header("content-type").unwrap_or_default().to_ascii_lowercase();
        if !http.contains("application/http") && !block.starts_with(b"HTTP/") {
            return not_article(format!("WARC response of type {http:?}, not HTTP"));
        }
        match parse_http(&block) {
            Ok(response) if !(200..300).contains(&response.status) => {
                return not_article(format!("HTTP status {}", response.status));
            }
            Ok(response) => (response.content_type, response.body),
            Err(detail) => return not_article(detail),
        }
    } else {
        (header("content-type").unwrap_or_default().to_ascii_lowercase(), block)
    };
    let html = content_type.contains("html") || super::html::looks_like_html(&payload);
    let text_like = content_type.is_empty() || content_type.starts_with("text/");
    if !html && !text_like {
        let shown = content_type.split(';').next().unwrap_or_default().trim().to_owned();
        return not_article(format!("{kind} record of type {shown}, not HTML or text"));
    }
    Content::Page { url, record_id, warc_date, html, text: decode_text(&payload, &content_type) }
}

/// An HTTP response's status, content type and decoded body.
struct HttpResponse {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

fn parse_http(block: &[u8]) -> Result<HttpResponse, String> {
    let header_end = block
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| block.windows(2).position(|window| window == b"\n\n").map(|at| (at, at + 2)))
        .ok_or("HTTP response without the end of its header")?;
    let head = String::from_utf8_lossy(&block[..header_end.0]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|status_line| status_line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("HTTP response without a status line")?;
    let mut content_type = String::new();
    let mut chunked = false;
    let mut encoding = String::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value,
            "transfer-encoding" => chunked = value.contains("chunked"),
            "content-encoding" => encoding = value,
            _ => {}
        }
    }
    let mut body = block[header_end.1..].to_vec();
    if chunked && let Some(joined) = dechunk(&body) {
        body = joined;
    }
    if encoding.contains("gzip") || encoding.contains("deflate") {
        let mut decoded = Vec::new();
        let limit = (body.len() as u64).saturating_mul(64).max(1 << 20);
        let result = if encoding.contains("gzip") {
            flate2::read::MultiGzDecoder::new(&body[..]).take(limit).read_to_end(&mut decoded)
        } else {
            flate2::read::ZlibDecoder::new(&body[..]).take(limit).read_to_end(&mut decoded)
        };
        if result.is_ok() {
            body = decoded;
        }
    }
    Ok(HttpResponse { status, content_type, body })
}

/// Undoes chunked transfer coding; `None` when the body is not chunked after all.
fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size..)?;
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
}

/// Text from a payload: UTF-8 when it is, else Latin-1 / Windows-1252 read byte by byte (so
/// a page in a legacy charset keeps its words rather than being refused).
fn decode_text(payload: &[u8], _content_type: &str) -> String {
    match std::str::from_utf8(payload) {
        Ok(text) => text.to_owned(),
        Err(_) => payload.iter().map(|&byte| char::from(byte)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Date: 2017-03-01T12:00:00Z\r\nWARC-Record-ID: <urn:uuid:{kind}-1>\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn read_all(bytes: Vec<u8>) -> Vec<String> {
        let mut reader = WarcReader::new(Box::new(io::Cursor::new(bytes)), 1000);
        let mut out = Vec::new();
        loop {
            match reader.next_record() {
                Ok(None) => return out,
                Ok(Some(record)) => out.push(match record.content {
                    Content::Ignored => format!("{} ignored", record.line),
                    Content::Skipped(problem) => {
                        format!("{} {}: {}", record.line, problem.reason, problem.detail)
                    }
                    Content::Page { url, html, text, .. } => {
                        format!(
                            "{} {} html={html} {:?}",
                            record.line,
                            url.unwrap_or_default(),
                            text
                        )
                    }
                }),
                Err(error) => {
                    out.push(format!("error {error}"));
                    return out;
                }
            }
        }
    }

    #[test]
    fn records() {
        let http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<p>hi\r\n5\r\n</p>.\r\n0\r\n\r\n";
        let mut bytes = record("warcinfo", "", "application/warc-fields", b"software: x\r\n");
        bytes.extend(record(
            "request",
            "http://a.example/",
            "application/http; msgtype=request",
            b"GET / HTTP/1.1\r\n\r\n",
        ));
        bytes.extend(record(
            "response",
            "http://a.example/",
            "application/http; msgtype=response",
            http,
        ));
        bytes.extend(record(
            "response",
            "http://a.example/x.pdf",
            "application/http; msgtype=response",
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n%PDF",
        ));
        bytes.extend(record(
            "response",
            "http://a.example/gone",
            "application/http; msgtype=response",
            b"HTTP/1.1 404 Not Found\r\n\r\n",
        ));
        bytes.extend(record(
            "conversion",
            "http://a.example/",
            "text/plain",
            "caf\u{e9}".as_bytes(),
        ));
        bytes.extend(record(
            "resource",
            "http://b.example/",
            "text/plain",
            &"x".repeat(2000).into_bytes(),
        ));
        let got = read_all(bytes);
        assert_eq!(
            got,
            [
                "1 ignored",
                "12 ignored",
                "24 http://a.example/ html=true \"<p>hi</p>.\"",
                "44 not-article: response record of type application/pdf, not HTML or text",
                "57 not-article: HTTP status 404",
                "69 http://a.example/ html=false \"café\"",
                "79 too-large: WARC resource record of 2000 bytes exceeds max_record_bytes (1000)",
            ]
        );
    }

    #[test]
    fn damage() {
        let whole = record("resource", "http://b.example/", "text/plain", b"some text");
        let got = read_all(whole[..whole.len() - 8].to_vec());
        assert_eq!(got, ["error the WARC record at line 1 is cut short: 5 of its 9 bytes"]);
        let got = read_all(whole[..40].to_vec());
        assert_eq!(got, ["error the WARC record at line 1 ends inside its header"]);
        let got = read_all(b"garbage\r\n".to_vec());
        assert_eq!(got, ["error line 1: expected a WARC record (`WARC/1.0`), found \"garbage\""]);
        let got = read_all(b"WARC/1.0\r\nWARC-Type: resource\r\n\r\n".to_vec());
        assert_eq!(got, ["error the WARC record at line 1 has no valid Content-Length"]);
    }
}

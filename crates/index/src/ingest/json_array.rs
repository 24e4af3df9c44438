//! A file that is one JSON array of objects (`[{...}, {...}]`), streamed element by element.
//!
//! The splitter follows strings, escapes and nesting byte by byte and hands out one element
//! at a time, so a file of any size is read in bounded memory: an element over
//! `max_record_bytes` is skipped (its bytes are not kept) and the reading goes on. Each
//! element is then parsed like a JSON Lines record. An array that is not closed (a cut
//! file) is a read error, never a silent end.

use std::io::{self, BufRead};

/// One element of the array.
pub(crate) struct Element {
    /// 1-based line of the element's first byte.
    pub(crate) line: u64,
    /// Bytes from the element's first byte to its last.
    pub(crate) n_bytes: u64,
    /// Stream offset just past the element (and its separator).
    pub(crate) byte_end: u64,
    /// Whether the element fit in `max_bytes` (its bytes are then in [`ArrayReader::element`]).
    pub(crate) fits: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    Start,
    /// After `[` or a `,`: an element or (after `[`) the closing `]` comes next.
    Between { first: bool },
    /// After the closing `]`: only white space may follow.
    Closed,
    /// Nothing more to read.
    Done,
}

/// Splits a byte stream holding one JSON array into its elements.
pub(crate) struct ArrayReader {
    inner: Box<dyn BufRead + Send>,
    buffer: Vec<u8>,
    max_bytes: usize,
    /// 1-based line of the next byte.
    line: u64,
    /// Stream offset of the next byte.
    offset: u64,
    state: State,
}

/// An error of the array's structure (not of one element).
fn malformed(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl ArrayReader {
    pub(crate) fn new(inner: Box<dyn BufRead + Send>, max_bytes: usize) -> Self {
        ArrayReader {
            inner,
            buffer: Vec::new(),
            max_bytes,
            line: 1,
            offset: 0,
            state: State::Start,
        }
    }

    /// The bytes of the last element that fit.
    pub(crate) fn element(&self) -> &[u8] {
        &self.buffer
    }

    /// The line the reader is at (for errors).
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Skips white space (and a BOM at the very start); returns the next byte without
    /// consuming it, or `None` at the end of the stream.
    fn skip_space(&mut self) -> io::Result<Option<u8>> {
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(None);
            }
            if self.offset == 0 && available.starts_with(b"\xef\xbb\xbf") {
                self.inner.consume(3);
                self.offset += 3;
                continue;
            }
            let n_space = available.iter().take_while(|byte| byte.is_ascii_whitespace()).count();
            let n_lines = available[..n_space].iter().filter(|&&byte| byte == b'\n').count();
            let next = available.get(n_space).copied();
            self.inner.consume(n_space);
            self.offset += n_space as u64;
            self.line += n_lines as u64;
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    fn take_byte(&mut self) {
        self.inner.consume(1);
        self.offset += 1;
    }

    /// The next element; `Ok(None)` after the closing `]`. An `Err` ends the reading: the
    /// stream broke, the array is not closed, or something other than an array is there.
    pub(crate) fn next_element(&mut self) -> io::Result<Option<Element>> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => match self.skip_space()? {
                    Some(b'[') => {
                        self.take_byte();
                        self.state = State::Between { first: true };
                    }
                    Some(_) => {
                        self.state = State::Done;
                        return Err(malformed(format!(
                            "line {}: expected a JSON array (`[`)",
                            self.line
                        )));
                    }
                    None => {
                        self.state = State::Done;
                        return Ok(None);
                    }
                },
                State::Between { first } => match self.skip_space()? {
                    Some(b']') if first => {
                        self.take_byte();
                        self.state = State::Closed;
                    }
                    Some(_) => return self.read_element().map(Some),
                    None => {
                        self.state = State::Done;
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the JSON array is not closed: the file ends before its `]`",
                        ));
                    }
                },
                State::Closed => {
                    self.state = State::Done;
                    return match self.skip_space()? {
                        None => Ok(None),
                        Some(_) => Err(malformed(format!(
                            "line {}: text after the end of the JSON array",
                            self.line
                        ))),
                    };
                }
            }
        }
    }

    /// Reads one element up to its `,` or the closing `]` (consumed).
    fn read_element(&mut self) -> io::Result<Element> {
        self.buffer.clear();
        let line = self.line;
        let start = self.offset;
        let mut n_bytes = 0u64;
        let mut fits = true;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut n_trailing_space = 0u64;
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                self.state = State::Done;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the JSON array is not closed: the file ends inside the element that \
                         starts at line {line}"
                    ),
                ));
            }
            let mut end = None;
            for (index, &byte) in available.iter().enumerate() {
                if byte == b'\n' {
                    self.line += 1;
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                    }
                    n_trailing_space = 0;
                    continue;
                }
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => {
                        end = Some((index, byte));
                        break;
                    }
                    _ => {}
                }
                n_trailing_space =
                    if byte.is_ascii_whitespace() { n_trailing_space + 1 } else { 0 };
            }
            let n_taken = end.map_or(available.len(), |(index, _)| index);
            if fits {
                if self.buffer.len() + n_taken <= self.max_bytes {
                    self.buffer.extend_from_slice(&available[..n_taken]);
                } else {
                    fits = false;
                    self.buffer = Vec::new();
                }
            }
            n_bytes += n_taken as u64;
            match end {
                None => {
                    let n_available = available.len();
                    self.inner.consume(n_available);
                    self.offset += n_available as u64;
                }
                Some((index, separator)) => {
                    self.inner.consume(index + 1);
                    self.offset += index as u64 + 1;
                    self.state = if separator == b',' {
                        State::Between { first: false }
                    } else {
                        State::Closed
                    };
                    if fits {
                        let n_kept = self.buffer.len() - n_trailing_space as usize;
                        self.buffer.truncate(n_kept);
                    }
                    let _ = start;
                    return Ok(Element {
                        line,
                        n_bytes: n_bytes - n_trailing_space,
                        byte_end: self.offset,
                        fits,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str, max_bytes: usize) -> Vec<String> {
        let mut reader =
            ArrayReader::new(Box::new(io::Cursor::new(input.as_bytes().to_vec())), max_bytes);
        let mut out = Vec::new();
        loop {
            match reader.next_element() {
                Ok(Some(element)) if element.fits => out.push(format!(
                    "{}:{} {}",
                    element.line,
                    element.n_bytes,
                    String::from_utf8_lossy(reader.element())
                )),
                Ok(Some(element)) => {
                    out.push(format!("{}:{} too long", element.line, element.n_bytes))
                }
                Ok(None) => return out,
                Err(error) => {
                    out.push(format!("error {error}"));
                    return out;
                }
            }
        }
    }

    #[test]
    fn elements() {
        assert_eq!(
            split("\u{feff} [\n {\"a\": \"x,]\\\"\"},\n {\"b\": [1, {\"c\": 2}]} ,3\n]\n", 100),
            ["2:14 {\"a\": \"x,]\\\"\"}", "3:20 {\"b\": [1, {\"c\": 2}]}", "3:1 3"]
        );
        assert_eq!(split("[]", 100), Vec::<String>::new());
        assert_eq!(split("", 100), Vec::<String>::new());
        assert_eq!(split("[{\"a\":\"0123456789\"},{}]", 8), ["1:18 too long", "1:2 {}"]);
    }

    #[test]
    fn broken_arrays() {
        assert_eq!(
            split("[{\"a\":1},\n{\"b\":", 100),
            [
                "1:7 {\"a\":1}",
                "error the JSON array is not closed: the file ends inside the element that starts at line 2"
            ]
        );
        assert_eq!(
            split("[{\"a\":1},", 100),
            ["1:7 {\"a\":1}", "error the JSON array is not closed: the file ends before its `]`"]
        );
        assert_eq!(
            split("[1] x", 100),
            ["1:1 1", "error line 1: text after the end of the JSON array"]
        );
        assert_eq!(split("{}", 100), ["error line 1: expected a JSON array (`[`)"]);
    }
}

//! JSON Lines: one JSON object per line, read line by line with a length limit.
//!
//! A line is read with `BufRead::read_until` through a `Take` of `max_record_bytes + 1`, so an
//! absurdly long line never sits in memory whole: once the limit is hit, the rest of the line
//! is discarded with `skip_until`. Only the six configured fields are kept from each object;
//! every other value is skipped by serde without being allocated. The id is read as raw JSON
//! text, so a numeric id keeps its literal digits ([`super::record::json_id`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use super::record::{FieldValue, Problem, RawFields, Slot, json_id_value};
use super::{FieldMap, ReaderConfig, SkipReason};

/// What reading one line produced.
pub(crate) enum Line {
    /// A line whose content (without `\n`) is in the reader's buffer.
    Fits,
    /// A line longer than the limit; it was discarded. Holds its full length in bytes.
    TooLong(u64),
}

/// Splits a byte stream into lines of at most `max_bytes` bytes each.
pub(crate) struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buffer: Vec<u8>,
    max_bytes: usize,
}

impl LineReader {
    pub(crate) fn new(inner: Box<dyn BufRead + Send>, max_bytes: usize) -> Self {
        LineReader { inner, buffer: Vec::new(), max_bytes }
    }

    /// The content of the last [`Line::Fits`] line, without its `\n`.
    pub(crate) fn line(&self) -> &[u8] {
        &self.buffer
    }

    /// Reads the next line. `Ok(None)` at the end of the stream. On `Ok(Some(_))` the second
    /// value is the number of bytes the line took in the stream, terminator included.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(Line, u64)>> {
        self.buffer.clear();
        let limit = u64::try_from(self.max_bytes).unwrap_or(u64::MAX).saturating_add(1);
        let n_read = (&mut self.inner).take(limit).read_until(b'\n', &mut self.buffer)?;
        if n_read == 0 {
            return Ok(None);
        }
        let n_read = n_read as u64;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
            return Ok(Some((Line::Fits, n_read)));
        }
        if n_read < limit {
            // The last line of a file without a final newline.
            return Ok(Some((Line::Fits, n_read)));
        }
        // `limit` bytes and no newline: the content is longer than `max_bytes`.
        self.buffer.clear();
        self.buffer.shrink_to(self.max_bytes.min(1 << 20));
        let n_skipped = self.inner.skip_until(b'\n')? as u64;
        let n_total = n_read + n_skipped;
        Ok(Some((Line::TooLong(n_total), n_total)))
    }
}

/// Parses one line (already known to be valid UTF-8 and not blank) into the configured fields.
///
/// A field name with a `.` (`content.body`) is a path into nested objects, used when the
/// record has no key with that exact name; such records are parsed lazily as raw JSON, level
/// by level, so unused values are still never allocated.
pub(crate) fn parse_record(line: &str, config: &ReaderConfig) -> Result<RawFields, Problem> {
    if config.fields.has_paths() {
        return parse_nested(line, config);
    }
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let parsed = RecordSeed { fields: &config.fields }
        .deserialize(&mut deserializer)
        .and_then(|raw| deserializer.end().map(|()| raw));
    parsed.map_err(|error| match error.classify() {
        // Only the top-level visitor rejects a type: the line is JSON but not an object.
        Category::Data => Problem::new(SkipReason::WrongType, None, format!("record: {error}")),
        Category::Io | Category::Syntax | Category::Eof => {
            Problem::new(SkipReason::MalformedJson, None, format!("malformed JSON: {error}"))
        }
    })
}

fn json_problem(error: &serde_json::Error) -> Problem {
    match error.classify() {
        Category::Data => Problem::new(SkipReason::WrongType, None, format!("record: {error}")),
        Category::Io | Category::Syntax | Category::Eof => {
            Problem::new(SkipReason::MalformedJson, None, format!("malformed JSON: {error}"))
        }
    }
}

/// An object's members as raw JSON, borrowed from the input.
type Members<'a> = BTreeMap<String, &'a RawValue>;

/// [`parse_record`] with field paths.
fn parse_nested(line: &str, config: &ReaderConfig) -> Result<RawFields, Problem> {
    let top: Members<'_> = serde_json::from_str(line).map_err(|error| {
        if line.trim_start().starts_with('{') {
            json_problem(&error)
        } else {
            Problem::new(
                SkipReason::WrongType,
                None,
                format!("record: not a JSON object ({error})"),
            )
        }
    })?;
    let names = &config.fields;
    let mut raw = RawFields::default();
    for (name, slot) in names.slots() {
        let Some(value) = lookup(&top, name).map_err(|error| json_problem(&error))? else {
            continue;
        };
        let value = if slot == Slot::Id {
            json_id_value(value)
        } else {
            ValueSeed
                .deserialize(&mut serde_json::Deserializer::from_str(value.get()))
                .map_err(|error| json_problem(&error))?
        };
        raw.set(slot, value);
    }
    Ok(raw)
}

/// The value at `path` in `object`: the member named `path` itself, else the first split at a
/// `.` whose left side names an object (or an array, with a numeric index) holding the rest.
fn lookup<'a>(object: &Members<'a>, path: &str) -> Result<Option<&'a RawValue>, serde_json::Error> {
    if let Some(value) = object.get(path) {
        return Ok(Some(*value));
    }
    for (dot, _) in path.match_indices('.') {
        let (head, rest) = (&path[..dot], &path[dot + 1..]);
        let Some(value) = object.get(head) else { continue };
        let text = value.get().trim_start();
        if text.starts_with('{') {
            let inner: Members<'a> = serde_json::from_str(value.get())?;
            return lookup(&inner, rest);
        }
        if text.starts_with('[') {
            let items: Vec<&'a RawValue> = serde_json::from_str(value.get())?;
            let (index, after) = rest.split_once('.').map_or((rest, None), |(i, a)| (i, Some(a)));
            let Some(item) = index.parse::<usize>().ok().and_then(|index| items.get(index)) else {
                return Ok(None);
            };
            return match after {
                None => Ok(Some(*item)),
                Some(after) if item.get().trim_start().starts_with('{') => {
                    let inner: Members<'a> = serde_json::from_str(item.get())?;
                    lookup(&inner, after)
                }
                Some(_) => Ok(None),
            };
        }
    }
    Ok(None)
}

struct RecordSeed<'a> {
    fields: &'a FieldMap,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = RawFields;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawFields, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = RawFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFields, A::Error> {
        let mut raw = RawFields::default();
        while let Some(slot) = map.next_key_seed(KeySeed { fields: self.fields })? {
            match slot {
                // A repeated key overwrites the earlier value, as in serde_json::Value.
                // The id is kept as written in the input (see `json_id`).
                Some(Slot::Id) => {
                    raw.set(Slot::Id, json_id_value(map.next_value::<&'de RawValue>()?))
                }
                Some(slot) => raw.set(slot, map.next_value_seed(ValueSeed)?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(raw)
    }
}

/// Maps an object key to the [`Slot`] it feeds, or `None` for keys that are not used.
struct KeySeed<'a> {
    fields: &'a FieldMap,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<Slot>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Slot>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<Slot>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<Slot>, E> {
        Ok(Slot::of(key, self.fields))
    }
}

/// Keeps strings and numbers, and only the kind of anything else.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = FieldValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FieldValue, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = FieldValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<FieldValue, E> {
        Ok(FieldValue::Number(value.to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<FieldValue, E> {
        Ok(FieldValue::Number(value.to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<FieldValue, E> {
        Ok(FieldValue::Number(value.to_string()))
    }

    fn visit_bool<E: de::Error>(self, _value: bool) -> Result<FieldValue, E> {
        Ok(FieldValue::Bool)
    }

    fn visit_unit<E: de::Error>(self) -> Result<FieldValue, E> {
        Ok(FieldValue::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FieldValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `line` with the default field names; `expect` is the debug form of the fields
    /// or `reason: detail`.
    fn check(line: &str, expect: &str) {
        let got = match parse_record(line, &ReaderConfig::default()) {
            Ok(raw) => format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                raw.id, raw.text, raw.title, raw.date, raw.source, raw.url
            ),
            Err(problem) => format!("{}: {}", problem.reason, problem.detail),
        };
        assert_eq!(got, expect, "{line}");
    }

    #[test]
    fn records() {
        check(
            r#"{"id":"a","text":"b\n\u00e9","title":null,"x":[1,{"y":2}]}"#,
            r#"Some(Text("a")) Some(Text("b\né")) Some(Null) None None None"#,
        );
        check(
            r#"{"id":17,"text":{"a":1},"date":-1.5,"source":true,"url":[]}"#,
            r#"Some(Number("17")) Some(Object) None Some(Number("-1.5")) Some(Bool) Some(Array)"#,
        );
        check(r#"{"id":"a","id":"b"}"#, r#"Some(Text("b")) None None None None None"#);
        // Ids keep the text of the input: every digit, the decimal point, escapes decoded.
        check(
            r#"{"id":123456789012345678901234567890,"text":"t"}"#,
            r#"Some(Number("123456789012345678901234567890")) Some(Text("t")) None None None None"#,
        );
        check(r#"{"id":1.0}"#, r#"Some(Number("1.0")) None None None None None"#);
        check(r#"{"id": -2e3 }"#, r#"Some(Number("-2e3")) None None None None None"#);
        check(r#"{"id":"a\u00e9\"","id2":1}"#, r#"Some(Text("aé\"")) None None None None None"#);
        check(r#"{"id":null}"#, "Some(Null) None None None None None");
        check(r#"{"id":[1]}"#, "Some(Array) None None None None None");
        check("  {}\r", "None None None None None None");
    }

    #[test]
    fn malformed() {
        check(
            r#"{"id":"a""#,
            "malformed-json: malformed JSON: EOF while parsing an object at line 1 column 9",
        );
        check(
            r#"{"id":"a"} x"#,
            "malformed-json: malformed JSON: trailing characters at line 1 column 12",
        );
        check(
            "[1]",
            "wrong-type: record: invalid type: sequence, expected a JSON object at line 1 column 1",
        );
        check(
            "\"text\"",
            "wrong-type: record: invalid type: string \"text\", expected a JSON object at line 1 column 6",
        );
    }

    /// Parses `line` with `text` and `id` mapped to paths.
    fn check_nested(line: &str, id: &str, text: &str, expect: &str) {
        let mut config = ReaderConfig::default();
        config.fields.id = id.to_owned();
        config.fields.text = text.to_owned();
        config.fields.title = "meta.title".to_owned();
        let got = match parse_record(line, &config) {
            Ok(raw) => format!("{:?} {:?} {:?}", raw.id, raw.text, raw.title),
            Err(problem) => format!("{}: {}", problem.reason, problem.detail),
        };
        assert_eq!(got, expect, "{line}");
    }

    #[test]
    fn nested_paths() {
        check_nested(
            r#"{"meta":{"id":12345678901234567890,"title":"T"},"content":{"body":"b\u00e9","x":[1]}}"#,
            "meta.id",
            "content.body",
            r#"Some(Number("12345678901234567890")) Some(Text("bé")) Some(Text("T"))"#,
        );
        // A key with the exact dotted name wins; arrays take numeric indices.
        check_nested(
            r#"{"content.body":"flat","content":{"body":"nested"},"ids":["a","b"]}"#,
            "ids.1",
            "content.body",
            r#"Some(Text("b")) Some(Text("flat")) None"#,
        );
        check_nested(
            r#"{"content":"not an object","meta":{"title":{"a":1}}}"#,
            "id",
            "content.body",
            "None None Some(Object)",
        );
        check_nested(
            r#"{"content":{"body":"x"}"#,
            "id",
            "content.body",
            "malformed-json: malformed JSON: EOF while parsing an object at line 1 column 23",
        );
        check_nested(
            "[1]",
            "id",
            "content.body",
            "wrong-type: record: not a JSON object (invalid type: sequence, expected a map at line 1 column 0)",
        );
    }

    #[test]
    fn line_limits() {
        let input = b"12345\n123456\n\n1234567\nabc".to_vec();
        let mut lines = LineReader::new(Box::new(io::Cursor::new(input)), 6);
        let mut got = Vec::new();
        while let Some((line, n_bytes)) = lines.next_line().expect("in-memory reads succeed") {
            got.push(match line {
                Line::Fits => format!("{}/{n_bytes}", String::from_utf8_lossy(lines.line())),
                Line::TooLong(n_total) => format!("too long {n_total}/{n_bytes}"),
            });
        }
        assert_eq!(got, ["12345/6", "123456/7", "/1", "too long 8/8", "abc/3"]);
    }
}

//! Bad records and the mapping from raw field values to a [`Document`].
//!
//! Both readers (JSON Lines and CSV/TSV) reduce a record to [`RawFields`], so the rules for
//! what makes a record usable live in one place: [`RawFields::into_document`].

use std::fmt;
use std::path::{Path, PathBuf};

use super::date::DateOutcome;
use super::{FieldMap, IdScheme, ReaderConfig};
use serde::Serialize;
use serde_json::value::RawValue;
use unspun_core::Document;

/// Why a record was skipped. Every variant is data about the corpus, never a reason to stop
/// reading, except [`SkipReason::Io`], [`SkipReason::UnclosedQuote`] at the end of a file
/// (and a CSV [`SkipReason::TooLarge`]), after which the rest of the file cannot be read and
/// the reader ends: see [`super::CorpusReader::incomplete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A JSON Lines line is not valid JSON (syntax error, truncated object, trailing garbage).
    MalformedJson,
    /// A CSV/TSV row has a different number of fields than the header.
    MalformedCsv,
    /// A CSV/TSV quoted field is still open at the end of the file (the rows after the quote
    /// were swallowed into this row's last field: the row is refused and the file is
    /// incomplete), or it runs over several lines and closes with text after the quote (the
    /// row is refused; reading goes on with the next row).
    UnclosedQuote,
    /// The record (JSON Lines) or a used field (CSV/TSV) is not valid UTF-8.
    InvalidUtf8,
    /// The id is missing, null, empty or only whitespace.
    MissingId,
    /// The text field is missing or null.
    MissingText,
    /// The text is `""` or only whitespace: a normal skip (for example the 1,799 title-only
    /// Reuters-21578 briefs), not an error even in strict mode.
    EmptyText,
    /// A field has a JSON type that cannot be used (an object where a string belongs, or a
    /// record that is not a JSON object).
    WrongType,
    /// The record exceeds `max_record_bytes`, or its text exceeds `max_text_bytes`.
    TooLarge,
    /// The date field is present but cannot be read. Since #12 such a record is kept undated
    /// with a [`WarningKind::UnparseableDate`] warning; only `--strict` stops on it, with this
    /// reason.
    BadDate,
    /// A web archive record that is not an article: a response that is not HTML or text,
    /// or has an error status. Normal in a crawl: not an error even in strict mode.
    NotArticle,
    /// Reading the file failed (a truncated or corrupt gzip stream, a CRC mismatch, a read
    /// error); the reader ends after it. Not a bad record: the pipeline reports it as an
    /// incomplete file.
    Io,
}

impl SkipReason {
    /// Every reason, in declaration order (for summaries with zero counts).
    pub const ALL: [SkipReason; 12] = [
        SkipReason::MalformedJson,
        SkipReason::MalformedCsv,
        SkipReason::UnclosedQuote,
        SkipReason::InvalidUtf8,
        SkipReason::MissingId,
        SkipReason::MissingText,
        SkipReason::EmptyText,
        SkipReason::WrongType,
        SkipReason::TooLarge,
        SkipReason::BadDate,
        SkipReason::NotArticle,
        SkipReason::Io,
    ];

    /// Stable kebab-case name, as serialised: `"malformed-json"`, `"empty-text"`, ...
    pub fn name(&self) -> &'static str {
        match self {
            SkipReason::MalformedJson => "malformed-json",
            SkipReason::MalformedCsv => "malformed-csv",
            SkipReason::UnclosedQuote => "unclosed-quote",
            SkipReason::InvalidUtf8 => "invalid-utf8",
            SkipReason::MissingId => "missing-id",
            SkipReason::MissingText => "missing-text",
            SkipReason::EmptyText => "empty-text",
            SkipReason::WrongType => "wrong-type",
            SkipReason::TooLarge => "too-large",
            SkipReason::BadDate => "bad-date",
            SkipReason::NotArticle => "not-article",
            SkipReason::Io => "io",
        }
    }

    /// Whether `--strict` turns a record skipped for this reason into an error. Everything is,
    /// except [`SkipReason::EmptyText`] and [`SkipReason::NotArticle`]: a record with no body,
    /// or a crawled image, is a normal part of real corpora.
    pub fn is_fatal_in_strict(&self) -> bool {
        !matches!(self, SkipReason::EmptyText | SkipReason::NotArticle)
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `--strict` turns a record skipped for `reason` into an error (see
/// [`SkipReason::is_fatal_in_strict`]).
pub fn is_fatal_in_strict(reason: SkipReason) -> bool {
    reason.is_fatal_in_strict()
}

/// A record that was skipped, with enough context to find and fix it.
///
/// Displays as `corpus.jsonl.gz:17: field `date`: unparseable date "32/13/2020"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    /// The corpus file, as given to [`super::CorpusReader::open`].
    pub path: PathBuf,
    /// 1-based line where the record starts (for CSV, the line of the row's first byte).
    pub line: u64,
    /// The configured field name involved, when the problem is about one field.
    pub field: Option<String>,
    /// The kind of problem.
    pub reason: SkipReason,
    /// Human-readable explanation; values quoted in it are cut to about 100 characters.
    pub detail: String,
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.path.display(), self.line)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.detail)
    }
}

impl std::error::Error for BadRecord {}

/// What is wrong with a record that was kept anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// The date field could not be read with `--date-format` nor the built-in forms: the
    /// document is kept undated (`--strict` stops instead).
    UnparseableDate,
    /// The date was read but lies outside the plausible window (`--date-window`, default
    /// 1800-01-01 to a day after now): the document is kept undated.
    DateOutOfWindow,
}

impl WarningKind {
    /// Stable kebab-case name, as serialised: `"unparseable-date"`, `"date-out-of-window"`.
    pub fn name(&self) -> &'static str {
        match self {
            WarningKind::UnparseableDate => "unparseable-date",
            WarningKind::DateOutOfWindow => "date-out-of-window",
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A record that was indexed with a field dropped, and why.
///
/// Displays as `corpus.jsonl:6: field `date`: unparseable date "32/13/2020": kept undated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordWarning {
    /// The corpus file.
    pub path: PathBuf,
    /// 1-based line (or record number) of the record.
    pub line: u64,
    /// The configured field name involved.
    pub field: String,
    /// The kind of problem.
    pub kind: WarningKind,
    /// Human-readable explanation.
    pub detail: String,
}

impl fmt::Display for RecordWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: field `{}`: {}", self.path.display(), self.line, self.field, self.detail)
    }
}

/// A warning before the path and line are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    pub(crate) kind: WarningKind,
    pub(crate) field: String,
    pub(crate) detail: String,
}

impl Warning {
    pub(crate) fn at(self, path: PathBuf, line: u64) -> RecordWarning {
        RecordWarning { path, line, field: self.field, kind: self.kind, detail: self.detail }
    }
}

/// A problem found in one record before the path and line are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) reason: SkipReason,
    pub(crate) field: Option<String>,
    pub(crate) detail: String,
}

impl Problem {
    pub(crate) fn new(reason: SkipReason, field: Option<&str>, detail: impl Into<String>) -> Self {
        Problem { reason, field: field.map(str::to_owned), detail: detail.into() }
    }

    pub(crate) fn at(self, path: PathBuf, line: u64) -> BadRecord {
        BadRecord { path, line, field: self.field, reason: self.reason, detail: self.detail }
    }
}

/// One field's value as found in the record, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldValue {
    Null,
    Text(String),
    /// A JSON number, already written as its decimal string.
    Number(String),
    Bool,
    Object,
    Array,
}

impl FieldValue {
    fn kind(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Text(_) => "a string",
            FieldValue::Number(_) => "a number",
            FieldValue::Bool => "a boolean",
            FieldValue::Object => "an object",
            FieldValue::Array => "an array",
        }
    }
}

/// The six fields of a record that become a [`Document`]; `None` when the field is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawFields {
    pub(crate) id: Option<FieldValue>,
    pub(crate) text: Option<FieldValue>,
    pub(crate) title: Option<FieldValue>,
    pub(crate) date: Option<FieldValue>,
    pub(crate) source: Option<FieldValue>,
    pub(crate) url: Option<FieldValue>,
}

/// Which [`Document`] field a record key feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Id,
    Text,
    Title,
    Date,
    Source,
    Url,
}

impl Slot {
    /// The slot for a key of the record; the first matching role wins if two share a name.
    pub(crate) fn of(key: &str, fields: &FieldMap) -> Option<Slot> {
        fields.slots().into_iter().find_map(|(name, slot)| (name == key).then_some(slot))
    }
}

impl FieldMap {
    /// Each mapped field name with the document field it feeds, in the order records are
    /// checked (id, text, title, date, source, url).
    pub(crate) fn slots(&self) -> [(&str, Slot); 6] {
        [
            (&self.id, Slot::Id),
            (&self.text, Slot::Text),
            (&self.title, Slot::Title),
            (&self.date, Slot::Date),
            (&self.source, Slot::Source),
            (&self.url, Slot::Url),
        ]
    }
}

impl RawFields {
    /// Gives a record without an id (absent, null or blank) one made by `scheme`: the hash of
    /// its text, or `path:line` (also for [`IdScheme::Hash`] when there is no text, so that
    /// the missing text is what gets reported).
    pub(crate) fn generate_id(&mut self, scheme: IdScheme, path: &Path, line: u64) {
        let has_id = match &self.id {
            None | Some(FieldValue::Null) => false,
            Some(FieldValue::Text(id)) => !id.trim().is_empty(),
            Some(_) => true,
        };
        if has_id {
            return;
        }
        let id = match (scheme, &self.text) {
            (IdScheme::Hash, Some(FieldValue::Text(text))) => {
                format!("h{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
            }
            _ => format!("{}:{line}", path.display()),
        };
        self.id = Some(FieldValue::Text(id));
    }

    pub(crate) fn set(&mut self, slot: Slot, value: FieldValue) {
        let target = match slot {
            Slot::Id => &mut self.id,
            Slot::Text => &mut self.text,
            Slot::Title => &mut self.title,
            Slot::Date => &mut self.date,
            Slot::Source => &mut self.source,
            Slot::Url => &mut self.url,
        };
        *target = Some(value);
    }

    /// Validates the fields and builds the document. Checks run in a fixed order (id, text,
    /// then title, date, source, url), so a record with several problems always reports the
    /// same one.
    ///
    /// A date that cannot be read or lies outside [`super::DateConfig`]'s window leaves the
    /// document undated and comes back as the second value: a warning, not a skip.
    pub(crate) fn into_document(
        self,
        config: &ReaderConfig,
    ) -> Result<(Document, Option<Warning>), Problem> {
        let names = &config.fields;
        let id = match self.id {
            Some(FieldValue::Text(id)) if !id.trim().is_empty() => id,
            Some(FieldValue::Number(id)) => id,
            None | Some(FieldValue::Null) | Some(FieldValue::Text(_)) => {
                return Err(Problem::new(
                    SkipReason::MissingId,
                    Some(&names.id),
                    "missing, null or empty id",
                ));
            }
            Some(other) => return Err(wrong_type(&names.id, "a string or a number", &other)),
        };
        let text = match self.text {
            Some(FieldValue::Text(text)) => text,
            None | Some(FieldValue::Null) => {
                return Err(Problem::new(
                    SkipReason::MissingText,
                    Some(&names.text),
                    "missing or null text",
                ));
            }
            Some(other) => return Err(wrong_type(&names.text, "a string", &other)),
        };
        if text.len() > config.max_text_bytes {
            return Err(Problem::new(
                SkipReason::TooLarge,
                Some(&names.text),
                format!(
                    "text of {} bytes exceeds max_text_bytes ({})",
                    text.len(),
                    config.max_text_bytes
                ),
            ));
        }
        if text.trim().is_empty() {
            return Err(Problem::new(SkipReason::EmptyText, Some(&names.text), "empty text"));
        }
        let title = optional_string(&names.title, self.title)?;
        let mut warning = None;
        let date = match self.date {
            None | Some(FieldValue::Null) => None,
            Some(FieldValue::Text(date)) if date.trim().is_empty() => None,
            Some(FieldValue::Text(date)) => match config.dates.read(&date) {
                DateOutcome::Dated(date) => Some(date),
                DateOutcome::Unparseable => {
                    warning = Some(Warning {
                        kind: WarningKind::UnparseableDate,
                        field: names.date.clone(),
                        detail: format!("unparseable date {}: kept undated", quote_cut(&date)),
                    });
                    None
                }
                DateOutcome::OutOfWindow(_) => {
                    warning = Some(Warning {
                        kind: WarningKind::DateOutOfWindow,
                        field: names.date.clone(),
                        detail: format!(
                            "date {} outside the plausible window {}: kept undated",
                            quote_cut(&date),
                            config.dates.window()
                        ),
                    });
                    None
                }
            },
            Some(other) => return Err(wrong_type(&names.date, "a string or null", &other)),
        };
        let source = optional_string(&names.source, self.source)?;
        let url = optional_string(&names.url, self.url)?;
        Ok((Document { id, title, text, date, source, url }, warning))
    }
}

/// A record's id from the JSON text of its value, taken verbatim from the input: a string's
/// content, or a number's literal text (`123456789012345678901234567890` keeps every digit,
/// `1.0` stays `"1.0"` and so differs from `1`). `Ok(None)` for `null`; `Err` names the kind
/// of any other value (`"a boolean"`, `"an array"`, `"an object"`).
///
/// The one conversion of JSON ids, shared by `unspun index` and the server's document input,
/// so that both give a document the same id.
pub fn json_id(raw: &RawValue) -> Result<Option<String>, &'static str> {
    match json_id_value(raw) {
        FieldValue::Text(id) | FieldValue::Number(id) => Ok(Some(id)),
        FieldValue::Null => Ok(None),
        other => Err(other.kind()),
    }
}

/// The [`FieldValue`] of an id given as raw JSON (see [`json_id`]).
pub(crate) fn json_id_value(raw: &RawValue) -> FieldValue {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => FieldValue::Text(
            serde_json::from_str(text).expect("a RawValue that opens with a quote is a string"),
        ),
        Some(b'-' | b'0'..=b'9') => FieldValue::Number(text.to_owned()),
        Some(b't' | b'f') => FieldValue::Bool,
        Some(b'[') => FieldValue::Array,
        Some(b'{') => FieldValue::Object,
        _ => FieldValue::Null,
    }
}

/// Title, source and url: a string (`""` reads as absent), a number (its decimal string),
/// null or absent.
fn optional_string(name: &str, value: Option<FieldValue>) -> Result<Option<String>, Problem> {
    match value {
        None | Some(FieldValue::Null) => Ok(None),
        Some(FieldValue::Text(text)) if text.is_empty() => Ok(None),
        Some(FieldValue::Text(text) | FieldValue::Number(text)) => Ok(Some(text)),
        Some(other) => Err(wrong_type(name, "a string, a number or null", &other)),
    }
}

fn wrong_type(name: &str, expected: &str, value: &FieldValue) -> Problem {
    Problem::new(
        SkipReason::WrongType,
        Some(name),
        format!("expected {expected}, found {}", value.kind()),
    )
}

/// `value` as a quoted, escaped string, cut to 100 characters so one bad record cannot flood
/// a report (nor an error echo a huge input). Shared by ingest and the server's input errors.
pub fn quote_cut(value: &str) -> String {
    const MAX_CHARS: usize = 100;
    match value.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}...", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// A document as the JSON Lines record that `unspun index` reads back with the default field
/// names: `id`, `title`, `text`, `date` (ISO 8601, see [`unspun_core::date::format_date`]),
/// `source`, `url` (`null` when unknown). The server's document endpoint and `unspun dedup`
/// write documents this way.
pub fn document_record(doc: &Document) -> serde_json::Value {
    serde_json::json!({
        "id": doc.id,
        "title": doc.title,
        "text": doc.text,
        "date": doc.date.map(unspun_core::date::format_date),
        "source": doc.source,
        "url": doc.url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Option<FieldValue> {
        Some(FieldValue::Text(value.to_owned()))
    }

    fn base() -> RawFields {
        RawFields { id: text("a-1"), text: text("Body."), ..RawFields::default() }
    }

    /// Builds a document from `raw` with default config; `expect` is the debug form of the
    /// document or `reason field: detail` of the problem.
    fn check(raw: RawFields, expect: &str) {
        let mut config = ReaderConfig::default();
        config.dates.latest = unspun_core::date::parse_date("2030-01-01").expect("a date");
        let got = match raw.into_document(&config) {
            Ok((doc, warning)) => format!(
                "{} {:?} {:?} {:?} {:?} {:?}{}",
                doc.id,
                doc.text,
                doc.title,
                doc.date.map(unspun_core::date::format_date),
                doc.source,
                doc.url,
                warning
                    .map(|w| format!(" [{} {}: {}]", w.kind, w.field, w.detail))
                    .unwrap_or_default()
            ),
            Err(problem) => format!(
                "{} {}: {}",
                problem.reason,
                problem.field.as_deref().unwrap_or("-"),
                problem.detail
            ),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn good_records() {
        check(base(), r#"a-1 "Body." None None None None"#);
        check(
            RawFields {
                title: text("T"),
                date: text("2017-12-31"),
                source: Some(FieldValue::Number("7".into())),
                url: text("http://x"),
                ..base()
            },
            r#"a-1 "Body." Some("T") Some("2017-12-31") Some("7") Some("http://x")"#,
        );
        check(
            RawFields { id: Some(FieldValue::Number("42".into())), ..base() },
            r#"42 "Body." None None None None"#,
        );
        check(
            RawFields { title: text(""), date: text("  "), url: Some(FieldValue::Null), ..base() },
            r#"a-1 "Body." None None None None"#,
        );
    }

    #[test]
    fn bad_records() {
        check(RawFields { id: None, ..base() }, "missing-id id: missing, null or empty id");
        check(RawFields { id: text(" "), ..base() }, "missing-id id: missing, null or empty id");
        check(
            RawFields { id: Some(FieldValue::Object), ..base() },
            "wrong-type id: expected a string or a number, found an object",
        );
        check(
            RawFields { text: Some(FieldValue::Null), ..base() },
            "missing-text text: missing or null text",
        );
        check(RawFields { text: text(" \n"), ..base() }, "empty-text text: empty text");
        check(
            RawFields { text: Some(FieldValue::Array), ..base() },
            "wrong-type text: expected a string, found an array",
        );
        check(
            RawFields { title: Some(FieldValue::Bool), ..base() },
            "wrong-type title: expected a string, a number or null, found a boolean",
        );
        check(
            RawFields { date: text("32/13/2020"), ..base() },
            r#"a-1 "Body." None None None None [unparseable-date date: unparseable date "32/13/2020": kept undated]"#,
        );
        check(
            RawFields { date: text("0001-11-30"), ..base() },
            r#"a-1 "Body." None None None None [date-out-of-window date: date "0001-11-30" outside the plausible window 1800-01-01..2030-01-01: kept undated]"#,
        );
        check(
            RawFields { date: Some(FieldValue::Number("2017".into())), ..base() },
            "wrong-type date: expected a string or null, found a number",
        );
    }

    #[test]
    fn text_limit() {
        let config = ReaderConfig { max_text_bytes: 4, ..ReaderConfig::default() };
        let problem = RawFields { text: text("12345"), ..base() }.into_document(&config);
        assert_eq!(
            problem.map(|(doc, _)| doc).map_err(|problem| problem.detail),
            Err("text of 5 bytes exceeds max_text_bytes (4)".to_owned())
        );
    }

    #[test]
    fn names_and_serde_agree() {
        for reason in SkipReason::ALL {
            let json = serde_json::to_string(&reason).expect("a unit variant serialises");
            assert_eq!(json, format!("\"{}\"", reason.name()));
        }
        assert!(!is_fatal_in_strict(SkipReason::EmptyText));
        assert!(is_fatal_in_strict(SkipReason::BadDate));
    }

    #[test]
    fn display() {
        let bad =
            Problem::new(SkipReason::BadDate, Some("date"), "unparseable date \"32/13/2020\"")
                .at(PathBuf::from("corpus.jsonl.gz"), 17);
        assert_eq!(
            bad.to_string(),
            r#"corpus.jsonl.gz:17: field `date`: unparseable date "32/13/2020""#
        );
        let bad = Problem::new(SkipReason::Io, None, "read error").at(PathBuf::from("a.csv"), 3);
        assert_eq!(bad.to_string(), "a.csv:3: read error");
        assert_eq!(quote_cut(&"é".repeat(150)), format!("{:?}...", "é".repeat(100)));
    }
}

//! Parquet corpora: one document per row, columns mapped by the same [`FieldMap`] as JSON keys
//! (a nested path such as `content.body` reaches into struct columns).
//!
//! Only the mapped columns are decoded (a projection of the file's schema), and rows come
//! through the parquet crate's row iterator in batches of [`ROW_BATCH`], so memory stays
//! bounded by one batch of the mapped columns whatever the size of the file or of its row
//! groups. Parquet keeps its own compression per column chunk (snappy, gzip, zstd, lz4); a
//! Parquet file compressed again as a whole cannot be read (its footer must be found by
//! seeking) and is refused at [`detect`](super::detect).
//!
//! A row is a record: its 1-based row number stands where a text format gives its line, in
//! every [`BadRecord`]. A page that cannot be decoded stops the file there with one
//! [`SkipReason::Io`] that names the row group, so a damaged file is never a silent partial
//! success.
//!
//! A file's row groups are its natural splits: [`parquet_row_groups`] reads the footer (each
//! row group's rows and compressed bytes), and [`ParquetRowGroupReader`] reads a run of
//! consecutive row groups with the same column mapping and checks, numbering its rows as
//! they are numbered in the whole file, so that the runs of a file read one after another
//! give the records of [`CorpusReader`](super::CorpusReader) over the whole file, bad rows
//! and their `file:ROW` included.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parquet::basic::ConvertedType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};
use parquet::schema::types::{Type, TypePtr};

use super::record::{FieldValue, Problem, RawFields};
use super::{
    BadRecord, Compression, Context, FieldMap, ReaderConfig, RecordResult, RecordWarning,
    SkipReason,
};

/// Rows decoded at a time: bounds memory to this many values of each mapped column.
const ROW_BATCH: usize = 256;

/// A Parquet file being read row by row.
pub(super) struct ParquetState {
    rows: RowIter<'static>,
    /// The last row yielded: its 1-based number in the whole file (for a run of row groups,
    /// it starts at the rows of the row groups before the run).
    n_rows: u64,
    /// Index in the file of the first row group read (0 unless reading a run of them).
    first_row_group: usize,
    /// For progress: the first row of each row group after the first, with the compressed
    /// bytes read once that row is reached.
    row_group_ends: Vec<(u64, u64)>,
    next_row_group: usize,
    /// Uncompressed bytes of the mapped fields yielded so far (the records' `byte_end`).
    byte_offset: u64,
}

/// Opens `path` as Parquet with only the columns that `fields` names. Errors name the file:
/// a file that is not Parquet, has no complete footer (a truncated file), or lacks the text
/// column (or the id column, when ids are required), listing the columns it has.
pub(super) fn open(
    path: &Path,
    fields: &FieldMap,
    id_required: bool,
    n_read: &Arc<AtomicU64>,
) -> io::Result<ParquetState> {
    open_row_groups(path, fields, id_required, n_read, None)
}

/// The error of a file the parquet crate cannot read, naming it.
fn unreadable(path: &Path, error: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: not a readable Parquet file: {error}", path.display()),
    )
}

/// [`open`], reading only the row groups of `row_groups` (indices in the file; `None`: all),
/// its rows numbered as in the whole file. A range past the file's row groups is an error
/// naming the file and its number of row groups.
fn open_row_groups(
    path: &Path,
    fields: &FieldMap,
    id_required: bool,
    n_read: &Arc<AtomicU64>,
    row_groups: Option<Range<usize>>,
) -> io::Result<ParquetState> {
    let named = |error| unreadable(path, error);
    let file = File::open(path)?;
    let (reader, first_row_group, first_row) = match row_groups {
        None => (SerializedFileReader::new(file).map_err(named)?, 0, 0),
        Some(range) => {
            let all = parquet_row_groups(path)?;
            if range.start > range.end || range.end > all.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{}: row groups {}..{} asked of a Parquet file with {}",
                        path.display(),
                        range.start,
                        range.end,
                        all.len()
                    ),
                ));
            }
            let first_row = all[..range.start].iter().map(|group| group.n_rows).sum();
            let wanted = range.clone();
            let options = ReadOptionsBuilder::new()
                .with_predicate(Box::new(move |_, index| wanted.contains(&index)))
                .build();
            let reader = SerializedFileReader::new_with_options(file, options).map_err(named)?;
            (reader, range.start, first_row)
        }
    };
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema();
    let columns = column_paths(schema);
    let has = |name: &str| columns.iter().any(|column| column == name || nests(column, name));
    let mut missing = Vec::new();
    if !has(&fields.text) {
        missing.push(format!("text column `{}`", fields.text));
    }
    if id_required && !has(&fields.id) {
        missing.push(format!("id column `{}` (or use --generate-ids)", fields.id));
    }
    if !missing.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: the Parquet file has no {}; its columns are: {}",
                path.display(),
                missing.join(" and no "),
                columns.join(", ")
            ),
        ));
    }
    let projection = project(schema, fields);
    let mut row_group_ends = Vec::new();
    let mut end_row = first_row;
    let mut n_bytes = 0u64;
    for row_group in metadata.row_groups() {
        end_row += row_group.num_rows().max(0) as u64;
        n_bytes += row_group.compressed_size().max(0) as u64;
        row_group_ends.push((end_row, n_bytes));
    }
    let rows = RowIter::from_file_into(Box::new(reader))
        .project(Some(projection))
        .map_err(named)?
        .with_batch_size(ROW_BATCH);
    // The footer has been read; the first row group is read from here on.
    n_read.store(0, Ordering::Relaxed);
    Ok(ParquetState {
        rows,
        n_rows: first_row,
        first_row_group,
        row_group_ends,
        next_row_group: 0,
        byte_offset: 0,
    })
}

/// One row group of a Parquet file, as its footer describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParquetRowGroup {
    /// Rows in the row group.
    pub n_rows: u64,
    /// Bytes of its column chunks in the file (compressed), every column counted: what a
    /// reader of the whole row group reads, an upper bound of what a projection reads.
    pub compressed_bytes: u64,
}

/// The row groups of the Parquet file `path`, in file order, from its footer alone (the
/// data pages are not read). Errors name the file: one that is not Parquet or has no
/// complete footer.
pub fn parquet_row_groups(path: &Path) -> io::Result<Vec<ParquetRowGroup>> {
    let reader = SerializedFileReader::new(File::open(path)?).map_err(|e| unreadable(path, e))?;
    Ok(reader
        .metadata()
        .row_groups()
        .iter()
        .map(|group| ParquetRowGroup {
            n_rows: group.num_rows().max(0) as u64,
            compressed_bytes: group.compressed_size().max(0) as u64,
        })
        .collect())
}

/// Streams the records of a run of consecutive row groups of a Parquet corpus file as
/// [`CorpusReader`](super::CorpusReader) streams the whole file: the columns mapped by
/// [`ReaderConfig::fields`], the same checks and warnings, and each row numbered as in the
/// whole file (the rows of the row groups before the run are counted from the footer), in
/// its [`RecordResult::Ok`] `line`, its [`BadRecord`] and an id made by
/// [`IdScheme::Line`](super::IdScheme::Line). Reading the runs `0..a`, `a..b`, ..., `c..n` of
/// a file of `n` row groups one after another gives the records of the whole file, in order
/// (only [`RecordResult::Ok`]'s `byte_end`, a progress figure, counts from the run's start).
///
/// ```no_run
/// use std::path::Path;
/// use unspun_index::ingest::{ParquetRowGroupReader, ReaderConfig, parquet_row_groups};
///
/// let path = Path::new("articles.parquet");
/// let n_row_groups = parquet_row_groups(path)?.len();
/// let config = ReaderConfig::default();
/// let second_half = ParquetRowGroupReader::open(path, &config, n_row_groups / 2..n_row_groups)?;
/// for result in second_half {
///     println!("{:?}", result.into_result().map(|doc| doc.id));
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ParquetRowGroupReader {
    state: ParquetState,
    context: Context,
    n_read: Arc<AtomicU64>,
    first_row: u64,
    incomplete: Option<BadRecord>,
    warnings: Vec<RecordWarning>,
    done: bool,
}

impl std::fmt::Debug for ParquetRowGroupReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetRowGroupReader")
            .field("path", &self.context.path)
            .field("first_row_group", &self.state.first_row_group)
            .field("first_row", &self.first_row)
            .finish_non_exhaustive()
    }
}

impl ParquetRowGroupReader {
    /// Opens the row groups `row_groups` (indices in file order, end excluded) of the
    /// Parquet file `path`. Fails as [`CorpusReader::open`](super::CorpusReader::open) fails
    /// on the file (not Parquet, no complete footer, no text column or, without
    /// `generate_ids`, no id column: the message lists the columns) and on a range past the
    /// file's row groups. `config.format` is not looked at: the file is read as Parquet.
    pub fn open(
        path: &Path,
        config: &ReaderConfig,
        row_groups: Range<usize>,
    ) -> io::Result<ParquetRowGroupReader> {
        let n_read = Arc::new(AtomicU64::new(0));
        let id_required = config.generate_ids.is_none();
        let state = open_row_groups(path, &config.fields, id_required, &n_read, Some(row_groups))?;
        let context = Context {
            path: PathBuf::from(path),
            config: config.clone(),
            compression: Compression::None,
            doc_id: None,
        };
        Ok(ParquetRowGroupReader {
            first_row: state.n_rows,
            state,
            context,
            n_read,
            incomplete: None,
            warnings: Vec::new(),
            done: false,
        })
    }

    /// Rows of the file before the first row group read: the first row read is number
    /// `first_row() + 1`.
    pub fn first_row(&self) -> u64 {
        self.first_row
    }

    /// Why the run was not read to its end, once the iterator has yielded it (a page that
    /// cannot be decoded, [`SkipReason::Io`]), as [`CorpusReader::incomplete`](
    /// super::CorpusReader::incomplete).
    pub fn incomplete(&self) -> Option<&BadRecord> {
        self.incomplete.as_ref()
    }

    /// Takes the warnings about the records yielded so far (dates kept undated, ...), as
    /// [`CorpusReader::take_warnings`](super::CorpusReader::take_warnings).
    pub fn take_warnings(&mut self) -> Vec<RecordWarning> {
        std::mem::take(&mut self.warnings)
    }
}

impl Iterator for ParquetRowGroupReader {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        if self.done {
            return None;
        }
        let next = next_parquet(
            &mut self.state,
            &mut self.done,
            &self.n_read,
            &self.context,
            &mut self.warnings,
        );
        match &next {
            None => self.done = true,
            Some(RecordResult::Skipped(bad)) if self.done => self.incomplete = Some(bad.clone()),
            Some(_) => {}
        }
        next
    }
}

/// Whether `column` is a leaf below the dotted `path` (a struct column mapped as a whole is
/// not a string, but it exists).
fn nests(column: &str, path: &str) -> bool {
    column.strip_prefix(path).is_some_and(|rest| rest.starts_with('.'))
}

/// Dotted paths of every leaf column of `schema`, for messages.
pub(super) fn column_paths(schema: &Type) -> Vec<String> {
    fn walk(node: &Type, prefix: &str, out: &mut Vec<String>) {
        for field in node.get_fields() {
            let path = if prefix.is_empty() {
                field.name().to_owned()
            } else {
                format!("{prefix}.{}", field.name())
            };
            let converted = field.get_basic_info().converted_type();
            let is_collection = matches!(
                converted,
                ConvertedType::LIST | ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
            );
            if field.is_group() && !is_collection {
                walk(field, &path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, "", &mut out);
    out
}

/// The file schema cut down to the top-level columns that hold a mapped field.
fn project(schema: &Type, fields: &FieldMap) -> Type {
    let kept: Vec<TypePtr> = schema
        .get_fields()
        .iter()
        .filter(|field| {
            fields.slots().iter().any(|(name, _)| {
                name.split('.').next().is_some_and(|top| top == field.name())
                    || *name == field.name()
            })
        })
        .cloned()
        .collect();
    Type::group_type_builder(schema.name())
        .with_fields(kept)
        .build()
        .expect("a subset of a valid root group is a valid root group")
}

/// The next row as a record; `done` is set when the file cannot be read further.
pub(super) fn next_parquet(
    state: &mut ParquetState,
    done: &mut bool,
    n_read: &AtomicU64,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    let next = state.rows.next()?;
    state.n_rows += 1;
    let line = state.n_rows;
    while let Some(&(end, bytes)) = state.row_group_ends.get(state.next_row_group) {
        if line <= end {
            break;
        }
        n_read.store(bytes, Ordering::Relaxed);
        state.next_row_group += 1;
    }
    let row = match next {
        Ok(row) => row,
        Err(error) => {
            *done = true;
            let detail = format!(
                "Parquet data cannot be decoded in row group {} (rows from {line}): {error}",
                state.first_row_group + state.next_row_group + 1
            );
            return Some(context.skipped(line, Problem::new(SkipReason::Io, None, detail)));
        }
    };
    let config = &context.config;
    let (mut raw, n_bytes) = match row_fields(&row, &config.fields) {
        Ok(fields) => fields,
        Err(problem) => return Some(context.skipped(line, problem)),
    };
    state.byte_offset += n_bytes;
    if let Some(scheme) = config.generate_ids {
        raw.generate_id(scheme, &context.path, line);
    }
    Some(match raw.into_document(config) {
        Ok((doc, warning)) => {
            if let Some(warning) = warning {
                warnings.push(warning.at(context.path.clone(), line));
            }
            RecordResult::Ok { doc, line, bytes: n_bytes, byte_end: state.byte_offset }
        }
        Err(problem) => context.skipped(line, problem),
    })
}

/// The mapped fields of one row, and their size in bytes.
fn row_fields(row: &Row, names: &FieldMap) -> Result<(RawFields, u64), Problem> {
    let mut raw = RawFields::default();
    let mut n_bytes = 0u64;
    for (name, slot) in names.slots() {
        let Some(field) = lookup(row, name) else { continue };
        let value = field_value(field, name)?;
        if let FieldValue::Text(text) | FieldValue::Number(text) = &value {
            n_bytes += text.len() as u64;
        }
        raw.set(slot, value);
    }
    Ok((raw, n_bytes))
}

/// The field at a dotted path of `row`, through struct columns.
fn lookup<'r>(row: &'r Row, path: &str) -> Option<&'r Field> {
    if let Some((_, field)) = row.get_column_iter().find(|(name, _)| name.as_str() == path) {
        return Some(field);
    }
    let (head, rest) = path.split_once('.')?;
    let (_, field) = row.get_column_iter().find(|(name, _)| name.as_str() == head)?;
    match field {
        Field::Group(inner) => lookup(inner, rest),
        _ => None,
    }
}

/// A Parquet value as the reader's [`FieldValue`]: strings as text (binary columns must be
/// UTF-8), numbers as their decimal form, DATE and TIMESTAMP columns as ISO dates (so a date
/// column reads as a date), groups, lists and maps as what they are, for the type error.
fn field_value(field: &Field, name: &str) -> Result<FieldValue, Problem> {
    let date = |seconds: i64| {
        FieldValue::Text(unspun_core::date::format_date(unspun_core::Timestamp(seconds)))
    };
    Ok(match field {
        Field::Null => FieldValue::Null,
        Field::Str(text) => FieldValue::Text(text.clone()),
        Field::Bytes(bytes) => match std::str::from_utf8(bytes.data()) {
            Ok(text) => FieldValue::Text(text.to_owned()),
            Err(error) => {
                let detail =
                    format!("binary value is not UTF-8 (invalid at byte {})", error.valid_up_to());
                return Err(Problem::new(SkipReason::InvalidUtf8, Some(name), detail));
            }
        },
        Field::Bool(_) => FieldValue::Bool,
        Field::Byte(value) => FieldValue::Number(value.to_string()),
        Field::Short(value) => FieldValue::Number(value.to_string()),
        Field::Int(value) => FieldValue::Number(value.to_string()),
        Field::Long(value) => FieldValue::Number(value.to_string()),
        Field::UByte(value) => FieldValue::Number(value.to_string()),
        Field::UShort(value) => FieldValue::Number(value.to_string()),
        Field::UInt(value) => FieldValue::Number(value.to_string()),
        Field::ULong(value) => FieldValue::Number(value.to_string()),
        Field::Float16(value) => FieldValue::Number(value.to_string()),
        Field::Float(value) => FieldValue::Number(value.to_string()),
        Field::Double(value) => FieldValue::Number(value.to_string()),
        Field::Decimal(_) => FieldValue::Number(field.to_string()),
        Field::Date(days) => date(i64::from(*days) * 86_400),
        Field::TimestampMillis(millis) => date(millis.div_euclid(1_000)),
        Field::TimestampMicros(micros) => date(micros.div_euclid(1_000_000)),
        Field::TimeMillis(_) | Field::TimeMicros(_) => FieldValue::Text(field.to_string()),
        Field::Group(_) | Field::MapInternal(_) => FieldValue::Object,
        Field::ListInternal(_) => FieldValue::Array,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    use super::super::tests::summarize;
    use super::super::{CorpusReader, Format, IdScheme, ParquetDocWriter, ReaderConfig};
    use super::*;

    fn doc(id: &str, text: &str, date: Option<&str>) -> unspun_core::Document {
        unspun_core::Document {
            id: id.to_owned(),
            title: Some(format!("Title {id}")),
            text: text.to_owned(),
            date: date.and_then(unspun_core::date::parse_date),
            source: Some("Outlet".to_owned()),
            url: None,
        }
    }

    fn write_docs(path: &Path, docs: &[unspun_core::Document]) {
        let mut writer = ParquetDocWriter::new(File::create(path).expect("temp file")).expect("w");
        for doc in docs {
            writer.write(doc).expect("write");
        }
        writer.finish().expect("finish");
    }

    /// A file whose schema has an int64 id, a struct `content` with `body` and `headline`, a
    /// DATE and a TIMESTAMP column and an unmapped column; row 3 has no body.
    fn write_nested(path: &Path) {
        let schema = parse_message_type(
            "message m {
                required int64 key;
                optional group content { optional binary body (UTF8); optional binary headline (UTF8); }
                optional int32 day (DATE);
                optional int64 seen (TIMESTAMP_MILLIS);
                optional binary html (UTF8);
            }",
        )
        .expect("schema");
        let file = File::create(path).expect("temp file");
        let properties = Arc::new(WriterProperties::builder().build());
        let mut writer = SerializedFileWriter::new(file, Arc::new(schema), properties).expect("w");
        let mut group = writer.next_row_group().expect("row group");
        let strings =
            |values: &[&str]| values.iter().map(|v| ByteArray::from(*v)).collect::<Vec<_>>();
        let mut column = group.next_column().expect("ok").expect("key");
        column.typed::<Int64Type>().write_batch(&[7, 8, 9], None, None).expect("key");
        column.close().expect("close");
        // content.body: rows 1 and 2 have a body; row 3 has a content group without one.
        let mut column = group.next_column().expect("ok").expect("body");
        column
            .typed::<ByteArrayType>()
            .write_batch(&strings(&["First body.", "Second body."]), Some(&[2, 2, 1]), None)
            .expect("body");
        column.close().expect("close");
        let mut column = group.next_column().expect("ok").expect("headline");
        column
            .typed::<ByteArrayType>()
            .write_batch(&strings(&["One"]), Some(&[2, 1, 1]), None)
            .expect("headline");
        column.close().expect("close");
        let mut column = group.next_column().expect("ok").expect("day");
        column.typed::<Int32Type>().write_batch(&[17_532], Some(&[1, 0, 0]), None).expect("day");
        column.close().expect("close");
        let mut column = group.next_column().expect("ok").expect("seen");
        column
            .typed::<Int64Type>()
            .write_batch(&[1_514_808_000_000], Some(&[0, 1, 0]), None)
            .expect("seen");
        column.close().expect("close");
        let mut column = group.next_column().expect("ok").expect("html");
        column
            .typed::<ByteArrayType>()
            .write_batch(&strings(&["<p>x</p>"]), Some(&[1, 0, 0]), None)
            .expect("html");
        column.close().expect("close");
        group.close().expect("row group");
        writer.close().expect("footer");
    }

    fn temp(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        (dir, path)
    }

    #[test]
    fn documents_round_trip_through_the_writer() {
        let (_dir, path) = temp("docs.parquet");
        let docs = [
            doc("a", "Alpha text.", Some("2017-12-31")),
            doc("b", "Beta text.", Some("2018-01-02T10:00:00Z")),
            doc("c", "Gamma text.", None),
        ];
        write_docs(&path, &docs);
        assert_eq!(super::super::detect(&path).expect("detect").0, Format::Parquet);
        let reader = CorpusReader::open(&path, &ReaderConfig::default()).expect("opens");
        assert_eq!(
            summarize(reader),
            [
                r#"ok 1 35 a "Alpha text." Some("Title a") Some("2017-12-31") Some("Outlet") None"#,
                r#"ok 2 44 b "Beta text." Some("Title b") Some("2018-01-02T10:00:00Z") Some("Outlet") None"#,
                r#"ok 3 25 c "Gamma text." Some("Title c") None Some("Outlet") None"#,
            ]
        );
    }

    #[test]
    fn nested_paths_numbers_dates_and_timestamps() {
        let (_dir, path) = temp("nested.parquet");
        write_nested(&path);
        let mut config = ReaderConfig::default();
        config.fields.id = "key".to_owned();
        config.fields.text = "content.body".to_owned();
        config.fields.title = "content.headline".to_owned();
        config.fields.date = "day".to_owned();
        let reader = CorpusReader::open(&path, &config).expect("opens");
        assert_eq!(
            summarize(reader),
            [
                r#"ok 1 25 7 "First body." Some("One") Some("2018-01-01") None None"#,
                r#"ok 2 13 8 "Second body." None None None None"#,
                "3 missing-text content.body: missing or null text",
            ]
        );
        config.fields.date = "seen".to_owned();
        let reader = CorpusReader::open(&path, &config).expect("opens");
        assert_eq!(
            summarize(reader)[1],
            r#"ok 2 33 8 "Second body." None Some("2018-01-01T12:00:00Z") None None"#
        );
    }

    #[test]
    fn a_missing_column_names_the_columns_there_are() {
        let (_dir, path) = temp("nested.parquet");
        write_nested(&path);
        let error = CorpusReader::open(&path, &ReaderConfig::default()).expect_err("no text");
        let message = error.to_string();
        assert!(message.contains("has no text column `text` and no id column `id`"), "{message}");
        assert!(
            message.contains("key, content.body, content.headline, day, seen, html"),
            "{message}"
        );
        let config = ReaderConfig { generate_ids: Some(IdScheme::Line), ..ReaderConfig::default() };
        let message = CorpusReader::open(&path, &config).expect_err("no text").to_string();
        assert!(message.contains("has no text column `text`; its columns"), "{message}");
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_it() {
        let (dir, path) = temp("docs.parquet");
        write_docs(&path, &[doc("a", "Alpha text.", None)]);
        let bytes = std::fs::read(&path).expect("read");
        let cut = dir.path().join("cut.parquet");
        std::fs::write(&cut, &bytes[..bytes.len() - 10]).expect("write");
        let message =
            CorpusReader::open(&cut, &ReaderConfig::default()).expect_err("cut").to_string();
        assert!(
            message.starts_with(&format!("{}: not a readable Parquet file", cut.display())),
            "{message}"
        );
    }

    #[test]
    fn damaged_pages_stop_the_file_with_one_error() {
        let (dir, path) = temp("docs.parquet");
        let docs: Vec<_> = (0..50)
            .map(|i| doc(&format!("d{i}"), &format!("Text number {i} here."), None))
            .collect();
        write_docs(&path, &docs);
        let mut bytes = std::fs::read(&path).expect("read");
        // Scribble over the middle of the data pages (between the magic and the footer).
        let middle = bytes.len() / 3;
        for byte in &mut bytes[middle..middle + 40] {
            *byte ^= 0x5a;
        }
        let bad = dir.path().join("bad.parquet");
        std::fs::write(&bad, &bytes).expect("write");
        match CorpusReader::open(&bad, &ReaderConfig::default()) {
            Err(error) => assert!(error.to_string().contains("bad.parquet"), "{error}"),
            Ok(mut reader) => {
                let results: Vec<_> = reader.by_ref().collect();
                let stop = reader.incomplete().expect("a damaged file is not read to its end");
                assert_eq!(stop.reason, SkipReason::Io, "{stop}");
                assert!(stop.detail.contains("cannot be decoded"), "{stop}");
                assert!(results.len() <= 50);
            }
        }
    }

    #[test]
    fn parquet_compressed_as_a_whole_is_refused() {
        let (dir, path) = temp("docs.parquet");
        write_docs(&path, &[doc("a", "Alpha text.", None)]);
        let bytes = std::fs::read(&path).expect("read");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &bytes).expect("gzip");
        let gz = dir.path().join("docs.parquet.gz");
        std::fs::write(&gz, encoder.finish().expect("gzip")).expect("write");
        let message =
            CorpusReader::open(&gz, &ReaderConfig::default()).expect_err("gz").to_string();
        assert!(message.contains("Parquet file compressed as a whole"), "{message}");
    }

    /// One row: id, text (a binary column without the UTF8 annotation, so that it can hold
    /// invalid UTF-8), date.
    type TestRow<'a> = (Option<&'a str>, Option<&'a [u8]>, Option<&'a str>);

    /// Writes `groups` as the row groups of a Parquet file (null where a value is `None`).
    fn write_row_groups(path: &Path, groups: &[&[TestRow<'_>]]) {
        let schema = parse_message_type(
            "message m { optional binary id (UTF8); optional binary text;
                         optional binary date (UTF8); }",
        )
        .expect("schema");
        let file = File::create(path).expect("temp file");
        let properties = Arc::new(WriterProperties::builder().build());
        let mut writer = SerializedFileWriter::new(file, Arc::new(schema), properties).expect("w");
        for rows in groups {
            let mut group = writer.next_row_group().expect("row group");
            for column_index in 0..3 {
                let values: Vec<Option<&[u8]>> = rows
                    .iter()
                    .map(|&(id, text, date)| match column_index {
                        0 => id.map(str::as_bytes),
                        1 => text,
                        _ => date.map(str::as_bytes),
                    })
                    .collect();
                let present: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
                let values: Vec<ByteArray> =
                    values.into_iter().flatten().map(|v| ByteArray::from(v.to_vec())).collect();
                let mut column = group.next_column().expect("ok").expect("column");
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, Some(&present), None)
                    .expect("values");
                column.close().expect("close");
            }
            group.close().expect("row group");
        }
        writer.close().expect("footer");
    }

    /// A record as the split tests compare it: everything but `byte_end`.
    fn describe(result: RecordResult) -> String {
        match result {
            RecordResult::Ok { doc, line, bytes, .. } => format!(
                "ok {line} {bytes} {} {:?} {:?}",
                doc.id,
                doc.text,
                doc.date.map(unspun_core::date::format_date)
            ),
            RecordResult::Skipped(bad) => format!(
                "{}:{} {} {}: {}",
                bad.path.display(),
                bad.line,
                bad.reason,
                bad.field.as_deref().unwrap_or("-"),
                bad.detail
            ),
        }
    }

    /// The records and warnings of row groups `range` (`None`: the whole file, through
    /// `CorpusReader`).
    fn read_run(
        path: &Path,
        config: &ReaderConfig,
        range: Option<Range<usize>>,
    ) -> (Vec<String>, Vec<String>) {
        let warnings = |warnings: Vec<RecordWarning>| {
            warnings.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        match range {
            None => {
                let mut reader = CorpusReader::open(path, config).expect("opens");
                let records = reader.by_ref().map(describe).collect();
                assert!(reader.incomplete().is_none());
                (records, warnings(reader.take_warnings()))
            }
            Some(range) => {
                let mut reader = ParquetRowGroupReader::open(path, config, range).expect("opens");
                let records = reader.by_ref().map(describe).collect();
                assert!(reader.incomplete().is_none());
                (records, warnings(reader.take_warnings()))
            }
        }
    }

    #[test]
    fn row_groups_read_in_runs_give_the_whole_file() {
        let (dir, path) = temp("groups.parquet");
        let bad_utf8: &[u8] = b"Bad \xff text.";
        let groups: [&[TestRow<'_>]; 5] = [
            &[
                (Some("a"), Some(b"Alpha text."), Some("2017-12-31")),
                (Some("b"), None, None),
                (None, Some(b"No id here."), None),
            ],
            &[(Some("c"), Some(bad_utf8), None)],
            &[],
            &[
                (Some("d"), Some(b"Delta text."), Some("not a date")),
                (Some("e"), Some(b"Epsilon text."), Some("2018-01-02")),
                (Some("f"), Some(b""), None),
                (None, Some(b"Another without an id."), None),
            ],
            &[(Some("g"), Some(b"Gamma text."), None), (Some("h"), Some(b"Eta text."), None)],
        ];
        write_row_groups(&path, &groups);
        let found = parquet_row_groups(&path).expect("footer");
        assert_eq!(found.iter().map(|g| g.n_rows).collect::<Vec<_>>(), [3, 1, 0, 4, 2]);
        assert!(found.iter().all(|g| g.compressed_bytes > 0));

        let line_ids = ReaderConfig { generate_ids: Some(IdScheme::Line), ..Default::default() };
        for config in [ReaderConfig::default(), line_ids] {
            let whole = read_run(&path, &config, None);
            assert_eq!(whole.0.len(), 10, "{whole:?}");
            assert_eq!(whole.1.len(), 1, "the undated `d`: {whole:?}");
            // Every way to cut the 5 row groups into runs (each cut present or not).
            for cuts in 0..1u32 << 4 {
                let mut bounds = vec![0];
                bounds.extend((1..5).filter(|i| cuts & (1 << (i - 1)) != 0));
                bounds.push(5);
                let mut records = Vec::new();
                let mut warnings = Vec::new();
                for run in bounds.windows(2) {
                    let (more, more_warnings) = read_run(&path, &config, Some(run[0]..run[1]));
                    records.extend(more);
                    warnings.extend(more_warnings);
                }
                assert_eq!((&records, &warnings), (&whole.0, &whole.1), "runs {bounds:?}");
            }
        }
        let (records, _) = read_run(&path, &ReaderConfig::default(), None);
        let at = |row: u64| format!("{}:{row} ", path.display());
        assert!(
            records[1].starts_with(&at(2)) && records[1].contains("missing-text"),
            "{records:?}"
        );
        assert!(records[2].starts_with(&at(3)) && records[2].contains("missing-id"), "{records:?}");
        assert!(records[3].starts_with(&at(4)) && records[3].contains("utf8"), "{records:?}");
        assert!(records[9].starts_with("ok 10 "), "{records:?}");

        let reader = ParquetRowGroupReader::open(&path, &ReaderConfig::default(), 3..5);
        assert_eq!(reader.expect("opens").first_row(), 4);
        let empty = ParquetRowGroupReader::open(&path, &ReaderConfig::default(), 2..2);
        assert_eq!(empty.expect("opens").count(), 0);
        let message = ParquetRowGroupReader::open(&path, &ReaderConfig::default(), 4..6)
            .expect_err("past the end")
            .to_string();
        assert!(message.contains("row groups 4..6 asked of a Parquet file with 5"), "{message}");
        let nested = dir.path().join("nested.parquet");
        write_nested(&nested);
        let message = ParquetRowGroupReader::open(&nested, &ReaderConfig::default(), 0..1)
            .expect_err("no text")
            .to_string();
        assert!(message.contains("has no text column `text`"), "{message}");
    }

    #[test]
    fn column_paths_are_listed_for_hints() {
        let (_dir, path) = temp("nested.parquet");
        write_nested(&path);
        let fields =
            super::super::first_record_fields(&path, &ReaderConfig::default()).expect("fields");
        assert_eq!(fields, ["key", "content.body", "content.headline", "day", "seen", "html"]);
    }
}

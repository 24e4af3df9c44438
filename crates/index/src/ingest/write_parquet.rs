//! Documents written as a Parquet file: the six document fields as UTF-8 columns (`id` and
//! `text` required; `title`, `date`, `source`, `url` optional; `date` in the form
//! [`unspun_core::date::format_date`] writes), zstd-compressed, in row groups of at most
//! [`ParquetDocWriter::ROW_GROUP_BYTES`] of field data. It reads back with `unspun index` and
//! with any Parquet reader (pandas, pyarrow, Spark, DuckDB).
//!
//! Memory is bounded by one row group; the file is only valid once [`ParquetDocWriter::finish`]
//! has written its footer, so a caller writes to a temporary name and renames after `finish`.

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use unspun_core::Document;

/// The schema of a document file.
const SCHEMA: &str = "message document {
    required binary id (UTF8);
    optional binary title (UTF8);
    required binary text (UTF8);
    optional binary date (UTF8);
    optional binary source (UTF8);
    optional binary url (UTF8);
}";

/// Streams [`Document`]s into a Parquet file.
pub struct ParquetDocWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    /// The values buffered for each column, in schema order (absent optional values left out).
    values: [Vec<ByteArray>; 6],
    /// For each column, whether each buffered row has a value (Parquet's definition level).
    present: [Vec<i16>; 6],
    pending_bytes: usize,
    n_docs: u64,
}

impl<W: Write + Send> std::fmt::Debug for ParquetDocWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetDocWriter").field("n_docs", &self.n_docs).finish_non_exhaustive()
    }
}

impl<W: Write + Send> ParquetDocWriter<W> {
    /// Field bytes buffered before a row group is written.
    pub const ROW_GROUP_BYTES: usize = 32 << 20;

    /// Starts a file on `out`.
    pub fn new(out: W) -> io::Result<Self> {
        Self::start(out).map_err(io::Error::other)
    }

    fn start(out: W) -> Result<Self, ParquetError> {
        let schema = Arc::new(parse_message_type(SCHEMA)?);
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .set_created_by(format!("unspun {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = SerializedFileWriter::new(out, schema, Arc::new(properties))?;
        Ok(ParquetDocWriter {
            writer,
            values: Default::default(),
            present: Default::default(),
            pending_bytes: 0,
            n_docs: 0,
        })
    }

    /// Adds one document; writes a row group when enough is buffered.
    pub fn write(&mut self, doc: &Document) -> io::Result<()> {
        let date = doc.date.map(unspun_core::date::format_date);
        let fields = [
            Some(doc.id.as_str()),
            doc.title.as_deref(),
            Some(doc.text.as_str()),
            date.as_deref(),
            doc.source.as_deref(),
            doc.url.as_deref(),
        ];
        for ((value, values), present) in
            fields.into_iter().zip(&mut self.values).zip(&mut self.present)
        {
            present.push(i16::from(value.is_some()));
            if let Some(value) = value {
                self.pending_bytes += value.len();
                values.push(ByteArray::from(value));
            }
        }
        self.n_docs += 1;
        if self.pending_bytes >= Self::ROW_GROUP_BYTES {
            self.flush().map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Documents written so far.
    pub fn n_docs(&self) -> u64 {
        self.n_docs
    }

    /// Writes what is buffered and the footer; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush().map_err(io::Error::other)?;
        self.writer.into_inner().map_err(io::Error::other)
    }

    fn flush(&mut self) -> Result<(), ParquetError> {
        if self.present[0].is_empty() {
            return Ok(());
        }
        self.pending_bytes = 0;
        let mut row_group = self.writer.next_row_group()?;
        for (idx, (values, present)) in self.values.iter_mut().zip(&mut self.present).enumerate() {
            let mut column = row_group
                .next_column()?
                .ok_or_else(|| ParquetError::General("schema has fewer columns".to_owned()))?;
            // `id` (0) and `text` (2) are required: they have no definition levels.
            let levels = if idx == 0 || idx == 2 { None } else { Some(present.as_slice()) };
            column.typed::<ByteArrayType>().write_batch(values, levels, None)?;
            column.close()?;
            values.clear();
            present.clear();
        }
        row_group.close()?;
        Ok(())
    }
}

//! `unspun index`: build or extend an on-disk index from corpora.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use unspun_index::ingest::pipeline::{IngestConfig, IngestReport, ingest_corpora};
use unspun_index::ingest::{
    CorpusInput, CorpusReader, FieldMap, Format, IdScheme, ReaderConfig, expand_inputs,
    first_record_fields,
};
use unspun_index::{Index, IndexWriter, WriterConfig};

use crate::output::{print_json, print_text};
use crate::progress::bytes_bar;

/// Flags of `unspun index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// The index directory (created if missing; extended if it holds an index).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Corpus files and folders: JSON Lines, a JSON array of objects, CSV or TSV; HTML pages
    /// and plain-text files (one document each; in a folder, the id is the path relative to
    /// it); plain or compressed with gzip, zstd, bzip2 or xz (detected from the content, then
    /// the name). Folders are read recursively. Anything else (a PDF, a ZIP, Parquet, ...) is
    /// refused with what it looks like.
    #[arg(value_name = "CORPUS", required = true)]
    pub corpora: Vec<PathBuf>,
    /// Fingerprints of a new index (an existing index keeps its own): `anchors` (canonical
    /// word forms plus anchors of names and numbers), `canonical`, or `legacy` (surface forms,
    /// as indexes built before canonical forms existed).
    #[arg(long, value_enum, default_value_t = crate::engine::Fingerprints::Anchors, value_name = "SCHEME")]
    pub fingerprints: crate::engine::Fingerprints,
    /// Winnowing window of a new index (an existing index keeps its own): of every W
    /// consecutive shingles of a document only the smallest hash is stored (about 2/(W+1) of
    /// them), so any run of W+2 content words a traced text shares with the document is still
    /// found; whole-sentence hashes and anchors are all stored. 0 or 1 stores every shingle.
    /// Smaller index, fewer fingerprints per match: see docs/index-format.md for the trade-off.
    #[arg(long, value_name = "W")]
    pub winnow: Option<u32>,
    /// After indexing, embed every sentence with the all-MiniLM-L6-v2 files in DIR and store
    /// the sentence index the paraphrase stage searches (as `unspun semantic-index`; needs a
    /// build with --features semantic).
    #[arg(long, value_name = "DIR")]
    pub semantic: Option<PathBuf>,
    /// How the corpora are read.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Replace documents whose id is already indexed (default: report and skip them).
    #[arg(long)]
    pub replace: bool,
    /// When a corpus cannot be read to its end (a truncated or corrupt gzip stream, a CRC
    /// mismatch, a read error, a CSV quote left open to the end of the file), warn and go on
    /// with the next corpus, exiting 0. Without it, indexing stops at that file (what was read
    /// before the damage is kept) and exits 2.
    #[arg(long)]
    pub keep_going: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How corpus files are read: the flags `unspun index` and `unspun cluster --input` share.
#[derive(Debug, Clone, clap::Args)]
pub struct ReaderArgs {
    /// Field (JSON key or CSV column) holding the document id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// Field holding the body text. In JSON, a dotted path reaches into nested objects
    /// (`content.body`, `versions.0.text`) when no key has that exact name; so does every
    /// other --*-field.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field holding the title.
    #[arg(long, default_value = "title")]
    pub title_field: String,
    /// Field holding the publication date (ISO 8601, RFC 2822, "December 31, 2017", ...).
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// Field holding the outlet or publisher.
    #[arg(long, default_value = "source")]
    pub source_field: String,
    /// Field holding the URL.
    #[arg(long, default_value = "url")]
    pub url_field: String,
    /// A date format tried before the built-in ones (ISO 8601, RFC 2822, "December 31,
    /// 2017"), strftime-like: %Y %y %m %d %e %b %B %H %I %M %S %p %f %z %a %%, e.g. `%d/%m/%Y`
    /// for day-first dates. Repeat to try several in order.
    #[arg(long, value_name = "FORMAT", value_parser = parse_date_format)]
    pub date_format: Vec<String>,
    /// Plausible publication dates, FROM..TO (either side may be left empty). A date outside
    /// it is kept as undated and counted as a warning. Default 1800-01-01 to a day after now.
    #[arg(long, value_name = "FROM..TO")]
    pub date_window: Option<String>,
    /// In folders, read only the files whose path relative to the folder (or whose name, for
    /// a pattern without `/`) matches PATTERN: `*` `**` `?` `{a,b}`. Default: the files with a
    /// corpus or document ending (.jsonl .json .csv .tsv .parquet .warc .html .htm .txt .md
    /// ..., also compressed).
    #[arg(long, value_name = "PATTERN")]
    pub glob: Option<String>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_parser = ["jsonl", "json-array", "csv", "tsv", "html", "text", "warc", "parquet"])]
    pub format: Option<String>,
    /// Give records without an id (absent, null or blank) a stable one: `hash`, `h` and the
    /// XXH3-64 of the text in hex (an identical text is then a duplicate), or `line`, the
    /// corpus path as given and the record's line (`news.jsonl:17`).
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub generate_ids: Option<GenerateIds>,
    /// Stop at the first bad record instead of counting, reporting and skipping it.
    #[arg(long)]
    pub strict: bool,
}

impl ReaderArgs {
    /// Whether every flag has its default (none was given): compared with the flags clap
    /// parses from an empty command line, so a changed default needs no second edit.
    pub fn is_default(&self) -> bool {
        use clap::{Args, FromArgMatches};
        let command = ReaderArgs::augment_args(clap::Command::new("reader"));
        let defaults = command
            .try_get_matches_from(["reader"])
            .ok()
            .and_then(|matches| ReaderArgs::from_arg_matches(&matches).ok());
        defaults.is_some_and(|defaults| format!("{defaults:?}") == format!("{self:?}"))
    }

    /// The reader's settings.
    pub fn config(&self) -> anyhow::Result<ReaderConfig> {
        let mut reader = ReaderConfig {
            fields: FieldMap {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                date: self.date_field.clone(),
                source: self.source_field.clone(),
                url: self.url_field.clone(),
            },
            format: self.format.as_deref().and_then(|name| name.parse::<Format>().ok()),
            ..ReaderConfig::default()
        };
        reader.dates.formats = self.date_format.clone();
        reader.generate_ids = self.generate_ids.map(|scheme| match scheme {
            GenerateIds::Hash => IdScheme::Hash,
            GenerateIds::Line => IdScheme::Line,
        });
        if let Some(window) = &self.date_window {
            let (earliest, latest) = unspun_index::ingest::parse_window(window)
                .map_err(|e| anyhow::anyhow!("--date-window: {e}"))?;
            reader.dates.earliest = earliest.unwrap_or(reader.dates.earliest);
            reader.dates.latest = latest.unwrap_or(reader.dates.latest);
            if reader.dates.earliest > reader.dates.latest {
                anyhow::bail!("--date-window {window}: the window ends before it starts");
            }
        }
        Ok(reader)
    }

    /// The files of `corpora` (folders expanded with `--glob`), each opened once so that a
    /// typo in a file name or a CSV without the id column fails before anything is written.
    pub fn inputs(
        &self,
        corpora: &[PathBuf],
        reader: &ReaderConfig,
    ) -> anyhow::Result<Vec<CorpusInput>> {
        let inputs = expand_inputs(corpora, self.glob.as_deref())
            .map_err(|err| anyhow::anyhow!("cannot read corpus: {err}"))?;
        for input in &inputs {
            let path = &input.path;
            CorpusReader::open(path, reader).map_err(|err| {
                let message = err.to_string();
                let shown = path.display().to_string();
                if message.contains(&shown) {
                    anyhow::anyhow!("cannot read corpus: {message}")
                } else {
                    anyhow::anyhow!("cannot read corpus {shown}: {message}")
                }
            })?;
        }
        Ok(inputs)
    }
}

/// `--generate-ids`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GenerateIds {
    /// A hash of the text.
    Hash,
    /// The file and line.
    Line,
}

#[derive(Debug, Serialize)]
struct IndexSummary {
    index: PathBuf,
    corpora: Vec<PathBuf>,
    #[serde(flatten)]
    report: IngestReport,
    elapsed_secs: f64,
    docs_per_sec: f64,
    mb_per_sec: f64,
    n_docs_in_index: u64,
    /// With `--semantic`: the sentence index built.
    #[serde(skip_serializing_if = "Option::is_none")]
    semantic: Option<crate::semantic_cmd::Summary>,
}

/// Checks a `--date-format` on the command line.
fn parse_date_format(raw: &str) -> Result<String, String> {
    unspun_index::ingest::check_format(raw).map(|()| raw.to_owned())
}

/// Runs `unspun index`.
pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let reader = args.reader.config()?;
    let config = IngestConfig {
        reader,
        replace: args.replace,
        strict: args.reader.strict,
        keep_going: args.keep_going,
        ..IngestConfig::default()
    };
    // Open every corpus before the index, so a typo in a file name or a CSV without the id
    // column fails before anything is created or changed.
    let inputs = args.reader.inputs(&args.corpora, &config.reader)?;
    // Load the model first: a missing one must fail before the index is touched.
    let embedder = args.semantic.as_deref().map(crate::engine::load_embedder).transpose()?;
    let started = Instant::now();
    let mut writer_config = WriterConfig::default();
    writer_config.index.shingle = args.fingerprints.shingle();
    if let Some(winnow) = args.winnow {
        writer_config.index.winnow = winnow;
    }
    let mut writer = IndexWriter::open_or_create(&args.index, writer_config)
        .with_context(|| format!("opening index {} for writing", args.index.display()))?;
    let total: u64 =
        inputs.iter().filter_map(|i| std::fs::metadata(&i.path).ok()).map(|m| m.len()).sum();
    let bar = bytes_bar(total, args.quiet);
    let report = ingest_corpora(&mut writer, &inputs, &config, &mut |p| {
        bar.set_position(p.bytes_read);
        bar.set_message(format!("{} records, {} added", p.n_records, p.n_added));
    });
    bar.finish_and_clear();
    let report = report.with_context(|| format!("indexing into {}", args.index.display()))?;
    drop(writer);
    let elapsed = started.elapsed().as_secs_f64();
    let index = Index::open(&args.index)
        .with_context(|| format!("reopening index {}", args.index.display()))?;
    let mut summary = IndexSummary {
        index: args.index.clone(),
        corpora: args.corpora.clone(),
        elapsed_secs: elapsed,
        docs_per_sec: (report.n_added + report.n_replaced) as f64 / elapsed.max(1e-9),
        mb_per_sec: report.text_bytes as f64 / 1e6 / elapsed.max(1e-9),
        n_docs_in_index: index.n_docs(),
        report,
        semantic: None,
    };
    drop(index);
    if let Some(embedder) = &embedder {
        let quiet = args.quiet || args.json;
        summary.semantic = Some(crate::semantic_cmd::build(&args.index, &**embedder, 6, quiet)?);
    }
    if args.json {
        print_json(&summary)?;
    } else {
        print_text(&render_summary(&summary))?;
    }
    let first = inputs.first().map(|input| input.path.as_path());
    Ok(exit_code(&summary.report, args.keep_going, first, &config.reader))
}

/// Exit 2 when a corpus could not be read to its end (unless `--keep-going`: then a
/// warning), or when nothing was indexed because every record was bad; the reasons go to
/// standard error, naming the files.
fn exit_code(
    r: &IngestReport,
    keep_going: bool,
    first: Option<&std::path::Path>,
    reader: &ReaderConfig,
) -> ExitCode {
    let mut failed = false;
    for incomplete in &r.files_incomplete {
        if keep_going {
            eprintln!("unspun: warning: corpus not read to its end: {incomplete}");
        } else {
            eprintln!("unspun: corpus {} could not be read to its end", incomplete.path.display());
            eprintln!("unspun: {incomplete}");
            failed = true;
        }
    }
    if failed {
        if !r.files_not_read.is_empty() {
            let names: Vec<String> =
                r.files_not_read.iter().map(|path| path.display().to_string()).collect();
            eprintln!("unspun: not read: {}", names.join(", "));
        }
        eprintln!(
            "unspun: what was read before the damage is committed; fix or drop the file and run \
             again (documents already indexed are skipped as duplicates; --replace rewrites \
             them), or use --keep-going to index the rest anyway"
        );
    }
    let n_indexed = r.n_added + r.n_replaced + r.n_duplicate;
    if n_indexed == 0 && (r.n_skipped > 0 || !r.files_incomplete.is_empty()) {
        eprintln!(
            "unspun: nothing was indexed: {} records were bad and {} corpora could not be read",
            r.n_skipped, r.n_unreadable_files
        );
        for hint in hints(r, first, reader) {
            eprintln!("unspun: {hint}");
        }
        failed = true;
    } else if n_indexed == 0 {
        eprintln!("unspun: nothing was indexed: the corpora hold no records");
        failed = true;
    }
    if failed { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

/// What to try when every record was refused for its id or text: the flags, and the fields
/// the first record of the first corpus file (`first`) has.
fn hints(r: &IngestReport, first: Option<&std::path::Path>, reader: &ReaderConfig) -> Vec<String> {
    let count = |reason: &str| r.skipped_by_reason.get(reason).copied().unwrap_or(0);
    let text_refused =
        r.bad_records.iter().any(|bad| bad.field.as_deref() == Some(reader.fields.text.as_str()))
            || count("missing-text") > 0;
    let mut hints = Vec::new();
    if count("missing-id") > 0 {
        hints.push(format!(
            "records have no `{}` field: name the id field with --id-field, or give them \
             ids with --generate-ids hash (a hash of the text) or --generate-ids line (file:line)",
            reader.fields.id
        ));
    }
    if text_refused {
        hints.push(format!(
            "records have no usable `{}` field: name the text field with --text-field; a \
             dotted path reaches into nested objects (--text-field content.body)",
            reader.fields.text
        ));
    }
    if hints.is_empty() {
        return hints;
    }
    if let Some(path) = first
        && let Ok(fields) = first_record_fields(path, reader)
        && !fields.is_empty()
    {
        hints.push(format!(
            "the first record of {} has the fields: {}",
            path.display(),
            fields.join(", ")
        ));
    }
    hints
}

fn render_summary(s: &IndexSummary) -> String {
    let r = &s.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "indexed {} documents into {} in {:.1} s ({:.0} docs/s, {:.1} MB/s of text)",
        r.n_added + r.n_replaced,
        s.index.display(),
        s.elapsed_secs,
        s.docs_per_sec,
        s.mb_per_sec
    );
    let _ = writeln!(
        out,
        "records read {}  added {}  replaced {}  duplicate ids skipped {}  bad records skipped {}",
        r.n_records, r.n_added, r.n_replaced, r.n_duplicate, r.n_skipped
    );
    for (reason, n) in &r.skipped_by_reason {
        let _ = writeln!(out, "  skipped {n:>8}  {reason}");
    }
    for bad in r.bad_records.iter().take(10) {
        let _ = writeln!(out, "  {bad}");
    }
    if r.bad_records.len() > 10 || r.n_skipped > r.bad_records.len() as u64 {
        let _ = writeln!(out, "  ... (--json lists the first {})", r.bad_records.len());
    }
    if !r.files_incomplete.is_empty() {
        let _ = writeln!(out, "corpora not read to their end: {}", r.n_unreadable_files);
        for incomplete in &r.files_incomplete {
            let _ = writeln!(out, "  {incomplete}");
        }
    }
    if r.n_warnings > 0 {
        let _ = writeln!(out, "records kept with a warning {}", r.n_warnings);
        for (kind, n) in &r.warnings_by_kind {
            let _ = writeln!(out, "  warned  {n:>8}  {kind}");
        }
        for warning in r.warnings.iter().take(10) {
            let _ = writeln!(out, "  {warning}");
        }
        if r.warnings.len() > 10 || r.n_warnings > r.warnings.len() as u64 {
            let _ = writeln!(out, "  ... (--json lists the first {})", r.warnings.len());
        }
    }
    if let (Some(earliest), Some(latest)) = (&r.dates.earliest, &r.dates.latest) {
        let _ = writeln!(
            out,
            "dates {earliest} to {latest} ({} dated, {} undated)",
            r.dates.n_dated, r.dates.n_undated
        );
    }
    if r.n_committed_unverified > 0 {
        let _ = writeln!(
            out,
            "  {} gzip documents were committed before their checksum was read",
            r.n_committed_unverified
        );
    }
    if !r.duplicate_ids.is_empty() {
        let shown: Vec<&str> = r.duplicate_ids.iter().take(5).map(String::as_str).collect();
        let _ = writeln!(out, "  duplicate ids (use --replace to overwrite): {}", shown.join(", "));
    }
    let _ = writeln!(
        out,
        "read {:.1} MB; the index now holds {} documents",
        r.bytes_read as f64 / 1e6,
        s.n_docs_in_index
    );
    if let Some(semantic) = &s.semantic {
        out.push_str(&crate::semantic_cmd::render(semantic));
    }
    out
}

//! `unspun dedup`: the indexed corpus without its near-duplicates and contained copies, from a
//! finished `unspun cluster` run, as JSON Lines or Parquet, with a report of what was dropped
//! and why.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use unspun_corpus::dedup::{DedupConfig, DedupOutputs, run_dedup};
use unspun_index::Index;
use unspun_index::ingest::document_record;

use crate::output::{print_json, print_text};

/// Flags of `unspun dedup`.
#[derive(Debug, clap::Args)]
pub struct DedupArgs {
    /// The index directory (not for a run of `unspun cluster --input`: its own store of the
    /// documents, in the run's directory, is read).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// The output directory of a finished `unspun cluster` run over this index (or over
    /// corpus files, with --input).
    #[arg(long, value_name = "DIR")]
    pub cluster: PathBuf,
    /// Where to write the kept documents, which `unspun index` reads back: JSON Lines, or
    /// Parquet when FILE ends in `.parquet` (see --out-format).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Format of OUT: `jsonl`, or `parquet` (columns id, title, text, date, source, url;
    /// zstd). Default: from OUT's extension.
    #[arg(long, value_name = "FORMAT", value_parser = ["jsonl", "parquet"])]
    pub out_format: Option<String>,
    /// Where to write the dropped documents, one per line with the kept document, the link's
    /// kind and share (default: OUT with `.dropped.jsonl` in place of its extension).
    #[arg(long, value_name = "FILE")]
    pub dropped: Option<PathBuf>,
    /// A copy is dropped when its link covers at least this share of its content (0 to 1).
    #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
    pub threshold: f64,
    /// Overwrite OUT and the report when they exist.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Writes to `path.tmp`, then renames over `path` once everything is written.
struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
}

impl AtomicFile {
    fn create(path: &Path, force: bool) -> anyhow::Result<Self> {
        if path.exists() && !force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(AtomicFile { path: path.to_path_buf(), tmp, out: BufWriter::new(file) })
    }

    fn commit(self) -> anyhow::Result<()> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", self.tmp.display()))?;
        file.sync_all().with_context(|| format!("writing {}", self.tmp.display()))?;
        std::fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("renaming {} to {}", self.tmp.display(), self.path.display()))
    }

    fn abandon(self) {
        drop(self.out);
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Whether two paths name one file (their folders resolved, so `a.jsonl` and `./a.jsonl` are
/// one).
fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        dir.canonicalize().ok().map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    a == b || matches!((resolve(a), resolve(b)), (Some(x), Some(y)) if x == y)
}

/// The index of the run: `--index`, or the run's own store of documents for a run over
/// corpus files (`unspun cluster --input`), whose `run.json` names its inputs.
fn open_index(args: &DedupArgs) -> anyhow::Result<Index> {
    let store = args.cluster.join(unspun_corpus::input::STORE_DIR);
    let over_inputs = std::fs::read(args.cluster.join("run.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|run| run.get("inputs").is_some());
    match (&args.index, over_inputs) {
        (Some(dir), true) if crate::index_given(&args.index) => bail!(
            "{} is a run of `unspun cluster --input` over corpus files, not over {}: leave out \
             --index (the run's own store of the documents is read)",
            args.cluster.display(),
            dir.display()
        ),
        (_, true) => Index::open_documents(&store)
            .with_context(|| format!("opening the run's store {}", store.display())),
        (Some(dir), false) => {
            Index::open(dir).with_context(|| format!("opening index {}", dir.display()))
        }
        (None, false) => bail!(
            "give the index of the run with --index (or UNSPUN_INDEX); only a run of `unspun \
             cluster --input` needs none"
        ),
    }
}

/// Runs the dedup into `out` (JSON Lines, or Parquet when `parquet`) and `report`.
fn write_kept(
    index: &Index,
    args: &DedupArgs,
    config: &DedupConfig,
    parquet: bool,
    out: &mut AtomicFile,
    report: &mut AtomicFile,
) -> anyhow::Result<unspun_corpus::dedup::DedupSummary> {
    let context = || format!("deduplicating with {}", args.cluster.display());
    #[cfg(feature = "parquet")]
    if parquet {
        let mut writer = unspun_index::ingest::ParquetDocWriter::new(&mut out.out)
            .with_context(|| format!("writing {}", out.tmp.display()))?;
        let mut sink = |doc: &unspun_core::Document| writer.write(doc);
        let outputs = DedupOutputs {
            out: &mut sink,
            out_path: &out.tmp,
            report: &mut report.out,
            report_path: &report.tmp,
        };
        let summary = run_dedup(index, &args.cluster, config, outputs).with_context(context)?;
        writer.finish().with_context(|| format!("writing {}", out.tmp.display()))?;
        return Ok(summary);
    }
    debug_assert!(!parquet, "refused above without the parquet feature");
    let writer = &mut out.out;
    let mut sink = |doc: &unspun_core::Document| {
        serde_json::to_writer(&mut *writer, &document_record(doc))?;
        writer.write_all(b"\n")
    };
    let outputs = DedupOutputs {
        out: &mut sink,
        out_path: &out.tmp,
        report: &mut report.out,
        report_path: &report.tmp,
    };
    run_dedup(index, &args.cluster, config, outputs).with_context(context)
}

pub fn run(args: DedupArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold {} must be between 0 and 1", args.threshold);
    }
    let dropped_path =
        args.dropped.clone().unwrap_or_else(|| args.out.with_extension("dropped.jsonl"));
    if same_file(&dropped_path, &args.out) {
        bail!("--dropped must not be --out ({})", args.out.display());
    }
    let parquet = match args.out_format.as_deref() {
        Some(format) => format == "parquet",
        None => args.out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("parquet")),
    };
    if parquet && !cfg!(feature = "parquet") {
        bail!("this build of unspun has no Parquet support (built without the `parquet` feature)");
    }
    let index = open_index(&args)?;
    let mut out = AtomicFile::create(&args.out, args.force)?;
    let mut report = match AtomicFile::create(&dropped_path, args.force) {
        Ok(report) => report,
        Err(e) => {
            out.abandon();
            return Err(e);
        }
    };
    let config = DedupConfig { threshold: args.threshold };
    let result = write_kept(&index, &args, &config, parquet, &mut out, &mut report);
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            out.abandon();
            report.abandon();
            return Err(e);
        }
    };
    report.commit()?;
    out.commit()?;
    if args.json {
        print_json(&summary)?;
    } else {
        let kinds: Vec<String> =
            summary.dropped_by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        print_text(&format!(
            "kept {} of {} documents -> {}\ndropped {} ({}) -> {}\n",
            summary.n_kept,
            summary.n_docs,
            args.out.display(),
            summary.n_dropped,
            if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") },
            dropped_path.display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

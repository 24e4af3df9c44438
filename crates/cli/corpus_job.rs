//! The corpus job that `unspun cluster` and `unspun spins` share: their flags, and the run (or
//! resumption) of the corpus pipeline in `--out` with progress on the terminal. Each command
//! renders the finished run its own way.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use unspun_core::Timestamp;
use unspun_core::date::parse_date;
use unspun_core::trace::TraceConfig;
use unspun_corpus::pairs::PairConfig;
use unspun_corpus::{
    ClusterEvent, ClusterJob, ClusterSummary, CorpusFilter, Stage, run_cluster, run_cluster_inputs,
};
use unspun_index::Index;
use unspun_index::ingest::pipeline::IngestConfig;

use crate::progress::{bytes_bar, count_bar};

/// Flags of `unspun cluster`.
#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// The index directory (or run over corpus files with --input instead).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Run over these corpus files and folders instead of an index (read as `unspun index`
    /// reads them, into a store of documents without postings in --out/store, made once and
    /// reused by a rerun while the files are unchanged). Bad records are counted, reported and
    /// skipped (unless --strict); a file that cannot be read to its end stops the run.
    #[arg(long = "input", value_name = "CORPUS", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// How --input files are read.
    #[command(flatten, next_help_heading = "Reading --input")]
    pub reader: crate::index_cmd::ReaderArgs,
    /// Output directory (created; a rerun resumes the run found there).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only documents dated on or after this date (ISO 8601).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only documents dated on or before this date (a date without a time covers its day, in
    /// any form `unspun index` reads; `2016-09` covers the month, `2016` the year).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only documents of this outlet (exact name; repeat for several).
    #[arg(long = "source", value_name = "OUTLET")]
    pub sources: Vec<String>,
    /// Documents per trace shard (the unit of restart).
    #[arg(long, default_value_t = 1000)]
    pub shard_docs: usize,
    /// A document pair is a candidate for alignment when the documents share at least this
    /// many fingerprints (1: every pair sharing anything).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub min_shared_fingerprints: u32,
    /// Align every pair of documents that share any fingerprint, however common: the
    /// brute-force reference the candidate filter is checked against (slow: quadratic).
    #[arg(long)]
    pub all_pairs: bool,
    /// Memory for counting candidate pairs before they spill to disk (0: spill every 1,024
    /// pairs, for tests).
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub spill_budget_mb: usize,
    /// Keep the fingerprint runs (prints-*.bin, sentences-*.bin, about twice the size of the
    /// text) in --out after the pairs are counted.
    #[arg(long)]
    pub keep_intermediate: bool,
    /// Documents per shard of the prints stage.
    #[arg(long, default_value_t = 4096, hide = true)]
    pub prints_shard_docs: usize,
    /// Remove an earlier run's outputs from --out and start over.
    #[arg(long)]
    pub fresh: bool,
    /// Outlets shown in the publisher table.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Outlets with fewer documents are left out of the table (not of publishers.json).
    #[arg(long, default_value_t = 5)]
    pub min_docs: usize,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the run summary as JSON.
    #[arg(long)]
    pub json: bool,
}

const SECONDS_PER_DAY: i64 = 86_400;

fn parse_bound(raw: &str, flag: &str, end_of_day: bool) -> anyhow::Result<Timestamp> {
    let date = parse_date(raw)
        .with_context(|| format!("{flag} {raw:?}: not a date (use ISO 8601, e.g. 2016-09-01)"))?;
    if !end_of_day || raw.contains(':') || date.0.rem_euclid(SECONDS_PER_DAY) != 0 {
        return Ok(date);
    }
    // A date without a time of day ("2016-09-01", "September 1, 2016") ends with its day; a
    // bare month ("2016-09") with its month and a bare year with its year.
    let raw = raw.trim();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let next = match raw.split_once('-') {
        None if raw.len() == 4 && digits(raw) => parse_date(&format!("{}-01-01", date_year(raw))),
        Some((year, month))
            if year.len() == 4 && month.len() == 2 && digits(year) && digits(month) =>
        {
            let month: u32 = month.parse().unwrap_or(12);
            let year: i64 = year.parse().unwrap_or(0);
            if month >= 12 {
                parse_date(&format!("{:04}-01-01", year + 1))
            } else {
                parse_date(&format!("{year:04}-{:02}-01", month + 1))
            }
        }
        _ => None,
    };
    Ok(match next {
        Some(next) => Timestamp(next.0 - 1),
        None => Timestamp(date.0 + SECONDS_PER_DAY - 1),
    })
}

/// The year after a bare four-digit year.
fn date_year(raw: &str) -> String {
    format!("{:04}", raw.parse::<i64>().unwrap_or(0) + 1)
}

/// Runs (or resumes) the corpus run that `args` describe, with progress on the terminal.
pub fn run_job(args: &ClusterArgs) -> anyhow::Result<ClusterSummary> {
    let filter = CorpusFilter {
        since: args.since.as_deref().map(|d| parse_bound(d, "--since", false)).transpose()?,
        until: args.until.as_deref().map(|d| parse_bound(d, "--until", true)).transpose()?,
        sources: args.sources.clone(),
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since > until
    {
        bail!("--since is after --until: no document can be in the run");
    }
    if args.shard_docs == 0 {
        bail!("--shard-docs must be at least 1");
    }
    if args.prints_shard_docs == 0 {
        bail!("--prints-shard-docs must be at least 1");
    }
    if args.min_shared_fingerprints == 0 {
        bail!("--min-shared-fingerprints must be at least 1");
    }
    let pairs = if args.all_pairs {
        PairConfig {
            all_pairs_docs: usize::MAX,
            max_doc_freq: usize::MAX,
            min_shared: 1,
            ..PairConfig::default()
        }
    } else {
        PairConfig { min_shared: args.min_shared_fingerprints, ..PairConfig::default() }
    };
    let job = ClusterJob {
        filter,
        trace: TraceConfig::default(),
        shard_docs: args.shard_docs,
        prints_shard_docs: args.prints_shard_docs,
        keep_intermediate: args.keep_intermediate,
        pairs,
        spill_budget_bytes: args.spill_budget_mb.saturating_mul(1 << 20).max(1),
        fresh: args.fresh,
        ..ClusterJob::default()
    };
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    let quiet = args.quiet || args.json;
    let progress = |event: &ClusterEvent| {
        let Ok(mut bar) = bar.lock() else { return };
        match event {
            ClusterEvent::Started { stage, total, done } => {
                let b = if *stage == Stage::Input {
                    bytes_bar(*total, quiet)
                } else {
                    count_bar(*total, "docs", quiet)
                };
                b.set_message(stage.name());
                b.set_position(*done);
                *bar = Some(b);
            }
            ClusterEvent::Advanced { done, .. } => {
                if let Some(b) = bar.as_ref() {
                    b.set_position(*done);
                }
            }
            ClusterEvent::Finished { stage, skipped, secs } => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                if !quiet {
                    if *skipped {
                        eprintln!("{:<6} done by an earlier run", stage.name());
                    } else {
                        eprintln!("{:<6} {secs:.1} s", stage.name());
                    }
                }
            }
        }
    };
    let summary = match (&args.index, args.inputs.is_empty()) {
        (_, false) => {
            if crate::index_given(&args.index) {
                bail!("give --index or --input, not both");
            }
            if args.since.is_some() || args.until.is_some() || !args.sources.is_empty() {
                bail!(
                    "--since, --until and --source choose documents of an index; with --input \
                     the run is every document of the files: filter them first, or index them \
                     (unspun index) and filter with --index"
                );
            }
            let reader = args.reader.config()?;
            let inputs = args.reader.inputs(&args.inputs, &reader)?;
            let ingest =
                IngestConfig { reader, strict: args.reader.strict, ..IngestConfig::default() };
            // The flags as given identify the reader's settings (its default latest
            // plausible date moves with the clock).
            let reader_key = format!("{:?}", args.reader);
            run_cluster_inputs(&inputs, &ingest, &reader_key, &args.out, &job, &progress)
        }
        (Some(_), true) if !args.reader.is_default() => bail!(
            "--strict, --format, --glob, --generate-ids, --date-format, --date-window and the \
             --*-field flags read --input files; an index was read when it was built"
        ),
        (Some(dir), true) => {
            let index =
                Index::open(dir).with_context(|| format!("opening index {}", dir.display()))?;
            run_cluster(&index, &args.out, &job, &progress)
        }
        (None, true) => {
            bail!("give the index with --index (or UNSPUN_INDEX), or corpus files with --input")
        }
    };
    summary.with_context(|| format!("clustering into {}", args.out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn until(raw: &str) -> String {
        let bound = parse_bound(raw, "--until", true).expect("a date");
        unspun_core::date::format_date(bound)
    }

    #[test]
    fn until_covers_the_whole_day_month_or_year_it_names() {
        assert_eq!(until("2016-09-01"), "2016-09-01T23:59:59Z");
        assert_eq!(until("September 1, 2016"), "2016-09-01T23:59:59Z");
        assert_eq!(until("1 Sep 2016"), "2016-09-01T23:59:59Z");
        assert_eq!(until("2016-09"), "2016-09-30T23:59:59Z");
        assert_eq!(until("2016-12"), "2016-12-31T23:59:59Z");
        assert_eq!(until("2016"), "2016-12-31T23:59:59Z");
        // A time of day is taken as given, midnight included.
        assert_eq!(until("2016-09-01T00:00:00Z"), "2016-09-01");
        assert_eq!(until("2016-09-01T12:30:00Z"), "2016-09-01T12:30:00Z");
        let since = parse_bound("September 1, 2016", "--since", false).expect("a date");
        assert_eq!(unspun_core::date::format_date(since), "2016-09-01");
    }
}

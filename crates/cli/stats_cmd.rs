//! `unspun stats`: what an index holds.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use unspun_core::date::format_date;
use unspun_index::Index;

use crate::output::{print_json, print_text};

/// Flags of `unspun stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `unspun stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let index = Index::open(&args.index)
        .with_context(|| format!("opening index {}", args.index.display()))?;
    let stats = index.stats();
    if args.json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let _ = writeln!(out, "index          {}", args.index.display());
    let _ =
        writeln!(out, "format         v{} (generation {})", stats.format_version, stats.generation);
    let _ = writeln!(out, "documents      {} ({} deleted)", stats.n_docs, stats.n_deleted);
    let _ = writeln!(out, "outlets        {}", stats.n_outlets);
    let range = match (stats.date_min, stats.date_max) {
        (Some(a), Some(b)) => format!("{} .. {}", format_date(a), format_date(b)),
        _ => "no dates".to_string(),
    };
    let _ = writeln!(out, "dates          {range}");
    let _ = writeln!(out, "segments       {}", stats.n_segments);
    let _ = writeln!(out, "postings       {}", stats.n_postings);
    let _ = writeln!(out, "size on disk   {:.1} MB", stats.bytes_on_disk as f64 / 1e6);
    if !stats.top_outlets.is_empty() {
        let _ = writeln!(out, "top outlets");
        for outlet in stats.top_outlets.iter().take(10) {
            let _ = writeln!(out, "  {:>8}  {}", outlet.n_docs, outlet.outlet);
        }
    }
    print_text(&out)?;
    Ok(ExitCode::SUCCESS)
}

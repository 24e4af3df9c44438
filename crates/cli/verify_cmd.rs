//! `unspun verify`: a read-only check of an index, and what of it is recoverable.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use unspun_index::verify::verify;

use crate::output::{print_json, print_text};

/// Flags of `unspun verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 healthy, 1 damaged (the report says what is \
recoverable), 2 error.\n\nExample:\n  unspun verify --index news.idx")]
pub struct VerifyArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `unspun verify`: exits 0 when the index is healthy and 1 when it is damaged.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let report =
        verify(&args.index).with_context(|| format!("verifying index {}", args.index.display()))?;
    let code = if report.healthy { ExitCode::SUCCESS } else { ExitCode::from(1) };
    if args.json {
        print_json(&report)?;
        return Ok(code);
    }
    let mut out = String::new();
    let _ = writeln!(out, "index        {}", report.index.display());
    let generation = report.generation.map(|g| format!(" (generation {g})")).unwrap_or_default();
    let _ = writeln!(out, "MANIFEST     {}{generation}", report.manifest);
    for segment in &report.segments {
        let n_docs = segment.n_docs.map_or_else(|| "?".to_string(), |n| n.to_string());
        let _ = writeln!(
            out,
            "segment {:>4} {n_docs:>8} docs   documents {}   postings {}",
            segment.number, segment.docs, segment.postings
        );
    }
    let _ = writeln!(out, "tombstones   {}", report.tombstones);
    let _ =
        writeln!(out, "recoverable  {} documents in intact segments", report.n_docs_recoverable);
    if !report.unreferenced.is_empty() {
        let _ = writeln!(out, "unreferenced {}", report.unreferenced.join(", "));
    }
    if !report.foreign.is_empty() {
        let _ = writeln!(out, "not unspun's {}", report.foreign.join(", "));
    }
    let _ = writeln!(out, "\n{}", report.advice);
    print_text(&out)?;
    Ok(code)
}

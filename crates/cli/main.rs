//! The `unspun` command-line tool: index news corpora and trace where an article came from.
//!
//! Each subcommand lives in its own module: flags are parsed into a plain clap struct, then
//! turned into the libraries' configs. Errors print as `unspun: <message>` with their context
//! chain and exit with status 2; a closed pipe (`unspun trace ... | head`) exits 0.

mod cluster_cmd;
mod data;
mod demo;
mod engine;
mod eval;
mod index_cmd;
mod output;
mod progress;
mod render;
mod semantic_cmd;
mod serve_cmd;
mod spins_cmd;
mod stats_cmd;
mod trace_cmd;
mod verify_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Where did this text come from? Index news corpora; trace any article back to its sources,
/// passage by passage.
#[derive(Debug, Parser)]
#[command(name = "unspun", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build or extend an on-disk index from news corpora (JSON Lines or CSV, plain or gzip).
    Index(index_cmd::IndexArgs),
    /// Trace one article (plain text, or JSON with title/text/date) back to its sources.
    Trace(trace_cmd::TraceArgs),
    /// Show what an index holds: documents, outlets, date range, size, format version.
    Stats(stats_cmd::StatsArgs),
    /// Index a real corpus, plant spun patchworks, trace them and check the planted sources.
    Demo(demo::DemoArgs),
    /// Corpus-wide reuse: document and passage clusters, the copy graph, a publisher report.
    Cluster(cluster_cmd::ClusterArgs),
    /// The learned spin dictionary: substitutions that recur in aligned copies, by outlet
    /// (takes the flags of `cluster` and shares its run in --out).
    Spins(cluster_cmd::ClusterArgs),
    /// Store sentence embeddings of every indexed document for the paraphrase stage (needs a
    /// build with --features semantic).
    SemanticIndex(semantic_cmd::SemanticArgs),
    /// Score the engine on labelled real data (bbc summaries, PAN-13, planted patchworks).
    Eval(eval::EvalArgs),
    /// Serve the HTTP API (/v1) and the web UI over an index.
    Serve(serve_cmd::ServeArgs),
    /// Check an index without changing it: damaged or missing files, and what is recoverable.
    Verify(verify_cmd::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Index(args) => index_cmd::run(args),
        Command::Trace(args) => trace_cmd::run(args),
        Command::Stats(args) => stats_cmd::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Cluster(args) => cluster_cmd::run(args),
        Command::Spins(args) => spins_cmd::run(args),
        Command::SemanticIndex(args) => semantic_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Verify(args) => verify_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("unspun: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

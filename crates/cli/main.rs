//! The `unspun` command-line tool: index news corpora and trace where an article came from.
//!
//! Each subcommand lives in its own module: flags are parsed into a plain clap struct, then
//! turned into the libraries' configs. Errors print as `unspun: <message>` with their context
//! chain and exit with status 2; a closed pipe (`unspun trace ... | head`) exits 0. `trace`
//! exits like grep: 0 when every article is original, 1 when a copy was found, 2 on an error.
//!
//! `--index` of every subcommand defaults to `UNSPUN_INDEX`; `--color` is global.

mod cluster_cmd;
mod completions;
mod corpus_job;
mod data;
mod dedup_cmd;
mod demo;
mod engine;
mod eval;
mod examples;
mod harness;
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

/// mimalloc instead of the system allocator: the corpus job's many short-lived vectors on
/// every core cost glibc's malloc 15 % of `unspun cluster`'s wall time (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::render::ColorChoice;

/// The version line: the package version, the git commit it was built from (`unknown` outside
/// a git checkout) and the enabled cargo features; set by build.rs.
const LONG_VERSION: &str = env!("UNSPUN_LONG_VERSION");

/// The environment variable that `--index` of every subcommand defaults to.
pub(crate) const INDEX_ENV: &str = "UNSPUN_INDEX";

/// Whether `--index` was given on the command line: set, and not merely [`INDEX_ENV`]'s value
/// (commands that can do without an index ignore the environment's).
pub(crate) fn index_given(index: &Option<std::path::PathBuf>) -> bool {
    index.is_some() && std::env::var_os(INDEX_ENV).map(std::path::PathBuf::from) != *index
}

const AFTER_HELP: &str = "\
Exit status of `trace`: 0 every article is original, 1 a copy, partly copied text or a
patchwork was found, 2 an error (bad input, a bad record skipped, a missing index).
Environment: UNSPUN_INDEX (default --index), NO_COLOR, CLICOLOR_FORCE.

Examples:
  unspun index --index news.idx corpus.jsonl.gz
  unspun trace --index news.idx article.txt
  UNSPUN_INDEX=news.idx unspun trace articles/ --summary summary.json
  unspun completions bash > /usr/share/bash-completion/completions/unspun";

/// Where did this text come from? Index news corpora; trace any article back to its sources,
/// passage by passage.
#[derive(Debug, Parser)]
#[command(name = "unspun", version = LONG_VERSION, about, long_about = None,
    after_help = AFTER_HELP)]
struct Cli {
    /// When to colour the terminal report: auto (a terminal, unless NO_COLOR is set or
    /// CLICOLOR_FORCE asks for colour anyway), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build or extend an on-disk index from news corpora (JSON Lines or CSV, plain or gzip).
    #[command(after_help = examples::INDEX)]
    Index(index_cmd::IndexArgs),
    /// Trace one article (plain text, or JSON with title/text/date) back to its sources.
    #[command(after_help = examples::TRACE)]
    Trace(trace_cmd::TraceArgs),
    /// Show what an index holds: documents, outlets, date range, size, format version.
    #[command(after_help = examples::STATS)]
    Stats(stats_cmd::StatsArgs),
    /// Index a real corpus, plant spun patchworks, trace them and check the planted sources.
    #[command(after_help = examples::DEMO)]
    Demo(demo::DemoArgs),
    /// Corpus-wide reuse: document and passage clusters, the copy graph, a publisher report.
    #[command(after_help = examples::CLUSTER)]
    Cluster(corpus_job::ClusterArgs),
    /// The corpus without its near-duplicates and contained copies (earliest member of each
    /// group kept), from a finished `cluster` run, as JSON Lines with a report of what was
    /// dropped.
    #[command(after_help = examples::DEDUP)]
    Dedup(dedup_cmd::DedupArgs),
    /// The learned spin dictionary: substitutions that recur in aligned copies, by outlet
    /// (takes the flags of `cluster` and shares its run in --out).
    #[command(after_help = examples::SPINS)]
    Spins(corpus_job::ClusterArgs),
    /// Store sentence embeddings of every indexed document for the paraphrase stage (needs a
    /// build with --features semantic).
    #[command(after_help = examples::SEMANTIC_INDEX)]
    SemanticIndex(semantic_cmd::SemanticArgs),
    /// Score the engine on labelled real data (bbc summaries, PAN-13, planted patchworks).
    #[command(after_help = examples::EVAL)]
    Eval(eval::EvalArgs),
    /// Serve the HTTP API (/v1) and the web UI over an index.
    #[command(after_help = examples::SERVE)]
    Serve(serve_cmd::ServeArgs),
    /// Check an index without changing it: damaged or missing files, and what is recoverable.
    #[command(after_help = examples::VERIFY)]
    Verify(verify_cmd::VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = examples::COMPLETIONS)]
    Completions(completions::CompletionsArgs),
    /// Print the man page (troff) to stdout.
    #[command(after_help = examples::MAN)]
    Man,
}

/// The command line's definition: the derived one, with `--index` of every subcommand that
/// takes one defaulting to `UNSPUN_INDEX`.
pub fn cli_command() -> clap::Command {
    let mut command = Cli::command();
    let with_index: Vec<String> = command
        .get_subcommands()
        .filter(|sub| sub.get_arguments().any(|arg| arg.get_id() == "index"))
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in with_index {
        command =
            command.mut_subcommand(name, |sub| sub.mut_arg("index", |arg| arg.env(INDEX_ENV)));
    }
    command
}

fn main() -> ExitCode {
    let matches = cli_command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    render::set_color_choice(cli.color);
    // A benchmark knob of new indexes: a value that is not a number is a typo, never ignored.
    if let Err(msg) = unspun_index::winnow_from_env() {
        eprintln!("unspun: {msg}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Index(args) => index_cmd::run(args),
        Command::Trace(args) => trace_cmd::run(args),
        Command::Stats(args) => stats_cmd::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Cluster(args) => cluster_cmd::run(args),
        Command::Dedup(args) => dedup_cmd::run(args),
        Command::Spins(args) => spins_cmd::run(args),
        Command::SemanticIndex(args) => semantic_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Completions(args) => completions::run_completions(args),
        Command::Man => completions::run_man(),
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

//! `unspun serve`: the HTTP API and web UI over one index.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use unspun_server::{
    AccessLog, AppState, Limits, LogFormat, LogSink, ServerConfig, check_cors_origins,
};

/// Flags of `unspun serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The index directory to serve (it must already hold an index).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// A file holding the bearer token that write endpoints (POST/DELETE /v1/documents)
    /// require. Without it, writes are open.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (repeatable). CORS is off without it.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Largest accepted request body, in bytes (larger → 413).
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Seconds allowed per request (longer → 504).
    #[arg(long, default_value_t = Limits::default().timeout.as_secs())]
    pub timeout_secs: u64,
    /// Requests handled at once (more → 503). A request takes its slot once its body has
    /// arrived.
    #[arg(long, default_value_t = Limits::default().max_concurrency)]
    pub max_concurrency: usize,
    /// Largest article text a trace accepts, in bytes (larger → 413).
    #[arg(long, default_value_t = Limits::default().max_article_bytes)]
    pub max_article_bytes: usize,
    /// Seconds allowed for a request's line and headers to arrive (then the connection is
    /// closed); also the longest a keep-alive connection waits for its next request.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs())]
    pub header_timeout_secs: u64,
    /// Seconds allowed for a request body to arrive (longer → 408).
    #[arg(long, default_value_t = Limits::default().body_timeout.as_secs())]
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, default_value_t = Limits::default().keep_alive.as_secs())]
    pub keep_alive_secs: u64,
    /// Open connections at most; the last 1/16 (1 to 64) are kept for /healthz, /readyz and
    /// /metrics. Must stay below the open-file limit (`ulimit -n`).
    #[arg(long, default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// The access log on stderr, one line per request: `plain` (time, client, method, path,
    /// route, status, bytes, duration, request id), `json` (JSON Lines with the same fields) or
    /// `off`. Headers, query strings and bodies are never logged.
    #[arg(long, value_enum, default_value_t = LogFormatArg::Plain)]
    pub log_format: LogFormatArg,
    /// A finished `unspun cluster` run of this index (its --out folder): the corpus page then
    /// draws each outlet's copy graph (who it takes text from, who takes from it).
    #[arg(long, value_name = "DIR")]
    pub cluster: Option<PathBuf>,
    #[command(flatten)]
    pub thesaurus: crate::engine::ThesaurusArgs,
    #[command(flatten)]
    pub paraphrase: crate::engine::ParaphraseArgs,
}

/// The values of `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormatArg {
    /// A line for people.
    Plain,
    /// JSON Lines.
    Json,
    /// No access log.
    Off,
}

/// Runs `unspun serve` until ctrl-c or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let at_least_one = [
        ("--max-body-bytes", args.max_body_bytes as u64),
        ("--timeout-secs", args.timeout_secs),
        ("--max-concurrency", args.max_concurrency as u64),
        ("--max-article-bytes", args.max_article_bytes as u64),
        ("--header-timeout-secs", args.header_timeout_secs),
        ("--body-timeout-secs", args.body_timeout_secs),
        ("--keep-alive-secs", args.keep_alive_secs),
        ("--max-connections", args.max_connections as u64),
    ];
    for (flag, value) in at_least_one {
        if value == 0 {
            bail!("{flag} must be at least 1");
        }
    }
    if let Some(open_files) = open_file_limit() {
        // Index files are mapped, not held open; keep some descriptors for everything else.
        let usable = open_files.saturating_sub(64) as usize;
        if args.max_connections > usable {
            bail!(
                "--max-connections {} does not fit the open-file limit of {open_files} \
                 (`ulimit -n`): give at most {usable}, or raise the limit",
                args.max_connections
            );
        }
    }
    let token = match &args.token_file {
        None => None,
        Some(path) => {
            let raw = std::fs::read_to_string(path)
                .with_context(|| format!("reading the token file {}", path.display()))?;
            let token = raw.trim().to_string();
            if token.is_empty() {
                bail!("the token file {} is empty", path.display());
            }
            Some(token)
        }
    };
    check_cors_origins(&args.cors_origins).map_err(anyhow::Error::msg)?;
    let copy_graph = match &args.cluster {
        None => None,
        Some(dir) => Some(std::sync::Arc::new(
            unspun_server::CopyGraph::load(dir)
                .map_err(anyhow::Error::msg)
                .context("reading the --cluster run")?,
        )),
    };
    let config = ServerConfig {
        index_dir: args.index.clone(),
        token,
        cors_origins: args.cors_origins,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_article_bytes: args.max_article_bytes,
            timeout: Duration::from_secs(args.timeout_secs),
            max_concurrency: args.max_concurrency,
            header_timeout: Duration::from_secs(args.header_timeout_secs),
            body_timeout: Duration::from_secs(args.body_timeout_secs),
            keep_alive: Duration::from_secs(args.keep_alive_secs),
            max_connections: args.max_connections,
        },
        thesaurus: args.thesaurus.load()?,
        paraphrase: args.paraphrase.load()?,
        merge: unspun_index::MergePolicy::default(),
        access_log: AccessLog {
            format: match args.log_format {
                LogFormatArg::Plain => LogFormat::Plain,
                LogFormatArg::Json => LogFormat::Json,
                LogFormatArg::Off => LogFormat::Off,
            },
            sink: LogSink::Stderr,
        },
        copy_graph,
    };
    let state = AppState::open(config)
        .with_context(|| format!("opening index {}", args.index.display()))?;
    let n_docs = state.snapshot().index.n_docs();
    unspun_server::run(args.addr, state, |addr| {
        eprintln!("unspun: serving {} ({n_docs} documents) on http://{addr}", args.index.display());
    })
    .with_context(|| format!("serving on {}", args.addr))?;
    eprintln!("unspun: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The soft open-file limit of this process (Linux: `/proc/self/limits`), if known.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

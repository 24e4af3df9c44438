//! `unspun serve`: the HTTP API and web UI over one index.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use unspun_server::{AppState, Limits, ServerConfig, check_cors_origins};

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
    /// Requests handled at once (more → 503).
    #[arg(long, default_value_t = Limits::default().max_concurrency)]
    pub max_concurrency: usize,
    #[command(flatten)]
    pub thesaurus: crate::engine::ThesaurusArgs,
    #[command(flatten)]
    pub paraphrase: crate::engine::ParaphraseArgs,
}

/// Runs `unspun serve` until ctrl-c or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.max_body_bytes == 0 || args.timeout_secs == 0 || args.max_concurrency == 0 {
        bail!("--max-body-bytes, --timeout-secs and --max-concurrency must be at least 1");
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
    let config = ServerConfig {
        index_dir: args.index.clone(),
        token,
        cors_origins: args.cors_origins,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            timeout: Duration::from_secs(args.timeout_secs),
            max_concurrency: args.max_concurrency,
        },
        thesaurus: args.thesaurus.load()?,
        paraphrase: args.paraphrase.load()?,
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

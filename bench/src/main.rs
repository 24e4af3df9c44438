//! `unspun-bench`: benchmarks of unspun against a real, already built index.
//!
//! `unspun-bench trace-latency --index DIR --queries 200 [--seed N] [--json]` opens the index
//! (timed once), draws documents from the index itself with a seeded generator, and traces, one
//! after the other on one thread:
//!
//! - half of the queries: spun patchworks made from the drawn documents by the project's own
//!   generator ([`unspun_lab::patchwork::generate`]), dated one day after their latest source;
//! - the other half: whole drawn articles, traced with their own id (so an article is never its
//!   own source) and their own date.
//!
//! It prints per-trace latency percentiles (nearest rank), the mean candidates and alignments
//! per trace, how many patchworks got a `patchwork`/`copy` verdict, the peak RSS of the process
//! and the ratio of patchwork to whole-article latency (the peer run). It asserts that the work
//! happened: the exit status is 1 when no query found any source.
//!
//! Every document is in the index, so the patchworks get no "original" (negative) sentences:
//! there is no unindexed text to take them from.
//!
//! `unspun-bench generate --corpus FILE --docs N --count M [--seed S] [--substitution-rate R]
//! [--wordnet /usr/share/wordnet] [--out patchworks.jsonl]` writes spun patchworks of a real
//! corpus with their ground truth as JSON Lines (see `generate.rs` and the README).

mod generate;
mod peers;
mod scale;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde::Serialize;
use unspun_core::report::VerdictKind;
use unspun_core::trace::{TraceConfig, TraceInput};
use unspun_core::{DocId, Document};
use unspun_index::Index;
use unspun_lab::patchwork::{PatchworkConfig, Rng, generate};

/// Benchmarks of unspun.
#[derive(Debug, Parser)]
#[command(name = "unspun-bench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
enum Command {
    /// Single-threaded `trace` latency on patchworks and whole articles drawn from an index.
    TraceLatency(TraceLatencyArgs),
    /// Spun patchworks of a corpus with ground truth, as JSON Lines (summary on stderr).
    Generate(generate::GenerateArgs),
    /// Peer comparison with MinHash LSH: shared corpus with planted copies, unspun's side.
    Peers(peers::PeersArgs),
    /// A corpus of N documents: real articles, then perturbed copies of them (scaling curve).
    ScaleUp(scale::ScaleUpArgs),
}

/// Flags of `trace-latency`.
#[derive(Debug, clap::Args)]
struct TraceLatencyArgs {
    /// The index directory (built with `unspun index`).
    #[arg(long, value_name = "DIR")]
    index: PathBuf,
    /// Number of traced queries: half patchworks, half whole articles.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Seed of the document draw and of the patchwork generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Latency distribution of a set of traces, in milliseconds.
#[derive(Debug, Default, Serialize)]
struct Latency {
    /// Traces measured.
    n: usize,
    /// Mean.
    mean_ms: f64,
    /// Median (nearest rank).
    p50_ms: f64,
    /// 90th percentile (nearest rank).
    p90_ms: f64,
    /// 99th percentile (nearest rank).
    p99_ms: f64,
    /// Slowest trace.
    max_ms: f64,
}

impl Latency {
    /// Summarises `samples`.
    fn of(samples: &[Duration]) -> Latency {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| -> f64 {
            if ms.is_empty() {
                return 0.0;
            }
            let idx = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1;
            ms[idx]
        };
        Latency {
            n: ms.len(),
            mean_ms: if ms.is_empty() { 0.0 } else { ms.iter().sum::<f64>() / ms.len() as f64 },
            p50_ms: rank(0.50),
            p90_ms: rank(0.90),
            p99_ms: rank(0.99),
            max_ms: ms.last().copied().unwrap_or(0.0),
        }
    }
}

/// The result of `trace-latency`.
#[derive(Debug, Serialize)]
struct TraceLatencyReport {
    /// The index traced against.
    index: PathBuf,
    /// Live documents in it.
    n_docs: u64,
    /// Time of one `Index::open`, in milliseconds.
    open_ms: f64,
    /// Seed used.
    seed: u64,
    /// All queries.
    all: Latency,
    /// Patchwork queries only.
    patchwork: Latency,
    /// Whole-article queries only.
    whole_article: Latency,
    /// Patchwork p50 / whole-article p50.
    patchwork_over_whole_p50: f64,
    /// Traces per second, over the summed trace times.
    traces_per_sec: f64,
    /// Mean `stats.n_candidates` per trace.
    mean_candidates: f64,
    /// Mean `stats.n_alignments` per trace.
    mean_alignments: f64,
    /// Share of patchwork queries with a `patchwork` or `copy` verdict.
    patchwork_found_share: f64,
    /// Share of whole-article queries with a source (verdict other than `original`).
    whole_with_source_share: f64,
    /// Peak resident set size of this process (VmHWM), in MiB, when known. It includes the
    /// mapped index files that `Index::open` touched to verify their checksums.
    peak_rss_mib: Option<f64>,
    /// Anonymous (heap) resident memory at the end (RssAnon), in MiB, when known.
    rss_anon_mib: Option<f64>,
}

/// One query to trace.
struct Query {
    /// Its id when it is an indexed article (it is then not its own source).
    id: Option<String>,
    /// The article.
    doc: Document,
    /// Whether it is a generated patchwork.
    is_patchwork: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::TraceLatency(args) => trace_latency(&args),
        Command::Generate(args) => generate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Peers(args) => peers::run(&args),
        Command::ScaleUp(args) => scale::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("unspun-bench: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Draws up to `k` distinct live documents of `index`, in a seeded random order.
fn draw_documents(index: &Index, k: usize, rng: &mut Rng) -> anyhow::Result<Vec<Document>> {
    let stats = index.stats();
    // DocIds are dense from 0; deleted ones stay assigned.
    let n_assigned = usize::try_from(stats.n_docs + stats.n_deleted)?;
    let mut picked = rng.sample_sorted(n_assigned, k.saturating_mul(2).max(k + 16));
    rng.shuffle(&mut picked);
    let mut docs = Vec::with_capacity(k);
    for doc in picked {
        let doc_id = DocId(u32::try_from(doc)?);
        if let Some(document) = index.document(doc_id).context("reading a drawn document")?
            && !document.text.trim().is_empty()
        {
            docs.push(document);
            if docs.len() == k {
                break;
            }
        }
    }
    Ok(docs)
}

/// Builds the queries: patchworks and whole articles, interleaved.
fn build_queries(index: &Index, n: usize, seed: u64) -> anyhow::Result<Vec<Query>> {
    let n_patchworks = n.div_ceil(2);
    let n_whole = n - n_patchworks;
    let mut rng = Rng::new(seed);
    // The generator takes 2–4 sources per patchwork from this pool.
    let pool = draw_documents(index, (2 * n).max(64), &mut rng)?;
    let patchworks = generate(&pool, &[], n_patchworks, &PatchworkConfig::default(), seed);
    if patchworks.len() < n_patchworks {
        bail!("the generator made {} of {n_patchworks} patchworks", patchworks.len());
    }
    let mut whole = pool.into_iter().take(n_whole).map(|doc| Query {
        id: Some(doc.id.clone()),
        doc,
        is_patchwork: false,
    });
    let mut queries = Vec::with_capacity(n);
    for patchwork in patchworks {
        queries.push(Query { id: None, doc: patchwork.doc, is_patchwork: true });
        queries.extend(whole.next());
    }
    Ok(queries)
}

/// The `/proc/self/status` field `key` (e.g. `VmHWM`, in kB) in MiB; `None` off Linux.
fn status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs `trace-latency`; exit status 1 when no query found any source.
fn trace_latency(args: &TraceLatencyArgs) -> anyhow::Result<ExitCode> {
    if args.queries == 0 {
        bail!("--queries must be at least 1");
    }
    let started = Instant::now();
    let index = Index::open(&args.index)
        .with_context(|| format!("opening index {}", args.index.display()))?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    if index.n_docs() == 0 {
        bail!("{}: the index is empty", args.index.display());
    }
    let queries = build_queries(&index, args.queries, args.seed)?;
    let tracer = index.tracer(TraceConfig::default());

    let (mut t_patchwork, mut t_whole) = (Vec::new(), Vec::new());
    let (mut candidates, mut alignments) = (0usize, 0usize);
    let (mut patchwork_found, mut whole_found) = (0usize, 0usize);
    for query in &queries {
        let input = TraceInput {
            id: query.id.as_deref(),
            title: query.doc.title.as_deref(),
            text: &query.doc.text,
            date: query.doc.date,
        };
        let started = Instant::now();
        let report = tracer.trace(&input, &index);
        let elapsed = started.elapsed();
        candidates += report.stats.n_candidates;
        alignments += report.stats.n_alignments;
        let kind = report.verdict.kind;
        if query.is_patchwork {
            t_patchwork.push(elapsed);
            patchwork_found +=
                usize::from(matches!(kind, VerdictKind::Patchwork | VerdictKind::Copy));
        } else {
            t_whole.push(elapsed);
            whole_found += usize::from(kind != VerdictKind::Original);
        }
    }

    let all: Vec<Duration> = t_patchwork.iter().chain(&t_whole).copied().collect();
    let n = all.len() as f64;
    let total_secs: f64 = all.iter().map(Duration::as_secs_f64).sum();
    let share = |found: usize, of: usize| if of == 0 { 0.0 } else { found as f64 / of as f64 };
    let (patchwork, whole_article) = (Latency::of(&t_patchwork), Latency::of(&t_whole));
    let report = TraceLatencyReport {
        index: args.index.clone(),
        n_docs: index.n_docs(),
        open_ms,
        seed: args.seed,
        all: Latency::of(&all),
        patchwork_over_whole_p50: if whole_article.p50_ms > 0.0 {
            patchwork.p50_ms / whole_article.p50_ms
        } else {
            0.0
        },
        patchwork_found_share: share(patchwork_found, t_patchwork.len()),
        whole_with_source_share: share(whole_found, t_whole.len()),
        patchwork,
        whole_article,
        traces_per_sec: n / total_secs.max(1e-9),
        mean_candidates: candidates as f64 / n,
        mean_alignments: alignments as f64 / n,
        peak_rss_mib: status_mib("VmHWM"),
        rss_anon_mib: status_mib("RssAnon"),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if patchwork_found + whole_found == 0 {
        eprintln!("unspun-bench: no query found any source: the trace did no useful work");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The plain-text rendering of a report.
fn render(r: &TraceLatencyReport) -> String {
    let line = |name: &str, l: &Latency| {
        format!(
            "  {name:<14} n {:>4}  mean {:>8.2}  p50 {:>8.2}  p90 {:>8.2}  p99 {:>8.2}  max {:>8.2} ms\n",
            l.n, l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms
        )
    };
    let mut out = format!(
        "trace-latency  index {} ({} docs)  seed {}\n  Index::open     {:.1} ms\n",
        r.index.display(),
        r.n_docs,
        r.seed,
        r.open_ms
    );
    out += &line("all", &r.all);
    out += &line("patchwork", &r.patchwork);
    out += &line("whole article", &r.whole_article);
    out += &format!(
        "  patchwork/whole p50 {:.2}x   {:.1} traces/s (1 thread)\n",
        r.patchwork_over_whole_p50, r.traces_per_sec
    );
    out += &format!(
        "  per trace: {:.1} candidates, {:.1} alignments\n",
        r.mean_candidates, r.mean_alignments
    );
    out += &format!(
        "  patchworks found (patchwork/copy verdict) {:.1}%   whole articles with a source {:.1}%\n",
        100.0 * r.patchwork_found_share,
        100.0 * r.whole_with_source_share
    );
    if let Some(mb) = r.peak_rss_mib {
        out += &format!("  peak RSS {mb:.1} MiB (mapped index included)");
        if let Some(anon) = r.rss_anon_mib {
            out += &format!(", heap RSS at end {anon:.1} MiB");
        }
        out += "\n";
    }
    out
}

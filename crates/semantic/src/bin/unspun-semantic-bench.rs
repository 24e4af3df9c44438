//! unspun-semantic-bench: figures of the all-MiniLM-L6-v2 embedder.
//!
//! ```text
//! unspun-semantic-bench msrp [--pairs PATH] [--model DIR] [--objective accuracy|f1] [--max-pairs N] [--json]
//! unspun-semantic-bench throughput [--sentences N] [--batch B] [--threads 1,2] [--pairs PATH] [--model DIR] [--json]
//! ```
//!
//! `msrp` prints the paraphrase-detection figures of [`unspun_semantic::msrp_eval`].
//! `throughput` embeds real news sentences (the MSRP texts) and prints sentences/s; each thread
//! count runs in a child process with `RAYON_NUM_THREADS` set, since candle reads it for its
//! matrix products, and the child reports its own peak RSS. Run it in release mode.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde::Serialize;
use unspun_core::semantic::Embedder;
use unspun_semantic::msrp::read_pairs;
use unspun_semantic::{EmbedConfig, MiniLm, MsrpConfig, MsrpReport, Objective};

type BoxError = Box<dyn Error>;

const USAGE: &str = "usage:
  unspun-semantic-bench msrp [--pairs PATH] [--model DIR] [--objective accuracy|f1] [--max-pairs N] [--json]
  unspun-semantic-bench throughput [--sentences N] [--batch B] [--threads 1,2] [--pairs PATH] [--model DIR] [--json]
The model directory defaults to $UNSPUN_MODEL_DIR, else target/models/all-minilm-l6-v2
(fetch it with scripts/fetch-model.sh); the pairs to ../shared/data/msrp/pairs.jsonl.gz.";

/// Flags of both subcommands, parsed as they come.
struct Flags {
    pairs: PathBuf,
    model: PathBuf,
    json: bool,
    objective: Objective,
    max_pairs: Option<usize>,
    n_sentences: usize,
    batch_size: usize,
    threads: Vec<usize>,
    /// Set in the child processes of `throughput`: measure once with this process's threads.
    child: bool,
}

fn parse_flags(args: &[String]) -> Result<Flags, BoxError> {
    let mut flags = Flags {
        pairs: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/msrp/pairs.jsonl.gz"),
        model: std::env::var_os(unspun_semantic::MODEL_DIR_ENV)
            .map_or_else(unspun_semantic::default_model_dir, PathBuf::from),
        json: false,
        objective: Objective::Accuracy,
        max_pairs: None,
        n_sentences: 2000,
        batch_size: EmbedConfig::default().batch_size,
        threads: vec![1, 2],
        child: false,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--pairs" => flags.pairs = PathBuf::from(value()?),
            "--model" => flags.model = PathBuf::from(value()?),
            "--json" => flags.json = true,
            "--objective" => {
                flags.objective = match value()?.as_str() {
                    "accuracy" => Objective::Accuracy,
                    "f1" => Objective::F1,
                    other => {
                        return Err(format!("--objective {other}: expected accuracy or f1").into());
                    }
                }
            }
            "--max-pairs" => flags.max_pairs = Some(value()?.parse()?),
            "--sentences" => flags.n_sentences = value()?.parse()?,
            "--batch" => flags.batch_size = value()?.parse()?,
            "--threads" => {
                flags.threads =
                    value()?.split(',').map(str::parse).collect::<Result<Vec<usize>, _>>()?;
            }
            "--child" => flags.child = true,
            other => return Err(format!("unknown flag {other}\n{USAGE}").into()),
        }
    }
    Ok(flags)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("msrp") => parse_flags(&args[1..]).and_then(|flags| msrp(&flags)),
        Some("throughput") => parse_flags(&args[1..]).and_then(|flags| throughput(&flags)),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unspun-semantic-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn msrp(flags: &Flags) -> Result<(), BoxError> {
    let model = MiniLm::load(&flags.model)?;
    let config = MsrpConfig {
        objective: flags.objective,
        max_pairs: flags.max_pairs,
        ..MsrpConfig::default()
    };
    let mut last_tenth = 0;
    let report = unspun_semantic::msrp_eval(&flags.pairs, &model, &config, &mut |done, total| {
        let tenth = done * 10 / total.max(1);
        if tenth > last_tenth {
            last_tenth = tenth;
            eprintln!("embedded {done}/{total} sentences");
        }
    })?;
    if flags.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_msrp(&report);
    }
    Ok(())
}

fn print_msrp(report: &MsrpReport) {
    println!("MSRP train pairs: {} ({}), model {}", report.n_pairs, report.split, report.model);
    println!("threshold {:.4} (maximises {:?} on calibration)", report.threshold, report.objective);
    println!(
        "{:<26} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "", "pairs", "accuracy", "precision", "recall", "F1"
    );
    for (name, scores) in [
        ("calibration (chosen on)", &report.calibration),
        ("held out", &report.heldout),
        ("held out, all paraphrase", &report.baseline_all_paraphrase),
    ] {
        println!(
            "{:<26} {:>6} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            name, scores.n_pairs, scores.accuracy, scores.precision, scores.recall, scores.f1
        );
    }
    println!(
        "embedded {} distinct sentences in {:.1} s: {:.1} sentences/s",
        report.n_sentences, report.embed_seconds, report.sentences_per_second
    );
}

/// One throughput measurement (one child process).
#[derive(Debug, Serialize, serde::Deserialize)]
struct Throughput {
    threads: usize,
    batch_size: usize,
    n_sentences: usize,
    n_tokens: usize,
    load_seconds: f64,
    embed_seconds: f64,
    sentences_per_second: f64,
    tokens_per_second: f64,
    peak_rss_mib: Option<f64>,
}

fn throughput(flags: &Flags) -> Result<(), BoxError> {
    if flags.child {
        let measured = measure(flags)?;
        println!("{}", serde_json::to_string(&measured)?);
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let mut results = Vec::new();
    for &threads in &flags.threads {
        let output = Command::new(&exe)
            .arg("throughput")
            .arg("--child")
            .args(["--sentences", &flags.n_sentences.to_string()])
            .args(["--batch", &flags.batch_size.to_string()])
            .arg("--pairs")
            .arg(&flags.pairs)
            .arg("--model")
            .arg(&flags.model)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .output()?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message = stderr.trim().trim_start_matches("unspun-semantic-bench: ");
            return Err(format!("with {threads} threads: {message}").into());
        }
        let mut measured: Throughput = serde_json::from_slice(&output.stdout)?;
        measured.threads = threads;
        results.push(measured);
    }
    if flags.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(());
    }
    println!("all-MiniLM-L6-v2 on candle (CPU), MSRP news sentences, batch {}", flags.batch_size);
    println!(
        "{:>7} {:>10} {:>9} {:>12} {:>10} {:>9} {:>13}",
        "threads", "sentences", "tokens", "sentences/s", "tokens/s", "load s", "peak RSS MiB"
    );
    for r in &results {
        println!(
            "{:>7} {:>10} {:>9} {:>12.1} {:>10.0} {:>9.2} {:>13}",
            r.threads,
            r.n_sentences,
            r.n_tokens,
            r.sentences_per_second,
            r.tokens_per_second,
            r.load_seconds,
            r.peak_rss_mib.map_or_else(|| "?".to_owned(), |mib| format!("{mib:.0}"))
        );
    }
    Ok(())
}

fn measure(flags: &Flags) -> Result<Throughput, BoxError> {
    let started = Instant::now();
    let config = EmbedConfig { batch_size: flags.batch_size, ..EmbedConfig::default() };
    let model = MiniLm::load_with(&flags.model, config)?;
    let load_seconds = started.elapsed().as_secs_f64();

    // Distinct sentences in file order, both sides of each pair.
    let pairs = read_pairs(&flags.pairs, None)?;
    let mut seen = std::collections::BTreeSet::new();
    let mut sentences = Vec::new();
    for pair in &pairs {
        for text in [pair.text1.as_str(), pair.text2.as_str()] {
            if sentences.len() < flags.n_sentences && seen.insert(text) {
                sentences.push(text);
            }
        }
    }
    let n_tokens = sentences.iter().map(|s| model.count_tokens(s)).sum::<Result<usize, _>>()?;
    model.embed(&sentences[..sentences.len().min(flags.batch_size)])?; // warm-up

    let started = Instant::now();
    let vectors = model.embed(&sentences)?;
    let embed_seconds = started.elapsed().as_secs_f64();
    // The work happened: one unit vector per sentence.
    assert_eq!(vectors.len(), sentences.len());
    assert!(vectors.iter().all(|v| (v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-3));

    Ok(Throughput {
        threads: 0,
        batch_size: flags.batch_size,
        n_sentences: sentences.len(),
        n_tokens,
        load_seconds,
        embed_seconds,
        sentences_per_second: sentences.len() as f64 / embed_seconds,
        tokens_per_second: n_tokens as f64 / embed_seconds,
        peak_rss_mib: peak_rss_mib(),
    })
}

/// VmHWM of this process from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

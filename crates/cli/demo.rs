//! `unspun demo`: the whole job on real data in one command.
//!
//! Indexes a real corpus (AllSides from `../shared/data` unless `--corpus` names another) into
//! a temporary index, builds content-farm patchworks from its articles with the project's own
//! generator (sentences from several articles, some verbatim, some spun, some edited or
//! reordered, a wire dateline, original sentences from articles that were held out of the
//! index), traces each one and says whether every planted source was found.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use unspun_core::report::TraceReport;
use unspun_core::trace::TraceInput;
use unspun_lab::patchwork::{EditKind, Patchwork, PatchworkConfig, generate};

use crate::engine::ThesaurusArgs;
use unspun_lab::planted::{PlantedOutcome, planted_spans, score_planted, sentence_views};

use crate::harness::{
    Engine, IndexSource, Progress, Workspace, build_index, read_allsides, tracer,
};
use crate::output::{print_json, print_text};
use crate::render::{Style, render};

/// Flags of `unspun demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The corpus to index (JSON Lines or CSV, plain or gzip, with id/text fields; dates and
    /// outlets are used when present). Default: ../shared/data/allsides/articles.jsonl.gz.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// How many articles of the corpus to read (every 50th is held out of the index and used
    /// for the patchworks' original sentences).
    #[arg(long, default_value_t = 5000)]
    pub docs: usize,
    /// How many patchworks to build and trace.
    #[arg(long, default_value_t = 3)]
    pub patchworks: usize,
    /// Share of substitutable words replaced in spun sentences.
    #[arg(long, default_value_t = 0.3)]
    pub substitution_rate: f64,
    /// Seed of the patchwork generator (same seed, same patchworks).
    #[arg(long, default_value_t = 2015)]
    pub seed: u64,
    /// Keep the index in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep_index: Option<PathBuf>,
    /// Print JSON: the patchworks with their ground truth, the reports and the checks.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
}

#[derive(Debug, Serialize)]
struct DemoCase {
    patchwork: Patchwork,
    report: TraceReport,
    checks: Vec<Check>,
}

#[derive(Debug, Serialize)]
struct Check {
    planted_sentence: usize,
    source_id: Option<String>,
    edits: Vec<EditKind>,
    outcome: &'static str,
    ok: bool,
}

#[derive(Debug, Serialize)]
struct DemoOutput {
    corpus: PathBuf,
    n_indexed: u64,
    index_secs: f64,
    cases: Vec<DemoCase>,
    n_planted: usize,
    n_found: usize,
    n_negatives: usize,
    n_negatives_original: usize,
}

/// Runs `unspun demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let corpus = match &args.corpus {
        Some(path) => path.clone(),
        None => crate::data::find_shared_data()
            .map(|dir| dir.join("allsides/articles.jsonl.gz"))
            .filter(|path| path.is_file())
            .context(
                "no corpus to index: ../shared/data was not found (set UNSPUN_DATA to its path), \
                 so pass your own with --corpus FILE (JSON Lines or CSV with `id` and `text` \
                 fields; `date`, `source`, `title` are used when present)",
            )?,
    };
    let progress = !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    if progress {
        eprintln!("reading up to {} articles of {}", args.docs, corpus.display());
    }
    let (indexed, negatives) = read_allsides(&corpus, args.docs)?;
    if indexed.is_empty() {
        anyhow::bail!(
            "{}: no usable article (need records with `id` and `text`)",
            corpus.display()
        );
    }
    let workspace = Workspace::new(args.keep_index.as_deref())?;
    let dir = workspace.index_dir("demo-index");
    let started = Instant::now();
    let engine = Engine { thesaurus: args.thesaurus.load()?, ..Engine::default() };
    let progress = Progress { enabled: progress, engine };
    let (index, n_indexed, _) = build_index(&dir, IndexSource::Docs(indexed.clone()), &progress)?;
    let index_secs = started.elapsed().as_secs_f64();

    let config =
        PatchworkConfig { substitution_rate: args.substitution_rate, ..PatchworkConfig::default() };
    let patchworks = generate(&indexed, &negatives, args.patchworks, &config, args.seed);
    let tracer = tracer(&index, &progress);
    let mut cases = Vec::new();
    for patchwork in patchworks {
        let input = TraceInput {
            id: None,
            title: patchwork.doc.title.as_deref(),
            text: &patchwork.doc.text,
            date: patchwork.doc.date,
        };
        let report = tracer.trace(&input, &index);
        let spans = planted_spans(&patchwork);
        let (_, outcomes) = score_planted(&spans, &sentence_views(&report), true);
        let checks = patchwork
            .truth
            .iter()
            .zip(outcomes)
            .enumerate()
            .map(|(i, (truth, outcome))| Check {
                planted_sentence: i,
                source_id: truth.source_id.clone(),
                edits: truth.edits.clone(),
                outcome: outcome_name(outcome),
                ok: matches!(outcome, PlantedOutcome::Found | PlantedOutcome::CorrectlyOriginal),
            })
            .collect();
        cases.push(DemoCase { patchwork, report, checks });
    }
    let planted = || cases.iter().flat_map(|c| &c.checks);
    let output = DemoOutput {
        corpus,
        n_indexed,
        index_secs,
        n_planted: planted().filter(|c| c.source_id.is_some()).count(),
        n_found: planted().filter(|c| c.source_id.is_some() && c.ok).count(),
        n_negatives: planted().filter(|c| c.source_id.is_none()).count(),
        n_negatives_original: planted().filter(|c| c.source_id.is_none() && c.ok).count(),
        cases,
    };
    if args.json {
        print_json(&output)?;
    } else {
        print_text(&render_demo(&output, Style::detect()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome_name(outcome: PlantedOutcome) -> &'static str {
    match outcome {
        PlantedOutcome::Found => "found",
        PlantedOutcome::Missed => "missed",
        PlantedOutcome::WrongSource => "wrong source",
        PlantedOutcome::CorrectlyOriginal => "left original",
        PlantedOutcome::FalseSource => "given a false source",
    }
}

fn render_demo(output: &DemoOutput, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "unspun demo: indexed {} articles of {} in {:.1} s, planted {} patchworks\n",
        output.n_indexed,
        output.corpus.display(),
        output.index_secs,
        output.cases.len()
    );
    for (n, case) in output.cases.iter().enumerate() {
        let rule = "─".repeat(78);
        let _ = writeln!(
            out,
            "{rule}\nPatchwork {} of {}: {:?}",
            n + 1,
            output.cases.len(),
            case.patchwork.doc.title.as_deref().unwrap_or("")
        );
        let _ = writeln!(out, "{rule}\n{}\n", case.patchwork.doc.text.trim());
        out.push_str(&render(&case.report, style));
        let _ = writeln!(out, "\nPlanted truth:");
        for check in &case.checks {
            let edits: Vec<String> =
                check.edits.iter().map(|e| format!("{e:?}").to_lowercase()).collect();
            let what = match &check.source_id {
                Some(id) => format!("from {id} ({})", edits.join(", ")),
                None => "original sentence (its article is not indexed)".to_string(),
            };
            let mark = if check.ok { "✓" } else { "✗" };
            let _ = writeln!(
                out,
                "  {mark} sentence {}: {what}: {}",
                check.planted_sentence + 1,
                check.outcome
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "planted sources found: {}/{} sentences; original sentences left without a source: {}/{}",
        output.n_found, output.n_planted, output.n_negatives_original, output.n_negatives
    );
    out
}

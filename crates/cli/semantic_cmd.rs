//! `unspun semantic-index`: embeds every sentence of an index with the paraphrase model and
//! stores an approximate nearest-neighbour index of them (`SEMANTIC` in the index directory),
//! so that the paraphrase stage of a trace searches every indexed sentence, not only the
//! candidates found by shared words. A batch step over the whole index: rerun it after the
//! index changes (a trace uses an older one as it is, and `stats` says how old).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use unspun_index::semantic::{SEMANTIC_FILE, build_sentences};
use unspun_index::{Index, IndexWriter, WriterConfig};

use crate::output::{print_json, print_text};
use crate::progress::count_bar;

/// Flags of `unspun semantic-index`.
#[derive(Debug, clap::Args)]
pub struct SemanticArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The all-MiniLM-L6-v2 files (scripts/fetch-model.sh).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Sentences with fewer words are not stored (as the paraphrase stage ignores them).
    #[arg(long, default_value_t = 6)]
    pub min_tokens: usize,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What a sentence-index build did.
#[derive(Debug, Serialize)]
pub struct Summary {
    index: PathBuf,
    model: String,
    n_docs: u64,
    n_sentences: usize,
    n_lists: usize,
    seconds: f64,
    sentences_per_second: f64,
    file_bytes: u64,
}

/// Runs `unspun semantic-index`.
pub fn run(args: SemanticArgs) -> anyhow::Result<ExitCode> {
    let embedder = crate::engine::load_embedder(&args.model)?;
    let summary = build(&args.index, &*embedder, args.min_tokens, args.quiet || args.json)?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_text(&render(&summary))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Embeds every sentence of the index in `dir` with `embedder` and writes its `SEMANTIC`
/// file (also the last step of `unspun index --semantic`).
pub fn build(
    dir: &std::path::Path,
    embedder: &dyn unspun_core::semantic::Embedder,
    min_tokens: usize,
    quiet: bool,
) -> anyhow::Result<Summary> {
    let index = Index::open(dir).with_context(|| format!("opening index {}", dir.display()))?;
    // The writer's lock keeps commits out until SEMANTIC is written: the sentences then
    // describe the generation they are stored beside. Taken after the index is open, so a
    // folder that is not an index is refused rather than created.
    let mut writer = IndexWriter::open_or_create(dir, WriterConfig::default())
        .with_context(|| format!("opening index {} for writing", dir.display()))?;
    let index = if writer.generation() == index.generation() {
        index
    } else {
        Index::open(dir).with_context(|| format!("opening index {}", dir.display()))?
    };
    let started = Instant::now();
    let bar = count_bar(index.n_docs(), "documents embedded", quiet);
    let stored = build_sentences(&index, embedder, min_tokens, 256, &mut |done, _| {
        bar.set_position(done);
    })
    .context("embedding the index's sentences")?;
    bar.finish_and_clear();
    writer
        .write_sentences(&stored)
        .with_context(|| format!("writing {}", dir.join(SEMANTIC_FILE).display()))?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Summary {
        index: dir.to_path_buf(),
        model: stored.model.clone(),
        n_docs: stored.n_docs,
        n_sentences: stored.index.len(),
        n_lists: stored.index.n_lists(),
        seconds,
        sentences_per_second: stored.index.len() as f64 / seconds.max(1e-9),
        file_bytes: std::fs::metadata(dir.join(SEMANTIC_FILE)).map_or(0, |m| m.len()),
    })
}

/// One line for humans.
pub fn render(summary: &Summary) -> String {
    format!(
        "stored {} sentences of {} documents ({} lists, {:.1} MB) in {:.1} s ({:.0} sentences/s)\n",
        summary.n_sentences,
        summary.n_docs,
        summary.n_lists,
        summary.file_bytes as f64 / 1e6,
        summary.seconds,
        summary.sentences_per_second
    )
}

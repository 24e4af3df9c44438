//! `unspun-bench scale-up`: a corpus of exactly `--target` documents for the scaling curve.
//!
//! It streams the real corpora (`--corpus`, repeatable, read with the index's [`CorpusReader`])
//! and writes their usable articles (non-empty text, first occurrence of an id) as JSON Lines,
//! each id prefixed with its corpus's directory name (`allsides:...`) so that ids of different
//! data sets never collide. When the real articles run out before `--target`, it streams them
//! again, pass after pass, and writes perturbed copies (id `allsides:...~P` for pass `P`):
//!
//! - each sentence dropped with probability 0.1 (one is always kept), one adjacent swap per 10
//!   sentences;
//! - words spun with the patchwork generator's [`spin_text`] (built-in thesaurus, 30% of the
//!   substitutable words) and entity mentions aliased with [`alias_entities`] (30%);
//! - the date shifted forward by 1–365 days.
//!
//! Everything is deterministic from `--seed` (one generator per pass and document position) and
//! streamed: memory is one document plus the set of real ids.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use unspun_core::date::format_date;
use unspun_core::text::split_sentences;
use unspun_core::{Document, Timestamp};
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
use unspun_lab::patchwork::{BuiltinThesaurus, Rng, SpinConfig, alias_entities, spin_text};

use crate::peers::CorpusLine;

/// Flags of `scale-up`.
#[derive(Debug, clap::Args)]
pub struct ScaleUpArgs {
    /// A real corpus (JSON Lines, CSV or TSV, maybe gzipped); repeat for several, read in order.
    #[arg(long, value_name = "FILE", required = true)]
    pub corpus: Vec<PathBuf>,
    /// Number of documents to write: the real ones first, then perturbed copies. Without it:
    /// every real article, once.
    #[arg(long)]
    pub target: Option<u64>,
    /// Seed of the perturbations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output JSON Lines file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The prefix of the ids of a corpus: its directory name (`.../allsides/articles.jsonl.gz`).
fn corpus_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .or_else(|| path.file_stem())
        .map_or_else(|| "corpus".to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Runs `scale-up`.
pub fn run(args: &ScaleUpArgs) -> anyhow::Result<()> {
    if args.target == Some(0) {
        bail!("--target must be at least 1");
    }
    let started = Instant::now();
    let mut out = BufWriter::with_capacity(
        1 << 20,
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?,
    );
    let thesaurus = BuiltinThesaurus::new();
    let (mut written, mut n_real, mut bytes) = (0u64, 0u64, 0u64);
    let mut pass = 0u64;
    'passes: loop {
        let mut seen = HashSet::new();
        let mut position = 0u64;
        for corpus in &args.corpus {
            let name = corpus_name(corpus);
            let reader = CorpusReader::open(corpus, &ReaderConfig::default())
                .with_context(|| format!("opening {}", corpus.display()))?;
            for record in reader {
                if Some(written) == args.target {
                    break 'passes;
                }
                let RecordResult::Ok { doc, .. } = record else { continue };
                if doc.text.trim().is_empty() || !seen.insert(format!("{name}:{}", doc.id)) {
                    continue;
                }
                let line = if pass == 0 {
                    n_real += 1;
                    line_of(&doc, format!("{name}:{}", doc.id), doc.text.clone(), doc.date)
                } else {
                    let stream = pass.wrapping_mul(1 << 32).wrapping_add(position);
                    let mut rng = Rng::for_stream(args.seed, stream);
                    perturb(&doc, &name, pass, &thesaurus, &mut rng)
                };
                position += 1;
                let json = serde_json::to_vec(&line)?;
                out.write_all(&json)?;
                out.write_all(b"\n")?;
                bytes += json.len() as u64 + 1;
                written += 1;
                if written.is_multiple_of(100_000) {
                    eprintln!(
                        "scale-up: {written} documents ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        if seen.is_empty() {
            bail!("no usable document in the corpora");
        }
        pass += 1;
        if args.target.is_none() {
            break;
        }
    }
    out.flush()?;
    eprintln!(
        "scale-up: {written} documents ({n_real} real, {} perturbed copies, {} extra passes) \
         -> {} ({:.1} MB) in {:.1} s",
        written - n_real,
        if args.target.is_none() { 0 } else { pass },
        args.out.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn line_of(doc: &Document, id: String, text: String, date: Option<Timestamp>) -> CorpusLine {
    CorpusLine {
        id,
        title: doc.title.clone(),
        text,
        date: date.map(format_date),
        source: doc.source.clone(),
        url: doc.url.clone(),
    }
}

/// A perturbed copy of `doc` for pass `pass`.
fn perturb(
    doc: &Document,
    name: &str,
    pass: u64,
    thesaurus: &BuiltinThesaurus,
    rng: &mut Rng,
) -> CorpusLine {
    let text = &doc.text;
    let mut sentences: Vec<&str> = split_sentences(text).into_iter().map(|r| &text[r]).collect();
    let keep_one = rng.below(sentences.len().max(1));
    let mut idx = 0;
    sentences.retain(|_| {
        let keep = idx == keep_one || !rng.chance(0.1);
        idx += 1;
        keep
    });
    if sentences.len() >= 2 {
        for _ in 0..sentences.len().div_ceil(10) {
            let at = rng.below(sentences.len() - 1);
            sentences.swap(at, at + 1);
        }
    }
    let joined = if sentences.is_empty() { text.clone() } else { sentences.join(" ") };
    let config = SpinConfig { rate: 0.3, headline: false, entities: false };
    let spun = spin_text(&joined, &config, thesaurus, rng);
    let aliased = alias_entities(&spun.text, 0.3, rng);
    let shift = i64::try_from(rng.range_inclusive(1, 365)).unwrap_or(1) * SECONDS_PER_DAY;
    let date = doc.date.map(|d| Timestamp(d.0.saturating_add(shift)));
    line_of(doc, format!("{name}:{}~{pass}", doc.id), aliased.text, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perturbation_is_deterministic_and_changes_the_copy() {
        let doc = Document {
            id: "a".into(),
            title: Some("T".into()),
            text: "The president announced a new plan on Monday. Officials said it would \
                   start soon. Critics warned about the cost. The plan covers ten states."
                .into(),
            date: Some(Timestamp(1_500_000_000)),
            ..Document::default()
        };
        let thesaurus = BuiltinThesaurus::new();
        let a = perturb(&doc, "x", 1, &thesaurus, &mut Rng::for_stream(7, 1));
        let b = perturb(&doc, "x", 1, &thesaurus, &mut Rng::for_stream(7, 1));
        assert_eq!(a.text, b.text);
        assert_eq!(a.id, "x:a~1");
        assert_ne!(a.date, line_of(&doc, "x:a".into(), doc.text.clone(), doc.date).date);
        assert!(!a.text.is_empty());
    }
}

//! The shared input and the unspun side of the peer comparison (issue #3, part 3).
//!
//! `unspun-bench peers plant-duplicates` writes one corpus for every tool: the first `--docs` usable documents of a
//! real corpus followed by `--copies` planted near-duplicates of some of them, and a truth file
//! of `(copy_id, original_id)` pairs. A copy keeps its original's title and date and gets three
//! edits, each recorded in the truth: sentence drops, adjacent-sentence swaps and word
//! substitutions at a rate drawn uniformly from `--min-rate..=--max-rate` of its words (a
//! synonym when the thesaurus has one, otherwise a word of another document).
//!
//! `unspun-bench peers trace-planted` traces every copy against an index of that corpus in one process, one after
//! the other, each with its own id (a document is never its own source), and scores it at the
//! document level: a copy is found when the top origin of its verdict is its original. It
//! prints latency p50/p99 and recall/precision, the figures `bench/peers/run.sh` compares with
//! MinHash LSH peers.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use unspun_core::Document;
use unspun_core::date::format_date;
use unspun_core::report::VerdictKind;
use unspun_core::text::{split_sentences, tokenize};
use unspun_core::trace::{TraceConfig, TraceInput};
use unspun_index::Index;
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
use unspun_lab::patchwork::{BuiltinThesaurus, Rng, Thesaurus, WordNet};

use crate::Latency;

/// Flags of `peers`: the two steps of the peer comparison.
#[derive(Debug, clap::Args)]
pub struct PeersArgs {
    #[command(subcommand)]
    step: PeersStep,
}

/// The steps of `peers`.
#[derive(Debug, clap::Subcommand)]
enum PeersStep {
    /// Writes the shared corpus: real documents plus planted near-duplicates, with truth.
    PlantDuplicates(PlantArgs),
    /// Traces every planted copy against an index of that corpus and scores the verdicts.
    TracePlanted(TracePlantedArgs),
}

/// Runs `peers`.
pub fn run(args: &PeersArgs) -> anyhow::Result<ExitCode> {
    match &args.step {
        PeersStep::PlantDuplicates(plant_args) => plant(plant_args).map(|()| ExitCode::SUCCESS),
        PeersStep::TracePlanted(trace_args) => trace_planted(trace_args),
    }
}

/// Flags of `plant-duplicates`.
#[derive(Debug, clap::Args)]
pub struct PlantArgs {
    /// The real corpus (JSON Lines, CSV or TSV, maybe gzipped).
    #[arg(long, value_name = "FILE")]
    pub corpus: PathBuf,
    /// How many usable documents (distinct ids, non-empty text) to keep.
    #[arg(long, default_value_t = 10_000)]
    pub docs: usize,
    /// How many planted copies, each of a distinct original.
    #[arg(long, default_value_t = 500)]
    pub copies: usize,
    /// Seed of the choice of originals and of the edits.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Lowest share of a copy's words substituted.
    #[arg(long, default_value_t = 0.1)]
    pub min_rate: f64,
    /// Highest share of a copy's words substituted.
    #[arg(long, default_value_t = 0.3)]
    pub max_rate: f64,
    /// Chance that a sentence is dropped from a copy (one sentence is always kept).
    #[arg(long, default_value_t = 0.1)]
    pub drop_share: f64,
    /// A WordNet dict directory (Debian's wordnet-base); without it the built-in table.
    #[arg(long, value_name = "DIR")]
    pub wordnet: Option<PathBuf>,
    /// Where to write the corpus: originals, then copies, as JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write the truth: one `{"copy_id", "original_id", ...}` per line.
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
}

/// One line of the corpus written by `plant-duplicates`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CorpusLine {
    /// Document id.
    pub id: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Body text.
    pub text: String,
    /// ISO 8601 date, if any.
    pub date: Option<String>,
    /// Outlet, if any.
    pub source: Option<String>,
    /// URL, if any.
    pub url: Option<String>,
}

/// One planted pair and its edits.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlantedPair {
    /// The copy's id.
    pub copy_id: String,
    /// The original's id.
    pub original_id: String,
    /// Share of the copy's words that were substituted (asked).
    pub substitution_rate: f64,
    /// Words substituted.
    pub n_substituted: usize,
    /// Words of the copy.
    pub n_words: usize,
    /// Sentences dropped from the original.
    pub n_dropped: usize,
    /// Adjacent sentence pairs swapped.
    pub n_swapped: usize,
}

/// Runs `plant-duplicates`.
pub fn plant(args: &PlantArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.min_rate) || args.max_rate < args.min_rate || args.max_rate > 1.0
    {
        bail!("need 0 <= --min-rate <= --max-rate <= 1");
    }
    let reader = CorpusReader::open(&args.corpus, &ReaderConfig::default())
        .with_context(|| format!("opening {}", args.corpus.display()))?;
    let mut docs = Vec::with_capacity(args.docs);
    let mut seen = HashSet::new();
    for record in reader {
        if docs.len() == args.docs {
            break;
        }
        let RecordResult::Ok { doc, .. } = record else { continue };
        if doc.text.trim().is_empty() || !seen.insert(doc.id.clone()) {
            continue;
        }
        docs.push(doc);
    }
    if docs.len() < 2 || args.copies > docs.len() {
        bail!("{} usable documents: too few for {} copies", docs.len(), args.copies);
    }
    let wordnet: Option<WordNet> =
        args.wordnet.as_deref().map(crate::generate::load_wordnet).transpose()?;
    let builtin = BuiltinThesaurus::new();
    let thesaurus: &dyn Thesaurus = match &wordnet {
        Some(wordnet) => wordnet,
        None => &builtin,
    };

    let mut rng = Rng::new(args.seed);
    let mut originals = rng.sample_sorted(docs.len(), args.copies);
    rng.shuffle(&mut originals);
    let mut out = BufWriter::new(
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?,
    );
    for doc in &docs {
        write_line(&mut out, &corpus_line(doc, doc.id.clone(), doc.text.clone()))?;
    }
    let mut truth = BufWriter::new(
        File::create(&args.truth).with_context(|| format!("creating {}", args.truth.display()))?,
    );
    let (mut n_words, mut n_substituted) = (0usize, 0usize);
    for (copy_idx, &original_idx) in originals.iter().enumerate() {
        let original = &docs[original_idx];
        let rate = args.min_rate + (args.max_rate - args.min_rate) * rng.next_f64();
        // Words come from a document other than the original, so a substitution is never a
        // no-op copy of the original's own vocabulary.
        let donor = &docs[(original_idx + 1 + rng.below(docs.len() - 1)) % docs.len()];
        let edited = edit(&original.text, &donor.text, rate, args.drop_share, thesaurus, &mut rng);
        let copy_id = format!("planted-{copy_idx:05}");
        write_line(&mut out, &corpus_line(original, copy_id.clone(), edited.text))?;
        let pair = PlantedPair {
            copy_id,
            original_id: original.id.clone(),
            substitution_rate: rate,
            n_substituted: edited.n_substituted,
            n_words: edited.n_words,
            n_dropped: edited.n_dropped,
            n_swapped: edited.n_swapped,
        };
        serde_json::to_writer(&mut truth, &pair)?;
        truth.write_all(b"\n")?;
        n_words += edited.n_words;
        n_substituted += edited.n_substituted;
    }
    out.flush()?;
    truth.flush()?;
    eprintln!(
        "plant-duplicates: {} documents + {} copies -> {}; truth -> {}; {:.1}% of copied words \
         substituted ({})",
        docs.len(),
        originals.len(),
        args.out.display(),
        args.truth.display(),
        100.0 * n_substituted as f64 / n_words.max(1) as f64,
        if wordnet.is_some() { "WordNet" } else { "built-in table" },
    );
    Ok(())
}

fn corpus_line(doc: &Document, id: String, text: String) -> CorpusLine {
    CorpusLine {
        id,
        title: doc.title.clone(),
        text,
        date: doc.date.map(format_date),
        source: doc.source.clone(),
        url: doc.url.clone(),
    }
}

fn write_line(out: &mut impl Write, line: &CorpusLine) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// An edited copy.
struct Edited {
    text: String,
    n_words: usize,
    n_substituted: usize,
    n_dropped: usize,
    n_swapped: usize,
}

/// Drops sentences, swaps adjacent ones and substitutes `rate` of the words of `text`.
fn edit(
    text: &str,
    donor: &str,
    rate: f64,
    drop_share: f64,
    thesaurus: &dyn Thesaurus,
    rng: &mut Rng,
) -> Edited {
    let mut sentences: Vec<&str> = split_sentences(text).into_iter().map(|r| &text[r]).collect();
    let n_before = sentences.len();
    let keep_one = rng.below(n_before.max(1));
    let mut idx = 0;
    sentences.retain(|_| {
        let keep = idx == keep_one || !rng.chance(drop_share);
        idx += 1;
        keep
    });
    let n_dropped = n_before - sentences.len();
    let mut n_swapped = 0;
    if sentences.len() >= 2 {
        for _ in 0..sentences.len().div_ceil(10) {
            let at = rng.below(sentences.len() - 1);
            sentences.swap(at, at + 1);
            n_swapped += 1;
        }
    }
    let joined = sentences.join(" ");

    let donor_words: Vec<&str> = tokenize(donor)
        .iter()
        .filter(|t| !t.is_stopword)
        .map(|t| &donor[t.byte_start..t.byte_end])
        .collect();
    let tokens = tokenize(&joined);
    let chosen = rng.sample_sorted(tokens.len(), (rate * tokens.len() as f64).round() as usize);
    let mut out = String::with_capacity(joined.len());
    let mut at = 0;
    for &token_idx in &chosen {
        let token = &tokens[token_idx];
        let word = &joined[token.byte_start..token.byte_end];
        let synonyms = thesaurus.synonyms(&word.to_lowercase());
        let replacement = match rng.choose(&synonyms) {
            Some(synonym) => synonym.to_string(),
            None => rng.choose(&donor_words).map_or_else(|| "word".to_owned(), |w| w.to_string()),
        };
        out.push_str(&joined[at..token.byte_start]);
        out.push_str(&replacement);
        at = token.byte_end;
    }
    out.push_str(&joined[at..]);
    Edited { text: out, n_words: tokens.len(), n_substituted: chosen.len(), n_dropped, n_swapped }
}

/// Flags of `trace-planted`.
#[derive(Debug, clap::Args)]
pub struct TracePlantedArgs {
    /// The index of the corpus written by `plant-duplicates`.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// That corpus (the copies are read from it).
    #[arg(long, value_name = "FILE")]
    pub corpus: PathBuf,
    /// The truth file written by `plant-duplicates`.
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The result of `trace-planted`.
#[derive(Debug, Serialize)]
struct TracePlantedReport {
    /// Live documents in the index.
    n_docs: u64,
    /// Time of one `Index::open`, in milliseconds.
    open_ms: f64,
    /// Planted copies traced.
    n_queries: usize,
    /// Trace latency (text analysis, retrieval, alignment, report).
    latency: Latency,
    /// Traces per second on one thread.
    traces_per_sec: f64,
    /// Copies whose top origin is their original.
    n_found: usize,
    /// Copies with any origin (a predicted pair: copy, top origin).
    n_predicted: usize,
    /// `n_found / n_queries`.
    recall: f64,
    /// `n_found / n_predicted`.
    precision: f64,
    /// Copies with a `copy` verdict (not `patchwork` or `original`).
    n_copy_verdict: usize,
    /// Mean passages (aligned sentences with a source) per found copy.
    mean_sentences_with_source: f64,
    /// Recall by asked substitution rate, in bins of 0.05.
    recall_by_rate: BTreeMap<String, (usize, usize)>,
    /// Peak resident set size (VmHWM), MiB, mapped index included.
    peak_rss_mib: Option<f64>,
}

/// Runs `trace-planted`; exit status 1 when no copy was found.
pub fn trace_planted(args: &TracePlantedArgs) -> anyhow::Result<ExitCode> {
    let pairs: Vec<PlantedPair> = read_jsonl(&args.truth)?;
    let wanted: HashSet<&str> = pairs.iter().map(|p| p.copy_id.as_str()).collect();
    let copies: BTreeMap<String, CorpusLine> = read_jsonl::<CorpusLine>(&args.corpus)?
        .into_iter()
        .filter(|line| wanted.contains(line.id.as_str()))
        .map(|line| (line.id.clone(), line))
        .collect();
    if pairs.is_empty() {
        bail!("{}: no planted pair", args.truth.display());
    }
    let started = Instant::now();
    let index = Index::open(&args.index)
        .with_context(|| format!("opening index {}", args.index.display()))?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    let tracer = index.tracer(TraceConfig::default());

    let mut times = Vec::with_capacity(pairs.len());
    let (mut n_found, mut n_predicted, mut n_copy_verdict, mut n_with_source) = (0, 0, 0, 0);
    let mut by_rate: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for pair in &pairs {
        let copy = copies
            .get(&pair.copy_id)
            .with_context(|| format!("{} is not in {}", pair.copy_id, args.corpus.display()))?;
        let date = copy.date.as_deref().and_then(unspun_core::date::parse_date);
        let input =
            TraceInput { id: Some(&copy.id), title: copy.title.as_deref(), text: &copy.text, date };
        let started = Instant::now();
        let report = tracer.trace(&input, &index);
        times.push(started.elapsed());
        let top = report.verdict.origins.first().and_then(|o| report.sources.get(o.source));
        let found = top.is_some_and(|s| s.id == pair.original_id);
        n_predicted += usize::from(top.is_some());
        n_found += usize::from(found);
        n_copy_verdict += usize::from(report.verdict.kind == VerdictKind::Copy);
        if found {
            n_with_source += report.sentences.iter().filter(|s| s.source_match.is_some()).count();
        }
        let bin = (pair.substitution_rate / 0.05).floor() * 0.05;
        let entry = by_rate.entry(format!("{:.2}-{:.2}", bin, bin + 0.05)).or_default();
        entry.0 += usize::from(found);
        entry.1 += 1;
    }
    let total: f64 = times.iter().map(Duration::as_secs_f64).sum();
    let report = TracePlantedReport {
        n_docs: index.n_docs(),
        open_ms,
        n_queries: pairs.len(),
        latency: Latency::of(&times),
        traces_per_sec: pairs.len() as f64 / total.max(1e-9),
        n_found,
        n_predicted,
        recall: n_found as f64 / pairs.len() as f64,
        precision: if n_predicted == 0 { 0.0 } else { n_found as f64 / n_predicted as f64 },
        n_copy_verdict,
        mean_sentences_with_source: n_with_source as f64 / n_found.max(1) as f64,
        recall_by_rate: by_rate,
        peak_rss_mib: crate::status_mib("VmHWM"),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "trace-planted  {} docs  {} copies  p50 {:.2} ms  p99 {:.2} ms  recall {:.3}  \
             precision {:.3}  ({} copy verdicts)",
            report.n_docs,
            report.n_queries,
            report.latency.p50_ms,
            report.latency.p99_ms,
            report.recall,
            report.precision,
            report.n_copy_verdict
        );
    }
    if n_found == 0 {
        eprintln!("unspun-bench: no planted copy was traced to its original");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (line_idx, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}", path.display(), line_idx + 1))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The minister said the talks had failed. Workers warned of strikes in \
                        the capital. Prices rose again in March. The company denied any wrong \
                        doing. Residents described the storm as the worst in years.";
    const DONOR: &str = "Engineers repaired bridges quickly while farmers harvested wheat.";

    /// Edits `TEXT` with seed 7 and checks the counts and the share of substituted words.
    fn check(rate: f64, drop_share: f64, expect_substituted: usize, expect_dropped: usize) {
        let edited =
            edit(TEXT, DONOR, rate, drop_share, &BuiltinThesaurus::new(), &mut Rng::new(7));
        assert_eq!(edited.n_substituted, expect_substituted, "{}", edited.text);
        assert_eq!(edited.n_dropped, expect_dropped, "{}", edited.text);
        let n_sentences = split_sentences(&edited.text).len();
        assert!(n_sentences >= 1 && n_sentences + edited.n_dropped <= 5, "{}", edited.text);
    }

    #[test]
    fn no_edit_keeps_every_sentence_and_word() {
        let edited = edit(TEXT, DONOR, 0.0, 0.0, &BuiltinThesaurus::new(), &mut Rng::new(7));
        assert_eq!(edited.n_substituted, 0);
        assert_eq!(edited.n_dropped, 0);
        assert_eq!(edited.n_swapped, 1);
        let mut got: Vec<&str> = split_sentences(&edited.text)
            .into_iter()
            .map(|r| edited.text[r].trim())
            .collect::<Vec<_>>();
        let mut want: Vec<&str> =
            split_sentences(TEXT).into_iter().map(|r| TEXT[r].trim()).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn substitutes_the_asked_share_of_words() {
        let n_words = tokenize(TEXT).len();
        check(0.2, 0.0, (0.2 * n_words as f64).round() as usize, 0);
        check(0.3, 0.0, (0.3 * n_words as f64).round() as usize, 0);
    }

    #[test]
    fn drops_never_empty_a_copy() {
        let edited = edit(TEXT, DONOR, 0.0, 1.0, &BuiltinThesaurus::new(), &mut Rng::new(7));
        assert_eq!(edited.n_dropped, 4);
        assert_eq!(split_sentences(&edited.text).len(), 1);
    }
}

//! `unspun-bench generate`: spun patchworks of a real corpus, with ground truth, as JSON Lines
//! that any tool can be scored on.
//!
//! It streams the corpus with [`CorpusReader`], keeps the first `--docs` usable documents,
//! holds out every 50th as unindexed "negatives" (the sources of original sentences), and
//! runs [`generate_with_thesaurus`] with every edit of issue #3 switched on: 1–8 sources,
//! synonym substitution (WordNet with `--wordnet DIR`, otherwise the built-in table), entity
//! aliasing at a rate of its own, reordering, splitting and merging, small insertions and
//! deletions, added and dropped datelines, a share of new sentences and the title repeated at
//! the end. The file reading of WordNet lives here: `unspun-core` is pure.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;
use unspun_core::Document;
use unspun_core::date::format_date;
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
use unspun_lab::patchwork::{
    BuiltinThesaurus, EditKind, Patchwork, PatchworkConfig, PlantedSentence, Rng, SpinConfig,
    Thesaurus, WordNet, generate_with_thesaurus, spin_text,
};

/// Every how many documents one is held out as a negative (not to be indexed).
pub const NEGATIVE_EVERY: usize = 50;

/// Flags of `generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The corpus (JSON Lines, CSV or TSV, maybe gzipped), e.g. allsides/articles.jsonl.gz.
    #[arg(long, value_name = "FILE")]
    pub corpus: PathBuf,
    /// How many usable documents to read; every 50th is held out as a negative.
    #[arg(long, default_value_t = 1000)]
    pub docs: usize,
    /// How many patchworks to generate.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of the substitutable words replaced in a spun sentence.
    #[arg(long, default_value_t = 0.3)]
    pub substitution_rate: f64,
    /// Share of planted sentences that are spun.
    #[arg(long, default_value_t = 0.6)]
    pub spun_share: f64,
    /// A WordNet dict directory (Debian's wordnet-base: /usr/share/wordnet); without it the
    /// built-in synonym table is used.
    #[arg(long, value_name = "DIR")]
    pub wordnet: Option<PathBuf>,
    /// Where to write the JSON Lines (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// One line of the output.
#[derive(Debug, Serialize)]
struct Line<'a> {
    article: Article<'a>,
    truth: &'a [PlantedSentence],
    /// Ids of the source documents, in the order they were picked.
    sources: &'a [String],
    /// Byte range of the title repeated at the end, if any.
    repeated_title: Option<(usize, usize)>,
}

/// The generated article, as any tool would read it.
#[derive(Debug, Serialize)]
struct Article<'a> {
    id: &'a str,
    title: Option<&'a str>,
    text: &'a str,
    /// ISO 8601, or null.
    date: Option<String>,
}

/// The edit knobs of `generate`: every edit of issue #3 at a realistic rate.
pub fn config(substitution_rate: f64, spun_share: f64) -> PatchworkConfig {
    PatchworkConfig {
        n_sources_min: 1,
        n_sources_max: 8,
        sentences_per_source_min: 1,
        sentences_per_source_max: 4,
        substitution_rate,
        spun_share,
        edited_share: 0.15,
        split_share: 0.1,
        merge_share: 0.1,
        alias_rate: Some(0.3),
        dateline_probability: 0.2,
        dateline_drop_probability: 0.5,
        negative_share: Some(0.15),
        ..PatchworkConfig::default()
    }
}

/// Reads the WordNet files under `dir` and parses them.
pub fn load_wordnet(dir: &Path) -> anyhow::Result<WordNet> {
    let (wordnet, problems) = unspun_index::ingest::wordnet::read_wordnet(dir)?
        .with_context(|| format!("{}: no WordNet database here", dir.display()))?;
    for problem in problems.iter().take(5) {
        eprintln!(
            "unspun-bench: {}/{}:{}: {}",
            dir.display(),
            problem.file,
            problem.line,
            problem.reason
        );
    }
    if wordnet.n_synsets() == 0 {
        bail!("{}: no WordNet synset found", dir.display());
    }
    Ok(wordnet)
}

/// Reads up to `n_docs` usable documents of `corpus`: `(sources, negatives)`, every 50th one a
/// negative.
pub fn read_corpus(corpus: &Path, n_docs: usize) -> anyhow::Result<(Vec<Document>, Vec<Document>)> {
    let reader = CorpusReader::open(corpus, &ReaderConfig::default())
        .with_context(|| format!("opening {}", corpus.display()))?;
    let (mut sources, mut negatives) = (Vec::new(), Vec::new());
    let mut n_read = 0;
    for record in reader {
        if n_read == n_docs {
            break;
        }
        let RecordResult::Ok { doc, .. } = record else { continue };
        n_read += 1;
        if n_read % NEGATIVE_EVERY == 0 {
            negatives.push(doc);
        } else {
            sources.push(doc);
        }
    }
    Ok((sources, negatives))
}

/// What `generate` achieved.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Patchworks written.
    pub n_patchworks: usize,
    /// Planted entries from sources.
    pub n_planted: usize,
    /// Original (negative) sentences.
    pub n_negatives: usize,
    /// Planted entries per edit kind.
    pub by_edit: BTreeMap<String, usize>,
    /// Distinct sources per patchwork: patchworks with that many.
    pub by_n_sources: BTreeMap<usize, usize>,
    /// Word substitutions in spun entries.
    pub n_substitutions: usize,
    /// Substitutable words (for the thesaurus) of the source ranges of spun entries.
    pub n_substitutable_in_spun: usize,
    /// Content (non-stop) words of the source ranges of all planted entries.
    pub n_content_words: usize,
    /// Entity mentions aliased.
    pub n_aliases: usize,
}

impl Summary {
    /// Substitutions / substitutable words, over spun entries.
    pub fn achieved_rate(&self) -> f64 {
        ratio(self.n_substitutions, self.n_substitutable_in_spun)
    }

    /// Substitutions / content words, over all planted entries: how spun the copied text is,
    /// whatever the thesaurus covers.
    pub fn content_word_rate(&self) -> f64 {
        ratio(self.n_substitutions, self.n_content_words)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Tallies the patchworks; `sources` is looked up by id.
pub fn summarize(
    patchworks: &[Patchwork],
    sources: &[Document],
    config: &PatchworkConfig,
    thesaurus: &dyn Thesaurus,
) -> Summary {
    let by_id: BTreeMap<&str, &Document> = sources.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut summary = Summary { n_patchworks: patchworks.len(), ..Summary::default() };
    let spin = SpinConfig { rate: 1.0, headline: false, entities: config.alias_rate.is_none() };
    for patchwork in patchworks {
        *summary.by_n_sources.entry(patchwork.sources.len()).or_default() += 1;
        for planted in &patchwork.truth {
            let Some(id) = &planted.source_id else {
                summary.n_negatives += 1;
                continue;
            };
            summary.n_planted += 1;
            for edit in &planted.edits {
                *summary.by_edit.entry(format!("{edit:?}")).or_default() += 1;
            }
            summary.n_aliases += planted.aliases.len();
            let Some(source) = by_id
                .get(id.as_str())
                .and_then(|d| d.text.get(planted.source_byte_start..planted.source_byte_end))
            else {
                continue;
            };
            summary.n_content_words +=
                unspun_core::text::tokenize(source).iter().filter(|t| !t.is_stopword).count();
            if planted.edits.contains(&EditKind::Spun) {
                summary.n_substitutions += planted.substitutions.len();
                // The same candidates as the generator's spin (replacements are not used).
                let all = spin_text(source, &spin, thesaurus, &mut Rng::new(0));
                summary.n_substitutable_in_spun += all.n_substitutable;
            }
        }
    }
    summary
}

/// Runs `generate`.
pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.substitution_rate) {
        bail!("--substitution-rate must be in [0, 1]");
    }
    let started = Instant::now();
    let builtin = BuiltinThesaurus::new();
    let wordnet = match &args.wordnet {
        Some(dir) => {
            let wordnet = load_wordnet(dir)?;
            eprintln!(
                "WordNet {}: {} synsets, {} lemmas, {} irregular forms, loaded in {:.2} s",
                dir.display(),
                wordnet.n_synsets(),
                wordnet.n_lemmas(),
                wordnet.n_exceptions(),
                started.elapsed().as_secs_f64()
            );
            Some(wordnet)
        }
        None => None,
    };
    let thesaurus: &dyn Thesaurus = match &wordnet {
        Some(wordnet) => wordnet,
        None => &builtin,
    };
    let (sources, negatives) = read_corpus(&args.corpus, args.docs)?;
    if sources.is_empty() {
        bail!("{}: no usable document", args.corpus.display());
    }
    let config = config(args.substitution_rate, args.spun_share);
    let patchworks =
        generate_with_thesaurus(&sources, &negatives, args.count, &config, args.seed, thesaurus);

    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    for patchwork in &patchworks {
        let doc = &patchwork.doc;
        let line = Line {
            article: Article {
                id: &doc.id,
                title: doc.title.as_deref(),
                text: &doc.text,
                date: doc.date.map(format_date),
            },
            truth: &patchwork.truth,
            sources: &patchwork.sources,
            repeated_title: patchwork.repeated_title,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;

    let summary = summarize(&patchworks, &sources, &config, thesaurus);
    eprint!("{}", render(args, &summary, sources.len(), negatives.len()));
    if summary.n_planted == 0 {
        bail!("no sentence was planted");
    }
    Ok(())
}

/// The summary printed to standard error.
fn render(args: &GenerateArgs, s: &Summary, n_sources: usize, n_negatives: usize) -> String {
    let thesaurus = match &args.wordnet {
        Some(dir) => format!("WordNet ({})", dir.display()),
        None => "built-in table".to_string(),
    };
    let mut out = format!(
        "generate: {} patchworks from {} source docs + {} held-out negatives, seed {}, {}\n",
        s.n_patchworks, n_sources, n_negatives, args.seed, thesaurus
    );
    out += &format!(
        "  planted {} sentences from sources, {} new (negative) sentences ({:.1}%)\n",
        s.n_planted,
        s.n_negatives,
        100.0 * ratio(s.n_negatives, s.n_planted + s.n_negatives)
    );
    out += "  by edit kind:";
    for (kind, n) in &s.by_edit {
        out += &format!(" {kind} {n}");
    }
    out += "\n  sources per patchwork:";
    for (n, count) in &s.by_n_sources {
        out += &format!(" {n}:{count}");
    }
    out += &format!(
        "\n  substitution rate asked {:.2}, achieved {:.3} of substitutable words in spun \
         sentences ({} of {}), {:.3} of all copied content words; {} entity aliases\n",
        args.substitution_rate,
        s.achieved_rate(),
        s.n_substitutions,
        s.n_substitutable_in_spun,
        s.content_word_rate(),
        s.n_aliases
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny JSON Lines corpus of 100 articles with three long sentences each.
    fn corpus() -> String {
        (0..100)
            .map(|i| {
                let text = format!(
                    "Government officials in region {i} said the company announced a huge \
                     increase in prices, and workers warned that serious problems remain. The \
                     minister told reporters in the capital that the talks had produced a big \
                     agreement number {i}. Residents described the violent storm as the worst \
                     they had seen in many years of living there."
                );
                let line = serde_json::json!({
                    "id": format!("doc-{i}"),
                    "title": format!("Story {i}"),
                    "text": text,
                    "date": "2020-01-02",
                });
                format!("{line}\n")
            })
            .collect()
    }

    #[test]
    fn every_50th_document_is_held_out() {
        let path = std::env::temp_dir().join(format!("unspun-gen-{}.jsonl", std::process::id()));
        std::fs::write(&path, corpus()).expect("temp file");
        let (sources, negatives) = read_corpus(&path, 100).expect("readable");
        assert_eq!((sources.len(), negatives.len()), (98, 2));
        assert_eq!(negatives[0].id, "doc-49");
        let (sources, negatives) = read_corpus(&path, 10).expect("readable");
        assert_eq!((sources.len(), negatives.len()), (10, 0));

        let out = path.with_extension("out.jsonl");
        let args = GenerateArgs {
            corpus: path.clone(),
            docs: 100,
            count: 20,
            seed: 3,
            substitution_rate: 0.3,
            spun_share: 0.6,
            wordnet: None,
            out: Some(out.clone()),
        };
        run(&args).expect("generate runs");
        let written = std::fs::read_to_string(&out).expect("output");
        run(&args).expect("generate runs again");
        assert_eq!(std::fs::read_to_string(&out).expect("output"), written, "deterministic");
        let (sources, _) = read_corpus(&path, 100).expect("readable");
        let mut n_lines = 0;
        for line in written.lines() {
            n_lines += 1;
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let text = value["article"]["text"].as_str().expect("text");
            assert_eq!(value["article"]["date"], "2020-01-03");
            for truth in value["truth"].as_array().expect("truth") {
                let span = |key: &str| truth[key].as_u64().expect("offset") as usize;
                let query = &text[span("query_byte_start")..span("query_byte_end")];
                assert!(!query.is_empty());
                if let Some(id) = truth["source_id"].as_str() {
                    let doc = sources.iter().find(|d| d.id == id).expect("a source");
                    let source = &doc.text[span("source_byte_start")..span("source_byte_end")];
                    assert!(!source.is_empty() && !id.ends_with("49") && !id.ends_with("99"));
                    if truth["edits"][0] == "verbatim"
                        && truth["edits"].as_array().map_or(0, Vec::len) == 1
                    {
                        assert_eq!(query, source);
                    }
                }
            }
        }
        assert_eq!(n_lines, 20);
        std::fs::remove_file(&path).ok();
        std::fs::remove_file(&out).ok();
    }

    #[test]
    fn summary_measures_the_rate() {
        let docs: Vec<Document> = (0..20)
            .map(|i| Document {
                id: format!("d{i}"),
                text: "Government officials said the company announced a huge increase in \
                       prices for its products across the country."
                    .into(),
                ..Document::default()
            })
            .collect();
        let builtin = BuiltinThesaurus::new();
        for rate in [0.2, 0.5] {
            let config = PatchworkConfig { spun_share: 1.0, ..config(rate, 1.0) };
            let patchworks = generate_with_thesaurus(&docs, &[], 50, &config, 1, &builtin);
            let summary = summarize(&patchworks, &docs, &config, &builtin);
            assert!(summary.n_planted > 50 && summary.n_substitutions > 0, "{summary:?}");
            assert!((summary.achieved_rate() - rate).abs() < 0.08, "{rate}: {summary:?}");
        }
    }
}

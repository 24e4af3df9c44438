//! Flags shared by every command that traces: the thesaurus of the aligner (WordNet, a learned
//! spin dictionary) and, for commands that build indexes, the fingerprint scheme.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use unspun_core::shingle::ShingleConfig;
use unspun_core::thesaurus::Thesaurus;
use unspun_index::ingest::wordnet::WORDNET_DIR;
use unspun_index::thesaurus::{ThesaurusSpec, load_thesaurus};

/// Which WordNet the aligner uses for synonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WordNetChoice {
    /// Debian's wordnet-base in /usr/share/wordnet when it is installed, else none.
    Auto,
    /// Debian's wordnet-base in /usr/share/wordnet (an error when missing).
    On,
    /// No WordNet: only equal and canonically equal words pair up.
    Off,
}

/// The thesaurus flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ThesaurusArgs {
    /// Synonyms from WordNet in the aligner: a spun sentence aligns as one passage with its
    /// substitutions listed. Off by default: on the planted benchmark it raised recall at 50 %
    /// substitution by only 0.001 and gave one BASIL false copy (see CHANGELOG.md, #6).
    #[arg(long, value_enum, default_value_t = WordNetChoice::Off, value_name = "WHEN")]
    pub wordnet: WordNetChoice,
    /// A learned spin dictionary (spins.jsonl from `unspun cluster --out DIR`): its word pairs
    /// count as synonyms, and substitutions found in it are reported as evidence.
    #[arg(long, value_name = "FILE")]
    pub spins: Option<PathBuf>,
}

impl ThesaurusArgs {
    /// Loads the thesaurus these flags ask for (`None`: nothing to load).
    pub fn load(&self) -> anyhow::Result<Option<Arc<Thesaurus>>> {
        let spec = ThesaurusSpec {
            wordnet: (self.wordnet != WordNetChoice::Off).then(|| PathBuf::from(WORDNET_DIR)),
            wordnet_required: self.wordnet == WordNetChoice::On,
            spins: self.spins.clone(),
        };
        let thesaurus = load_thesaurus(&spec).context("loading the thesaurus")?;
        Ok(thesaurus.map(Arc::new))
    }
}

/// The fingerprint schemes an index can be built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fingerprints {
    /// Surface word shingles and sentence hashes (indexes of unspun 0.1 before canonical forms).
    Legacy,
    /// Shingles and sentence hashes of canonical word forms (aliases, numbers, spellings).
    Canonical,
    /// Canonical forms plus anchors: pairs of names and numbers that spinners keep (default).
    Anchors,
}

impl Fingerprints {
    /// The shingle configuration of the scheme.
    pub fn shingle(self) -> ShingleConfig {
        match self {
            Fingerprints::Legacy => ShingleConfig::legacy(),
            Fingerprints::Canonical => ShingleConfig { anchors: false, ..ShingleConfig::default() },
            Fingerprints::Anchors => ShingleConfig::default(),
        }
    }
}

/// The paraphrase-stage flags (the stage needs a binary built with `--features semantic`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ParaphraseArgs {
    /// Turn on the paraphrase stage with the all-MiniLM-L6-v2 files in DIR (fetch them with
    /// scripts/fetch-model.sh): sentences left unattributed are embedded and matched against
    /// the best candidates' sentences, reported with kind `paraphrased`.
    #[arg(long, value_name = "DIR")]
    pub paraphrase_model: Option<PathBuf>,
    /// Cosine at or above which a sentence is a paraphrase of a candidate's sentence.
    #[arg(long, default_value_t = 0.85, value_name = "COSINE")]
    pub paraphrase_threshold: f32,
}

impl ParaphraseArgs {
    /// The stage these flags ask for (`None`: off).
    pub fn load(&self) -> anyhow::Result<Option<unspun_core::semantic::ParaphraseStage>> {
        let Some(dir) = &self.paraphrase_model else { return Ok(None) };
        if !(0.0..=1.0).contains(&self.paraphrase_threshold) {
            anyhow::bail!("--paraphrase-threshold must be between 0 and 1");
        }
        let embedder = load_embedder(dir)?;
        let mut stage = unspun_core::semantic::ParaphraseStage::new(embedder);
        stage.min_similarity = self.paraphrase_threshold;
        Ok(Some(stage))
    }
}

/// Loads the sentence-embedding model in `dir`.
#[cfg(feature = "semantic")]
pub fn load_embedder(
    dir: &std::path::Path,
) -> anyhow::Result<Arc<dyn unspun_core::semantic::Embedder>> {
    let model = unspun_semantic::MiniLm::load(dir)
        .with_context(|| format!("loading the sentence-embedding model in {}", dir.display()))?;
    Ok(Arc::new(model))
}

/// Without the `semantic` feature there is no model to load.
#[cfg(not(feature = "semantic"))]
pub fn load_embedder(
    dir: &std::path::Path,
) -> anyhow::Result<Arc<dyn unspun_core::semantic::Embedder>> {
    anyhow::bail!(
        "--paraphrase-model {}: this unspun was built without the paraphrase stage; rebuild with \
         `cargo build --release --features semantic`",
        dir.display()
    )
}

/// The MSRP evaluation of the paraphrase stage's model (`unspun eval --only msrp`), as JSON
/// (`unspun_semantic::MsrpReport`).
#[cfg(feature = "semantic")]
pub fn run_msrp(
    pairs: &std::path::Path,
    stage: &unspun_core::semantic::ParaphraseStage,
) -> anyhow::Result<serde_json::Value> {
    let config = unspun_semantic::MsrpConfig::default();
    let report = unspun_semantic::msrp_eval(pairs, &*stage.embedder, &config, &mut |_, _| {})
        .with_context(|| format!("MSRP evaluation on {}", pairs.display()))?;
    Ok(serde_json::to_value(report)?)
}

/// Without the `semantic` feature there is no model to evaluate.
#[cfg(not(feature = "semantic"))]
pub fn run_msrp(
    pairs: &std::path::Path,
    _stage: &unspun_core::semantic::ParaphraseStage,
) -> anyhow::Result<serde_json::Value> {
    anyhow::bail!("{}: MSRP needs a build with --features semantic", pairs.display())
}

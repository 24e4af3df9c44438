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
    /// substitution by only 0.001 and gave one BASIL false copy (see CHANGELOG 0.2).
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

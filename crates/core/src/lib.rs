//! unspun-core: the pure engine of unspun.
//!
//! Text in, values out. This crate never touches files, the network, the clock, environment
//! variables, threads or stdout. The index crate owns every byte on disk and hands documents
//! and postings to [`trace::trace`] through the [`trace::Candidates`] trait.
//!
//! Main pieces:
//! - [`text`]: Unicode normalisation, word tokens with byte offsets, a news-aware sentence splitter.
//! - [`shingle`]: fingerprints (hashed word shingles and sentence hashes) stored in the index.
//! - [`align`]: local alignment of token sequences, with edit operations and substitution pairs.
//! - [`trace`]: passage-by-passage source tracing of one article against candidate documents.
//! - [`report`]: the JSON contract (`trace --json` and the HTTP API).
//! - [`cluster`]: corpus-wide reuse: document links and clusters, passage clusters, the copy
//!   graph, the publisher report and boilerplate.
//! - [`lexicon`]: WordNet and learned spins, read by the aligner's [`thesaurus`].
//!
//! ```
//! use unspun_core::text;
//! let analyzed = text::analyze("Mr. Putin met Obama in the U.S. on Monday. They talked.");
//! assert_eq!(analyzed.sentences.len(), 2);
//! ```
#![warn(missing_docs)]

pub mod align;
pub mod canon;
pub mod cluster;
pub mod date;
pub mod doc;
pub mod lexicon;
pub mod limits;
pub mod report;
pub mod semantic;
pub mod shingle;
pub mod text;
pub mod thesaurus;
pub mod token;
pub mod trace;

pub use doc::{DocId, Document, Timestamp};

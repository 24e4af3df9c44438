//! A learned spin: a substitution that recurs in aligned copies across a corpus, with the
//! outlets that make it. Mined by [`crate::cluster::spins`], read back by the aligner's
//! [`crate::thesaurus`] and reported as the evidence of a `known_spin` flag.

use serde::{Deserialize, Serialize};

/// One outlet and how often it made a substitution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpinOutlet {
    /// The copying outlet (`(unknown)` when unknown).
    pub outlet: String,
    /// Times it made the substitution.
    pub n: usize,
}

/// A recurring substitution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spin {
    /// The earlier text's words (lower-cased).
    pub from: String,
    /// The copy's words (lower-cased).
    pub to: String,
    /// Times seen.
    pub n: usize,
    /// Copying documents it was seen in.
    pub n_docs: usize,
    /// Distinct copying outlets.
    pub n_outlets: usize,
    /// The outlets making it most, at most 5.
    pub outlets: Vec<SpinOutlet>,
}

//! Bounds on the work of one trace, and cooperative cancellation.
//!
//! A trace's cost grows with the article, its sentences and the candidates it finds. Without
//! bounds a 1 MB article written as one sentence aligned a 150,000-word "sentence" against
//! whole documents (6 GB of memory). [`TraceLimits`] caps every step so that the cost of a
//! trace grows linearly with the article and its memory stays within a fixed bound:
//! - sentences longer than [`TraceLimits::max_sentence_tokens`] words are cut into windows
//!   of about equal length (a text without punctuation is aligned window by window);
//! - retrieval stops after [`TraceLimits::max_postings`] postings;
//! - at most [`TraceLimits::max_candidates`] candidate documents, and
//!   [`TraceLimits::max_candidate_bytes`] of their text, are fetched, best-scored first;
//! - above [`TraceLimits::max_sentence_candidate_pairs`], a sentence is aligned only against
//!   the best candidates overall and those of its neighbourhood;
//! - the aligner stops after [`TraceLimits::max_alignment_cells`] dynamic-programming cells.
//!
//! A bound that is reached is reported in `stats.limits_hit` (the report names what was left
//! out), never silently. The defaults are far above what a news article needs, so ordinary
//! traces are not changed by them.
//!
//! [`Cancel`] is a flag shared between the caller and a running trace: a server whose request
//! timed out, or whose client went away, sets it, and the trace stops at its next check and
//! returns what it has (with `cancelled` in `stats.limits_hit`), freeing its memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bounds on the work of one trace (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceLimits {
    /// Sentences with more word tokens than this are aligned as windows of at most this many.
    pub max_sentence_tokens: usize,
    /// Postings read during retrieval, over all fingerprints of the article.
    pub max_postings: u64,
    /// Candidate documents fetched and analysed.
    pub max_candidates: usize,
    /// Bytes of candidate text fetched and analysed.
    pub max_candidate_bytes: usize,
    /// Dynamic-programming cells of all alignments (query tokens × source window tokens).
    pub max_alignment_cells: u64,
    /// Above this many sentence × candidate pairs, a sentence is aligned only against the
    /// overall best candidates and those retrieved by its own or nearby sentences, instead of
    /// all of them, so that alignment work stays linear in the article's length. An ordinary
    /// article (40 sentences, 100 candidates: 4,000 pairs) is far below it.
    pub max_sentence_candidate_pairs: usize,
}

impl Default for TraceLimits {
    fn default() -> Self {
        TraceLimits {
            max_sentence_tokens: 160,
            max_postings: 20_000_000,
            max_candidates: 1_000,
            max_candidate_bytes: 64 << 20,
            max_alignment_cells: 1_000_000_000,
            max_sentence_candidate_pairs: 20_000,
        }
    }
}

/// A cancellation flag shared by a caller and the traces it started. Clones share the flag.
/// The default is a fresh flag that nobody has set.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every trace holding this flag to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that sets the flag when dropped, unless [`CancelOnDrop::disarm`] was called:
    /// hold it in a request's future, and a future dropped by a timeout or a closed connection
    /// stops the trace it started.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop { cancel: Some(self.clone()) }
    }
}

/// A flag is not a knob: any two compare equal, so configurations that differ only in their
/// flag are the same configuration.
impl PartialEq for Cancel {
    fn eq(&self, _other: &Cancel) -> bool {
        true
    }
}

/// Sets its [`Cancel`] flag when dropped (see [`Cancel::on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop {
    cancel: Option<Cancel>,
}

impl CancelOnDrop {
    /// The work finished: dropping the guard no longer cancels.
    pub fn disarm(mut self) {
        self.cancel = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = &self.cancel {
            cancel.cancel();
        }
    }
}

/// Why a trace did less than all of its work; listed in `stats.limits_hit`.
pub mod hit {
    /// The caller cancelled the trace (a server timeout or a closed connection).
    pub const CANCELLED: &str = "cancelled";
    /// [`super::TraceLimits::max_postings`] was reached: later sentences found fewer candidates.
    pub const POSTINGS: &str = "max_postings";
    /// [`super::TraceLimits::max_candidates`] was reached: lower-scored candidates were left out.
    pub const CANDIDATES: &str = "max_candidates";
    /// [`super::TraceLimits::max_candidate_bytes`] was reached.
    pub const CANDIDATE_BYTES: &str = "max_candidate_bytes";
    /// [`super::TraceLimits::max_alignment_cells`] was reached: later sentences were not aligned.
    pub const ALIGNMENT_CELLS: &str = "max_alignment_cells";
    /// [`super::TraceLimits::max_sentence_candidate_pairs`] was exceeded: each sentence was
    /// aligned against the overall best candidates and those of its neighbourhood only.
    pub const LOCAL_CANDIDATES: &str = "local_candidates";
    /// Sentences longer than [`super::TraceLimits::max_sentence_tokens`] were cut into windows.
    pub const LONG_SENTENCES: &str = "long_sentences_windowed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_on_drop_sets_the_flag_unless_disarmed() {
        let cancel = Cancel::new();
        cancel.on_drop().disarm();
        assert!(!cancel.is_cancelled());
        drop(cancel.on_drop());
        assert!(cancel.is_cancelled());
        assert_eq!(Cancel::new(), cancel, "flags are not knobs");
    }
}

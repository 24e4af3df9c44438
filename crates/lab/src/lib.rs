//! unspun-lab: the instruments that measure the engine, outside it (`publish = false`).
//!
//! `unspun-core` holds only the engine; what makes test data and scores the engine's answers
//! lives here, used by `unspun demo`, `unspun eval` and `unspun-bench`:
//! - [`patchwork`]: a deterministic generator of spun patchworks with ground truth (own RNG;
//!   synonyms from a built-in table or `unspun_core::lexicon::WordNet`).
//! - [`eval`]: pure scorers: PAN text-alignment measures, sentence attribution counts,
//!   verdict confusion, origin-count error, the clough reuse category.
//! - [`planted`]: report sentences against planted truth (attribution, per-sentence outcomes,
//!   expected verdicts).
//!
//! ```
//! use unspun_lab::eval::AttributionCounts;
//! let counts = AttributionCounts { tp: 9, fp: 1, fn_: 0 };
//! assert_eq!((counts.precision(), counts.recall()), (0.9, 1.0));
//! ```
#![warn(missing_docs)]

pub mod eval;
pub mod patchwork;
pub mod planted;

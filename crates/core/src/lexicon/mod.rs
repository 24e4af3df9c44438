//! Word knowledge the engine reads but does not learn from a trace: WordNet (parsed from the
//! text of its database files) and learned spins (`spins.jsonl`, mined by `unspun cluster`).
//!
//! Below both the aligner's [`crate::thesaurus`] and the test-data generator (the `unspun-lab`
//! crate), so that neither imports the other.

mod spin;
pub mod wordnet;

pub use spin::{Spin, SpinOutlet};
pub use wordnet::{Problem as WordNetProblem, WordNet, WordNetSources};

//! Documents and their identifiers: the unit that is indexed and traced.

use serde::{Deserialize, Serialize};

/// Dense internal number of a document inside one index (0-based, never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocId(pub u32);

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z (UTC). Dates without a time
/// of day are stored as midnight UTC. See [`crate::date`] for parsing and formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

/// One news document as read from a corpus or given to `trace`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Document {
    /// The corpus's own identifier (unique within an index).
    pub id: String,
    /// Headline, if known.
    pub title: Option<String>,
    /// Body text, exactly as given (offsets in reports index into this string).
    pub text: String,
    /// Publication time, if known.
    pub date: Option<Timestamp>,
    /// Publisher or outlet name, if known.
    pub source: Option<String>,
    /// Original URL, if known.
    pub url: Option<String>,
}

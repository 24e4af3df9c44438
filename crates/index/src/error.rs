//! The one error type of unspun-index. Every variant names the file or directory it is about,
//! so a message printed by the CLI tells the user where to look.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while reading, writing or ingesting an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system I/O error on `path`.
    #[error("{}", path.display())]
    Io {
        /// The file or directory the operation was about.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// `path` holds no unspun index (no MANIFEST, or a MANIFEST with foreign magic bytes).
    #[error("{} is not an unspun index", path.display())]
    NotAnIndex {
        /// The directory or file that was opened.
        path: PathBuf,
    },
    /// `path` holds a store of documents without postings (`unspun cluster --input` keeps
    /// its corpus so), opened where an index that can be traced is needed.
    #[error(
        "{} is a store of documents without postings (made by `unspun cluster --input`): \
         nothing can be traced on it; build an index with `unspun index`",
        path.display()
    )]
    DocumentsOnly {
        /// The directory that was opened.
        path: PathBuf,
    },
    /// `file` belongs to an index but its bytes are damaged or inconsistent.
    #[error("{} is damaged: {reason}", file.display())]
    Corrupt {
        /// The damaged file.
        file: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
    /// `file` was written in a format version this build cannot read.
    #[error(
        "{} has format version {got}, this unspun reads versions 1 to {expected}: a newer unspun \
         wrote it (upgrade unspun) or the file is damaged",
        file.display()
    )]
    Version {
        /// The file whose version is unsupported.
        file: PathBuf,
        /// [`crate::FORMAT_VERSION`] of this build.
        expected: u32,
        /// The version found in the file.
        got: u32,
    },
    /// Another writer holds the lock of the index at `path`.
    #[error("{} is locked by another unspun writer", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// One input record could not be ingested (used by [`crate::ingest`]).
    #[error("{}:{line}: {}{reason}", path.display(), field.as_ref().map(|f| format!("field {f:?}: ")).unwrap_or_default())]
    BadRecord {
        /// The input file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: u64,
        /// The offending field, if one is to blame.
        field: Option<String>,
        /// What is wrong with the record.
        reason: String,
    },
    /// A document or segment is too large for the on-disk format (a length exceeds its field).
    #[error("{what} is too large for the index format ({reason})")]
    TooLarge {
        /// What was too large, e.g. "document \"x\"".
        what: String,
        /// Which limit was exceeded.
        reason: String,
    },
    /// The writer refuses to work in `path`: a damaged index or a folder that is not one.
    #[error("{}: {reason}", path.display())]
    Refused {
        /// The directory.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// An output directory of `unspun cluster` that cannot be resumed as asked.
    #[error("{}: {reason}", path.display())]
    RunMismatch {
        /// The run's parameter file.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }

    /// An [`Error::Corrupt`] on `file`.
    pub fn corrupt(file: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::Corrupt { file: file.into(), reason: reason.into() }
    }
}

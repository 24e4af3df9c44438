//! unspun-index: the on-disk index of unspun.
#![warn(missing_docs)]

pub mod ingest;

//! Corpus ingest.

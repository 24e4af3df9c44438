//! The stored sentence-vector index (`SEMANTIC`): an ANN index over the sentence embeddings of
//! every live document, built by `unspun semantic-index` (a batch step over the whole index,
//! deterministic; rerun it after the index changes), written by
//! [`crate::IndexWriter::write_sentences`] under the writer lock and read by
//! [`crate::Index::open`].
//!
//! Layout: the common frame (magic `UNSPSEMI`, format version, checksum) around: `u64`
//! generation of the index it was built from, `u64` live documents then, the model name
//! (`u32` length + UTF-8), then [`SentenceIndex::to_bytes`].

use std::path::PathBuf;

use unspun_core::semantic::SentenceIndex;

use crate::error::{Error, Result};
use crate::format::{Decoder, Encoder, HEADER_LEN, check_frame, io_other, put_str};
use crate::storage::Storage;

/// Name of the file in the index directory.
pub const SEMANTIC_FILE: &str = "SEMANTIC";
/// Its magic.
pub const MAGIC_SEMANTIC: [u8; 8] = *b"UNSPSEMI";

/// A sentence index with what it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSentences {
    /// Generation of the index it covers.
    pub generation: u64,
    /// Live documents of the index then.
    pub n_docs: u64,
    /// The embedding model ([`unspun_core::semantic::Embedder::name`]).
    pub model: String,
    /// The vectors.
    pub index: SentenceIndex,
}

/// Writes `stored` as `SEMANTIC` into `storage`, atomically (readers opening the index see
/// the old file or the new one). Only [`crate::IndexWriter::write_sentences`] calls it, under
/// the writer lock.
pub(crate) fn write_sentences(storage: &dyn Storage, stored: &StoredSentences) -> Result<()> {
    let body = stored.index.to_bytes();
    storage.write_atomic(SEMANTIC_FILE, &mut |out| {
        let mut encoder = Encoder::new(out, MAGIC_SEMANTIC).map_err(io_other)?;
        encoder.u64(stored.generation).map_err(io_other)?;
        encoder.u64(stored.n_docs).map_err(io_other)?;
        put_str(&mut encoder, &stored.model, "model name")?;
        encoder.bytes(&body).map_err(io_other)?;
        encoder.finish().map_err(io_other)?;
        Ok(())
    })
}

/// Reads the sentence index of `storage`, if it has one.
pub(crate) fn read_sentences(storage: &dyn Storage) -> Result<Option<StoredSentences>> {
    if !storage.exists(SEMANTIC_FILE)? {
        return Ok(None);
    }
    let file: PathBuf = storage.path_of(SEMANTIC_FILE);
    let bytes = storage.read(SEMANTIC_FILE)?;
    check_frame(&bytes, MAGIC_SEMANTIC, &file)?;
    let mut decoder = Decoder::new(&bytes, HEADER_LEN, &file);
    let generation = decoder.u64()?;
    let n_docs = decoder.u64()?;
    let model = decoder.str()?.to_string();
    let start = decoder.position();
    let end = bytes.len() - crate::format::CHECKSUM_LEN;
    let index = SentenceIndex::from_bytes(&bytes[start..end])
        .map_err(|reason| Error::corrupt(file.clone(), format!("sentence index: {reason}")))?;
    Ok(Some(StoredSentences { generation, n_docs, model, index }))
}

/// Embeds every sentence of at least `min_tokens` words of every live document of `index`
/// (in document order, `batch` sentences per call) and builds the sentence index. `progress`
/// gets (documents done, documents in all) after each batch. Deterministic for a given index
/// and model. Holds every vector in memory while it builds (1.5 KB per sentence).
pub fn build_sentences(
    index: &crate::Index,
    embedder: &dyn unspun_core::semantic::Embedder,
    min_tokens: usize,
    batch: usize,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<StoredSentences> {
    use unspun_core::semantic::SentenceRef;
    let docs = index.live_docs();
    let total = docs.len() as u64;
    let mut refs: Vec<SentenceRef> = Vec::new();
    let mut vectors: Vec<Vec<f32>> = Vec::new();
    let mut pending_refs: Vec<SentenceRef> = Vec::new();
    let mut pending_texts: Vec<String> = Vec::new();
    let flush = |pending_refs: &mut Vec<SentenceRef>,
                 pending_texts: &mut Vec<String>,
                 refs: &mut Vec<SentenceRef>,
                 vectors: &mut Vec<Vec<f32>>|
     -> Result<()> {
        if pending_texts.is_empty() {
            return Ok(());
        }
        let texts: Vec<&str> = pending_texts.iter().map(String::as_str).collect();
        let embedded = embedder
            .embed(&texts)
            .map_err(|e| Error::corrupt(PathBuf::from(embedder.name()), e.to_string()))?;
        refs.append(pending_refs);
        vectors.extend(embedded);
        pending_texts.clear();
        Ok(())
    };
    for (done, doc_id) in docs.iter().enumerate() {
        let Some(doc) = index.document(*doc_id)? else { continue };
        let analyzed = unspun_core::text::analyze(&doc.text);
        for (s_idx, sentence) in analyzed.sentences.iter().enumerate() {
            if sentence.token_end - sentence.token_start < min_tokens {
                continue;
            }
            pending_refs.push(SentenceRef { doc: *doc_id, sentence: s_idx as u32 });
            pending_texts.push(doc.text[sentence.byte_start..sentence.byte_end].to_string());
        }
        if pending_texts.len() >= batch.max(1) {
            flush(&mut pending_refs, &mut pending_texts, &mut refs, &mut vectors)?;
            progress(done as u64 + 1, total);
        }
    }
    flush(&mut pending_refs, &mut pending_texts, &mut refs, &mut vectors)?;
    progress(total, total);
    let dim = embedder.dim();
    let sentence_index = SentenceIndex::build(dim, refs, &vectors);
    Ok(StoredSentences {
        generation: index.generation(),
        n_docs: index.n_docs(),
        model: embedder.name().to_string(),
        index: sentence_index,
    })
}

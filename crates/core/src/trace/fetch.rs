//! Candidate documents: fetched from [`Candidates`] (or the caller's [`CandidateCache`]),
//! analysed once, and dropped when they are the query itself or dated after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::query::QuoteMask;
use super::{Candidates, TraceConfig, TraceInput};
use crate::canon::KeyMap;
use crate::limits::hit;
use crate::report::{CharIndex, TraceStats};
use crate::text::{Analyzed, analyze};
use crate::{DocId, Document, Timestamp};

/// A candidate document, analysed.
pub(super) struct Candidate {
    pub(super) doc_id: DocId,
    prepared: Arc<Prepared>,
}

impl std::ops::Deref for Candidate {
    type Target = Prepared;
    fn deref(&self) -> &Prepared {
        &self.prepared
    }
}

/// What a trace needs of a candidate document: its analysis and lookup tables.
#[derive(Debug)]
pub(super) struct Prepared {
    pub(super) doc: Document,
    pub(super) analyzed: Analyzed,
    pub(super) chars: CharIndex,
    /// Sentence embeddings of the paraphrase stage, by model name, computed on first use.
    pub(super) vectors: Mutex<SentenceVectors>,
    /// Canonical hash of a content token → token positions.
    pub(super) positions: KeyMap<Vec<u32>>,
    pub(super) quotes: QuoteMask,
}

impl Prepared {
    fn new(doc: Document) -> Prepared {
        let analyzed = analyze(&doc.text);
        let mut positions: KeyMap<Vec<u32>> = KeyMap::default();
        for (pos, token) in analyzed.tokens.iter().enumerate() {
            if let Some(word) = token.content_word() {
                positions.entry(word).or_default().push(pos as u32);
            }
        }
        let chars = CharIndex::new(&doc.text);
        let quotes = QuoteMask::new(&doc.text);
        let vectors = Mutex::new(SentenceVectors::default());
        Prepared { doc, analyzed, chars, vectors, positions, quotes }
    }
}

/// The sentence embeddings of one candidate computed so far, by model.
#[derive(Debug, Default)]
pub(super) struct SentenceVectors {
    pub(super) model: String,
    pub(super) by_sentence: HashMap<usize, Arc<[f32]>>,
}

/// Analysed candidate documents kept between traces against one unchanging set of documents
/// (a corpus run traces every document, and popular sources are candidates again and
/// again). Owned by the caller; it may be shared between threads. Full → emptied.
#[derive(Debug)]
pub struct CandidateCache {
    capacity: usize,
    entries: Mutex<HashMap<DocId, Arc<Prepared>>>,
}

impl CandidateCache {
    /// A cache of at most `capacity` documents (0: no caching).
    pub fn new(capacity: usize) -> CandidateCache {
        CandidateCache { capacity, entries: Mutex::new(HashMap::new()) }
    }

    fn get(&self, doc: DocId) -> Option<Arc<Prepared>> {
        if self.capacity == 0 {
            return None;
        }
        self.entries.lock().ok()?.get(&doc).cloned()
    }

    fn put(&self, doc: DocId, prepared: &Arc<Prepared>) {
        if self.capacity == 0 {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(doc, Arc::clone(prepared));
        }
    }
}

/// How a trace gets candidate documents: fetched (or taken from the cache), analysed, and
/// dropped when they are the query itself or dated after it.
pub(super) struct Fetch<'a> {
    pub(super) candidates: &'a dyn Candidates,
    cache: &'a CandidateCache,
    self_id: Option<&'a str>,
    latest: Option<Timestamp>,
}

impl<'a> Fetch<'a> {
    /// Candidates for `input`, from `candidates` through `cache`.
    pub(super) fn new(
        input: &TraceInput<'a>,
        candidates: &'a dyn Candidates,
        cache: &'a CandidateCache,
    ) -> Fetch<'a> {
        Fetch { candidates, cache, self_id: input.id, latest: input.date.map(end_of_day) }
    }

    /// Fetches and analyses the `chosen` documents in order, until the trace is cancelled or
    /// [`crate::limits::TraceLimits::max_candidate_bytes`] of text are held.
    pub(super) fn chosen(
        &self,
        chosen: &[DocId],
        config: &TraceConfig,
        stats: &mut TraceStats,
    ) -> Vec<Candidate> {
        let mut cands: Vec<Candidate> = Vec::new();
        let mut candidate_bytes = 0usize;
        for &doc_id in chosen {
            if config.cancel.is_cancelled() {
                break;
            }
            if candidate_bytes >= config.limits.max_candidate_bytes {
                stats.limits_hit.push(hit::CANDIDATE_BYTES.to_string());
                break;
            }
            if let Some(cand) = self.candidate(doc_id, stats) {
                candidate_bytes += cand.doc.text.len();
                cands.push(cand);
            }
        }
        stats.n_candidates = cands.len();
        cands
    }

    pub(super) fn candidate(&self, doc_id: DocId, stats: &mut TraceStats) -> Option<Candidate> {
        let cached = self.cache.get(doc_id);
        let fetched: Option<Document> = match cached {
            Some(_) => None,
            None => Some(self.candidates.document(doc_id)?),
        };
        let doc: &Document = match (&cached, &fetched) {
            (Some(prepared), _) => &prepared.doc,
            (None, Some(doc)) => doc,
            (None, None) => return None,
        };
        if self.self_id.is_some_and(|id| id == doc.id) {
            return None;
        }
        if let (Some(latest), Some(date)) = (self.latest, doc.date)
            && date > latest
        {
            stats.n_candidates_too_late += 1;
            return None;
        }
        let prepared = match (cached, fetched) {
            (Some(prepared), _) => prepared,
            (None, Some(doc)) => {
                let prepared = Arc::new(Prepared::new(doc));
                self.cache.put(doc_id, &prepared);
                prepared
            }
            (None, None) => return None,
        };
        Some(Candidate { doc_id, prepared })
    }
}

/// The latest source time allowed for a query dated `date`: a bare date covers its whole day.
fn end_of_day(date: Timestamp) -> Timestamp {
    if date.0.rem_euclid(86_400) == 0 { Timestamp(date.0 + 86_399) } else { date }
}

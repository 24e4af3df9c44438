//! Candidate documents: fetched from [`Candidates`] (or the caller's [`CandidateCache`]),
//! analysed once, and dropped when they are the query itself or dated after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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
    /// Computed on first use: only the sources a trace reports need them.
    chars: OnceLock<CharIndex>,
    /// Sentence embeddings of the paraphrase stage, by model name, computed on first use.
    pub(super) vectors: Mutex<SentenceVectors>,
    /// Canonical hash of a content token → token positions.
    pub(super) words: WordPositions,
    quotes: OnceLock<QuoteMask>,
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
        let words = WordPositions::new(&positions);
        let vectors = Mutex::new(SentenceVectors::default());
        let (chars, quotes) = (OnceLock::new(), OnceLock::new());
        Prepared { doc, analyzed, chars, vectors, words, quotes }
    }

    /// Byte → character offsets of the text.
    pub(super) fn chars(&self) -> &CharIndex {
        self.chars.get_or_init(|| CharIndex::new(&self.doc.text))
    }

    /// The quotations of the text.
    pub(super) fn quotes(&self) -> &QuoteMask {
        self.quotes.get_or_init(|| QuoteMask::new(&self.doc.text))
    }
}

/// A document's content words and their token positions, as one flat table: an
/// open-addressing table of (word, start, length) over one array of positions (a lookup
/// touches one slot and one run of positions), behind a bloom filter.
#[derive(Debug)]
pub(super) struct WordPositions {
    /// (word, start in `positions`, number of positions); 0 positions: an empty slot.
    slots: Vec<(u64, u32, u32)>,
    positions: Vec<u32>,
    bloom: WordBloom,
}

impl WordPositions {
    fn new(by_word: &KeyMap<Vec<u32>>) -> WordPositions {
        let n_slots = (2 * by_word.len()).next_power_of_two().max(2);
        let mut slots = vec![(0u64, 0u32, 0u32); n_slots];
        let mut positions = Vec::with_capacity(by_word.values().map(Vec::len).sum());
        for (word, at) in by_word {
            let mut slot = Self::slot_of(*word, n_slots);
            while slots[slot].2 != 0 {
                slot = (slot + 1) & (n_slots - 1);
            }
            slots[slot] = (*word, positions.len() as u32, at.len() as u32);
            positions.extend_from_slice(at);
        }
        let bloom = WordBloom::new(by_word.keys().copied(), by_word.len());
        WordPositions { slots, positions, bloom }
    }

    fn slot_of(word: u64, n_slots: usize) -> usize {
        // Canonical hashes are xxh3 values: their bits are already mixed.
        (word as usize) & (n_slots - 1)
    }

    /// Whether `word` may be one of the words (false: it is not).
    pub(super) fn may_contain(&self, word: u64) -> bool {
        self.bloom.may_contain(word)
    }

    /// The positions of `word`, in order (empty when the document lacks it).
    pub(super) fn get(&self, word: u64) -> &[u32] {
        let mut slot = Self::slot_of(word, self.slots.len());
        loop {
            let (key, start, len) = self.slots[slot];
            if len == 0 {
                return &[];
            }
            if key == word {
                return &self.positions[start as usize..(start + len) as usize];
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }
}

/// A bloom filter of a document's content words (one bit per word, about 8 bits per
/// word): a word whose bit is clear is not among them.
#[derive(Debug)]
struct WordBloom {
    bits: Vec<u64>,
    /// 64 − log2(number of bits).
    shift: u32,
}

impl WordBloom {
    fn new(words: impl Iterator<Item = u64>, n_words: usize) -> WordBloom {
        let n_bits = (n_words * 8).next_power_of_two().clamp(64, 1 << 20);
        let shift = 64 - n_bits.trailing_zeros();
        let mut bloom = WordBloom { bits: vec![0; n_bits / 64], shift };
        for word in words {
            let at = bloom.bit(word);
            bloom.bits[at / 64] |= 1u64 << (at % 64);
        }
        bloom
    }

    fn bit(&self, word: u64) -> usize {
        (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Whether `word` may be one of the words (false: it is not).
    fn may_contain(&self, word: u64) -> bool {
        let at = self.bit(word);
        self.bits[at / 64] >> (at % 64) & 1 != 0
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
/// again). Owned by the caller; it may be shared between threads. Two generations of half
/// the capacity each: a document found in the older one moves to the newer one, and when the
/// newer one is full the older one is dropped, so recently used documents stay.
#[derive(Debug)]
pub struct CandidateCache {
    capacity: usize,
    entries: Mutex<Generations>,
}

/// The two generations of a [`CandidateCache`].
#[derive(Debug, Default)]
struct Generations {
    new: HashMap<DocId, Arc<Prepared>>,
    old: HashMap<DocId, Arc<Prepared>>,
}

impl Generations {
    /// Adds `doc` to the newer generation, first ageing it when it holds `half` documents.
    fn insert(&mut self, doc: DocId, prepared: Arc<Prepared>, half: usize) {
        if self.new.len() >= half {
            self.old = std::mem::take(&mut self.new);
        }
        self.new.insert(doc, prepared);
    }
}

impl CandidateCache {
    /// A cache of at most `capacity` documents (0: no caching).
    pub fn new(capacity: usize) -> CandidateCache {
        CandidateCache { capacity, entries: Mutex::new(Generations::default()) }
    }

    /// Documents per generation.
    fn half(&self) -> usize {
        self.capacity.div_ceil(2)
    }

    fn get(&self, doc: DocId) -> Option<Arc<Prepared>> {
        if self.capacity == 0 {
            return None;
        }
        let mut entries = self.entries.lock().ok()?;
        if let Some(prepared) = entries.new.get(&doc) {
            return Some(Arc::clone(prepared));
        }
        let prepared = entries.old.remove(&doc)?;
        let half = self.half();
        entries.insert(doc, Arc::clone(&prepared), half);
        Some(prepared)
    }

    fn put(&self, doc: DocId, prepared: &Arc<Prepared>) {
        if self.capacity == 0 {
            return;
        }
        let half = self.half();
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(doc, Arc::clone(prepared), half);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(id: u32) -> Arc<Prepared> {
        let doc =
            Document { id: format!("d{id}"), text: format!("Text {id}."), ..Document::default() };
        Arc::new(Prepared::new(doc))
    }

    fn held(cache: &CandidateCache) -> Vec<u32> {
        let entries = cache.entries.lock().expect("lock");
        let mut ids: Vec<u32> = entries.new.keys().chain(entries.old.keys()).map(|d| d.0).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn cache_keeps_recently_used_documents_within_capacity() {
        let cache = CandidateCache::new(4);
        for id in 1..=4 {
            cache.put(DocId(id), &prepared(id));
        }
        // 1 and 2 aged when 3 came; 3 and 4 are the newer generation.
        assert_eq!(held(&cache), [1, 2, 3, 4]);
        let got = cache.get(DocId(1)).expect("1 is held");
        assert_eq!(got.doc.id, "d1");
        // Getting 1 moved it to a new generation: 3 and 4 aged, 2 was dropped.
        assert_eq!(held(&cache), [1, 3, 4]);
        cache.put(DocId(5), &prepared(5));
        assert_eq!(held(&cache), [1, 3, 4, 5]);
        cache.put(DocId(6), &prepared(6));
        assert_eq!(held(&cache), [1, 5, 6]);
        assert!(cache.get(DocId(2)).is_none());
        assert!(CandidateCache::new(0).get(DocId(1)).is_none());
    }

    #[test]
    fn candidate_tables_are_computed_on_demand() {
        let p = prepared(7);
        assert_eq!(p.chars().char_offset(p.doc.text.len()), p.doc.text.chars().count());
        assert!(!p.quotes().is_quotation(&p.doc.text, 0, 4));
    }
}

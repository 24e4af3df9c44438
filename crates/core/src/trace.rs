//! Passage-by-passage source tracing of one article.
//!
//! Pipeline: analyse the body (sentences, tokens) → look up every sentence's shingles in the
//! index through [`Candidates`] (fingerprints found in too many documents are skipped; the rest
//! are weighted by inverse document frequency) → choose candidate documents, globally and per
//! sentence, dropping those dated after the query → align every sentence against the densest
//! window of each candidate that shares enough content words with it → keep, per sentence, the
//! best source, with the earliest equally good document as origin and the rest as co-copies →
//! mark common boilerplate, reordering, passages, flags and the verdict.
//!
//! Retrieval survives spinning because shingles are built from content words inside each
//! sentence and a candidate found through any sentence is aligned against every sentence:
//! a heavily spun sentence needs no surviving shingle of its own once its source document was
//! found through a neighbour.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::align::{Alignment, Op, Scoring, align, align_with};
use crate::date::format_date;
use crate::limits::{Cancel, TraceLimits, hit};
use crate::report::{
    Alteration, CharIndex, Flag, FlagKind, OriginShare, Passage, QueryInfo, SentenceReport,
    SentenceStatus, SourceDoc, SourceMatch, SourceRole, Substitution, TRACE_SCHEMA, TraceReport,
    TraceStats, Verdict, VerdictKind,
};
use crate::shingle::{
    ShingleConfig, document_fingerprints, sentence_anchors, sentence_hash, sentence_shingles,
};
use crate::text::{Analyzed, Token, analyze, normalize_token};
use crate::thesaurus::{Thesaurus, intersects};
use crate::{DocId, Document, Timestamp};

/// Where `trace` finds candidate documents: the index implements it; tests use
/// [`MemoryCandidates`].
pub trait Candidates {
    /// Number of live documents.
    fn n_docs(&self) -> u64;
    /// Number of documents containing `fingerprint`.
    fn doc_freq(&self, fingerprint: u64) -> u32;
    /// Appends the documents containing `fingerprint` to `out`.
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>);
    /// The `k` stored sentences nearest to `vector` by the stored sentence index of `model`:
    /// `(document, sentence index, cosine)`, best first; empty when there is none.
    fn similar_sentences(&self, model: &str, vector: &[f32], k: usize) -> Vec<(DocId, u32, f32)> {
        let _ = (model, vector, k);
        Vec::new()
    }
    /// The stored document, or `None` if it is unknown, deleted or unreadable.
    fn document(&self, doc: DocId) -> Option<Document>;
    /// Whether any document of `outlet` is indexed; `None` when this cannot be told.
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        let _ = outlet;
        None
    }
}

/// The article to trace.
#[derive(Debug, Clone, Default)]
pub struct TraceInput<'a> {
    /// Its id, if it may be in the index (it is then never its own source).
    pub id: Option<&'a str>,
    /// Its title, if known.
    pub title: Option<&'a str>,
    /// The body text; report offsets index into it.
    pub text: &'a str,
    /// Its date: sources dated later are ignored. A date without a time of day covers the day.
    pub date: Option<Timestamp>,
}

/// Knobs of [`trace`].
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// Fingerprinting; must equal the index's.
    pub shingle: ShingleConfig,
    /// Alignment scores.
    pub scoring: Scoring,
    /// Fingerprints in more documents than this are not looked up.
    pub max_doc_freq: u32,
    /// Candidates taken by total retrieval score.
    pub max_candidates: usize,
    /// Candidates taken per sentence by that sentence's retrieval score (on top of the above).
    pub per_sentence_candidates: usize,
    /// A sentence found verbatim in at least this many documents is common text (boilerplate)
    /// unless its source also supplies other sentences of the query.
    pub common_sentence_docs: u32,
    /// An accepted alignment has at least this many equal tokens...
    pub min_matches: usize,
    /// ...and covers at least this share of the sentence's tokens, or `long_match` tokens.
    pub min_sentence_share: f64,
    /// Equal tokens that make an alignment significant whatever the sentence's length.
    pub long_match: usize,
    /// Minimum similarity of the aligned region.
    pub min_similarity: f64,
    /// Documents whose alignment scores at least this share of the best are equivalent
    /// sources: the earliest is the origin, the others co-copies.
    pub co_copy_ratio: f64,
    /// Consecutive sentences from one origin merge into a passage when the source skips at
    /// most this many tokens between them.
    pub merge_gap_tokens: usize,
    /// Below this coverage the verdict is `original`.
    pub original_max_coverage: f64,
    /// The verdict is `copy` when one origin holds at least this share of the sourced text.
    pub copy_min_share: f64,
    /// An origin counts towards a patchwork when it holds this share of the body or 2 sentences.
    pub origin_min_share: f64,
    /// Distinct content words a candidate window must share with a sentence before it is
    /// aligned (fewer when the sentence has fewer, but at least 2).
    pub window_min_shared: usize,
    /// The sentence-embedding stage for sentences left unattributed (`None`: off).
    pub paraphrase: Option<crate::semantic::ParaphraseStage>,
    /// Synonyms the aligner scores as equivalent words (WordNet, the learned spin dictionary);
    /// `None`: only equal and canonically equal words pair up.
    pub thesaurus: Option<Arc<Thesaurus>>,
    /// Bounds on the work of one trace.
    pub limits: TraceLimits,
    /// Set by the caller to stop a running trace (a server timeout, a closed connection).
    pub cancel: Cancel,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            shingle: ShingleConfig::default(),
            scoring: Scoring::default(),
            max_doc_freq: 2000,
            max_candidates: 48,
            per_sentence_candidates: 3,
            common_sentence_docs: 10,
            min_matches: 4,
            min_sentence_share: 0.4,
            long_match: 10,
            min_similarity: 0.45,
            co_copy_ratio: 0.95,
            merge_gap_tokens: 40,
            original_max_coverage: 0.2,
            copy_min_share: 0.9,
            origin_min_share: 0.05,
            window_min_shared: 2,
            paraphrase: None,
            thesaurus: None,
            limits: TraceLimits::default(),
            cancel: Cancel::default(),
        }
    }
}

/// A candidate document, analysed.
struct Candidate {
    doc_id: DocId,
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
struct Prepared {
    doc: Document,
    analyzed: Analyzed,
    chars: CharIndex,
    /// Sentence embeddings of the paraphrase stage, by model name, computed on first use.
    vectors: Mutex<SentenceVectors>,
    /// Canonical hash of a content token → token positions.
    positions: HashMap<u64, Vec<u32>>,
    quotes: QuoteMask,
}

impl Prepared {
    fn new(doc: Document) -> Prepared {
        let analyzed = analyze(&doc.text);
        let mut positions: HashMap<u64, Vec<u32>> = HashMap::new();
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
struct SentenceVectors {
    model: String,
    by_sentence: HashMap<usize, Arc<[f32]>>,
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

/// Which bytes of a text lie inside double quotation marks (“…”, "…"), as a prefix count.
/// A paragraph break closes an open quotation (news style reopens it in the next paragraph).
#[derive(Debug, Clone)]
struct QuoteMask {
    prefix: Vec<u32>,
}

impl QuoteMask {
    fn new(text: &str) -> QuoteMask {
        let mut prefix = Vec::with_capacity(text.len() + 1);
        prefix.push(0u32);
        let (mut open, mut count, mut last_newline) = (false, 0u32, false);
        for c in text.chars() {
            match c {
                '“' | '„' => open = true,
                '”' => open = false,
                '"' => open = !open,
                '\n' if last_newline => open = false,
                _ => {}
            }
            if c == '\n' {
                last_newline = true;
            } else if !c.is_whitespace() {
                last_newline = false;
            }
            for _ in 0..c.len_utf8() {
                count += u32::from(open);
                prefix.push(count);
            }
        }
        QuoteMask { prefix }
    }

    /// Share of the bytes `start..end` that lie inside quotation marks.
    fn share(&self, start: usize, end: usize) -> f64 {
        if end <= start || end >= self.prefix.len() {
            return 0.0;
        }
        f64::from(self.prefix[end] - self.prefix[start]) / (end - start) as f64
    }
}

/// A match is a shared quotation when this share of it lies inside quotation marks in the
/// query or in the source.
const QUOTED_SHARE: f64 = 0.6;

/// One accepted alignment of a query sentence against a candidate.
#[derive(Clone)]
struct Hit {
    candidate: usize,
    alignment: Alignment,
}

/// Traces `input` against the documents of `candidates`.
pub fn trace(
    input: &TraceInput<'_>,
    candidates: &dyn Candidates,
    config: &TraceConfig,
) -> TraceReport {
    trace_cached(input, candidates, config, &CandidateCache::new(0))
}

/// [`trace`], keeping analysed candidates in `cache` for later traces against the same
/// documents. The report is the same as without the cache.
pub fn trace_cached(
    input: &TraceInput<'_>,
    candidates: &dyn Candidates,
    config: &TraceConfig,
    cache: &CandidateCache,
) -> TraceReport {
    let body = input.text;
    let limits = &config.limits;
    let mut analyzed = analyze(body);
    let query_chars = CharIndex::new(body);
    let query_quotes = QuoteMask::new(body);
    let mut stats = TraceStats::default();
    if window_long_sentences(&mut analyzed, limits.max_sentence_tokens) {
        stats.limits_hit.push(hit::LONG_SENTENCES.to_string());
    }
    let n_sentences = analyzed.sentences.len();

    // 1. Exact-sentence frequencies: candidates for common text.
    let sentence_df: Vec<u32> = (0..n_sentences)
        .map(|idx| {
            sentence_hash(&analyzed, idx, &config.shingle).map_or(0, |h| candidates.doc_freq(h))
        })
        .collect();

    // 2. Retrieval.
    let n_docs = candidates.n_docs().max(1) as f64;
    let mut total: BTreeMap<DocId, f64> = BTreeMap::new();
    let mut per_sentence: Vec<BTreeMap<DocId, f64>> = vec![BTreeMap::new(); n_sentences];
    let mut postings = Vec::new();
    let mut n_postings_read = 0u64;
    for idx in 0..n_sentences {
        if sentence_df[idx] >= config.common_sentence_docs {
            continue;
        }
        if n_postings_read >= limits.max_postings {
            stats.limits_hit.push(hit::POSTINGS.to_string());
            break;
        }
        if config.cancel.is_cancelled() {
            break;
        }
        let mut fingerprints = sentence_shingles(&analyzed, idx, &config.shingle);
        fingerprints.extend(sentence_anchors(&analyzed, idx, &config.shingle));
        fingerprints.sort_unstable();
        fingerprints.dedup();
        for fingerprint in fingerprints {
            stats.n_fingerprints += 1;
            let df = candidates.doc_freq(fingerprint);
            if df == 0 {
                continue;
            }
            if df > config.max_doc_freq {
                stats.n_fingerprints_too_common += 1;
                continue;
            }
            let weight = (1.0 + n_docs / f64::from(df)).ln();
            postings.clear();
            candidates.postings(fingerprint, &mut postings);
            n_postings_read += postings.len() as u64;
            postings.dedup();
            for doc in &postings {
                *per_sentence[idx].entry(*doc).or_default() += weight;
                *total.entry(*doc).or_default() += weight;
            }
        }
    }
    let per_sentence_top: Vec<Vec<DocId>> = per_sentence
        .iter()
        .map(|scores| top_docs(scores, config.per_sentence_candidates))
        .collect();
    let overall_top = top_docs(&total, config.max_candidates);
    let chosen = choose_candidates(&overall_top, &per_sentence_top, limits, &mut stats);

    // 3. Fetch and analyse candidates, dropping later ones and the query itself.
    let fetch = Fetch { candidates, cache, self_id: input.id, latest: input.date.map(end_of_day) };
    let mut cands: Vec<Candidate> = Vec::new();
    let mut candidate_bytes = 0usize;
    for doc_id in chosen {
        if config.cancel.is_cancelled() {
            break;
        }
        if candidate_bytes >= limits.max_candidate_bytes {
            stats.limits_hit.push(hit::CANDIDATE_BYTES.to_string());
            break;
        }
        if let Some(cand) = fetch.candidate(doc_id, &mut stats) {
            candidate_bytes += cand.doc.text.len();
            cands.push(cand);
        }
    }
    stats.n_candidates = cands.len();
    // Which candidates each sentence is aligned against: all of them, unless there are so
    // many that a long article would cost sentences × candidates (see `TraceLimits`).
    let local = (cands.len() > limits.local_candidates_above)
        .then(|| LocalCandidates::new(&cands, &overall_top, &per_sentence_top));

    // 4. Align every sentence against every candidate that shares enough content words.
    let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); n_sentences];
    let mut senses = config.thesaurus.as_deref().map(SenseMemo::new);
    let min_shared = config.window_min_shared;
    let mut n_cells = 0u64;
    'sentences: for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        let tokens = &analyzed.tokens[sentence.token_start..sentence.token_end];
        if tokens.len() < config.min_matches {
            continue;
        }
        if config.cancel.is_cancelled() {
            break;
        }
        let q_senses = senses.as_mut().map(|s| s.of(body, tokens));
        for (c_idx, cand) in cands.iter().enumerate() {
            if local.as_ref().is_some_and(|local| !local.allows(idx, c_idx)) {
                continue;
            }
            let Some((lo, hi)) = window(tokens, cand, min_shared) else { continue };
            n_cells += (tokens.len() * (hi - lo)) as u64;
            if n_cells > limits.max_alignment_cells {
                stats.limits_hit.push(hit::ALIGNMENT_CELLS.to_string());
                break 'sentences;
            }
            stats.n_alignments += 1;
            let s_tokens = &cand.analyzed.tokens[lo..hi];
            let aligned = match (senses.as_mut(), &q_senses) {
                (Some(memo), Some(q_senses)) => {
                    let s_senses = memo.of(&cand.doc.text, s_tokens);
                    let store = &memo.store;
                    let synonym = |i: usize, j: usize| {
                        let (a, b) = (q_senses[i] as usize, s_senses[j] as usize);
                        a != 0 && b != 0 && intersects(&store[a], &store[b])
                    };
                    align_with(tokens, s_tokens, &config.scoring, &synonym)
                }
                _ => align(tokens, s_tokens, &config.scoring),
            };
            let Some(mut alignment) = aligned else { continue };
            alignment.q_start += sentence.token_start;
            alignment.q_end += sentence.token_start;
            alignment.s_start += lo;
            alignment.s_end += lo;
            extend_edges(&mut alignment, sentence.token_start, sentence.token_end, &cand.analyzed);
            if accept(&alignment, &analyzed.tokens, tokens.len(), config) {
                hits[idx].push(Hit { candidate: c_idx, alignment });
            }
        }
    }

    // 5. Best source per sentence; the earliest equivalent document is the origin.
    let mut best: Vec<Option<(usize, Hit, Vec<usize>)>> = hits
        .into_iter()
        .map(|sentence_hits| choose_origin(sentence_hits, &cands, config))
        .collect();

    // 6. The title printed again is not traced; common text: frequent sentences whose source
    // supplies nothing else.
    let title_repeats = find_title_repeats(input.title, &analyzed);
    let mut status = vec![SentenceStatus::Original; n_sentences];
    for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        // Compare words, not bytes: the sentence may end with a full stop the title lacks.
        let words = &analyzed.tokens[sentence.token_start..sentence.token_end];
        let inside = !words.is_empty()
            && title_repeats.iter().any(|(start, end)| {
                *start <= words[0].byte_start && words[words.len() - 1].byte_end <= *end
            });
        if inside {
            status[idx] = SentenceStatus::Title;
            best[idx] = None;
        }
    }
    for idx in 0..n_sentences {
        if sentence_df[idx] < config.common_sentence_docs || status[idx] == SentenceStatus::Title {
            continue;
        }
        let supported = best[idx].as_ref().is_some_and(|(origin, _, _)| {
            best.iter().enumerate().any(|(other, b)| {
                other != idx
                    && sentence_df[other] < config.common_sentence_docs
                    && b.as_ref().is_some_and(|(o, _, co)| o == origin || co.contains(origin))
            })
        });
        if !supported {
            status[idx] = SentenceStatus::Common;
            best[idx] = None;
        }
    }
    for idx in 0..n_sentences {
        if best[idx].is_some() {
            status[idx] = SentenceStatus::Sourced;
        }
    }

    // 6b. Paraphrases: unattributed sentences against the best candidates' sentences.
    let paraphrases = match &config.paraphrase {
        Some(stage) if !config.cancel.is_cancelled() => {
            let lookup = Lookup { best: &best, total: &total, fetch: &fetch };
            find_paraphrases(stage, body, &analyzed, &status, lookup, &mut cands, &mut stats)
        }
        _ => vec![None; n_sentences],
    };
    if config.cancel.is_cancelled() {
        stats.limits_hit.push(hit::CANCELLED.to_string());
    }
    for (idx, p) in paraphrases.iter().enumerate() {
        if p.is_some() {
            status[idx] = SentenceStatus::Sourced;
        }
    }

    // 7. Reordering: per origin, sentences outside the longest increasing run of source order.
    let mut reordered = vec![false; n_sentences];
    let mut by_origin: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (idx, b) in best.iter().enumerate() {
        if let Some((origin, _, _)) = b {
            by_origin.entry(*origin).or_default().push(idx);
        }
    }
    for sentence_idxs in by_origin.values() {
        let starts: Vec<usize> = sentence_idxs
            .iter()
            .map(|i| best[*i].as_ref().map_or(0, |(_, hit, _)| hit.alignment.s_start))
            .collect();
        let keep = longest_increasing(&starts);
        for (pos, idx) in sentence_idxs.iter().enumerate() {
            if !keep[pos] {
                reordered[*idx] = true;
            }
        }
    }

    // 8. Build the report: sources, sentences, passages, verdict, flags.
    let mut source_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut sources: Vec<SourceDoc> = Vec::new();
    let mut source_index = |c_idx: usize, sources: &mut Vec<SourceDoc>| -> usize {
        *source_of.entry(c_idx).or_insert_with(|| {
            let doc = &cands[c_idx].doc;
            sources.push(SourceDoc {
                id: doc.id.clone(),
                title: doc.title.clone(),
                outlet: doc.source.clone(),
                date: doc.date.map(format_date),
                url: doc.url.clone(),
                role: SourceRole::CoCopy,
                n_sentences: 0,
            });
            sources.len() - 1
        })
    };
    let mut sentences = Vec::with_capacity(n_sentences);
    for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        if let Some(p) = &paraphrases[idx] {
            let source = source_index(p.candidate, &mut sources);
            sources[source].role = SourceRole::Origin;
            sources[source].n_sentences += 1;
            let cand = &cands[p.candidate];
            let s_sentence = &cand.analyzed.sentences[p.sentence];
            let (s_start, s_end) = (s_sentence.byte_start, s_sentence.byte_end);
            let (q_start, q_end) = (sentence.byte_start, sentence.byte_end);
            sentences.push(SentenceReport {
                idx,
                char_start: query_chars.char_offset(q_start),
                char_end: query_chars.char_offset(q_end),
                text: body[q_start..q_end].to_string(),
                status: status[idx],
                source_match: Some(SourceMatch {
                    source,
                    kind: Alteration::Paraphrased,
                    alterations: vec![Alteration::Paraphrased],
                    similarity: round3(f64::from(p.similarity)),
                    query_char_start: query_chars.char_offset(q_start),
                    query_char_end: query_chars.char_offset(q_end),
                    source_char_start: cand.chars.char_offset(s_start),
                    source_char_end: cand.chars.char_offset(s_end),
                    source_text: cand.doc.text[s_start..s_end].to_string(),
                    substitutions: Vec::new(),
                    n_inserted: 0,
                    n_deleted: 0,
                    quoted: query_quotes.share(q_start, q_end) >= QUOTED_SHARE
                        || cand.quotes.share(s_start, s_end) >= QUOTED_SHARE,
                    co_copies: Vec::new(),
                }),
            });
            continue;
        }
        let source_match = best[idx].as_ref().map(|(origin, hit, co)| {
            let source = source_index(*origin, &mut sources);
            sources[source].role = SourceRole::Origin;
            sources[source].n_sentences += 1;
            let co_copies = co.iter().map(|c| source_index(*c, &mut sources)).collect();
            describe(
                hit,
                &cands[*origin],
                body,
                &analyzed.tokens,
                &query_chars,
                &query_quotes,
                reordered[idx],
                source,
                co_copies,
            )
        });
        sentences.push(SentenceReport {
            idx,
            char_start: query_chars.char_offset(sentence.byte_start),
            char_end: query_chars.char_offset(sentence.byte_end),
            text: body[sentence.byte_start..sentence.byte_end].to_string(),
            status: status[idx],
            source_match,
        });
    }
    let sentence_tokens: Vec<usize> =
        analyzed.sentences.iter().map(|s| s.token_end - s.token_start).collect();
    let passages = passages(&sentences, &best, &sentence_tokens, config);
    let verdict = verdict(&sentences, &sources, config);
    let mut flags = title_flags(&title_repeats, body, &query_chars);
    flags.extend(dateline_flags(body, &analyzed, &query_chars, candidates));
    if let Some(thesaurus) = &config.thesaurus {
        flags.extend(known_spin_flags(&sentences, thesaurus));
        stats.thesaurus = Some(thesaurus.description().to_string());
    }

    TraceReport {
        schema: TRACE_SCHEMA.to_string(),
        query: QueryInfo {
            id: input.id.map(str::to_string),
            title: input.title.map(str::to_string),
            date: input.date.map(format_date),
            body_char_offset: 0,
            n_chars: query_chars.char_offset(body.len()),
            n_sentences,
        },
        verdict,
        flags,
        sentences,
        passages,
        sources,
        stats,
    }
}

/// How a trace gets candidate documents: fetched (or taken from the cache), analysed, and
/// dropped when they are the query itself or dated after it.
struct Fetch<'a> {
    candidates: &'a dyn Candidates,
    cache: &'a CandidateCache,
    self_id: Option<&'a str>,
    latest: Option<Timestamp>,
}

impl Fetch<'_> {
    fn candidate(&self, doc_id: DocId, stats: &mut TraceStats) -> Option<Candidate> {
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

/// What the paraphrase stage reads of the trace so far.
struct Lookup<'a> {
    best: &'a [Option<(usize, Hit, Vec<usize>)>],
    total: &'a BTreeMap<DocId, f64>,
    fetch: &'a Fetch<'a>,
}

/// Stored sentences the paraphrase stage asks the index for, per query sentence.
const ANN_NEIGHBOURS: usize = 8;

/// A sentence found by the paraphrase stage.
#[derive(Debug, Clone, Copy)]
struct ParaphraseHit {
    candidate: usize,
    /// Sentence index in the candidate.
    sentence: usize,
    similarity: f32,
}

/// The paraphrase stage ([`crate::semantic::ParaphraseStage`]): per query sentence, the most
/// similar sentence among the chosen candidates when its cosine reaches the threshold.
/// With a stored sentence index ([`Candidates::similar_sentences`]), the nearest stored
/// sentences of the whole index are candidates too (their documents join `cands`).
fn find_paraphrases(
    stage: &crate::semantic::ParaphraseStage,
    body: &str,
    analyzed: &Analyzed,
    status: &[SentenceStatus],
    lookup: Lookup<'_>,
    cands: &mut Vec<Candidate>,
    stats: &mut TraceStats,
) -> Vec<Option<ParaphraseHit>> {
    let Lookup { best, total, fetch } = lookup;
    let n = analyzed.sentences.len();
    let mut out = vec![None; n];
    let long_enough = |s: &crate::text::Sentence| s.token_end - s.token_start >= stage.min_tokens;
    let wanted: Vec<usize> = (0..n)
        .filter(|&i| {
            status[i] == SentenceStatus::Original
                && best[i].is_none()
                && long_enough(&analyzed.sentences[i])
        })
        .collect();
    if wanted.is_empty() {
        return out;
    }
    // Origins of exact matches first (in text order), then the best retrieved candidates.
    let mut docs: Vec<usize> = Vec::new();
    for (origin, _, _) in best.iter().flatten() {
        if !docs.contains(origin) && docs.len() < stage.max_docs {
            docs.push(*origin);
        }
    }
    let mut ranked: Vec<usize> = (0..cands.len()).collect();
    let score = |c: usize| total.get(&cands[c].doc_id).copied().unwrap_or(0.0);
    ranked.sort_by(|a, b| score(*b).total_cmp(&score(*a)).then(a.cmp(b)));
    for c in ranked {
        if docs.len() >= stage.max_docs {
            break;
        }
        if !docs.contains(&c) {
            docs.push(c);
        }
    }
    let embedder = &*stage.embedder;
    let texts: Vec<&str> = wanted
        .iter()
        .map(|&i| {
            let s = &analyzed.sentences[i];
            &body[s.byte_start..s.byte_end]
        })
        .collect();
    stats.n_paraphrase_queries = texts.len();
    let queries = match embedder.embed(&texts) {
        Ok(v) => v,
        Err(e) => {
            stats.paraphrase_error = Some(e.to_string());
            return out;
        }
    };
    // A paraphrase keeps some words: names, numbers, a few content words. Candidate sentences
    // sharing fewer than two content words with every wanted sentence are not embedded.
    let wanted_words: Vec<Vec<u64>> = wanted
        .iter()
        .map(|&i| {
            let s = &analyzed.sentences[i];
            content_words(&analyzed.tokens[s.token_start..s.token_end])
        })
        .collect();
    let mut best_hit: Vec<Option<ParaphraseHit>> = vec![None; wanted.len()];
    // The stored sentence index: nearest sentences of the whole index.
    for (w, q) in queries.iter().enumerate() {
        for (doc_id, s_idx, sim) in
            fetch.candidates.similar_sentences(embedder.name(), q, ANN_NEIGHBOURS)
        {
            if sim < stage.min_similarity || best_hit[w].is_some_and(|b| b.similarity >= sim) {
                continue;
            }
            let c = match cands.iter().position(|c| c.doc_id == doc_id) {
                Some(c) => c,
                None => match fetch.candidate(doc_id, stats) {
                    Some(cand) => {
                        cands.push(cand);
                        cands.len() - 1
                    }
                    None => continue,
                },
            };
            if (s_idx as usize) < cands[c].analyzed.sentences.len() {
                stats.n_paraphrase_ann_hits += 1;
                best_hit[w] =
                    Some(ParaphraseHit { candidate: c, sentence: s_idx as usize, similarity: sim });
            }
        }
    }
    for &c in &docs {
        let cand = &cands[c];
        let sentences = &cand.analyzed.sentences;
        // (candidate sentence, wanted sentences it may paraphrase)
        let mut pairs: Vec<(usize, Vec<usize>)> = Vec::new();
        for (s_idx, sentence) in sentences.iter().enumerate() {
            if !long_enough(sentence) {
                continue;
            }
            let words =
                content_words(&cand.analyzed.tokens[sentence.token_start..sentence.token_end]);
            let targets: Vec<usize> = (0..wanted.len())
                .filter(|&w| {
                    words.iter().filter(|h| wanted_words[w].binary_search(h).is_ok()).count() >= 2
                })
                .collect();
            if !targets.is_empty() {
                pairs.push((s_idx, targets));
            }
        }
        if pairs.is_empty() {
            continue;
        }
        let Ok(mut cache) = cand.vectors.lock() else { continue };
        if cache.model != embedder.name() {
            *cache = SentenceVectors { model: embedder.name().to_string(), ..Default::default() };
        }
        let missing: Vec<usize> =
            pairs.iter().map(|(i, _)| *i).filter(|i| !cache.by_sentence.contains_key(i)).collect();
        if !missing.is_empty() {
            let texts: Vec<&str> = missing
                .iter()
                .map(|&i| &cand.doc.text[sentences[i].byte_start..sentences[i].byte_end])
                .collect();
            match embedder.embed(&texts) {
                Ok(vectors) => {
                    stats.n_paraphrase_embedded += vectors.len();
                    for (i, v) in missing.into_iter().zip(vectors) {
                        cache.by_sentence.insert(i, v.into());
                    }
                }
                Err(e) => {
                    stats.paraphrase_error = Some(e.to_string());
                    return out;
                }
            }
        }
        for (s_idx, targets) in &pairs {
            let Some(v) = cache.by_sentence.get(s_idx) else { continue };
            for &w in targets {
                let sim = crate::semantic::cosine(&queries[w], v);
                if sim >= stage.min_similarity
                    && best_hit[w].is_none_or(|b: ParaphraseHit| sim > b.similarity)
                {
                    best_hit[w] =
                        Some(ParaphraseHit { candidate: c, sentence: *s_idx, similarity: sim });
                }
            }
        }
    }
    for (w, hit) in best_hit.into_iter().enumerate() {
        out[wanted[w]] = hit;
    }
    out
}

/// The distinct content words of `tokens` (canonical hashes), sorted.
fn content_words(tokens: &[Token]) -> Vec<u64> {
    let mut words: Vec<u64> = tokens.iter().filter_map(Token::content_word).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// One `known_spin` flag per distinct substitution of the report that the learned spin
/// dictionary holds, at its first sentence.
fn known_spin_flags(sentences: &[SentenceReport], thesaurus: &Thesaurus) -> Vec<Flag> {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for sentence in sentences {
        let Some(m) = &sentence.source_match else { continue };
        for sub in &m.substitutions {
            let Some(spin) = thesaurus.known_spin(&sub.from, &sub.to) else { continue };
            let key = (spin.from.clone(), spin.to.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let outlets: Vec<String> =
                spin.outlets.iter().take(3).map(|o| format!("{} ({})", o.outlet, o.n)).collect();
            out.push(Flag {
                kind: FlagKind::KnownSpin,
                message: format!(
                    "\"{}\" → \"{}\" is a learned spin: seen {} times in {} copies across {} outlets ({})",
                    sub.from,
                    sub.to,
                    spin.n,
                    spin.n_docs,
                    spin.n_outlets,
                    outlets.join(", ")
                ),
                char_start: m.query_char_start,
                char_end: m.query_char_end,
                outlet: spin.outlets.first().map(|o| o.outlet.clone()),
                outlet_in_index: None,
                spin: Some(spin.clone()),
            });
        }
    }
    out
}

/// WordNet and learned senses of the words met during one trace, computed once per word.
struct SenseMemo<'a> {
    thesaurus: &'a Thesaurus,
    /// Token hash → index into `store` (0: no senses).
    index: HashMap<u64, u32>,
    /// Sense lists; `store[0]` is empty.
    store: Vec<Vec<u32>>,
}

impl<'a> SenseMemo<'a> {
    fn new(thesaurus: &'a Thesaurus) -> SenseMemo<'a> {
        SenseMemo { thesaurus, index: HashMap::new(), store: vec![Vec::new()] }
    }

    /// For each token of `tokens` (words of `text`), the index of its senses in `store`.
    fn of(&mut self, text: &str, tokens: &[Token]) -> Vec<u32> {
        let thesaurus = self.thesaurus;
        tokens
            .iter()
            .map(|token| {
                if !token.is_content() {
                    return 0;
                }
                if let Some(idx) = self.index.get(&token.hash) {
                    return *idx;
                }
                let word = normalize_token(&text[token.byte_start..token.byte_end]);
                let senses = thesaurus.senses(&word);
                let idx = if senses.is_empty() {
                    0
                } else {
                    self.store.push(senses);
                    (self.store.len() - 1) as u32
                };
                self.index.insert(token.hash, idx);
                idx
            })
            .collect()
    }
}

/// The latest source time allowed for a query dated `date`: a bare date covers its whole day.
fn end_of_day(date: Timestamp) -> Timestamp {
    if date.0.rem_euclid(86_400) == 0 { Timestamp(date.0 + 86_399) } else { date }
}

/// The candidates to fetch, in DocId order: the overall best and each sentence's best, or,
/// when that is more than [`TraceLimits::max_candidates`], that many taken by rank (the overall
/// best first, then each sentence's first choice, then its second, ...).
fn choose_candidates(
    overall_top: &[DocId],
    per_sentence_top: &[Vec<DocId>],
    limits: &TraceLimits,
    stats: &mut TraceStats,
) -> Vec<DocId> {
    let mut chosen: Vec<DocId> = overall_top.to_vec();
    for top in per_sentence_top {
        chosen.extend(top);
    }
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.len() <= limits.max_candidates {
        return chosen;
    }
    stats.limits_hit.push(hit::CANDIDATES.to_string());
    let mut taken: std::collections::BTreeSet<DocId> = overall_top.iter().copied().collect();
    let depth = per_sentence_top.iter().map(Vec::len).max().unwrap_or(0);
    'ranks: for rank in 0..depth {
        for top in per_sentence_top {
            if taken.len() >= limits.max_candidates {
                break 'ranks;
            }
            if let Some(doc) = top.get(rank) {
                taken.insert(*doc);
            }
        }
    }
    taken.into_iter().take(limits.max_candidates).collect()
}

/// For an article with very many candidates: which candidates each sentence is aligned
/// against. The overall best candidates, and those among the best of the sentence itself or
/// of the sentences up to [`LocalCandidates::REACH`] before or after it (a spun sentence shares
/// no fingerprint, but its neighbours copied from the same source do).
struct LocalCandidates {
    /// Candidate index → whether it is among the overall best.
    overall: Vec<bool>,
    /// Sentence → indexes (into the candidates) of its own best, sorted.
    own: Vec<Vec<usize>>,
}

impl LocalCandidates {
    const REACH: usize = 3;

    fn new(cands: &[Candidate], overall_top: &[DocId], per_sentence_top: &[Vec<DocId>]) -> Self {
        let position: HashMap<DocId, usize> =
            cands.iter().enumerate().map(|(c_idx, cand)| (cand.doc_id, c_idx)).collect();
        let mut overall = vec![false; cands.len()];
        for doc in overall_top {
            if let Some(&c_idx) = position.get(doc) {
                overall[c_idx] = true;
            }
        }
        let own = per_sentence_top
            .iter()
            .map(|top| {
                let mut idxs: Vec<usize> =
                    top.iter().filter_map(|doc| position.get(doc).copied()).collect();
                idxs.sort_unstable();
                idxs
            })
            .collect();
        LocalCandidates { overall, own }
    }

    fn allows(&self, sentence: usize, c_idx: usize) -> bool {
        if self.overall[c_idx] {
            return true;
        }
        let lo = sentence.saturating_sub(Self::REACH);
        let hi = (sentence + Self::REACH + 1).min(self.own.len());
        self.own[lo..hi].iter().any(|idxs| idxs.binary_search(&c_idx).is_ok())
    }
}

/// Cuts every sentence of more than `max_tokens` word tokens into consecutive windows of about
/// equal length (at most `max_tokens` each), so that the aligner's work per sentence is
/// bounded. Returns whether any sentence was cut.
fn window_long_sentences(analyzed: &mut Analyzed, max_tokens: usize) -> bool {
    let max_tokens = max_tokens.max(1);
    if analyzed.sentences.iter().all(|s| s.token_end - s.token_start <= max_tokens) {
        return false;
    }
    let mut windowed = Vec::with_capacity(analyzed.sentences.len());
    for sentence in &analyzed.sentences {
        let n_tokens = sentence.token_end - sentence.token_start;
        if n_tokens <= max_tokens {
            windowed.push(*sentence);
            continue;
        }
        let n_windows = n_tokens.div_ceil(max_tokens);
        for w in 0..n_windows {
            let token_start = sentence.token_start + n_tokens * w / n_windows;
            let token_end = sentence.token_start + n_tokens * (w + 1) / n_windows;
            let byte_start =
                if w == 0 { sentence.byte_start } else { analyzed.tokens[token_start].byte_start };
            let byte_end = if w + 1 == n_windows {
                sentence.byte_end
            } else {
                analyzed.tokens[token_end - 1].byte_end
            };
            windowed.push(crate::text::Sentence { byte_start, byte_end, token_start, token_end });
        }
    }
    analyzed.sentences = windowed;
    true
}

fn top_docs(scores: &BTreeMap<DocId, f64>, n: usize) -> Vec<DocId> {
    let mut ranked: Vec<(DocId, f64)> = scores.iter().map(|(d, s)| (*d, *s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(n);
    ranked.into_iter().map(|(d, _)| d).collect()
}

/// The window of `cand` to align a sentence against: around the densest cluster of shared
/// content words, or `None` when fewer than `min_shared` distinct ones are shared (or than
/// the sentence has, but at least 2).
fn window(tokens: &[Token], cand: &Candidate, min_shared: usize) -> Option<(usize, usize)> {
    // (position in the candidate, index of the distinct query content word found there)
    let mut positions: Vec<(u32, u32)> = Vec::new();
    let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut n_content = 0usize;
    for word in tokens.iter().filter_map(Token::content_word) {
        n_content += 1;
        if seen.contains(&word) {
            continue;
        }
        if let Some(found) = cand.positions.get(&word) {
            let idx = seen.len() as u32;
            positions.extend(found.iter().take(256).map(|p| (*p, idx)));
        }
        seen.insert(word);
    }
    let needed = min_shared.min(n_content).max(2);
    positions.sort_unstable();
    // The window of the candidate where the most DISTINCT query words occur: a name repeated
    // all over the candidate must not pull the window away from the copied sentence.
    let span = (tokens.len() * 2 + 8) as u32;
    let mut counts = vec![0u32; seen.len()];
    let (mut distinct, mut best) = (0usize, (0usize, 0usize, 0usize)); // (distinct, lo, hi)
    let mut lo = 0usize;
    for hi in 0..positions.len() {
        let word = positions[hi].1 as usize;
        counts[word] += 1;
        if counts[word] == 1 {
            distinct += 1;
        }
        while positions[hi].0 - positions[lo].0 > span {
            let old = positions[lo].1 as usize;
            counts[old] -= 1;
            if counts[old] == 0 {
                distinct -= 1;
            }
            lo += 1;
        }
        if distinct > best.0 {
            best = (distinct, lo, hi);
        }
    }
    if best.0 < needed {
        return None;
    }
    let first = positions[best.1].0 as usize;
    let last = positions[best.2].0 as usize;
    let pad = tokens.len() / 2 + 4;
    let n = cand.analyzed.tokens.len();
    Some((first.saturating_sub(pad), (last + pad + 1).min(n)))
}

/// Words an alignment may leave unmatched at a sentence edge and still absorb.
const EDGE_TOKENS: usize = 3;

/// Local alignment starts and ends on a match, so a substitution at a sentence edge
/// ("Russia ramps up" → "Russian Federation ramps up") or a prefix like a dateline would be
/// left out. Absorb up to [`EDGE_TOKENS`] unmatched words at each edge of the query sentence:
/// paired with the source's words up to its sentence edge as substitutions, else as insertions.
fn extend_edges(a: &mut Alignment, q_sent_start: usize, q_sent_end: usize, source: &Analyzed) {
    let sentence_of = |token: usize| {
        let idx = source.sentences.partition_point(|s| s.token_end <= token);
        source.sentences.get(idx).map_or((0, source.tokens.len()), |s| (s.token_start, s.token_end))
    };
    let edge_ops = |q_take: usize, s_take: usize| -> Vec<Op> {
        (0..q_take.max(s_take))
            .map(|k| match (k < q_take, k < s_take) {
                (true, true) => Op::Substitute,
                (true, false) => Op::Insert,
                _ => Op::Delete,
            })
            .collect()
    };
    let q_pre = a.q_start - q_sent_start;
    if q_pre > 0 {
        let s_pre = a.s_start - sentence_of(a.s_start).0;
        let (q_take, s_take) = edge_take(q_pre, s_pre);
        let mut ops = edge_ops(q_take, s_take);
        ops.extend_from_slice(&a.ops);
        a.ops = ops;
        a.q_start -= q_take;
        a.s_start -= s_take;
    }
    let q_post = q_sent_end - a.q_end;
    if q_post > 0 {
        let s_post = sentence_of(a.s_end - 1).1 - a.s_end;
        let (q_take, s_take) = edge_take(q_post, s_post);
        a.ops.extend(edge_ops(q_take, s_take));
        a.q_end += q_take;
        a.s_end += s_take;
    }
}

/// How many unmatched words to absorb at one edge, given `q_left` query words and `s_left`
/// source words up to the sentence edges. A source edge of up to [`EDGE_TOKENS`] words pairs
/// with at most twice as many query words (a 1→2 substitution like "Russia" → "Russian
/// Federation"); with nothing left in the source, a short query edge is an insertion (a
/// dateline); a long one is the query's own text and stays out.
fn edge_take(q_left: usize, s_left: usize) -> (usize, usize) {
    if (1..=EDGE_TOKENS).contains(&s_left) {
        (q_left.min(EDGE_TOKENS).min(2 * s_left), s_left)
    } else if q_left <= EDGE_TOKENS {
        (q_left, 0)
    } else {
        (0, 0)
    }
}

fn accept(
    alignment: &Alignment,
    query_tokens: &[Token],
    sentence_len: usize,
    config: &TraceConfig,
) -> bool {
    // Equivalent words (aliases, synonyms) count as matches, but an alignment needs two
    // equal content words of its own.
    let matches = alignment.n_matches() + alignment.n_equivalents();
    let mut qi = alignment.q_start;
    let mut content_matches = 0;
    for op in &alignment.ops {
        if *op == Op::Match && !query_tokens[qi].is_stopword {
            content_matches += 1;
        }
        if *op != Op::Delete {
            qi += 1;
        }
    }
    matches >= config.min_matches
        && content_matches >= 2
        && alignment.similarity() >= config.min_similarity
        && (matches as f64 >= config.min_sentence_share * sentence_len as f64
            || matches >= config.long_match)
}

/// Picks the origin among a sentence's hits: the earliest dated document among those scoring
/// within `co_copy_ratio` of the best (undated ones rank after dated ones, then by DocId).
fn choose_origin(
    mut hits: Vec<Hit>,
    cands: &[Candidate],
    config: &TraceConfig,
) -> Option<(usize, Hit, Vec<usize>)> {
    let best_score = hits.iter().map(|h| h.alignment.score).max()?;
    let floor = (f64::from(best_score) * config.co_copy_ratio).ceil() as i32;
    hits.retain(|h| h.alignment.score >= floor);
    hits.sort_by(|a, b| {
        let (da, db) = (&cands[a.candidate], &cands[b.candidate]);
        let key_a =
            (da.doc.date.is_none(), da.doc.date, std::cmp::Reverse(a.alignment.score), da.doc_id);
        let key_b =
            (db.doc.date.is_none(), db.doc.date, std::cmp::Reverse(b.alignment.score), db.doc_id);
        key_a.cmp(&key_b)
    });
    let mut iter = hits.into_iter();
    let origin = iter.next()?;
    let co: Vec<usize> = iter.map(|h| h.candidate).collect();
    Some((origin.candidate, origin, co))
}

/// Marks the elements of the longest strictly increasing subsequence of `values`.
fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let n = values.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if values[j] < values[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; n];
    let Some(mut at) = (0..n).max_by_key(|i| (len[*i], std::cmp::Reverse(*i))) else {
        return keep;
    };
    loop {
        keep[at] = true;
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    keep
}

#[allow(clippy::too_many_arguments)]
fn describe(
    hit: &Hit,
    cand: &Candidate,
    body: &str,
    query_tokens: &[Token],
    query_chars: &CharIndex,
    query_quotes: &QuoteMask,
    reordered: bool,
    source: usize,
    co_copies: Vec<usize>,
) -> SourceMatch {
    let a = &hit.alignment;
    let s_tokens = &cand.analyzed.tokens;
    let q_byte_start = query_tokens[a.q_start].byte_start;
    let q_byte_end = query_tokens[a.q_end - 1].byte_end;
    let s_byte_start = s_tokens[a.s_start].byte_start;
    let s_byte_end = s_tokens[a.s_end - 1].byte_end;
    let mut substitutions = Vec::new();
    let (mut n_inserted, mut n_deleted, mut edited) = (0, 0, false);
    for chunk in a.chunks(query_tokens, s_tokens) {
        let q_len = chunk.q_end - chunk.q_start;
        let s_len = chunk.s_end - chunk.s_start;
        if q_len > 0 && s_len > 0 && q_len <= 3 && s_len <= 3 {
            let from = &cand.doc.text
                [s_tokens[chunk.s_start].byte_start..s_tokens[chunk.s_end - 1].byte_end];
            let to = &body
                [query_tokens[chunk.q_start].byte_start..query_tokens[chunk.q_end - 1].byte_end];
            // Tokens equal after normalisation never reach here; guard against hash collisions.
            if normalize_token(from) != normalize_token(to) {
                substitutions.push(Substitution { from: from.to_string(), to: to.to_string() });
            }
        } else {
            edited = true;
            if s_len > q_len {
                n_deleted += s_len - q_len;
            } else {
                n_inserted += q_len - s_len;
            }
        }
    }
    let mut alterations = Vec::new();
    if !substitutions.is_empty() {
        alterations.push(Alteration::Spun);
    }
    if edited {
        alterations.push(Alteration::Edited);
    }
    if reordered {
        alterations.push(Alteration::Reordered);
    }
    if alterations.is_empty() {
        alterations.push(Alteration::Verbatim);
    }
    alterations.sort();
    let kind = *alterations.iter().max().unwrap_or(&Alteration::Verbatim);
    SourceMatch {
        source,
        kind,
        alterations,
        similarity: round3(a.similarity()),
        query_char_start: query_chars.char_offset(q_byte_start),
        query_char_end: query_chars.char_offset(q_byte_end),
        source_char_start: cand.chars.char_offset(s_byte_start),
        source_char_end: cand.chars.char_offset(s_byte_end),
        source_text: cand.doc.text[s_byte_start..s_byte_end].to_string(),
        substitutions,
        n_inserted,
        n_deleted,
        quoted: query_quotes.share(q_byte_start, q_byte_end) >= QUOTED_SHARE
            || cand.quotes.share(s_byte_start, s_byte_end) >= QUOTED_SHARE,
        co_copies,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Builds passages: runs of sentences taken in order from one origin. A run may step over one
/// sentence that has no source, or whose source lies elsewhere (a damaged or rewritten
/// sentence inside a copied passage), when the sentence after it continues the run.
fn passages(
    sentences: &[SentenceReport],
    best: &[Option<(usize, Hit, Vec<usize>)>],
    sentence_tokens: &[usize],
    config: &TraceConfig,
) -> Vec<Passage> {
    struct Open {
        cand: usize,
        s_end: usize,
        weight: f64,
    }
    let fits = |open: &Open, idx: usize, skipped_tokens: usize| -> bool {
        best[idx].as_ref().is_some_and(|(cand, hit, _)| {
            let a = &hit.alignment;
            *cand == open.cand
                && a.s_start + 2 >= open.s_end
                && a.s_start <= open.s_end + config.merge_gap_tokens + skipped_tokens
        })
    };
    let mut out: Vec<Passage> = Vec::new();
    let mut open: Option<Open> = None;
    let mut idx = 0;
    while idx < sentences.len() {
        // Extend the open passage with this sentence, or with the next one over this one.
        let step = open.as_ref().and_then(|o| {
            if fits(o, idx, 0) {
                Some(idx)
            } else if idx + 1 < sentences.len() && fits(o, idx + 1, sentence_tokens[idx]) {
                Some(idx + 1)
            } else {
                None
            }
        });
        if let (Some(next), Some(o), Some(p)) = (step, open.as_mut(), out.last_mut()) {
            let (m, (_, hit, _)) = match (&sentences[next].source_match, &best[next]) {
                (Some(m), Some(b)) => (m, b),
                _ => unreachable!("fits() only accepts sourced sentences"),
            };
            let len = (m.query_char_end - m.query_char_start) as f64;
            p.last_sentence = next;
            p.query_char_end = m.query_char_end;
            p.source_char_end = m.source_char_end.max(p.source_char_end);
            p.kind = p.kind.max(m.kind);
            if next > idx {
                p.kind = p.kind.max(Alteration::Edited);
            }
            p.similarity =
                (p.similarity * o.weight + m.similarity * len) / (o.weight + len).max(1.0);
            o.weight += len;
            o.s_end = hit.alignment.s_end.max(o.s_end);
            idx = next + 1;
            continue;
        }
        open = None;
        if let (Some(m), Some((cand, hit, _))) = (&sentences[idx].source_match, &best[idx]) {
            out.push(Passage {
                source: m.source,
                first_sentence: idx,
                last_sentence: idx,
                query_char_start: m.query_char_start,
                query_char_end: m.query_char_end,
                source_char_start: m.source_char_start,
                source_char_end: m.source_char_end,
                kind: m.kind,
                similarity: m.similarity,
            });
            open = Some(Open {
                cand: *cand,
                s_end: hit.alignment.s_end,
                weight: (m.query_char_end - m.query_char_start) as f64,
            });
        }
        idx += 1;
    }
    for p in &mut out {
        p.similarity = round3(p.similarity);
    }
    out
}

fn verdict(sentences: &[SentenceReport], sources: &[SourceDoc], config: &TraceConfig) -> Verdict {
    // Shared quotations are reuse of what someone said, not of what an outlet wrote: they are
    // reported but left out of the verdict, on both sides of the ratio.
    let mut body_chars = 0usize;
    let mut n_quoted = 0usize;
    let mut n_paraphrased = 0usize;
    let mut per_source: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut covered = 0usize;
    for s in sentences {
        if matches!(s.status, SentenceStatus::Common | SentenceStatus::Title) {
            continue;
        }
        match &s.source_match {
            Some(m) if m.quoted => n_quoted += 1,
            // Paraphrases are leads, not textual evidence: independent reports of one event
            // say the same things in other words. They are reported, not counted.
            Some(m) if m.kind == Alteration::Paraphrased => {
                n_paraphrased += 1;
                body_chars += s.char_end - s.char_start;
            }
            Some(m) => {
                body_chars += s.char_end - s.char_start;
                let chars = m.query_char_end - m.query_char_start;
                covered += chars;
                let entry = per_source.entry(m.source).or_default();
                entry.0 += chars;
                entry.1 += 1;
            }
            None => body_chars += s.char_end - s.char_start,
        }
    }
    let denom = body_chars.max(1) as f64;
    let coverage = round3((covered as f64 / denom).min(1.0));
    let mut origins: Vec<OriginShare> = per_source
        .iter()
        .map(|(source, (chars, n))| OriginShare {
            source: *source,
            share: round3(*chars as f64 / denom),
            n_sentences: *n,
        })
        .collect();
    origins.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.source.cmp(&b.source)));
    let significant: Vec<&OriginShare> = origins
        .iter()
        .filter(|o| o.share >= config.origin_min_share || o.n_sentences >= 2)
        .collect();
    let top_share = origins.first().map_or(0.0, |o| o.share);
    let kind = if coverage < config.original_max_coverage || significant.is_empty() {
        VerdictKind::Original
    } else if top_share >= config.copy_min_share * coverage || significant.len() == 1 {
        VerdictKind::Copy
    } else {
        VerdictKind::Patchwork
    };
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let summary = match kind {
        VerdictKind::Original if origins.is_empty() => {
            "original: no earlier source found".to_string()
        }
        VerdictKind::Original => format!(
            "original: {} of the text matches {} earlier document(s), too little for a copy",
            pct(coverage),
            origins.len()
        ),
        VerdictKind::Copy => {
            let id = origins.first().map_or("", |o| sources[o.source].id.as_str());
            format!(
                "copy of {id} ({} of the text; {} sourced in all)",
                pct(top_share),
                pct(coverage)
            )
        }
        VerdictKind::Patchwork => format!(
            "patchwork of {} origins covering {} of the text",
            significant.len(),
            pct(coverage)
        ),
    };
    let summary = if n_quoted > 0 {
        let plural = if n_quoted == 1 { "" } else { "s" };
        format!("{summary}; {n_quoted} quoted sentence{plural} shared with other documents")
    } else {
        summary
    };
    let summary = if n_paraphrased > 0 {
        let plural = if n_paraphrased == 1 { "" } else { "s" };
        format!("{summary}; {n_paraphrased} sentence{plural} paraphrase earlier text (not counted)")
    } else {
        summary
    };
    Verdict { kind, coverage, n_origins: significant.len(), origins, summary }
}

/// Byte ranges of the body where the title is printed again (as a whole run of its words).
fn find_title_repeats(title: Option<&str>, analyzed: &Analyzed) -> Vec<(usize, usize)> {
    let Some(title) = title else { return Vec::new() };
    let title_tokens: Vec<u64> = crate::text::tokenize(title).iter().map(|t| t.hash).collect();
    let n = title_tokens.len();
    if n < 3 {
        return Vec::new();
    }
    let body_tokens = &analyzed.tokens;
    let mut out = Vec::new();
    let mut i = 0;
    while i + n <= body_tokens.len() {
        if body_tokens[i..i + n].iter().map(|t| t.hash).eq(title_tokens.iter().copied()) {
            out.push((body_tokens[i].byte_start, body_tokens[i + n - 1].byte_end));
            i += n;
        } else {
            i += 1;
        }
    }
    out
}

/// Flags the title printed again inside the body.
fn title_flags(repeats: &[(usize, usize)], body: &str, chars: &CharIndex) -> Vec<Flag> {
    repeats
        .iter()
        .map(|(start, end)| Flag {
            kind: FlagKind::TitleRepeated,
            message: format!("the title is printed again in the body: {:?}", &body[*start..*end]),
            char_start: chars.char_offset(*start),
            char_end: chars.char_offset(*end),
            outlet: None,
            outlet_in_index: None,
            spin: None,
        })
        .collect()
}

/// Wire services and outlets whose credit or dateline content farms leave in copied text.
const WIRE_OUTLETS: &[&str] = &[
    "ABC News",
    "AFP",
    "AP",
    "Agence France-Presse",
    "Al Jazeera",
    "ANSA",
    "Associated Press",
    "BBC",
    "Bloomberg",
    "CBS News",
    "CNBC",
    "CNN",
    "dpa",
    "EFE",
    "Fox News",
    "HealthDay",
    "IANS",
    "Kyodo",
    "MarketWatch",
    "NBC News",
    "NPR",
    "Politico",
    "PTI",
    "Reuters",
    "RIA Novosti",
    "Sputnik",
    "TASS",
    "The Hill",
    "UPI",
    "WENN",
    "Xinhua",
    "Yonhap",
];

/// Flags "CITY (Outlet)" datelines and "(Outlet) -" credits near a sentence start.
fn dateline_flags(
    body: &str,
    analyzed: &Analyzed,
    chars: &CharIndex,
    candidates: &dyn Candidates,
) -> Vec<Flag> {
    let mut out = Vec::new();
    for sentence in &analyzed.sentences {
        let text = &body[sentence.byte_start..sentence.byte_end];
        // Only the head of a sentence: "WASHINGTON (CNN) -", "(Reuters) -", "Washington (CNN)Donald".
        let head_len = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
        let head = &text[..head_len];
        let Some(open) = head.find('(') else { continue };
        let Some(close_rel) = text[open..].find(')') else { continue };
        let inner = text[open + 1..open + close_rel].trim();
        let Some(outlet) = WIRE_OUTLETS.iter().find(|o| o.eq_ignore_ascii_case(inner)) else {
            continue;
        };
        // Before the bracket: nothing, or a place name (capitalised words, commas, dots).
        let before = text[..open].trim();
        let place_like = before.is_empty()
            || (before.split_whitespace().count() <= 4
                && before.chars().next().is_some_and(char::is_uppercase)
                && before.chars().all(|c| c.is_alphabetic() || " ,.'-/".contains(c)));
        if !place_like {
            continue;
        }
        let start = sentence.byte_start;
        let mut end = sentence.byte_start + open + close_rel + 1;
        let rest = &body[end..sentence.byte_end];
        let dash = rest.trim_start().chars().next().filter(|c| matches!(c, '-' | '—' | '–' | ':'));
        if let Some(d) = dash {
            end += rest.len() - rest.trim_start().len() + d.len_utf8();
        }
        out.push(Flag {
            kind: FlagKind::WireDateline,
            message: format!(
                "wire dateline or credit left in the text: {:?} names {outlet}",
                &body[start..end]
            ),
            char_start: chars.char_offset(start),
            char_end: chars.char_offset(end),
            outlet: Some((*outlet).to_string()),
            outlet_in_index: candidates.has_outlet(outlet),
            spin: None,
        });
    }
    out
}

/// Splits a plain-text article into a title line and its body: the first line is a title when
/// it is short, has no sentence-final full stop and is followed by a blank line. Returns the
/// title and the byte offset where the body starts.
pub fn split_title(text: &str) -> (Option<&str>, usize) {
    let trimmed_start = text.len() - text.trim_start().len();
    let rest = &text[trimmed_start..];
    let Some(line_end) = rest.find('\n') else { return (None, 0) };
    let line = rest[..line_end].trim();
    let after = &rest[line_end + 1..];
    let blank_follows = after.trim_start_matches([' ', '\t', '\r']).starts_with('\n');
    let looks_like_title = !line.is_empty()
        && line.chars().count() <= 200
        && !line.ends_with('.')
        && line.split_whitespace().count() >= 2;
    if blank_follows && looks_like_title {
        let body_start = trimmed_start + line_end + 1;
        let body_start =
            body_start + (text.len() - body_start - text[body_start..].trim_start().len());
        (Some(line), body_start)
    } else {
        (None, 0)
    }
}

/// An in-memory [`Candidates`] over a few documents: for tests, examples and small jobs.
#[derive(Debug, Clone, Default)]
pub struct MemoryCandidates {
    docs: Vec<Document>,
    postings: HashMap<u64, Vec<DocId>>,
}

impl MemoryCandidates {
    /// Fingerprints and holds `docs`; `DocId(i)` is `docs[i]`.
    pub fn new(docs: Vec<Document>, config: &ShingleConfig) -> MemoryCandidates {
        let mut postings: HashMap<u64, Vec<DocId>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for fp in document_fingerprints(&analyze(&doc.text), config) {
                postings.entry(fp).or_default().push(DocId(i as u32));
            }
        }
        MemoryCandidates { docs, postings }
    }
}

impl Candidates for MemoryCandidates {
    fn n_docs(&self) -> u64 {
        self.docs.len() as u64
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        self.postings.get(&fingerprint).map_or(0, |p| p.len() as u32)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        if let Some(p) = self.postings.get(&fingerprint) {
            out.extend_from_slice(p);
        }
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        self.docs.get(doc.0 as usize).cloned()
    }
    fn has_outlet(&self, outlet: &str) -> Option<bool> {
        Some(
            self.docs
                .iter()
                .any(|d| d.source.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(outlet))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    fn doc(id: &str, date: &str, source: &str, text: &str) -> Document {
        Document {
            id: id.to_string(),
            title: Some(format!("Title of {id}")),
            text: text.to_string(),
            date: parse_date(date),
            source: Some(source.to_string()),
            url: None,
        }
    }

    const SYRIA: &str = "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
        Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly. \
        Iran also supports the Shiite militias, who have been a key force in the fight against Islamic State in Iraq. \
        The Kremlin said the talks would cover the future of the Syrian government.";
    const TRUMP: &str = "Donald Trump wants to flip the U.S. strategy against ISIS on its head, drawing down America's involvement in fighting the militant group. \
        His advisers argue that a greater Russian presence would relieve American forces in the region. \
        Critics in Congress warned that the plan would hand Moscow a strategic victory.";
    const OTHER: &str = "The city council approved a new budget for public libraries on Tuesday evening. \
        Residents praised the decision to extend opening hours during the winter months.";

    fn corpus() -> MemoryCandidates {
        let mut docs = vec![
            doc("syria-1", "2015-09-20", "Reuters", SYRIA),
            doc("syria-copy", "2015-09-22", "Copycat Daily", SYRIA),
            doc("trump-1", "2016-08-01", "CNN", TRUMP),
            doc("library", "2015-01-01", "Local News", OTHER),
            doc("future", "2030-01-01", "Later Times", OTHER),
        ];
        // Boilerplate: one footer line in many unrelated documents.
        for i in 0..12 {
            docs.push(doc(
                &format!("footer-{i}"),
                "2014-01-01",
                "Footer Post",
                &format!("Story number {i} about gardening tips and seasonal vegetables number {i}. Sign up for our daily newsletter to get the latest headlines."),
            ));
        }
        MemoryCandidates::new(docs, &ShingleConfig::default())
    }

    fn run(text: &str, date: Option<&str>) -> TraceReport {
        let input = TraceInput {
            id: None,
            title: Some("Putin talks Syria"),
            text,
            date: date.and_then(parse_date),
        };
        trace(&input, &corpus(), &TraceConfig::default())
    }

    fn summary(report: &TraceReport) -> String {
        let mut out = format!("{}\n", report.verdict.summary);
        for s in &report.sentences {
            match &s.source_match {
                None => out.push_str(&format!("{} {:?}\n", s.idx, s.status)),
                Some(m) => {
                    let subs: Vec<String> =
                        m.substitutions.iter().map(|x| format!("{}->{}", x.from, x.to)).collect();
                    let co: Vec<&str> =
                        m.co_copies.iter().map(|c| report.sources[*c].id.as_str()).collect();
                    out.push_str(&format!(
                        "{} {} {:?} [{}] co={:?}\n",
                        s.idx,
                        report.sources[m.source].id,
                        m.alterations,
                        subs.join(", "),
                        co
                    ));
                }
            }
        }
        for f in &report.flags {
            out.push_str(&format!("flag {:?} {:?} {:?}\n", f.kind, f.outlet, f.outlet_in_index));
        }
        out
    }

    #[test]
    fn patchwork_of_two_origins_with_spin_and_reorder() {
        let text = "Washington (CNN)Donald Trump wants to flip the USA strategy against ISIS on its head, drawing down America's involvement in fighting the militant group. \
            Iran also supports the Shiite militias, who have been a key force in the fight against Islamic State in Iraq. \
            Russian Federation ramps up its military presence in Syria in support of President Bashar Assad. \
            This sentence was written by the content farm itself and appears nowhere else at all. \
            Sign up for our daily newsletter to get the latest headlines.";
        let got = summary(&run(text, Some("2016-09-01")));
        expect_test::expect![[r#"
            patchwork of 2 origins covering 80% of the text
            0 trump-1 [Edited, Spun] [U.S->USA] co=[]
            1 syria-1 [Verbatim] [] co=["syria-copy"]
            2 syria-1 [Reordered, Spun] [Russia->Russian Federation] co=["syria-copy"]
            3 Original
            4 Common
            flag WireDateline Some("CNN") Some(true)
        "#]]
        .assert_eq(&got);
    }

    #[test]
    fn learned_spins_align_as_synonyms_and_are_flagged() {
        use crate::cluster::spins::{Spin, SpinOutlet};
        // Half the content words of the Kremlin sentence spun by words WordNet would not know.
        let text = "The Kremlin claimed the negotiations might encompass the destiny of the Syrian regime.";
        let spin = |from: &str, to: &str| Spin {
            from: from.into(),
            to: to.into(),
            n: 40,
            n_docs: 30,
            n_outlets: 4,
            outlets: vec![SpinOutlet { outlet: "Spinner Weekly".into(), n: 25 }],
        };
        let spins = [
            spin("talks", "negotiations"),
            spin("government", "regime"),
            spin("said", "claimed"),
            spin("cover", "encompass"),
            spin("future", "destiny"),
        ];
        let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
        // Without the pairs, the spun words are mismatches: found (two shared names), barely.
        let plain = trace(&input, &corpus(), &TraceConfig::default());
        let plain_similarity =
            plain.sentences[0].source_match.as_ref().map_or(0.0, |m| m.similarity);
        assert!(plain_similarity < 0.6, "{plain_similarity} {}", summary(&plain));
        let config = TraceConfig {
            thesaurus: Some(Arc::new(Thesaurus::new().with_spins(&spins))),
            ..TraceConfig::default()
        };
        let report = trace(&input, &corpus(), &config);
        let m = report.sentences[0].source_match.as_ref().expect("sourced with the learned pairs");
        assert_eq!(report.sources[m.source].id, "syria-1");
        assert!(m.similarity > 0.8, "synonyms count as equal words: {}", m.similarity);
        assert_eq!(m.substitutions.len(), 6, "{:?}", m.substitutions);
        let flags: Vec<&Flag> =
            report.flags.iter().filter(|f| f.kind == FlagKind::KnownSpin).collect();
        assert_eq!(flags.len(), 5, "would -> might is not in the dictionary");
        assert!(flags[0].message.contains("Spinner Weekly (25)"), "{}", flags[0].message);
        assert_eq!(flags[0].spin.as_ref().map(|s| s.n), Some(40));
        assert!(report.stats.thesaurus.as_deref().is_some_and(|t| t.contains("5 learned pairs")));
    }

    /// A stand-in sentence embedder: a bag of words over 64 hashed dimensions, with a few
    /// synonyms folded together (the real model lives in unspun-semantic).
    struct BagOfWords;

    impl crate::semantic::Embedder for BagOfWords {
        fn dim(&self) -> usize {
            64
        }
        fn name(&self) -> &str {
            "bag-of-words"
        }
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, crate::semantic::EmbedError> {
            fn fold(w: &str) -> &str {
                match w {
                    "councillors" | "officials" => "council",
                    "endorsed" | "approved" => "approved",
                    "spending" | "budget" => "budget",
                    "plan" | "new" => "new",
                    "city" | "municipal" => "city",
                    "libraries" | "reading" | "rooms" => "libraries",
                    "evening" | "night" => "evening",
                    "on" | "for" | "the" | "a" | "public" => "",
                    other => other,
                }
            }
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = vec![0f32; 64];
                    for w in crate::text::normalize(t).split(|c: char| !c.is_alphanumeric()) {
                        let w = fold(w);
                        if !w.is_empty() {
                            v[(crate::text::token_hash(w) % 64) as usize] += 1.0;
                        }
                    }
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                    v.iter().map(|x| x / norm).collect()
                })
                .collect())
        }
    }

    #[test]
    fn paraphrase_stage_reports_reworded_sentences_separately() {
        // The library sentence reworded but for two words: no shingle, no accepted alignment.
        let text = "City officials endorsed a spending plan for reading rooms Tuesday night. \
            Residents praised the decision to extend opening hours during the winter months.";
        let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
        let plain = trace(&input, &corpus(), &TraceConfig::default());
        assert!(plain.sentences[0].source_match.is_none(), "{}", summary(&plain));
        let stage = crate::semantic::ParaphraseStage::new(Arc::new(BagOfWords));
        let config = TraceConfig { paraphrase: Some(stage.clone()), ..TraceConfig::default() };
        let report = trace(&input, &corpus(), &config);
        let m = report.sentences[0].source_match.as_ref().expect("found as a paraphrase");
        assert_eq!(m.kind, Alteration::Paraphrased);
        assert_eq!(report.sources[m.source].id, "library");
        assert!(m.similarity >= 0.85 && m.similarity <= 1.0, "{}", m.similarity);
        assert!(m.source_text.starts_with("The city council approved"), "{}", m.source_text);
        assert_eq!(report.sentences[0].status, SentenceStatus::Sourced);
        // The verbatim sentence keeps its exact evidence.
        let exact = report.sentences[1].source_match.as_ref().expect("exact");
        assert_eq!(exact.kind, Alteration::Verbatim);
        assert_eq!(report.stats.n_paraphrase_queries, 1);
        assert_eq!(report.stats.n_paraphrase_embedded, 1, "only sentences sharing two words");
        // The verdict counts exact evidence only: the paraphrase is named, not counted.
        assert!(
            report.verdict.summary.contains("1 sentence paraphrase"),
            "{}",
            report.verdict.summary
        );
        assert!(report.verdict.coverage < 0.6, "{}", report.verdict.coverage);
        // Above the threshold of any pair: nothing.
        let strict = crate::semantic::ParaphraseStage { min_similarity: 1.01, ..stage };
        let config = TraceConfig { paraphrase: Some(strict), ..TraceConfig::default() };
        assert!(trace(&input, &corpus(), &config).sentences[0].source_match.is_none());
    }

    /// `corpus()` with a stored sentence index of every sentence (bag-of-words vectors).
    struct WithSentences {
        inner: MemoryCandidates,
        index: crate::semantic::SentenceIndex,
    }

    impl Candidates for WithSentences {
        fn n_docs(&self) -> u64 {
            self.inner.n_docs()
        }
        fn doc_freq(&self, fingerprint: u64) -> u32 {
            self.inner.doc_freq(fingerprint)
        }
        fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
            self.inner.postings(fingerprint, out);
        }
        fn document(&self, doc: DocId) -> Option<Document> {
            self.inner.document(doc)
        }
        fn similar_sentences(&self, model: &str, v: &[f32], k: usize) -> Vec<(DocId, u32, f32)> {
            assert_eq!(model, "bag-of-words");
            self.index.search(v, 64, k).into_iter().map(|(r, s)| (r.doc, r.sentence, s)).collect()
        }
    }

    #[test]
    fn stored_sentence_index_finds_paraphrases_outside_the_candidates() {
        use crate::semantic::{Embedder, SentenceIndex, SentenceRef};
        let inner = corpus();
        let (mut refs, mut texts) = (Vec::new(), Vec::new());
        for d in 0..inner.n_docs() as u32 {
            let doc = inner.document(DocId(d)).expect("doc");
            let analyzed = analyze(&doc.text);
            for (i, s) in analyzed.sentences.iter().enumerate() {
                refs.push(SentenceRef { doc: DocId(d), sentence: i as u32 });
                texts.push(doc.text[s.byte_start..s.byte_end].to_string());
            }
        }
        let refs_texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = BagOfWords.embed(&refs_texts).expect("embed");
        let index = SentenceIndex::build(64, refs, &vectors);
        let candidates = WithSentences { inner, index };
        // Shares one word ("Tuesday") with the library story: retrieval and the two-word
        // prefilter never see it; the stored index does.
        let text = "Municipal officials endorsed a spending plan for reading rooms Tuesday night.";
        let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
        let stage = crate::semantic::ParaphraseStage::new(Arc::new(BagOfWords));
        let config = TraceConfig { paraphrase: Some(stage), ..TraceConfig::default() };
        let report = trace(&input, &candidates, &config);
        let m = report.sentences[0].source_match.as_ref().expect("found through the index");
        assert_eq!(m.kind, Alteration::Paraphrased);
        assert_eq!(report.sources[m.source].id, "library");
        assert_eq!(report.stats.n_paraphrase_ann_hits, 1);
        assert_eq!(report.stats.n_paraphrase_embedded, 0);
        // Later documents stay out, whatever the stored index says.
        let early = TraceInput { date: parse_date("2014-06-01"), ..input };
        assert!(trace(&early, &candidates, &config).sentences[0].source_match.is_none());
    }

    #[test]
    fn later_documents_are_never_sources() {
        let report = run(OTHER, Some("2016-01-01"));
        assert_eq!(report.verdict.kind, VerdictKind::Copy);
        assert!(report.sources.iter().all(|s| s.id != "future"));
        let report = run(OTHER, Some("2014-06-01"));
        assert_eq!(report.verdict.kind, VerdictKind::Original);
        assert_eq!(report.stats.n_candidates_too_late, 2);
    }

    #[test]
    fn earliest_equivalent_document_is_the_origin() {
        let report = run(SYRIA, None);
        assert_eq!(report.verdict.kind, VerdictKind::Copy);
        let origin = &report.sources[report.verdict.origins[0].source];
        assert_eq!(origin.id, "syria-1");
        assert!(
            report.sources.iter().any(|s| s.id == "syria-copy" && s.role == SourceRole::CoCopy)
        );
        assert!(report.passages.len() == 1, "one passage: {:?}", report.passages);
        let p = &report.passages[0];
        assert_eq!((p.first_sentence, p.last_sentence), (0, 3));
        assert_eq!(p.source_char_start, 0);
        assert_eq!(p.source_char_end, SYRIA.chars().count() - 1);
    }

    #[test]
    fn the_query_is_not_its_own_source() {
        let input = TraceInput { id: Some("syria-1"), title: None, text: SYRIA, date: None };
        let report = trace(&input, &corpus(), &TraceConfig::default());
        assert!(report.sources.iter().all(|s| s.id != "syria-1"));
        assert_eq!(report.sources[report.verdict.origins[0].source].id, "syria-copy");
    }

    #[test]
    fn unrelated_text_is_original() {
        let report = run(
            "A completely different story about football transfers and the summer window. Fans queued overnight for tickets.",
            None,
        );
        assert_eq!(report.verdict.kind, VerdictKind::Original);
        assert!(report.sources.is_empty());
    }

    #[test]
    fn title_repeated_is_flagged() {
        let text = format!("{OTHER}\n\nPutin talks Syria");
        let report = run(&text, None);
        assert!(report.flags.iter().any(|f| f.kind == FlagKind::TitleRepeated));
    }

    #[test]
    fn offsets_point_at_the_reported_text() {
        let text = "Noise first. Russian Federation ramps up its military presence in Syria in support of President Bashar Assad.";
        let report = run(text, None);
        let corpus = corpus();
        for s in &report.sentences {
            let Some(m) = &s.source_match else { continue };
            let src = corpus.document(DocId(0)).expect("doc").text;
            let sliced: String = src
                .chars()
                .skip(m.source_char_start)
                .take(m.source_char_end - m.source_char_start)
                .collect();
            assert_eq!(sliced, m.source_text);
            let q: String = text
                .chars()
                .skip(m.query_char_start)
                .take(m.query_char_end - m.query_char_start)
                .collect();
            assert!(q.starts_with("Russian Federation") && q.ends_with("Assad"), "{q}");
        }
    }

    #[test]
    fn split_title_finds_headline() {
        assert_eq!(split_title("Putin: No Plans\n\nBody here."), (Some("Putin: No Plans"), 17));
        assert_eq!(split_title("Just one paragraph. With two sentences."), (None, 0));
        assert_eq!(split_title("A full sentence ends here.\n\nBody."), (None, 0));
    }

    #[test]
    fn longest_increasing_marks_out_of_order() {
        assert_eq!(longest_increasing(&[10, 20, 5, 30]), vec![true, true, false, true]);
        assert_eq!(longest_increasing(&[]), Vec::<bool>::new());
    }
    #[test]
    fn issue_13_long_sentences_are_aligned_as_windows() {
        // One "sentence" of 1,000 words (no full stop), with a copied sentence inside it.
        let filler: Vec<String> = (0..500).map(|i| format!("word{i}")).collect();
        let copied = SYRIA.split(". ").next().expect("a first sentence");
        let text = format!("{} {copied} {}", filler.join(" "), filler.join(" "));
        let mut analyzed = analyze(&text);
        assert_eq!(analyzed.sentences.len(), 1);
        assert!(window_long_sentences(&mut analyzed, 160));
        let sentences = &analyzed.sentences;
        assert!(sentences.len() >= 7, "{} windows", sentences.len());
        assert!(sentences.iter().all(|s| s.token_end - s.token_start <= 160));
        assert_eq!(sentences[0].token_start, 0);
        assert_eq!(sentences.last().map(|s| s.token_end), Some(analyzed.tokens.len()));
        assert!(sentences.windows(2).all(|w| w[0].token_end == w[1].token_start));
        assert!(sentences.iter().all(|s| text.is_char_boundary(s.byte_start)));

        // The trace says it cut the text, and still finds the copied words.
        let report = trace(
            &TraceInput { id: None, title: None, text: &text, date: None },
            &corpus(),
            &TraceConfig::default(),
        );
        assert_eq!(report.stats.limits_hit, vec![hit::LONG_SENTENCES.to_string()]);
        assert!(report.sources.iter().any(|s| s.id.starts_with("syria")), "{report:?}");
    }

    #[test]
    fn issue_13_ordinary_articles_hit_no_limit() {
        let report = run(SYRIA, Some("2016-09-01"));
        assert!(report.stats.limits_hit.is_empty(), "{:?}", report.stats.limits_hit);
    }

    #[test]
    fn issue_13_alignment_budget_stops_and_says_so() {
        let config = TraceConfig {
            limits: TraceLimits { max_alignment_cells: 10, ..TraceLimits::default() },
            ..TraceConfig::default()
        };
        let input = TraceInput { id: None, title: None, text: SYRIA, date: None };
        let report = trace(&input, &corpus(), &config);
        assert_eq!(report.stats.limits_hit, vec![hit::ALIGNMENT_CELLS.to_string()]);
        assert_eq!(report.stats.n_alignments, 0);
        assert!(report.sources.is_empty());
    }

    #[test]
    fn issue_13_a_cancelled_trace_stops_and_says_so() {
        let config = TraceConfig::default();
        config.cancel.cancel();
        let input = TraceInput { id: None, title: None, text: SYRIA, date: None };
        let report = trace(&input, &corpus(), &config);
        assert_eq!(report.stats.limits_hit, vec![hit::CANCELLED.to_string()]);
        assert_eq!(report.stats.n_alignments, 0);
    }

    #[test]
    fn issue_13_candidates_are_capped_by_rank() {
        let overall = vec![DocId(9), DocId(1)];
        let per_sentence =
            vec![vec![DocId(5), DocId(6)], vec![DocId(7), DocId(8)], vec![DocId(1), DocId(2)]];
        let mut stats = TraceStats::default();
        let limits = TraceLimits { max_candidates: 4, ..TraceLimits::default() };
        let chosen = choose_candidates(&overall, &per_sentence, &limits, &mut stats);
        // The overall best, then each sentence's first choice until the cap.
        assert_eq!(chosen, vec![DocId(1), DocId(5), DocId(7), DocId(9)]);
        assert_eq!(stats.limits_hit, vec![hit::CANDIDATES.to_string()]);
        let mut stats = TraceStats::default();
        let all = choose_candidates(&overall, &per_sentence, &TraceLimits::default(), &mut stats);
        assert_eq!(all.len(), 7);
        assert!(stats.limits_hit.is_empty());
    }
}

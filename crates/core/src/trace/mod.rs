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
//!
//! One file per stage, each a function of what the earlier ones found (no stage module
//! imports a later one): `query` (the article analysed), `retrieve` (fingerprint lookups,
//! candidate choice), `fetch` (candidates analysed, [`CandidateCache`]), `attribute`
//! (alignment, origins, common and title sentences, reordering), `paraphrase`, `assemble`
//! (sentence reports, sources, passages), `verdict` and `flags`. [`trace_cached`] runs them in
//! order over one state.
//!
//! Front ends build one [`Tracer`] per index (its fingerprint scheme, their knobs, a cache)
//! and trace with it.

use std::sync::Arc;

use crate::align::Scoring;
use crate::date::format_date;
use crate::limits::{Cancel, TraceLimits, hit};
use crate::report::{Evidence, QueryInfo, SentenceStatus, TRACE_SCHEMA, TraceReport, TraceStats};
use crate::shingle::ShingleConfig;
use crate::thesaurus::Thesaurus;
use crate::{DocId, Document, Timestamp};

mod assemble;
mod attribute;
mod evidence;
mod fetch;
mod flags;
mod memory;
mod paraphrase;
mod query;
mod retrieve;
#[cfg(test)]
mod tests;
mod title;
mod verdict;

pub use fetch::CandidateCache;
pub use flags::split_title;
pub use memory::MemoryCandidates;

use attribute::Origin;
use fetch::{Candidate, Fetch};
use paraphrase::{Lookup, ParaphraseHit};
use query::Query;
use retrieve::Retrieval;

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
    /// The verdict calls a text copied only when some origin supplies two counted sentences,
    /// or one sharing this many content words: one short sentence is what a stock sentence
    /// looks like ("Zinke is a former Montana congressman and Navy SEAL"), too little to call
    /// a text a copy. Once one origin passes, the others count as before. The sentences keep
    /// their sources; the verdict says why it is `original`.
    pub verdict_min_words: usize,
    /// Distinct content words a candidate window must share with a sentence before it is
    /// aligned (fewer when the sentence has fewer, but at least 2).
    pub window_min_shared: usize,
    /// Minimum evidence (see `evidence.rs`): shared content words that make a match a source
    /// on their own...
    pub evidence_min_words: usize,
    /// ...or shared names and figures (runs of them counting once; with two more content
    /// words)...
    pub evidence_min_names: usize,
    /// ...or shared content words when a sentence up to two away comes from the same document.
    /// Below all three, a match is a `phrase_match`: reported, not counted.
    pub evidence_min_words_supported: usize,
    /// Without a neighbour's support, a verbatim match (no substituted word) needs at least
    /// this many shared words in shared shingles held by at most `evidence_rare_df` indexed
    /// documents (0: off; the count is reported as `evidence.n_rare_words`)...
    pub evidence_min_rare: usize,
    /// ...the document frequency under which a shared shingle is a rare (distinctive) phrase.
    pub evidence_rare_df: u32,
    /// Without a neighbour's support, a match over less than two thirds of its sentence (a
    /// fragment) needs this many shared content words, and may not be made mostly of names
    /// and figures (a description of a person: "Patti Davis, the daughter of President Ronald
    /// Reagan").
    pub evidence_min_fragment_words: usize,
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
            verdict_min_words: 10,
            window_min_shared: 2,
            evidence_min_words: 5,
            evidence_min_names: 2,
            evidence_min_words_supported: 3,
            // Measured on the planted suite (WordNet spinning): for verbatim matches only, it
            // costs no recall and removes a few false sources (negatives given a source 7.0 %
            // -> 6.7 %); required of spun matches too it cost up to 1.5 F1 points.
            evidence_min_rare: 3,
            evidence_rare_df: 30,
            evidence_min_fragment_words: 8,
            paraphrase: None,
            thesaurus: None,
            limits: TraceLimits::default(),
            cancel: Cancel::default(),
        }
    }
}

/// Traces against one set of documents (an index): the caller's knobs with the documents'
/// fingerprint scheme, built once, and a [`CandidateCache`] kept between its traces. It may be
/// shared between threads; [`Tracer::trace`] gives the report [`trace`] gives.
#[derive(Debug)]
pub struct Tracer {
    config: TraceConfig,
    cache: CandidateCache,
}

impl Tracer {
    /// A tracer for documents fingerprinted with `shingle` (the index's
    /// `IndexConfig::shingle`), with the other knobs of `config`; no candidate is cached.
    pub fn new(shingle: &ShingleConfig, config: TraceConfig) -> Tracer {
        Tracer::with_cache(shingle, config, 0)
    }

    /// [`Tracer::new`], keeping at most `cache_docs` analysed candidates between traces.
    pub fn with_cache(shingle: &ShingleConfig, config: TraceConfig, cache_docs: usize) -> Tracer {
        let config = TraceConfig { shingle: shingle.clone(), ..config };
        Tracer { config, cache: CandidateCache::new(cache_docs) }
    }

    /// The knobs of every trace, with the documents' fingerprint scheme.
    pub fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// Traces `input` against the documents of `candidates`.
    pub fn trace(&self, input: &TraceInput<'_>, candidates: &dyn Candidates) -> TraceReport {
        trace_cached(input, candidates, &self.config, &self.cache)
    }
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
    let mut run = Run::new(input, candidates, config, cache);
    run.retrieve();
    run.fetch_candidates();
    run.attribute();
    run.judge_evidence();
    run.trace_title();
    run.find_paraphrases();
    run.mark_reordered();
    run.into_report()
}

/// One trace under way: what the stages found so far. Each stage reads the fields of the
/// stages before it and fills its own.
struct Run<'a> {
    input: &'a TraceInput<'a>,
    config: &'a TraceConfig,
    fetch: Fetch<'a>,
    query: Query<'a>,
    stats: TraceStats,
    retrieval: Retrieval,
    cands: Vec<Candidate>,
    /// Per sentence: its source found by alignment.
    best: Vec<Option<Origin>>,
    /// Byte ranges of the body where the title is printed again.
    title_repeats: Vec<(usize, usize)>,
    status: Vec<SentenceStatus>,
    /// Per sentence: its source found by the paraphrase stage.
    paraphrases: Vec<Option<ParaphraseHit>>,
    /// Per sentence: out of its origin's order.
    reordered: Vec<bool>,
    /// Per sentence with an aligned source: the evidence and the rule's decision.
    evidence: Vec<Option<Evidence>>,
    /// The title, traced on its own.
    title: Option<title::TitleTrace>,
}

impl<'a> Run<'a> {
    /// Analyses the article.
    fn new(
        input: &'a TraceInput<'a>,
        candidates: &'a dyn Candidates,
        config: &'a TraceConfig,
        cache: &'a CandidateCache,
    ) -> Run<'a> {
        let mut stats = TraceStats::default();
        let query = Query::new(input.text, config.limits.max_sentence_tokens, &mut stats);
        let n_sentences = query.n_sentences();
        Run {
            input,
            config,
            fetch: Fetch::new(input, candidates, cache),
            query,
            stats,
            retrieval: Retrieval::default(),
            cands: Vec::new(),
            best: Vec::new(),
            title_repeats: Vec::new(),
            status: vec![SentenceStatus::Original; n_sentences],
            paraphrases: vec![None; n_sentences],
            reordered: vec![false; n_sentences],
            evidence: vec![None; n_sentences],
            title: None,
        }
    }

    /// Exact-sentence frequencies, fingerprint lookups and the candidates to fetch.
    fn retrieve(&mut self) {
        let candidates = self.fetch.candidates;
        let (analyzed, title) = (&self.query.analyzed, self.input.title);
        self.retrieval =
            retrieve::retrieve(analyzed, title, candidates, self.config, &mut self.stats);
    }

    /// Fetches and analyses the chosen candidates, dropping later ones and the query itself.
    fn fetch_candidates(&mut self) {
        self.cands = self.fetch.chosen(&self.retrieval.chosen, self.config, &mut self.stats);
    }

    /// Aligns every sentence, keeps its best source (the earliest equivalent document is the
    /// origin), and marks title repeats and common text.
    fn attribute(&mut self) {
        let (query, config) = (&self.query, self.config);
        let hits = attribute::align_sentences(
            query,
            &self.cands,
            &self.retrieval,
            config,
            &mut self.stats,
        );
        self.best = attribute::choose_origins(hits, &self.cands, config);
        self.title_repeats = flags::find_title_repeats(self.input.title, &query.analyzed);
        self.status = attribute::sentence_status(
            &query.analyzed,
            &self.title_repeats,
            &self.retrieval.sentence_df,
            &mut self.best,
            config,
        );
    }

    /// The minimum-evidence rule: matches too thin to be a source become phrase matches.
    fn judge_evidence(&mut self) {
        let analyzed = &self.query.analyzed;
        let cands = (&self.cands[..], self.fetch.candidates);
        self.evidence = evidence::judge(analyzed, cands, &self.best, &mut self.status, self.config);
    }

    /// The title against the candidates, supported by the body's origins.
    fn trace_title(&mut self) {
        let Some(title) = self.input.title.filter(|t| !t.trim().is_empty()) else { return };
        let body_origins: Vec<usize> = self
            .best
            .iter()
            .zip(&self.status)
            .filter(|(_, status)| **status == SentenceStatus::Sourced)
            .filter_map(|(b, _)| b.as_ref())
            .flat_map(|(origin, _, co)| std::iter::once(*origin).chain(co.iter().copied()))
            .collect();
        self.title = Some(title::trace_title(title, &self.cands, &body_origins, self.config));
    }

    /// The sources that count: alignments of sentences whose status is still `Sourced`
    /// (phrase matches, common text and titles left out).
    fn counted(&self) -> Vec<Option<Origin>> {
        self.best
            .iter()
            .zip(&self.status)
            .map(|(b, status)| b.clone().filter(|_| *status == SentenceStatus::Sourced))
            .collect()
    }

    /// The paraphrase stage, when configured, for the sentences left unattributed.
    fn find_paraphrases(&mut self) {
        let config = self.config;
        if let Some(stage) = &config.paraphrase
            && !config.cancel.is_cancelled()
        {
            let lookup =
                Lookup { best: &self.best, total: &self.retrieval.total, fetch: &self.fetch };
            self.paraphrases = paraphrase::find_paraphrases(
                stage,
                &self.query,
                &self.status,
                lookup,
                &mut self.cands,
                &mut self.stats,
            );
        }
        if config.cancel.is_cancelled() {
            self.stats.limits_hit.push(hit::CANCELLED.to_string());
        }
        for (idx, p) in self.paraphrases.iter().enumerate() {
            if p.is_some() {
                self.status[idx] = SentenceStatus::Sourced;
            }
        }
    }

    /// Per origin, the sentences outside the longest increasing run of source order.
    fn mark_reordered(&mut self) {
        self.reordered = attribute::reordered(&self.counted());
    }

    /// The report: sources, sentences, passages, verdict, flags.
    fn into_report(mut self) -> TraceReport {
        let (query, config) = (&self.query, self.config);
        let found = assemble::Attribution {
            best: &self.best,
            paraphrases: &self.paraphrases,
            status: &self.status,
            reordered: &self.reordered,
            evidence: &self.evidence,
        };
        let mut source_list = assemble::SourceList::default();
        let sentences = assemble::sentence_reports(query, &self.cands, &found, &mut source_list);
        let title = match (self.input.title, &self.title) {
            (Some(text), Some(trace)) => {
                Some(assemble::title_report(text, trace, &self.cands, &mut source_list))
            }
            _ => None,
        };
        let sources = source_list.sources;
        let sentence_tokens: Vec<usize> =
            query.analyzed.sentences.iter().map(|s| s.token_end - s.token_start).collect();
        let counted = self.counted();
        let passages = assemble::passages(&sentences, &counted, &sentence_tokens, config);
        let about = verdict::Query { dated: self.input.date.is_some(), title: title.as_ref() };
        let verdict = verdict::verdict(&sentences, &sources, about, config);
        let thesaurus = config.thesaurus.as_deref();
        let flags =
            flags::flags(query, &self.title_repeats, &sentences, self.fetch.candidates, thesaurus);
        if let Some(thesaurus) = thesaurus {
            self.stats.thesaurus = Some(thesaurus.description().to_string());
        }
        let input = self.input;
        TraceReport {
            schema: TRACE_SCHEMA.to_string(),
            query: QueryInfo {
                id: input.id.map(str::to_string),
                title: input.title.map(str::to_string),
                date: input.date.map(format_date),
                body_char_offset: 0,
                n_chars: query.chars.char_offset(query.body.len()),
                n_sentences: query.n_sentences(),
            },
            verdict,
            flags,
            title,
            sentences,
            passages,
            sources,
            stats: self.stats,
        }
    }
}

/// Byte ranges of `analyzed` where `title` is printed again, as a trace finds them.
pub(crate) fn title_repeats(
    title: Option<&str>,
    analyzed: &crate::text::Analyzed,
) -> Vec<(usize, usize)> {
    flags::find_title_repeats(title, analyzed)
}

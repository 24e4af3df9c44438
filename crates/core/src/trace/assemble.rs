//! The report's body: the sources in the order they are first named, one report per sentence
//! (its [`SourceMatch`]: where, how altered, quoted or not) and the passages.

use std::collections::BTreeMap;

use super::TraceConfig;
use super::attribute::{Hit, Origin};
use super::fetch::Candidate;
use super::paraphrase::ParaphraseHit;
use super::query::{QUOTED_SHARE, Query};
use crate::date::format_date;
use crate::report::{
    Alteration, Passage, SentenceReport, SentenceStatus, SourceDoc, SourceMatch, SourceRole,
    Substitution,
};
use crate::text::{Sentence, normalize_token};

/// What the attribution stages found, per sentence.
pub(super) struct Attribution<'a> {
    pub(super) best: &'a [Option<Origin>],
    pub(super) paraphrases: &'a [Option<ParaphraseHit>],
    pub(super) status: &'a [SentenceStatus],
    pub(super) reordered: &'a [bool],
}

/// The report of every sentence, and the sources they name (numbered in the order named).
pub(super) fn sentence_reports(
    query: &Query<'_>,
    cands: &[Candidate],
    found: &Attribution<'_>,
) -> (Vec<SentenceReport>, Vec<SourceDoc>) {
    let mut sources = SourceList::default();
    let mut sentences = Vec::with_capacity(query.n_sentences());
    for (idx, sentence) in query.analyzed.sentences.iter().enumerate() {
        let source_match = if let Some(p) = &found.paraphrases[idx] {
            let source = sources.origin(p.candidate, cands);
            Some(paraphrase_match(query, sentence, &cands[p.candidate], p, source))
        } else {
            found.best[idx].as_ref().map(|(origin, hit, co)| {
                let source = sources.origin(*origin, cands);
                let co_copies = co.iter().map(|c| sources.index(*c, cands)).collect();
                let reordered = found.reordered[idx];
                describe(hit, &cands[*origin], query, reordered, source, co_copies)
            })
        };
        sentences.push(SentenceReport {
            idx,
            char_start: query.chars.char_offset(sentence.byte_start),
            char_end: query.chars.char_offset(sentence.byte_end),
            text: query.body[sentence.byte_start..sentence.byte_end].to_string(),
            status: found.status[idx],
            source_match,
        });
    }
    (sentences, sources.sources)
}

/// The report's sources, numbered in the order they are first named.
#[derive(Default)]
struct SourceList {
    /// Candidate index → source index.
    source_of: BTreeMap<usize, usize>,
    sources: Vec<SourceDoc>,
}

impl SourceList {
    /// The source index of candidate `c_idx`, added as a co-copy when new.
    fn index(&mut self, c_idx: usize, cands: &[Candidate]) -> usize {
        let sources = &mut self.sources;
        *self.source_of.entry(c_idx).or_insert_with(|| {
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
    }

    /// The source index of candidate `c_idx`, as the origin of one more sentence.
    fn origin(&mut self, c_idx: usize, cands: &[Candidate]) -> usize {
        let source = self.index(c_idx, cands);
        self.sources[source].role = SourceRole::Origin;
        self.sources[source].n_sentences += 1;
        source
    }
}

/// Where a match lies: byte ranges of the query and of the candidate's text.
struct Span {
    q_start: usize,
    q_end: usize,
    s_start: usize,
    s_end: usize,
}

/// How a match differs from its source.
struct Changes {
    /// Sorted, never empty.
    alterations: Vec<Alteration>,
    similarity: f64,
    substitutions: Vec<Substitution>,
    n_inserted: usize,
    n_deleted: usize,
}

/// The one place a [`SourceMatch`] is built: offsets in characters, the source's text, the
/// kind (the strongest alteration) and whether it is a shared quotation.
fn source_match(
    query: &Query<'_>,
    cand: &Candidate,
    span: Span,
    changes: Changes,
    source: usize,
    co_copies: Vec<usize>,
) -> SourceMatch {
    let Span { q_start, q_end, s_start, s_end } = span;
    let kind = *changes.alterations.iter().max().unwrap_or(&Alteration::Verbatim);
    SourceMatch {
        source,
        kind,
        alterations: changes.alterations,
        similarity: round3(changes.similarity),
        query_char_start: query.chars.char_offset(q_start),
        query_char_end: query.chars.char_offset(q_end),
        source_char_start: cand.chars.char_offset(s_start),
        source_char_end: cand.chars.char_offset(s_end),
        source_text: cand.doc.text[s_start..s_end].to_string(),
        substitutions: changes.substitutions,
        n_inserted: changes.n_inserted,
        n_deleted: changes.n_deleted,
        quoted: query.quotes.share(q_start, q_end) >= QUOTED_SHARE
            || cand.quotes.share(s_start, s_end) >= QUOTED_SHARE,
        co_copies,
    }
}

/// The match of a sentence found by the paraphrase stage: the whole sentence against the
/// whole candidate sentence.
fn paraphrase_match(
    query: &Query<'_>,
    sentence: &Sentence,
    cand: &Candidate,
    p: &ParaphraseHit,
    source: usize,
) -> SourceMatch {
    let s_sentence = &cand.analyzed.sentences[p.sentence];
    let span = Span {
        q_start: sentence.byte_start,
        q_end: sentence.byte_end,
        s_start: s_sentence.byte_start,
        s_end: s_sentence.byte_end,
    };
    let changes = Changes {
        alterations: vec![Alteration::Paraphrased],
        similarity: f64::from(p.similarity),
        substitutions: Vec::new(),
        n_inserted: 0,
        n_deleted: 0,
    };
    source_match(query, cand, span, changes, source, Vec::new())
}

/// The match of an aligned sentence: its substitutions (differing runs of up to 3 words on
/// both sides), insertions and deletions, and the alterations they make.
fn describe(
    hit: &Hit,
    cand: &Candidate,
    query: &Query<'_>,
    reordered: bool,
    source: usize,
    co_copies: Vec<usize>,
) -> SourceMatch {
    let a = &hit.alignment;
    let query_tokens = &query.analyzed.tokens;
    let s_tokens = &cand.analyzed.tokens;
    let span = Span {
        q_start: query_tokens[a.q_start].byte_start,
        q_end: query_tokens[a.q_end - 1].byte_end,
        s_start: s_tokens[a.s_start].byte_start,
        s_end: s_tokens[a.s_end - 1].byte_end,
    };
    let mut substitutions = Vec::new();
    let (mut n_inserted, mut n_deleted, mut edited) = (0, 0, false);
    for chunk in a.chunks(query_tokens, s_tokens) {
        let q_len = chunk.q_end - chunk.q_start;
        let s_len = chunk.s_end - chunk.s_start;
        if q_len > 0 && s_len > 0 && q_len <= 3 && s_len <= 3 {
            let from = &cand.doc.text
                [s_tokens[chunk.s_start].byte_start..s_tokens[chunk.s_end - 1].byte_end];
            let to = &query.body
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
    let changes =
        Changes { alterations, similarity: a.similarity(), substitutions, n_inserted, n_deleted };
    source_match(query, cand, span, changes, source, co_copies)
}

/// `x` rounded to 3 decimals, as reported.
pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Builds passages: runs of sentences taken in order from one origin. A run may step over one
/// sentence that has no source, or whose source lies elsewhere (a damaged or rewritten
/// sentence inside a copied passage), when the sentence after it continues the run.
pub(super) fn passages(
    sentences: &[SentenceReport],
    best: &[Option<Origin>],
    sentence_tokens: &[usize],
    config: &TraceConfig,
) -> Vec<Passage> {
    let fits = |open: &OpenPassage, idx: usize, skipped_tokens: usize| {
        open.fits(best[idx].as_ref(), config.merge_gap_tokens + skipped_tokens)
    };
    let mut out: Vec<Passage> = Vec::new();
    let mut open: Option<OpenPassage> = None;
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
            o.extend(p, next, m, hit, next > idx);
            idx = next + 1;
            continue;
        }
        open = None;
        if let (Some(m), Some((cand, hit, _))) = (&sentences[idx].source_match, &best[idx]) {
            let (o, p) = OpenPassage::start(idx, m, *cand, hit);
            out.push(p);
            open = Some(o);
        }
        idx += 1;
    }
    for p in &mut out {
        p.similarity = round3(p.similarity);
    }
    out
}

/// The passage being built: its origin, where it ends in the origin (token index), and the
/// query characters its similarity is averaged over.
struct OpenPassage {
    cand: usize,
    s_end: usize,
    weight: f64,
}

impl OpenPassage {
    /// A passage of sentence `idx` alone, matched by `m` in candidate `cand`.
    fn start(idx: usize, m: &SourceMatch, cand: usize, hit: &Hit) -> (OpenPassage, Passage) {
        let passage = Passage {
            source: m.source,
            first_sentence: idx,
            last_sentence: idx,
            query_char_start: m.query_char_start,
            query_char_end: m.query_char_end,
            source_char_start: m.source_char_start,
            source_char_end: m.source_char_end,
            kind: m.kind,
            similarity: m.similarity,
        };
        let weight = (m.query_char_end - m.query_char_start) as f64;
        (OpenPassage { cand, s_end: hit.alignment.s_end, weight }, passage)
    }

    /// Whether a sentence with source `origin` continues the passage: same origin, starting
    /// at most `max_gap` tokens after the passage's end in it (and not well before).
    fn fits(&self, origin: Option<&Origin>, max_gap: usize) -> bool {
        origin.is_some_and(|(cand, hit, _)| {
            let a = &hit.alignment;
            *cand == self.cand && a.s_start + 2 >= self.s_end && a.s_start <= self.s_end + max_gap
        })
    }

    /// Adds sentence `next` (matched by `m`) to `p`; `stepped_over`: the sentence before it
    /// was left out, so the passage is edited.
    fn extend(
        &mut self,
        p: &mut Passage,
        next: usize,
        m: &SourceMatch,
        hit: &Hit,
        stepped_over: bool,
    ) {
        let len = (m.query_char_end - m.query_char_start) as f64;
        p.last_sentence = next;
        p.query_char_end = m.query_char_end;
        p.source_char_end = m.source_char_end.max(p.source_char_end);
        p.kind = p.kind.max(m.kind);
        if stepped_over {
            p.kind = p.kind.max(Alteration::Edited);
        }
        p.similarity =
            (p.similarity * self.weight + m.similarity * len) / (self.weight + len).max(1.0);
        self.weight += len;
        self.s_end = hit.alignment.s_end.max(self.s_end);
    }
}

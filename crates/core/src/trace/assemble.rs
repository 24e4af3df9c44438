//! The report's body: the sources in the order they are first named, one report per sentence
//! (its [`SourceMatch`]: where, how altered, quoted or not) and the passages.

use std::collections::BTreeMap;

use super::TraceConfig;
use super::attribute::{Hit, Origin};
use super::fetch::Candidate;
use super::paraphrase::ParaphraseHit;
use super::query::{Query, QuoteMask};
use super::title::{Field, TitleTrace};
use crate::align::Alignment;
use crate::date::format_date;
use crate::report::{
    Alteration, CharIndex, Evidence, Passage, SentenceReport, SentenceStatus, SourceDoc,
    SourceMatch, SourceRole, Substitution, TitleReport,
};
use crate::text::{Sentence, Token, normalize_token};

/// What the attribution stages found, per sentence.
pub(super) struct Attribution<'a> {
    pub(super) best: &'a [Option<Origin>],
    pub(super) paraphrases: &'a [Option<ParaphraseHit>],
    pub(super) status: &'a [SentenceStatus],
    pub(super) reordered: &'a [bool],
    pub(super) evidence: &'a [Option<Evidence>],
}

/// The report of every sentence, and the sources they name (numbered in the order named).
pub(super) fn sentence_reports(
    query: &Query<'_>,
    cands: &[Candidate],
    found: &Attribution<'_>,
    sources: &mut SourceList,
) -> Vec<SentenceReport> {
    let mut sentences = Vec::with_capacity(query.n_sentences());
    let q_side = Side { text: query.body, chars: &query.chars, quotes: &query.quotes };
    for (idx, sentence) in query.analyzed.sentences.iter().enumerate() {
        let source_match = if let Some(p) = &found.paraphrases[idx] {
            let source = sources.origin(p.candidate, cands);
            Some(paraphrase_match(query, sentence, &cands[p.candidate], p, source))
        } else {
            found.best[idx].as_ref().map(|(origin, hit, co)| {
                let source = sources.origin(*origin, cands);
                let co_copies = co.iter().map(|c| sources.index(*c, cands)).collect();
                let cand = &cands[*origin];
                let s_side =
                    Side { text: &cand.doc.text, chars: cand.chars(), quotes: cand.quotes() };
                let sides =
                    (&q_side, &query.analyzed.tokens[..], &s_side, &cand.analyzed.tokens[..]);
                let evidence = found.evidence[idx].clone().unwrap_or_default();
                let about = Source { index: source, co_copies, evidence };
                describe(&hit.alignment, sides, found.reordered[idx], about)
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
    sentences
}

/// The title's report: its match through [`describe`], with query offsets in the title and
/// source offsets in the source's title or text.
pub(super) fn title_report(
    title: &str,
    trace: &TitleTrace,
    cands: &[Candidate],
    sources: &mut SourceList,
) -> TitleReport {
    let source_match = trace.origin.as_ref().map(|(origin, hit, co)| {
        let source = sources.index(*origin, cands);
        let co_copies = co.iter().map(|c| sources.index(*c, cands)).collect();
        let cand = &cands[*origin];
        let (t_chars, t_quotes) = (CharIndex::new(title), QuoteMask::new(title));
        let q_side = Side { text: title, chars: &t_chars, quotes: &t_quotes };
        let s_text = match trace.field {
            Field::Title => cand.doc.title.as_deref().unwrap_or(""),
            Field::Text => &cand.doc.text,
        };
        let (s_chars, s_quotes) = match trace.field {
            Field::Title => (CharIndex::new(s_text), QuoteMask::new(s_text)),
            Field::Text => (cand.chars().clone(), cand.quotes().clone()),
        };
        let s_side = Side { text: s_text, chars: &s_chars, quotes: &s_quotes };
        let sides = (&q_side, &trace.tokens[..], &s_side, &trace.source_tokens[..]);
        let evidence = trace.evidence.clone().unwrap_or_default();
        describe(&hit.alignment, sides, false, Source { index: source, co_copies, evidence })
    });
    TitleReport {
        text: title.to_string(),
        status: trace.status,
        matched_field: trace.origin.as_ref().map(|_| trace.field.name().to_string()),
        source_match,
    }
}

/// The report's sources, numbered in the order they are first named.
#[derive(Default)]
pub(super) struct SourceList {
    /// Candidate index → source index.
    source_of: BTreeMap<usize, usize>,
    pub(super) sources: Vec<SourceDoc>,
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

/// One side of a match: the text offsets index into, its character offsets and its
/// quotation marks.
struct Side<'t> {
    text: &'t str,
    chars: &'t CharIndex,
    quotes: &'t QuoteMask,
}

/// The source a match names: its index in the report, its co-copies, the evidence.
struct Source {
    index: usize,
    co_copies: Vec<usize>,
    evidence: Evidence,
}

/// The one place a [`SourceMatch`] is built: offsets in characters, the source's text, the
/// kind (the strongest alteration) and whether it is a shared quotation.
fn source_match(
    q: &Side<'_>,
    s: &Side<'_>,
    span: Span,
    changes: Changes,
    about: Source,
) -> SourceMatch {
    let Span { q_start, q_end, s_start, s_end } = span;
    let kind = *changes.alterations.iter().max().unwrap_or(&Alteration::Verbatim);
    SourceMatch {
        source: about.index,
        kind,
        alterations: changes.alterations,
        similarity: round3(changes.similarity),
        query_char_start: q.chars.char_offset(q_start),
        query_char_end: q.chars.char_offset(q_end),
        source_char_start: s.chars.char_offset(s_start),
        source_char_end: s.chars.char_offset(s_end),
        source_text: s.text[s_start..s_end].to_string(),
        substitutions: changes.substitutions,
        n_inserted: changes.n_inserted,
        n_deleted: changes.n_deleted,
        quoted: q.quotes.is_quotation(q.text, q_start, q_end)
            || s.quotes.is_quotation(s.text, s_start, s_end),
        co_copies: about.co_copies,
        evidence: about.evidence,
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
    let q_side = Side { text: query.body, chars: &query.chars, quotes: &query.quotes };
    let s_side = Side { text: &cand.doc.text, chars: cand.chars(), quotes: cand.quotes() };
    let evidence = Evidence {
        reason: "paraphrase: found by sentence embeddings, not counted in the verdict".into(),
        ..Evidence::default()
    };
    source_match(
        &q_side,
        &s_side,
        span,
        changes,
        Source { index: source, co_copies: Vec::new(), evidence },
    )
}

/// The match of an aligned sentence: its substitutions (differing runs of up to 3 words on
/// both sides), insertions and deletions, and the alterations they make.
fn describe(
    a: &Alignment,
    (q, query_tokens, s, s_tokens): (&Side<'_>, &[Token], &Side<'_>, &[Token]),
    reordered: bool,
    about: Source,
) -> SourceMatch {
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
            let from =
                &s.text[s_tokens[chunk.s_start].byte_start..s_tokens[chunk.s_end - 1].byte_end];
            let to = &q.text
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
    source_match(q, s, span, changes, about)
}

/// `x` rounded to 3 decimals, as reported.
pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Most sentences a passage steps over at once.
const MAX_STEP_OVER: usize = 3;

/// Builds passages: runs of sentences taken in order from one origin. A run may step over up
/// to [`MAX_STEP_OVER`] sentences that have no source, or whose source lies elsewhere (damaged,
/// rewritten or too short to match: "Hmm. This is a hard one."), when the sentence after them
/// continues the run in the origin: it starts there within the skipped sentences' length plus
/// `merge_gap_tokens` of where the run stopped.
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
            let end = sentences.len().min(idx + MAX_STEP_OVER + 1);
            let mut skipped_tokens = 0;
            for (next, n_tokens) in sentence_tokens.iter().enumerate().take(end).skip(idx) {
                if fits(o, next, skipped_tokens) {
                    return Some(next);
                }
                skipped_tokens += n_tokens;
            }
            None
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

//! One document of the run: its trace against its candidates, kept as the reused passages the
//! corpus-wide build needs ([`TracedDoc`]), and the number and title checks of those passages.

use std::collections::HashSet;

use super::{ClusterConfig, PassageLink, TracedDoc};
use crate::report::{SentenceStatus, TraceReport};
use crate::shingle::sentence_hash;
use crate::text::analyze;
use crate::trace::{Candidates, TraceInput, Tracer};
use crate::{DocId, Document};

/// Keeps the reused passages of `report`, the trace of one document. `excluded[i]` marks
/// sentence `i` as boilerplate found by the corpus scan; `resolve` turns an index into
/// `report.sources` into the source's number (`None`: not part of this run).
pub fn passages_from_report(
    report: &TraceReport,
    excluded: &[bool],
    resolve: &dyn Fn(usize) -> Option<DocId>,
    config: &ClusterConfig,
) -> (Vec<PassageLink>, usize, usize) {
    let mut passages: Vec<PassageLink> = Vec::new();
    // (last sentence idx, passage weight in chars) of the open passage.
    let mut open: Option<(usize, f64)> = None;
    let mut n_excluded_chars = 0;
    let mut n_excluded = 0;
    for sentence in &report.sentences {
        let is_excluded = excluded.get(sentence.idx).copied().unwrap_or(false)
            || matches!(sentence.status, SentenceStatus::Common | SentenceStatus::Title);
        if is_excluded {
            n_excluded_chars += sentence.char_end - sentence.char_start;
            n_excluded += 1;
            continue;
        }
        let Some(m) = sentence.source_match.as_ref() else { continue };
        if sentence.status != SentenceStatus::Sourced || m.quoted {
            continue;
        }
        let Some(source) = resolve(m.source) else { continue };
        let query_text: String = sentence
            .text
            .chars()
            .skip(m.query_char_start.saturating_sub(sentence.char_start))
            .take(m.query_char_end - m.query_char_start)
            .collect();
        if number_agreement(&query_text, &m.source_text)
            .is_some_and(|agreement| agreement < config.min_number_agreement)
        {
            continue;
        }
        let weight = (m.query_char_end - m.query_char_start).max(1) as f64;
        let joins = match (passages.last(), open) {
            (Some(last), Some((last_idx, _))) => {
                last.source == source
                    && sentence.idx <= last_idx + 2
                    && m.source_char_start + 1 >= last.source_char_end
                    && m.source_char_start <= last.source_char_end + config.passage_gap_chars
            }
            _ => false,
        };
        if joins {
            let last = passages.last_mut().expect("joins only with a passage");
            let (_, total) = open.expect("joins only with an open passage");
            last.copy_char_end = last.copy_char_end.max(m.query_char_end);
            last.source_char_end = last.source_char_end.max(m.source_char_end);
            last.n_sentences += 1;
            last.kind = last.kind.max(m.kind);
            last.similarity = (last.similarity * total + m.similarity * weight) / (total + weight);
            last.substitutions.extend(m.substitutions.iter().cloned());
            open = Some((sentence.idx, total + weight));
        } else {
            passages.push(PassageLink {
                source,
                copy_char_start: m.query_char_start,
                copy_char_end: m.query_char_end,
                source_char_start: m.source_char_start,
                source_char_end: m.source_char_end,
                n_sentences: 1,
                kind: m.kind,
                similarity: m.similarity,
                substitutions: m.substitutions.clone(),
            });
            open = Some((sentence.idx, weight));
        }
    }
    passages.retain(|p| p.copy_char_end - p.copy_char_start >= config.min_passage_chars);
    let n_content_chars = report.query.n_chars.saturating_sub(n_excluded_chars);
    (passages, n_content_chars, n_excluded)
}

/// Traces one indexed document against the others (itself excluded, later documents
/// excluded by date) and keeps its reused passages. `boilerplate` holds the whole-sentence
/// hashes found by [`boilerplate::find_boilerplate`]; `resolve` maps a corpus id to its number
/// (`None`: the document is not part of this run, so it is not a source either). `tracer`
/// holds the trace knobs and keeps analysed candidates between the traces of one run.
pub fn trace_document(
    doc_id: DocId,
    doc: &Document,
    candidates: &dyn Candidates,
    tracer: &Tracer,
    boilerplate: &HashSet<u64>,
    resolve: &dyn Fn(&str) -> Option<DocId>,
    config: &ClusterConfig,
) -> TracedDoc {
    let input = TraceInput {
        id: Some(&doc.id),
        title: doc.title.as_deref(),
        text: &doc.text,
        date: doc.date,
    };
    let report = tracer.trace(&input, candidates);
    let analyzed = analyze(&doc.text);
    let excluded: Vec<bool> = (0..analyzed.sentences.len())
        .map(|idx| {
            sentence_hash(&analyzed, idx, &tracer.config().shingle)
                .is_some_and(|hash| boilerplate.contains(&hash))
        })
        .collect();
    let source_docs: Vec<Option<DocId>> =
        report.sources.iter().map(|source| resolve(&source.id)).collect();
    let (passages, n_content_chars, n_boilerplate_sentences) = passages_from_report(
        &report,
        &excluded,
        &|idx| source_docs.get(idx).copied().flatten(),
        config,
    );
    TracedDoc {
        doc: doc_id,
        id: doc.id.clone(),
        outlet: doc.source.clone(),
        title: doc.title.clone(),
        date: doc.date,
        n_chars: report.query.n_chars,
        n_content_chars,
        n_boilerplate_sentences,
        passages,
    }
}

/// The [`TracedDoc`] that [`trace_document`] gives a document for which nothing can be found
/// (no document shares enough with it), without tracing it: one analysis instead of a trace.
/// Title repeats, boilerplate and common sentences (in at least `common_sentence_docs`
/// documents by `doc_freq`) are left out of its content as a trace leaves them out. `None` when
/// a sentence is longer than `max_sentence_tokens` (a trace would window it): trace those.
///
/// The same as [`unsourced_profile`] of the document's analysis, then
/// [`unsourced_from_profile`].
pub fn unsourced_document(
    doc_id: DocId,
    doc: &Document,
    shingle: &crate::shingle::ShingleConfig,
    boilerplate: &HashSet<u64>,
    doc_freq: &dyn Fn(u64) -> u32,
    common_sentence_docs: u32,
    max_sentence_tokens: usize,
) -> Option<TracedDoc> {
    let analyzed = analyze(&doc.text);
    let profile = unsourced_profile(doc, &analyzed, shingle, max_sentence_tokens)?;
    Some(unsourced_from_profile(doc_id, doc, &profile, boilerplate, doc_freq, common_sentence_docs))
}

/// What [`unsourced_document`] needs of a document's text, taken from an analysis made for
/// something else (the prints stage of the corpus job analyses every document once): its
/// length and the sentences that a trace could leave out of its content. Judged later by
/// [`unsourced_from_profile`], once the boilerplate and the common sentences are known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnsourcedProfile {
    /// Characters of the text.
    pub n_chars: usize,
    /// The sentences that title repeats, boilerplate or common sentences can exclude (those
    /// with a [`sentence_hash`] or inside a title repeat), in text order.
    pub sentences: Vec<ProfiledSentence>,
}

/// One sentence of an [`UnsourcedProfile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfiledSentence {
    /// Its [`sentence_hash`] (`None`: too short to have one).
    pub hash: Option<u64>,
    /// Its length in characters.
    pub n_chars: usize,
    /// Whether it lies inside a repeat of the title (always excluded).
    pub title: bool,
}

/// The [`UnsourcedProfile`] of `doc` from its analysis; `None` when a sentence is longer than
/// `max_sentence_tokens` (the document must be traced, see [`unsourced_document`]).
pub fn unsourced_profile(
    doc: &Document,
    analyzed: &crate::text::Analyzed,
    shingle: &crate::shingle::ShingleConfig,
    max_sentence_tokens: usize,
) -> Option<UnsourcedProfile> {
    if analyzed.sentences.iter().any(|s| s.token_end - s.token_start > max_sentence_tokens.max(1)) {
        return None;
    }
    let repeats = crate::trace::title_repeats(doc.title.as_deref(), analyzed);
    let chars = crate::report::CharIndex::new(&doc.text);
    let mut sentences = Vec::new();
    for (idx, sentence) in analyzed.sentences.iter().enumerate() {
        let words = &analyzed.tokens[sentence.token_start..sentence.token_end];
        let title = !words.is_empty()
            && repeats.iter().any(|(start, end)| {
                *start <= words[0].byte_start && words[words.len() - 1].byte_end <= *end
            });
        let hash = sentence_hash(analyzed, idx, shingle);
        if title || hash.is_some() {
            let n_chars =
                chars.char_offset(sentence.byte_end) - chars.char_offset(sentence.byte_start);
            sentences.push(ProfiledSentence { hash, n_chars, title });
        }
    }
    Some(UnsourcedProfile { n_chars: chars.char_offset(doc.text.len()), sentences })
}

/// The [`TracedDoc`] of [`unsourced_document`] from the document's [`UnsourcedProfile`].
pub fn unsourced_from_profile(
    doc_id: DocId,
    doc: &Document,
    profile: &UnsourcedProfile,
    boilerplate: &HashSet<u64>,
    doc_freq: &dyn Fn(u64) -> u32,
    common_sentence_docs: u32,
) -> TracedDoc {
    let mut n_excluded_chars = 0;
    let mut n_excluded = 0;
    for sentence in &profile.sentences {
        let excluded = sentence.title
            || sentence
                .hash
                .is_some_and(|h| boilerplate.contains(&h) || doc_freq(h) >= common_sentence_docs);
        if excluded {
            n_excluded_chars += sentence.n_chars;
            n_excluded += 1;
        }
    }
    TracedDoc {
        doc: doc_id,
        id: doc.id.clone(),
        outlet: doc.source.clone(),
        title: doc.title.clone(),
        date: doc.date,
        n_chars: profile.n_chars,
        n_content_chars: profile.n_chars.saturating_sub(n_excluded_chars),
        n_boilerplate_sentences: n_excluded,
        passages: Vec::new(),
    }
}

/// Word Jaccard of two titles (lower-cased alphanumeric words).
pub(crate) fn title_overlap(a: &str, b: &str) -> f64 {
    let words = |t: &str| -> HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 { 1.0 } else { a.intersection(&b).count() as f64 / union as f64 }
}

/// The figures of a text: maximal runs of digits with the separators inside them
/// (`1,140,270`, `9-7/8`, `2.5`).
pub(crate) fn numbers(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let inside = b.is_ascii_digit()
            || (start.is_some()
                && matches!(b, b',' | b'.' | b'/' | b'-')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Share of the copy's figures found among the source's (as a multiset); `None` when the
/// copy has none, or only one and the source none either.
pub(crate) fn number_agreement(copy: &str, source: &str) -> Option<f64> {
    let copy_numbers = numbers(copy);
    let mut source_numbers = numbers(source);
    if copy_numbers.is_empty() || (copy_numbers.len() == 1 && source_numbers.is_empty()) {
        return None;
    }
    let mut n_equal = 0;
    for n in &copy_numbers {
        if let Some(pos) = source_numbers.iter().position(|s| s == n) {
            source_numbers.swap_remove(pos);
            n_equal += 1;
        }
    }
    Some(n_equal as f64 / copy_numbers.len() as f64)
}

//! False sources on short texts (issue #14): single sentences and 2–3-sentence snippets of
//! documents that are not indexed — AllSides articles held out of the planted suite's index,
//! BASIL and Pérez-Rosas articles — traced against the planted suite's AllSides index.
//!
//! None of these documents is in the index, but their text can be: AllSides carries the same
//! wire story from several outlets, and BASIL's Fox News articles are in AllSides too. So a
//! counted source is checked against its document, with no help from the engine: when the
//! named source holds the sentence word for word (normalised as the planted suite does), the
//! text really is in the index and the source is right (a *reprint*); when it holds it nearly
//! word for word (a chain of 12 of its words in order, at most 2 skipped between two of them,
//! or 90 % of a shorter sentence: [`near_reprint`]), it is a *near reprint*, listed for
//! reading; otherwise it is a *false source*. A `copy`, `partly_copied` or `patchwork` verdict
//! resting on a false source is a false copy verdict; one whose main origin holds none of the
//! text's sentences word for word or nearly is a *false origin* (the verdict's own claim, "copy
//! of X", unsupported). Phrase matches and shared quotations are counted apart (shown to
//! the reader, never counted as sources). Examples of false sources are printed for reading.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use unspun_core::Document;
use unspun_core::report::{SentenceReport, SentenceStatus, TraceReport, VerdictKind};
use unspun_core::text::analyze;
use unspun_core::trace::TraceInput;

use super::planted::{contains_normalized, near_reprint};
use super::suite::read_corpus;
use super::{IndexSource, Plan, Progress, Workspace, build_index, ratio, read_allsides, tracer};

/// Sentences shorter than this many words are not taken as a snippet's first sentence.
const MIN_WORDS: usize = 8;
/// Examples of false sources printed, at most.
const MAX_EXAMPLES: usize = 24;
/// Examples of near reprints printed, at most.
const MAX_NEAR_EXAMPLES: usize = 12;

/// Results of the short-text negatives.
#[derive(Debug, Serialize)]
pub(crate) struct ShortResult {
    n_docs_indexed: u64,
    /// One row per corpus and snippet length.
    groups: Vec<ShortGroup>,
    /// All rows together.
    total: ShortGroup,
    /// Snippets given a false source, for reading.
    examples: Vec<ShortExample>,
    /// Snippets given a source that holds a sentence nearly word for word, for reading.
    near_examples: Vec<ShortExample>,
}

/// One corpus and snippet length.
#[derive(Debug, Clone, Default, Serialize)]
struct ShortGroup {
    corpus: String,
    /// `sentence` (one) or `snippet` (two or three).
    kind: String,
    n_snippets: usize,
    /// Snippets with at least one sentence given a counted source.
    n_given_source: usize,
    share_given_source: f64,
    /// Snippets with a copy, partly-copied or patchwork verdict.
    n_copy_verdicts: usize,
    share_copy_verdicts: f64,
    /// Snippets with a counted source that does not hold the sentence (a false source).
    n_given_false_source: usize,
    share_given_false_source: f64,
    /// Copy, partly-copied or patchwork verdicts resting on at least one false source.
    n_false_copy_verdicts: usize,
    /// Copy, partly-copied or patchwork verdicts whose main origin holds none of the text's
    /// sentences word for word or nearly: the verdict's own claim ("copy of X") unsupported.
    n_false_origin_verdicts: usize,
    share_false_copy_verdicts: f64,
    n_sentences: usize,
    /// Sentences given a counted source.
    n_sentences_sourced: usize,
    share_sentences_sourced: f64,
    /// Sentences whose counted source holds them word for word: text really in the index.
    n_sentences_reprinted: usize,
    /// Sentences whose counted source holds them nearly word for word ([`near_reprint`]).
    n_sentences_near_reprinted: usize,
    /// Sentences given a counted source that does not hold them.
    n_sentences_false: usize,
    share_sentences_false: f64,
    /// Sentences whose match was only a phrase match (shown, not counted).
    n_phrase_matches: usize,
    /// Sentences whose match is a shared quotation (shown as such, not counted).
    n_quoted: usize,
}

#[derive(Debug, Serialize)]
struct ShortExample {
    corpus: String,
    text: String,
    /// The sentence given a false source.
    sentence: String,
    source_id: String,
    verdict: String,
    evidence: String,
}

/// One snippet to trace.
struct Snippet<'a> {
    corpus: &'static str,
    kind: &'static str,
    text: String,
    doc: &'a Document,
}

/// Traces the snippets of every negative corpus against the planted suite's index.
pub(super) fn run_short(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
    plan: &Plan,
) -> anyhow::Result<ShortResult> {
    let path = data.join("allsides/articles.jsonl.gz");
    let (indexed, held_out) = read_allsides(&path, plan.planted_docs)?;
    let dir = workspace.index_dir(&format!("allsides-{}", plan.planted_docs));
    let (index, n_docs_indexed, _) =
        build_index(&dir, IndexSource::Docs(indexed.clone()), progress)?;
    let by_id: HashMap<&str, &str> =
        indexed.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
    let basil = read_corpus(&data.join("basil/articles.jsonl.gz"))?;
    let perez = read_corpus(&data.join("perezrosas_fakenews/documents.jsonl.gz"))?;
    let per_kind = if plan.quick { 30 } else { 200 };
    let mut snippets = Vec::new();
    for (corpus, docs) in
        [("allsides-held-out", &held_out), ("basil", &basil), ("perezrosas", &perez)]
    {
        snippets.extend(snippets_of(corpus, docs, per_kind));
    }
    let tracer = tracer(&index, progress);
    let bar = progress.bar(snippets.len(), "short negatives");
    let reports: Vec<TraceReport> = snippets
        .par_iter()
        .map(|snippet| {
            let input =
                TraceInput { id: None, title: None, text: &snippet.text, date: snippet.doc.date };
            let report = tracer.trace(&input, &index);
            bar.inc(1);
            report
        })
        .collect();
    bar.finish_and_clear();
    Ok(tally(n_docs_indexed, &snippets, &reports, &by_id))
}

/// Up to `per_kind` single sentences and `per_kind` runs of 2–3 sentences of `docs`, spread
/// over the documents (deterministic: the k-th eligible sentence of each document in turn).
fn snippets_of<'a>(
    corpus: &'static str,
    docs: &'a [Document],
    per_kind: usize,
) -> Vec<Snippet<'a>> {
    let mut singles = Vec::new();
    let mut runs = Vec::new();
    for (d_idx, doc) in docs.iter().enumerate() {
        if singles.len() >= per_kind && runs.len() >= per_kind {
            break;
        }
        let analyzed = analyze(&doc.text);
        let sentences = &analyzed.sentences;
        let eligible: Vec<usize> = (0..sentences.len())
            .filter(|&i| sentences[i].token_end - sentences[i].token_start >= MIN_WORDS)
            .collect();
        if eligible.is_empty() {
            continue;
        }
        let first = eligible[d_idx % eligible.len()];
        if singles.len() < per_kind {
            let s = &sentences[first];
            let text = doc.text[s.byte_start..s.byte_end].to_string();
            singles.push(Snippet { corpus, kind: "sentence", text, doc });
        }
        let n = 2 + d_idx % 2;
        let start = eligible[(d_idx + 1) % eligible.len()];
        if runs.len() < per_kind && start + n <= sentences.len() {
            let text = doc.text[sentences[start].byte_start..sentences[start + n - 1].byte_end]
                .to_string();
            runs.push(Snippet { corpus, kind: "snippet", text, doc });
        }
    }
    singles.extend(runs);
    singles
}

/// Whether a sentence has a source the verdict counts (not a phrase match, not a quotation).
fn counted_source(sentence: &SentenceReport) -> bool {
    sentence.status == SentenceStatus::Sourced
        && sentence.source_match.as_ref().is_some_and(|m| !m.quoted)
}

/// What a sentence's counted source holds of it, checked without the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// The sentence word for word: the text really is in the index, so the source is right.
    Reprint,
    /// Nearly word for word ([`near_reprint`]).
    NearReprint,
    /// Neither: a false source.
    False,
}

fn held(sentence: &SentenceReport, report: &TraceReport, by_id: &HashMap<&str, &str>) -> Held {
    let text = sentence
        .source_match
        .as_ref()
        .and_then(|m| report.sources.get(m.source))
        .and_then(|source| by_id.get(source.id.as_str()));
    match text {
        Some(text) if contains_normalized(text, &sentence.text) => Held::Reprint,
        Some(text) if near_reprint(text, &sentence.text) => Held::NearReprint,
        _ => Held::False,
    }
}

fn tally(
    n_docs_indexed: u64,
    snippets: &[Snippet<'_>],
    reports: &[TraceReport],
    by_id: &HashMap<&str, &str>,
) -> ShortResult {
    let mut groups: Vec<ShortGroup> = Vec::new();
    let mut total =
        ShortGroup { corpus: "all".into(), kind: "all".into(), ..ShortGroup::default() };
    let mut examples = Vec::new();
    let mut near_examples = Vec::new();
    for (snippet, report) in snippets.iter().zip(reports) {
        let idx = match groups
            .iter()
            .position(|g| g.corpus == snippet.corpus && g.kind == snippet.kind)
        {
            Some(idx) => idx,
            None => {
                groups.push(ShortGroup {
                    corpus: snippet.corpus.into(),
                    kind: snippet.kind.into(),
                    ..ShortGroup::default()
                });
                groups.len() - 1
            }
        };
        let holds: Vec<Held> = report
            .sentences
            .iter()
            .filter(|s| counted_source(s))
            .map(|s| held(s, report, by_id))
            .collect();
        let n_sourced = holds.len();
        let n_reprinted = holds.iter().filter(|h| **h == Held::Reprint).count();
        let n_near = holds.iter().filter(|h| **h == Held::NearReprint).count();
        let n_false = holds.iter().filter(|h| **h == Held::False).count();
        let n_quoted = report
            .sentences
            .iter()
            .filter(|s| s.status == SentenceStatus::Sourced && !counted_source(s))
            .count();
        let n_phrase =
            report.sentences.iter().filter(|s| s.status == SentenceStatus::PhraseMatch).count();
        let copy = !matches!(report.verdict.kind, VerdictKind::Original);
        let main_origin = report.verdict.origins.first().map(|o| o.source);
        let origin_holds_text = report.sentences.iter().any(|s| {
            counted_source(s)
                && s.source_match.as_ref().map(|m| m.source) == main_origin
                && held(s, report, by_id) != Held::False
        });
        for group in [&mut groups[idx], &mut total] {
            group.n_snippets += 1;
            group.n_given_source += usize::from(n_sourced > 0);
            group.n_copy_verdicts += usize::from(copy);
            group.n_given_false_source += usize::from(n_false > 0);
            group.n_false_copy_verdicts += usize::from(copy && n_false > 0);
            group.n_false_origin_verdicts += usize::from(copy && !origin_holds_text);
            group.n_sentences += report.sentences.len();
            group.n_sentences_sourced += n_sourced;
            group.n_sentences_reprinted += n_reprinted;
            group.n_sentences_near_reprinted += n_near;
            group.n_sentences_false += n_false;
            group.n_phrase_matches += n_phrase;
            group.n_quoted += n_quoted;
        }
        // False sources first: they are what a reader must check.
        if n_false > 0 && examples.len() < MAX_EXAMPLES {
            examples.push(example(snippet, report, by_id, Held::False));
        }
        if n_near > 0 && near_examples.len() < MAX_NEAR_EXAMPLES {
            near_examples.push(example(snippet, report, by_id, Held::NearReprint));
        }
    }
    for group in groups.iter_mut().chain(std::iter::once(&mut total)) {
        group.share_given_source = ratio(group.n_given_source, group.n_snippets);
        group.share_copy_verdicts = ratio(group.n_copy_verdicts, group.n_snippets);
        group.share_sentences_sourced = ratio(group.n_sentences_sourced, group.n_sentences);
        group.share_given_false_source = ratio(group.n_given_false_source, group.n_snippets);
        group.share_false_copy_verdicts = ratio(group.n_false_copy_verdicts, group.n_snippets);
        group.share_sentences_false = ratio(group.n_sentences_false, group.n_sentences);
    }
    ShortResult { n_docs_indexed, groups, total, examples, near_examples }
}

fn example(
    snippet: &Snippet<'_>,
    report: &TraceReport,
    by_id: &HashMap<&str, &str>,
    kind: Held,
) -> ShortExample {
    let sentence = report
        .sentences
        .iter()
        .filter(|s| counted_source(s))
        .find(|s| held(s, report, by_id) == kind);
    let m = sentence.and_then(|s| s.source_match.as_ref());
    ShortExample {
        corpus: snippet.corpus.into(),
        text: snippet.text.chars().take(240).collect(),
        sentence: sentence.map_or(String::new(), |s| s.text.clone()),
        source_id: m
            .and_then(|m| report.sources.get(m.source))
            .map_or(String::new(), |s| s.id.clone()),
        verdict: report.verdict.summary.clone(),
        evidence: m.map_or(String::new(), |m| {
            format!(
                "{} — source: {:?}",
                m.evidence.reason,
                m.source_text.chars().take(160).collect::<String>()
            )
        }),
    }
}

/// The table of `unspun eval`.
pub(super) fn render_short(out: &mut String, short: &ShortResult) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(
        out,
        "false sources on short texts not in the index ({} AllSides articles indexed; a source \
         that holds the sentence word for word is a reprint, nearly word for word a near \
         reprint: neither is false)",
        short.n_docs_indexed
    )?;
    writeln!(
        out,
        "  {:<18} {:<9} {:>5} {:>11} {:>7} {:>13} {:>15} {:>9} {:>9} {:>5} {:>15} {:>6} {:>6}",
        "corpus",
        "kind",
        "n",
        "given src",
        "copy vd",
        "false src",
        "false copy vd",
        "false orig",
        "reprints",
        "near",
        "false sentences",
        "phrase",
        "quoted"
    )?;
    for g in short.groups.iter().chain(std::iter::once(&short.total)) {
        writeln!(
            out,
            "  {:<18} {:<9} {:>5} {:>4} {:>5.1}% {:>7} {:>5} {:>6.2}% {:>6} {:>7.2}% {:>9} {:>9} \
             {:>5} {:>6} {:>7.2}% {:>6} {:>6}",
            g.corpus,
            g.kind,
            g.n_snippets,
            g.n_given_source,
            g.share_given_source * 100.0,
            g.n_copy_verdicts,
            g.n_given_false_source,
            g.share_given_false_source * 100.0,
            g.n_false_copy_verdicts,
            g.share_false_copy_verdicts * 100.0,
            g.n_false_origin_verdicts,
            g.n_sentences_reprinted,
            g.n_sentences_near_reprinted,
            g.n_sentences_false,
            g.share_sentences_false * 100.0,
            g.n_phrase_matches,
            g.n_quoted
        )?;
    }
    let lists = [
        ("false sources", &short.examples),
        ("near reprints (counted as right; for reading)", &short.near_examples),
    ];
    for (heading, examples) in lists {
        writeln!(out, "  {heading}:")?;
        for e in examples {
            writeln!(
                out,
                "  - [{}] {:?}\n      → {}: {}",
                e.corpus, e.sentence, e.source_id, e.evidence
            )?;
        }
    }
    Ok(())
}

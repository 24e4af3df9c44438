//! `unspun eval` (a): bbc extractive summaries traced to their articles.

use super::*;

// ---------------------------------------------------------------------------------------------
// (a) bbc

#[derive(Debug, serde::Deserialize)]
pub(super) struct SummaryRecord {
    pub(super) id: String,
    pub(super) article_id: String,
    pub(super) text: String,
}

/// Results of the bbc evaluation.
#[derive(Debug, Serialize)]
pub(super) struct BbcResult {
    pub(super) n_articles_indexed: u64,
    pub(super) n_summaries: usize,
    /// Summary sentences scored (at least [`MIN_SENTENCE_WORDS`] words).
    pub(super) n_sentences: usize,
    /// Shorter sentences, not scored.
    pub(super) n_short_sentences: usize,
    pub(super) n_right_strict: usize,
    pub(super) n_right_lenient: usize,
    pub(super) share_right_strict: f64,
    pub(super) share_right_lenient: f64,
    /// Sentences with no source at all.
    pub(super) n_unsourced: usize,
    /// Sentences sourced to another article (not a co-copy of the right one either).
    pub(super) n_wrong_origin: usize,
    /// Summaries whose every sentence is right (lenient).
    pub(super) n_summaries_all_right: usize,
    pub(super) target: f64,
    pub(super) index_seconds: f64,
    pub(super) trace_seconds: f64,
    pub(super) mean_trace_ms: f64,
    pub(super) examples: Vec<Example>,
}

/// Per-summary tallies.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct BbcTally {
    pub(super) n_sentences: usize,
    pub(super) n_short: usize,
    pub(super) n_strict: usize,
    pub(super) n_lenient: usize,
    pub(super) n_unsourced: usize,
    pub(super) n_wrong: usize,
    pub(super) misses: Vec<Example>,
}

pub(super) fn score_bbc_summary(
    summary_id: &str,
    article_id: &str,
    views: &[SentenceView],
) -> BbcTally {
    let mut tally = BbcTally::default();
    for view in views {
        if n_words(&view.text) < MIN_SENTENCE_WORDS {
            tally.n_short += 1;
            continue;
        }
        tally.n_sentences += 1;
        let verdict = attribution(view, article_id);
        let why = match verdict {
            Verdict::Strict => {
                tally.n_strict += 1;
                tally.n_lenient += 1;
                continue;
            }
            Verdict::Lenient => {
                tally.n_lenient += 1;
                "co_copy_only"
            }
            Verdict::Wrong => {
                tally.n_wrong += 1;
                "wrong_origin"
            }
            Verdict::Unsourced => {
                tally.n_unsourced += 1;
                "unsourced"
            }
        };
        tally.misses.push(Example {
            doc_id: summary_id.to_string(),
            text: view.text.clone(),
            expected: Some(article_id.to_string()),
            got: view.origin.clone(),
            why: why.to_string(),
        });
    }
    tally
}

pub(super) fn run_bbc(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
    plan: &Plan,
) -> anyhow::Result<BbcResult> {
    let articles = data.join("bbc/articles.jsonl.gz");
    let summaries_path = data.join("bbc_extractive_summaries/summaries.jsonl.gz");
    let mut summaries: Vec<SummaryRecord> = read_jsonl_gz(&summaries_path)?;
    if let Some(limit) = plan.bbc_summaries {
        summaries.truncate(limit);
    }
    let (index, n_indexed, index_seconds) =
        build_index(&workspace.index_dir("bbc"), IndexSource::File(articles), progress)?;
    let tracer = tracer(&index, progress);

    let bar = progress.bar(summaries.len(), "bbc summaries");
    let started = Instant::now();
    let tallies: Vec<(BbcTally, f64)> = summaries
        .par_iter()
        .map(|summary| {
            let trace_started = Instant::now();
            let input = TraceInput { id: None, title: None, text: &summary.text, date: None };
            let report = tracer.trace(&input, &index);
            let ms = trace_started.elapsed().as_secs_f64() * 1000.0;
            bar.inc(1);
            (score_bbc_summary(&summary.id, &summary.article_id, &sentence_views(&report)), ms)
        })
        .collect();
    bar.finish_and_clear();
    let trace_seconds = started.elapsed().as_secs_f64();

    let mut total = BbcTally::default();
    let mut n_summaries_all_right = 0;
    let mut examples = Vec::new();
    for (tally, _) in &tallies {
        total.n_sentences += tally.n_sentences;
        total.n_short += tally.n_short;
        total.n_strict += tally.n_strict;
        total.n_lenient += tally.n_lenient;
        total.n_unsourced += tally.n_unsourced;
        total.n_wrong += tally.n_wrong;
        if tally.n_lenient == tally.n_sentences {
            n_summaries_all_right += 1;
        }
        // Co-copy-only sentences are right in the lenient count: show real misses first.
        examples.extend(tally.misses.iter().filter(|m| m.why != "co_copy_only").cloned());
    }
    examples.truncate(MAX_EXAMPLES);
    let mean_trace_ms = mean(tallies.iter().map(|(_, ms)| *ms));
    Ok(BbcResult {
        n_articles_indexed: n_indexed,
        n_summaries: summaries.len(),
        n_sentences: total.n_sentences,
        n_short_sentences: total.n_short,
        n_right_strict: total.n_strict,
        n_right_lenient: total.n_lenient,
        share_right_strict: ratio(total.n_strict, total.n_sentences),
        share_right_lenient: ratio(total.n_lenient, total.n_sentences),
        n_unsourced: total.n_unsourced,
        n_wrong_origin: total.n_wrong,
        n_summaries_all_right,
        target: BBC_TARGET,
        index_seconds,
        trace_seconds,
        mean_trace_ms,
        examples,
    })
}

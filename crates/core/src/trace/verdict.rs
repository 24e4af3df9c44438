//! The verdict: original, copy or patchwork, from the share of the text each origin supplies.
//! Shared quotations and paraphrases are reported but not counted.

use std::collections::BTreeMap;

use super::TraceConfig;
use super::assemble::round3;
use crate::report::{
    Alteration, OriginShare, SentenceReport, SentenceStatus, SourceDoc, Verdict, VerdictKind,
};

/// The verdict on the article from its sentence reports.
pub(super) fn verdict(
    sentences: &[SentenceReport],
    sources: &[SourceDoc],
    config: &TraceConfig,
) -> Verdict {
    let tally = Tally::of(sentences);
    let denom = tally.body_chars.max(1) as f64;
    let coverage = round3((tally.covered as f64 / denom).min(1.0));
    let mut origins: Vec<OriginShare> = tally
        .per_source
        .iter()
        .map(|(source, (chars, n))| OriginShare {
            source: *source,
            share: round3(*chars as f64 / denom),
            n_sentences: *n,
        })
        .collect();
    origins.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.source.cmp(&b.source)));
    let n_significant =
        origins.iter().filter(|o| o.share >= config.origin_min_share || o.n_sentences >= 2).count();
    let top_share = origins.first().map_or(0.0, |o| o.share);
    let kind = if coverage < config.original_max_coverage || n_significant == 0 {
        VerdictKind::Original
    } else if top_share >= config.copy_min_share * coverage || n_significant == 1 {
        VerdictKind::Copy
    } else {
        VerdictKind::Patchwork
    };
    let summary = summary(kind, &origins, sources, coverage, n_significant, &tally);
    Verdict { kind, coverage, n_origins: n_significant, origins, summary }
}

/// What the sentences count for the verdict.
#[derive(Default)]
struct Tally {
    /// Characters of the counted sentences (neither common, title nor quoted).
    body_chars: usize,
    /// Characters of the counted sentences matched by alignment.
    covered: usize,
    /// Source → (characters matched, sentences).
    per_source: BTreeMap<usize, (usize, usize)>,
    n_quoted: usize,
    n_paraphrased: usize,
}

impl Tally {
    fn of(sentences: &[SentenceReport]) -> Tally {
        // Shared quotations are reuse of what someone said, not of what an outlet wrote: they
        // are reported but left out of the verdict, on both sides of the ratio.
        let mut tally = Tally::default();
        for s in sentences {
            if matches!(s.status, SentenceStatus::Common | SentenceStatus::Title) {
                continue;
            }
            match &s.source_match {
                Some(m) if m.quoted => tally.n_quoted += 1,
                // Paraphrases are leads, not textual evidence: independent reports of one
                // event say the same things in other words. They are reported, not counted.
                Some(m) if m.kind == Alteration::Paraphrased => {
                    tally.n_paraphrased += 1;
                    tally.body_chars += s.char_end - s.char_start;
                }
                Some(m) => {
                    tally.body_chars += s.char_end - s.char_start;
                    let chars = m.query_char_end - m.query_char_start;
                    tally.covered += chars;
                    let entry = tally.per_source.entry(m.source).or_default();
                    entry.0 += chars;
                    entry.1 += 1;
                }
                None => tally.body_chars += s.char_end - s.char_start,
            }
        }
        tally
    }
}

/// The verdict's one-line summary.
fn summary(
    kind: VerdictKind,
    origins: &[OriginShare],
    sources: &[SourceDoc],
    coverage: f64,
    n_significant: usize,
    tally: &Tally,
) -> String {
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let top_share = origins.first().map_or(0.0, |o| o.share);
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
        VerdictKind::Patchwork => {
            format!("patchwork of {} origins covering {} of the text", n_significant, pct(coverage))
        }
    };
    let (n_quoted, n_paraphrased) = (tally.n_quoted, tally.n_paraphrased);
    let summary = if n_quoted > 0 {
        let plural = if n_quoted == 1 { "" } else { "s" };
        format!("{summary}; {n_quoted} quoted sentence{plural} shared with other documents")
    } else {
        summary
    };
    if n_paraphrased > 0 {
        let plural = if n_paraphrased == 1 { "" } else { "s" };
        format!("{summary}; {n_paraphrased} sentence{plural} paraphrase earlier text (not counted)")
    } else {
        summary
    }
}

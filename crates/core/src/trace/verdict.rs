//! The verdict: original, copy, partly copied or patchwork, from the share of the text each
//! origin supplies, with the evidence named in its summary ("copy of X: 9 of 11 sentences,
//! 7 verbatim, 2 spun (Russia → Russian Federation)"). Shared quotations, paraphrases and
//! phrase matches are reported but not counted.

use std::collections::BTreeMap;

use super::TraceConfig;
use super::assemble::round3;
use crate::report::{
    Alteration, OriginShare, SentenceReport, SentenceStatus, SourceDoc, TitleReport, Verdict,
    VerdictKind,
};

/// Substitution pairs named in a summary, at most.
const MAX_SUMMARY_SPINS: usize = 3;

/// What the verdict needs to know of the query besides its sentences.
pub(super) struct Query<'a> {
    /// Whether the query has a date: without one, sources are of unknown order.
    pub(super) dated: bool,
    /// The traced title.
    pub(super) title: Option<&'a TitleReport>,
}

/// The verdict on the article from its sentence reports.
pub(super) fn verdict(
    sentences: &[SentenceReport],
    sources: &[SourceDoc],
    query: Query<'_>,
    config: &TraceConfig,
) -> Verdict {
    let tally = Tally::of(sentences);
    let denom = tally.body_chars.max(1) as f64;
    let coverage = round3((tally.covered as f64 / denom).min(1.0));
    let mut origins: Vec<OriginShare> = tally
        .per_source
        .iter()
        .map(|(source, (chars, n, _))| OriginShare {
            source: *source,
            share: round3(*chars as f64 / denom),
            n_sentences: *n,
        })
        .collect();
    origins.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.source.cmp(&b.source)));
    // The text is copied only when some origin has two sentences, or one sharing enough
    // words: a single short sentence is what a stock sentence looks like. Once one origin
    // shows the text is reused, other origins of one sentence count as parts of it. The
    // sentences keep their sources either way.
    let enough_evidence = |o: &OriginShare| {
        o.n_sentences >= 2
            || tally.per_source.get(&o.source).is_some_and(|e| e.2 >= config.verdict_min_words)
    };
    let total_words: usize = tally.per_source.values().map(|e| e.2).sum();
    let thin_evidence = !origins.is_empty()
        && total_words < config.verdict_min_words
        && !origins.iter().any(enough_evidence);
    let n_significant = if thin_evidence {
        0
    } else {
        origins.iter().filter(|o| o.share >= config.origin_min_share || o.n_sentences >= 2).count()
    };
    let top_share = origins.first().map_or(0.0, |o| o.share);
    let kind = if coverage < config.original_max_coverage || n_significant == 0 {
        VerdictKind::Original
    } else if top_share >= config.copy_min_share * coverage || n_significant == 1 {
        if coverage < 0.5 { VerdictKind::PartlyCopied } else { VerdictKind::Copy }
    } else {
        VerdictKind::Patchwork
    };
    let facts = Facts {
        kind,
        origins: &origins,
        sources,
        coverage,
        n_significant,
        thin_evidence: thin_evidence && coverage >= config.original_max_coverage,
        tally: &tally,
    };
    let summary = facts.summary(sentences, &query);
    Verdict {
        kind,
        coverage,
        n_origins: n_significant,
        summary,
        n_phrase_matches: tally.n_phrase,
        n_quoted: tally.n_quoted,
        origins,
    }
}

/// What the sentences count for the verdict.
#[derive(Default)]
struct Tally {
    /// Characters of the counted sentences (neither common, title nor quoted).
    body_chars: usize,
    /// Characters of the counted sentences matched by alignment.
    covered: usize,
    /// Sentences counted (neither common, title nor quoted).
    n_counted: usize,
    /// Source → (characters matched, sentences, shared content words).
    per_source: BTreeMap<usize, (usize, usize, usize)>,
    n_quoted: usize,
    /// Sources of the quoted sentences.
    quoted_sources: Vec<usize>,
    n_paraphrased: usize,
    n_phrase: usize,
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
                Some(m) if m.quoted && s.status == SentenceStatus::Sourced => {
                    tally.n_quoted += 1;
                    tally.quoted_sources.push(m.source);
                    tally.quoted_sources.extend(&m.co_copies);
                    continue;
                }
                // A phrase match is too thin to be a source: the sentence counts as unsourced.
                Some(_) if s.status == SentenceStatus::PhraseMatch => tally.n_phrase += 1,
                // Paraphrases are leads, not textual evidence: independent reports of one
                // event say the same things in other words. They are reported, not counted.
                Some(m) if m.kind == Alteration::Paraphrased => tally.n_paraphrased += 1,
                Some(m) => {
                    let chars = m.query_char_end - m.query_char_start;
                    tally.covered += chars;
                    let entry = tally.per_source.entry(m.source).or_default();
                    entry.0 += chars;
                    entry.1 += 1;
                    entry.2 += m.evidence.n_shared_words;
                }
                None => {}
            }
            tally.body_chars += s.char_end - s.char_start;
            tally.n_counted += 1;
        }
        tally.quoted_sources.sort_unstable();
        tally.quoted_sources.dedup();
        tally
    }
}

/// The verdict's numbers, for its summary.
struct Facts<'a> {
    kind: VerdictKind,
    origins: &'a [OriginShare],
    sources: &'a [SourceDoc],
    coverage: f64,
    n_significant: usize,
    /// Whether the text is `original` only because every origin is thin: one sentence each,
    /// under `TraceConfig::verdict_min_words` shared content words.
    thin_evidence: bool,
    tally: &'a Tally,
}

impl Facts<'_> {
    /// The one-line summary: the verdict in words, its evidence, then what was not counted.
    fn summary(&self, sentences: &[SentenceReport], query: &Query<'_>) -> String {
        let mut parts = vec![self.headline(sentences)];
        let tally = self.tally;
        if tally.n_quoted > 0 {
            parts.push(format!(
                "{} also carried by {} other document{}",
                plural(tally.n_quoted, "quoted sentence"),
                tally.quoted_sources.len(),
                if tally.quoted_sources.len() == 1 { "" } else { "s" }
            ));
        }
        if tally.n_phrase > 0 {
            parts.push(format!(
                "{} too thin to count (a shared stock phrase or template)",
                plural(tally.n_phrase, "phrase match")
            ));
        }
        if tally.n_paraphrased > 0 {
            let n = tally.n_paraphrased;
            parts.push(format!("{} paraphrase earlier text (not counted)", plural(n, "sentence")));
        }
        if let Some(title) = query.title.filter(|t| t.status == SentenceStatus::Sourced)
            && let Some(m) = &title.source_match
        {
            parts.push(format!("the title comes from {}", self.sources[m.source].id));
        }
        if !query.dated && !self.origins.is_empty() {
            parts.push(
                "the article has no date, so the order of the sources is unknown: the origin \
                 named is the earliest of the matching documents"
                    .to_string(),
            );
        }
        parts.join("; ")
    }

    fn headline(&self, sentences: &[SentenceReport]) -> String {
        let pct = |x: f64| format!("{:.0}%", x * 100.0);
        let n_counted = self.tally.n_counted;
        let top = self.origins.first();
        let top_id = top.map_or("", |o| self.sources[o.source].id.as_str());
        match self.kind {
            VerdictKind::Original if self.origins.is_empty() && self.tally.n_quoted > 0 => {
                "original: no earlier source for its own text (all the text found elsewhere is \
                 quotation)"
                    .to_string()
            }
            VerdictKind::Original if self.origins.is_empty() => {
                "original: no earlier source found".to_string()
            }
            VerdictKind::Original if self.thin_evidence => {
                let words = self.tally.per_source.values().map(|e| e.2).max().unwrap_or(0);
                format!(
                    "original: {} of the text matches {} earlier document(s) ({top_id}), but \
                     each in one sentence sharing at most {words} content words: too little \
                     evidence for a copy",
                    pct(self.coverage),
                    self.origins.len()
                )
            }
            VerdictKind::Original => format!(
                "original: {} of the text matches {} earlier document(s), too little for a copy",
                pct(self.coverage),
                self.origins.len()
            ),
            VerdictKind::Copy | VerdictKind::PartlyCopied => {
                let n = top.map_or(0, |o| o.n_sentences);
                let word =
                    if self.kind == VerdictKind::Copy { "copy of" } else { "partly copied from" };
                let how = how_altered(sentences, top.map(|o| o.source));
                format!(
                    "{word} {top_id}: {n} of {n_counted} sentences ({} of the text), {how}",
                    pct(self.coverage)
                )
            }
            VerdictKind::Patchwork => {
                let n: usize = self.origins.iter().map(|o| o.n_sentences).sum();
                let how = how_altered(sentences, None);
                format!(
                    "patchwork of {} origins covering {} of the text: {n} of {n_counted} \
                     sentences, {how}",
                    self.n_significant,
                    pct(self.coverage)
                )
            }
        }
    }
}

/// "7 verbatim, 2 spun (Russia → Russian Federation, U.S. → USA)": how the counted sentences
/// from `source` (all sources when `None`) were altered.
fn how_altered(sentences: &[SentenceReport], source: Option<usize>) -> String {
    let mut counts: BTreeMap<Alteration, usize> = BTreeMap::new();
    let mut spins: Vec<String> = Vec::new();
    for s in sentences.iter().filter(|s| s.status == SentenceStatus::Sourced) {
        let Some(m) = &s.source_match else { continue };
        if m.quoted || m.kind == Alteration::Paraphrased || source.is_some_and(|x| x != m.source) {
            continue;
        }
        *counts.entry(m.kind).or_default() += 1;
        for sub in &m.substitutions {
            let pair = format!("{} → {}", sub.from, sub.to);
            if spins.len() < MAX_SUMMARY_SPINS && !spins.contains(&pair) {
                spins.push(pair);
            }
        }
    }
    let mut parts: Vec<String> = Vec::new();
    for (kind, n) in counts.iter().rev() {
        let name = kind.name();
        if *kind == Alteration::Spun && !spins.is_empty() {
            parts.push(format!("{n} {name} ({}{})", spins.join(", "), ellipsis(&spins)));
        } else {
            parts.push(format!("{n} {name}"));
        }
    }
    parts.join(", ")
}

fn ellipsis(spins: &[String]) -> &'static str {
    if spins.len() >= MAX_SUMMARY_SPINS { ", …" } else { "" }
}

/// "1 phrase match", "2 phrase matches".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if noun.ends_with('h') {
        format!("{n} {noun}es")
    } else {
        format!("{n} {noun}s")
    }
}

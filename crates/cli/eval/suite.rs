//! The parts of `unspun eval` beyond bbc, pan13 and planted: Clough & Stevenson agreement,
//! the hard negatives (BASIL, Pérez-Rosas fake news), and the floors of `--quick`.
//!
//! Hard negatives are articles that tell the same story without copying each other: each is
//! traced against an index of all of them, with its own id (so it cannot find itself), and a
//! `copy` or `patchwork` verdict is a false copy.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use unspun_core::Document;
use unspun_core::report::{Alteration, SentenceStatus, TraceReport, VerdictKind};
use unspun_core::trace::{TraceInput, Tracer};
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
use unspun_lab::eval::{Confusion, ReuseCategory, ReuseEvidence, ReuseThresholds, reuse_category};

use super::{
    EvalOutput, IndexSource, Plan, Progress, Workspace, build_index, ratio, read_jsonl_gz, tracer,
};

// ---------------------------------------------------------------------------------------------
// clough_stevenson

#[derive(Debug, serde::Deserialize)]
struct CloughRecord {
    id: String,
    category: String,
    role: String,
    #[serde(default)]
    source_id: Option<String>,
    text: String,
}

/// Results of the Clough & Stevenson evaluation.
#[derive(Debug, Serialize)]
pub(super) struct CloughResult {
    n_sources_indexed: u64,
    n_answers: usize,
    /// The thresholds mapping a report onto a category.
    thresholds: ThresholdsOut,
    /// Rows: the corpus's label; columns: the category of the trace.
    confusion: Confusion,
    /// Non (independently written) answers.
    n_non: usize,
    /// Non answers with at least one sourced sentence (to any source).
    n_non_with_source: usize,
    share_non_with_source: f64,
    /// Answers labelled as reuse (cut, light, heavy) whose report names the right source.
    n_reuse: usize,
    n_reuse_right_source: usize,
    /// Per answer: id, label, predicted category, right-source share, verbatim share.
    answers: Vec<CloughAnswer>,
}

#[derive(Debug, Serialize)]
struct ThresholdsOut {
    cut_share: f64,
    cut_verbatim: f64,
    light_share: f64,
}

#[derive(Debug, Serialize)]
struct CloughAnswer {
    id: String,
    label: ReuseCategory,
    predicted: ReuseCategory,
    right_source_share: f64,
    coverage: f64,
    verbatim_share: f64,
}

/// What a report says about an answer whose source is `source_id`.
fn reuse_evidence(report: &TraceReport, source_id: &str) -> ReuseEvidence {
    let is_right = |source: usize| report.sources.get(source).is_some_and(|s| s.id == source_id);
    let right_source_share: f64 =
        report.verdict.origins.iter().filter(|o| is_right(o.source)).map(|o| o.share).sum();
    let (mut n_chars, mut n_verbatim_chars) = (0usize, 0usize);
    for sentence in &report.sentences {
        let Some(m) = &sentence.source_match else { continue };
        if sentence.status != SentenceStatus::Sourced || !is_right(m.source) {
            continue;
        }
        let len = sentence.char_end.saturating_sub(sentence.char_start);
        n_chars += len;
        if m.kind == Alteration::Verbatim {
            n_verbatim_chars += len;
        }
    }
    ReuseEvidence {
        right_source_share,
        coverage: report.verdict.coverage,
        verbatim_share: ratio(n_verbatim_chars, n_chars),
    }
}

/// Runs the Clough & Stevenson evaluation: the 5 sources indexed, each answer traced.
pub(super) fn run_clough(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
) -> anyhow::Result<CloughResult> {
    let path = data.join("clough_stevenson/documents.jsonl.gz");
    let records: Vec<CloughRecord> = read_jsonl_gz(&path)?;
    let sources: Vec<Document> = records
        .iter()
        .filter(|r| r.role == "source")
        .map(|r| Document { id: r.id.clone(), text: r.text.clone(), ..Document::default() })
        .collect();
    let (index, n_sources_indexed, _) = build_index(
        &workspace.index_dir("clough_stevenson"),
        IndexSource::Docs(sources),
        progress,
    )?;
    let tracer = tracer(&index, progress);
    let thresholds = ReuseThresholds::default();
    let labels: Vec<&str> = ReuseCategory::ALL.iter().map(|c| c.name()).collect();
    let mut result = CloughResult {
        n_sources_indexed,
        n_answers: 0,
        thresholds: ThresholdsOut {
            cut_share: thresholds.cut_share,
            cut_verbatim: thresholds.cut_verbatim,
            light_share: thresholds.light_share,
        },
        confusion: Confusion::new(&labels),
        n_non: 0,
        n_non_with_source: 0,
        share_non_with_source: 0.0,
        n_reuse: 0,
        n_reuse_right_source: 0,
        answers: Vec::new(),
    };
    for record in records.iter().filter(|r| r.role == "answer") {
        let label = ReuseCategory::from_name(&record.category).with_context(|| {
            format!("{}: answer {} has category {:?}", path.display(), record.id, record.category)
        })?;
        let source_id = record.source_id.as_deref().with_context(|| {
            format!("{}: answer {} has no source_id", path.display(), record.id)
        })?;
        let input =
            TraceInput { id: Some(&record.id), title: None, text: &record.text, date: None };
        let report = tracer.trace(&input, &index);
        let evidence = reuse_evidence(&report, source_id);
        let predicted = reuse_category(&evidence, &thresholds);
        result.n_answers += 1;
        result.confusion.add(label.idx(), predicted.idx());
        if label == ReuseCategory::Non {
            result.n_non += 1;
            if report.verdict.n_origins > 0 {
                result.n_non_with_source += 1;
            }
        } else {
            result.n_reuse += 1;
            if evidence.right_source_share > 0.0 {
                result.n_reuse_right_source += 1;
            }
        }
        result.answers.push(CloughAnswer {
            id: record.id.clone(),
            label,
            predicted,
            right_source_share: evidence.right_source_share,
            coverage: evidence.coverage,
            verbatim_share: evidence.verbatim_share,
        });
    }
    result.share_non_with_source = ratio(result.n_non_with_source, result.n_non);
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// Hard negatives

/// False-copy results of one hard-negative corpus.
#[derive(Debug, Serialize)]
pub(super) struct NegativesResult {
    corpus: String,
    n_docs_indexed: u64,
    /// One row per group (all of BASIL; AMT and Celebrity, legit and fake, for perezrosas).
    groups: Vec<NegativesGroup>,
}

/// False copies of one group of traced documents.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct NegativesGroup {
    name: String,
    n_traced: usize,
    /// `copy` or `patchwork` verdicts.
    n_false_copy: usize,
    false_copy_rate: f64,
    /// Documents with at least one sourced sentence.
    n_any_source: usize,
    /// False copies whose main origin is a related document: the same BASIL story, or the
    /// perezrosas pair (for an AMT fake, the legit story it was rewritten from).
    n_false_copy_related: usize,
    /// Mean coverage over the traced documents.
    mean_coverage: f64,
    /// Up to 3 false copies: `doc -> origin (coverage)`.
    examples: Vec<String>,
}

/// One traced hard negative.
struct NegativeTrace {
    group: String,
    false_copy: bool,
    any_source: bool,
    related: bool,
    coverage: f64,
    example: String,
}

fn tally_groups(traces: &[NegativeTrace], order: &[&str]) -> Vec<NegativesGroup> {
    let mut groups: BTreeMap<&str, NegativesGroup> = BTreeMap::new();
    let mut coverage_sums: HashMap<&str, f64> = HashMap::new();
    for t in traces {
        let g = groups.entry(t.group.as_str()).or_insert_with(|| NegativesGroup {
            name: t.group.clone(),
            ..NegativesGroup::default()
        });
        g.n_traced += 1;
        g.n_any_source += usize::from(t.any_source);
        if t.false_copy {
            g.n_false_copy += 1;
            g.n_false_copy_related += usize::from(t.related);
            if g.examples.len() < 3 {
                g.examples.push(t.example.clone());
            }
        }
        *coverage_sums.entry(t.group.as_str()).or_default() += t.coverage;
    }
    let mut out: Vec<NegativesGroup> = Vec::new();
    for name in order {
        if let Some(mut g) = groups.remove(name) {
            g.false_copy_rate = ratio(g.n_false_copy, g.n_traced);
            g.mean_coverage = coverage_sums.get(name).copied().unwrap_or(0.0) / g.n_traced as f64;
            out.push(g);
        }
    }
    out
}

/// Traces `doc` against `index` with its own id; `related(origin_id)` says whether an origin
/// is a related document.
fn trace_negative(
    doc: &Document,
    group: &str,
    index: &unspun_index::Index,
    tracer: &Tracer,
    related: impl Fn(&str) -> bool,
) -> NegativeTrace {
    // No date: every other article may be a source, whatever its date, which is the harder
    // test.
    let input =
        TraceInput { id: Some(&doc.id), title: doc.title.as_deref(), text: &doc.text, date: None };
    let report = tracer.trace(&input, index);
    let main_origin = report
        .verdict
        .origins
        .first()
        .and_then(|o| report.sources.get(o.source))
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let false_copy = matches!(
        report.verdict.kind,
        VerdictKind::Copy | VerdictKind::PartlyCopied | VerdictKind::Patchwork
    );
    NegativeTrace {
        group: group.to_string(),
        false_copy,
        any_source: report.verdict.n_origins > 0,
        related: false_copy && related(&main_origin),
        coverage: report.verdict.coverage,
        example: format!("{} -> {} ({:.0}%)", doc.id, main_origin, report.verdict.coverage * 100.0),
    }
}

/// Every record with a text of a corpus file.
/// The documents of a corpus file with a text (bad records skipped).
pub(super) fn read_corpus(path: &Path) -> anyhow::Result<Vec<Document>> {
    let reader = CorpusReader::open(path, &ReaderConfig::default())
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(reader
        .filter_map(|record| match record {
            RecordResult::Ok { doc, .. } if !doc.text.trim().is_empty() => Some(doc),
            _ => None,
        })
        .collect())
}

/// BASIL story id of an article id `basil-<story>_<n>`.
fn basil_story(id: &str) -> &str {
    id.rsplit_once('_').map_or(id, |(story, _)| story)
}

/// Runs the BASIL hard negatives: all articles indexed, each traced.
pub(super) fn run_basil(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
) -> anyhow::Result<NegativesResult> {
    let path = data.join("basil/articles.jsonl.gz");
    let docs = read_corpus(&path)?;
    let (index, n_docs_indexed, _) =
        build_index(&workspace.index_dir("basil"), IndexSource::Docs(docs.clone()), progress)?;
    let tracer = tracer(&index, progress);
    let bar = progress.bar(docs.len(), "basil articles");
    let traces: Vec<NegativeTrace> = docs
        .par_iter()
        .map(|doc| {
            let story = basil_story(&doc.id);
            let t =
                trace_negative(doc, "all", &index, &tracer, |origin| basil_story(origin) == story);
            bar.inc(1);
            t
        })
        .collect();
    bar.finish_and_clear();
    Ok(NegativesResult {
        corpus: "basil".to_string(),
        n_docs_indexed,
        groups: tally_groups(&traces, &["all"]),
    })
}

#[derive(Debug, serde::Deserialize)]
struct PerezRecord {
    id: String,
    subset: String,
    label: String,
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    pair_key: Option<String>,
}

/// The perezrosas groups, in table order.
const PEREZ_GROUPS: [&str; 4] = ["amt legit", "amt fake", "celebrity legit", "celebrity fake"];

/// Runs the Pérez-Rosas hard negatives: all documents indexed, every `plan.perezrosas_every`-th
/// traced.
pub(super) fn run_perezrosas(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
    plan: &Plan,
) -> anyhow::Result<NegativesResult> {
    let folder = data.join("perezrosas_fakenews");
    let records: Vec<PerezRecord> = read_jsonl_gz(&folder.join("documents.jsonl.gz"))?;
    // pairs.jsonl.gz names the same pairs as `pair_key`; it is read to check that they agree.
    #[derive(serde::Deserialize)]
    struct Pair {
        legit_id: String,
        fake_id: String,
    }
    let pairs: Vec<Pair> = read_jsonl_gz(&folder.join("pairs.jsonl.gz"))?;
    let mut pair_of: HashMap<String, String> = HashMap::new();
    for pair in &pairs {
        pair_of.insert(pair.legit_id.clone(), pair.fake_id.clone());
        pair_of.insert(pair.fake_id.clone(), pair.legit_id.clone());
    }
    let docs: Vec<Document> = records
        .iter()
        .map(|r| Document {
            id: r.id.clone(),
            title: r.title.clone(),
            text: r.text.clone(),
            ..Document::default()
        })
        .collect();
    let (index, n_docs_indexed, _) =
        build_index(&workspace.index_dir("perezrosas"), IndexSource::Docs(docs.clone()), progress)?;
    let tracer = tracer(&index, progress);
    let every = plan.perezrosas_every.max(1);
    let picked: Vec<(&PerezRecord, &Document)> = records.iter().zip(&docs).step_by(every).collect();
    let bar = progress.bar(picked.len(), "perezrosas documents");
    let traces: Vec<NegativeTrace> = picked
        .par_iter()
        .map(|(record, doc)| {
            let subset = if record.subset == "FakeNewsAMT" { "amt" } else { "celebrity" };
            let group = format!("{subset} {}", record.label);
            let pair = pair_of.get(&record.id).cloned().or_else(|| record.pair_key.clone());
            let t = trace_negative(doc, &group, &index, &tracer, |origin| {
                pair.as_deref() == Some(origin)
            });
            bar.inc(1);
            t
        })
        .collect();
    bar.finish_and_clear();
    Ok(NegativesResult {
        corpus: "perezrosas_fakenews".to_string(),
        n_docs_indexed,
        groups: tally_groups(&traces, &PEREZ_GROUPS),
    })
}

// ---------------------------------------------------------------------------------------------
// Floors of --quick

/// One score of `--quick` against its floor (or, for a rate to keep low, its ceiling).
#[derive(Debug, Clone, Serialize)]
pub(super) struct FloorCheck {
    name: &'static str,
    value: f64,
    /// The bound: a floor when `higher_is_better`, a ceiling otherwise.
    bound: f64,
    higher_is_better: bool,
    pub(super) ok: bool,
}

impl FloorCheck {
    /// Checks `value` against `bound`, a floor when `higher_is_better`, else a ceiling. A NaN
    /// value fails either way.
    fn new(name: &'static str, value: f64, bound: f64, higher_is_better: bool) -> FloorCheck {
        let ok = if higher_is_better { value >= bound } else { value <= bound };
        FloorCheck { name, value, bound, higher_is_better, ok }
    }
}

/// Floors of `--quick`, a little under the values the quick samples gave when they were set
/// (bbc 1.0000, pan13 0.9434, planted F1 0.9703 and verdicts 1.0000, clough 0.74, basil 0,
/// celebrity 0, amt 0.29 on the quick sample and 0.21 on all), so that a regression fails CI but noise does not.
mod floors {
    pub(super) const BBC_LENIENT: f64 = 0.98;
    pub(super) const PAN13_PLAGDET: f64 = 0.92;
    pub(super) const PLANTED_F1: f64 = 0.95;
    pub(super) const PLANTED_VERDICT: f64 = 0.90;
    pub(super) const CLOUGH_ACCURACY: f64 = 0.70;
    /// Ceilings of the false-copy rates.
    pub(super) const BASIL_FALSE_COPY: f64 = 0.02;
    pub(super) const CELEBRITY_FALSE_COPY: f64 = 0.05;
    /// AMT fakes are human rewrites of the legit stories: many are real reuse, so this only
    /// catches a jump.
    pub(super) const AMT_FALSE_COPY: f64 = 0.40;
}

/// Checks the scores of a `--quick` run against their floors.
pub(super) fn check_floors(output: &EvalOutput) -> Vec<FloorCheck> {
    let mut checks = Vec::new();
    let mut at_least = |name, value, bound| checks.push(FloorCheck::new(name, value, bound, true));
    if let Some(bbc) = &output.bbc {
        at_least("bbc share right (lenient)", bbc.share_right_lenient, floors::BBC_LENIENT);
    }
    if let Some(pan) = &output.pan13 {
        at_least("pan13 passage plagdet", pan.passages.plagdet, floors::PAN13_PLAGDET);
    }
    if let Some(planted) = &output.planted {
        at_least("planted sentence F1", planted.strict.f1(), floors::PLANTED_F1);
        at_least("planted verdict accuracy", planted.verdicts.accuracy(), floors::PLANTED_VERDICT);
    }
    if let Some(clough) = &output.clough_stevenson {
        at_least("clough agreement", clough.confusion.accuracy(), floors::CLOUGH_ACCURACY);
    }
    let mut at_most = |name, value, bound| checks.push(FloorCheck::new(name, value, bound, false));
    if let Some(g) = output.basil.as_ref().and_then(|b| b.groups.first()) {
        at_most("basil false-copy rate", g.false_copy_rate, floors::BASIL_FALSE_COPY);
    }
    if let Some(perez) = &output.perezrosas {
        for g in &perez.groups {
            let (name, bound) = match g.name.as_str() {
                "amt legit" => ("amt legit false-copy rate", floors::AMT_FALSE_COPY),
                "amt fake" => ("amt fake false-copy rate", floors::AMT_FALSE_COPY),
                "celebrity legit" => {
                    ("celebrity legit false-copy rate", floors::CELEBRITY_FALSE_COPY)
                }
                _ => ("celebrity fake false-copy rate", floors::CELEBRITY_FALSE_COPY),
            };
            at_most(name, g.false_copy_rate, bound);
        }
    }
    checks
}

// ---------------------------------------------------------------------------------------------
// Output

/// Appends the Clough & Stevenson, hard-negative and floor sections to the table.
pub(super) fn render_suite(out: &mut String, output: &EvalOutput) -> std::fmt::Result {
    if let Some(clough) = &output.clough_stevenson {
        writeln!(out)?;
        writeln!(out, "(d) clough_stevenson short answers (5 sources indexed)")?;
        let t = &clough.thresholds;
        writeln!(
            out,
            "  category of a trace: cut if ≥ {:.0}% of the answer comes from its source and ≥ \
             {:.0}% of that verbatim; light if ≥ {:.0}%; heavy if > 0; else non",
            t.cut_share * 100.0,
            t.cut_verbatim * 100.0,
            t.light_share * 100.0
        )?;
        writeln!(
            out,
            "  agreement {:.4} ({} / {} answers)",
            clough.confusion.accuracy(),
            clough.confusion.n_right(),
            clough.confusion.n()
        )?;
        render_confusion(out, &clough.confusion, "label \\ trace")?;
        writeln!(
            out,
            "  non answers with any source: {:.4} ({} / {}); reuse answers naming their source: \
             {} / {}",
            clough.share_non_with_source,
            clough.n_non_with_source,
            clough.n_non,
            clough.n_reuse_right_source,
            clough.n_reuse
        )?;
    }
    for (tag, result) in [("(e)", &output.basil), ("(f)", &output.perezrosas)] {
        let Some(result) = result else { continue };
        writeln!(out)?;
        writeln!(
            out,
            "{tag} hard negatives: {} ({} indexed; each traced with its own id, no date)",
            result.corpus, result.n_docs_indexed
        )?;
        writeln!(
            out,
            "  {:<16} {:>6} {:>10} {:>9} {:>9} {:>10} {:>9}",
            "group", "traced", "false copy", "rate", "related", "any source", "mean cov"
        )?;
        for g in &result.groups {
            writeln!(
                out,
                "  {:<16} {:>6} {:>10} {:>9.4} {:>9} {:>10} {:>9.4}",
                g.name,
                g.n_traced,
                g.n_false_copy,
                g.false_copy_rate,
                g.n_false_copy_related,
                g.n_any_source,
                g.mean_coverage
            )?;
            for example in &g.examples {
                writeln!(out, "    - {example}")?;
            }
        }
        writeln!(
            out,
            "  (false copy = copy or patchwork verdict; related = its main origin is the same \
             story / the pair's other half)"
        )?;
    }
    if !output.floors.is_empty() {
        writeln!(out)?;
        writeln!(out, "floors (--quick)")?;
        for f in &output.floors {
            writeln!(
                out,
                "  {:<34} {:>8.4} {} {:<8} {}",
                f.name,
                f.value,
                if f.higher_is_better { "≥" } else { "≤" },
                f.bound,
                if f.ok { "ok" } else { "FAILED" }
            )?;
        }
    }
    Ok(())
}

/// A confusion matrix as rows of counts.
pub(super) fn render_confusion(
    out: &mut String,
    confusion: &Confusion,
    corner: &str,
) -> std::fmt::Result {
    write!(out, "  {corner:<16}")?;
    for label in &confusion.labels {
        write!(out, " {label:>9}")?;
    }
    writeln!(out)?;
    for (label, row) in confusion.labels.iter().zip(&confusion.counts) {
        write!(out, "  {label:<16}")?;
        for count in row {
            write!(out, " {count:>9}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_fail_below_and_ceilings_above() {
        assert!(FloorCheck::new("f", 0.95, 0.95, true).ok);
        assert!(!FloorCheck::new("f", 0.94, 0.95, true).ok);
        assert!(FloorCheck::new("c", 0.0, 0.02, false).ok);
        assert!(!FloorCheck::new("c", 0.03, 0.02, false).ok);
        assert!(!FloorCheck::new("f", f64::NAN, 0.5, true).ok);
        assert!(!FloorCheck::new("c", f64::NAN, 0.5, false).ok);
    }

    #[test]
    fn basil_story_of_an_id() {
        assert_eq!(basil_story("basil-2b95d2cf_1"), "basil-2b95d2cf");
        assert_eq!(basil_story("plain"), "plain");
    }

    fn negative(group: &str, false_copy: bool, related: bool) -> NegativeTrace {
        NegativeTrace {
            group: group.to_string(),
            false_copy,
            any_source: false_copy,
            related,
            coverage: if false_copy { 0.8 } else { 0.0 },
            example: "x".to_string(),
        }
    }

    #[test]
    fn negatives_tally_rates_by_group() {
        let traces = [
            negative("amt fake", true, true),
            negative("amt fake", false, false),
            negative("celebrity fake", false, false),
            negative("other", true, false),
        ];
        let groups = tally_groups(&traces, &PEREZ_GROUPS);
        // Groups outside the order are left out; order is kept.
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["amt fake", "celebrity fake"]);
        assert_eq!(
            (groups[0].n_traced, groups[0].n_false_copy, groups[0].false_copy_rate),
            (2, 1, 0.5)
        );
        assert_eq!(groups[0].n_false_copy_related, 1);
        assert_eq!(groups[0].mean_coverage, 0.4);
        assert_eq!(groups[1].false_copy_rate, 0.0);
    }
}

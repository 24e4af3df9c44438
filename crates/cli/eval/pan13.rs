//! `unspun eval` (b): PAN-13 text alignment (02-no-obfuscation sample), scored with plagdet.

use super::*;

// ---------------------------------------------------------------------------------------------
// (b) pan13

#[derive(Debug, serde::Deserialize)]
pub(super) struct PanDocRecord {
    pub(super) id: String,
    pub(super) role: String,
    pub(super) text: String,
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct PanPairRecord {
    pub(super) susp_id: String,
    pub(super) src_id: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct PanCaseRecord {
    pub(super) susp_id: String,
    pub(super) src_id: String,
    pub(super) aligned_ok: bool,
    pub(super) this_offset: Option<usize>,
    pub(super) this_length: Option<usize>,
    pub(super) source_offset: Option<usize>,
    pub(super) source_length: Option<usize>,
}

/// Results of the pan13 evaluation.
#[derive(Debug, Serialize)]
pub(super) struct Pan13Result {
    pub(super) n_sources_indexed: u64,
    pub(super) n_suspicious_traced: usize,
    pub(super) n_pairs: usize,
    /// Pairs left out because one of their cases could not be re-aligned (`aligned_ok` false).
    pub(super) n_pairs_excluded: usize,
    /// Cases of the excluded pairs (of which `n_cases_not_aligned` are not aligned).
    pub(super) n_cases_excluded: usize,
    pub(super) n_cases_not_aligned: usize,
    /// Passages (merged runs of sentences) as detections.
    pub(super) passages: PanScore,
    /// Sentence matches as detections.
    pub(super) sentences: PanScore,
    pub(super) target: f64,
    pub(super) index_seconds: f64,
    pub(super) trace_seconds: f64,
    pub(super) mean_trace_ms: f64,
    /// Cases the passages cover least (recall of the case below 0.9).
    pub(super) examples: Vec<Example>,
    /// Cases detected by more than one passage (what raises granularity above 1).
    pub(super) split_examples: Vec<Example>,
}

/// The PAN truth, restricted to the listed pairs whose cases all aligned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PanTruth {
    pub(super) cases: Vec<PanCase>,
    /// Listed pairs that are scored.
    pub(super) pairs: HashSet<(String, String)>,
    pub(super) n_pairs_excluded: usize,
    pub(super) n_cases_excluded: usize,
    pub(super) n_cases_not_aligned: usize,
}

pub(super) fn pan_truth(pairs: &[PanPairRecord], cases: &[PanCaseRecord]) -> PanTruth {
    let listed: HashSet<(String, String)> =
        pairs.iter().map(|p| (p.susp_id.clone(), p.src_id.clone())).collect();
    let bad: HashSet<(String, String)> = cases
        .iter()
        .filter(|c| !c.aligned_ok)
        .map(|c| (c.susp_id.clone(), c.src_id.clone()))
        .collect();
    let scored: HashSet<(String, String)> = listed.difference(&bad).cloned().collect();
    let mut truth = PanTruth {
        cases: Vec::new(),
        n_pairs_excluded: listed.intersection(&bad).count(),
        pairs: scored,
        n_cases_excluded: 0,
        n_cases_not_aligned: cases.iter().filter(|c| !c.aligned_ok).count(),
    };
    for case in cases {
        let pair = (case.susp_id.clone(), case.src_id.clone());
        if !truth.pairs.contains(&pair) {
            if listed.contains(&pair) {
                truth.n_cases_excluded += 1;
            }
            continue;
        }
        let (Some(this_offset), Some(this_length), Some(source_offset), Some(source_length)) =
            (case.this_offset, case.this_length, case.source_offset, case.source_length)
        else {
            // aligned_ok cases always have offsets; one without is unusable.
            truth.n_cases_excluded += 1;
            continue;
        };
        truth.cases.push(PanCase::new(
            case.susp_id.as_str(),
            case.src_id.as_str(),
            this_offset..this_offset + this_length,
            source_offset..source_offset + source_length,
        ));
    }
    truth
}

/// Detections of one traced suspicious document, restricted to the scored pairs: the passages
/// and the sentence matches.
pub(super) fn pan_detections(
    susp_id: &str,
    report: &TraceReport,
    pairs: &HashSet<(String, String)>,
) -> (Vec<PanCase>, Vec<PanCase>) {
    let keep = |source: usize| {
        report
            .sources
            .get(source)
            .map(|s| s.id.as_str())
            .filter(|src| pairs.contains(&(susp_id.to_string(), (*src).to_string())))
    };
    let passages = report
        .passages
        .iter()
        .filter_map(|p| {
            keep(p.source).map(|src| {
                PanCase::new(
                    susp_id,
                    src,
                    p.query_char_start..p.query_char_end,
                    p.source_char_start..p.source_char_end,
                )
            })
        })
        .collect();
    let sentences = report
        .sentences
        .iter()
        .filter(|s| s.status == SentenceStatus::Sourced)
        .filter_map(|s| s.source_match.as_ref())
        .filter_map(|m| {
            keep(m.source).map(|src| {
                PanCase::new(
                    susp_id,
                    src,
                    m.query_char_start..m.query_char_end,
                    m.source_char_start..m.source_char_end,
                )
            })
        })
        .collect();
    (passages, sentences)
}

pub(super) fn run_pan13(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
    plan: &Plan,
) -> anyhow::Result<Pan13Result> {
    let folder = data.join("pan13_text_alignment");
    let documents: Vec<PanDocRecord> = read_jsonl_gz(&folder.join("documents.jsonl.gz"))?;
    let mut pairs: Vec<PanPairRecord> = read_jsonl_gz(&folder.join("pairs.jsonl.gz"))?;
    if let Some(limit) = plan.pan13_suspicious {
        // The first `limit` suspicious documents in id order, with all their pairs.
        let ids: BTreeSet<&str> = pairs.iter().map(|p| p.susp_id.as_str()).collect();
        let kept: HashSet<String> = ids.into_iter().take(limit).map(str::to_string).collect();
        pairs.retain(|p| kept.contains(&p.susp_id));
    }
    let cases: Vec<PanCaseRecord> = read_jsonl_gz(&folder.join("cases.jsonl.gz"))?;
    let truth = pan_truth(&pairs, &cases);

    let mut texts: HashMap<&str, &str> = HashMap::new();
    let mut sources = Vec::new();
    for doc in &documents {
        texts.insert(doc.id.as_str(), doc.text.as_str());
        if doc.role == "source" {
            sources.push(Document {
                id: doc.id.clone(),
                text: doc.text.clone(),
                ..Document::default()
            });
        }
    }
    let (index, n_indexed, index_seconds) =
        build_index(&workspace.index_dir("pan13"), IndexSource::Docs(sources), progress)?;
    let tracer = tracer(&index, progress);

    let suspicious: Vec<&str> =
        pairs.iter().map(|p| p.susp_id.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
    for susp in &suspicious {
        if !texts.contains_key(susp) {
            bail!("pairs.jsonl.gz names {susp}, which documents.jsonl.gz does not hold");
        }
    }
    let bar = progress.bar(suspicious.len(), "pan13 documents");
    let started = Instant::now();
    let traced: Vec<(Vec<PanCase>, Vec<PanCase>, f64)> = suspicious
        .par_iter()
        .map(|&susp| {
            let text = texts.get(susp).copied().unwrap_or_default();
            let trace_started = Instant::now();
            let input = TraceInput { id: Some(susp), title: None, text, date: None };
            let report = tracer.trace(&input, &index);
            let ms = trace_started.elapsed().as_secs_f64() * 1000.0;
            bar.inc(1);
            let (passages, sentences) = pan_detections(susp, &report, &truth.pairs);
            (passages, sentences, ms)
        })
        .collect();
    bar.finish_and_clear();
    let trace_seconds = started.elapsed().as_secs_f64();

    let passage_detections: Vec<PanCase> = traced.iter().flat_map(|t| t.0.clone()).collect();
    let sentence_detections: Vec<PanCase> = traced.iter().flat_map(|t| t.1.clone()).collect();
    let passages = pan_score(&truth.cases, &passage_detections);
    let sentences = pan_score(&truth.cases, &sentence_detections);

    let mut examples = Vec::new();
    let mut split_examples = Vec::new();
    for case in &truth.cases {
        let same_pair: Vec<PanCase> = passage_detections
            .iter()
            .filter(|d| d.susp_doc == case.susp_doc && d.src_doc == case.src_doc)
            .cloned()
            .collect();
        let score = pan_score(std::slice::from_ref(case), &same_pair);
        let detecting: Vec<&PanCase> = same_pair.iter().filter(|d| d.detects(case)).collect();
        if detecting.len() > 1 && split_examples.len() < MAX_EXAMPLES {
            let why = format!("case split into {} passages", detecting.len());
            split_examples.push(case_example(case, &detecting, &texts, why));
        }
        if score.recall < 0.9 && examples.len() < MAX_EXAMPLES {
            let found: Vec<&PanCase> = same_pair.iter().collect();
            let why = format!("case recall {:.2}", score.recall);
            examples.push(case_example(case, &found, &texts, why));
        }
    }

    Ok(Pan13Result {
        n_sources_indexed: n_indexed,
        n_suspicious_traced: suspicious.len(),
        n_pairs: truth.pairs.len(),
        n_pairs_excluded: truth.n_pairs_excluded,
        n_cases_excluded: truth.n_cases_excluded,
        n_cases_not_aligned: truth.n_cases_not_aligned,
        passages,
        sentences,
        target: PAN_TARGET,
        index_seconds,
        trace_seconds,
        mean_trace_ms: mean(traced.iter().map(|t| t.2)),
        examples,
        split_examples,
    })
}

/// An example of `case` for reading: its text, where it is, and the `found` detections.
fn case_example(
    case: &PanCase,
    found: &[&PanCase],
    texts: &HashMap<&str, &str>,
    why: String,
) -> Example {
    let text = texts
        .get(case.susp_doc.as_str())
        .map(|t| char_slice(t, case.susp_char_range.clone()))
        .unwrap_or_default();
    let found: Vec<String> = found
        .iter()
        .map(|d| format!("susp {:?} src {:?}", d.susp_char_range, d.src_char_range))
        .collect();
    Example {
        doc_id: case.susp_doc.clone(),
        text: shorten(&text, 300),
        expected: Some(format!(
            "{} susp {:?} src {:?}",
            case.src_doc, case.susp_char_range, case.src_char_range
        )),
        got: (!found.is_empty()).then(|| found.join("; ")),
        why,
    }
}

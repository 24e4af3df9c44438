//! `unspun eval` (c): planted spun patchworks from AllSides, scored per sentence, by edit
//! kind, sentence length and number of sources, and their table.

use super::*;
use std::ops::Range;
use unspun_lab::patchwork::PlantedSentence;

// ---------------------------------------------------------------------------------------------
// (c) planted

/// Results of the planted evaluation.
#[derive(Debug, Serialize)]
pub(super) struct PlantedResult {
    pub(super) n_docs_read: usize,
    pub(super) n_docs_indexed: u64,
    pub(super) n_negative_docs: usize,
    pub(super) seed: u64,
    /// `wordnet (DIR: n synsets)` or `built-in table`.
    pub(super) thesaurus: String,
    /// The generator's settings (the substitution rate and spun share vary by rate).
    pub(super) config: PatchworkConfig,
    pub(super) index_seconds: f64,
    pub(super) rates: Vec<PlantedRate>,
    /// Strict counts by edit kind over all rates; `negative` holds the original sentences
    /// (false positives only).
    pub(super) by_kind: BTreeMap<String, AttributionCounts>,
    /// Planted sentences by edit kind (and `negative`), over all rates.
    pub(super) n_by_kind: BTreeMap<String, usize>,
    /// By the true number of sources, over all rates.
    pub(super) by_n_sources: Vec<SourcesRow>,
    /// Strict counts over all rates.
    pub(super) strict: AttributionCounts,
    /// Document verdicts over all rates (rows expected, columns got).
    pub(super) verdicts: Confusion,
    /// `|report n_origins − number of planted sources|` over all rates.
    pub(super) origin_count_error: CountError,
    /// Negative sentences given a source that does contain them (normalised), over all rates:
    /// text that really is in the index (AllSides reprints the same wire copy), so not a false
    /// source. The rest of `by_kind["negative"].fp` are false sources.
    pub(super) n_negative_text_in_index: usize,
    /// Negative sentences given a source that holds them nearly word for word
    /// ([`near_reprint`]), over all rates: not false sources either.
    pub(super) n_negative_near_reprint: usize,
}

/// Results at one substitution rate.
#[derive(Debug, Serialize)]
pub(super) struct PlantedRate {
    pub(super) substitution_rate: f64,
    pub(super) spun_share: f64,
    pub(super) n_patchworks: usize,
    pub(super) n_planted_sourced: usize,
    pub(super) n_planted_negative: usize,
    /// Origin must be the planted source.
    pub(super) strict: AttributionCounts,
    /// The planted source may also be a co-copy of the origin.
    pub(super) lenient: AttributionCounts,
    /// False positives whose attributed document does contain the sentence (the planted source
    /// sentence, or the negative sentence) once normalised: text the corpus itself repeats
    /// (wire copies, re-crawls, boilerplate), which the generator does not know about.
    pub(super) n_fp_text_in_attributed_doc: usize,
    /// Of those, negative (original) sentences: given a source that really holds them.
    pub(super) n_negative_text_in_attributed_doc: usize,
    /// Negative sentences given a source that holds them nearly word for word
    /// ([`near_reprint`]) but not word for word.
    pub(super) n_negative_near_reprint: usize,
    /// Patchworks with a title (taken, maybe spun, from the source of the first planted
    /// sentence), titles traced to that source (or a co-copy of it), and titles given a
    /// phrase match only.
    pub(super) n_titles: usize,
    pub(super) n_titles_right: usize,
    pub(super) n_titles_phrase: usize,
    /// Planted sentences missed although the report names their source in a phrase match
    /// (the minimum-evidence rule's cost), by length bucket.
    pub(super) n_missed_phrase_match: BTreeMap<String, usize>,
    /// The same misses by the rule that made them phrase matches.
    pub(super) n_missed_phrase_rule: BTreeMap<String, usize>,
    /// Wire datelines the generator added, and those flagged `wire_dateline`.
    pub(super) n_datelines: usize,
    pub(super) n_datelines_flagged: usize,
    /// The same by the dateline's form: `[added, flagged]`.
    pub(super) datelines_by_pattern: BTreeMap<String, [usize; 2]>,
    pub(super) verdicts: Confusion,
    pub(super) origin_count_error: CountError,
    pub(super) mean_trace_ms: f64,
    pub(super) max_trace_ms: f64,
    pub(super) examples: Vec<Example>,
}

/// Planted results of the patchworks with one number of sources.
#[derive(Debug, Serialize)]
pub(super) struct SourcesRow {
    pub(super) n_sources: usize,
    pub(super) n_patchworks: usize,
    pub(super) strict: AttributionCounts,
    pub(super) verdicts: Confusion,
    pub(super) origin_count_error: CountError,
}

/// What the planted evaluation keeps of one traced patchwork.
pub(super) struct PlantedTrace {
    pub(super) n_sources: usize,
    pub(super) strict: AttributionCounts,
    pub(super) verdict_expected: usize,
    pub(super) verdict_got: usize,
    pub(super) n_origins: usize,
    /// Edit kind names (or `negative`) and outcome of each planted sentence.
    pub(super) kinds: Vec<(Vec<&'static str>, PlantedOutcome)>,
}

/// The snake_case name of an edit kind, as in the generator's JSON.
pub(super) fn edit_kind_name(kind: EditKind) -> &'static str {
    match kind {
        EditKind::Verbatim => "verbatim",
        EditKind::Spun => "spun",
        EditKind::Edited => "edited",
        EditKind::Reordered => "reordered",
        EditKind::Dateline => "dateline",
        EditKind::Split => "split",
        EditKind::Merged => "merged",
        EditKind::Aliased => "aliased",
        EditKind::DatelineDropped => "dateline_dropped",
    }
}

pub(super) fn verdict_idx(kind: VerdictKind) -> usize {
    match kind {
        VerdictKind::Original => 0,
        // Partly copied is a copy of one origin that covers under half of the text.
        VerdictKind::Copy | VerdictKind::PartlyCopied => 1,
        VerdictKind::Patchwork => 2,
    }
}

/// The planted generator's settings at `rate`: 1 to 8 sources, with splitting, merging,
/// entity aliasing, dropped datelines and a share of negative sentences all on.
pub(super) fn planted_config(rate: f64) -> PatchworkConfig {
    PatchworkConfig {
        n_sources_min: 1,
        n_sources_max: 8,
        substitution_rate: rate,
        // At rate 0 nothing is spun; otherwise every sentence is, so that the rate is the
        // share of substitutable words replaced in each sentence.
        spun_share: if rate > 0.0 { 1.0 } else { 0.0 },
        split_share: 0.15,
        merge_share: 0.15,
        alias_rate: Some(0.3),
        dateline_drop_probability: 0.5,
        negative_share: Some(0.2),
        ..PatchworkConfig::default()
    }
}

/// Reads the WordNet files of `dir` (the CLI does the file reading: `unspun-core` is pure).
/// `Ok(None)` when `dir` has no WordNet.
pub(super) fn load_wordnet(dir: &Path) -> anyhow::Result<Option<WordNet>> {
    let Some((wordnet, problems)) = unspun_index::ingest::wordnet::read_wordnet(dir)? else {
        return Ok(None);
    };
    if let Some(problem) = problems.first() {
        bail!("{}/{}:{}: {}", dir.display(), problem.file, problem.line, problem.reason);
    }
    if wordnet.n_synsets() == 0 {
        bail!("{}: no WordNet synset found", dir.display());
    }
    Ok(Some(wordnet))
}

/// Whether the words of `needle` occur in `haystack` in a row, word for word (case,
/// punctuation and spacing aside).
pub(super) fn contains_normalized(haystack: &str, needle: &str) -> bool {
    let needle = plain_words(needle);
    !needle.is_empty()
        && plain_words(haystack).windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Words only (letters and digits, lower-cased), so that punctuation and spacing ("attack."
/// against "attack,") do not decide; independent of the engine's own tokenizer.
fn plain_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A near reprint: at most this many words skipped, on either side, between two words of
/// the chain.
const NEAR_REPRINT_MAX_GAP: usize = 2;
/// A near reprint: a chain of at least this many of the sentence's words …
const NEAR_REPRINT_RUN: usize = 12;
/// … or, in a shorter sentence, at least this share of its words.
const NEAR_REPRINT_SHARE: f64 = 0.9;

/// Whether `haystack` holds the words of `needle` nearly word for word: a chain of its words,
/// in order on both sides with at most [`NEAR_REPRINT_MAX_GAP`] words skipped between two of
/// them, of [`NEAR_REPRINT_RUN`] words, or of [`NEAR_REPRINT_SHARE`] of a shorter sentence.
/// This is the reuse a reader sees at once ("Allahu Akbar" / "Allah Akbar"; a wire lead with
/// "on Friday" added), checked without the engine: the engine's aligner, synonyms and
/// thresholds play no part.
pub(super) fn near_reprint(haystack: &str, needle: &str) -> bool {
    let needle = plain_words(needle);
    if needle.is_empty() {
        return false;
    }
    let need = NEAR_REPRINT_RUN.min((needle.len() as f64 * NEAR_REPRINT_SHARE).ceil() as usize);
    longest_chain(&plain_words(haystack), &needle) >= need
}

/// The longest chain of `needle`'s words found in `haystack` in the same order, with at most
/// [`NEAR_REPRINT_MAX_GAP`] words skipped between two links on either side.
fn longest_chain(haystack: &[String], needle: &[String]) -> usize {
    let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, word) in haystack.iter().enumerate() {
        at.entry(word.as_str()).or_default().push(j);
    }
    // chain[(i, j)]: the longest chain ending with needle[i] = haystack[j].
    let mut chain: HashMap<(usize, usize), usize> = HashMap::new();
    let mut best = 0;
    for (i, word) in needle.iter().enumerate() {
        for &j in at.get(word.as_str()).map_or(&[][..], Vec::as_slice) {
            let mut len = 1;
            for pi in i.saturating_sub(NEAR_REPRINT_MAX_GAP + 1)..i {
                for pj in j.saturating_sub(NEAR_REPRINT_MAX_GAP + 1)..j {
                    if let Some(prev) = chain.get(&(pi, pj)) {
                        len = len.max(prev + 1);
                    }
                }
            }
            chain.insert((i, j), len);
            best = best.max(len);
        }
    }
    best
}

pub(super) fn run_planted(
    data: &Path,
    workspace: &Workspace,
    progress: &Progress,
    plan: &Plan,
) -> anyhow::Result<PlantedResult> {
    let path = data.join("allsides/articles.jsonl.gz");
    progress.note(&format!("reading {} articles of {}", plan.planted_docs, path.display()));
    let (indexed, negatives) = read_allsides(&path, plan.planted_docs)?;
    let n_docs_read = indexed.len() + negatives.len();
    let dir = workspace.index_dir(&format!("allsides-{}", plan.planted_docs));
    let (index, n_docs_indexed, index_seconds) =
        build_index(&dir, IndexSource::Docs(indexed.clone()), progress)?;
    let tracer = tracer(&index, progress);
    let by_id: HashMap<&str, &Document> = indexed.iter().map(|d| (d.id.as_str(), d)).collect();

    let wordnet = load_wordnet(Path::new(WORDNET_DIR))?;
    let builtin = BuiltinThesaurus::new();
    let (thesaurus, thesaurus_name): (&dyn Thesaurus, String) = match &wordnet {
        Some(wordnet) => {
            (wordnet, format!("wordnet ({WORDNET_DIR}: {} synsets)", wordnet.n_synsets()))
        }
        None => (&builtin, format!("built-in table ({WORDNET_DIR} not found)")),
    };

    let mut rates = Vec::new();
    let mut all_traces: Vec<PlantedTrace> = Vec::new();
    for &rate in &plan.planted_rates {
        let patchwork_config = planted_config(rate);
        let patchworks = generate_with_thesaurus(
            &indexed,
            &negatives,
            plan.planted_count,
            &patchwork_config,
            plan.seed,
            thesaurus,
        );
        let bar = progress.bar(patchworks.len(), &format!("patchworks at rate {rate:.2}"));
        let mut result = PlantedRate {
            substitution_rate: rate,
            spun_share: patchwork_config.spun_share,
            n_patchworks: patchworks.len(),
            n_planted_sourced: 0,
            n_planted_negative: 0,
            strict: AttributionCounts::default(),
            lenient: AttributionCounts::default(),
            n_fp_text_in_attributed_doc: 0,
            n_negative_text_in_attributed_doc: 0,
            n_negative_near_reprint: 0,
            n_titles: 0,
            n_titles_right: 0,
            n_titles_phrase: 0,
            n_missed_phrase_match: BTreeMap::new(),
            n_missed_phrase_rule: BTreeMap::new(),
            n_datelines: 0,
            n_datelines_flagged: 0,
            datelines_by_pattern: BTreeMap::new(),
            verdicts: Confusion::new(&VERDICT_LABELS),
            origin_count_error: CountError::default(),
            mean_trace_ms: 0.0,
            max_trace_ms: 0.0,
            examples: Vec::new(),
        };
        let mut latencies = Vec::with_capacity(patchworks.len());
        // One at a time, so that the latency is that of a lone trace.
        for patchwork in &patchworks {
            let doc = &patchwork.doc;
            let input = TraceInput {
                id: Some(doc.id.as_str()),
                title: doc.title.as_deref(),
                text: &doc.text,
                date: doc.date,
            };
            let trace_started = Instant::now();
            let report = tracer.trace(&input, &index);
            latencies.push(trace_started.elapsed().as_secs_f64() * 1000.0);
            bar.inc(1);

            all_traces.push(score_patchwork(&mut result, patchwork, &report, &by_id));
        }
        bar.finish_and_clear();
        result.mean_trace_ms = mean(latencies.iter().copied());
        result.max_trace_ms = latencies.iter().copied().fold(0.0, f64::max);
        rates.push(result);
    }

    let (by_kind, n_by_kind) = by_kind(&all_traces);
    let (by_n_sources, strict, verdicts, origin_count_error) = by_n_sources(&all_traces);
    let n_negative_text_in_index = rates.iter().map(|r| r.n_negative_text_in_attributed_doc).sum();
    Ok(PlantedResult {
        n_negative_text_in_index,
        n_negative_near_reprint: rates.iter().map(|r| r.n_negative_near_reprint).sum(),
        n_docs_read,
        n_docs_indexed,
        n_negative_docs: negatives.len(),
        seed: plan.seed,
        thesaurus: thesaurus_name,
        config: planted_config(0.0),
        index_seconds,
        rates,
        by_kind,
        n_by_kind,
        by_n_sources,
        strict,
        verdicts,
        origin_count_error,
    })
}

/// Scores one traced patchwork: its counts, title, dateline, verdict and misses go into
/// `result`; the returned row feeds the by-kind and by-sources tables.
fn score_patchwork(
    result: &mut PlantedRate,
    patchwork: &Patchwork,
    report: &TraceReport,
    by_id: &HashMap<&str, &Document>,
) -> PlantedTrace {
    let doc = &patchwork.doc;
    let spans = planted_spans(patchwork);
    let views = sentence_views(report);
    let (strict, outcomes) = score_planted(&spans, &views, false);
    let (lenient, _) = score_planted(&spans, &views, true);
    result.strict += strict;
    result.lenient += lenient;
    result.n_planted_sourced += spans.iter().filter(|s| s.source_id.is_some()).count();
    result.n_planted_negative += spans.iter().filter(|s| s.source_id.is_none()).count();
    tally_title_and_dateline(result, patchwork, report);

    let n_sources = patchwork
        .truth
        .iter()
        .filter_map(|t| t.source_id.as_deref())
        .collect::<BTreeSet<_>>()
        .len();
    let expected = verdict_idx(expected_verdict(n_sources));
    let got = verdict_idx(report.verdict.kind);
    result.verdicts.add(expected, got);
    result.origin_count_error.add(report.verdict.n_origins, n_sources);
    let trace = PlantedTrace {
        n_sources,
        strict,
        verdict_expected: expected,
        verdict_got: got,
        n_origins: report.verdict.n_origins,
        kinds: patchwork
            .truth
            .iter()
            .zip(&outcomes)
            .map(|(truth, &outcome)| {
                let kinds = if truth.source_id.is_none() {
                    vec!["negative"]
                } else {
                    let mut kinds: Vec<&'static str> =
                        truth.edits.iter().map(|&k| edit_kind_name(k)).collect();
                    kinds.dedup();
                    let span = truth.query_byte_start..truth.query_byte_end;
                    kinds.push(length_bucket(n_words(doc.text.get(span).unwrap_or(""))));
                    kinds
                };
                (kinds, outcome)
            })
            .collect(),
    };

    for ((span, truth), outcome) in spans.iter().zip(&patchwork.truth).zip(outcomes) {
        if outcome == PlantedOutcome::Missed
            && let Some(reason) = phrase_names(report, &span.char_range, truth)
        {
            let span_text = doc.text.get(truth.query_byte_start..truth.query_byte_end);
            let bucket = length_bucket(n_words(span_text.unwrap_or("")));
            *result.n_missed_phrase_match.entry(bucket.to_string()).or_default() += 1;
            *result.n_missed_phrase_rule.entry(rule_of(reason).to_string()).or_default() += 1;
        }
        let why = match outcome {
            PlantedOutcome::Found | PlantedOutcome::CorrectlyOriginal => continue,
            PlantedOutcome::Missed => "missed",
            PlantedOutcome::WrongSource => "wrong_origin",
            PlantedOutcome::FalseSource => "false_positive",
        };
        let got = views
            .iter()
            .filter(|v| overlaps(&v.char_range, &span.char_range))
            .find_map(|v| v.origin.clone());
        let mut why = why.to_string();
        if outcome != PlantedOutcome::Missed {
            // The sentence as it stands in its origin: the source's sentence, or the
            // negative as planted.
            let sentence = match &truth.source_id {
                Some(id) => by_id
                    .get(id.as_str())
                    .and_then(|d| d.text.get(truth.source_byte_start..truth.source_byte_end)),
                None => doc.text.get(truth.query_byte_start..truth.query_byte_end),
            };
            let attributed = got.as_deref().and_then(|id| by_id.get(id));
            if let (Some(sentence), Some(attributed)) = (sentence, attributed)
                && contains_normalized(&attributed.text, sentence)
            {
                result.n_fp_text_in_attributed_doc += 1;
                if truth.source_id.is_none() {
                    result.n_negative_text_in_attributed_doc += 1;
                }
                why.push_str(", text in attributed doc");
            } else if let (Some(sentence), Some(attributed), None) =
                (sentence, attributed, &truth.source_id)
                && near_reprint(&attributed.text, sentence)
            {
                result.n_negative_near_reprint += 1;
                why.push_str(", text nearly in attributed doc");
            }
        }
        if result.examples.len() >= MAX_EXAMPLES {
            continue;
        }
        let mut edits: Vec<String> =
            truth.edits.iter().map(|&e| edit_kind_name(e).to_string()).collect();
        if truth.source_id.is_none() {
            edits.push("negative".to_string());
        }
        result.examples.push(Example {
            doc_id: doc.id.clone(),
            text: shorten(
                doc.text.get(truth.query_byte_start..truth.query_byte_end).unwrap_or(""),
                300,
            ),
            expected: truth.source_id.clone(),
            got,
            why: format!("{why}; {}", edits.join("+")),
        });
    }
    trace
}

/// The reason of a phrase match of `report` overlapping `range` that names the planted source
/// of `truth`, if there is one.
fn phrase_names<'r>(
    report: &'r TraceReport,
    range: &Range<usize>,
    truth: &PlantedSentence,
) -> Option<&'r str> {
    report.sentences.iter().find_map(|s| {
        let m = s.source_match.as_ref()?;
        let names = report.sources.get(m.source).map(|x| &x.id) == truth.source_id.as_ref();
        (s.status == SentenceStatus::PhraseMatch
            && overlaps(&(s.char_start..s.char_end), range)
            && names)
            .then_some(m.evidence.reason.as_str())
    })
}

/// The rule of the minimum-evidence decision that wrote `reason` (see core's `evidence.rs`).
fn rule_of(reason: &str) -> &'static str {
    match reason {
        r if r.starts_with("only names") => "names only",
        r if r.starts_with("mostly names") => "mostly names",
        r if r.starts_with("a template") => "template",
        r if r.starts_with("a fragment") => "fragment",
        r if r.starts_with("only") => "too few shared words",
        _ => "other",
    }
}

/// Attribution counts and sentence numbers by edit kind (and length, or `negative`).
fn by_kind(
    all_traces: &[PlantedTrace],
) -> (BTreeMap<String, AttributionCounts>, BTreeMap<String, usize>) {
    let by_kind: BTreeMap<String, AttributionCounts> =
        counts_by_key(all_traces.iter().flat_map(|t| t.kinds.iter().map(|(k, o)| (k.clone(), *o))))
            .into_iter()
            .map(|(k, c)| (k.to_string(), c))
            .collect();
    let mut n_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (kinds, _) in all_traces.iter().flat_map(|t| &t.kinds) {
        for kind in kinds {
            *n_by_kind.entry((*kind).to_string()).or_default() += 1;
        }
    }
    (by_kind, n_by_kind)
}

/// Rows by number of planted sources, and the totals over every patchwork.
fn by_n_sources(
    all_traces: &[PlantedTrace],
) -> (Vec<SourcesRow>, AttributionCounts, Confusion, CountError) {
    let mut by_n_sources: BTreeMap<usize, SourcesRow> = BTreeMap::new();
    let mut verdicts = Confusion::new(&VERDICT_LABELS);
    let mut origin_count_error = CountError::default();
    let mut strict = AttributionCounts::default();
    for t in all_traces {
        let row = by_n_sources.entry(t.n_sources).or_insert_with(|| SourcesRow {
            n_sources: t.n_sources,
            n_patchworks: 0,
            strict: AttributionCounts::default(),
            verdicts: Confusion::new(&VERDICT_LABELS),
            origin_count_error: CountError::default(),
        });
        row.n_patchworks += 1;
        row.strict += t.strict;
        row.verdicts.add(t.verdict_expected, t.verdict_got);
        row.origin_count_error.add(t.n_origins, t.n_sources);
        verdicts.add(t.verdict_expected, t.verdict_got);
        origin_count_error.add(t.n_origins, t.n_sources);
        strict += t.strict;
    }
    (by_n_sources.into_values().collect(), strict, verdicts, origin_count_error)
}

pub(super) fn render_planted(out: &mut String, planted: &PlantedResult) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(out, "(c) planted spun patchworks from allsides (seed {})", planted.seed)?;
    writeln!(
        out,
        "  read {} articles: indexed {} in {:.1} s, held out {} as unindexed text",
        planted.n_docs_read, planted.n_docs_indexed, planted.index_seconds, planted.n_negative_docs
    )?;
    let c = &planted.config;
    writeln!(
        out,
        "  thesaurus: {}; {}–{} sources, split {:.2}, merge {:.2}, alias {:.2}, dateline drop \
         {:.2}, negatives {:.2}",
        planted.thesaurus,
        c.n_sources_min,
        c.n_sources_max,
        c.split_share,
        c.merge_share,
        c.alias_rate.unwrap_or(0.0),
        c.dateline_drop_probability,
        c.negative_share.unwrap_or(0.0)
    )?;
    writeln!(out, "  sentence attribution by substitution rate (strict; F1 len = lenient):")?;
    counts_header(out, "rate", "sents", "  F1 len verdict  mean ms  max ms")?;
    for rate in &planted.rates {
        counts_row(
            out,
            &format!("{:.0}%", rate.substitution_rate * 100.0),
            rate.n_planted_sourced + rate.n_planted_negative,
            &rate.strict,
        )?;
        writeln!(
            out,
            " {:>7.4} {:>7.4} {:>8.1} {:>7.1}",
            rate.lenient.f1(),
            rate.verdicts.accuracy(),
            rate.mean_trace_ms,
            rate.max_trace_ms
        )?;
    }
    let sum = |f: fn(&PlantedRate) -> usize| planted.rates.iter().map(f).sum::<usize>();
    let (n_titles, n_titles_right) = (sum(|r| r.n_titles), sum(|r| r.n_titles_right));
    writeln!(
        out,
        "  titles traced to the source they were taken from: {n_titles_right} / {n_titles} \
         ({:.3}); given a phrase match only: {}; wire datelines flagged: {} / {}",
        ratio(n_titles_right, n_titles),
        sum(|r| r.n_titles_phrase),
        sum(|r| r.n_datelines_flagged),
        sum(|r| r.n_datelines)
    )?;
    let mut by_pattern: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
    for rate in &planted.rates {
        for (pattern, [n, flagged]) in &rate.datelines_by_pattern {
            let counts = by_pattern.entry(pattern.as_str()).or_default();
            counts[0] += n;
            counts[1] += flagged;
        }
    }
    let by_pattern: Vec<String> =
        by_pattern.iter().map(|(p, [n, flagged])| format!("{p} {flagged}/{n}")).collect();
    writeln!(out, "  wire datelines flagged by form: {}", by_pattern.join(", "))?;
    writeln!(
        out,
        "  sentence attribution by edit kind (all rates; a sentence counts for each kind):"
    )?;
    counts_header(out, "edit kind", "sents", "")?;
    for name in EDIT_KINDS.iter().map(|&k| edit_kind_name(k)) {
        let Some(counts) = planted.by_kind.get(name) else { continue };
        counts_row(out, name, planted.n_by_kind.get(name).copied().unwrap_or(0), counts)?;
        writeln!(out)?;
    }
    writeln!(out, "  sentence attribution by length (words of the planted sentence):")?;
    counts_header(out, "length", "sents", "")?;
    for name in LENGTH_BUCKETS {
        let Some(counts) = planted.by_kind.get(name) else { continue };
        counts_row(out, name, planted.n_by_kind.get(name).copied().unwrap_or(0), counts)?;
        writeln!(out)?;
    }
    // Negatives can only be false positives: their row is the share given a source.
    let n_negative = planted.n_by_kind.get("negative").copied().unwrap_or(0);
    let negative_fp = planted.by_kind.get("negative").map_or(0, |c| c.fp);
    let negative_false = negative_fp
        .saturating_sub(planted.n_negative_text_in_index + planted.n_negative_near_reprint);
    writeln!(
        out,
        "  {:<18} {:>6} {:>6} given a source ({:.4}); {} of them name a document that holds \
         the sentence word for word, {} nearly (a chain of {NEAR_REPRINT_RUN} of its words): \
         false sources {} ({:.4})",
        "negative (original)",
        n_negative,
        negative_fp,
        ratio(negative_fp, n_negative),
        planted.n_negative_text_in_index,
        planted.n_negative_near_reprint,
        negative_false,
        ratio(negative_false, n_negative)
    )?;
    let mut missed_phrase: BTreeMap<&str, usize> = BTreeMap::new();
    for rate in &planted.rates {
        for (bucket, n) in &rate.n_missed_phrase_match {
            *missed_phrase.entry(bucket.as_str()).or_default() += n;
        }
    }
    let missed_phrase: Vec<String> = LENGTH_BUCKETS
        .iter()
        .map(|b| format!("{b}: {}", missed_phrase.get(b).copied().unwrap_or(0)))
        .collect();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for rate in &planted.rates {
        for (rule, n) in &rate.n_missed_phrase_rule {
            *by_rule.entry(rule.as_str()).or_default() += n;
        }
    }
    let by_rule: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    writeln!(
        out,
        "  missed although a phrase match named the source (the evidence rule's cost): {}; by \
         rule: {}",
        missed_phrase.join(", "),
        by_rule.join(", ")
    )?;
    writeln!(
        out,
        "  by number of sources (all rates; |Δorig| = mean |n_origins − true|, bias = mean \
         n_origins − true, exact = share with n_origins = true):"
    )?;
    counts_header(out, "sources", "docs", "  verdict  |Δorig|    bias  exact")?;
    for row in &planted.by_n_sources {
        counts_row(out, &row.n_sources.to_string(), row.n_patchworks, &row.strict)?;
        writeln!(
            out,
            " {:>8.4} {:>8.3} {:>+7.3} {:>6.2}",
            row.verdicts.accuracy(),
            row.origin_count_error.mean_abs_error().unwrap_or(f64::NAN),
            row.origin_count_error.mean_signed_error().unwrap_or(f64::NAN),
            row.origin_count_error.exact_share()
        )?;
    }
    counts_row(out, "all", planted.verdicts.n(), &planted.strict)?;
    writeln!(
        out,
        " {:>8.4} {:>8.3} {:>+7.3} {:>6.2}",
        planted.verdicts.accuracy(),
        planted.origin_count_error.mean_abs_error().unwrap_or(f64::NAN),
        planted.origin_count_error.mean_signed_error().unwrap_or(f64::NAN),
        planted.origin_count_error.exact_share()
    )?;
    writeln!(
        out,
        "  document verdicts: accuracy {:.4}; origin count error: mean |n_origins − true| {:.3}",
        planted.verdicts.accuracy(),
        planted.origin_count_error.mean_abs_error().unwrap_or(f64::NAN)
    )?;
    suite::render_confusion(out, &planted.verdicts, "truth \\ verdict")?;
    for rate in &planted.rates {
        writeln!(
            out,
            "  rate {:.2}: lenient tp/fp/fn {}/{}/{}; {} of the {} fp name a document that \
             contains the sentence",
            rate.substitution_rate,
            rate.lenient.tp,
            rate.lenient.fp,
            rate.lenient.fn_,
            rate.n_fp_text_in_attributed_doc,
            rate.strict.fp,
        )?;
        render_examples(out, &rate.examples)?;
    }
    Ok(())
}

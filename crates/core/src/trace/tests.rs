use super::attribute::longest_increasing;
use super::query::window_long_sentences;
use super::retrieve::choose_candidates;
use super::*;
use crate::date::parse_date;
use crate::report::{Alteration, Flag, FlagKind, SourceRole, VerdictKind};
use crate::text::analyze;

fn doc(id: &str, date: &str, source: &str, text: &str) -> Document {
    Document {
        id: id.to_string(),
        title: Some(format!("Title of {id}")),
        text: text.to_string(),
        date: parse_date(date),
        source: Some(source.to_string()),
        url: None,
    }
}

const SYRIA: &str = "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
    Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly. \
    Iran also supports the Shiite militias, who have been a key force in the fight against Islamic State in Iraq. \
    The Kremlin said the talks would cover the future of the Syrian government.";
const TRUMP: &str = "Donald Trump wants to flip the U.S. strategy against ISIS on its head, drawing down America's involvement in fighting the militant group. \
    His advisers argue that a greater Russian presence would relieve American forces in the region. \
    Critics in Congress warned that the plan would hand Moscow a strategic victory.";
const OTHER: &str = "The city council approved a new budget for public libraries on Tuesday evening. \
    Residents praised the decision to extend opening hours during the winter months.";

fn corpus() -> MemoryCandidates {
    let mut docs = vec![
        doc("syria-1", "2015-09-20", "Reuters", SYRIA),
        doc("syria-copy", "2015-09-22", "Copycat Daily", SYRIA),
        doc("trump-1", "2016-08-01", "CNN", TRUMP),
        doc("library", "2015-01-01", "Local News", OTHER),
        doc("future", "2030-01-01", "Later Times", OTHER),
    ];
    // Boilerplate: one footer line in many unrelated documents.
    for i in 0..12 {
        docs.push(doc(
            &format!("footer-{i}"),
            "2014-01-01",
            "Footer Post",
            &format!("Story number {i} about gardening tips and seasonal vegetables number {i}. Sign up for our daily newsletter to get the latest headlines."),
        ));
    }
    MemoryCandidates::new(docs, &ShingleConfig::default())
}

fn run(text: &str, date: Option<&str>) -> TraceReport {
    let input = TraceInput {
        id: None,
        title: Some("Putin talks Syria"),
        text,
        date: date.and_then(parse_date),
    };
    trace(&input, &corpus(), &TraceConfig::default())
}

fn summary(report: &TraceReport) -> String {
    let mut out = format!("{}\n", report.verdict.summary);
    for s in &report.sentences {
        match &s.source_match {
            None => out.push_str(&format!("{} {:?}\n", s.idx, s.status)),
            Some(m) => {
                let subs: Vec<String> =
                    m.substitutions.iter().map(|x| format!("{}->{}", x.from, x.to)).collect();
                let co: Vec<&str> =
                    m.co_copies.iter().map(|c| report.sources[*c].id.as_str()).collect();
                out.push_str(&format!(
                    "{} {} {:?} [{}] co={:?}\n",
                    s.idx,
                    report.sources[m.source].id,
                    m.alterations,
                    subs.join(", "),
                    co
                ));
            }
        }
    }
    for f in &report.flags {
        out.push_str(&format!("flag {:?} {:?} {:?}\n", f.kind, f.outlet, f.outlet_in_index));
    }
    out
}

#[test]
fn patchwork_of_two_origins_with_spin_and_reorder() {
    let text = "Washington (CNN)Donald Trump wants to flip the USA strategy against ISIS on its head, drawing down America's involvement in fighting the militant group. \
        Iran also supports the Shiite militias, who have been a key force in the fight against Islamic State in Iraq. \
        Russian Federation ramps up its military presence in Syria in support of President Bashar Assad. \
        This sentence was written by the content farm itself and appears nowhere else at all. \
        Sign up for our daily newsletter to get the latest headlines.";
    let got = summary(&run(text, Some("2016-09-01")));
    expect_test::expect![[r#"
        patchwork of 2 origins covering 80% of the text: 3 of 4 sentences, 2 spun (U.S → USA, Russia → Russian Federation), 1 verbatim
        0 trump-1 [Edited, Spun] [U.S->USA] co=[]
        1 syria-1 [Verbatim] [] co=["syria-copy"]
        2 syria-1 [Reordered, Spun] [Russia->Russian Federation] co=["syria-copy"]
        3 Original
        4 Common
        flag WireDateline Some("CNN") Some(true)
    "#]]
    .assert_eq(&got);
}

#[test]
fn learned_spins_align_as_synonyms_and_are_flagged() {
    use crate::lexicon::{Spin, SpinOutlet};
    // Half the content words of the Kremlin sentence spun by words WordNet would not know.
    let text =
        "The Kremlin claimed the negotiations might encompass the destiny of the Syrian regime.";
    let spin = |from: &str, to: &str| Spin {
        from: from.into(),
        to: to.into(),
        n: 40,
        n_docs: 30,
        n_outlets: 4,
        outlets: vec![SpinOutlet { outlet: "Spinner Weekly".into(), n: 25 }],
    };
    let spins = [
        spin("talks", "negotiations"),
        spin("government", "regime"),
        spin("said", "claimed"),
        spin("cover", "encompass"),
        spin("future", "destiny"),
    ];
    let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
    // Without the pairs, the spun words are mismatches: found (two shared names), barely.
    let plain = trace(&input, &corpus(), &TraceConfig::default());
    let plain_similarity = plain.sentences[0].source_match.as_ref().map_or(0.0, |m| m.similarity);
    assert!(plain_similarity < 0.6, "{plain_similarity} {}", summary(&plain));
    let config = TraceConfig {
        thesaurus: Some(Arc::new(Thesaurus::new().with_spins(&spins))),
        ..TraceConfig::default()
    };
    let report = trace(&input, &corpus(), &config);
    let m = report.sentences[0].source_match.as_ref().expect("sourced with the learned pairs");
    assert_eq!(report.sources[m.source].id, "syria-1");
    assert!(m.similarity > 0.8, "synonyms count as equal words: {}", m.similarity);
    assert_eq!(m.substitutions.len(), 6, "{:?}", m.substitutions);
    let flags: Vec<&Flag> = report.flags.iter().filter(|f| f.kind == FlagKind::KnownSpin).collect();
    assert_eq!(flags.len(), 5, "would -> might is not in the dictionary");
    assert!(flags[0].message.contains("Spinner Weekly (25)"), "{}", flags[0].message);
    assert_eq!(flags[0].spin.as_ref().map(|s| s.n), Some(40));
    assert!(report.stats.thesaurus.as_deref().is_some_and(|t| t.contains("5 learned pairs")));
}

/// A stand-in sentence embedder: a bag of words over 64 hashed dimensions, with a few
/// synonyms folded together (the real model lives in unspun-semantic).
struct BagOfWords;

impl crate::semantic::Embedder for BagOfWords {
    fn dim(&self) -> usize {
        64
    }
    fn name(&self) -> &str {
        "bag-of-words"
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, crate::semantic::EmbedError> {
        fn fold(w: &str) -> &str {
            match w {
                "councillors" | "officials" => "council",
                "endorsed" | "approved" => "approved",
                "spending" | "budget" => "budget",
                "plan" | "new" => "new",
                "city" | "municipal" => "city",
                "libraries" | "reading" | "rooms" => "libraries",
                "evening" | "night" => "evening",
                "on" | "for" | "the" | "a" | "public" => "",
                other => other,
            }
        }
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0f32; 64];
                for w in crate::text::normalize(t).split(|c: char| !c.is_alphanumeric()) {
                    let w = fold(w);
                    if !w.is_empty() {
                        v[(crate::text::token_hash(w) % 64) as usize] += 1.0;
                    }
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                v.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

#[test]
fn paraphrase_stage_reports_reworded_sentences_separately() {
    // The library sentence reworded but for two words: no shingle, no accepted alignment.
    let text = "City officials endorsed a spending plan for reading rooms Tuesday night. \
        Residents praised the decision to extend opening hours during the winter months.";
    let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
    let plain = trace(&input, &corpus(), &TraceConfig::default());
    assert!(plain.sentences[0].source_match.is_none(), "{}", summary(&plain));
    let stage = crate::semantic::ParaphraseStage::new(Arc::new(BagOfWords));
    let config = TraceConfig { paraphrase: Some(stage.clone()), ..TraceConfig::default() };
    let report = trace(&input, &corpus(), &config);
    let m = report.sentences[0].source_match.as_ref().expect("found as a paraphrase");
    assert_eq!(m.kind, Alteration::Paraphrased);
    assert_eq!(report.sources[m.source].id, "library");
    assert!(m.similarity >= 0.85 && m.similarity <= 1.0, "{}", m.similarity);
    assert!(m.source_text.starts_with("The city council approved"), "{}", m.source_text);
    assert_eq!(report.sentences[0].status, SentenceStatus::Sourced);
    // The verbatim sentence keeps its exact evidence.
    let exact = report.sentences[1].source_match.as_ref().expect("exact");
    assert_eq!(exact.kind, Alteration::Verbatim);
    assert_eq!(report.stats.n_paraphrase_queries, 1);
    assert_eq!(report.stats.n_paraphrase_embedded, 1, "only sentences sharing two words");
    // The verdict counts exact evidence only: the paraphrase is named, not counted.
    assert!(report.verdict.summary.contains("1 sentence paraphrase"), "{}", report.verdict.summary);
    assert!(report.verdict.coverage < 0.6, "{}", report.verdict.coverage);
    // Above the threshold of any pair: nothing.
    let strict = crate::semantic::ParaphraseStage { min_similarity: 1.01, ..stage };
    let config = TraceConfig { paraphrase: Some(strict), ..TraceConfig::default() };
    assert!(trace(&input, &corpus(), &config).sentences[0].source_match.is_none());
}

/// `corpus()` with a stored sentence index of every sentence (bag-of-words vectors).
struct WithSentences {
    inner: MemoryCandidates,
    index: crate::semantic::SentenceIndex,
}

impl Candidates for WithSentences {
    fn n_docs(&self) -> u64 {
        self.inner.n_docs()
    }
    fn doc_freq(&self, fingerprint: u64) -> u32 {
        self.inner.doc_freq(fingerprint)
    }
    fn postings(&self, fingerprint: u64, out: &mut Vec<DocId>) {
        self.inner.postings(fingerprint, out);
    }
    fn document(&self, doc: DocId) -> Option<Document> {
        self.inner.document(doc)
    }
    fn similar_sentences(&self, model: &str, v: &[f32], k: usize) -> Vec<(DocId, u32, f32)> {
        assert_eq!(model, "bag-of-words");
        self.index.search(v, 64, k).into_iter().map(|(r, s)| (r.doc, r.sentence, s)).collect()
    }
}

#[test]
fn stored_sentence_index_finds_paraphrases_outside_the_candidates() {
    use crate::semantic::{Embedder, SentenceIndex, SentenceRef};
    let inner = corpus();
    let (mut refs, mut texts) = (Vec::new(), Vec::new());
    for d in 0..inner.n_docs() as u32 {
        let doc = inner.document(DocId(d)).expect("doc");
        let analyzed = analyze(&doc.text);
        for (i, s) in analyzed.sentences.iter().enumerate() {
            refs.push(SentenceRef { doc: DocId(d), sentence: i as u32 });
            texts.push(doc.text[s.byte_start..s.byte_end].to_string());
        }
    }
    let refs_texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = BagOfWords.embed(&refs_texts).expect("embed");
    let index = SentenceIndex::build(64, refs, &vectors);
    let candidates = WithSentences { inner, index };
    // Shares one word ("Tuesday") with the library story: retrieval and the two-word
    // prefilter never see it; the stored index does.
    let text = "Municipal officials endorsed a spending plan for reading rooms Tuesday night.";
    let input = TraceInput { text, date: parse_date("2016-09-01"), ..TraceInput::default() };
    let stage = crate::semantic::ParaphraseStage::new(Arc::new(BagOfWords));
    let config = TraceConfig { paraphrase: Some(stage), ..TraceConfig::default() };
    let report = trace(&input, &candidates, &config);
    let m = report.sentences[0].source_match.as_ref().expect("found through the index");
    assert_eq!(m.kind, Alteration::Paraphrased);
    assert_eq!(report.sources[m.source].id, "library");
    assert_eq!(report.stats.n_paraphrase_ann_hits, 1);
    assert_eq!(report.stats.n_paraphrase_embedded, 0);
    // Later documents stay out, whatever the stored index says.
    let early = TraceInput { date: parse_date("2014-06-01"), ..input };
    assert!(trace(&early, &candidates, &config).sentences[0].source_match.is_none());
}

#[test]
fn later_documents_are_never_sources() {
    let report = run(OTHER, Some("2016-01-01"));
    assert_eq!(report.verdict.kind, VerdictKind::Copy);
    assert!(report.sources.iter().all(|s| s.id != "future"));
    let report = run(OTHER, Some("2014-06-01"));
    assert_eq!(report.verdict.kind, VerdictKind::Original);
    assert_eq!(report.stats.n_candidates_too_late, 2);
}

#[test]
fn earliest_equivalent_document_is_the_origin() {
    let report = run(SYRIA, None);
    assert_eq!(report.verdict.kind, VerdictKind::Copy);
    let origin = &report.sources[report.verdict.origins[0].source];
    assert_eq!(origin.id, "syria-1");
    assert!(report.sources.iter().any(|s| s.id == "syria-copy" && s.role == SourceRole::CoCopy));
    assert!(report.passages.len() == 1, "one passage: {:?}", report.passages);
    let p = &report.passages[0];
    assert_eq!((p.first_sentence, p.last_sentence), (0, 3));
    assert_eq!(p.source_char_start, 0);
    assert_eq!(p.source_char_end, SYRIA.chars().count() - 1);
}

#[test]
fn the_query_is_not_its_own_source() {
    let input = TraceInput { id: Some("syria-1"), title: None, text: SYRIA, date: None };
    let report = trace(&input, &corpus(), &TraceConfig::default());
    assert!(report.sources.iter().all(|s| s.id != "syria-1"));
    assert_eq!(report.sources[report.verdict.origins[0].source].id, "syria-copy");
}

#[test]
fn unrelated_text_is_original() {
    let report = run(
        "A completely different story about football transfers and the summer window. Fans queued overnight for tickets.",
        None,
    );
    assert_eq!(report.verdict.kind, VerdictKind::Original);
    assert!(report.sources.is_empty());
}

#[test]
fn title_repeated_is_flagged() {
    let text = format!("{OTHER}\n\nPutin talks Syria");
    let report = run(&text, None);
    assert!(report.flags.iter().any(|f| f.kind == FlagKind::TitleRepeated));
}

#[test]
fn offsets_point_at_the_reported_text() {
    let text = "Noise first. Russian Federation ramps up its military presence in Syria in support of President Bashar Assad.";
    let report = run(text, None);
    let corpus = corpus();
    for s in &report.sentences {
        let Some(m) = &s.source_match else { continue };
        let src = corpus.document(DocId(0)).expect("doc").text;
        let sliced: String = src
            .chars()
            .skip(m.source_char_start)
            .take(m.source_char_end - m.source_char_start)
            .collect();
        assert_eq!(sliced, m.source_text);
        let q: String = text
            .chars()
            .skip(m.query_char_start)
            .take(m.query_char_end - m.query_char_start)
            .collect();
        assert!(q.starts_with("Russian Federation") && q.ends_with("Assad"), "{q}");
    }
}

#[test]
fn split_title_finds_headline() {
    assert_eq!(split_title("Putin: No Plans\n\nBody here."), (Some("Putin: No Plans"), 17));
    assert_eq!(split_title("Just one paragraph. With two sentences."), (None, 0));
    assert_eq!(split_title("A full sentence ends here.\n\nBody."), (None, 0));
}

#[test]
fn longest_increasing_marks_out_of_order() {
    assert_eq!(longest_increasing(&[10, 20, 5, 30]), vec![true, true, false, true]);
    assert_eq!(longest_increasing(&[]), Vec::<bool>::new());
}
#[test]
fn issue_13_long_sentences_are_aligned_as_windows() {
    // One "sentence" of 1,000 words (no full stop), with a copied sentence inside it.
    let filler: Vec<String> = (0..500).map(|i| format!("word{i}")).collect();
    let copied = SYRIA.split(". ").next().expect("a first sentence");
    let text = format!("{} {copied} {}", filler.join(" "), filler.join(" "));
    let mut analyzed = analyze(&text);
    assert_eq!(analyzed.sentences.len(), 1);
    assert!(window_long_sentences(&mut analyzed, 160));
    let sentences = &analyzed.sentences;
    assert!(sentences.len() >= 7, "{} windows", sentences.len());
    assert!(sentences.iter().all(|s| s.token_end - s.token_start <= 160));
    assert_eq!(sentences[0].token_start, 0);
    assert_eq!(sentences.last().map(|s| s.token_end), Some(analyzed.tokens.len()));
    assert!(sentences.windows(2).all(|w| w[0].token_end == w[1].token_start));
    assert!(sentences.iter().all(|s| text.is_char_boundary(s.byte_start)));

    // The trace says it cut the text, and still finds the copied words.
    let report = trace(
        &TraceInput { id: None, title: None, text: &text, date: None },
        &corpus(),
        &TraceConfig::default(),
    );
    assert_eq!(report.stats.limits_hit, vec![hit::LONG_SENTENCES.to_string()]);
    assert!(report.sources.iter().any(|s| s.id.starts_with("syria")), "{report:?}");
}

#[test]
fn issue_13_ordinary_articles_hit_no_limit() {
    let report = run(SYRIA, Some("2016-09-01"));
    assert!(report.stats.limits_hit.is_empty(), "{:?}", report.stats.limits_hit);
}

#[test]
fn issue_13_alignment_budget_stops_and_says_so() {
    let config = TraceConfig {
        limits: TraceLimits { max_alignment_cells: 10, ..TraceLimits::default() },
        ..TraceConfig::default()
    };
    let input = TraceInput { id: None, title: None, text: SYRIA, date: None };
    let report = trace(&input, &corpus(), &config);
    assert_eq!(report.stats.limits_hit, vec![hit::ALIGNMENT_CELLS.to_string()]);
    assert_eq!(report.stats.n_alignments, 0);
    assert!(report.sources.is_empty());
}

#[test]
fn issue_13_a_cancelled_trace_stops_and_says_so() {
    let config = TraceConfig::default();
    config.cancel.cancel();
    let input = TraceInput { id: None, title: None, text: SYRIA, date: None };
    let report = trace(&input, &corpus(), &config);
    assert_eq!(report.stats.limits_hit, vec![hit::CANCELLED.to_string()]);
    assert_eq!(report.stats.n_alignments, 0);
}

#[test]
fn issue_13_candidates_are_capped_by_rank() {
    let overall = vec![DocId(9), DocId(1)];
    let per_sentence =
        vec![vec![DocId(5), DocId(6)], vec![DocId(7), DocId(8)], vec![DocId(1), DocId(2)]];
    let mut stats = TraceStats::default();
    let limits = TraceLimits { max_candidates: 4, ..TraceLimits::default() };
    let chosen = choose_candidates(&overall, &per_sentence, &limits, &mut stats);
    // The overall best, then each sentence's first choice until the cap.
    assert_eq!(chosen, vec![DocId(1), DocId(5), DocId(7), DocId(9)]);
    assert_eq!(stats.limits_hit, vec![hit::CANDIDATES.to_string()]);
    let mut stats = TraceStats::default();
    let all = choose_candidates(&overall, &per_sentence, &TraceLimits::default(), &mut stats);
    assert_eq!(all.len(), 7);
    assert!(stats.limits_hit.is_empty());
}

fn trace_text(text: &str, title: Option<&str>, date: Option<&str>) -> TraceReport {
    let input = TraceInput { id: None, title, text, date: date.and_then(parse_date) };
    trace(&input, &corpus(), &TraceConfig::default())
}

#[test]
fn issue_14_a_stock_phrase_is_a_phrase_match_not_a_copy() {
    // Shares "in support of President Bashar Assad" with SYRIA, nothing else.
    let text = "The mayor spoke in support of President Bashar Assad at the fair, he said.";
    let report = trace_text(text, None, Some("2016-01-01"));
    let s = &report.sentences[0];
    assert_eq!(s.status, SentenceStatus::PhraseMatch, "{report:#?}");
    let m = s.source_match.as_ref().expect("the match is still shown");
    assert_eq!(m.evidence.strength, crate::report::EvidenceStrength::Phrase);
    assert!(m.evidence.reason.contains("shared phrase"), "{}", m.evidence.reason);
    assert_eq!(report.verdict.kind, VerdictKind::Original);
    assert_eq!(report.verdict.n_phrase_matches, 1);
    assert!(report.verdict.summary.contains("1 phrase match"), "{}", report.verdict.summary);
    assert!(report.passages.is_empty());
}

#[test]
fn issue_14_a_copied_sentence_keeps_its_strong_evidence() {
    let report = trace_text(SYRIA, None, Some("2016-01-01"));
    let m = report.sentences[0].source_match.as_ref().expect("sourced");
    assert_eq!(report.sentences[0].status, SentenceStatus::Sourced);
    assert!(m.evidence.n_shared_words >= 6, "{:?}", m.evidence);
    assert!(m.evidence.neighbour_support);
    assert!(
        report.verdict.summary.starts_with("copy of syria-1: 4 of 4 sentences"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn issue_14_the_title_is_traced() {
    let body = "Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly. \
        The Kremlin said the talks would cover the future of the Syrian government.";
    let report = trace_text(body, Some("Title of syria-1"), Some("2017-01-01"));
    let title = report.title.as_ref().expect("a title report");
    assert_eq!(title.text, "Title of syria-1");
    assert_eq!(title.matched_field.as_deref(), Some("title"));
    let m = title.source_match.as_ref().expect("found");
    assert_eq!(report.sources[m.source].id, "syria-1");
    assert_eq!(title.status, SentenceStatus::Sourced, "supported by the body's origin");
    assert!(m.evidence.neighbour_support);
    assert!(
        report.verdict.summary.contains("the title comes from syria-1"),
        "{}",
        report.verdict.summary
    );

    let report = trace_text(body, Some("A headline nobody wrote before"), Some("2017-01-01"));
    let title = report.title.as_ref().expect("a title report");
    assert_eq!(title.status, SentenceStatus::Original);
    assert!(title.source_match.is_none());
}

#[test]
fn issue_14_a_body_opening_with_its_title_is_not_a_repeat() {
    let text = "Putin talks Syria\n\nThe leaders met in New York on Monday. The talks were long.";
    let report = trace_text(text, Some("Putin talks Syria"), None);
    assert!(report.flags.iter().all(|f| f.kind != FlagKind::TitleRepeated), "{:?}", report.flags);
    assert_eq!(report.sentences[0].status, SentenceStatus::Title);
    let later = "The talks were long. Putin talks Syria, the headline said.";
    let report = trace_text(later, Some("Putin talks Syria"), None);
    assert!(report.flags.iter().any(|f| f.kind == FlagKind::TitleRepeated));
}

#[test]
fn issue_14_datelines_with_a_date_are_flagged() {
    for (text, outlet) in [
        (
            "OSLO, April 8 (Reuters) - Norway's wealth fund said on Monday it would sell shares.",
            "Reuters",
        ),
        ("WASHINGTON, Sept. 3, 2017 (AP) — Lawmakers returned to the capital on Sunday.", "AP"),
        ("LONDON, Monday (AFP) - Prices rose again in the capital this week.", "AFP"),
        ("NEW YORK/LONDON (Reuters) - Stocks fell on Tuesday in both markets.", "Reuters"),
    ] {
        let report = trace_text(text, None, None);
        let flag = report.flags.iter().find(|f| f.kind == FlagKind::WireDateline);
        assert_eq!(flag.and_then(|f| f.outlet.as_deref()), Some(outlet), "{text}");
    }
    let report =
        trace_text("He was born on April 8 (Reuters reported) in a small town.", None, None);
    assert!(report.flags.iter().all(|f| f.kind != FlagKind::WireDateline));
}

#[test]
fn issue_14_titles_ending_in_an_abbreviation_are_titles() {
    let text = "Protest planned in D.C.\n\nThousands are expected on Saturday.";
    assert_eq!(split_title(text).0, Some("Protest planned in D.C."));
    assert_eq!(split_title("A sentence ends here.\n\nBody.").0, None);
}

#[test]
fn issue_14_undated_queries_say_the_order_is_unknown() {
    let report = trace_text(SYRIA, None, None);
    assert!(
        report.verdict.summary.contains("order of the sources is unknown"),
        "{}",
        report.verdict.summary
    );
    let report = trace_text(SYRIA, None, Some("2016-01-01"));
    assert!(!report.verdict.summary.contains("unknown"));
}

#[test]
fn issue_14_a_quotation_only_article_says_what_was_found() {
    let quoted = "\"Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly,\" \
        the spokesman said. \"The Kremlin said the talks would cover the future of the Syrian government.\"";
    let report = trace_text(quoted, None, Some("2016-01-01"));
    assert_eq!(report.verdict.kind, VerdictKind::Original);
    assert!(report.verdict.n_quoted >= 1, "{:#?}", report.verdict);
    assert!(report.verdict.summary.contains("quotation"), "{}", report.verdict.summary);
}

#[test]
fn issue_14_a_passage_steps_over_short_unmatched_sentences() {
    // Two sentences of SYRIA around two short ones of the copier's own that match nothing:
    // the source continues where it stopped, so it is one passage, not two (PAN-13's
    // granularity).
    let text = "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
        Hmm, what now. It is a hard one. \
        Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly.";
    let report = trace_text(text, None, Some("2016-01-01"));
    let sourced: Vec<usize> = report
        .sentences
        .iter()
        .filter(|s| s.status == SentenceStatus::Sourced)
        .map(|s| s.idx)
        .collect();
    assert_eq!(sourced, [0, 3], "{}", summary(&report));
    assert_eq!(report.passages.len(), 1, "{:#?}", report.passages);
    let p = &report.passages[0];
    assert_eq!((p.first_sentence, p.last_sentence), (0, 3));
    assert_eq!(p.kind, Alteration::Edited, "stepping over sentences edits the passage");
    // Four sentences in between are too many: two passages.
    let text = "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
        Hmm. What now. It is hard. Oh well. \
        Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly.";
    let report = trace_text(text, None, Some("2016-01-01"));
    assert_eq!(report.passages.len(), 2, "{:#?}", report.passages);
}

#[test]
fn issue_14_one_short_sentence_is_too_little_for_a_copy_verdict() {
    // One sentence of SYRIA, word for word: the sentence keeps its source, but 7 shared
    // content words are what a stock sentence looks like, too little to call the text a copy.
    let short = "The Kremlin said the talks would cover the future of the Syrian government.";
    let report = trace_text(short, None, Some("2016-01-01"));
    let s = &report.sentences[0];
    assert_eq!(s.status, SentenceStatus::Sourced, "{report:#?}");
    let words = s.source_match.as_ref().expect("sourced").evidence.n_shared_words;
    assert!(words < TraceConfig::default().verdict_min_words, "{words}");
    assert_eq!(report.verdict.kind, VerdictKind::Original, "{}", report.verdict.summary);
    assert_eq!(report.verdict.n_origins, 0);
    assert!(
        report.verdict.summary.contains("too little evidence for a copy"),
        "{}",
        report.verdict.summary
    );
    // A longer sentence, or two from the same document, is enough.
    let long = "Iran also supports the Shiite militias, who have been a key force in the fight \
                against Islamic State in Iraq.";
    let report = trace_text(long, None, Some("2016-01-01"));
    assert_eq!(report.verdict.kind, VerdictKind::Copy, "{}", report.verdict.summary);
    let two = format!("{short} Putin and Obama are scheduled to meet on the sidelines of the UN.");
    let report = trace_text(&two, None, Some("2016-01-01"));
    assert_ne!(report.verdict.kind, VerdictKind::Original, "{}", report.verdict.summary);
}

use std::collections::HashSet;

use super::graph::{outlet_dot, outlet_edges, outlet_graphml, publishers};
use super::*;
use crate::Document;
use crate::date::parse_date;
use crate::shingle::ShingleConfig;
use crate::trace::{
    CandidateCache, MemoryCandidates, TraceConfig, TraceInput, Tracer, trace_cached,
};

/// [`super::build`], checked against the streaming build ([`stream::ReuseBuilder`]): every
/// test corpus below gives both the same output.
fn build(docs: &[TracedDoc], config: &ClusterConfig) -> ClusterOutput {
    let out = super::build(docs, config);
    assert_eq!(stream::build_streamed(docs, config).to_output(), out);
    out
}

const STORY_A: &str = "The central bank raised its benchmark interest rate by half a point on \
Tuesday, citing persistent inflation in food and energy prices. Governor Maria Lopez said \
further increases could follow if wage growth does not slow by the autumn. Markets had \
expected a smaller move, and the currency climbed two percent against the dollar within an \
hour of the announcement. Analysts at several banks revised their forecasts for the rest of \
the year.";
const STORY_B: &str = "Heavy rain flooded dozens of villages along the northern coast over \
the weekend, forcing thousands of residents to leave their homes. Rescue teams used boats to \
reach families trapped on rooftops near the river delta. The regional governor declared a \
state of emergency and asked the army for helicopters. Forecasters expect more storms to \
arrive from the sea before Thursday.";
const STORY_C: &str = "A new museum of modern design opened in the old harbour warehouse, \
drawing long queues of visitors on its first morning. The collection includes furniture, \
posters and household objects from seven decades. Its director hopes the building will revive \
a district that lost most of its shipping jobs. Tickets are free for students during the \
opening month.";
const SENATE: &str = "The Senate passed the spending bill by a vote of 68 to 30 late on \
Wednesday, averting a government shutdown hours before the deadline. The measure keeps federal \
agencies funded through mid-December and sets up another fight over the debt ceiling.";
const FOOTER: &str = "Sign up for our morning newsletter to get the day's top stories \
delivered to your inbox every weekday.";

fn doc(id: &str, date: &str, outlet: &str, text: &str) -> Document {
    Document {
        id: id.to_owned(),
        title: None,
        text: text.to_owned(),
        date: parse_date(date),
        source: Some(outlet.to_owned()),
        url: None,
    }
}

/// Traces every document against all the others, like the corpus runner.
fn trace_all(docs: &[Document], boilerplate: &HashSet<u64>) -> Vec<TracedDoc> {
    let candidates = MemoryCandidates::new(docs.to_vec(), &ShingleConfig::default());
    let resolve = |id: &str| docs.iter().position(|d| d.id == id).map(|i| DocId(i as u32));
    let tracer = Tracer::with_cache(&ShingleConfig::default(), TraceConfig::default(), 2);
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            trace_document(
                DocId(i as u32),
                d,
                &candidates,
                &tracer,
                boilerplate,
                &resolve,
                &ClusterConfig::default(),
            )
        })
        .collect()
}

fn corpus() -> Vec<Document> {
    let first_sentences_of_a = &STORY_A[..STORY_A.find("Markets").expect("in story")];
    vec![
        doc("wire-a", "2016-03-01", "Wire", STORY_A),
        doc("wire-b", "2016-03-02", "Wire", STORY_B),
        doc("farm-a", "2016-03-03", "Farm", STORY_A),
        // A patchwork: half of story A, then story B whole.
        doc("farm-ab", "2016-03-04", "Farm", &format!("{first_sentences_of_a}{STORY_B}")),
        doc("museum", "2016-03-01", "Daily", STORY_C),
    ]
}

fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

#[test]
fn figures_and_their_agreement() {
    assert_eq!(
        numbers("Net loss 1,140,270 vs 9-7/8 pct, up 2.5. In 1987,"),
        ["1,140,270", "9-7/8", "2.5", "1987"]
    );
    assert_eq!(number_agreement("Shr 19 cts vs 7 cts", "Shr 19 cts vs 11 cts"), Some(0.5));
    assert_eq!(number_agreement("up 5 pct", "down 6 pct"), Some(0.0));
    assert_eq!(number_agreement("up 5 pct", "up sharply"), None);
    assert_eq!(number_agreement("the talks", "the talks"), None);
    assert_eq!(
        number_agreement("68 billion dlrs in 1987", "68 billion dollars in 1987"),
        Some(1.0)
    );
}

#[test]
fn templated_reports_with_other_figures_are_not_reuse() {
    let a = "Shr loss 19 cts vs profit seven cts. Net loss 851,000 vs profit 227,000. Revs \
             2,600,000 vs 4,800,000 in the year to March. The company said the results \
             reflected weaker demand from its European customers during a long winter.";
    let b = "Shr loss 23 cts vs profit 11 cts. Net loss 1,140,270 vs profit 590,463. Revs \
             1,259,164 vs 3,225,512 in the year to March.";
    let corrected = "Shr loss 19 cts vs profit seven cts. Net loss 851,000 vs profit 227,000. \
                     Revs 2,600,000 vs 4,900,000 in the year to March. The company said the \
                     results reflected weaker demand from its European customers during a long \
                     winter.";
    let docs = vec![
        doc("a", "1987-03-01", "Reuters", a),
        doc("b", "1987-03-02", "Reuters", b),
        doc("a-corrected", "1987-03-03", "Reuters", corrected),
    ];
    let out = build(&trace_all(&docs, &HashSet::new()), &ClusterConfig::default());
    let pairs: Vec<(&str, &str)> =
        out.links.iter().map(|l| (l.source.as_str(), l.copy.as_str())).collect();
    assert_eq!(pairs, [("a", "a-corrected")]);
}

#[test]
fn short_notices_of_other_companies_are_not_reuse() {
    let notice = "Qtly div five cts vs five cts prior, payable April 15 to holders of record \
                  March 30, the company said after the close of trading in New York on Friday, its third \
                  such payout.";
    let mut docs = vec![
        doc("acme", "1987-03-01", "Reuters", notice),
        doc("zenith", "1987-03-02", "Reuters", notice),
        doc("acme-again", "1987-03-03", "Reuters", notice),
    ];
    docs[0].title = Some("ACME CORP <ACM> QTLY DIVIDEND".to_owned());
    docs[1].title = Some("ZENITH LABS <ZLB> SETS QUARTERLY".to_owned());
    docs[2].title = Some("ACME CORP <ACM> QTLY DIVIDEND".to_owned());
    let out = build(&trace_all(&docs, &HashSet::new()), &ClusterConfig::default());
    let pairs: Vec<(&str, &str)> =
        out.links.iter().map(|l| (l.source.as_str(), l.copy.as_str())).collect();
    assert_eq!(pairs, [("acme", "acme-again")]);
}

#[test]
fn union_len_merges_overlaps() {
    assert_eq!(union_len(&mut [(0, 10), (5, 15), (20, 25)]), 20);
    assert_eq!(union_len(&mut [(3, 3)]), 0);
    assert_eq!(union_len(&mut []), 0);
}

#[test]
fn links_kinds_offsets_and_direction() {
    let docs = corpus();
    let traced = trace_all(&docs, &HashSet::new());
    let out = build(&traced, &ClusterConfig::default());
    let summary: Vec<(&str, &str, LinkKind)> =
        out.links.iter().map(|l| (l.source.as_str(), l.copy.as_str(), l.kind)).collect();
    assert_eq!(
        summary,
        [
            ("wire-a", "farm-a", LinkKind::ExactCopy),
            ("wire-a", "farm-ab", LinkKind::Partial),
            ("wire-b", "farm-ab", LinkKind::Contains),
        ]
    );
    // farm-ab's half of story A is also in farm-a, a co-copy of the origin wire-a: the trace
    // names the earliest document, so there is no farm-a → farm-ab link.
    for link in &out.links {
        let source = docs.iter().find(|d| d.id == link.source).expect("source");
        let copy = docs.iter().find(|d| d.id == link.copy).expect("copy");
        // Sources are never later than their copies.
        assert!(source.date <= copy.date, "{link:?}");
        for p in &link.passages {
            // Offsets point at aligned text: verbatim passages are equal word for word.
            let a = char_slice(&source.text, p.source_char_start, p.source_char_end);
            let b = char_slice(&copy.text, p.copy_char_start, p.copy_char_end);
            assert_eq!(p.kind, Alteration::Verbatim);
            assert_eq!(a.trim(), b.trim(), "{link:?}");
        }
    }
    let verdicts: Vec<(&str, VerdictKind, usize)> =
        out.documents.iter().map(|d| (d.id.as_str(), d.verdict, d.n_origins)).collect();
    assert_eq!(
        verdicts,
        [
            ("wire-a", VerdictKind::Original, 0),
            ("wire-b", VerdictKind::Original, 0),
            ("farm-a", VerdictKind::Copy, 1),
            ("farm-ab", VerdictKind::Patchwork, 2),
            ("museum", VerdictKind::Original, 0),
        ]
    );
}

#[test]
fn clusters_follow_strong_links_and_start_with_the_origin() {
    let traced = trace_all(&corpus(), &HashSet::new());
    let out = build(&traced, &ClusterConfig::default());
    // wire-a ~ farm-a (exact) and wire-b ⊂ farm-ab (contains) are strong; partial links
    // (farm-ab took half of story A) do not join clusters.
    let clusters: Vec<Vec<(&str, &str)>> = out
        .doc_clusters
        .iter()
        .map(|c| c.members.iter().map(|m| (m.id.as_str(), m.relation.as_str())).collect())
        .collect();
    assert_eq!(
        clusters,
        [
            vec![("wire-a", "origin"), ("farm-a", "exact_copy")],
            vec![("wire-b", "origin"), ("farm-ab", "contains")],
        ]
    );
    let cluster_of: Vec<Option<usize>> = out.documents.iter().map(|d| d.cluster).collect();
    assert_eq!(cluster_of, [Some(0), Some(1), Some(0), Some(1), None]);
}

#[test]
fn passage_clusters_infer_the_earliest_source() {
    let docs = corpus();
    let traced = trace_all(&docs, &HashSet::new());
    let out = build(&traced, &ClusterConfig::default());
    // Story A's opening is in wire-a, farm-a and farm-ab; farm-ab took it from wire-a or
    // farm-a (equal alignments: the earlier, wire-a).
    let opening = out
        .passage_clusters
        .iter()
        .find(|c| c.members.iter().any(|m| m.id == "farm-ab") && c.members[0].id == "wire-a")
        .expect("cluster of story A");
    let members: Vec<(&str, Option<&str>)> = opening
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.source.map(|s| opening.members[s].id.as_str())))
        .collect();
    assert_eq!(
        members,
        [("wire-a", None), ("farm-a", Some("wire-a")), ("farm-ab", Some("wire-a"))]
    );
    for c in &out.passage_clusters {
        for m in &c.members {
            if let Some(s) = m.source {
                // A member's source is never later than the member.
                assert!(c.members[s].date <= m.date, "{c:?}");
            }
        }
    }
}

#[test]
fn boilerplate_is_left_out_of_links() {
    // Three unrelated stories of one outlet end with the same newsletter box.
    let docs = vec![
        doc("a", "2016-01-01", "Daily", &format!("{STORY_A} {FOOTER}")),
        doc("b", "2016-01-02", "Daily", &format!("{STORY_B} {FOOTER}")),
        doc("c", "2016-01-03", "Daily", &format!("{STORY_C} {FOOTER}")),
    ];
    // Without the scan, the passage stage finds the box: three documents of one outlet, no
    // copies of each other.
    let without_scan = build(&trace_all(&docs, &HashSet::new()), &ClusterConfig::default());
    assert_eq!(without_scan.links, []);
    assert_eq!(without_scan.boilerplate_passages.len(), 1);
    assert_eq!(without_scan.boilerplate_passages[0].n_docs, 3);

    let sentences: Vec<boilerplate::DocSentences> = docs
        .iter()
        .map(|d| boilerplate::DocSentences {
            outlet: Some(0),
            hashes: boilerplate::sentence_hashes(&d.text, &ShingleConfig::default())
                .into_iter()
                .map(|(hash, _)| hash)
                .collect(),
        })
        .collect();
    let found = boilerplate::find_boilerplate(&sentences, &Default::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].scope, boilerplate::BoilerplateScope::Outlet);
    let set: HashSet<u64> = found.iter().map(|b| b.hash).collect();
    let traced = trace_all(&docs, &set);
    let out = build(&traced, &ClusterConfig::default());
    assert_eq!(out.links, []);
    assert_eq!(out.boilerplate_passages, []);
    assert!(traced.iter().all(|t| t.n_boilerplate_sentences == 1));
    assert!(traced.iter().all(|t| t.n_content_chars < t.n_chars));
}

#[test]
fn a_pair_found_from_both_sides_counts_once() {
    // Same day, same text: each trace finds the other; one link, from the first indexed.
    let docs = vec![doc("x", "2016-05-05", "One", STORY_B), doc("y", "2016-05-05", "Two", STORY_B)];
    let traced = trace_all(&docs, &HashSet::new());
    assert!(traced.iter().all(|t| t.passages.len() == 1), "{traced:?}");
    let out = build(&traced, &ClusterConfig::default());
    assert_eq!(out.links.len(), 1);
    assert_eq!((out.links[0].source.as_str(), out.links[0].copy.as_str()), ("x", "y"));
    assert_eq!(out.links[0].lag_days, Some(0.0));
    assert_eq!(out.documents[0].verdict, VerdictKind::Original);
    assert_eq!(out.documents[1].verdict, VerdictKind::Copy);
}

#[test]
fn build_is_deterministic_and_order_independent_of_hash_maps() {
    let traced = trace_all(&corpus(), &HashSet::new());
    let a = build(&traced, &ClusterConfig::default());
    let b = build(&traced, &ClusterConfig::default());
    assert_eq!(a, b);
}

#[test]
fn outlet_graph_and_publishers() {
    let traced = trace_all(&corpus(), &HashSet::new());
    let out = build(&traced, &ClusterConfig::default());
    let edges = outlet_edges(&out.links);
    let pairs: Vec<(&str, &str, usize)> = edges
        .iter()
        .map(|e| (e.source_outlet.as_str(), e.copy_outlet.as_str(), e.n_links))
        .collect();
    assert_eq!(pairs, [("Wire", "Farm", 3)]);
    let report = publishers(&out.documents, &out.links);
    let lines: Vec<(&str, usize, usize)> =
        report.iter().map(|p| (p.outlet.as_str(), p.n_docs, p.n_copies + p.n_patchworks)).collect();
    assert_eq!(lines, [("Farm", 2, 2), ("Wire", 2, 0), ("Daily", 1, 0)]);
    assert!(report[0].reused_text_share > 0.95, "{:?}", report[0]);
    assert_eq!(report[0].top_sources[0].outlet, "Wire");
    assert_eq!(report[1].top_copiers[0].outlet, "Farm");
    assert_eq!(report[0].median_lag_days, Some(2.0));

    let graphml = outlet_graphml(&report, &edges);
    assert!(graphml.contains("<edge id=\"e0\" source=\"Wire\" target=\"Farm\">"), "{graphml}");
    assert_eq!(graphml.matches("<node ").count(), 3);
    let dot = outlet_dot(&report, &edges);
    assert!(dot.contains("\"Wire\" -> \"Farm\""), "{dot}");
}

#[test]
fn lag_stats_nearest_rank() {
    let stats = graph::LagStats::of(vec![3.0, 1.0, 2.0, 10.0]).expect("non-empty");
    assert_eq!((stats.min, stats.median, stats.p90, stats.max), (1.0, 2.0, 10.0, 10.0));
    assert_eq!(stats.mean, 4.0);
    assert_eq!(graph::LagStats::of(Vec::new()), None);
}

#[test]
fn the_spin_dictionary_learns_recurring_substitutions() {
    // Three stories that mention Russia, each spun by a farm ("Russia" → "Russian
    // Federation"), two farms of one outlet.
    let spun = |text: &str| text.replace("Russia ", "Russian Federation ").replace(" the ", " a ");
    let syria = "Russia ramps up its military presence in Syria in support of President Bashar \
                 Assad. Officials in Washington said the deployment included fighter jets, tanks \
                 and several hundred marines at an airfield near Latakia.";
    let gas = format!("{STORY_A} Russia cut gas deliveries to the region on Monday.");
    let floods = format!("{STORY_B} Russia sent two rescue planes and a field hospital.");
    let docs = vec![
        doc("wire-1", "2015-09-20", "Wire", syria),
        doc("wire-2", "2015-09-20", "Wire", &gas),
        doc("wire-3", "2015-09-20", "Wire", &floods),
        doc("farm-1", "2015-09-21", "Farm", &spun(syria)),
        doc("farm-2", "2015-09-22", "Farm", &spun(&gas)),
        doc("farm-3", "2015-09-23", "Mill", &spun(&floods)),
    ];
    let out = build(&trace_all(&docs, &HashSet::new()), &ClusterConfig::default());
    let russia = out
        .spins
        .iter()
        .find(|s| s.from == "russia")
        .unwrap_or_else(|| panic!("no russia spin in {:?}", out.spins));
    assert_eq!(russia.to, "russian federation");
    assert_eq!((russia.n, russia.n_docs, russia.n_outlets), (3, 3, 2));
    assert_eq!(russia.outlets[0].outlet, "Farm");
    assert!(!out.spins.iter().any(|s| s.from == "the"), "stop words are editing: {:?}", out.spins);
    let mut report = publishers(&out.documents, &out.links);
    graph::add_spins(&mut report, &out.spins);
    let farm = report.iter().find(|p| p.outlet == "Farm").expect("farm line");
    assert!(farm.top_spins.iter().any(|s| s.from == "russia" && s.n == 2), "{farm:?}");
}

#[test]
fn a_box_in_many_stories_stays_boilerplate_when_two_of_them_are_copies() {
    // The newsletter box ends five stories of one outlet; two of them are one story printed
    // twice. The box is still boilerplate; the reprint is still a copy.
    let with_box = |text: &str| format!("{text} {FOOTER}");
    let docs = vec![
        doc("a", "2016-01-01", "Daily", &with_box(STORY_A)),
        doc("a-again", "2016-01-02", "Daily", &with_box(STORY_A)),
        doc("b", "2016-01-03", "Daily", &with_box(STORY_B)),
        doc("c", "2016-01-04", "Daily", &with_box(STORY_C)),
        doc("d", "2016-01-05", "Daily", &with_box(SENATE)),
    ];
    let out = build(&trace_all(&docs, &HashSet::new()), &ClusterConfig::default());
    let pairs: Vec<(&str, &str)> =
        out.links.iter().map(|l| (l.source.as_str(), l.copy.as_str())).collect();
    assert_eq!(pairs, [("a", "a-again")]);
    assert_eq!(out.boilerplate_passages.len(), 1, "{:?}", out.boilerplate_passages);
}

#[test]
fn the_candidate_cache_changes_nothing() {
    let docs = corpus();
    let candidates = MemoryCandidates::new(docs.clone(), &ShingleConfig::default());
    let config = TraceConfig::default();
    let cache = CandidateCache::new(3);
    for _ in 0..2 {
        for d in &docs {
            let input = TraceInput { id: Some(&d.id), title: None, text: &d.text, date: d.date };
            assert_eq!(
                crate::trace::trace(&input, &candidates, &config),
                trace_cached(&input, &candidates, &config, &cache)
            );
        }
    }
}

/// Random traces (ties of dates, undated and unknown documents, pairs found from both sides,
/// overlapping spans, repeated boxes of one outlet, recurring substitutions): the streaming
/// build gives what `build` gives.
#[test]
fn the_streaming_build_equals_build_on_random_traces() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: u64| {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let kinds = [
        Alteration::Verbatim,
        Alteration::Reordered,
        Alteration::Edited,
        Alteration::Spun,
        Alteration::Paraphrased,
    ];
    let words = ["Russia", "Russian Federation", "said", "stated", "the", "a", "big", "large"];
    let config =
        ClusterConfig { min_link_chars: 60, min_link_total_chars: 80, ..Default::default() };
    let mut n_links = 0;
    let mut n_boilerplate = 0;
    let mut n_spins = 0;
    for round in 0..300 {
        let n_docs = 2 + next(40) as u32;
        let docs: Vec<TracedDoc> = (0..n_docs)
            .map(|position| {
                // Index order with gaps; a document number can be missing from the run.
                let doc = DocId(position * 2 + u32::from(round % 3 == 0 && position % 5 == 0));
                let n_passages = next(5);
                let passages = (0..n_passages)
                    .map(|_| {
                        let start = 100 * next(4) as usize + if next(3) == 0 { 7 } else { 0 };
                        let len = [70, 100, 150, 300, 600][next(5) as usize];
                        let source_start = 100 * next(4) as usize;
                        let substitutions = (0..next(3))
                            .map(|_| Substitution {
                                from: words[next(words.len() as u64) as usize].to_owned(),
                                to: words[next(words.len() as u64) as usize].to_owned(),
                            })
                            .collect();
                        PassageLink {
                            source: DocId(next(u64::from(n_docs) * 2 + 2) as u32),
                            copy_char_start: start,
                            copy_char_end: start + len,
                            source_char_start: source_start,
                            source_char_end: source_start + len + 10 * next(3) as usize,
                            n_sentences: 1,
                            kind: kinds[next(5) as usize],
                            similarity: [0.5, 0.75, 1.0][next(3) as usize],
                            substitutions,
                        }
                    })
                    .collect();
                TracedDoc {
                    doc,
                    id: format!("d{position}"),
                    outlet: match next(4) {
                        0 => None,
                        o => Some(format!("outlet{o}")),
                    },
                    title: (next(3) > 0).then(|| {
                        ["rates rise", "rates rise again", "floods"][next(3) as usize].to_owned()
                    }),
                    date: (next(5) > 0).then(|| Timestamp(86_400 * next(4) as i64)),
                    n_chars: 1000,
                    n_content_chars: [150, 300, 700, 1000][next(4) as usize],
                    n_boilerplate_sentences: next(3) as usize,
                    passages,
                }
            })
            .collect();
        let expected = super::build(&docs, &config);
        n_links += expected.links.len();
        n_boilerplate += expected.boilerplate_passages.len();
        n_spins += expected.spins.len();
        let streamed = stream::build_streamed(&docs, &config).to_output();
        assert_eq!(streamed, expected, "round {round}");
    }
    // The random traces reach every part of the build.
    assert!(
        n_links > 100 && n_boilerplate > 0 && n_spins > 0,
        "{n_links} {n_boilerplate} {n_spins}"
    );
}

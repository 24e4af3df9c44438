//! The generator's tests: fixtures, edits, truth, determinism.
use super::*;
use proptest::prelude::*;

const DAY: i64 = SECONDS_PER_DAY;

/// Short fake news articles, written without abbreviations so that any sentence splitter
/// agrees on their sentences.
const FIXTURES: &[(&str, &str, &str, i64)] = &[
    (
        "kyiv-talks",
        "Leaders Announce Big Deal After Long Talks",
        "Government officials said on Tuesday that the talks had produced a big agreement \
         between the two countries. The president announced that troops would leave the \
         border region within a month. Analysts warned that serious problems remain for \
         residents of the area. Many experts believe the deal could collapse if either side \
         breaks the ceasefire again.",
        1_443_657_600,
    ),
    (
        "factory-jobs",
        "Company Cuts Jobs As Prices Rise",
        "The company announced a huge increase in prices for its products across the country. \
         Workers at the factory said they were worried about their jobs and their families. \
         A spokesman for the firm confirmed that hundreds of employees would lose their \
         positions. Local officials urged the company to reconsider the decision quickly.",
        1_443_744_000,
    ),
    (
        "hospital-study",
        "New Study Shows Disease Risk",
        "Researchers found that the disease was far more common among elderly patients than \
         previously thought. The study showed that doctors often missed early signs of the \
         illness in rural hospitals. Experts said the results were important for health \
         policy in many countries. The government is expected to announce new funding for \
         treatment next year.",
        1_443_830_400,
    ),
    (
        "storm-damage",
        "Storm Leaves Trail Of Damage",
        "A massive storm destroyed hundreds of homes and damaged roads across the region \
         overnight. Police said at least four people died and dozens were injured in the \
         disaster. Residents described the violent winds as the worst they had seen in many \
         years. Authorities warned that more heavy rain could cause further damage this week.",
        1_443_916_800,
    ),
    (
        "election-campaign",
        "Candidates Clash In Final Debate",
        "The two candidates criticized each other sharply during the final debate before the \
         election. Voters said they wanted clear answers on taxes, jobs and security. \
         Campaign officials claimed that their candidate had won the debate easily. Recent \
         polls suggest the race remains extremely close in several important states.",
        1_444_003_200,
    ),
    (
        "no-date",
        "Short Item",
        "Too short. Tiny. The militants attacked a military base near the capital and killed \
         several soldiers early on Sunday morning.",
        0,
    ),
];

/// Local opinion pieces nobody indexes.
const NEGATIVES: &[(&str, &str)] = &[
    (
        "blog-1",
        "I walked along the river yesterday and thought about how quiet our little town has \
         become. The bakery on the corner still sells the best bread I have ever tasted.",
    ),
    (
        "blog-2",
        "My neighbour keeps bees in her garden and gives everyone jars of honey in autumn. \
         Nobody on our street remembers a summer as warm as this one.",
    ),
];

fn fixtures() -> Vec<Document> {
    FIXTURES
        .iter()
        .map(|&(id, title, text, date)| Document {
            id: id.into(),
            title: Some(title.into()),
            text: text.into(),
            date: (date > 0).then_some(Timestamp(date)),
            ..Document::default()
        })
        .collect()
}

fn negatives() -> Vec<Document> {
    NEGATIVES
        .iter()
        .map(|&(id, text)| Document { id: id.into(), text: text.into(), ..Document::default() })
        .collect()
}

fn spun_config() -> PatchworkConfig {
    PatchworkConfig { spun_share: 0.5, edited_share: 0.25, ..PatchworkConfig::default() }
}

/// Checks every invariant of a patchwork's truth against the documents it came from.
fn check(patchwork: &Patchwork, sources: &[Document]) {
    let text = &patchwork.doc.text;
    let mut last_end = 0;
    for planted in &patchwork.truth {
        let (qs, qe) = (planted.query_byte_start, planted.query_byte_end);
        assert!(last_end <= qs && qs < qe && qe <= text.len(), "{planted:?}");
        let query = text.get(qs..qe).expect("query range on char boundaries");
        last_end = qe;
        let Some(source_id) = &planted.source_id else {
            assert_eq!((planted.source_byte_start, planted.source_byte_end), (0, 0));
            assert!(planted.negative_doc_id.is_some());
            assert!(planted.edits.iter().all(|e| *e == EditKind::Dateline), "{planted:?}");
            continue;
        };
        let cut = planted.edits.iter().any(|e| matches!(e, EditKind::Split | EditKind::Merged));
        assert!(patchwork.sources.contains(source_id));
        let doc = sources.iter().find(|d| &d.id == source_id).expect("source exists");
        let source = doc
            .text
            .get(planted.source_byte_start..planted.source_byte_end)
            .expect("source range on char boundaries");
        let body = if planted.edits.contains(&EditKind::Dateline) {
            let dateline = table::DATELINES
                .iter()
                .find(|d| query.starts_with(**d))
                .expect("a dateline heads the sentence");
            &query[dateline.len()..]
        } else {
            query
        };
        let kinds: Vec<_> = planted
            .edits
            .iter()
            .filter(|e| matches!(e, EditKind::Verbatim | EditKind::Spun | EditKind::Edited))
            .collect();
        assert_eq!(kinds.len(), 1, "{planted:?}");
        if planted.edits.contains(&EditKind::DatelineDropped) {
            let start = planted.source_byte_start;
            let dropped = (start.saturating_sub(80)..start)
                .filter(|&i| doc.text.is_char_boundary(i))
                .any(|i| dateline_len(&doc.text[i..]) == Some(start - i));
            assert!(dropped, "no dateline before {source}");
        }
        for (mention, alias) in &planted.aliases {
            assert!(planted.edits.contains(&EditKind::Aliased));
            assert!(source.contains(mention.as_str()), "{mention} in {source}");
            assert!(body.contains(alias.as_str()), "{alias} in {body}");
        }
        match kinds[0] {
            EditKind::Verbatim if !planted.aliases.is_empty() => assert_ne!(body, source),
            EditKind::Verbatim if cut => {
                assert_eq!(same_but_cut(body), same_but_cut(source), "{planted:?}")
            }
            EditKind::Verbatim => assert_eq!(body, source),
            EditKind::Spun => {
                assert!(!planted.substitutions.is_empty());
                assert_ne!(body, source);
                for (original, replacement) in &planted.substitutions {
                    assert!(source.contains(original.as_str()), "{original} in {source}");
                    assert!(body.contains(replacement.as_str()), "{replacement} in {body}");
                }
            }
            EditKind::Edited => {
                assert_eq!(planted.inserted_words.len() + planted.deleted_words.len(), 1);
                for word in &planted.inserted_words {
                    assert!(body.contains(word.as_str()));
                }
                for word in &planted.deleted_words {
                    assert!(source.contains(word.as_str()));
                }
                assert_ne!(body, source);
            }
            _ => unreachable!("filtered above"),
        }
    }
    if let Some((start, end)) = patchwork.repeated_title {
        assert_eq!(Some(&text[start..end]), patchwork.doc.title.as_deref());
        assert_eq!(end, text.len());
    }
    for id in &patchwork.sources {
        let doc = sources.iter().find(|d| &d.id == id).expect("source exists");
        if let Some(date) = doc.date {
            assert!(patchwork.doc.date.is_some_and(|d| d > date), "{:?}", patchwork.doc);
        }
    }
}

/// A split or merged part without its full stop and first-letter case.
fn same_but_cut(part: &str) -> String {
    let part = part.strip_suffix('.').unwrap_or(part);
    let mut chars = part.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// Wire copy with datelines, cut points and entity mentions.
const WIRE: &[(&str, &str)] = &[
    (
        "wire-1",
        "WASHINGTON (AP) — The U.S. Senate passed the budget bill late on Tuesday, and the \
         president is expected to sign it this week. Officials in Russia said the vote would \
         change nothing for the talks. The European Union welcomed the decision but warned \
         that many problems remain unsolved.",
    ),
    (
        "wire-2",
        "LONDON - Britain and the EU agreed on a new trade deal after months of difficult \
         talks, but several members of parliament said they would vote against it. The \
         prime minister told reporters that the agreement protected jobs in every region. \
         Critics said the deal gave away too much; supporters said it was the best deal on \
         offer.",
    ),
    (
        "wire-3",
        "Health officials in China reported hundreds of new cases on Monday, and doctors \
         warned that hospitals were running out of beds. The WHO said it was sending experts \
         to the region to help local teams. NATO leaders discussed the crisis at a meeting \
         in Brussels, but no decision was announced.",
    ),
];

fn wire() -> Vec<Document> {
    let mut docs: Vec<Document> = WIRE
        .iter()
        .map(|&(id, text)| Document { id: id.into(), text: text.into(), ..Document::default() })
        .collect();
    docs.extend(fixtures());
    docs
}

fn all_edits_config() -> PatchworkConfig {
    PatchworkConfig {
        n_sources_min: 1,
        n_sources_max: 8,
        split_share: 0.4,
        merge_share: 0.4,
        alias_rate: Some(0.5),
        dateline_drop_probability: 0.7,
        negative_share: Some(0.2),
        spun_share: 0.5,
        edited_share: 0.2,
        ..PatchworkConfig::default()
    }
}

#[test]
fn split_merge_alias_and_dropped_datelines_keep_the_truth() {
    let (s, n) = (wire(), negatives());
    let patchworks = generate(&s, &n, 80, &all_edits_config(), 21);
    assert_eq!(patchworks, generate(&s, &n, 80, &all_edits_config(), 21), "deterministic");
    let mut seen = HashSet::new();
    for patchwork in &patchworks {
        check(patchwork, &s);
        let text = &patchwork.doc.text;
        for pair in patchwork.truth.windows(2) {
            let gap = &text[pair[0].query_byte_end..pair[1].query_byte_start];
            assert!([" ", "\n\n", ", and ", "; "].contains(&gap), "{gap:?}");
            let merged = |p: &PlantedSentence| p.edits.contains(&EditKind::Merged);
            if gap == ", and " || gap == "; " {
                // Only the two parts of one merged sentence are joined, in source order.
                assert!(merged(&pair[0]) && merged(&pair[1]), "{pair:?}");
                assert_eq!(pair[0].source_id, pair[1].source_id);
                assert!(pair[0].source_byte_end < pair[1].source_byte_start);
            }
        }
        for planted in &patchwork.truth {
            seen.extend(planted.edits.iter().copied());
            if planted.edits.contains(&EditKind::Split) {
                let query = &text[planted.query_byte_start..planted.query_byte_end];
                assert!(query.ends_with('.'), "{query}");
            }
        }
    }
    use EditKind::*;
    for kind in [Verbatim, Spun, Edited, Reordered, Dateline, Split, Merged, Aliased] {
        assert!(seen.contains(&kind), "{kind:?} never planted");
    }
    assert!(seen.contains(&DatelineDropped), "no dateline dropped");
}

#[test]
fn a_split_sentence_is_two_adjacent_parts_of_one_source_sentence() {
    let (s, n) = (wire(), negatives());
    let config = PatchworkConfig { split_share: 1.0, ..all_edits_config() };
    let mut n_split = 0;
    for patchwork in generate(&s, &n, 40, &config, 5) {
        let split: Vec<_> =
            patchwork.truth.iter().filter(|p| p.edits.contains(&EditKind::Split)).collect();
        for pair in split.chunks(2) {
            let [head, tail] = pair else { panic!("a split part alone: {pair:?}") };
            assert_eq!(head.source_id, tail.source_id);
            assert_eq!(head.query_byte_end + 1, tail.query_byte_start);
            let doc = s.iter().find(|d| Some(&d.id) == head.source_id.as_ref()).expect("doc");
            let between = &doc.text[head.source_byte_end..tail.source_byte_start];
            assert!([", and ", ", ", "; "].contains(&between), "{between:?}");
            n_split += 1;
        }
    }
    assert!(n_split >= 20, "{n_split}");
}

#[test]
fn achieved_shares_follow_the_config() {
    let (s, n) = (wire(), negatives());
    let config = all_edits_config();
    let patchworks = generate(&s, &n, 300, &config, 8);
    let all: Vec<&PlantedSentence> = patchworks.iter().flat_map(|p| &p.truth).collect();
    let n_negative = all.iter().filter(|p| p.source_id.is_none()).count();
    let negative_share = n_negative as f64 / all.len() as f64;
    assert!((negative_share - 0.2).abs() < 0.03, "{negative_share}");
    // Aliased mentions / mentions of the copied source text.
    let (mut n_aliased, mut n_mentions) = (0, 0);
    for planted in all.iter().filter(|p| p.source_id.is_some()) {
        let doc = s.iter().find(|d| Some(&d.id) == planted.source_id.as_ref()).expect("doc");
        let source = &doc.text[planted.source_byte_start..planted.source_byte_end];
        n_mentions += alias_entities(source, 1.0, &mut rng::Rng::new(0)).n_substitutable;
        n_aliased += planted.aliases.len();
    }
    let alias_rate = n_aliased as f64 / n_mentions as f64;
    assert!(n_mentions > 200 && (alias_rate - 0.5).abs() < 0.06, "{n_aliased}/{n_mentions}");
    let n_sources: HashSet<usize> = patchworks.iter().map(|p| p.sources.len()).collect();
    assert!(n_sources.contains(&1) && n_sources.contains(&8), "{n_sources:?}");
}

#[test]
fn datelines_are_recognised() {
    let check = |sentence: &str, expect: Option<&str>| {
        let got = dateline_len(sentence).map(|len| &sentence[..len]);
        assert_eq!(got, expect, "{sentence}");
    };
    check("WASHINGTON (AP) — The vote", Some("WASHINGTON (AP) — "));
    check("Washington (CNN)The vote", Some("Washington (CNN)"));
    check("NEW YORK, N.Y. (Reuters) -- Shares fell", Some("NEW YORK, N.Y. (Reuters) -- "));
    check("LONDON - Britain and", Some("LONDON - "));
    check("Well - maybe not", None);
    check("The vote (held on Monday) failed", None);
    check("Officials said the vote failed.", None);
    check("", None);
}

#[test]
fn old_configs_and_truth_still_deserialize() {
    let config: PatchworkConfig = serde_json::from_str(r#"{"substitution_rate": 0.2}"#)
        .expect("missing fields take their defaults");
    assert_eq!(config, PatchworkConfig { substitution_rate: 0.2, ..Default::default() });
    let planted: PlantedSentence = serde_json::from_str(
        r#"{"query_byte_start":0,"query_byte_end":3,"source_id":null,"source_byte_start":0,
        "source_byte_end":0,"edits":[],"substitutions":[],"inserted_words":[],
        "deleted_words":[],"negative_doc_id":"x"}"#,
    )
    .expect("no aliases field");
    assert!(planted.aliases.is_empty());
}

#[test]
fn deterministic_per_seed() {
    let (s, n) = (fixtures(), negatives());
    let a = generate(&s, &n, 6, &spun_config(), 42);
    let b = generate(&s, &n, 6, &spun_config(), 42);
    let c = generate(&s, &n, 6, &spun_config(), 43);
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Patchwork k depends on the seed and k only.
    assert_eq!(generate(&s, &n, 3, &spun_config(), 42)[..], a[..3]);
}

#[test]
fn truth_points_at_the_right_text() {
    let (s, n) = (fixtures(), negatives());
    let patchworks = generate(&s, &n, 40, &spun_config(), 7);
    assert_eq!(patchworks.len(), 40);
    let mut seen = HashSet::new();
    for patchwork in &patchworks {
        check(patchwork, &s);
        for planted in &patchwork.truth {
            seen.extend(planted.edits.iter().copied());
        }
    }
    use EditKind::*;
    for kind in [Verbatim, Spun, Edited, Reordered, Dateline] {
        assert!(seen.contains(&kind), "{kind:?} never planted");
    }
}

#[test]
fn shape_follows_the_config() {
    let (s, n) = (fixtures(), negatives());
    for patchwork in generate(&s, &n, 30, &PatchworkConfig::default(), 3) {
        assert!((2..=4).contains(&patchwork.sources.len()), "{:?}", patchwork.sources);
        let distinct: HashSet<_> = patchwork.sources.iter().collect();
        assert_eq!(distinct.len(), patchwork.sources.len());
        let n_negatives = patchwork.truth.iter().filter(|p| p.source_id.is_none()).count();
        assert!((1..=2).contains(&n_negatives));
        for id in &patchwork.sources {
            let n_from =
                patchwork.truth.iter().filter(|p| p.source_id.as_ref() == Some(id)).count();
            assert!((1..=4).contains(&n_from));
        }
        assert!(patchwork.doc.id.starts_with("patchwork-00"));
        assert!(patchwork.repeated_title.is_some());
        // Sentences are separated by spaces or paragraph breaks, nothing else.
        for pair in patchwork.truth.windows(2) {
            let gap = &patchwork.doc.text[pair[0].query_byte_end..pair[1].query_byte_start];
            assert!(gap == " " || gap == "\n\n", "{gap:?}");
        }
    }
}

#[test]
fn no_reorder_keeps_source_order() {
    let (s, n) = (fixtures(), negatives());
    let config = PatchworkConfig { reorder: false, ..PatchworkConfig::default() };
    for patchwork in generate(&s, &n, 20, &config, 9) {
        for id in &patchwork.sources {
            let starts: Vec<_> = patchwork
                .truth
                .iter()
                .filter(|p| p.source_id.as_ref() == Some(id))
                .map(|p| p.source_byte_start)
                .collect();
            assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
        }
        assert!(patchwork.truth.iter().all(|p| !p.edits.contains(&EditKind::Reordered)));
    }
}

#[test]
fn negatives_have_no_source() {
    let (s, n) = (fixtures(), negatives());
    let config = PatchworkConfig {
        n_original_sentences_min: 2,
        n_original_sentences: 2,
        ..PatchworkConfig::default()
    };
    for patchwork in generate(&s, &n, 10, &config, 5) {
        let originals: Vec<_> =
            patchwork.truth.iter().filter(|p| p.negative_doc_id.is_some()).collect();
        assert_eq!(originals.len(), 2);
        for planted in originals {
            assert_eq!(planted.source_id, None);
            let query = &patchwork.doc.text[planted.query_byte_start..planted.query_byte_end];
            let body =
                table::DATELINES.iter().find_map(|d| query.strip_prefix(*d)).unwrap_or(query);
            assert!(n.iter().any(|d| d.text.contains(body)), "{query}");
        }
    }
}

#[test]
fn dates_follow_the_latest_source() {
    let (s, n) = (fixtures(), negatives());
    for patchwork in generate(&s, &n, 20, &PatchworkConfig::default(), 11) {
        let latest = patchwork
            .sources
            .iter()
            .filter_map(|id| s.iter().find(|d| &d.id == id).and_then(|d| d.date))
            .max();
        assert_eq!(patchwork.doc.date, latest.map(|Timestamp(t)| Timestamp(t + DAY)));
    }
    // Without dates there is no date.
    let undated: Vec<_> = s.iter().cloned().map(|d| Document { date: None, ..d }).collect();
    let patchworks = generate(&undated, &n, 3, &PatchworkConfig::default(), 11);
    assert!(patchworks.iter().all(|p| p.doc.date.is_none()));
}

#[test]
fn every_sentence_spun_at_full_rate() {
    let (s, n) = (fixtures(), negatives());
    let config = PatchworkConfig {
        spun_share: 1.0,
        substitution_rate: 0.5,
        add_dateline: false,
        ..PatchworkConfig::default()
    };
    for patchwork in generate(&s, &n, 10, &config, 13) {
        check(&patchwork, &s);
        for planted in patchwork.truth.iter().filter(|p| p.source_id.is_some()) {
            // Every fixture sentence has something substitutable.
            assert!(planted.edits.contains(&EditKind::Spun), "{planted:?}");
        }
    }
}

#[test]
fn empty_and_short_inputs_do_not_panic() {
    let config = PatchworkConfig::default();
    assert!(generate(&[], &[], 5, &config, 1).is_empty());
    let short = Document { id: "x".into(), text: "Too short.".into(), ..Document::default() };
    let one = std::slice::from_ref(&short);
    assert!(generate(one, one, 5, &config, 1).is_empty());
    let empty = Document::default();
    assert!(generate(&[empty.clone(), short], &[empty], 5, &config, 1).is_empty());
    // No negatives: patchworks without original sentences.
    let s = fixtures();
    let patchworks = generate(&s, &[], 3, &config, 1);
    assert_eq!(patchworks.len(), 3);
    assert!(patchworks.iter().flat_map(|p| &p.truth).all(|t| t.source_id.is_some()));
    // A single eligible document among many ineligible ones is still found.
    let mut sparse = vec![Document::default(); 200];
    sparse[137] = s[0].clone();
    let patchworks = generate(&sparse, &[], 2, &config, 1);
    assert_eq!(patchworks.len(), 2);
    assert_eq!(patchworks[0].sources, vec!["kyiv-talks".to_string()]);
    // Absurd knobs are put in order.
    let odd = PatchworkConfig {
        n_sources_min: 9,
        n_sources_max: 0,
        sentences_per_source_min: 5,
        sentences_per_source_max: 1,
        substitution_rate: f64::NAN,
        spun_share: 7.0,
        edited_share: -1.0,
        min_sentence_words: 100,
        max_sentence_words: 3,
        ..PatchworkConfig::default()
    };
    assert!(generate(&s, &[], 2, &odd, 1).is_empty());
    let odd = PatchworkConfig { min_sentence_words: 8, max_sentence_words: 80, ..odd };
    for patchwork in generate(&s, &[], 2, &odd, 1) {
        check(&patchwork, &s);
    }
}

#[test]
fn serializes_as_json_lines() {
    let (s, n) = (fixtures(), negatives());
    let patchwork = generate(&s, &n, 1, &spun_config(), 42).remove(0);
    let line = serde_json::to_string(&patchwork).expect("serializable");
    assert!(!line.contains('\n'));
    let back: Patchwork = serde_json::from_str(&line).expect("deserializable");
    assert_eq!(back, patchwork);
    assert!(line.contains("\"edits\":[\""));
}

#[test]
fn snapshot_seed_42() {
    let (s, n) = (fixtures(), negatives());
    let patchwork = generate(&s, &n, 1, &spun_config(), 42).remove(0);
    let mut out = format!("{}\n{:?}\n---\n", patchwork.doc.id, patchwork.doc.title);
    out.push_str(&patchwork.doc.text);
    out.push_str("\n---\n");
    for t in &patchwork.truth {
        out.push_str(&format!(
            "{:?} {:?} {:?} {:?}\n",
            t.source_id, t.edits, t.substitutions, t.inserted_words
        ));
    }
    expect_test::expect![[r#"
        patchwork-0000
        Some("New Study Shows Disease Risk")
        ---
        LONDON (Reuters) - The survey showed that doctors often missed early signs of the illness in rural medical centers.

        Law enforcement said at least four people died and dozens were hurt in the disaster. Residents described the vicious winds as the worst they had seen in many years. Nobody on our street remembers a summer as warm as this one.

        Experts said the results were reportedly important for health policy in many countries. Local officials urged the company to reconsider the choice swiftly.

        A massive storm destroyed hundreds of homes and damaged roads across the region overnight. The government is expected to announce new financing for therapy next year.

        A spokesman for the firm confirmed that hundreds of employees would lose their positions.

        Employees at the factory declared they were worried about their jobs and their families.

        Many experts believe the deal could also collapse if either side breaks the ceasefire again.

        The business revealed a huge increase in prices for its products across the country. Officials warned that more heavy rain could cause further damage this week.

        Scientists found that the disease was far more widespread among elderly patients than previously thought.

        New Study Shows Disease Risk
        ---
        Some("hospital-study") [Spun, Reordered, Dateline] [("study", "survey"), ("hospitals", "medical centers")] []
        Some("storm-damage") [Spun, Reordered] [("Police", "Law enforcement"), ("injured", "hurt")] []
        Some("storm-damage") [Spun, Reordered] [("violent", "vicious")] []
        None [] [] []
        Some("hospital-study") [Edited, Reordered] [] ["reportedly"]
        Some("factory-jobs") [Spun, Reordered] [("decision", "choice"), ("quickly", "swiftly")] []
        Some("storm-damage") [Verbatim, Reordered] [] []
        Some("hospital-study") [Spun, Reordered] [("funding", "financing"), ("treatment", "therapy")] []
        Some("factory-jobs") [Verbatim, Reordered] [] []
        Some("factory-jobs") [Spun, Reordered] [("Workers", "Employees"), ("said", "declared")] []
        Some("kyiv-talks") [Edited] [] ["also"]
        Some("factory-jobs") [Spun, Reordered] [("company", "business"), ("announced", "revealed")] []
        Some("storm-damage") [Spun] [("Authorities", "Officials")] []
        Some("hospital-study") [Spun, Reordered] [("Researchers", "Scientists"), ("common", "widespread")] []
    "#]].assert_eq(&out);
}

proptest! {
    #[test]
    fn random_texts_never_panic(
        texts in proptest::collection::vec(".{0,300}", 0..6),
        words in proptest::collection::vec("[A-Za-z]{1,9}", 8..40),
        seed in any::<u64>(),
    ) {
        let mut docs: Vec<Document> = texts
            .into_iter()
            .enumerate()
            .map(|(i, text)| Document { id: format!("d{i}"), text, ..Document::default() })
            .collect();
        // One document with a long word sentence, so that something is usually planted.
        docs.push(Document {
            id: "words".into(),
            text: format!("{}.", words.join(" ")),
            ..Document::default()
        });
        let config = PatchworkConfig { spun_share: 0.5, edited_share: 0.3, ..Default::default() };
        for patchwork in generate(&docs, &docs, 3, &config, seed) {
            check(&patchwork, &docs);
        }
    }
}

#[test]
fn dateline_forms() {
    use super::table::dateline_pattern;
    assert_eq!(dateline_pattern("OSLO, April 8 (Reuters) - "), "CITY, DATE (AGENCY) -");
    assert_eq!(dateline_pattern("WASHINGTON, Sept. 3, 2017 (AP) — "), "CITY, DATE (AGENCY) -");
    assert_eq!(dateline_pattern("LONDON (Reuters) - "), "CITY (AGENCY) -");
    assert_eq!(dateline_pattern("Washington (CNN)"), "City (AGENCY)");
    assert_eq!(dateline_pattern("(Reuters) - "), "(AGENCY) -");
}

//! The article coloured by origin, and a side-by-side for every matched sentence (the
//! article's sentence next to the source's wording, with context and changed words marked).

use std::fmt::Write as _;

use unspun_core::report::{EvidenceStrength, SentenceStatus, SourceMatch, TraceReport};

use super::diff::word_diff;
use super::{
    CONTEXT_CHARS, HtmlOptions, MAX_PAGE_DIFF_CELLS, MAX_SIDE_BY_SIDES, MAX_TEXT_CHARS, N_COLOURS,
    cut, escape, escape_into, percent, plural, sentence_tag, short_date, source_name, status_class,
};

/// The body as the sentences' text with the gaps of `body` between them, or joined by spaces
/// when the offsets do not fit `body`.
pub(super) fn article(out: &mut String, report: &TraceReport, options: &HtmlOptions<'_>) {
    out.push_str("<section class=\"card\" aria-labelledby=\"article\">\n<h2 id=\"article\">The article, by origin</h2>\n");
    if let Some(t) = &report.title {
        let tag = sentence_tag(
            match t.status {
                SentenceStatus::Sourced => SentenceStatus::Sourced,
                other => other,
            },
            t.source_match.as_ref(),
        );
        let _ = write!(out, "<p class=\"title-row\"><span class=\"label\">Title</span> ");
        sentence_span(out, &t.text, t.status, t.source_match.as_ref(), &tag, Some("title"));
        out.push_str("</p>\n");
    }
    let body_chars: Option<Vec<char>> = options.body.map(|b| b.chars().collect());
    let fits = body_chars.as_ref().is_some_and(|chars| {
        report.sentences.iter().all(|s| {
            s.char_start <= s.char_end
                && s.char_end <= chars.len()
                && chars[s.char_start..s.char_end].iter().copied().eq(s.text.chars())
        })
    });
    out.push_str("<div class=\"article\" dir=\"auto\">");
    let mut pos = 0;
    for (i, s) in report.sentences.iter().enumerate() {
        match (&body_chars, fits) {
            (Some(chars), true) if s.char_start > pos => {
                let gap: String = chars[pos..s.char_start].iter().collect();
                escape_into(out, &gap);
            }
            (_, false) if i > 0 => out.push(' '),
            _ => {}
        }
        let tag = sentence_tag(s.status, s.source_match.as_ref());
        let anchor = format!("s{}", s.idx + 1);
        let has_detail = s.source_match.is_some()
            && matches!(s.status, SentenceStatus::Sourced | SentenceStatus::PhraseMatch);
        sentence_span(
            out,
            &s.text,
            s.status,
            s.source_match.as_ref(),
            &tag,
            has_detail.then_some(anchor.as_str()),
        );
        pos = pos.max(s.char_end);
    }
    if let (Some(chars), true) = (&body_chars, fits)
        && pos < chars.len()
    {
        let rest: String = chars[pos..].iter().collect();
        escape_into(out, &rest);
    }
    if report.sentences.is_empty() {
        out.push_str("The article has no sentences.");
    }
    out.push_str("</div>\n</section>\n");
}

/// One sentence coloured by status and origin, followed by its tag; a link to its
/// side-by-side when `detail` names one.
fn sentence_span(
    out: &mut String,
    text: &str,
    status: SentenceStatus,
    source_match: Option<&SourceMatch>,
    tag: &str,
    detail: Option<&str>,
) {
    let mut class = format!("sent {}", status_class(status));
    if let (SentenceStatus::Sourced, Some(m)) = (status, source_match) {
        let _ = write!(class, " src-{}", m.source % N_COLOURS);
        if m.quoted {
            class.push_str(" quoted");
        }
        let _ = write!(class, " kind-{}", m.kind.name());
    }
    let _ = write!(out, "<span class=\"{class}\" dir=\"auto\">");
    escape_into(out, text);
    out.push_str("</span>");
    match detail {
        Some(anchor) => {
            let _ = write!(out, "<a class=\"tag\" href=\"#d-{anchor}\">{}</a>", escape(tag));
        }
        None => {
            let _ = write!(out, "<span class=\"tag\">{}</span>", escape(tag));
        }
    }
}

pub(super) fn side_by_sides(out: &mut String, report: &TraceReport, options: &HtmlOptions<'_>) {
    let mut diff_budget = MAX_PAGE_DIFF_CELLS;
    let mut items: Vec<(String, String, &str, SentenceStatus, &SourceMatch, bool)> = Vec::new();
    if let Some(t) = &report.title
        && let Some(m) = &t.source_match
    {
        let field_is_title = t.matched_field.as_deref() != Some("text");
        items.push(("title".into(), "The title".into(), &t.text, t.status, m, field_is_title));
    }
    for s in &report.sentences {
        if let Some(m) = &s.source_match
            && matches!(s.status, SentenceStatus::Sourced | SentenceStatus::PhraseMatch)
        {
            items.push((
                format!("s{}", s.idx + 1),
                format!("Sentence {}", s.idx + 1),
                &s.text,
                s.status,
                m,
                false,
            ));
        }
    }
    out.push_str(
        "<section class=\"card\" aria-labelledby=\"sbs\">\n<h2 id=\"sbs\">Side by side</h2>\n",
    );
    if items.is_empty() {
        out.push_str("<p>No sentence has a source.</p>\n</section>\n");
        return;
    }
    out.push_str("<p class=\"hint\">Each sentence with a source, next to the source's wording. <mark class=\"d-sub\">Marked</mark> words were replaced, <ins class=\"d-ins\">underlined</ins> ones added by the article, <del class=\"d-del\">struck</del> ones left out of it; <span class=\"unaligned\">grey</span> words are outside the match, or the source's text around it.</p>\n");
    let n_items = items.len();
    for (anchor, name, text, status, m, of_title) in items.into_iter().take(MAX_SIDE_BY_SIDES) {
        let title_offset = if anchor == "title" { 0 } else { sentence_start(report, &anchor) };
        let source_text = if of_title {
            None
        } else {
            report
                .sources
                .get(m.source)
                .and_then(|src| options.source_texts.and_then(|texts| texts.get(&src.id)))
        };
        let item =
            Item { anchor: &anchor, name: &name, text, text_char_start: title_offset, status };
        side_by_side(
            out,
            report,
            &item,
            m,
            of_title,
            source_text.map(String::as_str),
            &mut diff_budget,
        );
    }
    if n_items > MAX_SIDE_BY_SIDES {
        let _ = writeln!(
            out,
            "<p class=\"hint\">{} more side-by-sides are not shown (the page shows {MAX_SIDE_BY_SIDES} at most); the JSON report has them all.</p>",
            n_items - MAX_SIDE_BY_SIDES
        );
    }
    out.push_str("</section>\n");
}

fn sentence_start(report: &TraceReport, anchor: &str) -> usize {
    anchor
        .strip_prefix('s')
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| report.sentences.get(n.wrapping_sub(1)))
        .map_or(0, |s| s.char_start)
}

/// A sentence (or the title) to show next to its source.
struct Item<'a> {
    anchor: &'a str,
    name: &'a str,
    text: &'a str,
    /// Where `text` starts in the body (0 for the title).
    text_char_start: usize,
    status: SentenceStatus,
}

/// `chars[start..end]`, clamped.
fn char_range(chars: &[char], start: usize, end: usize) -> String {
    let end = end.min(chars.len());
    chars[start.min(end)..end].iter().collect()
}

/// The source's text around its match (`before`, `after`) as escaped context spans, when
/// the text is at hand and the match's offsets fit it.
fn context_spans(whole: Option<&str>, m: &SourceMatch) -> (String, String) {
    let Some(whole) = whole else { return (String::new(), String::new()) };
    let chars: Vec<char> = whole.chars().collect();
    let (start, end) = (m.source_char_start, m.source_char_end);
    if start > end || end > chars.len() {
        return (String::new(), String::new());
    }
    let from = start.saturating_sub(CONTEXT_CHARS);
    let to = (end + CONTEXT_CHARS).min(chars.len());
    let before = format!("{}{}", if from > 0 { "…" } else { "" }, char_range(&chars, from, start));
    let after =
        format!("{}{}", char_range(&chars, end, to), if to < chars.len() { "…" } else { "" });
    let span = |text: &str| {
        if text.is_empty() {
            String::new()
        } else {
            format!("<span class=\"context\">{}</span>", escape(text))
        }
    };
    (span(&before), span(&after))
}

fn side_by_side(
    out: &mut String,
    report: &TraceReport,
    item: &Item<'_>,
    m: &SourceMatch,
    of_title: bool,
    source_text_whole: Option<&str>,
    diff_budget: &mut usize,
) {
    let Item { anchor, name, text, text_char_start, status } = *item;
    let phrase = status == SentenceStatus::PhraseMatch;
    let src = report.sources.get(m.source);
    let colour =
        if phrase { "phrase".to_string() } else { format!("src-{}", m.source % N_COLOURS) };
    let _ = writeln!(
        out,
        "<article class=\"sbs {colour}\" id=\"d-{anchor}\">\n<h3>{name} · <span class=\"kind\">{kind}</span>{phrase}{quoted} · similarity {sim}</h3>",
        kind = m.kind.name(),
        phrase = if phrase { " · phrase match: not counted" } else { "" },
        quoted = if m.quoted { " · shared quotation: not counted" } else { "" },
        sim = percent(m.similarity),
    );
    // The aligned part of the text, the rest dimmed.
    let chars: Vec<char> = text.chars().collect();
    let qs = m.query_char_start.saturating_sub(text_char_start).min(chars.len());
    let qe = m.query_char_end.saturating_sub(text_char_start).clamp(qs, chars.len());
    let before: String = chars[..qs].iter().collect();
    let aligned: String = chars[qs..qe].iter().collect();
    let after: String = chars[qe..].iter().collect();
    let aligned = cut(&aligned, MAX_TEXT_CHARS);
    let source_text = cut(&m.source_text, MAX_TEXT_CHARS);
    let (source_marked, query_marked) = word_diff(&source_text, &aligned, diff_budget);
    let context = context_spans(source_text_whole, m);
    out.push_str("<div class=\"pair\">\n<div class=\"side\"><p class=\"side-head\">This article</p><p class=\"text\" dir=\"auto\">");
    if !before.is_empty() {
        let _ = write!(out, "<span class=\"unaligned\">{}</span>", escape(&cut(&before, 400)));
    }
    out.push_str(&query_marked);
    if !after.is_empty() {
        let _ = write!(out, "<span class=\"unaligned\">{}</span>", escape(&cut(&after, 400)));
    }
    let _ = writeln!(
        out,
        "</p></div>\n<div class=\"side side-source\"><p class=\"side-head\">Source {n}: <span dir=\"auto\">{who}</span>{field}{date}</p><p class=\"text\" dir=\"auto\">{before}{source_marked}{after}</p></div>\n</div>",
        n = m.source + 1,
        who = escape(&source_name(src)),
        field = if of_title { " (its title)" } else { "" },
        before = context.0,
        after = context.1,
        date = src
            .and_then(|s| s.date.as_deref())
            .map(|d| format!(" · {}", escape(short_date(d))))
            .unwrap_or_default(),
    );
    if !m.substitutions.is_empty() {
        out.push_str("<p class=\"spins\">Replaced (source → article): ");
        let pairs: Vec<String> = m
            .substitutions
            .iter()
            .take(50)
            .map(|s| {
                format!(
                    "<span class=\"from\" dir=\"auto\">{}</span> → <span class=\"to\" dir=\"auto\">{}</span>",
                    escape(&cut(&s.from, 200)),
                    escape(&cut(&s.to, 200))
                )
            })
            .collect();
        out.push_str(&pairs.join(", "));
        out.push_str("</p>\n");
    }
    let e = &m.evidence;
    let decision = if e.strength == EvidenceStrength::Phrase {
        "Phrase match: too thin to count as a source."
    } else {
        "Counts as a source."
    };
    let _ = write!(out, "<p class=\"evidence\"><strong>{decision}</strong>");
    if e.reason.is_empty() {
        let _ = write!(
            out,
            " {}, {} among them",
            plural(e.n_shared_words, "shared content word", "shared content words"),
            plural(e.n_shared_names, "name or figure", "names or figures")
        );
        if e.n_names_differ > 0 {
            let differ = plural(e.n_names_differ, "name or figure", "names or figures");
            let _ = write!(out, "; {differ} differ");
        }
        out.push('.');
    } else {
        out.push(' ');
        escape_into(out, &e.reason);
        out.push('.');
    }
    let co: Vec<String> = m
        .co_copies
        .iter()
        .filter_map(|&k| report.sources.get(k))
        .take(20)
        .map(|c| escape(&source_name(Some(c))))
        .collect();
    if !co.is_empty() {
        let _ = write!(out, " The same text is also in {}.", co.join(", "));
    }
    out.push_str("</p>\n</article>\n");
}

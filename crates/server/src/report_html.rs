//! The trace report as one self-contained HTML page: what `unspun trace --html FILE` writes
//! and what `POST /v1/report` (the web UI's "Download report") answers.
//!
//! The page holds the article coloured by origin with each sentence's kind written next to
//! it, the verdict with its evidence, the flags, the sources, and a side-by-side for every
//! match (the article's sentence and the source's wording, changed words marked). It loads
//! nothing: the CSS is inline, fonts are the reader's system fonts, there is no script, and
//! a `Content-Security-Policy` meta tag forbids any that an escaping bug could let in. It
//! follows the reader's light or dark theme and prints (print CSS: no backgrounds lost, no
//! side-by-side split across pages).
//!
//! Every piece of report text goes through [`escape`]; text of either direction sits in
//! elements with `dir="auto"`, so right-to-left sentences and stray bidi controls stay inside
//! their own box. The size is bounded: at most [`MAX_SIDE_BY_SIDES`] side-by-sides and
//! [`MAX_SOURCES`] sources, each text cut at [`MAX_TEXT_CHARS`] characters; what is left out
//! is counted on the page.

use std::collections::HashMap;
use std::fmt::Write as _;

use unspun_core::report::{
    EvidenceStrength, FlagKind, SentenceStatus, SourceDoc, SourceMatch, TraceReport, VerdictKind,
};

/// Side-by-sides shown at most (sentences with a match, the title first).
pub const MAX_SIDE_BY_SIDES: usize = 2000;
/// Sources listed at most.
pub const MAX_SOURCES: usize = 200;
/// Characters of one sentence or source passage shown at most in a side-by-side.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Word-diff table cells at most (source words × article words); beyond it nothing is marked.
const MAX_DIFF_CELLS: usize = 1_000_000;
/// Word-diff cells for a whole page; past it the remaining side-by-sides are shown unmarked,
/// so a hostile report (many long passages) costs bounded work.
const MAX_PAGE_DIFF_CELLS: usize = 40_000_000;
/// Source colours, as in the web UI.
const N_COLOURS: usize = 8;

/// What the page says besides the report.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions<'a> {
    /// The body as it was traced (after the title line), so the article keeps its paragraph
    /// breaks; ignored unless every sentence's offsets fit it. Without it the sentences are
    /// joined by spaces.
    pub body: Option<&'a str>,
    /// The index the article was traced against (its folder name), shown in the header.
    pub index_name: Option<&'a str>,
    /// When the report was made (shown as given, e.g. `2026-12-02 21:04 UTC`).
    pub generated_at: Option<&'a str>,
    /// The sources' texts by id, when the caller has them (the index): each side-by-side then
    /// shows up to [`CONTEXT_CHARS`] characters of the source around the match.
    pub source_texts: Option<&'a HashMap<String, String>>,
}

/// Characters of a source's text shown before and after its matched passage.
pub const CONTEXT_CHARS: usize = 240;

/// The texts of `report`'s sources, read with `document` (an id → its text, or `None`), for
/// [`HtmlOptions::source_texts`]. At most [`MAX_SOURCES`] are read.
pub fn source_texts(
    report: &TraceReport,
    mut document: impl FnMut(&str) -> Option<String>,
) -> HashMap<String, String> {
    report
        .sources
        .iter()
        .take(MAX_SOURCES)
        .filter_map(|source| Some((source.id.clone(), document(&source.id)?)))
        .collect()
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL and other C0 controls (but tab and newlines) are not allowed in HTML text.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// `text` cut to `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((byte, _)) => format!("{}…", &text[..byte]).into(),
    }
}

/// A share as a whole percentage, formatted as the verdict's summary does, so the page never
/// says 75 % where the summary says 74 %.
fn percent(x: f64) -> String {
    format!("{:.0}%", x.clamp(0.0, 1.0) * 100.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The date part of an ISO date or date-time.
fn short_date(date: &str) -> &str {
    let bytes = date.as_bytes();
    let is_iso = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit);
    if is_iso { &date[..10] } else { date }
}

/// The verdict's name for people.
pub fn verdict_label(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::Original => "Original",
        VerdictKind::Copy => "Copy",
        VerdictKind::Patchwork => "Patchwork",
        VerdictKind::PartlyCopied => "Partly copied",
    }
}

fn verdict_class(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::Original => "original",
        VerdictKind::Copy => "copy",
        VerdictKind::Patchwork => "patchwork",
        VerdictKind::PartlyCopied => "partly",
    }
}

/// The short label written after a sentence: its kind when sourced, else its status.
fn sentence_tag(status: SentenceStatus, source_match: Option<&SourceMatch>) -> String {
    match (status, source_match) {
        (SentenceStatus::Sourced, Some(m)) => {
            let kind = m.kind.name();
            if m.quoted {
                format!("{} {kind}, quotation", m.source + 1)
            } else {
                format!("{} {kind}", m.source + 1)
            }
        }
        (SentenceStatus::PhraseMatch, _) => "phrase".into(),
        (SentenceStatus::Common, _) => "boilerplate".into(),
        (SentenceStatus::Title, _) => "title again".into(),
        _ => "original".into(),
    }
}

fn status_class(status: SentenceStatus) -> &'static str {
    match status {
        SentenceStatus::Sourced => "sourced",
        SentenceStatus::Original => "original",
        SentenceStatus::Common => "common",
        SentenceStatus::Title => "title",
        SentenceStatus::PhraseMatch => "phrase",
    }
}

fn source_name(source: Option<&SourceDoc>) -> String {
    match source {
        Some(doc) => doc.outlet.clone().filter(|o| !o.trim().is_empty()).unwrap_or(doc.id.clone()),
        None => "unknown source".into(),
    }
}

/// Renders `report` as a self-contained HTML page (see the module documentation).
pub fn render_html(report: &TraceReport, options: &HtmlOptions<'_>) -> String {
    let mut out = String::with_capacity(16 * 1024 + report.query.n_chars * 4);
    let title = report.query.title.as_deref().filter(|t| !t.trim().is_empty());
    let page_title = match title {
        Some(t) => format!("unspun report: {}", cut(t, 120)),
        None => "unspun report".to_string(),
    };
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"generator\" content=\"unspun ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str("\">\n<title>");
    escape_into(&mut out, &page_title);
    out.push_str("</title>\n<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    header(&mut out, report, options, title);
    verdict(&mut out, report);
    flags(&mut out, report);
    sources(&mut out, report);
    key(&mut out);
    article(&mut out, report, options);
    side_by_sides(&mut out, report, options);
    footer(&mut out, report);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn header(out: &mut String, report: &TraceReport, options: &HtmlOptions<'_>, title: Option<&str>) {
    out.push_str("<header class=\"top\">\n<p class=\"brand\">unspun · where did this text come from?</p>\n<h1 dir=\"auto\">");
    escape_into(out, title.unwrap_or("Untitled article"));
    out.push_str("</h1>\n<p class=\"meta\">");
    let mut parts = Vec::new();
    if let Some(date) = &report.query.date {
        parts.push(format!("dated {}", escape(short_date(date))));
    }
    if let Some(id) = &report.query.id {
        parts.push(format!("id <code>{}</code>", escape(id)));
    }
    parts.push(format!(
        "{}, {}",
        plural(report.query.n_sentences, "sentence", "sentences"),
        plural(report.query.n_chars, "character", "characters")
    ));
    if let Some(index) = options.index_name {
        parts.push(format!("traced against the index <code>{}</code>", escape(index)));
    }
    if let Some(at) = options.generated_at {
        parts.push(format!("on {}", escape(at)));
    }
    out.push_str(&parts.join(" · "));
    out.push_str("</p>\n</header>\n");
}

fn verdict(out: &mut String, report: &TraceReport) {
    let v = &report.verdict;
    let _ = write!(
        out,
        "<section class=\"card verdict verdict-{}\" aria-labelledby=\"verdict\">\n<h2 id=\"verdict\"><span class=\"kind\">{}</span>",
        verdict_class(v.kind),
        verdict_label(v.kind)
    );
    match v.kind {
        VerdictKind::Patchwork => {
            let _ = write!(out, " of {} origins", v.n_origins);
        }
        VerdictKind::Copy => out.push_str(" of one origin"),
        VerdictKind::PartlyCopied => out.push_str(" from one origin"),
        VerdictKind::Original => {}
    }
    let _ = writeln!(out, " · {} of the text has an earlier source</h2>", percent(v.coverage));
    out.push_str("<div class=\"meter\" aria-hidden=\"true\">");
    for origin in &v.origins {
        let _ = write!(
            out,
            "<span class=\"src-{}\" style=\"width:{:.1}%\"></span>",
            origin.source % N_COLOURS,
            origin.share.clamp(0.0, 1.0) * 100.0
        );
    }
    out.push_str("</div>\n<p class=\"summary\" dir=\"auto\">");
    escape_into(out, &v.summary);
    out.push_str("</p>\n");
    if !v.origins.is_empty() {
        out.push_str("<ul class=\"origins\">");
        for origin in &v.origins {
            let name = source_name(report.sources.get(origin.source));
            let _ = write!(
                out,
                "<li><span class=\"swatch src-{}\">{}</span> <span dir=\"auto\">{}</span>: {} of the text, {}</li>",
                origin.source % N_COLOURS,
                origin.source + 1,
                escape(&name),
                percent(origin.share),
                plural(origin.n_sentences, "sentence", "sentences")
            );
        }
        out.push_str("</ul>\n");
    }
    let mut left_out = Vec::new();
    if v.n_phrase_matches > 0 {
        left_out.push(format!(
            "{} (too thin to count)",
            plural(v.n_phrase_matches, "phrase match", "phrase matches")
        ));
    }
    if v.n_quoted > 0 {
        left_out.push(plural(v.n_quoted, "shared quotation", "shared quotations"));
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"left-out\">Not counted in the verdict: {}.</p>",
            left_out.join(", ")
        );
    }
    out.push_str("</section>\n");
}

fn flags(out: &mut String, report: &TraceReport) {
    if report.flags.is_empty() {
        return;
    }
    out.push_str("<section class=\"card\" aria-labelledby=\"flags\">\n<h2 id=\"flags\">Flags</h2>\n<ul class=\"flags\">\n");
    for flag in &report.flags {
        let name = match flag.kind {
            FlagKind::TitleRepeated => "Repeated title.",
            FlagKind::WireDateline => "Wire dateline.",
            FlagKind::KnownSpin => "Known spin.",
        };
        let _ = write!(out, "<li><strong>{name}</strong> <span dir=\"auto\">");
        escape_into(out, &flag.message);
        out.push_str("</span>");
        if let (FlagKind::WireDateline, Some(outlet)) = (flag.kind, &flag.outlet) {
            let where_ = match flag.outlet_in_index {
                Some(true) => "is in the index",
                Some(false) => "is not in the index: its original cannot be shown",
                None => "may or may not be in the index",
            };
            let _ = write!(out, " ({} {where_})", escape(outlet));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
}

/// A link only for http(s) addresses; anything else is shown as text.
fn url_html(url: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(url.trim()),
            escape(&cut(url.trim(), 200))
        )
    } else {
        escape(&cut(url, 200))
    }
}

fn sources(out: &mut String, report: &TraceReport) {
    out.push_str(
        "<section class=\"card\" aria-labelledby=\"sources\">\n<h2 id=\"sources\">Sources</h2>\n",
    );
    if report.sources.is_empty() {
        out.push_str("<p>No earlier source was found in the index.</p>\n</section>\n");
        return;
    }
    out.push_str("<ol class=\"sources\">\n");
    for (idx, doc) in report.sources.iter().enumerate().take(MAX_SOURCES) {
        let n_sourced = report
            .sentences
            .iter()
            .filter(|s| s.status == SentenceStatus::Sourced)
            .filter(|s| s.source_match.as_ref().is_some_and(|m| m.source == idx))
            .count();
        let n_phrase = report
            .sentences
            .iter()
            .filter(|s| s.status == SentenceStatus::PhraseMatch)
            .filter(|s| s.source_match.as_ref().is_some_and(|m| m.source == idx))
            .count();
        let role = match doc.role {
            unspun_core::report::SourceRole::Origin if n_sourced == 0 && n_phrase > 0 => {
                "phrase match only"
            }
            unspun_core::report::SourceRole::Origin => "origin",
            unspun_core::report::SourceRole::CoCopy => "co-copy: holds the same text",
        };
        let mut uses = Vec::new();
        if n_sourced > 0 {
            uses.push(plural(n_sourced, "sentence", "sentences"));
        }
        if n_phrase > 0 {
            uses.push(format!(
                "{} (not counted)",
                plural(n_phrase, "phrase match", "phrase matches")
            ));
        }
        if report
            .title
            .as_ref()
            .and_then(|t| t.source_match.as_ref())
            .is_some_and(|m| m.source == idx)
        {
            uses.push("the title".into());
        }
        let _ = writeln!(
            out,
            "<li id=\"source-{n}\" class=\"src-{c}\"><span class=\"swatch\">{n}</span><div><p><strong dir=\"auto\">{outlet}</strong> · {role}{date}</p><p class=\"doc-title\" dir=\"auto\">{title}</p><p class=\"meta\"><code>{id}</code>{uses}{url}</p></div></li>",
            n = idx + 1,
            c = idx % N_COLOURS,
            outlet = escape(doc.outlet.as_deref().unwrap_or("Unknown outlet")),
            date = doc
                .date
                .as_deref()
                .map(|d| format!(" · {}", escape(short_date(d))))
                .unwrap_or_default(),
            title = escape(&cut(doc.title.as_deref().unwrap_or("(untitled)"), 300)),
            id = escape(&cut(&doc.id, 200)),
            uses = if uses.is_empty() { String::new() } else { format!(" · {}", uses.join(", ")) },
            url = doc
                .url
                .as_deref()
                .filter(|u| !u.trim().is_empty())
                .map(|u| format!(" · {}", url_html(u)))
                .unwrap_or_default(),
        );
    }
    out.push_str("</ol>\n");
    if report.sources.len() > MAX_SOURCES {
        let _ = writeln!(
            out,
            "<p class=\"hint\">{} more sources are not listed.</p>",
            report.sources.len() - MAX_SOURCES
        );
    }
    out.push_str("</section>\n");
}

fn key(out: &mut String) {
    out.push_str(KEY_HTML);
}

/// The body as the sentences' text with the gaps of `body` between them, or joined by spaces
/// when the offsets do not fit `body`.
fn article(out: &mut String, report: &TraceReport, options: &HtmlOptions<'_>) {
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

fn side_by_sides(out: &mut String, report: &TraceReport, options: &HtmlOptions<'_>) {
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

fn footer(out: &mut String, report: &TraceReport) {
    let s = &report.stats;
    let _ = write!(
        out,
        "<footer class=\"hint\">Made by unspun {} (report schema {}): {} candidates, {} alignments.",
        env!("CARGO_PKG_VERSION"),
        escape(&report.schema),
        s.n_candidates,
        s.n_alignments
    );
    if !s.limits_hit.is_empty() {
        let _ = write!(
            out,
            " A work limit was reached ({}), so sources may be missing.",
            escape(&s.limits_hit.join(", "))
        );
    }
    out.push_str(" A source is the earliest indexed document found with the text; a document missing from the index cannot be named.</footer>\n");
}

/// Comparison key of a word: lower case, curly quotes folded, outer punctuation dropped.
fn word_key(word: &str) -> String {
    let lower: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '“' | '”' | '„' | '‟' | '«' | '»' | '″' => '"',
            '‘' | '’' | '‚' | '‛' | '′' => '\'',
            c => c,
        })
        .collect();
    let stripped = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if stripped.is_empty() { lower } else { stripped.to_string() }
}

/// Whitespace runs and word runs, in order.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_space: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if prev_space.is_some_and(|p| p != space) {
            out.push(&text[start..i]);
            start = i;
        }
        prev_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Equal,
    Inserted,
    Deleted,
    Substituted,
}

/// A word-level diff (longest common subsequence of word keys) of `source` against `query`,
/// as escaped HTML for each side: runs replaced by other runs in `<mark>`, words only in the
/// query in `<ins>`, words only in the source in `<del>`. Too long to diff, or more cells than
/// the page's `budget` has left: nothing marked. The cells used are taken off `budget`.
fn word_diff(source: &str, query: &str, budget: &mut usize) -> (String, String) {
    let s_tokens = tokens(source);
    let q_tokens = tokens(query);
    let s_words: Vec<usize> =
        (0..s_tokens.len()).filter(|&i| !s_tokens[i].starts_with(char::is_whitespace)).collect();
    let q_words: Vec<usize> =
        (0..q_tokens.len()).filter(|&i| !q_tokens[i].starts_with(char::is_whitespace)).collect();
    let (n, m) = (s_words.len(), q_words.len());
    let mut s_marks = vec![Mark::Equal; s_tokens.len()];
    let mut q_marks = vec![Mark::Equal; q_tokens.len()];
    let cells = (n + 1).saturating_mul(m + 1);
    if cells <= MAX_DIFF_CELLS && cells <= *budget {
        *budget -= cells;
        let sk: Vec<String> = s_words.iter().map(|&i| word_key(s_tokens[i])).collect();
        let qk: Vec<String> = q_words.iter().map(|&i| word_key(q_tokens[i])).collect();
        let width = m + 1;
        let mut dp = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                dp[i * width + j] = if sk[i] == qk[j] {
                    dp[(i + 1) * width + j + 1] + 1
                } else {
                    dp[(i + 1) * width + j].max(dp[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        let mut dels: Vec<usize> = Vec::new();
        let mut inss: Vec<usize> = Vec::new();
        let mut flush = |dels: &mut Vec<usize>, inss: &mut Vec<usize>| {
            let both = !dels.is_empty() && !inss.is_empty();
            for &k in dels.iter() {
                s_marks[s_words[k]] = if both { Mark::Substituted } else { Mark::Deleted };
            }
            for &k in inss.iter() {
                q_marks[q_words[k]] = if both { Mark::Substituted } else { Mark::Inserted };
            }
            dels.clear();
            inss.clear();
        };
        while i < n || j < m {
            if i < n && j < m && sk[i] == qk[j] {
                flush(&mut dels, &mut inss);
                i += 1;
                j += 1;
            } else if j >= m || (i < n && dp[(i + 1) * width + j] >= dp[i * width + j + 1]) {
                dels.push(i);
                i += 1;
            } else {
                inss.push(j);
                j += 1;
            }
        }
        flush(&mut dels, &mut inss);
    }
    (marked_html(&s_tokens, &mut s_marks), marked_html(&q_tokens, &mut q_marks))
}

/// Escaped tokens with runs of one mark wrapped once (spaces between two words of the same
/// mark join the run).
fn marked_html(tokens: &[&str], marks: &mut [Mark]) -> String {
    for k in 0..tokens.len() {
        if tokens[k].starts_with(char::is_whitespace) {
            let prev = k.checked_sub(1).map(|p| marks[p]);
            let next = marks.get(k + 1).copied();
            marks[k] = match (prev, next) {
                (Some(p), Some(n)) if p == n => p,
                _ => Mark::Equal,
            };
        }
    }
    let mut out = String::new();
    let mut k = 0;
    while k < tokens.len() {
        let mark = marks[k];
        let mut run = String::new();
        while k < tokens.len() && marks[k] == mark {
            run.push_str(tokens[k]);
            k += 1;
        }
        let run = escape(&run);
        match mark {
            Mark::Equal => out.push_str(&run),
            Mark::Inserted => {
                let _ =
                    write!(out, "<ins class=\"d-ins\" title=\"added in the article\">{run}</ins>");
            }
            Mark::Deleted => {
                let _ = write!(
                    out,
                    "<del class=\"d-del\" title=\"left out of the article\">{run}</del>"
                );
            }
            Mark::Substituted => {
                let _ = write!(out, "<mark class=\"d-sub\" title=\"replaced\">{run}</mark>");
            }
        }
    }
    out
}

const KEY_HTML: &str = "<section class=\"card\" aria-labelledby=\"key\">
<h2 id=\"key\">How to read it</h2>
<ul class=\"key\">
<li><span class=\"sent sourced src-0\">coloured</span><span class=\"tag\">1 verbatim</span> taken from the source of that colour and number; the tag says how: <b>verbatim</b> word for word, <b>spun</b> a few words swapped for others, <b>edited</b> longer runs rewritten, added or dropped, <b>reordered</b> taken out of the source's order, <b>paraphrased</b> said again in other words</li>
<li><span class=\"sent sourced quoted src-0\">dashed</span> a quotation both share: shown, not counted</li>
<li><span class=\"sent phrase\">grey, dotted</span><span class=\"tag\">phrase</span> a phrase match: too thin to count as a source</li>
<li><span class=\"sent original\">plain</span><span class=\"tag\">original</span> no earlier source found in the index</li>
<li><span class=\"sent common\">italic</span><span class=\"tag\">boilerplate</span> text found in many documents, or the title again</li>
<li><mark class=\"d-sub\">marked</mark> words replaced · <ins class=\"d-ins\">underlined</ins> added by the article · <del class=\"d-del\">struck</del> left out of it</li>
</ul>
</section>
";

const CSS: &str = r#":root{color-scheme:light dark;--bg:#f6f7f9;--surface:#fff;--fg:#1b1f24;--muted:#5b6470;--border:#d5dae1;--ins-bg:#d3f5dc;--ins-fg:#0b5c23;--del-bg:#fbdada;--del-fg:#8a1313;--sub-bg:#ffe58a;--sub-fg:#4a3500;--v-original:#15803d;--v-copy:#b91c1c;--v-patchwork:#b45309;--v-partly:#7e22ce;--phrase-bg:#eceef2;--phrase-line:#8a93a0;--phrase-fg:#3d444d;
--s0:#2563eb;--s0-bg:#dbeafe;--s1:#c2410c;--s1-bg:#ffedd5;--s2:#15803d;--s2-bg:#dcfce7;--s3:#7e22ce;--s3-bg:#f3e8ff;--s4:#0f766e;--s4-bg:#ccfbf1;--s5:#be185d;--s5-bg:#fce7f3;--s6:#a16207;--s6-bg:#fef3c7;--s7:#4d7c0f;--s7-bg:#ecfccb}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--surface:#181c22;--fg:#e6e9ee;--muted:#9aa4b1;--border:#2e3540;--ins-bg:#12452a;--ins-fg:#b6f5c8;--del-bg:#541c1c;--del-fg:#ffc2c2;--sub-bg:#5c4800;--sub-fg:#ffe9a3;--v-original:#4ade80;--v-copy:#f87171;--v-patchwork:#fbbf24;--v-partly:#d8b4fe;--phrase-bg:#262b33;--phrase-line:#7b8594;--phrase-fg:#c3cad4;
--s0:#60a5fa;--s0-bg:#1c3559;--s1:#fb923c;--s1-bg:#4a2511;--s2:#4ade80;--s2-bg:#14422a;--s3:#c084fc;--s3-bg:#3b1d5a;--s4:#2dd4bf;--s4-bg:#123f3b;--s5:#f472b6;--s5-bg:#4d1a33;--s6:#facc15;--s6-bg:#423a0c;--s7:#a3e635;--s7-bg:#2c3a12}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
code{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em;overflow-wrap:anywhere}
a{color:inherit}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0}
h2{font-size:1.2rem;margin:0 0 .6rem}
h3{font-size:1rem;margin:0 0 .5rem}
.brand{margin:0;color:var(--muted);font-weight:600;letter-spacing:.02em}
.meta,.hint{color:var(--muted);font-size:.9rem}
.card{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:1rem 1.2rem;margin:1rem 0}
.verdict{border-left:8px solid var(--v)}
.verdict-original{--v:var(--v-original)}.verdict-copy{--v:var(--v-copy)}.verdict-patchwork{--v:var(--v-patchwork)}.verdict-partly{--v:var(--v-partly)}
.verdict .kind{color:var(--v);text-transform:uppercase;letter-spacing:.04em}
.meter{display:flex;height:.8rem;border-radius:4px;overflow:hidden;background:var(--border);margin:.4rem 0 .8rem;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.meter span{background:var(--swatch)}
.summary{font-weight:600}
.origins,.flags,.key{padding-left:1.2rem;margin:.4rem 0}
.key li{margin:.3rem 0}
.left-out{color:var(--muted)}
.src-0{--swatch:var(--s0);--swatch-bg:var(--s0-bg)}.src-1{--swatch:var(--s1);--swatch-bg:var(--s1-bg)}.src-2{--swatch:var(--s2);--swatch-bg:var(--s2-bg)}.src-3{--swatch:var(--s3);--swatch-bg:var(--s3-bg)}.src-4{--swatch:var(--s4);--swatch-bg:var(--s4-bg)}.src-5{--swatch:var(--s5);--swatch-bg:var(--s5-bg)}.src-6{--swatch:var(--s6);--swatch-bg:var(--s6-bg)}.src-7{--swatch:var(--s7);--swatch-bg:var(--s7-bg)}
.phrase{--swatch:var(--phrase-line);--swatch-bg:var(--phrase-bg)}
.swatch{display:inline-block;min-width:1.6em;text-align:center;border-radius:4px;background:var(--swatch);color:var(--surface);font-weight:700;font-size:.85rem;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.sources{list-style:none;padding:0;margin:0}
.sources li{display:flex;gap:.7rem;align-items:flex-start;border-left:4px solid var(--swatch);padding:.3rem .6rem;margin:.5rem 0}
.sources p{margin:0}
.sources li>div{min-width:0;overflow-wrap:anywhere}
.doc-title{font-style:italic}
.article{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.9}
.title-row{font-weight:700;font-size:1.1rem}
.title-row .label{font-size:.75rem;text-transform:uppercase;color:var(--muted);margin-right:.4rem}
.sent{border-radius:3px;padding:.05em .1em;-webkit-box-decoration-break:clone;box-decoration-break:clone;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.sent.sourced{background:var(--swatch-bg);border-bottom:3px solid var(--swatch)}
.sent.quoted{border-bottom-style:dashed}
.sent.phrase{background:var(--phrase-bg);color:var(--phrase-fg);border-bottom:2px dotted var(--phrase-line)}
.sent.common,.sent.title{color:var(--muted);font-style:italic}
.tag{display:inline-block;font-size:.7rem;line-height:1.3;font-weight:700;white-space:nowrap;border:1px solid var(--border);border-radius:999px;padding:0 .4em;margin:0 .35em 0 .2em;color:var(--muted);text-decoration:none;vertical-align:.15em;font-style:normal}
.sourced+.tag{color:var(--fg);border-color:var(--swatch)}
a.tag:hover{text-decoration:underline}
.sbs{border-left:4px solid var(--swatch);padding:.5rem .8rem;margin:1rem 0;break-inside:avoid;page-break-inside:avoid}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
.side{border:1px solid var(--border);border-radius:8px;padding:.5rem .7rem}
.side-source{background:var(--swatch-bg);print-color-adjust:exact;-webkit-print-color-adjust:exact}
.side-head{margin:0 0 .3rem;font-size:.8rem;font-weight:700;color:var(--muted)}
.text{margin:0;overflow-wrap:anywhere}
.unaligned,.context{color:var(--muted)}
.spins,.evidence{margin:.5rem 0 0;font-size:.9rem}
.spins .from{text-decoration:line-through}.spins .to{font-weight:700}
ins.d-ins{background:var(--ins-bg);color:var(--ins-fg);text-decoration:underline;border-radius:3px}
del.d-del{background:var(--del-bg);color:var(--del-fg);text-decoration:line-through;border-radius:3px}
mark.d-sub{background:var(--sub-bg);color:var(--sub-fg);font-weight:700;border-radius:3px;padding:0 .1em}
ins,del,mark{print-color-adjust:exact;-webkit-print-color-adjust:exact}
footer{margin:1rem 0 2rem}
@media (max-width:40rem){.pair{grid-template-columns:1fr}main{padding:.5rem}.card{padding:.8rem}}
@media print{:root{--bg:#fff;--surface:#fff}body{font-size:11pt}main{max-width:none;padding:0}.card{border:none;padding:0;margin:0 0 1rem}.verdict{border-left:6px solid var(--v);padding-left:.6rem}a.tag{text-decoration:none}h2{break-after:avoid}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn check_diff(source: &str, query: &str, expect_source: &str, expect_query: &str) {
        let mut budget = usize::MAX;
        let (s, q) = word_diff(source, query, &mut budget);
        assert_eq!(s, expect_source);
        assert_eq!(q, expect_query);
    }

    #[test]
    fn diff_marks_substitutions_insertions_deletions() {
        check_diff(
            "Russia said on Monday.",
            "Russian Federation said on Monday.",
            "<mark class=\"d-sub\" title=\"replaced\">Russia</mark> said on Monday.",
            "<mark class=\"d-sub\" title=\"replaced\">Russian Federation</mark> said on Monday.",
        );
        check_diff(
            "He left early.",
            "He left very early.",
            "He left early.",
            "He left <ins class=\"d-ins\" title=\"added in the article\">very</ins> early.",
        );
        check_diff(
            "A <b> & \"c\".",
            "A <b> & \"c\".",
            "A &lt;b&gt; &amp; &quot;c&quot;.",
            "A &lt;b&gt; &amp; &quot;c&quot;.",
        );
    }

    #[test]
    fn diff_stops_marking_when_the_page_budget_is_spent() {
        // 3 × 3 words: 4 × 4 cells.
        let mut budget = 16;
        let (s, q) = word_diff("a b c", "a x c", &mut budget);
        assert!(s.contains("<mark") && q.contains("<mark"));
        assert_eq!(budget, 0);
        let (s, q) = word_diff("a b c", "a x c", &mut budget);
        assert_eq!((s.as_str(), q.as_str()), ("a b c", "a x c"), "nothing marked once spent");
        let mut budget = 12;
        let _ = word_diff("a b c", "a x c", &mut budget);
        assert_eq!(budget, 12, "a diff that does not fit uses nothing");
    }

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\"b&c\u{0}"), "a&quot;b&amp;c\u{fffd}");
        assert_eq!(escape("שלום 👋"), "שלום 👋");
    }

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("héllo", 3), "hél…");
        assert_eq!(cut("héllo", 5), "héllo");
    }
}

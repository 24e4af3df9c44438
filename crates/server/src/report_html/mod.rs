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
//!
//! The page is built in parts: `page.rs` (the stylesheet and the colour key), `verdict.rs`
//! (the verdict, the flags and the sources), `article.rs` (the article and the
//! side-by-sides) and `diff.rs` (the word diff that marks changed words).

mod article;
mod diff;
mod page;
mod verdict;

use std::collections::HashMap;
use std::fmt::Write as _;

use unspun_core::report::{SentenceStatus, SourceDoc, SourceMatch, TraceReport, VerdictKind};

use article::{article, side_by_sides};
use page::{CSS, key};
use verdict::{flags, sources, verdict};

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

#[cfg(test)]
mod tests {
    use super::*;

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

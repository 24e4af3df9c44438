//! The summary at the top of the page: the verdict with its evidence, the flags, and the
//! sources with their share of the article.

use std::fmt::Write as _;

use unspun_core::report::{FlagKind, SentenceStatus, TraceReport, VerdictKind};

use super::{
    MAX_SOURCES, N_COLOURS, cut, escape, escape_into, percent, plural, short_date, source_name,
    verdict_class, verdict_label,
};

pub(super) fn verdict(out: &mut String, report: &TraceReport) {
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

pub(super) fn flags(out: &mut String, report: &TraceReport) {
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

pub(super) fn sources(out: &mut String, report: &TraceReport) {
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

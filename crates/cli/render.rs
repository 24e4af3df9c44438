//! Human-readable, coloured rendering of a trace report for a terminal.
//!
//! Colour is used only when stdout is a terminal and `NO_COLOR` is unset (no-color.org).

use std::fmt::Write as _;
use std::io::IsTerminal;

use unspun_core::report::{
    Alteration, FlagKind, SentenceStatus, SourceRole, TraceReport, VerdictKind,
};

/// ANSI styling, switched off for pipes and `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    enabled: bool,
}

impl Style {
    /// Colour when stdout is a terminal and NO_COLOR is unset or empty.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { enabled: !no_color && std::io::stdout().is_terminal() }
    }

    /// No colour at all.
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { enabled: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn source(&self, idx: usize, text: &str) -> String {
        const PALETTE: [&str; 6] = ["36", "35", "33", "32", "34", "31"];
        self.paint(PALETTE[idx % PALETTE.len()], text)
    }
}

fn kind_name(kind: Alteration) -> &'static str {
    match kind {
        Alteration::Verbatim => "verbatim",
        Alteration::Reordered => "reordered",
        Alteration::Edited => "edited",
        Alteration::Spun => "spun",
        Alteration::Paraphrased => "paraphrased",
    }
}

fn shorten(text: &str, max_chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Renders `report` as text.
pub fn render(report: &TraceReport, style: Style) -> String {
    let mut out = String::new();
    let verdict = match report.verdict.kind {
        VerdictKind::Original => style.paint("32;1", "ORIGINAL"),
        VerdictKind::Copy => style.paint("31;1", "COPY"),
        VerdictKind::PartlyCopied => style.paint("33;1", "PARTLY COPIED"),
        VerdictKind::Patchwork => style.paint("33;1", "PATCHWORK"),
    };
    let _ = writeln!(out, "{verdict}  {}", report.verdict.summary);
    let mut meta = Vec::new();
    if let Some(title) = &report.query.title {
        meta.push(format!("title: {}", shorten(title, 70)));
    }
    if let Some(date) = &report.query.date {
        meta.push(format!("date: {date}"));
    }
    meta.push(format!("{} sentences, {} chars", report.query.n_sentences, report.query.n_chars));
    let _ = writeln!(out, "{}", style.dim(&meta.join("  ·  ")));

    if !report.sources.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Sources"));
        for (idx, source) in report.sources.iter().enumerate() {
            let role = match source.role {
                SourceRole::Origin => "origin ",
                SourceRole::CoCopy => "co-copy",
            };
            let label = style.source(idx, &format!("[{}]", idx + 1));
            let outlet = source.outlet.as_deref().unwrap_or("unknown outlet");
            let date = source.date.as_deref().unwrap_or("undated");
            let title = source.title.as_deref().map(|t| shorten(t, 60)).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label} {role}  {outlet} · {date} · {title:?}  {}",
                style.dim(&format!("id {}", source.id))
            );
            if source.role == SourceRole::Origin {
                let n = source.n_sentences;
                let plural = if n == 1 { "" } else { "s" };
                let url = source.url.as_deref().map(|u| format!(" · {u}")).unwrap_or_default();
                let _ =
                    writeln!(out, "        {}", style.dim(&format!("{n} sentence{plural}{url}")));
            }
        }
    }

    let _ = writeln!(out, "\n{}", style.bold("Sentences"));
    for sentence in &report.sentences {
        let number = format!("{:>3}", sentence.idx + 1);
        let text = shorten(&sentence.text, 96);
        match (&sentence.status, &sentence.source_match) {
            (SentenceStatus::Sourced, Some(m)) => {
                let label = style.source(m.source, &format!("[{}]", m.source + 1));
                let kind = format!("{:<9}", kind_name(m.kind));
                let _ = writeln!(
                    out,
                    "{number} {label} {} {:.2}  {}",
                    style.source(m.source, &kind),
                    m.similarity,
                    style.source(m.source, &text)
                );
                let mut notes = Vec::new();
                if !m.substitutions.is_empty() {
                    let pairs: Vec<String> =
                        m.substitutions.iter().map(|s| format!("{} → {}", s.from, s.to)).collect();
                    notes.push(format!("spin: {}", pairs.join("; ")));
                }
                if m.n_inserted + m.n_deleted > 0 {
                    notes.push(format!("+{} −{} words", m.n_inserted, m.n_deleted));
                }
                if m.quoted {
                    notes.push("shared quotation".to_string());
                }
                if m.alterations.contains(&Alteration::Reordered) {
                    notes.push("out of the source's order".to_string());
                }
                if !m.co_copies.is_empty() {
                    let co: Vec<String> =
                        m.co_copies.iter().map(|c| format!("[{}]", c + 1)).collect();
                    notes.push(format!("also in {}", co.join(" ")));
                }
                notes.push(format!("source chars {}..{}", m.source_char_start, m.source_char_end));
                let _ = writeln!(out, "                       {}", style.dim(&notes.join("  ·  ")));
            }
            (SentenceStatus::Title, _) => {
                let _ = writeln!(out, "{number}  ·  {:<14}{}", "title again", style.dim(&text));
            }
            (SentenceStatus::Common, _) => {
                let _ = writeln!(out, "{number}  ·  {:<14}{}", "common", style.dim(&text));
            }
            _ => {
                let _ = writeln!(out, "{number}  —  {:<14}{text}", "original");
            }
        }
    }

    if !report.flags.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Flags"));
        for flag in &report.flags {
            let mut line = flag.message.clone();
            if flag.kind == FlagKind::WireDateline {
                match flag.outlet_in_index {
                    Some(true) => line.push_str(" (the index holds documents of this outlet)"),
                    Some(false) => line.push_str(" (no document of this outlet is indexed)"),
                    None => {}
                }
            }
            let _ = writeln!(out, "  {} {line}", style.paint("33", "!"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspun_core::Document;
    use unspun_core::shingle::ShingleConfig;
    use unspun_core::trace::{MemoryCandidates, TraceConfig, TraceInput, trace};

    #[test]
    fn plain_report_names_sources_spin_and_flags() {
        let source = Document {
            id: "wire-1".to_string(),
            title: Some("Talks in New York".to_string()),
            text: "Russia ramps up its military presence in Syria in support of President Bashar Assad. \
                   Putin and Obama are scheduled to meet on the sidelines of the UN General Assembly."
                .to_string(),
            source: Some("Reuters".to_string()),
            ..Document::default()
        };
        let index = MemoryCandidates::new(vec![source], &ShingleConfig::default());
        let text = "MOSCOW (Reuters) - Russian Federation ramps up its military presence in Syria in \
                    support of President Bashar Assad. A sentence of our own about nothing much at all.";
        let input = TraceInput { text, ..TraceInput::default() };
        let report = trace(&input, &index, &TraceConfig::default());
        let out = render(&report, Style::plain());
        assert!(!out.contains('\x1b'), "no colour codes in plain style");
        assert!(out.contains("[1] origin   Reuters"), "{out}");
        assert!(out.contains("spin: Russia → Russian Federation"), "{out}");
        assert!(out.contains("names Reuters (the index holds documents of this outlet)"), "{out}");
        assert!(out.contains("original      A sentence of our own"), "{out}");
    }
}

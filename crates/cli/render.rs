//! Human-readable, coloured rendering of a trace report for a terminal.
//!
//! Colour follows `--color` (a process-wide choice set once by `main`): `auto` colours only
//! when stdout is a terminal and `NO_COLOR` is unset (no-color.org), or when `CLICOLOR_FORCE`
//! is set to anything but `0` (bixense.com/clicolors); `always` and `never` ignore both.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::OnceLock;

use unspun_core::report::{
    Alteration, Evidence, FlagKind, SentenceStatus, SourceMatch, SourceRole, TitleReport,
    TraceReport, VerdictKind,
};

/// ANSI styling, switched off for pipes and `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    enabled: bool,
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too.
    #[default]
    Auto,
    /// Always colour (escapes even on a pipe).
    Always,
    /// Never colour.
    Never,
}

static COLOR_CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Sets the process-wide `--color` choice (the first call wins; `main` makes it).
pub fn set_color_choice(choice: ColorChoice) {
    let _ = COLOR_CHOICE.set(choice);
}

/// Whether `choice` colours output, given the environment and whether stdout is a terminal.
fn color_enabled(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    is_terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                return false;
            }
            if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            is_terminal
        }
    }
}

impl Style {
    /// Colour as `--color` says (auto when it was not set): see the module's documentation.
    pub fn detect() -> Style {
        let choice = COLOR_CHOICE.get().copied().unwrap_or_default();
        let is_terminal = std::io::stdout().is_terminal();
        Style { enabled: color_enabled(choice, |key| std::env::var_os(key), is_terminal) }
    }

    /// `text` in bold and `colour` (an SGR code, e.g. "31" for red), when colour is on.
    pub fn emphasis(&self, colour: &str, text: &str) -> String {
        self.paint(&format!("1;{colour}"), text)
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

/// Where the detail lines under a sentence start: under its text.
const INDENT: &str = "                       ";

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The evidence of a counted match, compact: "9 shared words, 2 names, a neighbour from the
/// same document".
fn evidence_note(evidence: &Evidence, neighbour: &str) -> String {
    let mut parts = vec![plural(evidence.n_shared_words, "shared word", "shared words")];
    if evidence.n_shared_names > 0 {
        parts.push(plural(evidence.n_shared_names, "name", "names"));
    }
    if evidence.n_names_differ > 0 {
        parts.push(format!("{} differ", plural(evidence.n_names_differ, "name", "names")));
    }
    if evidence.neighbour_support {
        parts.push(neighbour.to_string());
    }
    parts.join(", ")
}

/// The notes under a counted match: spin, edits, quotation, order, co-copies, evidence and
/// where in the source (`field`: "title" when the source offsets index its title); `neighbour`
/// words the evidence of neighbouring sentences from the same source.
fn match_notes(m: &SourceMatch, field: &str, neighbour: &str) -> Vec<String> {
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
        notes.push("shared quotation, not counted".to_string());
    }
    if m.alterations.contains(&Alteration::Reordered) {
        notes.push("out of the source's order".to_string());
    }
    if !m.co_copies.is_empty() {
        let co: Vec<String> = m.co_copies.iter().map(|c| format!("[{}]", c + 1)).collect();
        notes.push(format!("also in {}", co.join(" ")));
    }
    notes.push(evidence_note(&m.evidence, neighbour));
    notes.push(format!("source {field} chars {}..{}", m.source_char_start, m.source_char_end));
    notes
}

/// The line under a phrase match: why it does not count, and what it shares with which source.
fn phrase_note(m: &SourceMatch) -> String {
    let reason = if m.evidence.reason.is_empty() {
        "a shared phrase".to_string()
    } else {
        m.evidence.reason.clone()
    };
    format!("not counted: {reason}  ·  like [{}] \"{}\"", m.source + 1, shorten(&m.source_text, 60))
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
    if let (Some(title), None) = (&report.query.title, &report.title) {
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
                SourceRole::Origin if counted_sentences(report, idx) == 0 => "phrase ",
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
                let url = source.url.as_deref().map(|u| format!(" · {u}")).unwrap_or_default();
                let _ =
                    writeln!(out, "        {}", style.dim(&format!("{}{url}", uses(report, idx))));
            }
        }
    }

    if let Some(title) = &report.title {
        let _ = writeln!(out, "\n{}", style.bold("Title"));
        render_title(&mut out, title, style);
    }

    let _ = writeln!(out, "\n{}", style.bold("Sentences"));
    for sentence in &report.sentences {
        let number = format!("{:>3}", sentence.idx + 1);
        let text = shorten(&sentence.text, 96);
        match (&sentence.status, &sentence.source_match) {
            (SentenceStatus::Sourced, Some(m)) => {
                let _ = writeln!(out, "{number} {}", counted_line(m, &text, style));
                let notes = match_notes(m, "text", "a neighbour from the same document");
                let _ = writeln!(out, "{INDENT}{}", style.dim(&notes.join("  ·  ")));
            }
            (SentenceStatus::PhraseMatch, Some(m)) => {
                let _ = writeln!(out, "{number}  ~  {:<14}{}", "phrase match", style.dim(&text));
                let _ = writeln!(out, "{INDENT}{}", style.dim(&phrase_note(m)));
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
    if !report.stats.limits_hit.is_empty() {
        let limits = report.stats.limits_hit.join(", ");
        let line = format!("work limits reached ({limits}): the report may miss sources");
        let _ = writeln!(out, "\n{} {}", style.paint("33", "!"), style.dim(&line));
    }
    out
}

/// "[1] spun      0.97  text", coloured by source.
fn counted_line(m: &SourceMatch, text: &str, style: Style) -> String {
    let label = style.source(m.source, &format!("[{}]", m.source + 1));
    let kind = format!("{:<9}", m.kind.name());
    format!(
        "{label} {} {:.2}  {}",
        style.source(m.source, &kind),
        m.similarity,
        style.source(m.source, text)
    )
}

/// The title's line and its notes: a counted source (and in which field of it), a phrase
/// match, or none.
fn render_title(out: &mut String, title: &TitleReport, style: Style) {
    let text = shorten(&title.text, 96);
    let field = title.matched_field.as_deref().unwrap_or("text");
    match (&title.status, &title.source_match) {
        (SentenceStatus::Sourced, Some(m)) => {
            let _ = writeln!(out, "  T {}", counted_line(m, &text, style));
            let mut notes = vec![format!("from the source's {field}")];
            notes.extend(match_notes(m, field, "the body has sentences from it"));
            let _ = writeln!(out, "{INDENT}{}", style.dim(&notes.join("  ·  ")));
        }
        (SentenceStatus::PhraseMatch, Some(m)) => {
            let _ = writeln!(out, "  T  ~  {:<14}{}", "phrase match", style.dim(&text));
            let note = format!("{}  ·  in the source's {field}", phrase_note(m));
            let _ = writeln!(out, "{INDENT}{}", style.dim(&note));
        }
        _ => {
            let _ = writeln!(out, "  T  —  {:<14}{text}", "original");
        }
    }
}

/// Sentences whose counted (not phrase-match) source is `source`.
fn counted_sentences(report: &TraceReport, source: usize) -> usize {
    let counted = |status: SentenceStatus, m: Option<&SourceMatch>| {
        status == SentenceStatus::Sourced && m.is_some_and(|m| m.source == source)
    };
    let n_body =
        report.sentences.iter().filter(|s| counted(s.status, s.source_match.as_ref())).count();
    let n_title = report
        .title
        .as_ref()
        .filter(|t| counted(t.status, t.source_match.as_ref()))
        .map_or(0, |_| 1);
    n_body + n_title
}

/// What an origin supplies: "3 sentences", "2 sentences and the title", "1 phrase match, not
/// counted".
fn uses(report: &TraceReport, source: usize) -> String {
    let of_source = |m: &Option<SourceMatch>| m.as_ref().is_some_and(|m| m.source == source);
    let n_sourced = report
        .sentences
        .iter()
        .filter(|s| s.status == SentenceStatus::Sourced && of_source(&s.source_match))
        .count();
    let n_phrase = report
        .sentences
        .iter()
        .filter(|s| s.status == SentenceStatus::PhraseMatch && of_source(&s.source_match))
        .count();
    let title = report.title.as_ref().filter(|t| of_source(&t.source_match));
    let mut parts = Vec::new();
    if n_sourced > 0 {
        parts.push(plural(n_sourced, "sentence", "sentences"));
    }
    match title.map(|t| t.status) {
        Some(SentenceStatus::Sourced) => parts.push("the title".to_string()),
        Some(SentenceStatus::PhraseMatch) => parts.push("a phrase of the title".to_string()),
        _ => {}
    }
    if n_phrase > 0 {
        parts.push(format!("{}, not counted", plural(n_phrase, "phrase match", "phrase matches")));
    }
    if parts.is_empty() {
        let n = report.sources[source].n_sentences;
        return plural(n, "sentence", "sentences");
    }
    match parts.len() {
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().expect("two or more parts");
            format!("{} and {last}", parts.join(", "))
        }
    }
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
        assert!(out.contains("24 shared words") || out.contains("shared words, "), "{out}");
    }

    fn syria_index() -> MemoryCandidates {
        let source = Document {
            id: "wire-1".to_string(),
            title: Some("Russia builds up its forces in Syria near Latakia".to_string()),
            text: "Russia ramps up its military presence in Syria in support of President Bashar \
                   Assad. Officials in Washington said the deployment included fighter jets, \
                   tanks and several hundred marines at an airfield near Latakia."
                .to_string(),
            source: Some("Reuters".to_string()),
            ..Document::default()
        };
        MemoryCandidates::new(vec![source], &ShingleConfig::default())
    }

    #[test]
    fn issue_14_a_phrase_match_is_shown_apart_and_not_counted() {
        let text = "The mayor spoke in support of President Bashar Assad at the fair, he said. \
                    Nobody else in the small town had any opinion on the matter at all.";
        let input = TraceInput { text, ..TraceInput::default() };
        let report = trace(&input, &syria_index(), &TraceConfig::default());
        let out = render(&report, Style::plain());
        assert!(out.starts_with("ORIGINAL"), "{out}");
        assert!(out.contains("  1  ~  phrase match  The mayor spoke"), "{out}");
        assert!(out.contains("not counted: only"), "{out}");
        assert!(out.contains("like [1] \"in support of President Bashar Assad"), "{out}");
        assert!(out.contains("[1] phrase   Reuters"), "{out}");
        assert!(out.contains("1 phrase match, not counted"), "{out}");
        assert!(!out.contains("verbatim"), "a phrase match is no copied sentence: {out}");
    }

    #[test]
    fn issue_14_partly_copied_with_its_title_traced() {
        let text = "Officials in Washington said the deployment included fighter jets, tanks and \
                    several hundred marines at an airfield near Latakia. Our correspondent spent \
                    the whole of last week in the capital talking to farmers, teachers and \
                    shopkeepers about the price of bread. Most of them said they had stopped \
                    following the news from the front a long time ago and cared about the winter.";
        let title = Some("Russia builds up its forces in Syria near Latakia");
        let input = TraceInput { text, title, ..TraceInput::default() };
        let report = trace(&input, &syria_index(), &TraceConfig::default());
        let out = render(&report, Style::plain());
        assert!(out.starts_with("PARTLY COPIED  "), "{out}");
        assert!(out.contains("\nTitle\n  T [1] verbatim  1.00  Russia builds up"), "{out}");
        assert!(out.contains("from the source's title"), "{out}");
        assert!(out.contains("source title chars 0..49"), "{out}");
        assert!(out.contains("1 sentence and the title"), "{out}");
        assert!(!out.contains("title: Russia"), "the title is not repeated in the header: {out}");
    }

    #[test]
    fn issue_16_color_choice_and_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        use ColorChoice::{Always, Auto, Never};
        assert!(color_enabled(Auto, env(&[]), true));
        assert!(!color_enabled(Auto, env(&[]), false));
        assert!(!color_enabled(Auto, env(&[("NO_COLOR", "1")]), true));
        assert!(color_enabled(Auto, env(&[("NO_COLOR", "")]), true), "an empty NO_COLOR is unset");
        assert!(color_enabled(Auto, env(&[("CLICOLOR_FORCE", "1")]), false));
        assert!(!color_enabled(Auto, env(&[("CLICOLOR_FORCE", "0")]), false));
        assert!(!color_enabled(Auto, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), false));
        assert!(color_enabled(Always, env(&[("NO_COLOR", "1")]), false));
        assert!(!color_enabled(Never, env(&[("CLICOLOR_FORCE", "1")]), true));
    }
}

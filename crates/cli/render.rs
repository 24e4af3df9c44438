//! Human-readable, coloured rendering of a trace report for a terminal.
//!
//! The default report is written for a reader who has not read the docs: the verdict and its
//! evidence, the sources (outlet, date, title), then every copied sentence in full with its
//! source's wording under it, the changed words marked `[-source's words-]` and `{+article's
//! words+}` (markers that survive `NO_COLOR` and pipes; colour is added on top). `--brief` is the
//! compact view of one line per sentence; `--verbose` adds character offsets to either.
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

/// What the terminal report shows (`unspun trace --brief`, `--verbose`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderConfig {
    /// The compact report: one line per sentence, no source wording.
    pub brief: bool,
    /// Character offsets of every match, in the article and in its source.
    pub verbose: bool,
}

/// A date as a reader writes it: `2016-09-20`, never a timestamp ("2016-09-20T14:03:00Z").
fn plain_date(date: &str) -> &str {
    let bytes = date.as_bytes();
    let is_iso_day = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if is_iso_day { &date[..10] } else { date }
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
    } else if evidence.document_support {
        parts.push("the document is a source elsewhere in the text".to_string());
    }
    parts.join(", ")
}

/// The notes under a counted match: spin, edits, quotation, order, co-copies, evidence and
/// where in the source (`field`: "title" when the source offsets index its title); `neighbour`
/// words the evidence of neighbouring sentences from the same source.
fn match_notes(m: &SourceMatch, field: &str, neighbour: &str, verbose: bool) -> Vec<String> {
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
    if verbose {
        notes.push(format!("source {field} chars {}..{}", m.source_char_start, m.source_char_end));
    }
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

/// Renders `report` as text: the full report for people (`unspun trace FILE`).
pub fn render(report: &TraceReport, style: Style) -> String {
    render_with(report, style, &RenderConfig::default())
}

/// Renders `report` as `config` asks: the full report, or the compact one with `brief`.
pub fn render_with(report: &TraceReport, style: Style, config: &RenderConfig) -> String {
    if config.brief {
        render_brief(report, style, config.verbose)
    } else {
        render_full(report, style, config.verbose)
    }
}

/// The compact report (`--brief`): one line per sentence, its notes under it.
fn render_brief(report: &TraceReport, style: Style, verbose: bool) -> String {
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
        meta.push(format!("date: {}", plain_date(date)));
    }
    let n_sentences = plural(report.query.n_sentences, "sentence", "sentences");
    meta.push(format!("{n_sentences}, {} chars", report.query.n_chars));
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
            let date = source.date.as_deref().map_or("undated", plain_date);
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
        render_title(&mut out, title, style, verbose);
    }

    let _ = writeln!(out, "\n{}", style.bold("Sentences"));
    for sentence in &report.sentences {
        let number = format!("{:>3}", sentence.idx + 1);
        let text = shorten(&sentence.text, 96);
        match (&sentence.status, &sentence.source_match) {
            (SentenceStatus::Sourced, Some(m)) => {
                let _ = writeln!(out, "{number} {}", counted_line(m, &text, style));
                let neighbour = "a neighbour from the same document";
                let notes = match_notes(m, "text", neighbour, verbose);
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

    render_flags(&mut out, report, style);
    out
}

/// The flags and the work limits reached, at the end of either report.
fn render_flags(out: &mut String, report: &TraceReport, style: Style) {
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
fn render_title(out: &mut String, title: &TitleReport, style: Style, verbose: bool) {
    let text = shorten(&title.text, 96);
    let field = title.matched_field.as_deref().unwrap_or("text");
    match (&title.status, &title.source_match) {
        (SentenceStatus::Sourced, Some(m)) => {
            let _ = writeln!(out, "  T {}", counted_line(m, &text, style));
            let mut notes = vec![format!("from the source's {field}")];
            notes.extend(match_notes(m, field, "the body has sentences from it", verbose));
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

/// How wide the full report wraps its sentences, in characters (markers included).
const WRAP_WIDTH: usize = 100;

/// The legend of the full report's markers.
const LEGEND: &str = "Under each copied sentence, its source's wording: [-words-] the article changed or \
                      dropped, {+words+} it put in their place or added.";

/// The full report: the verdict and its evidence, the title, the sources, then each sentence in
/// order: copied ones in full with their source's wording under them, the rest on one line.
fn render_full(report: &TraceReport, style: Style, verbose: bool) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "{}  {}", verdict_word(report.verdict.kind, style), report.verdict.summary);
    let mut meta = vec![format!(
        "{}, {} characters",
        plural(report.query.n_sentences, "sentence", "sentences"),
        report.query.n_chars
    )];
    if let Some(date) = &report.query.date {
        meta.insert(0, format!("dated {}", plain_date(date)));
    }
    let _ = writeln!(out, "{}", style.dim(&meta.join("  ·  ")));

    if !report.sources.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Sources"));
        for (idx, source) in report.sources.iter().enumerate() {
            let label = style.source(idx, &format!("[{}]", idx + 1));
            let outlet = source.outlet.as_deref().unwrap_or("unknown outlet");
            let date = source.date.as_deref().map_or("undated", plain_date);
            let title = source.title.as_deref().map(|t| format!(" · \"{t}\"")).unwrap_or_default();
            let _ = writeln!(out, "  {label} {}  ·  {date}{title}", style.bold(outlet));
            let role = match source.role {
                SourceRole::Origin if counted_sentences(report, idx) == 0 => {
                    format!("{} only: not counted as a source", uses(report, idx))
                }
                SourceRole::Origin => format!("the source of {}", uses(report, idx)),
                SourceRole::CoCopy => "holds the same text as an earlier source: a later copy, or \
                                       one of unknown date"
                    .to_string(),
            };
            let url = source.url.as_deref().map(|u| format!(" · {u}")).unwrap_or_default();
            let _ =
                writeln!(out, "      {}", style.dim(&format!("{role} · id {}{url}", source.id)));
        }
    }

    match (&report.title, &report.query.title) {
        (Some(title), _) => {
            let _ = writeln!(out, "\n{}", style.bold("Title"));
            render_title_full(&mut out, report, title, style, verbose);
        }
        (None, Some(title)) => {
            let _ = writeln!(out, "\n{}  {title}", style.bold("Title"));
        }
        (None, None) => {}
    }

    let _ = writeln!(out, "\n{}", style.bold("Sentences"));
    if report.sentences.iter().any(|s| s.source_match.is_some()) {
        let _ = writeln!(out, "{}\n", style.dim(LEGEND));
    }
    for sentence in &report.sentences {
        let number = format!("{:>3}", sentence.idx + 1);
        match (&sentence.status, &sentence.source_match) {
            (SentenceStatus::Sourced | SentenceStatus::PhraseMatch, Some(m)) => {
                let block = match_block(report, &number, &sentence.text, sentence.status, m, style);
                out.push_str(&block);
                if verbose {
                    let _ = writeln!(out, "{}", style.dim(&offsets_line(m, "text")));
                }
                let _ = writeln!(out);
            }
            (SentenceStatus::Title, _) => {
                let line = format!("title again: {}", shorten(&sentence.text, 80));
                let _ = writeln!(out, "{number}  {}", style.dim(&line));
            }
            (SentenceStatus::Common, _) => {
                let line = format!("common boilerplate: {}", shorten(&sentence.text, 80));
                let _ = writeln!(out, "{number}  {}", style.dim(&line));
            }
            _ => {
                let _ = writeln!(out, "{number}  own words: {}", shorten(&sentence.text, 86));
            }
        }
    }
    render_flags(&mut out, report, style);
    out
}

fn verdict_word(kind: VerdictKind, style: Style) -> String {
    match kind {
        VerdictKind::Original => style.paint("32;1", "ORIGINAL"),
        VerdictKind::Copy => style.paint("31;1", "COPY"),
        VerdictKind::PartlyCopied => style.paint("33;1", "PARTLY COPIED"),
        VerdictKind::Patchwork => style.paint("33;1", "PATCHWORK"),
    }
}

/// The title in the full report: its source and wording, or that none was found.
fn render_title_full(
    out: &mut String,
    report: &TraceReport,
    title: &TitleReport,
    style: Style,
    verbose: bool,
) {
    let field = title.matched_field.as_deref().unwrap_or("text");
    match (&title.status, &title.source_match) {
        (SentenceStatus::Sourced | SentenceStatus::PhraseMatch, Some(m)) => {
            out.push_str(&match_block(report, "  T", &title.text, title.status, m, style));
            let _ =
                writeln!(out, "{}", style.dim(&format!("              in the source's {field}")));
            if verbose {
                let _ = writeln!(out, "{}", style.dim(&offsets_line(m, field)));
            }
        }
        _ => {
            let _ = writeln!(out, "  T  own words: {}", title.text);
        }
    }
}

/// "       chars 10..96 of the article · chars 21..267 of the source's text" (`--verbose`).
fn offsets_line(m: &SourceMatch, field: &str) -> String {
    format!(
        "              chars {}..{} of the article's body · chars {}..{} of the source's {field}",
        m.query_char_start, m.query_char_end, m.source_char_start, m.source_char_end
    )
}

/// What was done to the source's wording, in words: "reworded in 2 places", "word for word".
fn alteration_words(m: &SourceMatch) -> String {
    if m.kind == Alteration::Paraphrased {
        return "paraphrased: the same meaning in other words".to_string();
    }
    let mut parts = Vec::new();
    if m.alterations.contains(&Alteration::Spun) && !m.substitutions.is_empty() {
        let n = m.substitutions.len();
        parts.push(format!("reworded in {}", plural(n, "place", "places")));
    }
    if m.n_inserted > 0 {
        parts.push(format!("{} added", plural(m.n_inserted, "word", "words")));
    }
    if m.n_deleted > 0 {
        parts.push(format!("{} dropped", plural(m.n_deleted, "word", "words")));
    }
    if parts.is_empty() {
        parts.push("word for word".to_string());
    }
    if m.alterations.contains(&Alteration::Reordered) {
        parts.push("out of the source's order".to_string());
    }
    parts.join(", ")
}

/// A copied sentence (or phrase match): a header naming the source and what changed, the
/// article's sentence in full, the source's wording under it, and why it counts (or not).
fn match_block(
    report: &TraceReport,
    number: &str,
    text: &str,
    status: SentenceStatus,
    m: &SourceMatch,
    style: Style,
) -> String {
    let mut out = String::new();
    let source = &report.sources[m.source];
    let label = style.source(m.source, &format!("[{}]", m.source + 1));
    let outlet = source.outlet.as_deref().unwrap_or("unknown outlet");
    let phrase = status == SentenceStatus::PhraseMatch;
    let header = if phrase {
        format!("only a phrase like {label} {outlet}: not counted as copied")
    } else if m.quoted {
        format!("a quotation also in {label} {outlet}: shared quotations are not counted")
    } else {
        let pct = (m.similarity * 100.0).round();
        format!("from {label} {outlet}: {}  ({pct}% the same words)", alteration_words(m))
    };
    let header = if phrase { style.dim(&header) } else { header };
    let _ = writeln!(out, "{number}  {header}");

    let (article_words, source_words) = marked_words(text, &m.source_text, style, phrase);
    let _ = writeln!(out, "     article  {}", wrap(&article_words, 14));
    let _ = writeln!(out, "     source   {}", wrap(&source_words, 14));
    let why = if phrase {
        let reason =
            if m.evidence.reason.is_empty() { "a shared phrase" } else { &m.evidence.reason };
        format!("why not: {reason}")
    } else {
        let mut why = format!(
            "evidence: {}",
            evidence_note(&m.evidence, "a neighbouring sentence from the same source")
        );
        if !m.co_copies.is_empty() {
            let co: Vec<String> = m.co_copies.iter().map(|c| format!("[{}]", c + 1)).collect();
            why.push_str(&format!(" · the same text is also in {}", co.join(" ")));
        }
        why
    };
    let why: Vec<Word> = why
        .split_whitespace()
        .map(|w| Word { width: w.chars().count(), printed: style.dim(w) })
        .collect();
    let _ = writeln!(out, "              {}", wrap(&why, 14));
    out
}

/// One word of a wrapped line: its width on screen and its text as printed (maybe coloured).
struct Word {
    width: usize,
    printed: String,
}

/// The article's and the source's words, the changed ones marked `{+…+}` (article) and `[-…-]`
/// (source) and coloured; `dim` prints them all dim (a phrase match).
fn marked_words(article: &str, source: &str, style: Style, dim: bool) -> (Vec<Word>, Vec<Word>) {
    let a: Vec<&str> = article.split_whitespace().collect();
    let s: Vec<&str> = source.split_whitespace().collect();
    let (a_changed, s_changed) = changed_words(&a, &s);
    let paint = |text: String, changed: bool, colour: &str| -> Word {
        let width = text.chars().count();
        let printed = if dim {
            style.dim(&text)
        } else if changed {
            style.paint(colour, &text)
        } else {
            text
        };
        Word { width, printed }
    };
    let mark = |words: &[&str], changed: &[bool], open: &str, close: &str, colour: &str| {
        let mut out = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let starts = changed[i] && (i == 0 || !changed[i - 1]);
            let ends = changed[i] && (i + 1 == words.len() || !changed[i + 1]);
            let text = format!(
                "{}{word}{}",
                if starts { open } else { "" },
                if ends { close } else { "" }
            );
            out.push(paint(text, changed[i], colour));
        }
        out
    };
    (mark(&a, &a_changed, "{+", "+}", "32;1"), mark(&s, &s_changed, "[-", "-]", "31;9"))
}

/// A word as compared: letters and digits, lower-cased ("U.S." and "us" are one word; quotes,
/// commas and full stops do not count). A word of punctuation only is compared as written.
fn word_key(word: &str) -> String {
    let key: String =
        word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    if key.is_empty() { word.to_string() } else { key }
}

/// Which words of `a` and of `b` are outside their longest common subsequence. Sentences too
/// long to compare (over a million word pairs) are left unmarked.
fn changed_words(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    if a.len().saturating_mul(b.len()) > 1_000_000 {
        return (vec![false; a.len()], vec![false; b.len()]);
    }
    let a_keys: Vec<String> = a.iter().map(|w| word_key(w)).collect();
    let b_keys: Vec<String> = b.iter().map(|w| word_key(w)).collect();
    let width = b.len() + 1;
    // lcs[i * width + j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a_keys[i] == b_keys[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut a_changed, mut b_changed) = (vec![true; a.len()], vec![true; b.len()]);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a_keys[i] == b_keys[j] {
            a_changed[i] = false;
            b_changed[j] = false;
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (a_changed, b_changed)
}

/// `words` joined by spaces and wrapped at `WRAP_WIDTH`, continuation lines indented by
/// `indent` spaces (the first line's prefix is the caller's).
fn wrap(words: &[Word], indent: usize) -> String {
    let mut out = String::new();
    let mut column = indent;
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            if column + 1 + word.width > WRAP_WIDTH {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
            } else {
                out.push(' ');
                column += 1;
            }
        }
        out.push_str(&word.printed);
        column += word.width;
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
        let out = brief(&report);
        assert!(!out.contains('\x1b'), "no colour codes in plain style");
        assert!(out.contains("[1] origin   Reuters"), "{out}");
        assert!(out.contains("spin: Russia → Russian Federation"), "{out}");
        assert!(out.contains("names Reuters (the index holds documents of this outlet)"), "{out}");
        assert!(out.contains("original      A sentence of our own"), "{out}");
        assert!(out.contains("24 shared words") || out.contains("shared words, "), "{out}");
    }

    fn brief(report: &TraceReport) -> String {
        render_with(report, Style::plain(), &RenderConfig { brief: true, verbose: true })
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

    /// A sentence sharing one stock phrase with the Syria story, and one of its own.
    fn mayor_report(title: Option<&str>) -> TraceReport {
        let text = "The mayor spoke in support of President Bashar Assad at the fair, he said. \
                    Nobody else in the small town had any opinion on the matter at all.";
        let input = TraceInput { text, title, ..TraceInput::default() };
        trace(&input, &syria_index(), &TraceConfig::default())
    }

    #[test]
    fn issue_14_a_phrase_match_is_shown_apart_and_not_counted() {
        let report = mayor_report(None);
        let out = brief(&report);
        assert!(out.starts_with("ORIGINAL"), "{out}");
        assert!(out.contains("  1  ~  phrase match  The mayor spoke"), "{out}");
        assert!(out.contains("not counted: only"), "{out}");
        assert!(out.contains("like [1] \"in support of President Bashar Assad"), "{out}");
        assert!(out.contains("[1] phrase   Reuters"), "{out}");
        assert!(out.contains("1 phrase match, not counted"), "{out}");
        assert!(!out.contains("verbatim"), "a phrase match is no copied sentence: {out}");
    }

    #[test]
    fn issue_16_full_view_of_a_phrase_match_and_a_copied_title() {
        let report = mayor_report(Some("Russia builds up its forces in Syria near Latakia"));
        let out = render(&report, Style::plain());
        let title = "\nTitle\n  T  from [1] Reuters: word for word  (100% the same words)\n";
        assert!(out.contains(title), "{out}");
        assert!(out.contains("              in the source's title\n"), "{out}");
        assert!(out.contains("the source of the title and 1 phrase match, not counted"), "{out}");
        let phrase = "  1  only a phrase like [1] Reuters: not counted as copied\n     article  \
                      {+The mayor spoke+} in support of President Bashar Assad {+at the fair, he \
                      said.+}\n     source   in support of President Bashar Assad\n              \
                      why not: only 4 shared content words";
        assert!(out.contains(phrase), "{out}");
        assert!(out.contains("  2  own words: Nobody else in the small town"), "{out}");
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
        let out = brief(&report);
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

#[cfg(test)]
mod issue_16_tests {
    use super::*;
    use unspun_core::Document;
    use unspun_core::shingle::ShingleConfig;
    use unspun_core::trace::{MemoryCandidates, TraceConfig, TraceInput, trace};

    fn spun_report() -> TraceReport {
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
        let index = MemoryCandidates::new(vec![source], &ShingleConfig::default());
        let text = "Russian Federation ramps up its military presence in Syria in support of \
                    President Bashar Assad. Officials in Washington said the deployment included \
                    fighter jets, tanks and several hundred marines at an airfield near Latakia. \
                    A sentence of our own about nothing much at all.";
        let input = TraceInput { text, ..TraceInput::default() };
        let mut report = trace(&input, &index, &TraceConfig::default());
        // A wire's date as some corpora give it: a timestamp, printed as a plain day.
        report.sources[0].date = Some("2015-09-14T17:03:00Z".to_string());
        report
    }

    fn full(report: &TraceReport, verbose: bool) -> String {
        render_with(report, Style::plain(), &RenderConfig { brief: false, verbose })
    }

    #[test]
    fn issue_16_a_spun_sentence_shows_the_source_wording_marked() {
        let out = full(&spun_report(), false);
        let sentences = &out[out.find("\nSentences\n").expect("a Sentences section")..];
        let expected = "
Sentences
Under each copied sentence, its source's wording: [-words-] the article changed or dropped, {+words+} it put in their place or added.

  1  from [1] Reuters: reworded in 1 place  (93% the same words)
     article  {+Russian Federation+} ramps up its military presence in Syria in support of President
              Bashar Assad.
     source   [-Russia-] ramps up its military presence in Syria in support of President Bashar
              Assad
              evidence: 9 shared words, 2 names, a neighbouring sentence from the same source

  2  from [1] Reuters: word for word  (100% the same words)
     article  Officials in Washington said the deployment included fighter jets, tanks and several
              hundred marines at an airfield near Latakia.
     source   Officials in Washington said the deployment included fighter jets, tanks and several
              hundred marines at an airfield near Latakia
              evidence: 13 shared words, 2 names, a neighbouring sentence from the same source

  3  own words: A sentence of our own about nothing much at all.
";
        assert_eq!(sentences, expected, "{out}");
        assert!(out.starts_with("COPY  copy of wire-1: 2 of 3 sentences"), "{out}");
        assert!(out.contains("\n  [1] Reuters  ·  2015-09-14 · \"Russia builds up"), "{out}");
        assert!(!out.contains("T17:03"), "a plain date, not a timestamp: {out}");
        assert!(!out.contains("chars "), "offsets only with --verbose: {out}");
        assert!(!out.contains('\x1b'), "{out}");
    }

    #[test]
    fn issue_16_colour_keeps_the_markers() {
        let report = spun_report();
        let out = render_with(&report, Style { enabled: true }, &RenderConfig::default());
        assert!(out.contains("\x1b[32;1m{+Russian\x1b[0m \x1b[32;1mFederation+}\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[31;9m[-Russia-]\x1b[0m"), "{out}");
    }

    #[test]
    fn issue_16_verbose_adds_offsets_to_both_views() {
        let report = spun_report();
        let out = full(&report, true);
        let offsets = "chars 0..95 of the article's body · chars 0..83 of the source's text";
        assert!(out.contains(offsets), "{out}");
        let brief =
            |verbose| render_with(&report, Style::plain(), &RenderConfig { brief: true, verbose });
        assert!(brief(true).contains("source text chars 0..83"), "{}", brief(true));
        assert!(!brief(false).contains("chars 0..83"), "{}", brief(false));
    }

    #[test]
    fn issue_16_brief_is_the_compact_view() {
        let out = render_with(
            &spun_report(),
            Style::plain(),
            &RenderConfig { brief: true, verbose: false },
        );
        assert!(out.starts_with("COPY  copy of wire-1"), "{out}");
        assert!(out.contains("\n3 sentences, 275 chars\n"), "{out}");
        assert!(out.contains("[1] origin   Reuters · 2015-09-14 · \"Russia builds up"), "{out}");
        assert!(out.contains("  1 [1] spun      0.93  Russian Federation ramps up"), "{out}");
        assert!(out.contains("spin: Russia → Russian Federation  ·  9 shared words"), "{out}");
        assert!(out.contains("  3  —  original      A sentence of our own"), "{out}");
        assert!(!out.contains("[-"), "no source wording in the compact view: {out}");
    }

    #[test]
    fn issue_16_plain_dates_and_changed_words() {
        assert_eq!(plain_date("2016-09-20T14:03:00Z"), "2016-09-20");
        assert_eq!(plain_date("2016-09-20"), "2016-09-20");
        assert_eq!(plain_date("Sept. 2016"), "Sept. 2016");
        let (a, b) =
            changed_words(&["The", "U.S.", "army", "left."], &["the", "US", "troops", "left"]);
        assert_eq!((a, b), (vec![false, false, true, false], vec![false, false, true, false]));
        assert_eq!(plural(1, "sentence", "sentences"), "1 sentence");
    }
}

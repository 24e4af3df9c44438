//! Date hygiene for corpus records: user-given formats (`--date-format %d/%m/%Y`) and the
//! plausible window (`--date-window 1800-01-01..2030-01-01`).
//!
//! A date that cannot be read, or that falls outside the window, does not cost the record:
//! the document is kept undated and a [`RecordWarning`](super::RecordWarning) says why. A year-1
//! or year-2050 date would otherwise become the corpus's date range and the "origin" of
//! everything (#12).
//!
//! Formats are a small strftime subset, parsed here and handed to
//! [`unspun_core::date::parse_date`] as ISO 8601, so the calendar checks live in one place.

use std::time::{SystemTime, UNIX_EPOCH};

use unspun_core::Timestamp;
use unspun_core::date::{format_date, parse_date};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// How dates of records are read and which are plausible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateConfig {
    /// Formats tried in order before the built-in forms of [`parse_date`] (a strftime subset:
    /// `%Y %y %m %d %e %b %B %h %H %I %M %S %p %f %z %Z %a %A %%`; a space matches any run of
    /// white space, other characters match themselves).
    pub formats: Vec<String>,
    /// Earliest plausible date (inclusive). Default 1800-01-01.
    pub earliest: Timestamp,
    /// Latest plausible date (inclusive). Default: a day after the reader's configuration was
    /// made.
    pub latest: Timestamp,
}

impl Default for DateConfig {
    fn default() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX));
        DateConfig {
            formats: Vec::new(),
            earliest: parse_date("1800-01-01").expect("a valid constant date"),
            latest: Timestamp(now.saturating_add(DAY)),
        }
    }
}

/// What reading one date gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateOutcome {
    /// A plausible date.
    Dated(Timestamp),
    /// No format reads it.
    Unparseable,
    /// Read, but outside the window.
    OutOfWindow(Timestamp),
}

impl DateConfig {
    /// Reads `raw` with the configured formats, then the built-in ones, and checks the window.
    pub(crate) fn read(&self, raw: &str) -> DateOutcome {
        let parsed = self
            .formats
            .iter()
            .find_map(|format| parse_with_format(raw, format))
            .or_else(|| parse_date(raw));
        match parsed {
            None => DateOutcome::Unparseable,
            Some(date) if date < self.earliest || date > self.latest => {
                DateOutcome::OutOfWindow(date)
            }
            Some(date) => DateOutcome::Dated(date),
        }
    }

    /// The window as `FROM..TO`, for messages.
    pub(crate) fn window(&self) -> String {
        format!("{}..{}", format_date(self.earliest), format_date(self.latest))
    }
}

/// Parses `FROM..TO` (each a date [`parse_date`] reads; either side may be empty to keep the
/// default) into a window.
pub fn parse_window(raw: &str) -> Result<(Option<Timestamp>, Option<Timestamp>), String> {
    let (from, to) = raw
        .split_once("..")
        .ok_or_else(|| format!("expected FROM..TO (e.g. 1990-01-01..2021-01-01), got {raw:?}"))?;
    let side = |text: &str| -> Result<Option<Timestamp>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        parse_date(text).map(Some).ok_or_else(|| format!("cannot read the date {text:?}"))
    };
    let (from, to) = (side(from)?, side(to)?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(format!("the window {raw:?} ends before it starts"));
    }
    Ok((from, to))
}

/// Checks a strftime-like format once, so that a typo fails on the command line rather than
/// leaving every date unread. Returns the first unknown directive.
pub fn check_format(format: &str) -> Result<(), String> {
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some(
                    'Y' | 'y' | 'm' | 'd' | 'e' | 'b' | 'B' | 'h' | 'H' | 'I' | 'M' | 'S' | 'p'
                    | 'f' | 'z' | 'Z' | 'a' | 'A' | '%',
                ) => {}
                Some(other) => return Err(format!("unknown directive %{other} in {format:?}")),
                None => return Err(format!("a lone % at the end of {format:?}")),
            }
        }
    }
    Ok(())
}

/// Fields gathered while matching a format.
#[derive(Default)]
struct Fields {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    hour: i64,
    minute: i64,
    second: i64,
    pm: Option<bool>,
    zone: Option<String>,
}

/// Reads `input` against the whole of `format`; `None` unless every character matches.
fn parse_with_format(input: &str, format: &str) -> Option<Timestamp> {
    let input = input.trim();
    let mut rest = input;
    let mut fields = Fields::default();
    let mut spec = format.chars().peekable();
    while let Some(c) = spec.next() {
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if c != '%' {
            rest = rest.strip_prefix(c)?;
            continue;
        }
        match spec.next()? {
            'Y' => fields.year = Some(number(&mut rest, 4, 4)?),
            'y' => {
                // POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068.
                let year = number(&mut rest, 2, 2)?;
                fields.year = Some(if year >= 69 { 1900 + year } else { 2000 + year });
            }
            'm' => fields.month = Some(number(&mut rest, 1, 2)?),
            'd' | 'e' => {
                rest = rest.trim_start();
                fields.day = Some(number(&mut rest, 1, 2)?);
            }
            'b' | 'B' | 'h' => {
                let word = letters(&mut rest);
                fields.month = Some(unspun_core::date::month_number(word)?);
            }
            'a' | 'A' => {
                if letters(&mut rest).is_empty() {
                    return None;
                }
            }
            'H' | 'I' => fields.hour = number(&mut rest, 1, 2)?,
            'M' => fields.minute = number(&mut rest, 2, 2)?,
            'S' => fields.second = number(&mut rest, 2, 2)?,
            'f' => {
                number(&mut rest, 1, 9)?;
            }
            'p' => {
                let word = letters(&mut rest).to_ascii_lowercase();
                fields.pm = Some(match word.as_str() {
                    "am" => false,
                    "pm" => true,
                    _ => return None,
                });
            }
            'z' | 'Z' => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | ':')))
                    .unwrap_or(rest.len());
                if end == 0 {
                    return None;
                }
                fields.zone = Some(rest[..end].to_owned());
                rest = &rest[end..];
            }
            '%' => rest = rest.strip_prefix('%')?,
            _ => return None,
        }
    }
    if !rest.is_empty() {
        return None;
    }
    let mut hour = fields.hour;
    match fields.pm {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) if hour != 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let zone = fields.zone.unwrap_or_else(|| "Z".to_owned());
    let iso = format!(
        "{:04}-{:02}-{:02}T{hour:02}:{:02}:{:02}{zone}",
        fields.year?,
        fields.month.unwrap_or(1),
        fields.day.unwrap_or(1),
        fields.minute,
        fields.second,
    );
    parse_date(&iso)
}

/// Takes `min..=max` ASCII digits from the front of `rest`.
fn number(rest: &mut &str, min: usize, max: usize) -> Option<i64> {
    let n_digits = rest.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n_digits < min {
        return None;
    }
    let value = rest[..n_digits].parse().ok()?;
    *rest = &rest[n_digits..];
    Some(value)
}

/// Takes the ASCII letters (and a trailing `.`, as in `Sept.`) from the front of `rest`.
fn letters<'a>(rest: &mut &'a str) -> &'a str {
    let n_letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &rest[..n_letters];
    *rest = &rest[n_letters..];
    if let Some(after) = rest.strip_prefix('.') {
        *rest = after;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, format: &str, expect: Option<&str>) {
        let got = parse_with_format(input, format).map(format_date);
        assert_eq!(got.as_deref(), expect, "{input:?} as {format:?}");
    }

    #[test]
    fn formats() {
        check("31/12/2017", "%d/%m/%Y", Some("2017-12-31"));
        check(" 1/2/2017 ", "%d/%m/%Y", Some("2017-02-01"));
        check("12/31/2017", "%d/%m/%Y", None);
        check("31/12/17", "%d/%m/%y", Some("2017-12-31"));
        check("31/12/87", "%d/%m/%y", Some("1987-12-31"));
        check("26-FEB-1987 15:01:01.79", "%d-%b-%Y %H:%M:%S.%f", Some("1987-02-26T15:01:01Z"));
        check("Sept. 3, 2019", "%b %d, %Y", Some("2019-09-03"));
        check("Tuesday 3 September 2019", "%A %d %B %Y", Some("2019-09-03"));
        check("3 September 2019 5:07 pm", "%d %B %Y %I:%M %p", Some("2019-09-03T17:07:00Z"));
        check("12:30 AM 1/1/2020", "%I:%M %p %d/%m/%Y", Some("2020-01-01T00:30:00Z"));
        check("2019-09-03 10:00 +0200", "%Y-%m-%d %H:%M %z", Some("2019-09-03T08:00:00Z"));
        check("2019.09", "%Y.%m", Some("2019-09-01"));
        check("31/12/2017 trailing", "%d/%m/%Y", None);
        check("29/02/2019", "%d/%m/%Y", None);
        check("100%", "%Y%%", None);
    }

    #[test]
    fn window_and_fallback() {
        let config = DateConfig {
            formats: vec!["%d/%m/%Y".to_owned()],
            earliest: parse_date("1800-01-01").expect("date"),
            latest: parse_date("2030-01-01").expect("date"),
        };
        let dated = |raw| match config.read(raw) {
            DateOutcome::Dated(date) => format_date(date),
            DateOutcome::Unparseable => "unparseable".to_owned(),
            DateOutcome::OutOfWindow(date) => format!("out {}", format_date(date)),
        };
        assert_eq!(dated("31/12/2017"), "2017-12-31");
        assert_eq!(dated("2017-12-31"), "2017-12-31", "the built-in forms still apply");
        assert_eq!(dated("0001-11-30"), "out 0001-11-30");
        assert_eq!(dated("2050-09-30"), "out 2050-09-30");
        assert_eq!(dated("32/13/2020"), "unparseable");
        assert_eq!(config.window(), "1800-01-01..2030-01-01");
    }

    #[test]
    fn windows_and_format_checks() {
        let ts = |raw| parse_date(raw).expect("date");
        assert_eq!(
            parse_window("1990-01-01..2021-01-01"),
            Ok((Some(ts("1990")), Some(ts("2021"))))
        );
        assert_eq!(parse_window("..2021"), Ok((None, Some(ts("2021")))));
        assert!(parse_window("2021").is_err());
        assert!(parse_window("2021..1990").expect_err("reversed").contains("ends before"));
        assert!(parse_window("x..").is_err());
        assert_eq!(check_format("%d/%m/%Y %H:%M"), Ok(()));
        assert!(check_format("%d/%q").is_err());
        assert!(check_format("%Y%").is_err());
    }
}

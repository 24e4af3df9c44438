//! Parsing and formatting of publication dates ([`Timestamp`]).

use crate::Timestamp;

/// Parses an ISO 8601 date or date-time into a [`Timestamp`]; `None` when it cannot be parsed.
pub fn parse_date(input: &str) -> Option<Timestamp> {
    let _ = input;
    None
}

/// Formats a timestamp as `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` when it has a time of day.
pub fn format_date(ts: Timestamp) -> String {
    format!("{}", ts.0)
}

//! Writing results to stdout: JSON for machines, text for people.

use std::io::Write;

use anyhow::Context;

/// Prints `value` as pretty JSON followed by a newline.
///
/// The JSON is built first and then written, so that a closed pipe surfaces as the
/// `io::Error` that `main` recognises (serde_json's writer errors hide it).
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut json = serde_json::to_string_pretty(value).context("encoding JSON")?;
    json.push('\n');
    print_text(&json)
}

/// Prints text as it is.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")
}

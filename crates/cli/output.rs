//! Writing results to stdout: JSON for machines, text for people.

use std::io::Write;

use anyhow::Context;

/// Prints `value` as pretty JSON followed by a newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value).context("writing JSON to stdout")?;
    writeln!(stdout).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")
}

/// Prints text as it is.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")
}

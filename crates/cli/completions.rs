//! `unspun completions SHELL` (clap_complete) and `unspun man` (clap_mangen): both print to
//! stdout what they generate from the command line's definition, so they never go stale.

use std::process::ExitCode;

use anyhow::Context;
use clap_complete::Shell;

use crate::output::print_text;

/// Flags of `unspun completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Prints the completion script for `args.shell`.
pub fn run_completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = crate::cli_command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "unspun", &mut script);
    let script = String::from_utf8(script).context("the completion script is not UTF-8")?;
    print_text(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page, unspun(1), in troff.
pub fn run_man() -> anyhow::Result<ExitCode> {
    let command = crate::cli_command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page).context("rendering the man page")?;
    let page = String::from_utf8(page).context("the man page is not UTF-8")?;
    print_text(&page)?;
    Ok(ExitCode::SUCCESS)
}

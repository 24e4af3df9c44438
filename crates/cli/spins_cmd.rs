//! `unspun spins`: the learned spin dictionary of an indexed corpus — substitutions that recur
//! in aligned copies, with the outlets that make them. It is mined by the corpus run of
//! `unspun cluster` (run or resumed here, in `--out`), so both commands share their work.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use unspun_core::cluster::spins::Spin;

use crate::corpus_job::{ClusterArgs, run_job};
use crate::output::{print_json, print_text};

/// Runs `unspun spins`.
pub fn run(args: ClusterArgs) -> anyhow::Result<ExitCode> {
    run_job(&args)?;
    let path = args.out.join("spins.jsonl");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let spins: Vec<Spin> = text
        .lines()
        .enumerate()
        .map(|(idx, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a spin entry", path.display(), idx + 1))
        })
        .collect::<anyhow::Result<_>>()?;
    if args.json {
        print_json(&spins)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} recurring substitutions in {} (showing {})",
        spins.len(),
        path.display(),
        spins.len().min(args.top)
    );
    let _ = writeln!(
        out,
        "  {:>6} {:>6} {:>7}  {:<44} outlets",
        "times", "docs", "outlets", "from → to"
    );
    for spin in spins.iter().take(args.top) {
        let pair: String = format!("{} → {}", spin.from, spin.to).chars().take(44).collect();
        let outlets: Vec<String> =
            spin.outlets.iter().take(3).map(|o| format!("{} ({})", o.outlet, o.n)).collect();
        let _ = writeln!(
            out,
            "  {:>6} {:>6} {:>7}  {pair:<44} {}",
            spin.n,
            spin.n_docs,
            spin.n_outlets,
            outlets.join(", ")
        );
    }
    print_text(&out)?;
    Ok(ExitCode::SUCCESS)
}

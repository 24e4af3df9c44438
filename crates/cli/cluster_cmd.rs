//! `unspun cluster`: corpus-wide reuse over everything indexed — document clusters, passage
//! clusters, the copy graph and the publisher report — as restartable stages in `--out`.

use std::fmt::Write as _;
use std::process::ExitCode;

use unspun_core::cluster::graph::Publisher;
use unspun_corpus::ClusterSummary;

use crate::corpus_job::{ClusterArgs, run_job};
use crate::output::{print_json, print_text};

/// Runs `unspun cluster`.
pub fn run(args: ClusterArgs) -> anyhow::Result<ExitCode> {
    let summary = run_job(&args)?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_text(&render(&summary, args.top, args.min_docs))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn top_outlets(list: &[unspun_core::cluster::graph::OutletShare]) -> String {
    if list.is_empty() {
        return "-".to_owned();
    }
    list.iter()
        .take(2)
        .map(|o| format!("{} ({})", o.outlet, o.n_links))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The terminal report: counts, then the publisher table.
fn render(summary: &ClusterSummary, top: usize, min_docs: usize) -> String {
    let mut out = String::new();
    if let Some(input) = &summary.input {
        let _ = writeln!(
            out,
            "input          {} documents from {} files ({} records; {} bad skipped, {} duplicate ids skipped)",
            input.n_docs,
            input.files.len(),
            input.n_records,
            input.n_skipped,
            input.n_duplicate
        );
        for (reason, n) in &input.skipped_by_reason {
            let _ = writeln!(out, "  skipped {n:>8}  {reason}");
        }
        for bad in input.bad_records.iter().take(5) {
            let _ = writeln!(out, "  {bad}");
        }
        if input.n_skipped > 5 {
            let _ =
                writeln!(out, "  ... (summary.json lists the first {})", input.bad_records.len());
        }
    }
    let _ =
        writeln!(out, "run            {} documents of {}", summary.n_docs, summary.n_index_docs);
    let _ = writeln!(
        out,
        "boilerplate    {} sentences ({} within one outlet)",
        summary.n_boilerplate, summary.n_boilerplate_outlet
    );
    let kinds: Vec<String> =
        summary.reuse.links_by_kind.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
    let _ = writeln!(
        out,
        "links          {} ({} strong): {}",
        summary.reuse.n_links,
        summary.reuse.n_strong_links,
        if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") }
    );
    let verdicts: Vec<String> =
        summary.reuse.verdicts.iter().map(|(v, n)| format!("{n} {v}")).collect();
    let _ = writeln!(out, "verdicts       {}", verdicts.join(", "));
    let _ = writeln!(
        out,
        "doc clusters   {} ({} documents)",
        summary.reuse.n_doc_clusters, summary.reuse.n_clustered_docs
    );
    let _ = writeln!(
        out,
        "passage clust. {} ({} more left out as outlet boilerplate)",
        summary.reuse.n_passage_clusters, summary.reuse.n_boilerplate_passages
    );
    let _ = writeln!(out, "outlet edges   {}", summary.reuse.n_outlet_edges);
    let _ = writeln!(
        out,
        "spins          {} recurring substitutions (spins.jsonl)",
        summary.reuse.n_spins
    );
    let _ = writeln!(out, "output         {}", summary.out_dir.display());
    let shown: Vec<&Publisher> =
        summary.publishers.iter().filter(|p| p.n_docs >= min_docs).take(top).collect();
    if shown.is_empty() {
        return out;
    }
    let width = shown.iter().map(|p| p.outlet.chars().count()).max().unwrap_or(6).clamp(6, 32);
    let _ = writeln!(
        out,
        "\npublishers (most reused text first; {} with fewer than {min_docs} documents not shown)",
        summary.publishers.iter().filter(|p| p.n_docs < min_docs).count()
    );
    let _ = writeln!(
        out,
        "  {:<width$} {:>6} {:>7} {:>7} {:>7} {:>6}  {:<30} taken by",
        "outlet", "docs", "republ.", "reused", "self", "lag d", "takes from"
    );
    for p in shown {
        let name: String = p.outlet.chars().take(width).collect();
        let lag = p.median_lag_days.map_or("-".to_owned(), |d| format!("{d:.1}"));
        let _ = writeln!(
            out,
            "  {name:<width$} {:>6} {:>7} {:>7} {:>7} {lag:>6}  {:<30} {}",
            p.n_docs,
            percent(p.republished_share),
            percent(p.reused_text_share),
            percent(p.self_reuse_share),
            top_outlets(&p.top_sources),
            top_outlets(&p.top_copiers),
        );
    }
    out
}

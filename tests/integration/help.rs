//! `--help`, `--version` and argument errors.

use crate::util::TestDir;

#[test]
fn issue_2_help_for_every_subcommand() {
    let dir = TestDir::new();
    let top = dir.cmd().arg("--help").stdout();
    for sub in ["index", "trace", "stats", "demo", "eval"] {
        assert!(top.contains(sub), "{sub} in\n{top}");
        let help = dir.cmd().args([sub, "--help"]).stdout();
        assert!(help.contains(&format!("Usage: unspun {sub}")), "{help}");
    }
    let index_help = dir.cmd().args(["index", "--help"]).stdout();
    for flag in ["--id-field", "--text-field", "--replace", "--strict", "--json"] {
        assert!(index_help.contains(flag), "{flag} in\n{index_help}");
    }
    let version = dir.cmd().arg("--version").stdout();
    assert!(version.starts_with("unspun "), "{version}");
}

#[test]
fn issue_2_usage_errors_exit_2() {
    let dir = TestDir::new();
    let stderr = dir.cmd().output();
    assert_eq!(stderr.code, 2, "no subcommand: {stderr:?}");
    let stderr = dir.cmd().args(["index", "--index", "idx"]).fails_with(2);
    assert!(stderr.contains("CORPUS"), "{stderr}");
    let stderr = dir.cmd().args(["index", "--index", "i", "--format", "xml", "c"]).fails_with(2);
    assert!(stderr.contains("xml"), "{stderr}");
    let stderr = dir.cmd().args(["trace", "q.txt"]).fails_with(2);
    assert!(stderr.contains("--index"), "{stderr}");
}

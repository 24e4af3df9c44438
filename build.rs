//! Sets `UNSPUN_LONG_VERSION` for `unspun --version`: the package version, the git commit it
//! was built from and the enabled features, e.g. `0.1.0 (commit 1a2b3c4, features: semantic)`.
//!
//! The commit comes from `UNSPUN_GIT_COMMIT` when set (for packagers), else from
//! `git rev-parse --short HEAD`; outside a git checkout (a source tarball) or without git it
//! is `unknown`, never a build failure.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=UNSPUN_GIT_COMMIT");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let commit = std::env::var("UNSPUN_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git_commit(Path::new(&manifest_dir)))
        .unwrap_or_else(|| "unknown".to_string());
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(key, _)| key.strip_prefix("CARGO_FEATURE_").map(str::to_string))
        .map(|name| name.to_lowercase().replace('_', "-"))
        .collect();
    features.sort();
    let features = if features.is_empty() { "none".to_string() } else { features.join(",") };
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!(
        "cargo:rustc-env=UNSPUN_LONG_VERSION={version} (commit {commit}, features: {features})"
    );
}

/// The short commit of HEAD, watching the files that change when HEAD moves; `None` without
/// git or a repository.
fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).current_dir(dir).output().ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (!text.is_empty()).then_some(text)
    };
    let git_dir = dir.join(git(&["rev-parse", "--git-dir"])?);
    let head = git_dir.join("HEAD");
    println!("cargo:rerun-if-changed={}", head.display());
    if let Ok(head_text) = std::fs::read_to_string(&head)
        && let Some(reference) = head_text.trim().strip_prefix("ref: ")
    {
        let ref_file = git_dir.join(reference);
        if ref_file.exists() {
            println!("cargo:rerun-if-changed={}", ref_file.display());
        }
        let packed = git_dir.join("packed-refs");
        if packed.exists() {
            println!("cargo:rerun-if-changed={}", packed.display());
        }
    }
    git(&["rev-parse", "--short", "HEAD"])
}

//! Damaged and foreign index directories: clear errors, exit 2, never a panic.

use crate::hay;
use crate::util::TestDir;

/// A directory with the `NEWS` corpus indexed as `idx` and an article to trace.
fn indexed() -> TestDir {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    dir.index("idx", &["news.jsonl"]);
    dir.create("q.txt", hay::SENATE_PARAGRAPH);
    dir
}

/// The index's files whose names end in `suffix`.
fn files_ending(dir: &TestDir, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("idx"))
        .expect("index dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

fn flip_byte(path: &std::path::Path, at: impl Fn(usize) -> usize) {
    let mut bytes = std::fs::read(path).expect("read segment");
    let i = at(bytes.len());
    bytes[i] ^= 0x5a;
    std::fs::write(path, bytes).expect("write segment");
}

#[test]
fn issue_2_damaged_segment_files_are_reported() {
    for (suffix, position) in [
        (".docs", (|n| n / 2) as fn(usize) -> usize),
        (".post", |n| n / 3),
        (".docs", |n| n - 1), // the checksum itself
        (".post", |_| 9),     // the version field
    ] {
        let dir = indexed();
        let files = files_ending(&dir, suffix);
        assert!(!files.is_empty(), "the index has {suffix} files");
        flip_byte(&files[0], position);
        let stderr = dir.cmd().args(["stats", "--index", "idx"]).fails_with(2);
        assert!(stderr.contains("damaged"), "{suffix}: {stderr}");
        let name = files[0].file_name().expect("name").to_string_lossy().into_owned();
        assert!(stderr.contains(&name), "names the file: {stderr}");
        let stderr = dir.cmd().args(["trace", "--index", "idx", "q.txt"]).fails_with(2);
        assert!(stderr.contains("damaged"), "{suffix}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn issue_2_truncated_or_missing_segment_is_reported() {
    let dir = indexed();
    let post = &files_ending(&dir, ".post")[0];
    let len = std::fs::metadata(post).expect("meta").len();
    std::fs::File::options()
        .write(true)
        .open(post)
        .and_then(|f| f.set_len(len / 2))
        .expect("truncate");
    let stderr = dir.cmd().args(["stats", "--index", "idx"]).fails_with(2);
    assert!(stderr.contains("damaged") || stderr.contains(".post"), "{stderr}");

    let dir = indexed();
    std::fs::remove_file(&files_ending(&dir, ".docs")[0]).expect("remove");
    let stderr = dir.cmd().args(["stats", "--index", "idx"]).fails_with(2);
    assert!(stderr.contains(".docs"), "names the missing file: {stderr}");
}

#[test]
fn issue_2_damaged_manifest_is_reported() {
    let dir = indexed();
    flip_byte(&dir.join("idx/MANIFEST"), |n| n / 2);
    let stderr = dir.cmd().args(["stats", "--index", "idx"]).fails_with(2);
    assert!(stderr.contains("damaged"), "{stderr}");
    assert!(stderr.contains("MANIFEST"), "{stderr}");
}

#[test]
fn issue_2_foreign_and_empty_directories_are_not_indexes() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("foreign")).expect("mkdir");
    dir.create("foreign/MANIFEST", "Manifest-Version: 1.0\nCreated-By: someone else\n");
    std::fs::create_dir(dir.join("empty")).expect("mkdir");
    dir.create("q.txt", hay::SENATE_PARAGRAPH);
    for index in ["foreign", "empty", "does-not-exist"] {
        for args in [vec!["stats", "--index", index], vec!["trace", "--index", index, "q.txt"]] {
            let stderr = dir.cmd().args(&args).fails_with(2);
            assert!(stderr.contains("is not an unspun index"), "{args:?}: {stderr}");
            assert!(stderr.contains(index), "{args:?}: {stderr}");
        }
    }
    // Indexing into a directory with a foreign MANIFEST refuses rather than overwrites it.
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    let stderr = dir.cmd().args(["index", "-q", "--index", "foreign", "news.jsonl"]).fails_with(2);
    assert!(stderr.contains("is not an unspun index"), "{stderr}");
    let manifest = std::fs::read_to_string(dir.join("foreign/MANIFEST")).expect("still there");
    assert!(manifest.starts_with("Manifest-Version"), "{manifest}");
}

/// Every file in `dir`, sorted, with its bytes.
fn snapshot_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("dir entry").path())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn issue_13_lost_manifest_is_refused_and_nothing_is_deleted() {
    let dir = indexed();
    std::fs::remove_file(dir.join("idx/MANIFEST")).expect("remove MANIFEST");
    let before = snapshot_files(&dir.join("idx"));
    dir.create("more.jsonl", hay::jsonl(&[hay::AP_STORM]));
    let stderr = dir.cmd().args(["index", "--index", "idx", "more.jsonl"]).fails_with(2);
    assert!(stderr.contains("no MANIFEST") && stderr.contains("damaged"), "{stderr}");
    assert!(stderr.contains("seg-"), "names the files it found: {stderr}");
    assert_eq!(snapshot_files(&dir.join("idx")), before, "every file is kept, byte for byte");
}

#[test]
fn issue_13_a_folder_that_is_not_an_index_is_refused_untouched() {
    let dir = TestDir::new();
    dir.create("news.jsonl", hay::jsonl(&hay::NEWS));
    std::fs::create_dir(dir.join("mine")).expect("mkdir");
    // Files a user may have, two of them with names like the index's own.
    std::fs::write(dir.join("mine/notes.tmp"), "draft").expect("write");
    std::fs::write(dir.join("mine/seg-1.docs"), "my documents").expect("write");
    std::fs::write(dir.join("mine/README.txt"), "hello").expect("write");
    let before = snapshot_files(&dir.join("mine"));
    let stderr = dir.cmd().args(["index", "--index", "mine", "news.jsonl"]).fails_with(2);
    assert!(stderr.contains("not empty and holds no unspun index"), "{stderr}");
    assert_eq!(snapshot_files(&dir.join("mine")), before, "nothing created or deleted");
}

#[test]
fn issue_13_a_valid_index_keeps_foreign_files() {
    let dir = indexed();
    std::fs::write(dir.join("idx/notes.tmp"), "mine").expect("write");
    std::fs::write(dir.join("idx/seg-x.docs"), "mine too").expect("write");
    dir.create("more.jsonl", hay::jsonl(&[hay::AP_STORM]));
    dir.index("idx", &["more.jsonl"]);
    assert_eq!(std::fs::read(dir.join("idx/notes.tmp")).expect("kept"), b"mine");
    assert_eq!(std::fs::read(dir.join("idx/seg-x.docs")).expect("kept"), b"mine too");
}

#[test]
fn issue_13_verify_reports_health_and_what_is_recoverable() {
    let dir = indexed();
    let report = dir.cmd().args(["verify", "--index", "idx", "--json"]).json();
    assert_eq!(report["healthy"], true, "{report:#}");
    assert_eq!(report["n_docs_recoverable"], hay::NEWS.len() as u64);

    std::fs::remove_file(dir.join("idx/MANIFEST")).expect("remove MANIFEST");
    let output = dir.cmd().args(["verify", "--index", "idx", "--json"]).output();
    assert_eq!(output.code, 1, "damaged → exit 1");
    let report: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON");
    assert_eq!(report["manifest"], "missing");
    assert_eq!(report["n_docs_recoverable"], hay::NEWS.len() as u64, "{report:#}");

    flip_byte(&files_ending(&dir, ".docs")[0], |n| n / 2);
    let output = dir.cmd().args(["verify", "--index", "idx"]).output();
    let text = &output.stdout;
    assert!(text.contains("damaged") && text.contains("recoverable  0 documents"), "{text}");
}

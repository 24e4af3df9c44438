//! The files behind the paths given to `unspun index`: files as they are, folders walked
//! recursively (sorted, hidden entries skipped, symbolic links to folders not followed),
//! keeping the files a `--glob` pattern matches or, without one, the files whose names say
//! they are corpora or documents. A document file found in a folder takes its path relative
//! to that folder as its id.

use std::io;
use std::path::{Path, PathBuf};

/// One file to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusInput {
    /// The file.
    pub path: PathBuf,
    /// The id of its document when it is one HTML or text document (the path relative to the
    /// folder it was found in, with `/`); `None` for a file given directly (its path as given
    /// is the id).
    pub doc_id: Option<String>,
}

/// File name endings read from folders when no `--glob` is given (each also with `.gz`,
/// `.zst`, `.bz2` or `.xz`).
pub const FOLDER_EXTENSIONS: [&str; 13] = [
    "jsonl", "ndjson", "json", "csv", "tsv", "html", "htm", "xhtml", "txt", "text", "md", "warc",
    "parquet",
];

/// Most files one folder argument may expand to.
pub const MAX_FOLDER_FILES: usize = 1_000_000;

/// Expands `paths`: files stay as given; folders become the files under them that `glob`
/// matches (matched against the path relative to the folder, or against the file name when
/// the pattern has no `/`) or, without a pattern, the files with a [`FOLDER_EXTENSIONS`]
/// ending. A folder with no such file is an error naming it.
pub fn expand_inputs(paths: &[PathBuf], glob: Option<&str>) -> io::Result<Vec<CorpusInput>> {
    let mut inputs = Vec::new();
    for path in paths {
        if !path.is_dir() {
            inputs.push(CorpusInput { path: path.clone(), doc_id: None });
            continue;
        }
        let before = inputs.len();
        walk(path, path, glob, &mut inputs)?;
        if inputs.len() == before {
            let what = match glob {
                Some(glob) => format!("matching --glob {glob:?}"),
                None => format!("with a known ending (.{})", FOLDER_EXTENSIONS.join(", .")),
            };
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no files {what}", path.display()),
            ));
        }
    }
    Ok(inputs)
}

fn walk(
    root: &Path,
    dir: &Path,
    glob: Option<&str>,
    inputs: &mut Vec<CorpusInput>,
) -> io::Result<()> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(root, &path, glob, inputs)?;
            continue;
        }
        // A symbolic link counts when it points to a file.
        if !(file_type.is_file() || (file_type.is_symlink() && path.is_file())) {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let keep = match glob {
            Some(pattern) if pattern.contains('/') => glob_match(pattern, &relative),
            Some(pattern) => glob_match(pattern, name),
            None => has_known_ending(name),
        };
        if keep {
            if inputs.len() >= MAX_FOLDER_FILES {
                return Err(io::Error::other(format!(
                    "{}: more than {MAX_FOLDER_FILES} files; index it in parts",
                    root.display()
                )));
            }
            inputs.push(CorpusInput { path, doc_id: Some(relative) });
        }
    }
    Ok(())
}

fn has_known_ending(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let name = [".gz", ".zst", ".zstd", ".bz2", ".xz"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(&name);
    name.rsplit_once('.').is_some_and(|(_, extension)| FOLDER_EXTENSIONS.contains(&extension))
}

/// Shell-style matching: `*` any run without `/`, `**` any run, `?` one character other than
/// `/`, `{a,b}` either; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if let Some(open) = pattern.find('{')
        && let Some(close) = pattern[open..].find('}').map(|offset| open + offset)
    {
        let (head, options, tail) =
            (&pattern[..open], &pattern[open + 1..close], &pattern[close + 1..]);
        return options.split(',').any(|option| glob_match(&format!("{head}{option}{tail}"), text));
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    matches(&pattern, &text)
}

fn matches(pattern: &[char], text: &[char]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some('*') if pattern.get(1) == Some(&'*') => {
            // `**/` also matches no folder at all.
            let rest = &pattern[2..];
            let rest_after_slash = rest.strip_prefix(&['/']).unwrap_or(rest);
            (0..=text.len()).any(|skip| {
                matches(rest, &text[skip..]) || matches(rest_after_slash, &text[skip..])
            })
        }
        Some('*') => {
            let rest = &pattern[1..];
            for skip in 0..=text.len() {
                if matches(rest, &text[skip..]) {
                    return true;
                }
                if text.get(skip) == Some(&'/') {
                    return false;
                }
            }
            false
        }
        Some('?') => text.first().is_some_and(|&c| c != '/') && matches(&pattern[1..], &text[1..]),
        Some(&c) => text.first() == Some(&c) && matches(&pattern[1..], &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (pattern, text, expect) in [
            ("*.html", "a.html", true),
            ("*.html", "a.htm", false),
            ("*.{html,htm}", "a.htm", true),
            ("*", "a/b", false),
            ("**/*.txt", "a.txt", true),
            ("**/*.txt", "x/y/a.txt", true),
            ("news/*.txt", "news/a.txt", true),
            ("news/*.txt", "news/x/a.txt", false),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
        ] {
            assert_eq!(glob_match(pattern, text), expect, "{pattern} {text}");
        }
    }

    #[test]
    fn folders() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("pages");
        std::fs::create_dir_all(root.join("b/c")).expect("dirs");
        std::fs::create_dir_all(root.join(".git")).expect("dirs");
        for name in
            ["a.html", "b/c/d.txt", "b/e.jsonl.gz", "notes.pdf", ".hidden.txt", ".git/x.txt"]
        {
            std::fs::write(root.join(name), "x").expect("file");
        }
        let ids = |glob| -> Vec<Option<String>> {
            expand_inputs(std::slice::from_ref(&root), glob)
                .expect("expands")
                .into_iter()
                .map(|input| input.doc_id)
                .collect()
        };
        let some = |id: &str| Some(id.to_owned());
        assert_eq!(ids(None), [some("a.html"), some("b/c/d.txt"), some("b/e.jsonl.gz")]);
        assert_eq!(ids(Some("*.txt")), [some("b/c/d.txt")]);
        assert_eq!(ids(Some("b/*")), [some("b/e.jsonl.gz")]);
        let error = expand_inputs(std::slice::from_ref(&root), Some("*.xml")).expect_err("none");
        assert!(error.to_string().contains("no files matching --glob \"*.xml\""), "{error}");
        let file = root.join("a.html");
        assert_eq!(
            expand_inputs(std::slice::from_ref(&file), None).expect("file"),
            [CorpusInput { path: file.clone(), doc_id: None }]
        );
    }
}

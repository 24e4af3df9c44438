//! Running the real `unspun` binary in a temporary directory (after ripgrep's tests/util.rs).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The `unspun` binary cargo built for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_unspun");

/// A temporary directory that `unspun` runs in; removed when dropped.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    /// A new empty directory.
    pub fn new() -> TestDir {
        let dir = tempfile::Builder::new()
            .prefix("unspun-itest-")
            .tempdir()
            .expect("a temporary directory can be created");
        TestDir { dir }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `contents` to `name` and returns its path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).expect("a fixture file can be written");
        path
    }

    /// Writes `contents` gzip-compressed to `name` and returns its path.
    pub fn create_gz(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        let file = std::fs::File::create(&path).expect("a fixture file can be created");
        let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        encoder.write_all(contents.as_ref()).expect("gzip fixture is written");
        encoder.finish().expect("gzip fixture is finished");
        path
    }

    /// A command running `unspun` in this directory.
    pub fn cmd(&self) -> Cmd {
        Cmd::new(self.path())
    }

    /// Indexes `corpora` (paths relative to the directory) into `index`; asserts success and
    /// returns the `--json` summary.
    pub fn index(&self, index: &str, corpora: &[&str]) -> Value {
        self.cmd().args(["index", "--quiet", "--json", "--index", index]).args(corpora).json()
    }

    /// `unspun stats --json` of `index`; asserts success.
    pub fn stats(&self, index: &str) -> Value {
        self.cmd().args(["stats", "--json", "--index", index]).json()
    }

    /// `unspun trace --json` of `input` against `index`, with `extra` flags; asserts the exit
    /// code the verdict calls for (#16: 0 original, 1 anything copied).
    pub fn trace(&self, index: &str, input: &str, extra: &[&str]) -> Value {
        self.cmd().args(["trace", "--json", "--index", index]).args(extra).arg(input).report()
    }
}

/// What a finished `unspun` run printed and returned.
#[derive(Debug)]
pub struct Output {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

/// A builder for one run of `unspun`: arguments, environment and standard input.
pub struct Cmd {
    command: Command,
    stdin: Option<Vec<u8>>,
    shown: Vec<String>,
}

impl Cmd {
    /// `unspun` with the working directory `dir`, `NO_COLOR=1` and no `UNSPUN_DATA`.
    pub fn new(dir: &Path) -> Cmd {
        let mut command = Command::new(BIN);
        command.current_dir(dir).env("NO_COLOR", "1").env_remove("UNSPUN_DATA");
        Cmd { command, stdin: None, shown: vec!["unspun".to_string()] }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Cmd {
        self.shown.push(arg.as_ref().to_string_lossy().into_owned());
        self.command.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Cmd {
        self.command.env(key, value);
        self
    }

    /// Feeds `bytes` on standard input.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs to completion.
    pub fn output(mut self) -> Output {
        self.command
            .stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("the unspun binary starts");
        if let Some(bytes) = self.stdin.take() {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // A thread, so that a child that fills its stdout before reading stdin cannot
            // deadlock the test.
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let out = child.wait_with_output().expect("unspun runs to completion");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs, asserts exit code 0 and returns standard output.
    pub fn stdout(self) -> String {
        let shown = self.shown.join(" ");
        let out = self.output();
        assert_eq!(
            out.code, 0,
            "`{shown}` failed\n--- stdout\n{}\n--- stderr\n{}",
            out.stdout, out.stderr
        );
        out.stdout
    }

    /// Runs, asserts exit code 0 and parses standard output as JSON.
    pub fn json(self) -> Value {
        let stdout = self.stdout();
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"))
    }

    /// Runs `unspun trace --json` of one article: asserts the exit code of its verdict (0
    /// original, 1 copy, partly copied or patchwork, #16) and returns the report.
    pub fn report(self) -> Value {
        let shown = self.shown.join(" ");
        let out = self.output();
        let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!("`{shown}` printed no report ({e}):\n{}\n--- stderr\n{}", out.stdout, out.stderr)
        });
        let expected = if report["verdict"]["kind"] == "original" { 0 } else { 1 };
        assert_eq!(
            out.code, expected,
            "`{shown}`: exit code of {}\n{}",
            report["verdict"], out.stderr
        );
        report
    }

    /// Runs, asserts exit code `code` and returns standard error.
    pub fn fails_with(self, code: i32) -> String {
        let shown = self.shown.join(" ");
        let out = self.output();
        assert_eq!(
            out.code, code,
            "`{shown}` exited with {} instead of {code}\n--- stdout\n{}\n--- stderr\n{}",
            out.code, out.stdout, out.stderr
        );
        out.stderr
    }

    /// The command itself, for a test that wires its streams another way.
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Starts the run without waiting, with every stream discarded.
    pub fn spawn(mut self) -> Child {
        self.command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        self.command.spawn().expect("the unspun binary starts")
    }
}

/// The shared real-data folder (`../shared/data` next to the repository). When it is absent
/// this panics if `CI` is set and otherwise prints a note and returns `None` (the caller
/// returns early: the test is skipped).
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.join("allsides").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the shared real data is missing: expected {} (CI is set)", dir.display());
    }
    eprintln!("note: skipping a real-data test: {} not found", dir.display());
    None
}

/// The first `n_lines` lines of a gzip-compressed JSON Lines file, each ending in `\n`.
pub fn head_gz(path: &Path, n_lines: usize) -> String {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let reader = BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut out = String::new();
    for line in reader.lines().take(n_lines) {
        out.push_str(&line.unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())));
        out.push('\n');
    }
    out
}

/// `value[key]` as u64, with a message naming the key when it is missing or not a number.
pub fn u64_at(value: &Value, key: &str) -> u64 {
    value[key].as_u64().unwrap_or_else(|| panic!("`{key}` is not a u64 in\n{value:#}"))
}

/// `value[key]` as &str, with a message naming the key when it is missing or not a string.
pub fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_else(|| panic!("`{key}` is not a string in\n{value:#}"))
}

/// The characters `start..end` of `text`, as the report's character offsets mean them.
pub fn char_slice(text: &str, start: u64, end: u64) -> String {
    assert!(start <= end, "offsets {start}..{end} are reversed");
    let start = usize::try_from(start).expect("offset fits usize");
    let end = usize::try_from(end).expect("offset fits usize");
    text.chars().skip(start).take(end - start).collect()
}

/// A directory holding the `NEWS` corpus of `hay` indexed as `idx`.
pub fn news_index() -> TestDir {
    let dir = TestDir::new();
    dir.create("news.jsonl", crate::hay::jsonl(&crate::hay::NEWS));
    let summary = dir.index("idx", &["news.jsonl"]);
    assert_eq!(u64_at(&summary, "n_added"), crate::hay::NEWS.len() as u64);
    dir
}

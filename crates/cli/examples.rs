//! The examples shown at the end of each subcommand's `--help` (clap's `after_help`).

/// Examples under `unspun index --help`.
pub const INDEX: &str = "\
Examples:
  unspun index --index news.idx corpus.jsonl.gz more.csv
  unspun index --index news.idx --text-field body --id-field url scraped.csv
  UNSPUN_INDEX=news.idx unspun index --replace --strict fixes.jsonl";

/// Examples under `unspun trace --help`.
pub const TRACE: &str = "\
Exit status: 0 every article is original, 1 a copy, partly copied text or a patchwork was
found, 2 an error (including a bad record that was skipped).

Examples:
  unspun trace --index news.idx article.txt
  unspun trace --index news.idx --json --date 2016-09-01 - < article.txt
  unspun trace --index news.idx articles/ more/*.json        # one line per article, a summary
  unspun trace --index news.idx --jsonl articles.jsonl --summary summary.json > reports.jsonl
  UNSPUN_INDEX=news.idx unspun trace --color always a.txt | less -R";

/// Examples under `unspun stats --help`.
pub const STATS: &str = "\
Examples:
  unspun stats --index news.idx
  UNSPUN_INDEX=news.idx unspun stats --json";

/// Examples under `unspun demo --help`.
pub const DEMO: &str = "\
Examples:
  unspun demo
  unspun demo --corpus my-news.jsonl.gz --patchworks 5";

/// Examples under `unspun cluster --help`.
pub const CLUSTER: &str = "\
Examples:
  unspun cluster --index news.idx --out reuse/
  unspun cluster --index news.idx --out reuse/ --since 2016-01-01 --source Reuters
  unspun cluster --input crawl.jsonl.gz more.warc.gz --out reuse/   # no index: files read into reuse/store";

/// Examples under `unspun dedup --help`.
pub const DEDUP: &str = "\
Examples:
  unspun cluster --index crawl.idx --out reuse/
  unspun dedup --index crawl.idx --cluster reuse/ --out crawl.dedup.jsonl
  unspun dedup --index crawl.idx --cluster reuse/ --out strict.jsonl --threshold 0.5 --json
  unspun cluster --input crawl.jsonl.gz --out reuse/ && unspun dedup --cluster reuse/ --out crawl.dedup.jsonl";

/// Examples under `unspun spins --help`.
pub const SPINS: &str = "\
Examples:
  unspun spins --index news.idx --out reuse/
  unspun trace --index news.idx --spins reuse/spins.jsonl article.txt";

/// Examples under `unspun semantic-index --help`.
pub const SEMANTIC_INDEX: &str = "\
Examples:
  unspun semantic-index --index news.idx --model target/models/all-MiniLM-L6-v2";

/// Examples under `unspun eval --help`.
pub const EVAL: &str = "\
Examples:
  unspun eval
  unspun eval --json > eval.json";

/// Examples under `unspun serve --help`.
pub const SERVE: &str = "\
Examples:
  unspun serve --index news.idx --addr 127.0.0.1:8080
  UNSPUN_INDEX=news.idx unspun serve --token-file token.txt";

/// Examples under `unspun verify --help`.
pub const VERIFY: &str = "\
Examples:
  unspun verify --index news.idx
  unspun verify --index news.idx --json";

/// Examples under `unspun completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  unspun completions bash > ~/.local/share/bash-completion/completions/unspun
  unspun completions zsh > ~/.zfunc/_unspun";

/// Examples under `unspun man --help`.
pub const MAN: &str = "\
Examples:
  unspun man > unspun.1 && man ./unspun.1";

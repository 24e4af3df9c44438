// Reference extractor for bench/ingest/warc_bench.py --compare-dom-smoothie: reads the HTML
// files named on the command line and prints one JSON line per file, {"file", "text"}, with
// the article text `dom_smoothie` (a readability port) extracts. Built by the script in a
// scratch crate outside the repository (dom_smoothie = "0.19", serde_json = "1"): the crate
// is measured here, not used by unspun.
use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in std::env::args().skip(1) {
        let html = std::fs::read_to_string(&path).expect("readable page");
        let text = dom_smoothie::Readability::new(html, None, None)
            .ok()
            .and_then(|mut readability| readability.parse().ok())
            .map(|article| article.text_content.to_string())
            .unwrap_or_default();
        let line = serde_json::json!({"file": path, "text": text});
        writeln!(out, "{line}").expect("stdout");
    }
}

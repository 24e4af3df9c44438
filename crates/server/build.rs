//! Embeds the web UI: copies crates/server/ui/{index.html,app.js,app.css} into OUT_DIR, or
//! writes a placeholder for a file that is missing, so the crate builds before the UI lands.

use std::path::Path;

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=ui");
    for (name, placeholder) in [
        ("index.html", "<!doctype html><title>unspun</title><p>The web UI is not built in.</p>\n"),
        ("app.js", "// The web UI is not built in.\n"),
        ("app.css", "/* The web UI is not built in. */\n"),
    ] {
        let source = Path::new("ui").join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        let content = std::fs::read_to_string(&source).unwrap_or_else(|_| placeholder.to_string());
        std::fs::write(Path::new(&out_dir).join(name), content).expect("writing to OUT_DIR");
    }
}

//! The `unspun` command-line tool.
fn main() {}

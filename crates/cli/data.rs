//! Finding the shared real-data folder (`../shared/data`) that the demo and eval read.

use std::path::{Path, PathBuf};

/// The shared data folder: `$UNSPUN_DATA`, else `../shared/data` or `shared/data` from the
/// current directory, else the same relative to the repository that built this binary.
pub fn find_shared_data() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("UNSPUN_DATA") {
        return Some(PathBuf::from(dir));
    }
    let mut candidates = vec![PathBuf::from("../shared/data"), PathBuf::from("shared/data")];
    // target/{debug,release}/unspun → repository root → ../shared/data
    if let Ok(exe) = std::env::current_exe() {
        for ancestor in exe.ancestors().skip(1).take(5) {
            candidates.push(ancestor.join("../shared/data"));
        }
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    candidates.push(manifest_dir.join("../shared/data"));
    candidates
        .into_iter()
        .find(|dir| dir.join("README.md").is_file() || dir.join("allsides").is_dir())
}

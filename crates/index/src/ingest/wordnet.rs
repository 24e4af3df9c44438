//! Reading WordNet's database files (Debian's `wordnet-base`, `/usr/share/wordnet`) for the
//! thesaurus of the patchwork generator. The parsing is pure and lives in
//! [`unspun_core::lexicon::WordNet`]; this module only reads the files.

use std::path::Path;

use unspun_core::lexicon::{WordNet, WordNetProblem, WordNetSources};

use crate::{Error, Result};

/// Where Debian's `wordnet-base` installs the database.
pub const WORDNET_DIR: &str = "/usr/share/wordnet";

/// Reads and parses the WordNet database in `dir`, with the lines it had to skip; `Ok(None)`
/// when `dir` holds no WordNet. A file that exists but cannot be read is an error naming it.
pub fn read_wordnet(dir: &Path) -> Result<Option<(WordNet, Vec<WordNetProblem>)>> {
    if !dir.join(WordNetSources::FILE_NAMES[0]).is_file() {
        return Ok(None);
    }
    let mut texts = Vec::with_capacity(WordNetSources::FILE_NAMES.len());
    for name in WordNetSources::FILE_NAMES {
        let path = dir.join(name);
        texts.push(std::fs::read_to_string(&path).map_err(|e| Error::io(path, e))?);
    }
    let refs: [&str; 12] = std::array::from_fn(|i| texts[i].as_str());
    Ok(Some(WordNet::from_sources(&WordNetSources::from_texts(refs))))
}

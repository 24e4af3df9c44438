//! Building the aligner's thesaurus from files: WordNet's database and a learned spin
//! dictionary (`spins.jsonl`, written by `unspun cluster`). The thesaurus itself is pure and
//! lives in [`unspun_core::thesaurus`]; this module only reads files.

use std::path::{Path, PathBuf};

use unspun_core::cluster::spins::Spin;
use unspun_core::thesaurus::Thesaurus;

use crate::ingest::wordnet::read_wordnet;
use crate::{Error, Result};

/// What to build the thesaurus from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThesaurusSpec {
    /// WordNet's database folder (`None`: no WordNet).
    pub wordnet: Option<PathBuf>,
    /// When the WordNet folder holds no database: an error (`true`) or no WordNet (`false`).
    pub wordnet_required: bool,
    /// A learned spin dictionary (JSON Lines of [`Spin`]).
    pub spins: Option<PathBuf>,
}

/// Builds the thesaurus of `spec`; `Ok(None)` when it would hold nothing.
pub fn load_thesaurus(spec: &ThesaurusSpec) -> Result<Option<Thesaurus>> {
    let mut thesaurus = Thesaurus::new();
    let mut any = false;
    if let Some(dir) = &spec.wordnet {
        match read_wordnet(dir)? {
            Some((wordnet, problems)) => {
                if let Some(problem) = problems.first() {
                    return Err(Error::corrupt(
                        dir.join(problem.file),
                        format!("line {}: {}", problem.line, problem.reason),
                    ));
                }
                thesaurus = thesaurus.with_wordnet(wordnet);
                any = true;
            }
            None if spec.wordnet_required => {
                return Err(Error::corrupt(
                    dir.clone(),
                    "no WordNet database here (install Debian's wordnet-base)".to_string(),
                ));
            }
            None => {}
        }
    }
    if let Some(path) = &spec.spins {
        let spins = read_spins(path)?;
        thesaurus = thesaurus.with_spins(&spins);
        any = true;
    }
    Ok(any.then_some(thesaurus))
}

/// Reads a learned spin dictionary; a line that is not a spin entry is an error naming it.
pub fn read_spins(path: &Path) -> Result<Vec<Spin>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(idx, line)| {
            serde_json::from_str(line).map_err(|e| {
                Error::corrupt(
                    path.to_path_buf(),
                    format!("line {}: not a spin entry: {e}", idx + 1),
                )
            })
        })
        .collect()
}

//! Decks (no Bevy): sessions shown one after another, from a deck file
//! (`{"deck": ["a.cvsession.json", ...]}`, paths relative to it) or a folder of sessions.

use std::path::{Path, PathBuf};

use super::error::SessionError;
use super::file::{read_bounded, resolve, session_folder};

/// The file name ending of sessions.
pub const SESSION_SUFFIX: &str = ".cvsession.json";

/// The sessions of a deck, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Deck {
    /// The deck file or folder.
    pub path: PathBuf,
    pub scenes: Vec<PathBuf>,
}

#[derive(serde::Deserialize)]
struct DeckFile {
    deck: Vec<String>,
}

impl Deck {
    /// A deck file or a folder holding sessions (sorted by name). Empty decks are refused.
    pub fn load(path: &Path) -> Result<Deck, SessionError> {
        let scenes = if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| SessionError::Unreadable {
                path: path.to_owned(),
                source,
            })?;
            let mut scenes: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_session_path(p) && p.is_file())
                .collect();
            scenes.sort();
            scenes
        } else {
            let text = read_bounded(path)?;
            let deck: DeckFile =
                serde_json::from_str(&text).map_err(|e| SessionError::BadValue {
                    path: path.to_owned(),
                    line: e.line(),
                    column: e.column(),
                    message: format!("not a deck ({{\"deck\": [sessions]}}): {e}"),
                })?;
            let folder = session_folder(path);
            deck.deck.iter().map(|p| resolve(&folder, p)).collect()
        };
        if scenes.is_empty() {
            return Err(SessionError::Invalid {
                path: path.to_owned(),
                message: "the deck holds no sessions (*.cvsession.json)".to_owned(),
            });
        }
        Ok(Deck {
            path: path.to_owned(),
            scenes,
        })
    }
}

/// Whether `path` names a session file.
pub fn is_session_path(path: &Path) -> bool {
    path.file_name()
        .map(|n| {
            n.to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(SESSION_SUFFIX)
        })
        .unwrap_or(false)
}

/// Whether `path` is a deck: a folder of sessions (and no circuit: a circuit's folder with a
/// session saved beside it opens as the circuit), or a JSON file with a `"deck"` key.
pub fn is_deck_path(path: &Path) -> bool {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return false;
        };
        let files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        let circuit_like = |p: &Path| {
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            ext == "h5" || (ext == "json" && !is_session_path(p))
        };
        return files.iter().any(|p| is_session_path(p)) && !files.iter().any(|p| circuit_like(p));
    }
    let is_json = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("json"))
        .unwrap_or(false);
    is_json
        && !is_session_path(path)
        && read_bounded(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|v| v.get("deck").is_some())
            .unwrap_or(false)
}

//! Reading text files (configs, node sets, CSV) with bounds: a path that is a device or a pipe
//! (`/dev/zero`) or a file with an endless line is refused with an error naming it, instead of
//! reading until memory runs out.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::error::{Result, SonataError};
use super::h5util::human_bytes;

/// The longest line a CSV may have (a types table or spike row is far shorter).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The largest JSON file read (configs and node sets are kilobytes to a few megabytes).
pub const MAX_JSON_BYTES: u64 = 256 << 20;

fn open_regular(path: &Path) -> Result<std::fs::File> {
    let file = std::fs::File::open(path).map_err(|e| SonataError::io(path, e))?;
    let meta = file.metadata().map_err(|e| SonataError::io(path, e))?;
    if !meta.is_file() {
        return Err(SonataError::invalid(
            path,
            "is not a regular file (a device, pipe or folder)",
        ));
    }
    Ok(file)
}

fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        SonataError::invalid(
            path,
            format!(
                "not UTF-8 text (byte {} is not part of a UTF-8 character): a binary file?",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// A JSON (or other whole) text file of at most `MAX_JSON_BYTES`.
pub fn read_json_text(path: &Path) -> Result<String> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SonataError::io(path, e))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(SonataError::invalid(
            path,
            format!(
                "is larger than {}: not a config or node sets file",
                human_bytes(MAX_JSON_BYTES)
            ),
        ));
    }
    utf8(path, bytes)
}

/// A text file's lines (without line ends), each at most `MAX_LINE_BYTES`.
pub fn read_lines(path: &Path) -> Result<Vec<String>> {
    let mut reader = BufReader::new(open_regular(path)?);
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| SonataError::io(path, e))?;
        if n == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() > MAX_LINE_BYTES {
            return Err(SonataError::Csv {
                path: path.to_owned(),
                line: lines.len() + 1,
                message: format!(
                    "the line is longer than {}: not a text table",
                    human_bytes(MAX_LINE_BYTES as u64)
                ),
            });
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        lines.push(utf8(path, std::mem::take(&mut buf))?);
    }
    Ok(lines)
}

/// A text file with bounded lines, joined again by `\n`.
pub fn read_text(path: &Path) -> Result<String> {
    Ok(read_lines(path)?.join("\n"))
}

//! Bounds on text inputs. Lists, suppressions, Module.symvers and dumps are
//! split into owned strings, so a hostile file costs several times its size;
//! these caps keep that (and any message quoting the input) small, far above
//! anything a real kernel build writes.

use std::path::Path;

use crate::error::{Error, Result};
use crate::read::file::{self, FileData};

/// Longest line of a hand-written text input (lists, suppressions,
/// Module.symvers, `--allow`, `--ignore`). Real lines are under 1 KiB.
pub const MAX_LINE: usize = 64 << 10;

/// Longest line of a dump: one record holds a whole type (every member of a
/// struct, every enumerator), which for the largest kernel types is tens of
/// KiB, so this is far higher than for hand-written files.
pub const MAX_DUMP_LINE: usize = 16 << 20;

/// Longest symbol or type name. The longest symbol in a real kernel is under
/// 512 bytes (mangled Rust symbols included).
pub const MAX_NAME: usize = 4 << 10;

/// Most sections in one suppression file; real ones hold tens to thousands.
pub const MAX_SECTIONS: usize = 100_000;

/// Most entries in one Module.symvers or symbol list. The largest real
/// kernels export about 40,000 symbols; each parsed entry costs a few hundred
/// bytes, so this keeps a crafted list of millions of lines under a few
/// hundred MB (5M lines took 3.3 GB before).
pub const MAX_ENTRIES: usize = 500_000;

/// Most symbols in one System.map. A distribution kernel lists about
/// 100,000 and an allyesconfig build under a million; at well under 100
/// bytes each, this keeps a crafted map under a few hundred MB.
pub const MAX_MAP_SYMBOLS: usize = 2_000_000;

/// The error for one entry too many.
pub fn too_many_entries(path: &Path, line: usize) -> Error {
    Error::syntax(path, line, format!("more than {MAX_ENTRIES} entries"))
}

/// How much of an over-long name or line a message quotes.
const QUOTE: usize = 80;

/// `s` cut to its first 80 characters, with "..." when cut, for messages.
pub fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s.to_string(),
    }
}

/// Reads the text input `path` (size checked before reading, see
/// [`file::load_text`]) and checks that no line is longer than `max_line`.
pub fn read_text(path: &Path, max_line: usize) -> Result<FileData> {
    let data = file::load_text(path)?;
    check_lines(path, &data, max_line)?;
    Ok(data)
}

/// The first line longer than `max_line`, as an error naming file:line.
pub fn check_lines(path: &Path, data: &[u8], max_line: usize) -> Result<()> {
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        if line.len() > max_line {
            return Err(Error::syntax(
                path,
                i + 1,
                format!(
                    "line of {} bytes is longer than the limit of {}",
                    line.len(),
                    file::human_size(max_line as u64)
                ),
            ));
        }
    }
    Ok(())
}

/// A name longer than [`MAX_NAME`] as an error message, quoting only its start.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.len() > MAX_NAME {
        return Err(format!(
            "name of {} bytes is longer than the limit of {} bytes: {}",
            name.len(),
            MAX_NAME,
            quote(name)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_cut() {
        assert_eq!(quote("abc"), "abc");
        let long = "x".repeat(200);
        assert_eq!(quote(&long), format!("{}...", "x".repeat(80)));
        assert!(check_name(&long).is_ok());
        let huge = "y".repeat(MAX_NAME + 1);
        let e = check_name(&huge).unwrap_err();
        assert!(e.len() < 200, "{e}");
    }

    #[test]
    fn long_lines_name_their_line() {
        let text = format!("a\nb\n{}\n", "c".repeat(11));
        let e = check_lines(Path::new("f"), text.as_bytes(), 10).unwrap_err();
        assert!(e.to_string().starts_with("f:3: line of 11 bytes"), "{e}");
    }
}

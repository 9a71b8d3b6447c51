//! One error type for the whole library. Every variant that comes from an input
//! names the file, because a kernel tree has thousands of them and "invalid ELF"
//! alone is useless to the person reading a CI log.

use std::fmt::Display;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or parsed.
    #[error("{}: {}", shown(&path.display()), shown(msg))]
    Input { path: PathBuf, msg: String },
    /// A text input (whitelist, suppression file, symvers) is malformed at a line.
    #[error("{}:{line}: {}", shown(&path.display()), shown(msg))]
    Syntax {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    /// The command line itself is wrong (exit status 2).
    #[error("{}", shown(.0))]
    Usage(String),
    /// Whoever read our output went away (`kmidiff ... | head`): not worth
    /// a message; the exit status is the shell's for SIGPIPE.
    #[error("broken pipe")]
    BrokenPipe,
}

impl Error {
    pub fn input(path: impl AsRef<Path>, msg: impl Display) -> Self {
        Error::Input {
            path: path.as_ref().to_path_buf(),
            msg: msg.to_string(),
        }
    }

    pub fn syntax(path: impl AsRef<Path>, line: usize, msg: impl Display) -> Self {
        Error::Syntax {
            path: path.as_ref().to_path_buf(),
            line,
            msg: msg.to_string(),
        }
    }

    /// A failed write of the report to standard output.
    pub fn stdout(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::input("<stdout>", e)
        }
    }

    /// Exit status in libabigail's bit field: 1 for an error, 2 for a usage error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::BrokenPipe => 141,
            _ => 1,
        }
    }
}

/// `s` with every control character escaped (`\u{1b}`, `\0`...): file names
/// and names quoted from an input are hostile bytes like any other, and an
/// ESC or NUL echoed raw could rewrite the terminal or hide the message.
pub fn shown(s: &dyn Display) -> String {
    let s = s.to_string();
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub type Result<T> = std::result::Result<T, Error>;

//! Notes on report entries: a change approved by an `--allow` entry, or
//! ignored by an `--ignore` rule. One type for every report and format, so
//! a new kind of note (or a new report) is written once.

use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Reviewed and signed off (`kmidiff --allow`).
    Approved,
    /// Accepted by a rule (`kmi abi-check --ignore`).
    Ignored,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Ignored => "ignored",
        }
    }
}

/// Which line of which file marks an entry, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub verdict: Verdict,
    pub file: PathBuf,
    pub line: usize,
    /// The rule as written, canonical ("symbol x crc-changed").
    pub rule: String,
    /// The comment on the line, if any.
    pub reason: String,
}

impl Annotation {
    /// "FILE:LINE", how reports point at a rule.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// "approved by allow.txt:3: symbol x crc-changed # reason".
    pub fn text(&self) -> String {
        let mut s = format!(
            "{} by {}: {}",
            self.verdict.word(),
            self.origin(),
            self.rule
        );
        if !self.reason.is_empty() {
            s += &format!(" # {}", self.reason);
        }
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "file": self.file.display().to_string(),
            "line": self.line,
            "entry": self.rule,
            "reason": self.reason,
        })
    }
}

/// Notes on the entries of a kmidiff report, parallel to
/// `Comparison::removed`, `added`, `changed_symbols` and `Analysis::leaves`,
/// with what the reports say after them.
#[derive(Debug, Clone, Default)]
pub struct Annotations {
    pub removed: Vec<Vec<Annotation>>,
    pub added: Vec<Vec<Annotation>>,
    pub changed: Vec<Vec<Annotation>>,
    pub leaves: Vec<Vec<Annotation>>,
    /// Rules that match no change.
    pub stale: Vec<Annotation>,
    /// The files the rules come from.
    pub sources: Vec<PathBuf>,
    /// libabigail's bit field over the entries left unmarked.
    pub exit_code: i32,
}

/// The notes of entry `i` of one list (none when the list is shorter).
pub fn of(v: &[Vec<Annotation>], i: usize) -> &[Annotation] {
    v.get(i).map(Vec::as_slice).unwrap_or(&[])
}

impl Annotations {
    /// Interfaces (removed, added or changed) every change of which is
    /// marked.
    pub fn marked_interfaces(&self) -> usize {
        [&self.removed, &self.added, &self.changed]
            .iter()
            .map(|v| v.iter().filter(|e| !e.is_empty()).count())
            .sum()
    }
}

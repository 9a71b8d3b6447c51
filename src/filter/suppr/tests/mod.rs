//! The suppression tests, by concern: the file syntax and its errors, type
//! matching, function/variable matching, and the key table.

use super::read::{RawSection, Value, parse_value, read_sections};
use super::spec::normalize_path;
use super::*;

mod decls;
mod keys;
mod syntax;
mod types;

const FILE: &str = "test.suppr";

fn parse(text: &str) -> Suppressions {
    match Suppressions::parse(text, Path::new(FILE)) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Parses text that must fail; returns (line, message) after checking
/// the error names the file.
fn syntax_err(text: &str) -> (usize, String) {
    match Suppressions::parse(text, Path::new(FILE)) {
        Err(Error::Syntax { path, line, msg }) => {
            assert_eq!(path, PathBuf::from(FILE));
            (line, msg)
        }
        Err(e) => panic!("expected a syntax error, got {e}"),
        Ok(s) => panic!("expected a syntax error, got {s:?}"),
    }
}

fn assert_err(text: &str, line: usize, needle: &str) {
    let (l, msg) = syntax_err(text);
    assert_eq!(l, line, "wrong line for {msg:?}");
    assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
}

fn m(name: &'static str, offset_bits: u64, size_bits: u64) -> MemberFact<'static> {
    MemberFact {
        name,
        offset_bits,
        size_bits,
    }
}

fn ty(kind: TypeKind, name: &'static str) -> TypeChange<'static> {
    TypeChange {
        kind,
        name: name.into(),
        ..TypeChange::default()
    }
}

// struct S { char m0; /* pad */ int m1; } -> inserted members vary.
const OLD_S: &[MemberFact<'static>] = &[
    MemberFact {
        name: "m0",
        offset_bits: 0,
        size_bits: 8,
    },
    MemberFact {
        name: "m1",
        offset_bits: 32,
        size_bits: 32,
    },
];

fn insertion<'a>(inserted: &'a [MemberFact<'a>], old_size: u64, new_size: u64) -> TypeChange<'a> {
    TypeChange {
        kind: TypeKind::Struct,
        name: "S".into(),
        old_size_bits: old_size,
        new_size_bits: new_size,
        old_members: OLD_S.to_vec(),
        inserted: inserted.to_vec(),
        ..TypeChange::default()
    }
}

/// Shorthand: the type change, with no enumerator whose value changed.
trait Hides {
    fn hides(&self, c: &TypeChange) -> bool;
}

impl Hides for Suppressions {
    fn hides(&self, c: &TypeChange) -> bool {
        self.suppresses_type(c)
    }
}

/// The sections as the reader sees them, before any key is checked.
fn raw(text: &str) -> Vec<RawSection> {
    match read_sections(text, Path::new(FILE)) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

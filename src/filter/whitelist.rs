//! KMI whitelists / symbol lists: libabigail's INI files (sections whose name
//! ends in `whitelist` or `stablelist`, as in RHEL's kABI stablelists),
//! Android's `[abi_symbol_list]`, and plain one-symbol-per-line files.
//! Several files and sections are unioned. `#` and `;` start a comment, at
//! the start of a line or after a symbol (hand-kept lists say why a symbol is
//! there); a UTF-8 byte order mark and CRLF line ends are accepted, since
//! lists get edited on every platform.

use crate::error::{Error, Result};
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};

fn wanted_section(name: &str) -> bool {
    name.ends_with("whitelist") || name.ends_with("stablelist") || name.ends_with("symbol_list")
}

fn valid_symbol(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$')
}

/// Parse one list. `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<FxHashSet<String>> {
    let mut out = FxHashSet::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let has_sections = text.lines().any(|l| l.trim_start().starts_with('['));
    let mut in_wanted = !has_sections;
    let mut any_wanted = !has_sections;
    for (i, raw) in text.lines().enumerate() {
        // Neither a symbol nor a section name can hold '#' or ';'.
        let line = raw.split(['#', ';']).next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(Error::syntax(path, i + 1, "unterminated section header"));
            };
            in_wanted = wanted_section(name.trim());
            any_wanted |= in_wanted;
            continue;
        }
        crate::read::limits::check_name(line).map_err(|m| Error::syntax(path, i + 1, m))?;
        if !valid_symbol(line) {
            return Err(Error::syntax(
                path,
                i + 1,
                format!("not a symbol name: '{line}'"),
            ));
        }
        if in_wanted {
            if out.len() >= crate::read::limits::MAX_ENTRIES {
                return Err(crate::read::limits::too_many_entries(path, i + 1));
            }
            out.insert(line.to_string());
        }
    }
    if !any_wanted {
        return Err(Error::input(
            path,
            "no section whose name ends in 'whitelist', 'stablelist' or 'symbol_list'",
        ));
    }
    Ok(out)
}

/// Load and union several lists.
pub fn load(paths: &[PathBuf]) -> Result<FxHashSet<String>> {
    let mut out = FxHashSet::default();
    for p in paths {
        crate::read::file::check_kind(p, true)?;
        let text = crate::read::limits::read_text(p, crate::read::limits::MAX_LINE)?;
        let text =
            String::from_utf8(text.to_vec()).map_err(|_| Error::input(p, "not a text file"))?;
        let list = parse(&text, p)?;
        // An empty list would keep no symbol: the run would compare
        // nothing and report no change.
        if list.is_empty() {
            return Err(Error::input(p, "holds no symbol names"));
        }
        out.extend(list);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Result<FxHashSet<String>> {
        parse(t, Path::new("list"))
    }

    #[test]
    fn sections_are_unioned_and_others_ignored() {
        let s = p("[abi_whitelist]\n  a\n# c\n; c\n[other]\n  x\n[abi2_whitelist]\n b\n[abi_symbol_list]\nc\n[x_stablelist]\nd\n")
            .unwrap();
        let mut v: Vec<_> = s.into_iter().collect();
        v.sort();
        assert_eq!(v, ["a", "b", "c", "d"]);
    }

    #[test]
    fn trailing_comments_bom_and_crlf() {
        let s =
            p("\u{feff}[abi_symbol_list] # GKI\r\n  a  # needed by x.ko\r\n  b\t; why\r\n# c\r\n")
                .unwrap();
        let mut v: Vec<_> = s.into_iter().collect();
        v.sort();
        assert_eq!(v, ["a", "b"]);
        let s = p("\u{feff}foo # plain list\nbar\n").unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn plain_lists_and_duplicates() {
        let s = p("foo\nfoo\nbar\n").unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn errors_name_the_line() {
        let e = p("[abi_whitelist]\nfoo bar\n").unwrap_err().to_string();
        assert_eq!(e, "list:2: not a symbol name: 'foo bar'");
        let e = p("[abi_whitelist\nfoo\n").unwrap_err().to_string();
        assert!(e.starts_with("list:1: unterminated"), "{e}");
        let e = p("[something]\nfoo\n").unwrap_err().to_string();
        assert!(e.contains("no section"), "{e}");
    }

    #[test]
    fn libabigail_test_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/libabigail-tests/test-kmi-whitelist");
        let one = load(&[dir.join("whitelist-with-single-entry")]).unwrap();
        assert_eq!(one.len(), 1);
        assert!(one.contains("test_symbol"));
        let dup = load(&[dir.join("whitelist-with-duplicate-entry")]).unwrap();
        assert_eq!(dup.len(), 1);
        let two = load(&[dir.join("whitelist-with-two-sections")]).unwrap();
        assert!(two.contains("test_symbol1") && two.contains("test_symbol2"));
        let both = load(&[
            dir.join("whitelist-with-single-entry"),
            dir.join("whitelist-with-another-single-entry"),
        ])
        .unwrap();
        assert_eq!(both.len(), 2);
    }
}

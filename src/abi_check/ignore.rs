//! Ignore files: the changes a team has reviewed and accepted.
//!
//! ```text
//! # accepted in review #123
//! symbol kmi_a_*
//! module crc-ccitt
//! ```
//!
//! One rule a line, `symbol GLOB [KIND]` or `module GLOB [KIND]`; KIND, a
//! change kind of the vocabulary (`crc-changed`, `moved`...), narrows the
//! rule to that kind of change; `#` starts a comment (whole line or after
//! the rule). Globs have `*`, `?` and `[...]` classes
//! (`[!...]` or `[^...]` negated, `a-z` ranges). Module globs are compared
//! with the normalised module name (`crc-ccitt` and `crc_ccitt` are the same
//! module), as kbuild names modules.

use crate::compare::ChangeKind;
use crate::error::{Error, Result};
use crate::report::annotate::{Annotation, Verdict};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Symbol,
    Module,
}

impl Target {
    pub fn word(self) -> &'static str {
        match self {
            Target::Symbol => "symbol",
            Target::Module => "module",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub target: Target,
    pub glob: String,
    /// Only changes of this kind (or covered by it).
    pub kind: Option<ChangeKind>,
    /// The comment after the rule.
    pub reason: String,
    pub file: PathBuf,
    pub line: usize,
}

impl Rule {
    /// "FILE:LINE", how reports point at a rule.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// The rule as a note on the changes it accepts.
    pub fn annotation(&self) -> Annotation {
        Annotation {
            verdict: Verdict::Ignored,
            file: self.file.clone(),
            line: self.line,
            rule: self.text(),
            reason: self.reason.clone(),
        }
    }

    /// The rule as written ("symbol kmi_a_*", "module m crc-changed").
    pub fn text(&self) -> String {
        match self.kind {
            Some(k) => format!(
                "{} {} {}",
                self.target.word(),
                self.glob,
                k.id().replace('_', "-")
            ),
            None => format!("{} {}", self.target.word(), self.glob),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    pub rules: Vec<Rule>,
}

impl IgnoreRules {
    pub fn load(paths: &[PathBuf]) -> Result<IgnoreRules> {
        let mut rules = Vec::new();
        for p in paths {
            let data = crate::read::limits::read_text(p, crate::read::limits::MAX_LINE)?;
            let text = std::str::from_utf8(&data)
                .map_err(|_| Error::input(p, "not a text file (invalid UTF-8)"))?;
            rules.extend(parse(text, p)?);
        }
        Ok(IgnoreRules { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule matching a change of `kind` of `symbol` in `modules`
    /// (the module on either side), as an index into `rules`.
    pub fn find(&self, symbol: &str, modules: &[&str], kind: ChangeKind) -> Option<usize> {
        self.rules.iter().position(|r| {
            r.kind.is_none_or(|k| k.covers(kind))
                && match r.target {
                    Target::Symbol => glob_match(&r.glob, symbol),
                    Target::Module => {
                        let g = crate::read::file::kbuild_name(&r.glob);
                        modules.iter().any(|m| glob_match(&g, m))
                    }
                }
        })
    }
}

pub fn parse(text: &str, path: &Path) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let (line, reason) = raw.split_once('#').unwrap_or((raw, ""));
        let (line, reason) = (line.trim(), reason.trim());
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(kind), glob, change, extra) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        let target = match kind {
            "symbol" => Target::Symbol,
            "module" => Target::Module,
            other => {
                return Err(Error::syntax(
                    path,
                    i + 1,
                    format!(
                        "unknown rule '{other}' (expected 'symbol GLOB [KIND]' or 'module GLOB [KIND]')"
                    ),
                ));
            }
        };
        let Some(glob) = glob else {
            return Err(Error::syntax(path, i + 1, format!("'{kind}' needs a glob")));
        };
        if let Some(x) = extra {
            return Err(Error::syntax(
                path,
                i + 1,
                format!("unexpected '{x}' after the change kind (one rule a line)"),
            ));
        }
        let change = match change {
            None => None,
            Some(w) => match ChangeKind::parse(w) {
                Some(k) if k.info().scope.symbol() => Some(k),
                _ => {
                    return Err(Error::syntax(
                        path,
                        i + 1,
                        format!(
                            "unknown change kind '{w}' after the glob (one of: {})",
                            ChangeKind::spelled(true)
                        ),
                    ));
                }
            },
        };
        crate::read::limits::check_name(glob).map_err(|m| Error::syntax(path, i + 1, m))?;
        check_glob(glob).map_err(|m| Error::syntax(path, i + 1, m))?;
        out.push(Rule {
            target,
            glob: glob.to_string(),
            kind: change,
            reason: reason.to_string(),
            file: path.to_path_buf(),
            line: i + 1,
        });
    }
    Ok(out)
}

use crate::filter::glob::{check_glob, glob_match};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (g, s, m) in [
            ("kmi_a_*", "kmi_a_open", true),
            ("kmi_a_*", "kmi_b_open", false),
            ("*", "", true),
            ("*", "anything", true),
            ("match_?ex", "match_hex", true),
            ("match_?ex", "match_hx", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("[km]mi_*", "kmi_a", true),
            ("[!k]mi_*", "kmi_a", false),
            ("[^k]mi_*", "xmi_a", true),
            ("kmi_[a-c]_x", "kmi_b_x", true),
            ("kmi_[a-c]_x", "kmi_d_x", false),
            ("[]]", "]", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("*ly", "exactly", true),
        ] {
            assert_eq!(glob_match(g, s), m, "{g} ~ {s}");
        }
        // Many stars against a long non-match stay fast.
        let g = "*a*a*a*a*a*a*a*a*b";
        let s = "a".repeat(200);
        assert!(!glob_match(g, &s));
    }

    #[test]
    fn parse_rules() {
        let r = parse(
            "# header\n\nsymbol kmi_a_*   # accepted\n  module crc-ccitt\nsymbol x now_gpl\nmodule m export-changed\n",
            Path::new("ign"),
        )
        .unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[2].text(), "symbol x now-gpl");
        assert_eq!(r[0].target, Target::Symbol);
        assert_eq!(r[0].line, 3);
        assert_eq!(r[1].origin(), "ign:4");
        assert_eq!(r[1].text(), "module crc-ccitt");
        let rules = IgnoreRules { rules: r };
        let crc = ChangeKind::CrcChanged;
        assert_eq!(rules.find("kmi_a_open", &["kmi_a"], crc), Some(0));
        assert_eq!(
            rules.find("crc_ccitt", &["vmlinux", "crc_ccitt"], crc),
            Some(1)
        );
        assert_eq!(rules.find("other", &["vmlinux"], crc), None);
        // A kind narrows the rule; an umbrella kind covers its parts.
        assert_eq!(rules.find("x", &["a"], crc), None);
        assert_eq!(rules.find("x", &["a"], ChangeKind::NowGpl), Some(2));
        assert_eq!(rules.find("y", &["m"], ChangeKind::NoLongerGpl), Some(3));
    }

    #[test]
    fn bad_rules() {
        for (text, msg) in [
            ("symbol\n", "ign:1: 'symbol' needs a glob"),
            ("sym foo\n", "ign:1: unknown rule 'sym'"),
            ("\nsymbol a b\n", "ign:2: unknown change kind 'b'"),
            ("symbol a removed c\n", "ign:1: unexpected 'c'"),
            (
                "symbol a member-added\n",
                "ign:1: unknown change kind 'member-added'",
            ),
            ("module [abc\n", "ign:1: unterminated '['"),
        ] {
            let e = parse(text, Path::new("ign")).unwrap_err().to_string();
            assert!(e.contains(msg), "{e}");
        }
    }
}

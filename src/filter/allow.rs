//! Approved changes (`kmidiff --allow FILE`): a reviewed list of the KMI
//! changes a release is allowed to make. Approved changes are still
//! reported, marked as approved, but do not set exit bits, so CI can gate on
//! the exit status while breaks that were signed off go through. Entries that
//! match no change are reported as stale, so the file does not silently
//! accumulate approvals for changes long gone.
//!
//! ```text
//! # why, for the reviewer
//! symbol kmi_a_send crc-changed        # flags argument, vendor modules rebuilt
//! type 'struct kmi_device' changed     # new generation counter
//! symbol kmi_a_legacy_reset removed
//! ```

use crate::compare::analysis::Analysis;
use crate::compare::{ChangeKind, Comparison, DiffId, Edge};
use crate::error::{Error, Result};
use crate::report::annotate::{Annotation, Annotations, Verdict};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Symbol(String),
    /// As the report names it: "struct kmi_device", "typedef kmi_handle_t".
    Type(String),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub file: PathBuf,
    pub line: usize,
    pub target: Target,
    /// What it approves: changes of this kind, or covered by it.
    pub kind: ChangeKind,
    /// The comment on the line, if any.
    pub reason: String,
}

impl Entry {
    /// The entry as it reads in canonical form.
    pub fn spec(&self) -> String {
        let k = self.kind.id().replace('_', "-");
        match &self.target {
            Target::Symbol(s) => format!("symbol {s} {k}"),
            Target::Type(t) => format!("type '{t}' {k}"),
        }
    }

    /// The entry as a note on the changes it approves.
    pub fn annotation(&self) -> Annotation {
        Annotation {
            verdict: Verdict::Approved,
            file: self.file.clone(),
            line: self.line,
            rule: self.spec(),
            reason: self.reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AllowList {
    pub entries: Vec<Entry>,
}

/// The kind `word` names, if it can be said of a symbol (or a type).
fn kind_of(word: &str, symbol: bool) -> Option<ChangeKind> {
    ChangeKind::parse(word).filter(|k| {
        let s = k.info().scope;
        if symbol { s.symbol() } else { s.of_type() }
    })
}

impl AllowList {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parse one file; `path` names it in errors and in the report.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut seen: FxHashMap<(Target, ChangeKind), usize> = FxHashMap::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let err = |m: String| Error::syntax(path, n, m);
            let (body, reason) = match raw.split_once('#') {
                Some((b, r)) => (b.trim(), r.trim()),
                None => (raw.trim(), ""),
            };
            if body.is_empty() {
                continue;
            }
            for word in body.split_whitespace() {
                crate::read::limits::check_name(word).map_err(&err)?;
            }
            let (keyword, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
            let rest = rest.trim();
            let (target, kind) = match keyword {
                "symbol" => {
                    let words: Vec<&str> = rest.split_whitespace().collect();
                    let [name, kind] = words[..] else {
                        return Err(err("expected 'symbol NAME KIND'".into()));
                    };
                    let kind = kind_of(kind, true).ok_or_else(|| {
                        err(format!(
                            "unknown change kind '{kind}' for a symbol (one of: {})",
                            ChangeKind::spelled(true)
                        ))
                    })?;
                    (Target::Symbol(name.to_string()), kind)
                }
                "type" => {
                    let (name, kind) = if let Some(q) = rest.strip_prefix('\'') {
                        let Some((name, after)) = q.split_once('\'') else {
                            return Err(err("unterminated quote in the type name".into()));
                        };
                        (name.to_string(), after.trim())
                    } else {
                        match rest.rsplit_once(char::is_whitespace) {
                            Some((name, kind)) => {
                                (name.split_whitespace().collect::<Vec<_>>().join(" "), kind)
                            }
                            None => return Err(err("expected 'type NAME KIND'".into())),
                        }
                    };
                    if name.trim().is_empty() || kind.is_empty() || kind.contains(' ') {
                        return Err(err("expected 'type NAME KIND'".into()));
                    }
                    let kind = kind_of(kind, false).ok_or_else(|| {
                        err(format!(
                            "unknown change kind '{kind}' for a type (one of: {})",
                            ChangeKind::spelled(false)
                        ))
                    })?;
                    (Target::Type(name.trim().to_string()), kind)
                }
                other => {
                    return Err(err(format!(
                        "expected 'symbol' or 'type' at the start of the line, not '{other}'"
                    )));
                }
            };
            if let Some(prev) = seen.insert((target.clone(), kind), n) {
                return Err(err(format!("same entry as line {prev}")));
            }
            entries.push(Entry {
                file: path.to_path_buf(),
                line: n,
                target,
                kind,
                reason: reason.to_string(),
            });
        }
        Ok(AllowList { entries })
    }

    /// Load and concatenate several files.
    pub fn load(paths: &[PathBuf]) -> Result<Self> {
        let mut out = AllowList::default();
        for p in paths {
            let bytes = crate::read::limits::read_text(p, crate::read::limits::MAX_LINE)?;
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::input(p, "not a text file"))?;
            out.entries.extend(Self::parse(&text, p)?.entries);
        }
        Ok(out)
    }

    /// Which reported changes the entries approve, as notes on the report's
    /// entries; `sources` are the files the list was read from.
    pub fn apply(&self, c: &Comparison<'_>, a: &Analysis, sources: &[PathBuf]) -> Annotations {
        let m = Matcher::new(self, c, a).run();
        let notes = |v: Vec<Vec<usize>>| -> Vec<Vec<Annotation>> {
            v.into_iter()
                .map(|u| u.iter().map(|&i| self.entries[i].annotation()).collect())
                .collect()
        };
        Annotations {
            removed: notes(m.removed),
            added: notes(m.added),
            changed: notes(m.changed),
            leaves: notes(m.leaves),
            stale: m
                .stale
                .iter()
                .map(|&i| self.entries[i].annotation())
                .collect(),
            sources: sources.to_vec(),
            exit_code: m.exit_code,
        }
    }
}

/// Per report entry (parallel to `Comparison::removed`, `added`,
/// `changed_symbols` and `Analysis::leaves`), the entries that approve it;
/// empty when it is not (fully) approved.
#[derive(Default)]
struct Matched {
    removed: Vec<Vec<usize>>,
    added: Vec<Vec<usize>>,
    changed: Vec<Vec<usize>>,
    leaves: Vec<Vec<usize>>,
    /// Entries whose change does not occur at all.
    stale: Vec<usize>,
    /// libabigail's bit field over what is left unapproved.
    exit_code: i32,
}

struct Matcher<'a, 'g> {
    list: &'a AllowList,
    c: &'a Comparison<'g>,
    a: &'a Analysis,
    by_symbol: FxHashMap<&'a str, Vec<usize>>,
    by_type: FxHashMap<&'a str, Vec<usize>>,
}

impl<'a, 'g> Matcher<'a, 'g> {
    fn new(list: &'a AllowList, c: &'a Comparison<'g>, a: &'a Analysis) -> Self {
        let mut by_symbol: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        let mut by_type: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, e) in list.entries.iter().enumerate() {
            match &e.target {
                Target::Symbol(s) => by_symbol.entry(s).or_default().push(i),
                Target::Type(t) => by_type.entry(t).or_default().push(i),
            }
        }
        Matcher {
            list,
            c,
            a,
            by_symbol,
            by_type,
        }
    }

    /// The entry for `name` that approves changes of `kind`.
    fn entry(
        &self,
        t: &FxHashMap<&str, Vec<usize>>,
        name: &str,
        kind: ChangeKind,
    ) -> Option<usize> {
        t.get(name)?
            .iter()
            .copied()
            .find(|&i| self.list.entries[i].kind.covers(kind))
    }

    /// What a leaf type's change consists of: its own details, and the
    /// changes reached through its unnamed members or underlying type.
    fn leaf_kinds(&self, d: DiffId) -> Vec<ChangeKind> {
        let diff = self.c.diffs.get(d);
        let mut kinds: Vec<ChangeKind> = diff.details.iter().map(|d| d.kind()).collect();
        for (edge, child) in &diff.children {
            if self.c.is_changed(*child)
                && self.c.named(*child).is_none()
                && self.c.has_local_content(*child)
            {
                kinds.push(match edge {
                    Edge::Member(_) => ChangeKind::MemberTypeChanged,
                    Edge::Underlying => ChangeKind::UnderlyingTypeChanged,
                    _ => ChangeKind::SubtypeChanged,
                });
            }
        }
        kinds.sort();
        kinds.dedup();
        kinds
    }

    fn run(self) -> Matched {
        let (c, a) = (self.c, self.a);
        let mut matched = vec![false; self.list.entries.len()];
        let mut v = Matched::default();

        // Leaf types first: interfaces changed only through approved leaf
        // types are approved by them.
        let mut leaf_ok = Vec::with_capacity(a.leaves.len());
        for l in &a.leaves {
            let kinds = self.leaf_kinds(l.diff);
            let mut used = Vec::new();
            let all = self.entry(&self.by_type, &l.name, ChangeKind::Changed);
            if let Some(e) = all {
                matched[e] = true;
                used.push(e);
            }
            let mut covered = true;
            for k in &kinds {
                match self.entry(&self.by_type, &l.name, *k) {
                    Some(e) => {
                        matched[e] = true;
                        if all.is_none() {
                            used.push(e);
                        }
                    }
                    None => covered = false,
                }
            }
            let ok = all.is_some() || (covered && !kinds.is_empty());
            leaf_ok.push(ok);
            v.leaves.push(if ok { used } else { Vec::new() });
        }

        for (list, out, kind) in [
            (&c.removed, &mut v.removed, ChangeKind::Removed),
            (&c.added, &mut v.added, ChangeKind::Added),
        ] {
            for s in list.iter() {
                match self.entry(&self.by_symbol, &s.name, kind) {
                    Some(e) => {
                        matched[e] = true;
                        out.push(vec![e]);
                    }
                    None => out.push(Vec::new()),
                }
            }
        }

        for (i, s) in c.changed_symbols.iter().enumerate() {
            let name = s.new.name.as_str();
            let mut used = Vec::new();
            let all = self.entry(&self.by_symbol, name, ChangeKind::Changed);
            if let Some(e) = all {
                matched[e] = true;
                used.push(e);
            }
            // The type part: explicitly, or through its leaf types when
            // nothing else about the type changed.
            let mut type_ok = true;
            if let Some(d) = s.diff {
                let explicit = self.entry(&self.by_symbol, name, ChangeKind::TypeChanged);
                if let Some(e) = explicit {
                    matched[e] = true;
                    used.push(e);
                }
                let leaves = &a.interface_leaves[i];
                let local = c.named(d).is_none() && c.has_local_content(d);
                let through_leaves = !local && leaves.iter().all(|&l| leaf_ok[l]);
                if explicit.is_none() && through_leaves {
                    for &l in leaves {
                        used.extend(v.leaves[l].iter().copied());
                    }
                }
                type_ok = explicit.is_some() || through_leaves;
            }
            let mut details_ok = true;
            for det in &s.details {
                let k = det.kind();
                match self.entry(&self.by_symbol, name, k) {
                    Some(e) => {
                        matched[e] = true;
                        used.push(e);
                    }
                    // A new CRC or variable size follows from the type
                    // change: approving the type approves them.
                    None if s.diff.is_some()
                        && type_ok
                        && matches!(k, ChangeKind::CrcChanged | ChangeKind::SizeChanged) => {}
                    None => details_ok = false,
                }
            }
            let ok = all.is_some() || (type_ok && details_ok);
            used.sort_unstable();
            used.dedup();
            v.changed.push(if ok { used } else { Vec::new() });
        }

        v.stale = (0..self.list.entries.len())
            .filter(|&i| !matched[i])
            .collect();

        let unapproved = |v: &[Vec<usize>]| v.iter().any(|e| e.is_empty());
        if unapproved(&v.removed) || unapproved(&v.added) || unapproved(&v.changed) {
            v.exit_code |= 4;
        }
        if unapproved(&v.removed) {
            v.exit_code |= 8;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Result<AllowList> {
        AllowList::parse(t, Path::new("allow.txt"))
    }

    #[test]
    fn entries_and_reasons() {
        let l = p("# header\n\
                   symbol kmi_a_send crc_changed   # flags argument\n\
                   type 'struct kmi_device' changed # new member\n\
                   type  enum   kmi_state  enumerator-added\n\
                   symbol kmi_a_legacy_reset removed\n")
        .unwrap();
        assert_eq!(l.entries.len(), 4);
        assert_eq!(l.entries[0].spec(), "symbol kmi_a_send crc-changed");
        assert_eq!(
            l.entries[0].annotation().text(),
            "approved by allow.txt:2: symbol kmi_a_send crc-changed # flags argument"
        );
        assert_eq!(
            l.entries[1].target,
            Target::Type("struct kmi_device".into())
        );
        assert_eq!(l.entries[2].target, Target::Type("enum kmi_state".into()));
        assert_eq!(l.entries[2].kind, ChangeKind::EnumeratorAdded);
        assert_eq!(l.entries[3].annotation().origin(), "allow.txt:5");
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let e = |t: &str| p(t).unwrap_err().to_string();
        assert!(e("\nsymbol foo\n").starts_with("allow.txt:2: expected 'symbol NAME KIND'"));
        assert!(e("symbol foo bar\n").starts_with("allow.txt:1: unknown change kind 'bar'"));
        assert!(e("type 'struct x changed\n").starts_with("allow.txt:1: unterminated"));
        assert!(e("type changed\n").starts_with("allow.txt:1: expected 'type NAME KIND'"));
        assert!(e("type 'struct x' member-eaten\n").contains("unknown change kind"));
        assert!(e("sym foo removed\n").starts_with("allow.txt:1: expected 'symbol' or 'type'"));
        assert_eq!(
            e("symbol a removed\nsymbol a removed # again\n"),
            "allow.txt:2: same entry as line 1"
        );
        assert!(p("").unwrap().is_empty());
    }
}

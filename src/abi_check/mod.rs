//! The symbol-level ABI check: what Debian's and Ubuntu's kernel packaging
//! compare between the previous upload and the new build to decide whether
//! the ABI number must be bumped.

pub mod ignore;
pub mod report;

use ignore::IgnoreRules;
use crate::graph::Symbol;
use serde::Serialize;
use std::cmp::Ordering;

/// One kind of symbol-level change, in report order: breaking kinds first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Removed,
    CrcChanged,
    NowGpl,
    NamespaceChanged,
    NoLongerGpl,
    Added,
    Moved,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 7] = [
        ChangeKind::Removed,
        ChangeKind::CrcChanged,
        ChangeKind::NowGpl,
        ChangeKind::NamespaceChanged,
        ChangeKind::NoLongerGpl,
        ChangeKind::Added,
        ChangeKind::Moved,
    ];

    /// Would a module built against the old kernel fail to load (or lose
    /// access) with the new one? Removal, CRC, GPL-only and namespace changes
    /// all make the loader refuse it; the rest only widen the interface.
    pub fn breaking(self) -> bool {
        matches!(
            self,
            ChangeKind::Removed
                | ChangeKind::CrcChanged
                | ChangeKind::NowGpl
                | ChangeKind::NamespaceChanged
        )
    }

    /// The JSON and summary key.
    pub fn key(self) -> &'static str {
        match self {
            ChangeKind::Removed => "removed",
            ChangeKind::CrcChanged => "crc_changed",
            ChangeKind::NowGpl => "now_gpl",
            ChangeKind::NamespaceChanged => "namespace_changed",
            ChangeKind::NoLongerGpl => "no_longer_gpl",
            ChangeKind::Added => "added",
            ChangeKind::Moved => "moved",
        }
    }

    /// How the summary line counts this kind.
    pub fn short(self) -> &'static str {
        match self {
            ChangeKind::Removed => "removed",
            ChangeKind::CrcChanged => "CRC changed",
            ChangeKind::NowGpl => "now GPL-only",
            ChangeKind::NamespaceChanged => "namespace changed",
            ChangeKind::NoLongerGpl => "no longer GPL-only",
            ChangeKind::Added => "added",
            ChangeKind::Moved => "moved",
        }
    }

    /// Section title of the text report.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::Removed => "Removed",
            ChangeKind::CrcChanged => "CRC changed",
            ChangeKind::NowGpl => "Now GPL-only",
            ChangeKind::NamespaceChanged => "Namespace changed",
            ChangeKind::NoLongerGpl => "No longer GPL-only",
            ChangeKind::Added => "Added",
            ChangeKind::Moved => "Moved to another module",
        }
    }
}

/// One change of one symbol. A symbol can have several (CRC changed and
/// now GPL-only), each listed under its kind.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    pub symbol: String,
    pub old: Option<Symbol>,
    pub new: Option<Symbol>,
    /// Index of the ignore rule that accepted this change.
    pub ignored_by: Option<usize>,
}

impl Change {
    /// Module names on both sides, for `module` ignore rules and reports.
    pub fn modules(&self) -> Vec<&str> {
        let mut m: Vec<&str> = [&self.old, &self.new]
            .into_iter()
            .flatten()
            .map(|s| s.module.as_str())
            .collect();
        m.dedup();
        m
    }

    /// The module now exporting the symbol, or that did before removal.
    pub fn module(&self) -> &str {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .map(|s| s.module.as_str())
            .unwrap_or("")
    }

    pub fn counts(&self) -> bool {
        self.ignored_by.is_none()
    }
}

/// Compare two export lists, each sorted by name with one entry per name.
/// The result is ordered by kind, then symbol.
pub fn compare(old: &[Symbol], new: &[Symbol]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        let ord = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.name.cmp(&b.name),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match ord {
            Ordering::Less => {
                out.push(change(ChangeKind::Removed, Some(&old[i]), None));
                i += 1;
            }
            Ordering::Greater => {
                out.push(change(ChangeKind::Added, None, Some(&new[j])));
                j += 1;
            }
            Ordering::Equal => {
                let (a, b) = (&old[i], &new[j]);
                let mut kinds = Vec::new();
                if a.crc != b.crc {
                    kinds.push(ChangeKind::CrcChanged);
                }
                if a.gpl != b.gpl {
                    kinds.push(if b.gpl {
                        ChangeKind::NowGpl
                    } else {
                        ChangeKind::NoLongerGpl
                    });
                }
                if a.namespace != b.namespace {
                    kinds.push(ChangeKind::NamespaceChanged);
                }
                if a.module != b.module {
                    kinds.push(ChangeKind::Moved);
                }
                for k in kinds {
                    out.push(change(k, Some(a), Some(b)));
                }
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.symbol.cmp(&b.symbol)));
    out
}

fn change(kind: ChangeKind, old: Option<&Symbol>, new: Option<&Symbol>) -> Change {
    let symbol = new.or(old).map(|s| s.name.clone()).unwrap_or_default();
    Change {
        kind,
        symbol,
        old: old.cloned(),
        new: new.cloned(),
        ignored_by: None,
    }
}

/// Mark the changes the rules accept; returns how many changes each rule
/// matched (0 = an unused rule, worth telling: the change it was written
/// for is gone or the glob has a typo).
pub fn apply_ignores(changes: &mut [Change], rules: &IgnoreRules) -> Vec<usize> {
    let mut used = vec![0; rules.rules.len()];
    for c in changes.iter_mut() {
        if let Some(r) = rules.find(&c.symbol, &c.modules()) {
            c.ignored_by = Some(r);
            used[r] += 1;
        }
    }
    used
}

/// 0 no change that counts, 4 only compatible ones, 12 (4 | 8) a breaking
/// one - the bit field kmidiff and libabigail use.
pub fn exit_status(changes: &[Change]) -> i32 {
    let counted = changes.iter().filter(|c| c.counts());
    let mut code = 0;
    for c in counted {
        code |= 4;
        if c.kind.breaking() {
            code |= 8;
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::SymbolKind;

    fn sym(name: &str, crc: u32, module: &str, gpl: bool, ns: &str) -> Symbol {
        Symbol {
            name: name.into(),
            kind: SymbolKind::Unknown,
            gpl,
            namespace: ns.into(),
            crc: Some(crc),
            module: module.into(),
            size: 0,
            ty: None,
            location: None,
        }
    }

    #[test]
    fn every_kind() {
        let old = vec![
            sym("a_gone", 1, "vmlinux", false, ""),
            sym("b_crc", 2, "vmlinux", false, ""),
            sym("c_gpl", 3, "m", false, ""),
            sym("d_ungpl", 4, "m", true, ""),
            sym("e_ns", 5, "m", false, ""),
            sym("f_moved", 6, "m", false, ""),
            sym("g_same", 7, "m", false, ""),
            sym("h_crc_gpl", 8, "m", false, ""),
        ];
        let new = vec![
            sym("b_crc", 20, "vmlinux", false, ""),
            sym("c_gpl", 3, "m", true, ""),
            sym("d_ungpl", 4, "m", false, ""),
            sym("e_ns", 5, "m", false, "NS"),
            sym("f_moved", 6, "vmlinux", false, ""),
            sym("g_same", 7, "m", false, ""),
            sym("h_crc_gpl", 80, "m", true, ""),
            sym("z_new", 9, "m", false, ""),
        ];
        let c = compare(&old, &new);
        let got: Vec<(ChangeKind, &str)> = c.iter().map(|c| (c.kind, c.symbol.as_str())).collect();
        assert_eq!(
            got,
            [
                (ChangeKind::Removed, "a_gone"),
                (ChangeKind::CrcChanged, "b_crc"),
                (ChangeKind::CrcChanged, "h_crc_gpl"),
                (ChangeKind::NowGpl, "c_gpl"),
                (ChangeKind::NowGpl, "h_crc_gpl"),
                (ChangeKind::NamespaceChanged, "e_ns"),
                (ChangeKind::NoLongerGpl, "d_ungpl"),
                (ChangeKind::Added, "z_new"),
                (ChangeKind::Moved, "f_moved"),
            ]
        );
        assert_eq!(exit_status(&c), 12);
        assert_eq!(c[8].modules(), ["m", "vmlinux"]);
        assert_eq!(c[8].module(), "vmlinux");
        assert_eq!(c[0].module(), "vmlinux");
    }

    #[test]
    fn exit_status_levels() {
        let a = vec![sym("x", 1, "m", false, "")];
        let b = vec![sym("x", 1, "m", false, ""), sym("y", 1, "m", false, "")];
        assert_eq!(exit_status(&compare(&a, &a)), 0);
        assert_eq!(exit_status(&compare(&a, &b)), 4);
        let mut c = compare(&b, &a);
        assert_eq!(exit_status(&c), 12);
        let rules = IgnoreRules {
            rules: super::ignore::parse(
                "symbol y\nmodule nothing\n",
                std::path::Path::new("i"),
            )
            .unwrap(),
        };
        assert_eq!(apply_ignores(&mut c, &rules), [1, 0]);
        assert_eq!(exit_status(&c), 0);
    }

    #[test]
    fn crc_appearing_or_disappearing_is_a_change() {
        let mut x = sym("x", 1, "m", false, "");
        let a = vec![x.clone()];
        x.crc = None;
        let b = vec![x];
        let c = compare(&a, &b);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::CrcChanged);
    }
}

//! The symbol-level ABI check: what Debian's and Ubuntu's kernel packaging
//! compare between the previous upload and the new build to decide whether
//! the ABI number must be bumped.

pub mod ignore;
pub mod report;

use crate::compare::{ChangeKind, Paired, pair_symbols, symbol_details};
use crate::graph::Lacks;
use crate::graph::Symbol;
use crate::report::annotate::Annotation;
use ignore::IgnoreRules;

/// The kinds abi-check reports, in report order: breaking kinds first.
pub const REPORTED: [ChangeKind; 7] = [
    ChangeKind::Removed,
    ChangeKind::CrcChanged,
    ChangeKind::NowGpl,
    ChangeKind::NamespaceChanged,
    ChangeKind::NoLongerGpl,
    ChangeKind::Added,
    ChangeKind::ModuleChanged,
];

fn rank(k: ChangeKind) -> usize {
    REPORTED
        .iter()
        .position(|&r| r == k)
        .unwrap_or(REPORTED.len())
}

/// One change of one symbol. A symbol can have several (CRC changed and
/// now GPL-only), each listed under its kind.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    pub symbol: String,
    pub old: Option<Symbol>,
    pub new: Option<Symbol>,
    /// The ignore rule that accepted this change.
    pub ignored_by: Option<Annotation>,
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
pub fn compare(old: &[Symbol], new: &[Symbol], lacks: Lacks) -> Vec<Change> {
    let mut out = Vec::new();
    for p in pair_symbols(old, new) {
        match p {
            Paired::Removed(s) | Paired::Added(s) if !lacks.can_see(s) => {}
            Paired::Removed(a) => out.push(change(ChangeKind::Removed, Some(a), None)),
            Paired::Added(b) => out.push(change(ChangeKind::Added, None, Some(b))),
            Paired::Both(a, b) => {
                for d in symbol_details(a, b, lacks) {
                    if REPORTED.contains(&d.kind()) {
                        out.push(change(d.kind(), Some(a), Some(b)));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
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
        if let Some(r) = rules.find(&c.symbol, &c.modules(), c.kind) {
            c.ignored_by = Some(rules.rules[r].annotation());
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
        let c = compare(&old, &new, Lacks::default());
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
                (ChangeKind::ModuleChanged, "f_moved"),
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
        assert_eq!(exit_status(&compare(&a, &a, Lacks::default())), 0);
        assert_eq!(exit_status(&compare(&a, &b, Lacks::default())), 4);
        let mut c = compare(&b, &a, Lacks::default());
        assert_eq!(exit_status(&c), 12);
        let rules = IgnoreRules {
            rules: super::ignore::parse("symbol y\nmodule nothing\n", std::path::Path::new("i"))
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
        let c = compare(&a, &b, Lacks::default());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::CrcChanged);
    }
}

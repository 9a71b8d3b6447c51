//! Why did a CRC change? genksyms hashes the expanded C declarations a
//! symbol reaches, so a CRC change is the shadow of a type change; with
//! DWARF on both sides the type diff names it.

use crate::compare::Detail;
use crate::compare::{
    Comparison, DiffId, Edge, NoFilter, Reach, TypeDiffs, TypeFilter, compare_kernels,
};
use crate::graph::{Graph, Symbol};
use crate::report::Units;
use crate::report::text::detail_line;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// One changed type behind a CRC change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// "struct kmi_device", or where in the symbol's own type the change
    /// is when no named type carries it ("return type", "parameter 4").
    pub what: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "causes", rename_all = "snake_case")]
pub enum Explanation {
    Explained(Vec<Cause>),
    /// Both sides have types and they are the same: the CRC moved for a
    /// reason DWARF does not show (a struct genksyms saw as opaque, an
    /// attribute, a header reordering).
    NoVisibleTypeCause,
    /// One side has no DWARF for the symbol.
    NoDebugInfo,
}

impl Explanation {
    /// Indented text lines for reports.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Explanation::Explained(causes) => causes
                .iter()
                .map(|c| format!("cause: {}: {}", c.what, c.details.join("; ")))
                .collect(),
            Explanation::NoVisibleTypeCause => vec!["no visible type cause".into()],
            Explanation::NoDebugInfo => vec!["no debug info on both sides: cannot explain".into()],
        }
    }
}

/// A type only declared on the old side (`struct net_device;` in a module
/// that never looks inside) against its definition is not a change of the
/// type. Needed when the old side is a module's view of the kernel.
pub struct IgnoreDeclarations;

impl TypeFilter for IgnoreDeclarations {
    fn suppressed(&self, diffs: &TypeDiffs<'_>, d: DiffId, _: Reach) -> bool {
        let details = &diffs.get(d).details;
        !details.is_empty()
            && details
                .iter()
                .all(|x| matches!(x, Detail::DeclarationChanged { .. }))
    }
    fn symbol_suppressed(&self, _: &Symbol, _: &str) -> bool {
        false
    }
}

/// Explain each of `names` by comparing its type in `old` and `new`.
pub fn explain(
    old: &Graph,
    new: &Graph,
    names: &[String],
    ignore_declarations: bool,
) -> FxHashMap<String, Explanation> {
    let filter: &dyn TypeFilter = if ignore_declarations {
        &IgnoreDeclarations
    } else {
        &NoFilter
    };
    let cmp = compare_kernels(old, new, filter);
    let analysis = cmp.analyse();
    let by_name: FxHashMap<&str, usize> = cmp
        .changed_symbols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.new.name.as_str(), i))
        .collect();
    let units = Units::default();
    let mut out = FxHashMap::default();
    for name in names {
        let has_type = |g: &Graph| g.symbol(name).is_some_and(|s| s.ty.is_some());
        let e = if !has_type(old) || !has_type(new) {
            Explanation::NoDebugInfo
        } else {
            match by_name
                .get(name.as_str())
                .map(|&i| (i, &cmp.changed_symbols[i]))
            {
                Some((i, sc)) if sc.diff.is_some() => {
                    let mut causes = Vec::new();
                    // A variable whose type is a named struct has that
                    // struct as its root: it is listed as a leaf below.
                    if let Some(root) = sc.diff.filter(|d| cmp.named(*d).is_none()) {
                        let mut local = Vec::new();
                        local_lines(
                            &cmp,
                            root,
                            "",
                            &mut FxHashSet::default(),
                            &mut local,
                            &units,
                        );
                        if !local.is_empty() {
                            causes.push(Cause {
                                what: "own type".into(),
                                details: local,
                            });
                        }
                    }
                    for &li in &analysis.interface_leaves[i] {
                        let leaf = &analysis.leaves[li];
                        let mut details = Vec::new();
                        local_lines(
                            &cmp,
                            leaf.diff,
                            "",
                            &mut FxHashSet::default(),
                            &mut details,
                            &units,
                        );
                        let cause = Cause {
                            what: leaf.name.clone(),
                            details,
                        };
                        // Two diffs of one named type (reached complete and
                        // through a declaration) describe the same change.
                        if !causes.contains(&cause) {
                            causes.push(cause);
                        }
                    }
                    if causes.is_empty() {
                        Explanation::NoVisibleTypeCause
                    } else {
                        Explanation::Explained(causes)
                    }
                }
                _ => Explanation::NoVisibleTypeCause,
            }
        };
        out.insert(name.clone(), e);
    }
    out
}

fn edge_words(e: &Edge) -> String {
    match e {
        Edge::Return => "return type".into(),
        Edge::Param(i) => format!("parameter {i}"),
        Edge::Member(m) => format!("member '{m}'"),
        Edge::PointedTo => "pointed-to type".into(),
        Edge::Underlying => "underlying type".into(),
        Edge::Element => "element type".into(),
        Edge::Qualified => "qualified type".into(),
    }
}

/// The changes of `d` itself and of the unnamed types below it (named ones
/// are causes of their own), each prefixed with the path that leads there.
fn local_lines(
    cmp: &Comparison<'_>,
    d: DiffId,
    prefix: &str,
    seen: &mut FxHashSet<DiffId>,
    out: &mut Vec<String>,
    units: &Units,
) {
    if !seen.insert(d) {
        return;
    }
    let diff = cmp.diffs.get(d);
    for det in &diff.details {
        if matches!(det, Detail::DeclarationChanged { .. }) && !cmp.is_changed(d) {
            continue;
        }
        out.push(format!("{prefix}{}", detail_line(det, units)));
    }
    for (edge, child) in &diff.children {
        if !cmp.is_changed(*child) || cmp.named(*child).is_some() {
            continue;
        }
        let p = format!("{prefix}{}: ", edge_words(edge));
        local_lines(cmp, *child, &p, seen, out, units);
    }
}

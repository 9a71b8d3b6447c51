//! Why did a CRC change? genksyms hashes the expanded C declarations a
//! symbol reaches, so a CRC change is the shadow of a type change; with
//! DWARF on both sides the type diff names it.

use crate::compare::{Comparison, DiffId, EdgeStyle, NoFilter, compare_kernels};
use crate::graph::Graph;
use crate::report::Units;
use crate::report::text::detail_line;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// Why one symbol's CRC changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Explanation {
    Explained {
        /// Changes in the symbol's own signature that no named type carries
        /// ("return type: type changed from 'int' to 'long int'").
        own_type: Vec<String>,
        /// The changed named types the symbol reaches ("struct kmi_device"),
        /// sorted; what changed in each is in the report's type table, so
        /// a type behind thousands of CRC changes is described once.
        types: Vec<String>,
    },
    /// Both sides have types and they are the same: the CRC moved for a
    /// reason DWARF does not show (a struct genksyms saw as opaque, an
    /// attribute, a header reordering).
    NoVisibleTypeCause,
    /// One side has no DWARF for the symbol.
    NoDebugInfo,
}

/// How many type names a text line lists before "(+N more)": a symbol of a
/// kernel a major version away reaches hundreds.
const NAMES_PER_LINE: usize = 12;

impl Explanation {
    /// Text lines for reports, to be indented under the CRC change.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Explanation::Explained { own_type, types } => {
                let mut out: Vec<String> =
                    own_type.iter().map(|l| format!("own type: {l}")).collect();
                if !types.is_empty() {
                    let mut line = format!(
                        "changed types: {}",
                        types
                            .iter()
                            .take(NAMES_PER_LINE)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if types.len() > NAMES_PER_LINE {
                        line += &format!(" (+{} more)", types.len() - NAMES_PER_LINE);
                    }
                    out.push(line);
                }
                out
            }
            Explanation::NoVisibleTypeCause => vec!["no visible type cause".into()],
            Explanation::NoDebugInfo => vec!["no debug info on both sides: cannot explain".into()],
        }
    }
}

/// One changed named type and what changed in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeChange {
    #[serde(rename = "type")]
    pub name: String,
    pub details: Vec<String>,
}

/// Explanations per symbol, and the table of the types they name.
#[derive(Debug, Clone, Default)]
pub struct Explained {
    pub symbols: FxHashMap<String, Explanation>,
    /// Sorted by name, one entry per name.
    pub types: Vec<TypeChange>,
}

impl Explained {
    /// Fold another comparison's results in; for a type both describe, the
    /// first description is kept (the same headers give the same change).
    pub fn merge_types(tables: impl IntoIterator<Item = Vec<TypeChange>>) -> Vec<TypeChange> {
        let mut by_name: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for t in tables.into_iter().flatten() {
            by_name.entry(t.name).or_insert(t.details);
        }
        by_name
            .into_iter()
            .map(|(name, details)| TypeChange { name, details })
            .collect()
    }
}

/// Explain each of `names` by comparing its type in `old` and `new`. A type
/// the old side only declares (`struct net_device;` in a module that never
/// looks inside) equals its definition, as everywhere in the comparison.
pub fn explain(old: &Graph, new: &Graph, names: &[String]) -> Explained {
    let cmp = compare_kernels(old, new, &NoFilter);
    let analysis = cmp.analyse();
    let by_name: FxHashMap<&str, usize> = cmp
        .changed_symbols
        .iter()
        .enumerate()
        .map(|(i, s)| (s.new.name.as_str(), i))
        .collect();
    let units = Units::default();
    let mut used_leaves = FxHashSet::default();
    let mut symbols = FxHashMap::default();
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
                    let mut own_type = Vec::new();
                    // A variable whose type is a named struct has that
                    // struct as its root: it is listed among the types.
                    if let Some(root) = sc.diff.filter(|d| cmp.named(*d).is_none()) {
                        local_lines(
                            &cmp,
                            root,
                            "",
                            &mut FxHashSet::default(),
                            &mut own_type,
                            &units,
                        );
                    }
                    let mut types: Vec<String> = analysis.interface_leaves[i]
                        .iter()
                        .map(|&li| {
                            used_leaves.insert(li);
                            analysis.leaves[li].name.clone()
                        })
                        .collect();
                    // Two diffs of one named type (reached complete and
                    // through a declaration) are one cause.
                    types.dedup();
                    if own_type.is_empty() && types.is_empty() {
                        Explanation::NoVisibleTypeCause
                    } else {
                        Explanation::Explained { own_type, types }
                    }
                }
                _ => Explanation::NoVisibleTypeCause,
            }
        };
        symbols.insert(name.clone(), e);
    }
    let mut leaves: Vec<usize> = used_leaves.into_iter().collect();
    leaves.sort_unstable();
    let table = leaves.into_iter().map(|li| {
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
        TypeChange {
            name: leaf.name.clone(),
            details,
        }
    });
    Explained {
        symbols,
        types: Explained::merge_types([table.collect::<Vec<_>>()]),
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
        out.push(format!("{prefix}{}", detail_line(det, units)));
    }
    for (edge, child) in &diff.children {
        if !cmp.is_changed(*child) || cmp.named(*child).is_some() {
            continue;
        }
        let p = format!("{prefix}{}: ", edge.spelled(EdgeStyle::Explain));
        local_lines(cmp, *child, &p, seen, out, units);
    }
}

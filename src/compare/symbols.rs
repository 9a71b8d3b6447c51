//! Interface-level comparison: symbols matched by name, symbol-level changes
//! (CRC, export flavour, namespace, module), and whether each type diff
//! really is a change once suppressions are applied.

use super::facts::TypeFacts;
use super::{ChangeKind, DiffId, Edge, TypeDiffs};
use crate::graph::{Graph, Lacks, Node, Symbol, SymbolKind, TypeId};
use serde::Serialize;

/// A change of the symbol itself, not of its type. Serialized without its
/// kind, as [`super::Detail`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SymDetail {
    CrcChanged {
        old: Option<u32>,
        new: Option<u32>,
    },
    /// EXPORT_SYMBOL <-> EXPORT_SYMBOL_GPL.
    ExportChanged {
        now_gpl: bool,
    },
    NamespaceChanged {
        old: String,
        new: String,
    },
    /// Exported by another binary now (same name, same type).
    ModuleChanged {
        old: String,
        new: String,
    },
    KindChanged {
        old: SymbolKind,
        new: SymbolKind,
    },
    SizeChanged {
        old: u64,
        new: u64,
    },
    /// The CRC changed while the types on both sides are the same.
    CrcUnexplained {},
}

impl SymDetail {
    pub fn kind(&self) -> ChangeKind {
        match self {
            SymDetail::CrcChanged { .. } => ChangeKind::CrcChanged,
            SymDetail::ExportChanged { now_gpl: true } => ChangeKind::NowGpl,
            SymDetail::ExportChanged { now_gpl: false } => ChangeKind::NoLongerGpl,
            SymDetail::NamespaceChanged { .. } => ChangeKind::NamespaceChanged,
            SymDetail::ModuleChanged { .. } => ChangeKind::ModuleChanged,
            SymDetail::KindChanged { .. } => ChangeKind::KindChanged,
            SymDetail::SizeChanged { .. } => ChangeKind::SizeChanged,
            SymDetail::CrcUnexplained {} => ChangeKind::CrcUnexplained,
        }
    }

    /// The kind kmidiff's JSON reports write: both schemas predate the
    /// split of `export_changed` by direction, which `now_gpl` carries.
    pub fn report_kind(&self) -> ChangeKind {
        match self.kind() {
            k @ (ChangeKind::NowGpl | ChangeKind::NoLongerGpl) => k.info().part_of.unwrap_or(k),
            k => k,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        super::with_kind(serde_json::to_value(self), self.report_kind())
    }
}

impl SymbolChange<'_> {
    /// Its CRC changed, and the debug info shows no type change.
    pub fn crc_unexplained(&self) -> bool {
        self.details.contains(&SymDetail::CrcUnexplained {})
    }
}

#[derive(Debug, Clone)]
pub struct SymbolChange<'g> {
    pub old: &'g Symbol,
    pub new: &'g Symbol,
    pub details: Vec<SymDetail>,
    /// The type diff, when the type changed.
    pub diff: Option<DiffId>,
}

/// How a changed type is reached, for `accessed_through` suppressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Direct,
    Pointer,
    Reference,
}

/// Decides whether a change is suppressed (not a change at all), from the
/// facts the comparison established.
pub trait TypeFilter {
    /// Whether the filter can suppress anything (else no facts are built).
    fn active(&self) -> bool {
        true
    }
    fn suppressed(&self, change: &TypeFacts<'_>) -> bool;
    /// Whether a symbol-level entry is hidden: `change` is
    /// [`ChangeKind::Added`], [`ChangeKind::Removed`] or [`ChangeKind::Changed`].
    fn symbol_suppressed(&self, s: &Symbol, change: ChangeKind) -> bool;
}

/// No suppressions.
pub struct NoFilter;

impl TypeFilter for NoFilter {
    fn active(&self) -> bool {
        false
    }
    fn suppressed(&self, _: &TypeFacts<'_>) -> bool {
        false
    }
    fn symbol_suppressed(&self, _: &Symbol, _: ChangeKind) -> bool {
        false
    }
}

pub struct Comparison<'g> {
    pub a: &'g Graph,
    pub b: &'g Graph,
    pub diffs: TypeDiffs<'g>,
    /// Per diff: a change survives (own details, or a changed child), after
    /// suppressions.
    pub changed: Vec<bool>,
    pub removed: Vec<&'g Symbol>,
    pub added: Vec<&'g Symbol>,
    pub changed_symbols: Vec<SymbolChange<'g>>,
    /// What one side's source does not record, so was not compared.
    pub lacks: Lacks,
    /// Symbols on one side only that the other side's source could not
    /// have recorded (see [`Lacks::can_see`]).
    pub not_compared: usize,
    /// What suppressions took out of the report.
    pub suppressed: Suppressed,
}

/// Entries a suppression specification removed from a report: counted, so
/// that a report can say that something was left out, and how much. The
/// `suppressed` key of JSON reports (fields in name order, as they write).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Suppressed {
    pub added: usize,
    /// Changed symbols whose every change was suppressed.
    pub changed: usize,
    pub removed: usize,
}

impl Comparison<'_> {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty() && self.changed_symbols.is_empty()
    }

    /// Changed symbols whose CRC changed with no visible type change.
    pub fn crc_unexplained(&self) -> usize {
        self.changed_symbols
            .iter()
            .filter(|s| s.crc_unexplained())
            .count()
    }

    /// libabigail's exit bit field: 4 for any change, 8 more for an
    /// incompatible one (a symbol that disappeared).
    pub fn exit_code(&self) -> i32 {
        let mut code = 0;
        if !self.is_empty() {
            code |= 4;
        }
        if !self.removed.is_empty() {
            code |= 8;
        }
        code
    }
}

pub fn compare_kernels<'g>(a: &'g Graph, b: &'g Graph, filter: &dyn TypeFilter) -> Comparison<'g> {
    let mut diffs = TypeDiffs::new(a, b);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut pending: Vec<(&Symbol, &Symbol, Vec<SymDetail>, Option<DiffId>)> = Vec::new();
    // Two sources: pahole and abidw record an assembler function (from the
    // subprogram DIE gas writes) as `void (void)` where DWARF may hold its C
    // declaration, and the other way round. Between two sources such a pair
    // says nothing; within one it is kept.
    let cross = diffs.cross_source;
    let void_void = |g: &Graph, t: TypeId| {
        matches!(g.node(t), Node::Function { ret, params, variadic: false }
            if *ret == Graph::VOID && params.is_empty())
    };

    let lacks = a.lacks.either(b.lacks);
    let mut not_compared = 0;
    for p in pair_symbols(&a.symbols, &b.symbols) {
        match p {
            Paired::Removed(x) | Paired::Added(x) if !lacks.can_see(x) => not_compared += 1,
            Paired::Removed(x) => removed.push(x),
            Paired::Added(y) => added.push(y),
            Paired::Both(x, y) => {
                let diff = match (x.ty, y.ty) {
                    (Some(tx), Some(ty)) if cross && void_void(a, tx) != void_void(b, ty) => None,
                    (Some(tx), Some(ty)) => {
                        let (tx, ty) = match x.kind {
                            SymbolKind::Variable => diffs.loose(tx, ty, true),
                            _ => (tx, ty),
                        };
                        Some(diffs.compare(tx, ty))
                    }
                    _ => None,
                };
                pending.push((x, y, symbol_details(x, y, lacks), diff));
            }
        }
    }

    let (raw, changed) = propagate(&diffs, filter);
    let mut suppressed = Suppressed::default();
    let mut changed_symbols = Vec::new();
    for (x, y, mut details, diff) in pending {
        // genksyms hashes the types a symbol reaches: a new CRC with the
        // same types on both sides is a change the debug info does not show
        // (or a miss of ours), never to pass in silence. A type change a
        // suppression hides still explains it.
        if diff.is_some_and(|d| !raw[d.0 as usize])
            && details.iter().any(|d| d.kind() == ChangeKind::CrcChanged)
        {
            details.push(SymDetail::CrcUnexplained {});
        }
        let had_type_change = diff.is_some_and(|d| raw[d.0 as usize]);
        let diff = diff.filter(|d| changed[d.0 as usize]);
        if details.is_empty() && diff.is_none() {
            // A type change that suppressions hid entirely.
            suppressed.changed += usize::from(had_type_change);
            continue;
        }
        if filter.symbol_suppressed(y, ChangeKind::Changed) {
            suppressed.changed += 1;
            continue;
        }
        changed_symbols.push(SymbolChange {
            old: x,
            new: y,
            details,
            diff,
        });
    }
    let (n_removed, n_added) = (removed.len(), added.len());
    removed.retain(|s| !filter.symbol_suppressed(s, ChangeKind::Removed));
    added.retain(|s| !filter.symbol_suppressed(s, ChangeKind::Added));
    suppressed.removed = n_removed - removed.len();
    suppressed.added = n_added - added.len();
    Comparison {
        a,
        b,
        diffs,
        changed,
        removed,
        added,
        changed_symbols,
        lacks,
        not_compared,
        suppressed,
    }
}

/// One step of the merge join of two export lists.
pub enum Paired<'s> {
    Removed(&'s Symbol),
    Added(&'s Symbol),
    Both(&'s Symbol, &'s Symbol),
}

/// Walk two export lists, each sorted by name with one entry per name, in
/// step: every name once, on one side or both.
pub fn pair_symbols<'s>(a: &'s [Symbol], b: &'s [Symbol]) -> impl Iterator<Item = Paired<'s>> {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let p = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => match x.name.cmp(&y.name) {
                std::cmp::Ordering::Less => Paired::Removed(x),
                std::cmp::Ordering::Greater => Paired::Added(y),
                std::cmp::Ordering::Equal => Paired::Both(x, y),
            },
            (Some(x), None) => Paired::Removed(x),
            (None, Some(y)) => Paired::Added(y),
            (None, None) => return None,
        };
        match p {
            Paired::Removed(_) => i += 1,
            Paired::Added(_) => j += 1,
            Paired::Both(..) => (i, j) = (i + 1, j + 1),
        }
        Some(p)
    })
}

/// The symbol-level changes between two exports of one name.
/// Fields one side's source does not record (`lacks`) are not compared.
pub fn symbol_details(x: &Symbol, y: &Symbol, lacks: Lacks) -> Vec<SymDetail> {
    let mut d = Vec::new();
    if x.kind != y.kind && x.kind != SymbolKind::Unknown && y.kind != SymbolKind::Unknown {
        d.push(SymDetail::KindChanged {
            old: x.kind,
            new: y.kind,
        });
    }
    if x.gpl != y.gpl && !lacks.flavour {
        d.push(SymDetail::ExportChanged { now_gpl: y.gpl });
    }
    if x.crc != y.crc {
        d.push(SymDetail::CrcChanged {
            old: x.crc,
            new: y.crc,
        });
    }
    if x.namespace != y.namespace {
        d.push(SymDetail::NamespaceChanged {
            old: x.namespace.clone(),
            new: y.namespace.clone(),
        });
    }
    if x.module != y.module && !lacks.modules {
        d.push(SymDetail::ModuleChanged {
            old: x.module.clone(),
            new: y.module.clone(),
        });
    }
    if x.kind == SymbolKind::Variable
        && x.size != y.size
        && x.size != 0
        && y.size != 0
        && !lacks.sizes
    {
        d.push(SymDetail::SizeChanged {
            old: x.size,
            new: y.size,
        });
    }
    d
}

/// Changes flow from a diff to every diff that contains it, except through a
/// suppressed diff. Working on the reversed diff graph makes this linear and
/// indifferent to cycles.
/// Per diff: changed before any filter, and after the filter.
fn propagate(diffs: &TypeDiffs<'_>, filter: &dyn TypeFilter) -> (Vec<bool>, Vec<bool>) {
    let n = diffs.diffs.len();
    let mut parents: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
    let mut reach = vec![Reach::Direct; n];
    for (p, d) in diffs.diffs.iter().enumerate() {
        let via_ref = matches!(
            diffs.a.node(d.a),
            Node::Pointer {
                reference: true,
                ..
            }
        );
        for (edge, c) in &d.children {
            let through_pointer = *edge == Edge::PointedTo;
            parents[c.0 as usize].push((p as u32, through_pointer));
            if through_pointer {
                reach[c.0 as usize] = if via_ref {
                    Reach::Reference
                } else {
                    Reach::Pointer
                };
            }
        }
    }
    let flow = |is_suppressed: &mut dyn FnMut(usize) -> bool| -> Vec<bool> {
        let mut changed = vec![false; n];
        let mut stack = Vec::new();
        for (i, d) in diffs.diffs.iter().enumerate() {
            if !d.details.is_empty() && !is_suppressed(i) {
                changed[i] = true;
                stack.push(i);
            }
        }
        while let Some(c) = stack.pop() {
            for &(p, _) in &parents[c] {
                let p = p as usize;
                if !changed[p] && !is_suppressed(p) {
                    changed[p] = true;
                    stack.push(p);
                }
            }
        }
        changed
    };
    // What changed before any filter: the facts filters are given.
    let raw = flow(&mut |_| false);
    if !filter.active() {
        return (raw.clone(), raw);
    }
    let mut memo: Vec<Option<bool>> = vec![None; n];
    let filtered = flow(&mut |d: usize| -> bool {
        *memo[d].get_or_insert_with(|| {
            filter.suppressed(&diffs.facts(DiffId(d as u32), reach[d], &raw))
        })
    });
    (raw, filtered)
}

/// Whether both sides of a diff are the same named type (a change *of* that
/// type, as opposed to one type replaced by another).
pub fn same_named_type(g: (&Graph, &Graph), ids: (TypeId, TypeId)) -> Option<String> {
    let (a, b) = (g.0.node(ids.0), g.1.node(ids.1));
    match (a, b) {
        (
            Node::Aggregate {
                kind: ka,
                name: Some(na),
                ..
            },
            Node::Aggregate {
                kind: kb,
                name: Some(nb),
                ..
            },
        ) if ka == kb && g.0.str(*na) == g.1.str(*nb) => {
            Some(format!("{} {}", ka.keyword(), g.0.str(*na)))
        }
        (Node::Enum { name: Some(na), .. }, Node::Enum { name: Some(nb), .. })
            if g.0.str(*na) == g.1.str(*nb) =>
        {
            Some(format!("enum {}", g.0.str(*na)))
        }
        (Node::Typedef { name: na, .. }, Node::Typedef { name: nb, .. })
            if g.0.str(*na) == g.1.str(*nb) =>
        {
            Some(format!("typedef {}", g.0.str(*na)))
        }
        (Node::Base { name: na, .. }, Node::Base { name: nb, .. })
            if g.0.str(*na) == g.1.str(*nb) =>
        {
            Some(g.0.str(*na).to_string())
        }
        _ => None,
    }
}

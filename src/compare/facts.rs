//! What changed in one pair of types, in the terms filters ask about:
//! members inserted (where), removed, changed; size; enumerators; how the
//! interface reaches the type. The comparison computes these once from its
//! own findings, so a filter never has to read meaning into the shape of
//! the diff graph.

use super::{Detail, DiffId, Edge, Reach, TypeDiffs};
use crate::graph::{AggKind, Graph, Node, TypeId};
use std::borrow::Cow;

/// The kind of a changed type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Struct,
    Union,
    Enum,
    Typedef,
    Base,
    Pointer,
    Array,
    Function,
    Other,
}

/// One data member of a struct or union, in declaration order (offsets
/// like `offset_after()` and `end` rely on that order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFact<'g> {
    pub name: &'g str,
    pub offset_bits: u64,
    pub size_bits: u64,
}

/// The facts of one changed pair of types.
#[derive(Debug, Clone)]
pub struct TypeFacts<'g> {
    pub kind: TypeKind,
    /// Tag or typedef name without "struct "; for a pointer, array or
    /// function type its C spelling ("struct kmi_device *"), which
    /// libabigail's name properties match too; "" when anonymous.
    pub name: Cow<'g, str>,
    /// Where the new type is declared, as the debug info spells it.
    pub source_file: Option<&'g str>,
    pub old_size_bits: u64,
    pub new_size_bits: u64,
    pub old_members: Vec<MemberFact<'g>>,
    pub new_members: Vec<MemberFact<'g>>,
    /// Members only in the new type (offsets in the new type).
    pub inserted: Vec<MemberFact<'g>>,
    /// Members only in the old type.
    pub removed: Vec<MemberFact<'g>>,
    /// Members in both that moved, were renamed, changed width, or whose
    /// type changed.
    pub changed_members: usize,
    pub added_enumerators: Vec<&'g str>,
    /// Enumerators added or with a new value.
    pub changed_enumerators: Vec<&'g str>,
    pub removed_or_changed_enumerators: usize,
    pub reach: Reach,
}

impl Default for TypeFacts<'_> {
    fn default() -> Self {
        TypeFacts {
            kind: TypeKind::Other,
            name: Cow::Borrowed(""),
            source_file: None,
            old_size_bits: 0,
            new_size_bits: 0,
            old_members: Vec::new(),
            new_members: Vec::new(),
            inserted: Vec::new(),
            removed: Vec::new(),
            changed_members: 0,
            added_enumerators: Vec::new(),
            changed_enumerators: Vec::new(),
            removed_or_changed_enumerators: 0,
            reach: Reach::Direct,
        }
    }
}

fn kind_and_name(g: &Graph, id: TypeId) -> (TypeKind, Cow<'_, str>) {
    let (kind, name) = tag_kind_and_name(g, id);
    match kind {
        TypeKind::Pointer | TypeKind::Array | TypeKind::Function => (kind, g.describe(id).into()),
        _ => (kind, name.into()),
    }
}

fn tag_kind_and_name(g: &Graph, id: TypeId) -> (TypeKind, &str) {
    match g.node(id) {
        Node::Aggregate { kind, name, .. } => (
            match kind {
                AggKind::Union => TypeKind::Union,
                AggKind::Struct => TypeKind::Struct,
            },
            g.opt_str(*name),
        ),
        Node::Enum { name, .. } => (TypeKind::Enum, g.opt_str(*name)),
        Node::Typedef { name, .. } => (TypeKind::Typedef, g.str(*name)),
        Node::Base { name, .. } => (TypeKind::Base, g.str(*name)),
        Node::Pointer { .. } => (TypeKind::Pointer, ""),
        Node::Array { .. } => (TypeKind::Array, ""),
        Node::Function { .. } => (TypeKind::Function, ""),
        _ => (TypeKind::Other, ""),
    }
}

fn members(g: &Graph, id: TypeId) -> Vec<MemberFact<'_>> {
    match g.node(id) {
        Node::Aggregate { members, .. } => members
            .iter()
            .map(|m| MemberFact {
                name: g.opt_str(m.name),
                offset_bits: m.offset_bits,
                size_bits: m.bit_size.or_else(|| g.size_bits(m.ty)).unwrap_or(0),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn pick<'g>(ms: &[MemberFact<'g>], n: &str) -> Option<MemberFact<'g>> {
    ms.iter().find(|m| m.name == n).cloned()
}

impl<'g> TypeDiffs<'g> {
    /// The facts of diff `d`. `changed` says, per diff, whether it holds a
    /// change before any filter: a member whose type changed counts as a
    /// changed member whatever a filter later decides about that type.
    pub fn facts(&self, d: DiffId, reach: Reach, changed: &[bool]) -> TypeFacts<'g> {
        let diff = self.get(d);
        let (ga, gb) = (self.a, self.b);
        let (kind, name) = kind_and_name(gb, diff.b);
        let old_members = members(ga, diff.a);
        let new_members = members(gb, diff.b);
        let mut f = TypeFacts {
            kind,
            name,
            source_file: gb
                .files
                .get(diff.b.index())
                .copied()
                .flatten()
                .map(|n| gb.str(n)),
            old_size_bits: ga.size_bits(diff.a).unwrap_or(0),
            new_size_bits: gb.size_bits(diff.b).unwrap_or(0),
            reach,
            ..TypeFacts::default()
        };
        for det in &diff.details {
            match det {
                Detail::MemberAdded { name, .. } => f.inserted.extend(pick(&new_members, name)),
                Detail::MemberRemoved { name, .. } => f.removed.extend(pick(&old_members, name)),
                Detail::MemberOffsetChanged { .. }
                | Detail::BitfieldChanged { .. }
                | Detail::MemberRenamed { .. } => f.changed_members += 1,
                Detail::EnumeratorAdded { name, .. } => {
                    let n = name_in(gb, diff.b, name);
                    f.added_enumerators.push(n);
                    f.changed_enumerators.push(n);
                }
                Detail::EnumeratorChanged { name, .. } => {
                    f.changed_enumerators.push(name_in(gb, diff.b, name));
                    f.removed_or_changed_enumerators += 1;
                }
                Detail::EnumeratorRemoved { .. } => f.removed_or_changed_enumerators += 1,
                _ => {}
            }
        }
        f.changed_members += diff
            .children
            .iter()
            .filter(|(e, c)| matches!(e, Edge::Member(_)) && changed[c.0 as usize])
            .count();
        f.old_members = old_members;
        f.new_members = new_members;
        f
    }
}

/// `name` as the graph holds it, so the facts borrow from the graphs and
/// not from the diff; an enumerator of a detail is always in the enum.
fn name_in<'g>(g: &'g Graph, id: TypeId, name: &str) -> &'g str {
    if let Node::Enum { enumerators, .. } = g.node(id) {
        for e in enumerators {
            if g.str(e.name) == name {
                return g.str(e.name);
            }
        }
    }
    ""
}

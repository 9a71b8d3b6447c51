//! Applying libabigail suppression specifications to a comparison.

use super::suppr::{Access, ChangeKind, MemberFact, Suppressions, TypeChange, TypeKind};
use crate::compare::{Detail, DiffId, Reach, TypeDiffs, TypeFilter};
use crate::graph::{AggKind, Graph, Node, Symbol, SymbolKind, TypeId};

pub struct SuppressionFilter<'s> {
    s: &'s Suppressions,
}

impl<'s> SuppressionFilter<'s> {
    pub fn new(s: &'s Suppressions) -> Self {
        SuppressionFilter { s }
    }
}

fn kind_and_name(g: &Graph, id: TypeId) -> Option<(TypeKind, &str)> {
    match g.node(id) {
        Node::Aggregate { kind, name, .. } => Some((
            if *kind == AggKind::Union {
                TypeKind::Union
            } else {
                TypeKind::Struct
            },
            g.opt_str(*name),
        )),
        Node::Enum { name, .. } => Some((TypeKind::Enum, g.opt_str(*name))),
        Node::Typedef { name, .. } => Some((TypeKind::Typedef, g.str(*name))),
        Node::Base { name, .. } => Some((TypeKind::Base, g.str(*name))),
        Node::Pointer { .. } => Some((TypeKind::Pointer, "")),
        Node::Array { .. } => Some((TypeKind::Array, "")),
        Node::Function { .. } => Some((TypeKind::Function, "")),
        _ => None,
    }
}

fn pick<'a>(ms: &[MemberFact<'a>], n: &str) -> Option<MemberFact<'a>> {
    ms.iter().find(|m| m.name == n).cloned()
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

impl TypeFilter for SuppressionFilter<'_> {
    fn suppressed(&self, diffs: &TypeDiffs<'_>, d: DiffId, reach: Reach) -> bool {
        let diff = diffs.get(d);
        let (ga, gb) = (diffs.a, diffs.b);
        let Some((kind, name)) = kind_and_name(gb, diff.b) else {
            return false;
        };
        let file = gb
            .files
            .get(diff.b.index())
            .copied()
            .flatten()
            .map(|f| gb.str(f));
        if !name.is_empty() && self.s.drops_type(kind, name, file) {
            return true;
        }
        let old_members = members(ga, diff.a);
        let new_members = members(gb, diff.b);
        let mut inserted = Vec::new();
        let mut removed = Vec::new();
        let mut changed_members = 0;
        let mut added_enumerators: Vec<&str> = Vec::new();
        let mut changed_enumerators: Vec<&str> = Vec::new();
        let mut other_enum = 0;
        for det in &diff.details {
            match det {
                Detail::MemberAdded { name, .. } => inserted.extend(pick(&new_members, name)),
                Detail::MemberRemoved { name, .. } => removed.extend(pick(&old_members, name)),
                Detail::MemberOffsetChanged { .. }
                | Detail::BitfieldChanged { .. }
                | Detail::MemberRenamed { .. } => changed_members += 1,
                Detail::EnumeratorAdded { name, .. } => {
                    added_enumerators.push(name);
                    changed_enumerators.push(name);
                }
                Detail::EnumeratorChanged { name, .. } => {
                    changed_enumerators.push(name);
                    other_enum += 1;
                }
                Detail::EnumeratorRemoved { .. } => other_enum += 1,
                _ => {}
            }
        }
        changed_members += diff
            .children
            .iter()
            .filter(|(e, c)| {
                matches!(e, crate::compare::Edge::Member(_)) && {
                    let cd = diffs.get(*c);
                    !cd.details.is_empty() || !cd.children.is_empty()
                }
            })
            .count();
        let change = TypeChange {
            kind,
            name,
            source_file: file,
            old_size_bits: ga.size_bits(diff.a).unwrap_or(0),
            new_size_bits: gb.size_bits(diff.b).unwrap_or(0),
            old_members: &old_members,
            new_members: &new_members,
            inserted: &inserted,
            removed: &removed,
            changed_members,
            added_enumerators: &added_enumerators,
            removed_or_changed_enumerators: other_enum,
            access: match reach {
                Reach::Direct => Access::Direct,
                Reach::Pointer => Access::Pointer,
                Reach::Reference => Access::Reference,
            },
        };
        self.s
            .suppresses_type_with_enumerators(&change, &changed_enumerators)
    }

    fn symbol_suppressed(&self, s: &Symbol, change: &str) -> bool {
        let kind = match change {
            "added" => ChangeKind::Added,
            "removed" => ChangeKind::Deleted,
            _ => ChangeKind::SubTypeChange,
        };
        match s.kind {
            SymbolKind::Variable => self.s.suppresses_variable(&s.name, kind),
            _ => self.s.suppresses_function(&s.name, kind),
        }
    }
}

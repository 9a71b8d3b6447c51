//! Applying libabigail suppression specifications to a comparison: the
//! comparison's facts of each change, as the specifications ask about them.

use super::suppr::{self, Access, MemberFact, Suppressions, TypeChange, TypeKind};
use crate::compare::facts::{self, TypeFacts};
use crate::compare::{ChangeKind, Reach, TypeFilter};
use crate::graph::{Symbol, SymbolKind};

pub struct SuppressionFilter<'s> {
    s: &'s Suppressions,
}

impl<'s> SuppressionFilter<'s> {
    pub fn new(s: &'s Suppressions) -> Self {
        SuppressionFilter { s }
    }
}

fn kind(k: facts::TypeKind) -> TypeKind {
    match k {
        facts::TypeKind::Struct => TypeKind::Struct,
        facts::TypeKind::Union => TypeKind::Union,
        facts::TypeKind::Enum => TypeKind::Enum,
        facts::TypeKind::Typedef => TypeKind::Typedef,
        facts::TypeKind::Base => TypeKind::Base,
        facts::TypeKind::Pointer => TypeKind::Pointer,
        facts::TypeKind::Array => TypeKind::Array,
        facts::TypeKind::Function => TypeKind::Function,
        facts::TypeKind::Other => TypeKind::Other,
    }
}

fn member_facts<'a>(v: &[facts::MemberFact<'a>]) -> Vec<MemberFact<'a>> {
    v.iter()
        .map(|m| MemberFact {
            name: m.name,
            offset_bits: m.offset_bits,
            size_bits: m.size_bits,
        })
        .collect()
}

impl TypeFilter for SuppressionFilter<'_> {
    fn suppressed(&self, f: &TypeFacts<'_>) -> bool {
        if f.kind == facts::TypeKind::Other {
            return false;
        }
        let k = kind(f.kind);
        if !f.name.is_empty() && self.s.drops_type(k, &f.name, f.source_file) {
            return true;
        }
        let old_members = member_facts(&f.old_members);
        let new_members = member_facts(&f.new_members);
        let inserted = member_facts(&f.inserted);
        let removed = member_facts(&f.removed);
        let change = TypeChange {
            kind: k,
            name: &f.name,
            source_file: f.source_file,
            old_size_bits: f.old_size_bits,
            new_size_bits: f.new_size_bits,
            old_members: &old_members,
            new_members: &new_members,
            inserted: &inserted,
            removed: &removed,
            changed_members: f.changed_members,
            added_enumerators: &f.added_enumerators,
            removed_or_changed_enumerators: f.removed_or_changed_enumerators,
            access: match f.reach {
                Reach::Direct => Access::Direct,
                Reach::Pointer => Access::Pointer,
                Reach::Reference => Access::Reference,
            },
        };
        self.s
            .suppresses_type_with_enumerators(&change, &f.changed_enumerators)
    }

    fn symbol_suppressed(&self, s: &Symbol, change: ChangeKind) -> bool {
        let kind = match change {
            ChangeKind::Added => suppr::ChangeKind::Added,
            ChangeKind::Removed => suppr::ChangeKind::Deleted,
            _ => suppr::ChangeKind::SubTypeChange,
        };
        match s.kind {
            SymbolKind::Variable => self.s.suppresses_variable(&s.name, kind),
            _ => self.s.suppresses_function(&s.name, kind),
        }
    }
}

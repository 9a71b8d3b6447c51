//! Applying libabigail suppression specifications to a comparison: the
//! comparison establishes the facts of each change, the specifications
//! decide on them.

use super::suppr::Suppressions;
use crate::compare::facts::{TypeFacts, TypeKind};
use crate::compare::{ChangeKind, TypeFilter};
use crate::graph::{Symbol, SymbolKind};

pub struct SuppressionFilter<'s> {
    s: &'s Suppressions,
}

impl<'s> SuppressionFilter<'s> {
    pub fn new(s: &'s Suppressions) -> Self {
        SuppressionFilter { s }
    }
}

impl TypeFilter for SuppressionFilter<'_> {
    fn suppressed(&self, f: &TypeFacts<'_>) -> bool {
        if f.kind == TypeKind::Other {
            return false;
        }
        (!f.name.is_empty() && self.s.drops_type(f.kind, &f.name, f.source_file))
            || self.s.suppresses_type(f)
    }

    fn symbol_suppressed(&self, s: &Symbol, change: ChangeKind) -> bool {
        match s.kind {
            SymbolKind::Variable => self.s.suppresses_variable(&s.name, change),
            _ => self.s.suppresses_function(&s.name, change),
        }
    }
}

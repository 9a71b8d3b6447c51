//! The one vocabulary of change. Every report (text, JSON), summary, exit
//! status and filter (`--allow`, `--ignore`, suppressions) names a change by
//! a [`ChangeKind`] and reads what it needs to know of it from [`KINDS`], so
//! adding a kind is one row here plus the code that detects it, and the ids
//! files and JSON consumers depend on cannot drift from a Rust identifier.

use std::fmt;

/// Every kind of change, symbol-level and type-level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    // What happened to an exported symbol as a whole.
    Removed,
    Added,
    /// Anything about a symbol or type: an umbrella for approvals.
    Changed,
    /// The type of a symbol changed, or a changed type is reached.
    TypeChanged,
    // Symbol attributes.
    CrcChanged,
    /// The CRC changed while debug info shows no type change.
    CrcUnexplained,
    /// EXPORT_SYMBOL <-> EXPORT_SYMBOL_GPL, either way: an umbrella.
    ExportChanged,
    NowGpl,
    NoLongerGpl,
    NamespaceChanged,
    ModuleChanged,
    KindChanged,
    /// A variable's symbol size, or a type's size.
    SizeChanged,
    // Types.
    TypeReplaced,
    MemberAdded,
    MemberRemoved,
    MemberRenamed,
    MemberOffsetChanged,
    BitfieldChanged,
    MemberTypeChanged,
    UnderlyingTypeChanged,
    SubtypeChanged,
    EnumeratorAdded,
    EnumeratorRemoved,
    EnumeratorChanged,
    ParamAdded,
    ParamRemoved,
    VariadicChanged,
    ArrayCountChanged,
    QualifierAdded,
    QualifierRemoved,
}

/// What a kind can be said of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Symbol,
    Type,
    Both,
}

impl Scope {
    pub fn symbol(self) -> bool {
        self != Scope::Type
    }
    pub fn of_type(self) -> bool {
        self != Scope::Symbol
    }
    fn word(self) -> &'static str {
        match self {
            Scope::Symbol => "symbol",
            Scope::Type => "type",
            Scope::Both => "symbol, type",
        }
    }
}

/// One row of the vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub kind: ChangeKind,
    /// Stable id: the `kind` of JSON reports, and the word `--allow` and
    /// `--ignore` files use (with `-` or `_`).
    pub id: &'static str,
    pub scope: Scope,
    /// Would a module built against the old kernel stop loading, or lose
    /// access to the symbol, with the new one? (Type-level kinds are not:
    /// what they break, the CRC change that comes with them says.)
    pub breaking: bool,
    /// How summaries count it ("3 CRC changed").
    pub label: &'static str,
    pub description: &'static str,
    /// The umbrella kind that also covers this one, for approvals.
    pub part_of: Option<ChangeKind>,
}

const fn row(
    kind: ChangeKind,
    id: &'static str,
    scope: Scope,
    breaking: bool,
    label: &'static str,
    description: &'static str,
) -> KindInfo {
    KindInfo {
        kind,
        id,
        scope,
        breaking,
        label,
        description,
        part_of: None,
    }
}

const fn under(umbrella: ChangeKind, r: KindInfo) -> KindInfo {
    KindInfo {
        part_of: Some(umbrella),
        ..r
    }
}

use ChangeKind as K;
use Scope::{Both, Symbol as Sym, Type as Ty};

/// The vocabulary, in the order of [`ChangeKind`] (a test checks it).
#[rustfmt::skip]
pub const KINDS: &[KindInfo] = &[
    row(K::Removed, "removed", Sym, true, "removed", "the symbol is no longer exported"),
    row(K::Added, "added", Sym, false, "added", "a new exported symbol"),
    row(K::Changed, "changed", Both, false, "changed", "any change of the symbol or type (umbrella for approvals)"),
    row(K::TypeChanged, "type_changed", Both, false, "type changed", "the symbol's type, or a named type it reaches, changed"),
    row(K::CrcChanged, "crc_changed", Sym, true, "CRC changed", "the modversions CRC changed: modules built for the old kernel are refused"),
    under(K::CrcChanged, row(K::CrcUnexplained, "crc_unexplained", Sym, true, "CRC changed, no type change visible", "the CRC changed but the debug info shows no type change: a change it cannot see, or a miss")),
    row(K::ExportChanged, "export_changed", Sym, false, "export changed", "EXPORT_SYMBOL <-> EXPORT_SYMBOL_GPL, either way (umbrella)"),
    under(K::ExportChanged, row(K::NowGpl, "now_gpl", Sym, true, "now GPL-only", "EXPORT_SYMBOL became EXPORT_SYMBOL_GPL: non-GPL modules lose it")),
    under(K::ExportChanged, row(K::NoLongerGpl, "no_longer_gpl", Sym, false, "no longer GPL-only", "EXPORT_SYMBOL_GPL became EXPORT_SYMBOL")),
    row(K::NamespaceChanged, "namespace_changed", Sym, true, "namespace changed", "the symbol namespace changed: importers need another MODULE_IMPORT_NS"),
    row(K::ModuleChanged, "module_changed", Sym, false, "moved between modules", "another binary exports the symbol now"),
    row(K::KindChanged, "kind_changed", Sym, false, "kind changed", "a function became a variable or the reverse"),
    row(K::SizeChanged, "size_changed", Both, false, "size changed", "the size of a variable's symbol, or of a type, changed"),
    row(K::TypeReplaced, "type_replaced", Ty, false, "type replaced", "a type was replaced by another one (another name or kind)"),
    row(K::MemberAdded, "member_added", Ty, false, "member added", "a data member was inserted"),
    row(K::MemberRemoved, "member_removed", Ty, false, "member removed", "a data member was removed"),
    row(K::MemberRenamed, "member_renamed", Ty, false, "member renamed", "a data member has a new name, same place and type"),
    row(K::MemberOffsetChanged, "member_offset_changed", Ty, false, "member moved", "a data member is at another offset"),
    row(K::BitfieldChanged, "bitfield_changed", Ty, false, "bit-field changed", "a data member's bit-field width changed"),
    under(K::TypeChanged, row(K::MemberTypeChanged, "member_type_changed", Ty, false, "member type changed", "the type of a data member changed")),
    under(K::TypeChanged, row(K::UnderlyingTypeChanged, "underlying_type_changed", Ty, false, "underlying type changed", "the type a typedef names changed")),
    under(K::TypeChanged, row(K::SubtypeChanged, "subtype_changed", Ty, false, "subtype changed", "a type below this one changed (pointee, element, parameter, return)")),
    row(K::EnumeratorAdded, "enumerator_added", Ty, false, "enumerator added", "an enumerator was added"),
    row(K::EnumeratorRemoved, "enumerator_removed", Ty, false, "enumerator removed", "an enumerator was removed"),
    row(K::EnumeratorChanged, "enumerator_changed", Ty, false, "enumerator changed", "an enumerator's value changed"),
    row(K::ParamAdded, "param_added", Ty, false, "parameter added", "a function type has a new parameter"),
    row(K::ParamRemoved, "param_removed", Ty, false, "parameter removed", "a function type lost a parameter"),
    row(K::VariadicChanged, "variadic_changed", Ty, false, "variadic changed", "a function type became variadic or stopped being so"),
    row(K::ArrayCountChanged, "array_count_changed", Ty, false, "array count changed", "an array's element count changed"),
    row(K::QualifierAdded, "qualifier_added", Ty, false, "qualifier added", "const, volatile or restrict added"),
    row(K::QualifierRemoved, "qualifier_removed", Ty, false, "qualifier removed", "const, volatile or restrict removed"),
];

impl ChangeKind {
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn breaking(self) -> bool {
        self.info().breaking
    }

    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// The label as a heading ("CRC changed", "Now GPL-only").
    pub fn title(self) -> String {
        let l = self.label();
        let mut c = l.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        }
    }

    /// Does naming `self` in an approval cover a change of kind `k`?
    pub fn covers(self, k: ChangeKind) -> bool {
        self == k || k.info().part_of == Some(self)
    }

    /// The kind a file names, by id with `-` or `_` ("crc-changed").
    pub fn parse(word: &str) -> Option<ChangeKind> {
        let w = word.replace('-', "_");
        KINDS.iter().find(|r| r.id == w).map(|r| r.kind)
    }

    /// The kinds that can be said of a symbol (or of a type), as files
    /// spell them, for error messages.
    pub fn spelled(scope_symbol: bool) -> String {
        KINDS
            .iter()
            .filter(|r| {
                if scope_symbol {
                    r.scope.symbol()
                } else {
                    r.scope.of_type()
                }
            })
            .map(|r| r.id.replace('_', "-"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The vocabulary as a Markdown table, the one README.md carries (a test
/// keeps them equal).
pub fn markdown_table() -> String {
    let mut s =
        String::from("| id | of | breaking | summary label | meaning |\n|---|---|---|---|---|\n");
    for r in KINDS {
        s += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.scope.word(),
            if r.breaking { "yes" } else { "no" },
            r.label,
            r.description
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_with_unique_ids() {
        for (i, r) in KINDS.iter().enumerate() {
            assert_eq!(r.kind as usize, i, "{} out of place", r.id);
            assert_eq!(ChangeKind::parse(r.id), Some(r.kind));
            assert_eq!(ChangeKind::parse(&r.id.replace('_', "-")), Some(r.kind));
        }
        let mut ids: Vec<&str> = KINDS.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), KINDS.len());
    }

    #[test]
    fn umbrellas_cover_their_kinds() {
        assert!(ChangeKind::ExportChanged.covers(ChangeKind::NowGpl));
        assert!(ChangeKind::ExportChanged.covers(ChangeKind::NoLongerGpl));
        assert!(!ChangeKind::NowGpl.covers(ChangeKind::NoLongerGpl));
        assert!(ChangeKind::CrcChanged.covers(ChangeKind::CrcChanged));
        assert_eq!(ChangeKind::NowGpl.title(), "Now GPL-only");
    }

    #[test]
    fn readme_lists_the_vocabulary() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&markdown_table()),
            "README.md's table of change kinds differs from compare::kind::KINDS; \
             paste compare::kind::markdown_table() there:\n{}",
            markdown_table()
        );
    }
}

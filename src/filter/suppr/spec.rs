//! The section model and matching: what a parsed section selects, and
//! whether it hides a given change.

use regex::Regex;

use super::{Access, ChangeKind, MemberFact, TypeChange, TypeKind};

/// name / name_regexp / name_not_regexp (or the symbol_name trio).
#[derive(Debug, Default, Clone)]
pub(super) struct NameFilter {
    pub(super) exact: Option<String>,
    pub(super) re: Option<Regex>,
    pub(super) not_re: Option<Regex>,
}

impl NameFilter {
    pub(super) fn is_set(&self) -> bool {
        self.exact.is_some() || self.re.is_some() || self.not_re.is_some()
    }

    // libabigail lets `name` shadow the regexps in some sections and not in
    // others; requiring all of them is the AND rule and never hides more.
    fn matches(&self, s: &str) -> bool {
        self.exact.as_deref().is_none_or(|e| e == s)
            && self.re.as_ref().is_none_or(|r| r.is_match(s))
            && self.not_re.as_ref().is_none_or(|r| !r.is_match(s))
    }
}

/// source_location_not_in / source_location_not_regexp: both name types to
/// keep, so a type "in" them is never hidden.
#[derive(Debug, Default, Clone)]
pub(super) struct LocationFilter {
    pub(super) not_in: Vec<String>,
    pub(super) not_re: Option<Regex>,
}

impl LocationFilter {
    pub(super) fn is_set(&self) -> bool {
        !self.not_in.is_empty() || self.not_re.is_some()
    }

    fn allows(&self, file: Option<&str>) -> bool {
        if !self.is_set() {
            return true;
        }
        // libabigail: a type without a location cannot be shown to be
        // outside the kept files, so such a section does not hide it.
        let Some(raw) = file else { return false };
        let norm = normalize_path(raw);
        if self
            .not_re
            .as_ref()
            .is_some_and(|re| re.is_match(raw) || re.is_match(&norm))
        {
            return false;
        }
        !self.not_in.iter().any(|entry| {
            norm == *entry
                || norm
                    .strip_suffix(entry.as_str())
                    .is_some_and(|head| head.ends_with('/'))
        })
    }
}

/// DWARF paths come as "/build/linux/./include/x.h" or "include/../include/x.h"
/// depending on the build; compare them lexically cleaned.
pub(super) fn normalize_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KindSel {
    /// libabigail's "class" is any class type, which in C is a struct (not
    /// a union).
    Class,
    Struct,
    Union,
    Enum,
    Typedef,
    Array,
    Pointer,
    /// Kernel C has no reference types, so this never matches.
    Reference,
    Function,
    Builtin,
}

impl KindSel {
    pub(super) fn parse(v: &str) -> Option<Self> {
        Some(match v {
            "class" => KindSel::Class,
            "struct" => KindSel::Struct,
            "union" => KindSel::Union,
            "enum" => KindSel::Enum,
            "typedef" => KindSel::Typedef,
            "array" => KindSel::Array,
            "pointer" => KindSel::Pointer,
            "reference" => KindSel::Reference,
            "function" => KindSel::Function,
            "builtin" | "basic" => KindSel::Builtin,
            _ => return None,
        })
    }

    fn matches(self, k: TypeKind) -> bool {
        match self {
            KindSel::Class | KindSel::Struct => k == TypeKind::Struct,
            KindSel::Union => k == TypeKind::Union,
            KindSel::Enum => k == TypeKind::Enum,
            KindSel::Typedef => k == TypeKind::Typedef,
            KindSel::Array => k == TypeKind::Array,
            KindSel::Pointer => k == TypeKind::Pointer,
            KindSel::Reference => false,
            KindSel::Function => k == TypeKind::Function,
            KindSel::Builtin => k == TypeKind::Base,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    Direct,
    Pointer,
    Reference,
    ReferenceOrPointer,
}

impl Reach {
    fn matches(self, a: Access) -> bool {
        match self {
            Reach::Direct => a == Access::Direct,
            Reach::Pointer => a == Access::Pointer,
            Reach::Reference => a == Access::Reference,
            Reach::ReferenceOrPointer => a != Access::Direct,
        }
    }
}

/// One end of an insertion range, evaluated against the old type.
#[derive(Debug, Clone)]
pub(super) enum Boundary {
    Bits(u64),
    /// libabigail represents `end` as the largest offset.
    End,
    OffsetOf(String),
    OffsetAfter(String),
    FirstMatching(Regex),
    LastMatching(Regex),
}

impl Boundary {
    fn eval(&self, old: &[MemberFact]) -> Option<u64> {
        match self {
            Boundary::Bits(n) => Some(*n),
            Boundary::End => Some(u64::MAX),
            Boundary::OffsetOf(m) => old.iter().find(|f| f.name == m).map(|f| f.offset_bits),
            Boundary::OffsetAfter(m) => {
                let i = old.iter().position(|f| f.name == m)?;
                let f = old.get(i)?;
                // The documented meaning: where the member's storage ends,
                // so that {offset_after(a), offset_of(b)} covers the padding
                // between a and b. libabigail's code takes the next member's
                // offset instead (right for a bitfield sized by its
                // underlying type, but it empties that padding range); the
                // smaller of the two serves both.
                let end = f.offset_bits.saturating_add(f.size_bits);
                Some(match old.get(i + 1) {
                    Some(next) if next.offset_bits > f.offset_bits => end.min(next.offset_bits),
                    _ => end,
                })
            }
            Boundary::FirstMatching(re) => old
                .iter()
                .find(|f| re.is_match(f.name))
                .map(|f| f.offset_bits),
            Boundary::LastMatching(re) => old
                .iter()
                .rev()
                .find(|f| re.is_match(f.name))
                .map(|f| f.offset_bits),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct InsertionRange {
    pub(super) begin: Boundary,
    pub(super) end: Boundary,
}

impl InsertionRange {
    /// libabigail's `is_data_member_offset_in_range`.
    fn contains(&self, offset: u64, old: &[MemberFact]) -> bool {
        let (Some(b), Some(e)) = (self.begin.eval(old), self.end.eval(old)) else {
            // A boundary naming a member the old type lacks cannot hold.
            return false;
        };
        if b > e {
            return false;
        }
        if b == u64::MAX && e == u64::MAX {
            // "inserted at end": after the start of the old last member.
            return match old.iter().map(|f| f.offset_bits).max() {
                Some(last) => offset > last,
                None => true,
            };
        }
        b <= offset && offset <= e
    }
}

#[derive(Debug, Clone)]
pub(super) struct TypeSection {
    /// False for a section libabigail ignores (no selecting property).
    pub(super) effective: bool,
    pub(super) kind: Option<KindSel>,
    pub(super) names: NameFilter,
    pub(super) location: LocationFilter,
    pub(super) reach: Option<Reach>,
    pub(super) has_members: Vec<String>,
    pub(super) has_member_re: Option<Regex>,
    pub(super) ranges: Vec<InsertionRange>,
    pub(super) has_size_change: bool,
    pub(super) changed_enum_names: Vec<String>,
    pub(super) changed_enum_res: Vec<Regex>,
    pub(super) drop: bool,
}

impl TypeSection {
    pub(super) fn matches(&self, c: &TypeChange, changed_enums: &[&str]) -> bool {
        self.effective
            && self.kind.is_none_or(|k| k.matches(c.kind))
            && self.names.matches(&c.name)
            && self.location.allows(c.source_file)
            && self.reach.is_none_or(|r| r.matches(c.reach))
            && self.members_ok(c)
            && self.insertions_ok(c)
            && self.enumerators_ok(c, changed_enums)
    }

    fn is_record(k: TypeKind) -> bool {
        matches!(k, TypeKind::Struct | TypeKind::Union)
    }

    /// has_data_member / has_data_member_regexp look at the old type, as
    /// libabigail does. A type without data members cannot satisfy them
    /// (libabigail would skip the test for non-class types and hide them).
    fn members_ok(&self, c: &TypeChange) -> bool {
        if self.has_members.is_empty() && self.has_member_re.is_none() {
            return true;
        }
        if !Self::is_record(c.kind) {
            return false;
        }
        self.has_members
            .iter()
            .all(|n| c.old_members.iter().any(|m| m.name == n))
            && self
                .has_member_re
                .as_ref()
                .is_none_or(|re| c.old_members.iter().any(|m| re.is_match(m.name)))
    }

    /// has_data_member_inserted_*: libabigail since late 2021 refuses a
    /// type that lost a member or shrank; current libabigail (and its
    /// documentation all along) refuses any size change unless
    /// `has_size_change = yes`, and wants changed members inside a range
    /// too. We require all of it, so no libabigail version would have
    /// reported what we hide. Existing members change offset or type here
    /// only when something moved, which these properties exist to catch,
    /// so any changed member refuses.
    fn insertions_ok(&self, c: &TypeChange) -> bool {
        if self.ranges.is_empty() {
            return true;
        }
        if !Self::is_record(c.kind)
            || !c.removed.is_empty()
            || c.changed_members != 0
            || c.inserted.is_empty()
            || c.new_size_bits < c.old_size_bits
            || (c.new_size_bits != c.old_size_bits && !self.has_size_change)
        {
            return false;
        }
        c.inserted.iter().all(|m| {
            self.ranges
                .iter()
                .any(|r| r.contains(m.offset_bits, &c.old_members))
        })
    }

    /// changed_enumerators(_regexp): libabigail checks the listed names only
    /// when the enum kept its size and lost no enumerator, and otherwise
    /// hides the change anyway; we refuse those cases instead.
    fn enumerators_ok(&self, c: &TypeChange, changed: &[&str]) -> bool {
        if self.changed_enum_names.is_empty() && self.changed_enum_res.is_empty() {
            return true;
        }
        if c.kind != TypeKind::Enum || c.old_size_bits != c.new_size_bits {
            return false;
        }
        let removed = c
            .removed_or_changed_enumerators
            .saturating_sub(changed.len());
        if removed > 0 {
            return false;
        }
        changed.iter().all(|e| {
            self.changed_enum_names.iter().any(|n| n == e)
                || self.changed_enum_res.iter().any(|r| r.is_match(e))
        })
    }

    /// Properties that describe a change cannot be checked while reading a
    /// type, so a section carrying them never drops (libabigail would drop
    /// on name alone and lose every later change to the type).
    pub(super) fn has_change_properties(&self) -> bool {
        self.reach.is_some()
            || !self.has_members.is_empty()
            || self.has_member_re.is_some()
            || !self.ranges.is_empty()
            || self.has_size_change
            || !self.changed_enum_names.is_empty()
            || !self.changed_enum_res.is_empty()
    }

    pub(super) fn drops(&self, kind: TypeKind, name: &str, file: Option<&str>) -> bool {
        self.drop
            && self.effective
            && !self.has_change_properties()
            && self.kind.is_none_or(|k| k.matches(kind))
            && self.names.matches(name)
            && self.location.allows(file)
    }
}

/// A `[suppress_function]` or `[suppress_variable]` section. It has no
/// `drop`: that is validated when building, but a matching section hides
/// every change to the symbol anyway, so nothing would read it.
#[derive(Debug, Clone)]
pub(super) struct DeclSection {
    pub(super) effective: bool,
    pub(super) names: NameFilter,
    pub(super) symbols: NameFilter,
    /// libabigail's `change_kind` in the vocabulary: `Changed` (a subtype
    /// change), `Added` or `Removed`; `None` for `all`.
    pub(super) change_kind: Option<ChangeKind>,
}

impl DeclSection {
    pub(super) fn matches(&self, name: &str, change: ChangeKind) -> bool {
        self.effective
            && self.change_kind.is_none_or(|k| k == change)
            && self.names.matches(name)
            && self.symbols.matches(name)
    }
}

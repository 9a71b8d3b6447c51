//! libabigail suppression specifications (`--suppressions FILE`).
//!
//! The file format is libabigail's INI dialect: `[section]` headers, `key =
//! value` properties, `#`/`;` comments. Values are strings, comma-separated
//! lists or brace tuples (`{a, b}`), with libabigail's backslash escapes
//! (`\\` is a backslash, `\,` a literal comma, `\t` a tab, a backslash at the
//! end of a line continues it). As an extension, a value item may be wrapped
//! in double quotes, inside which `,`, `{`, `}`, `#` and `;` are literal.
//!
//! Where libabigail silently ignores something (an unknown section or key, a
//! malformed value) we refuse the file instead: a suppression that quietly
//! does nothing, or quietly does more than intended, defeats the point of an
//! ABI check. Properties that libabigail defines but that we cannot evaluate
//! for a kernel are rejected with a message saying so.
//!
//! Matching follows libabigail's evaluation (`abg-suppression.cc`), with one
//! general rule where libabigail is inconsistent: every property given in a
//! section must hold (AND), and sections are OR'ed. Where libabigail versions
//! disagree, we pick the reading that hides less; each such place says so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};

/// The kind of a changed type, as the comparison sees it.
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

/// How the interface reaches a changed type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Direct,
    Pointer,
    Reference,
}

/// What happened to a function or variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Deleted,
    SubTypeChange,
}

/// One data member of a struct or union, in declaration order within its
/// slice (`offset_after()` and `end` rely on that order).
#[derive(Debug, Clone)]
pub struct MemberFact<'a> {
    pub name: &'a str,
    pub offset_bits: u64,
    pub size_bits: u64,
}

/// What the comparison knows about one changed type.
#[derive(Debug, Clone, Copy)]
pub struct TypeChange<'a> {
    pub kind: TypeKind,
    /// Tag/typedef name without "struct "/"enum " prefix; "" if anonymous.
    pub name: &'a str,
    /// DW_AT_decl_file path as in DWARF, e.g.
    /// "/build/linux/include/linux/skbuff.h" or "include/linux/skbuff.h".
    pub source_file: Option<&'a str>,
    pub old_size_bits: u64,
    pub new_size_bits: u64,
    pub old_members: &'a [MemberFact<'a>],
    pub new_members: &'a [MemberFact<'a>],
    /// Data members only in the new type (offsets in the new type).
    pub inserted: &'a [MemberFact<'a>],
    /// Data members only in the old type.
    pub removed: &'a [MemberFact<'a>],
    /// Members present in both whose type/offset/size changed.
    pub changed_members: usize,
    pub added_enumerators: &'a [&'a str],
    pub removed_or_changed_enumerators: usize,
    /// How the interface reaches this type: directly, through a pointer, or
    /// a C++ reference.
    pub access: Access,
}

impl Default for TypeChange<'_> {
    fn default() -> Self {
        TypeChange {
            kind: TypeKind::Other,
            name: "",
            source_file: None,
            old_size_bits: 0,
            new_size_bits: 0,
            old_members: &[],
            new_members: &[],
            inserted: &[],
            removed: &[],
            changed_members: 0,
            added_enumerators: &[],
            removed_or_changed_enumerators: 0,
            access: Access::Direct,
        }
    }
}

/// A parsed set of suppression specifications, possibly from several files.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    types: Vec<TypeSection>,
    functions: Vec<DeclSection>,
    variables: Vec<DeclSection>,
    warnings: Vec<String>,
}

impl Suppressions {
    /// Reads and merges several suppression files; a change is hidden if any
    /// section of any file hides it.
    pub fn load(paths: &[PathBuf]) -> Result<Self> {
        let mut all = Suppressions::default();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|e| Error::input(path, e))?;
            // A stray Latin-1 byte in a comment should not make the whole
            // file unreadable; it cannot change what a section selects.
            let text = String::from_utf8_lossy(&bytes);
            let one = Self::parse(&text, path)?;
            all.types.extend(one.types);
            all.functions.extend(one.functions);
            all.variables.extend(one.variables);
            all.warnings.extend(one.warnings);
        }
        Ok(all)
    }

    /// Parses one suppression file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut out = Suppressions::default();
        for raw in read_sections(text, path)? {
            let where_ = format!("{}:{}", path.display(), raw.line);
            if raw.props.is_empty() {
                out.warnings.push(format!(
                    "{where_}: [{}] has no properties; it is ignored",
                    raw.kind.name()
                ));
                continue;
            }
            match raw.kind {
                SectionKind::Type => {
                    let s = TypeSection::build(&raw, path, &mut out.warnings)?;
                    out.types.push(s);
                }
                SectionKind::Function | SectionKind::Variable => {
                    let s = DeclSection::build(&raw, path, &mut out.warnings)?;
                    if raw.kind == SectionKind::Function {
                        out.functions.push(s);
                    } else {
                        out.variables.push(s);
                    }
                }
            }
        }
        Ok(out)
    }

    /// True when no section can ever hide anything: no sections at all, or
    /// only sections that libabigail (and so we) ignore.
    pub fn is_empty(&self) -> bool {
        !self.types.iter().any(|s| s.effective)
            && !self.functions.iter().any(|s| s.effective)
            && !self.variables.iter().any(|s| s.effective)
    }

    /// Notes about sections that parse but have no (or less) effect, e.g. a
    /// `[suppress_type]` with only a label, which libabigail ignores. Meant
    /// for stderr; each starts with "file:line: ".
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The report must hide this type change.
    ///
    /// Without the names of the changed enumerators, a `changed_enumerators`
    /// section cannot hide an enum whose enumerators changed value; use
    /// [`Suppressions::suppresses_type_with_enumerators`] for that.
    pub fn suppresses_type(&self, c: &TypeChange) -> bool {
        self.suppresses_type_with_enumerators(c, &[])
    }

    /// [`Suppressions::suppresses_type`], also given the names of the
    /// enumerators present in both versions whose value changed (a subset of
    /// `c.removed_or_changed_enumerators`; the rest count as removals, which
    /// no suppression hides). `changed_enumerators` and
    /// `changed_enumerators_regexp` are checked against these names.
    pub fn suppresses_type_with_enumerators(
        &self,
        c: &TypeChange,
        changed_enumerators: &[&str],
    ) -> bool {
        self.type_suppressed_by(c, changed_enumerators).is_some()
    }

    /// The label of the first `[suppress_type]` that hides this change
    /// (empty if it has none), for explaining why something is missing.
    /// `changed_enumerators` as for
    /// [`Suppressions::suppresses_type_with_enumerators`].
    pub fn type_suppressed_by(&self, c: &TypeChange, changed_enumerators: &[&str]) -> Option<&str> {
        self.types
            .iter()
            .find(|s| s.matches(c, changed_enumerators))
            .map(|s| s.label.as_str())
    }

    /// A `[suppress_type]` with `drop = yes` whose name/kind/location match:
    /// the type may be left out of the model altogether.
    pub fn drops_type(&self, kind: TypeKind, name: &str, source_file: Option<&str>) -> bool {
        self.types.iter().any(|s| s.drops(kind, name, source_file))
    }

    /// `name` is the C name, which is also the ELF symbol name in the kernel,
    /// so it is checked against both the name and symbol_name properties.
    pub fn suppresses_function(&self, name: &str, change: ChangeKind) -> bool {
        self.functions.iter().any(|s| s.matches(name, change))
    }

    /// See [`Suppressions::suppresses_function`].
    pub fn suppresses_variable(&self, name: &str, change: ChangeKind) -> bool {
        self.variables.iter().any(|s| s.matches(name, change))
    }

    /// The label of the first `[suppress_function]` that hides this change.
    pub fn function_suppressed_by(&self, name: &str, change: ChangeKind) -> Option<&str> {
        self.functions
            .iter()
            .find(|s| s.matches(name, change))
            .map(|s| s.label.as_str())
    }

    /// The label of the first `[suppress_variable]` that hides this change.
    pub fn variable_suppressed_by(&self, name: &str, change: ChangeKind) -> Option<&str> {
        self.variables
            .iter()
            .find(|s| s.matches(name, change))
            .map(|s| s.label.as_str())
    }

    /// A `[suppress_function]` with `drop = yes` names this function.
    pub fn drops_function(&self, name: &str) -> bool {
        self.functions.iter().any(|s| s.drops(name))
    }

    /// A `[suppress_variable]` with `drop = yes` names this variable.
    pub fn drops_variable(&self, name: &str) -> bool {
        self.variables.iter().any(|s| s.drops(name))
    }

    /// Every supported section and key, for the README and `--help`.
    pub fn keys_help() -> &'static str {
        KEYS_HELP
    }
}

const KEYS_HELP: &str = "\
Suppression files (--suppressions FILE) use libabigail's format:
[section] headers, `key = value` lines, `#` or `;` comment lines. A value is a
string, a comma-separated list, or a {tuple}; wrap a value in double quotes to
keep `,` `{` `}` `#` `;` literal. Backslash escapes as in libabigail (`\\\\` is
one backslash, so a regex `\\.` is written `\\\\.`); a trailing backslash joins
the next line. Regexes are POSIX-extended style, matched anywhere in the name.
Every property of a section must match; a change is hidden if any section
matches it. Unknown sections or keys are errors.

[suppress_type]
  label = TEXT                      informative only
  name = NAME                       exact type name (no struct/union/enum prefix)
  name_regexp = REGEX
  name_not_regexp = REGEX           only types whose name does NOT match
  type_kind = struct|class|union|enum|typedef|array|pointer|reference|
              function|builtin|basic
  source_location_not_in = FILE, ...  only types NOT declared in these files
                                    (a path equal to FILE or ending in /FILE)
  source_location_not_regexp = REGEX  only types whose file does NOT match
  has_data_member = NAME | {NAME, ...}  the old type has all these members
  has_data_member_regexp = REGEX    the old type has a member matching REGEX
  has_data_member_inserted_at = OFFSET
  has_data_member_inserted_between = {OFFSET, OFFSET}
  has_data_members_inserted_between = {{OFFSET, OFFSET}, ...}
      OFFSET: bits (decimal), end, offset_of(MEMBER), offset_after(MEMBER),
      offset_of_first_data_member_regexp(REGEX),
      offset_of_last_data_member_regexp(REGEX); evaluated in the old type.
      Matches only a struct/union change made of member insertions (no
      member removed or changed, size not shrunk), each inserted member in
      one of the ranges; `inserted_at = N` means at bit N or later, `end`
      after the old last member. A size change also needs has_size_change.
  has_size_change = yes|no          let the insertion properties accept growth
  accessed_through = direct|pointer|reference|reference-or-pointer
  changed_enumerators = NAME, ...   needs type_kind = enum: the enum change
                                    is hidden only if every enumerator whose
                                    value changed is listed (additions are
                                    fine, removals never hidden)
  changed_enumerators_regexp = REGEX, ...  same, by regex
  drop = yes|no                     (alias drop_artifact) leave matching types
                                    out entirely; needs name, name_regexp or a
                                    source_location property
  file_name_regexp, file_name_not_regexp, soname_regexp, soname_not_regexp
                                    accepted and ignored: kernel binaries have
                                    no SONAME and sections are not per-module
  A section with none of name, name_regexp, name_not_regexp, type_kind,
  source_location_not_in, source_location_not_regexp is ignored (as in
  libabigail).

[suppress_function]  and  [suppress_variable]
  label = TEXT                      a section with only a label matches every
                                    function (variable), as in libabigail
  name = NAME                       the C name (= ELF symbol name in the kernel)
  name_regexp = REGEX
  name_not_regexp = REGEX
  symbol_name = NAME
  symbol_name_regexp = REGEX
  symbol_name_not_regexp = REGEX
  change_kind = all | function-subtype-change|added-function|deleted-function
                  (functions) | variable-subtype-change|added-variable|
                  deleted-variable (variables)
  drop = yes|no                     (alias drop_artifact) needs a name or
                                    symbol_name property
  file_name_regexp, file_name_not_regexp, soname_regexp, soname_not_regexp
                                    accepted and ignored (see above)

Not supported (rejected with an error): [suppress_file], [allow_type];
parameter, return_type_name, return_type_regexp, symbol_version,
symbol_version_regexp, allow_other_aliases, type_name, type_name_regexp,
has_strict_flexible_array_data_member_conversion,
offset_of_flexible_array_data_member.
";

// ---------------------------------------------------------------------------
// Section model and matching
// ---------------------------------------------------------------------------

/// name / name_regexp / name_not_regexp (or the symbol_name trio).
#[derive(Debug, Default, Clone)]
struct NameFilter {
    exact: Option<String>,
    re: Option<Regex>,
    not_re: Option<Regex>,
}

impl NameFilter {
    fn is_set(&self) -> bool {
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
struct LocationFilter {
    not_in: Vec<String>,
    not_re: Option<Regex>,
}

impl LocationFilter {
    fn is_set(&self) -> bool {
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
fn normalize_path(p: &str) -> String {
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
enum KindSel {
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
    fn parse(v: &str) -> Option<Self> {
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
enum Reach {
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
enum Boundary {
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
struct InsertionRange {
    begin: Boundary,
    end: Boundary,
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
struct TypeSection {
    label: String,
    /// False for a section libabigail ignores (no selecting property).
    effective: bool,
    kind: Option<KindSel>,
    names: NameFilter,
    location: LocationFilter,
    reach: Option<Reach>,
    has_members: Vec<String>,
    has_member_re: Option<Regex>,
    ranges: Vec<InsertionRange>,
    has_size_change: bool,
    changed_enum_names: Vec<String>,
    changed_enum_res: Vec<Regex>,
    drop: bool,
}

impl TypeSection {
    fn matches(&self, c: &TypeChange, changed_enums: &[&str]) -> bool {
        self.effective
            && self.kind.is_none_or(|k| k.matches(c.kind))
            && self.names.matches(c.name)
            && self.location.allows(c.source_file)
            && self.reach.is_none_or(|r| r.matches(c.access))
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
                .any(|r| r.contains(m.offset_bits, c.old_members))
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
    fn has_change_properties(&self) -> bool {
        self.reach.is_some()
            || !self.has_members.is_empty()
            || self.has_member_re.is_some()
            || !self.ranges.is_empty()
            || self.has_size_change
            || !self.changed_enum_names.is_empty()
            || !self.changed_enum_res.is_empty()
    }

    fn drops(&self, kind: TypeKind, name: &str, file: Option<&str>) -> bool {
        self.drop
            && self.effective
            && !self.has_change_properties()
            && self.kind.is_none_or(|k| k.matches(kind))
            && self.names.matches(name)
            && self.location.allows(file)
    }
}

const CK_SUBTYPE: u8 = 1;
const CK_ADDED: u8 = 2;
const CK_DELETED: u8 = 4;
const CK_ALL: u8 = CK_SUBTYPE | CK_ADDED | CK_DELETED;

fn change_bit(c: ChangeKind) -> u8 {
    match c {
        ChangeKind::SubTypeChange => CK_SUBTYPE,
        ChangeKind::Added => CK_ADDED,
        ChangeKind::Deleted => CK_DELETED,
    }
}

/// A `[suppress_function]` or `[suppress_variable]` section.
#[derive(Debug, Clone)]
struct DeclSection {
    label: String,
    effective: bool,
    names: NameFilter,
    symbols: NameFilter,
    change_kinds: u8,
    drop: bool,
}

impl DeclSection {
    fn matches(&self, name: &str, change: ChangeKind) -> bool {
        self.effective
            && self.change_kinds & change_bit(change) != 0
            && self.names.matches(name)
            && self.symbols.matches(name)
    }

    // Dropping happens before any change is known, so a section restricted
    // to some change kinds must not drop (it would hide the others too).
    fn drops(&self, name: &str) -> bool {
        self.drop
            && self.effective
            && self.change_kinds == CK_ALL
            && self.names.matches(name)
            && self.symbols.matches(name)
    }
}

// ---------------------------------------------------------------------------
// Building sections from raw properties
// ---------------------------------------------------------------------------

/// Keys libabigail defines that we cannot evaluate, with the reason.
const UNSUPPORTED_TYPE_KEYS: &[(&str, &str)] = &[(
    "has_strict_flexible_array_data_member_conversion",
    "the comparison does not track flexible array conversions",
)];

const UNSUPPORTED_FUNCTION_KEYS: &[(&str, &str)] = &[
    ("parameter", "parameter types are not matched"),
    ("return_type_name", "return types are not matched"),
    ("return_type_regexp", "return types are not matched"),
    ("symbol_version", "kernel symbols are not versioned"),
    ("symbol_version_regexp", "kernel symbols are not versioned"),
    ("allow_other_aliases", "symbol aliases are not tracked"),
];

const UNSUPPORTED_VARIABLE_KEYS: &[(&str, &str)] = &[
    ("type_name", "variable types are not matched"),
    ("type_name_regexp", "variable types are not matched"),
    ("symbol_version", "kernel symbols are not versioned"),
    ("symbol_version_regexp", "kernel symbols are not versioned"),
];

const IGNORED_KEYS: &[&str] = &[
    "file_name_regexp",
    "file_name_not_regexp",
    "soname_regexp",
    "soname_not_regexp",
];

fn unsupported_reason(kind: SectionKind, key: &str) -> Option<&'static str> {
    let table = match kind {
        SectionKind::Type => UNSUPPORTED_TYPE_KEYS,
        SectionKind::Function => UNSUPPORTED_FUNCTION_KEYS,
        SectionKind::Variable => UNSUPPORTED_VARIABLE_KEYS,
    };
    table.iter().find(|(k, _)| *k == key).map(|(_, why)| *why)
}

/// Walks a section's properties, rejecting duplicates and giving each value
/// to `f`, which returns Ok(false) for a key it does not know.
fn for_each_prop(
    raw: &RawSection,
    path: &Path,
    mut f: impl FnMut(&str, &Value) -> std::result::Result<bool, String>,
) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in &raw.props {
        if let Some(why) = unsupported_reason(raw.kind, &p.key) {
            return Err(Error::syntax(
                path,
                p.line,
                format!(
                    "property '{}' of [{}] is not supported by kmidiff: {why}",
                    p.key,
                    raw.kind.name()
                ),
            ));
        }
        let canon = if p.key == "drop_artifact" {
            "drop"
        } else {
            p.key.as_str()
        };
        if let Some(first) = seen.insert(canon, p.line) {
            return Err(Error::syntax(
                path,
                p.line,
                format!(
                    "duplicate key '{}' in [{}] (already set on line {first})",
                    p.key,
                    raw.kind.name()
                ),
            ));
        }
        if IGNORED_KEYS.contains(&p.key.as_str()) {
            // Ignored, but a broken regex is still a mistake worth reporting.
            regex_value(&p.key, &p.value).map_err(|m| Error::syntax(path, p.line, m))?;
            continue;
        }
        let known = f(&p.key, &p.value).map_err(|m| Error::syntax(path, p.line, m))?;
        if !known {
            return Err(Error::syntax(
                path,
                p.line,
                format!("unknown key '{}' in [{}]", p.key, raw.kind.name()),
            ));
        }
    }
    Ok(())
}

fn has_key(raw: &RawSection, keys: &[&str]) -> bool {
    raw.props.iter().any(|p| keys.contains(&p.key.as_str()))
}

impl TypeSection {
    fn build(raw: &RawSection, path: &Path, warnings: &mut Vec<String>) -> Result<Self> {
        let mut s = TypeSection {
            label: String::new(),
            effective: true,
            kind: None,
            names: NameFilter::default(),
            location: LocationFilter::default(),
            reach: None,
            has_members: Vec::new(),
            has_member_re: None,
            ranges: Vec::new(),
            has_size_change: false,
            changed_enum_names: Vec::new(),
            changed_enum_res: Vec::new(),
            drop: false,
        };
        let mut enum_key = None;
        let mut size_change_given = false;
        for_each_prop(raw, path, |key, v| {
            match key {
                "label" => s.label = label_value(v),
                "name" => s.names.exact = Some(single(key, v)?),
                "name_regexp" => s.names.re = Some(regex_value(key, v)?),
                "name_not_regexp" => s.names.not_re = Some(regex_value(key, v)?),
                "type_kind" => {
                    let t = single(key, v)?;
                    let k = KindSel::parse(&t).ok_or_else(|| {
                        format!(
                            "bad type_kind '{t}': expected struct, class, union, enum, \
                             typedef, array, pointer, reference, function, builtin or basic"
                        )
                    })?;
                    s.kind = Some(k);
                }
                "source_location_not_in" => {
                    s.location.not_in = list(key, v)?.iter().map(|e| normalize_path(e)).collect();
                }
                "source_location_not_regexp" => s.location.not_re = Some(regex_value(key, v)?),
                "has_data_member" => s.has_members = list(key, v)?,
                "has_data_member_regexp" => s.has_member_re = Some(regex_value(key, v)?),
                "has_data_member_inserted_at" => {
                    let b = boundary(key, &single(key, v)?)?;
                    s.ranges.push(InsertionRange {
                        begin: b,
                        end: Boundary::End,
                    });
                }
                "has_data_member_inserted_between" => s.ranges.push(range(key, v)?),
                "has_data_members_inserted_between" => {
                    let Value::Tuple(items) = v else {
                        return Err(format!(
                            "{key} expects {{{{begin, end}}, ...}}, not '{}'",
                            v.describe()
                        ));
                    };
                    if items.is_empty() {
                        return Err(format!("{key} has no ranges"));
                    }
                    for item in items {
                        s.ranges.push(range(key, item)?);
                    }
                }
                "has_size_change" => {
                    s.has_size_change = yes_no(key, v)?;
                    size_change_given = true;
                }
                "accessed_through" => {
                    let t = single(key, v)?;
                    s.reach = Some(match t.as_str() {
                        "direct" => Reach::Direct,
                        "pointer" => Reach::Pointer,
                        "reference" => Reach::Reference,
                        "reference-or-pointer" => Reach::ReferenceOrPointer,
                        _ => {
                            return Err(format!(
                                "bad accessed_through '{t}': expected direct, pointer, \
                                 reference or reference-or-pointer"
                            ));
                        }
                    });
                }
                "changed_enumerators" => {
                    s.changed_enum_names = list(key, v)?;
                    enum_key = Some("changed_enumerators");
                }
                "changed_enumerators_regexp" => {
                    s.changed_enum_res = list(key, v)?
                        .iter()
                        .map(|p| compile(key, p))
                        .collect::<std::result::Result<_, _>>()?;
                    enum_key = Some("changed_enumerators_regexp");
                }
                "drop" | "drop_artifact" => s.drop = yes_no(key, v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;

        let where_ = format!("{}:{}", path.display(), raw.line);
        if let Some(key) = enum_key {
            // libabigail reads changed_enumerators only together with
            // `type_kind = enum` and silently drops it otherwise; a file
            // that relies on it should say so, for both tools.
            if s.kind != Some(KindSel::Enum) {
                let line = raw
                    .props
                    .iter()
                    .find(|p| p.key == key)
                    .map_or(raw.line, |p| p.line);
                return Err(Error::syntax(
                    path,
                    line,
                    format!("'{key}' requires 'type_kind = enum' in the same [suppress_type]"),
                ));
            }
        }

        // libabigail's list of properties without which [suppress_type] is
        // ignored. The file/soname ones count there, but we ignore them, so
        // here they select nothing.
        let selecting = s.kind.is_some() || s.names.is_set() || s.location.is_set();
        if !selecting {
            s.effective = false;
            warnings.push(format!(
                "{where_}: [suppress_type] has none of name, name_regexp, name_not_regexp, \
                 type_kind, source_location_not_in, source_location_not_regexp; it is \
                 ignored (as libabigail does)"
            ));
        }
        // libabigail only honours drop with one of these (not name_not_regexp).
        let drop_selects = s.names.exact.is_some() || s.names.re.is_some() || s.location.is_set();
        if s.drop && s.effective && !drop_selects {
            warnings.push(format!(
                "{where_}: 'drop = yes' needs name, name_regexp or a source_location \
                 property; it has no effect here"
            ));
        } else if s.drop && s.effective && s.has_change_properties() {
            warnings.push(format!(
                "{where_}: 'drop = yes' is ignored because the section also describes \
                 the change (has_data_member*, accessed_through, changed_enumerators*, \
                 has_size_change), which cannot be checked before comparing"
            ));
        }
        if !drop_selects {
            s.drop = false;
        }
        if size_change_given && s.ranges.is_empty() {
            warnings.push(format!(
                "{where_}: has_size_change only affects has_data_member_inserted_* \
                 properties; it has no effect here"
            ));
        }
        if s.kind == Some(KindSel::Reference) {
            warnings.push(format!(
                "{where_}: type_kind = reference never matches: kernel C has no reference types"
            ));
        }
        Ok(s)
    }
}

impl DeclSection {
    fn build(raw: &RawSection, path: &Path, warnings: &mut Vec<String>) -> Result<Self> {
        let is_fn = raw.kind == SectionKind::Function;
        let mut s = DeclSection {
            label: String::new(),
            effective: true,
            names: NameFilter::default(),
            symbols: NameFilter::default(),
            change_kinds: CK_ALL,
            drop: false,
        };
        let mut has_label = false;
        let what = if is_fn { "function" } else { "variable" };
        let subtype = format!("{what}-subtype-change");
        let added = format!("added-{what}");
        let deleted = format!("deleted-{what}");
        for_each_prop(raw, path, |key, v| {
            match key {
                "label" => {
                    s.label = label_value(v);
                    has_label = true;
                }
                "name" => s.names.exact = Some(single(key, v)?),
                "name_regexp" => s.names.re = Some(regex_value(key, v)?),
                "name_not_regexp" => s.names.not_re = Some(regex_value(key, v)?),
                "symbol_name" => s.symbols.exact = Some(single(key, v)?),
                "symbol_name_regexp" => s.symbols.re = Some(regex_value(key, v)?),
                "symbol_name_not_regexp" => s.symbols.not_re = Some(regex_value(key, v)?),
                "change_kind" => {
                    let t = single(key, v)?;
                    s.change_kinds = match t.as_str() {
                        "all" => CK_ALL,
                        x if x == subtype => CK_SUBTYPE,
                        x if x == added => CK_ADDED,
                        x if x == deleted => CK_DELETED,
                        _ => {
                            return Err(format!(
                                "bad change_kind '{t}' in [{}]: expected {what}-subtype-change, \
                                 added-{what}, deleted-{what} or all",
                                raw.kind.name()
                            ));
                        }
                    };
                }
                "drop" | "drop_artifact" => s.drop = yes_no(key, v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;

        let where_ = format!("{}:{}", path.display(), raw.line);
        let selecting = s.names.is_set() || s.symbols.is_set();
        let uses_ignored = has_key(raw, IGNORED_KEYS);
        // libabigail: a label alone is enough, and then the section matches
        // every function (variable) of the given change_kind. A section with
        // neither a label nor a name property is ignored. If the only thing
        // narrowing it was a file/soname property we ignore, matching
        // everything would hide far more than meant, so it selects nothing.
        if !selecting && (uses_ignored || !has_label) {
            s.effective = false;
            let why = if uses_ignored {
                "its only selecting properties are file_name/soname ones, which kmidiff ignores"
            } else {
                "it has no label, name or symbol_name property (libabigail ignores it too)"
            };
            warnings.push(format!(
                "{where_}: [{}] selects nothing: {why}",
                raw.kind.name()
            ));
        }
        if s.drop && s.effective && !selecting {
            warnings.push(format!(
                "{where_}: 'drop = yes' needs a name or symbol_name property; it has no effect here"
            ));
            s.drop = false;
        } else if s.drop && s.effective && s.change_kinds != CK_ALL {
            warnings.push(format!(
                "{where_}: 'drop = yes' is ignored because change_kind restricts the section"
            ));
        }
        Ok(s)
    }
}

fn label_value(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::List(l) => l.join(", "),
        Value::Tuple(_) => v.describe(),
    }
}

fn single(key: &str, v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::Str(s) if s.is_empty() => Err(format!("'{key}' has an empty value")),
        Value::Str(s) => Ok(s.clone()),
        Value::List(_) => Err(format!(
            "'{key}' takes a single value, not a comma-separated list \
             (escape a literal comma as '\\,' or quote the value)"
        )),
        Value::Tuple(_) => Err(format!("'{key}' takes a single value, not a {{tuple}}")),
    }
}

/// A comma-separated list; `{a, b}` and a lone value are accepted too, as
/// libabigail does for has_data_member.
fn list(key: &str, v: &Value) -> std::result::Result<Vec<String>, String> {
    let items = match v {
        Value::Str(s) => vec![s.clone()],
        Value::List(l) => l.clone(),
        Value::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(format!(
                    "'{key}' expects a list of names, not nested tuples"
                )),
            })
            .collect::<std::result::Result<_, _>>()?,
    };
    if items.is_empty() || items.iter().any(|i| i.is_empty()) {
        return Err(format!("'{key}' has an empty value"));
    }
    Ok(items)
}

fn yes_no(key: &str, v: &Value) -> std::result::Result<bool, String> {
    match single(key, v)?.as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        t => Err(format!("bad value '{t}' for '{key}': expected yes or no")),
    }
}

fn compile(key: &str, pattern: &str) -> std::result::Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        // regex's messages span several lines with a caret diagram; keep
        // the one that says what is wrong.
        let text = e.to_string();
        let reason = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map(str::to_string)
            .unwrap_or_else(|| text.lines().map(str::trim).collect::<Vec<_>>().join(" "));
        format!("bad regular expression '{pattern}' for '{key}': {reason}")
    })
}

fn regex_value(key: &str, v: &Value) -> std::result::Result<Regex, String> {
    compile(key, &single(key, v)?)
}

fn range(key: &str, v: &Value) -> std::result::Result<InsertionRange, String> {
    let pair = match v {
        Value::Tuple(items) => items,
        _ => {
            return Err(format!(
                "{key} expects {{begin, end}}, not '{}'",
                v.describe()
            ));
        }
    };
    match pair.as_slice() {
        [Value::Str(b), Value::Str(e)] => Ok(InsertionRange {
            begin: boundary(key, b)?,
            end: boundary(key, e)?,
        }),
        _ => Err(format!(
            "{key} expects a range of two offsets {{begin, end}}, not '{}'",
            v.describe()
        )),
    }
}

fn boundary(key: &str, s: &str) -> std::result::Result<Boundary, String> {
    let s = s.trim();
    if s == "end" {
        return Ok(Boundary::End);
    }
    if s == "offset_of_flexible_array_data_member" {
        return Err(format!(
            "'{s}' in '{key}' is not supported by kmidiff: flexible array members are \
             not identified"
        ));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return s.parse::<u64>().map(Boundary::Bits).map_err(|_| {
            format!("bad integer '{s}' in '{key}': expected a bit offset in decimal")
        });
    }
    if let Some(open) = s.find('(') {
        let func = s.get(..open).unwrap_or("").trim();
        let rest = s.get(open + 1..).unwrap_or("");
        let Some(arg) = rest.strip_suffix(')') else {
            return Err(format!(
                "bad offset expression '{s}' in '{key}': missing ')'"
            ));
        };
        let arg = arg.trim();
        if arg.is_empty()
            || arg.contains(['(', ')'])
            || (arg.contains(',') && !func.ends_with("regexp"))
        {
            return Err(format!(
                "bad offset expression '{s}' in '{key}': expected one argument"
            ));
        }
        return match func {
            "offset_of" => Ok(Boundary::OffsetOf(arg.to_string())),
            "offset_after" => Ok(Boundary::OffsetAfter(arg.to_string())),
            "offset_of_first_data_member_regexp" => Ok(Boundary::FirstMatching(compile(key, arg)?)),
            "offset_of_last_data_member_regexp" => Ok(Boundary::LastMatching(compile(key, arg)?)),
            _ => Err(format!(
                "unknown function '{func}' in '{key}': expected offset_of, offset_after, \
                 offset_of_first_data_member_regexp or offset_of_last_data_member_regexp"
            )),
        };
    }
    Err(format!(
        "bad offset '{s}' in '{key}': expected a bit offset, end, offset_of(member) or \
         offset_after(member)"
    ))
}

// ---------------------------------------------------------------------------
// Reading the INI text
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Type,
    Function,
    Variable,
}

impl SectionKind {
    fn name(self) -> &'static str {
        match self {
            SectionKind::Type => "suppress_type",
            SectionKind::Function => "suppress_function",
            SectionKind::Variable => "suppress_variable",
        }
    }
}

#[derive(Debug)]
struct RawProp {
    key: String,
    value: Value,
    line: usize,
}

#[derive(Debug)]
struct RawSection {
    kind: SectionKind,
    line: usize,
    props: Vec<RawProp>,
}

/// A property value as libabigail's INI reader shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Str(String),
    List(Vec<String>),
    Tuple(Vec<Value>),
}

impl Value {
    /// For error messages.
    fn describe(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::List(l) => l.join(", "),
            Value::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(Value::describe).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
}

/// An odd number of trailing backslashes escapes the newline.
fn continues(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn read_sections(text: &str, path: &Path) -> Result<Vec<RawSection>> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut sections: Vec<RawSection> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let lineno = i + 1;
        let mut logical = lines.get(i).copied().unwrap_or("").to_string();
        i += 1;
        while continues(&logical) {
            logical.pop();
            match lines.get(i) {
                Some(next) => {
                    logical.push_str(next);
                    i += 1;
                }
                None => break,
            }
        }
        let t = logical.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                return Err(Error::syntax(
                    path,
                    lineno,
                    "malformed section header: missing ']'",
                ));
            };
            let name = rest.get(..close).unwrap_or("").trim();
            let after = rest.get(close + 1..).unwrap_or("").trim_start();
            if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!("unexpected text '{after}' after section header [{name}]"),
                ));
            }
            let kind = match name {
                "suppress_type" => SectionKind::Type,
                "suppress_function" => SectionKind::Function,
                "suppress_variable" => SectionKind::Variable,
                "suppress_file" => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        "section [suppress_file] is not supported by kmidiff: \
                         list the modules to compare instead",
                    ));
                }
                "allow_type" => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        "section [allow_type] is not supported by kmidiff",
                    ));
                }
                "" => return Err(Error::syntax(path, lineno, "empty section name '[]'")),
                _ => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        format!(
                            "unknown section [{name}]: expected [suppress_type], \
                             [suppress_function] or [suppress_variable]"
                        ),
                    ));
                }
            };
            sections.push(RawSection {
                kind,
                line: lineno,
                props: Vec::new(),
            });
            continue;
        }

        let Some(eq) = t.find('=') else {
            return Err(Error::syntax(
                path,
                lineno,
                format!(
                    "malformed line '{}': expected 'key = value' or '[section]'",
                    t.trim_end()
                ),
            ));
        };
        let key = t.get(..eq).unwrap_or("").trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(Error::syntax(
                path,
                lineno,
                format!("malformed line '{}': expected 'key = value'", t.trim_end()),
            ));
        }
        let mut value_text = t.get(eq + 1..).unwrap_or("").to_string();
        // libabigail's documentation writes `key =` and opens the {tuple} on
        // the next line. Only a brace is taken from there: a blank value
        // followed by another `key = value` line stays an error.
        if is_blank(&value_text)
            && lines
                .get(i)
                .is_some_and(|n| n.trim_start().starts_with('{'))
        {
            value_text.push('\n');
            value_text.push_str(lines.get(i).copied().unwrap_or(""));
            i += 1;
        }
        // A {tuple} may span lines, as in libabigail's documentation.
        while brace_depth(&value_text) > 0 {
            let Some(next) = lines.get(i) else {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!("unterminated '{{' in the value of '{key}'"),
                ));
            };
            value_text.push('\n');
            value_text.push_str(next);
            i += 1;
            while continues(&value_text) {
                value_text.pop();
                match lines.get(i) {
                    Some(n) => {
                        value_text.push_str(n);
                        i += 1;
                    }
                    None => break,
                }
            }
        }
        let value = parse_value(&value_text)
            .map_err(|m| Error::syntax(path, lineno, format!("in the value of '{key}': {m}")))?;
        let Some(section) = sections.last_mut() else {
            return Err(Error::syntax(
                path,
                lineno,
                format!("key '{key}' is outside of any section"),
            ));
        };
        section.props.push(RawProp {
            key: key.to_string(),
            value,
            line: lineno,
        });
    }
    Ok(sections)
}

/// A character after libabigail's escape processing; escaped characters are
/// never delimiters.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    esc: bool,
}

fn unescape(s: &str) -> Vec<Ch> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(Ch { c, esc: false });
            continue;
        }
        match it.next() {
            None => out.push(Ch { c: '\\', esc: true }),
            Some('t') => out.push(Ch { c: '\t', esc: true }),
            // libabigail turns these into a space.
            Some('0' | 'a' | 'b' | 'r') => out.push(Ch { c: ' ', esc: true }),
            Some('\n') => {}
            Some(n) => out.push(Ch { c: n, esc: true }),
        }
    }
    out
}

/// Nothing but spaces and comments.
fn is_blank(s: &str) -> bool {
    let mut lx = Lexer {
        chars: unescape(s),
        pos: 0,
    };
    lx.skip_blank();
    lx.peek().is_none()
}

/// Net count of unquoted, unescaped, uncommented braces.
fn brace_depth(s: &str) -> i64 {
    let mut depth = 0i64;
    let mut in_quote = false;
    let mut in_comment = false;
    for ch in unescape(s) {
        if ch.esc {
            continue;
        }
        match ch.c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '"' => in_quote = !in_quote,
            _ if in_quote => {}
            '#' | ';' => in_comment = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
    }
    depth
}

fn parse_value(s: &str) -> std::result::Result<Value, String> {
    let mut lx = Lexer {
        chars: unescape(s),
        pos: 0,
    };
    lx.skip_blank();
    if lx.peek().is_none() {
        return Err("missing value".to_string());
    }
    let v = if lx.at('{') {
        lx.tuple()?
    } else {
        let mut items = lx.list()?;
        if items.len() == 1 {
            Value::Str(items.pop().unwrap_or_default())
        } else {
            Value::List(items)
        }
    };
    lx.skip_blank();
    if let Some(ch) = lx.peek() {
        return Err(format!("unexpected '{}' after the value", ch.c));
    }
    Ok(v)
}

struct Lexer {
    chars: Vec<Ch>,
    pos: usize,
}

impl Lexer {
    fn peek(&self) -> Option<Ch> {
        self.chars.get(self.pos).copied()
    }

    /// The next character is the unescaped delimiter `c`.
    fn at(&self, c: char) -> bool {
        self.peek().is_some_and(|ch| !ch.esc && ch.c == c)
    }

    fn is_space(ch: Ch) -> bool {
        !ch.esc && matches!(ch.c, ' ' | '\t' | '\n' | '\r')
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(Self::is_space) {
            self.pos += 1;
        }
    }

    /// Spaces and `#`/`;` comments, which run to the end of the line.
    fn skip_blank(&mut self) {
        loop {
            self.skip_spaces();
            if self.at('#') || self.at(';') {
                while self.peek().is_some_and(|ch| ch.esc || ch.c != '\n') {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    fn list(&mut self) -> std::result::Result<Vec<String>, String> {
        let mut items = vec![self.item()?];
        loop {
            self.skip_spaces();
            if !self.at(',') {
                return Ok(items);
            }
            self.pos += 1;
            items.push(self.item()?);
        }
    }

    fn tuple(&mut self) -> std::result::Result<Value, String> {
        // The caller checked for '{'.
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None => return Err("missing '}'".to_string()),
                Some(ch) if !ch.esc && ch.c == '}' => {
                    self.pos += 1;
                    return Ok(Value::Tuple(items));
                }
                Some(ch) if !ch.esc && ch.c == '{' => items.push(self.tuple()?),
                Some(_) => items.push(Value::Str(self.item()?)),
            }
            self.skip_blank();
            match self.peek() {
                Some(ch) if !ch.esc && ch.c == ',' => self.pos += 1,
                Some(ch) if !ch.esc && ch.c == '}' => {}
                None => return Err("missing '}'".to_string()),
                Some(ch) => return Err(format!("unexpected '{}' in {{...}}", ch.c)),
            }
        }
    }

    /// One string: a double-quoted run (delimiters literal inside), or bare
    /// text up to the next delimiter, trimmed.
    fn item(&mut self) -> std::result::Result<String, String> {
        self.skip_spaces();
        if self.at('"') {
            self.pos += 1;
            let mut s = String::new();
            loop {
                match self.peek() {
                    None => return Err("unterminated quoted string".to_string()),
                    Some(ch) if !ch.esc && ch.c == '"' => {
                        self.pos += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(ch.c);
                        self.pos += 1;
                    }
                }
            }
            self.skip_spaces();
            return match self.peek() {
                Some(ch) if !ch.esc && !matches!(ch.c, ',' | '}' | '#' | ';') => {
                    Err(format!("unexpected '{}' after a quoted string", ch.c))
                }
                _ => Ok(s),
            };
        }
        let mut s = String::new();
        while let Some(ch) = self.peek() {
            if !ch.esc && matches!(ch.c, ',' | '{' | '}' | '#' | ';' | '\n') {
                break;
            }
            s.push(ch.c);
            self.pos += 1;
        }
        let trimmed = s.trim_matches([' ', '\t', '\r']);
        if trimmed.is_empty() {
            return Err(match self.peek() {
                Some(ch) if !ch.esc && ch.c == ',' => "empty element in a list".to_string(),
                Some(ch) if !ch.esc && ch.c == '{' => "unexpected '{' inside a value".to_string(),
                Some(ch) if !ch.esc && ch.c == '}' => "unexpected '}'".to_string(),
                _ => "missing value".to_string(),
            });
        }
        Ok(trimmed.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "test.suppr";

    fn parse(text: &str) -> Suppressions {
        match Suppressions::parse(text, Path::new(FILE)) {
            Ok(s) => s,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    /// Parses text that must fail; returns (line, message) after checking
    /// the error names the file.
    fn syntax_err(text: &str) -> (usize, String) {
        match Suppressions::parse(text, Path::new(FILE)) {
            Err(Error::Syntax { path, line, msg }) => {
                assert_eq!(path, PathBuf::from(FILE));
                (line, msg)
            }
            Err(e) => panic!("expected a syntax error, got {e}"),
            Ok(s) => panic!("expected a syntax error, got {s:?}"),
        }
    }

    fn assert_err(text: &str, line: usize, needle: &str) {
        let (l, msg) = syntax_err(text);
        assert_eq!(l, line, "wrong line for {msg:?}");
        assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
    }

    fn m(name: &'static str, offset_bits: u64, size_bits: u64) -> MemberFact<'static> {
        MemberFact {
            name,
            offset_bits,
            size_bits,
        }
    }

    fn ty(kind: TypeKind, name: &'static str) -> TypeChange<'static> {
        TypeChange {
            kind,
            name,
            ..TypeChange::default()
        }
    }

    // struct S { char m0; /* pad */ int m1; } -> inserted members vary.
    const OLD_S: &[MemberFact<'static>] = &[
        MemberFact {
            name: "m0",
            offset_bits: 0,
            size_bits: 8,
        },
        MemberFact {
            name: "m1",
            offset_bits: 32,
            size_bits: 32,
        },
    ];

    fn insertion<'a>(
        inserted: &'a [MemberFact<'a>],
        old_size: u64,
        new_size: u64,
    ) -> TypeChange<'a> {
        TypeChange {
            kind: TypeKind::Struct,
            name: "S",
            old_size_bits: old_size,
            new_size_bits: new_size,
            old_members: OLD_S,
            inserted,
            ..TypeChange::default()
        }
    }

    // ---------------------------------------------------------------- syntax

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert!(parse("").is_empty());
        assert!(parse("\n# comment\n; other comment\n   \n").is_empty());
    }

    #[test]
    fn comments_blank_lines_crlf_and_inline_comments() {
        let s = parse(
            "# header comment\r\n\r\n[suppress_type] # trailing\r\n  ; indented comment\r\n  name = foo # inline\r\n",
        );
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "foo")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "foo # inline")));
    }

    #[test]
    fn quoted_values_keep_delimiters() {
        let s = parse("[suppress_type]\n name_regexp = \"^a{1,2}b$\"\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "aab")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "aaab")));
        let s = parse("[suppress_function]\n name = \"foo\" ; comment\n label = \"a, b; c\"\n");
        assert_eq!(
            s.function_suppressed_by("foo", ChangeKind::Added),
            Some("a, b; c")
        );
    }

    #[test]
    fn escapes_follow_libabigail() {
        // `\\.` reaches the regex engine as `\.`: a literal dot.
        let s = parse("[suppress_type]\n name_regexp = ^a\\\\.b$\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "a.b")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "axb")));
        // A single backslash only escapes for the INI reader.
        let s = parse("[suppress_type]\n name_regexp = ^a\\.b$\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "axb")));
        // Escaped delimiters are literal.
        let s = parse("[suppress_type]\n name_regexp = ^a\\{2\\,3\\}\\#$\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "aa#")));
    }

    #[test]
    fn continuation_lines_join() {
        let s = parse("[suppress_function]\n name_regexp = ^foo\\\n_bar$\n");
        assert!(s.suppresses_function("foo_bar", ChangeKind::Added));
    }

    #[test]
    fn tuples_may_span_lines() {
        let text = "[suppress_type]\n  name = S\n  has_size_change = yes\n  has_data_members_inserted_between =\n    {\n      {offset_after(m0), offset_of(m1)},  # padding\n      {64, end}\n    }\n  label = after\n";
        let s = parse(text);
        let ins = [m("a", 8, 8), m("b", 64, 8)];
        assert!(s.suppresses_type(&insertion(&ins, 64, 96)));
        assert_eq!(
            s.type_suppressed_by(&insertion(&ins, 64, 96), &[]),
            Some("after")
        );
    }

    #[test]
    fn value_parser_shapes() {
        assert_eq!(parse_value(" a "), Ok(Value::Str("a".into())));
        assert_eq!(
            parse_value("a, b ,c"),
            Ok(Value::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            parse_value("{a, {1, end}}"),
            Ok(Value::Tuple(vec![
                Value::Str("a".into()),
                Value::Tuple(vec![Value::Str("1".into()), Value::Str("end".into())])
            ]))
        );
        assert_eq!(parse_value("[x] = y"), Ok(Value::Str("[x] = y".into())));
        assert!(parse_value("").is_err());
        assert!(parse_value("a,,b").is_err());
        assert!(parse_value("{a").is_err());
        assert!(parse_value("{a} b").is_err());
        assert!(parse_value("\"a").is_err());
        assert!(parse_value("\"a\" b").is_err());
    }

    #[test]
    fn error_unknown_section() {
        assert_err(
            "\n[suppress_everything]\nname = x\n",
            2,
            "unknown section [suppress_everything]",
        );
    }

    #[test]
    fn error_unsupported_sections() {
        assert_err(
            "[suppress_file]\nfile_name_regexp = x\n",
            1,
            "[suppress_file] is not supported",
        );
        assert_err(
            "[allow_type]\nname = x\n",
            1,
            "[allow_type] is not supported",
        );
    }

    #[test]
    fn error_malformed_section_headers() {
        assert_err("[suppress_type\nname = x\n", 1, "missing ']'");
        assert_err("[suppress_type] name = x\n", 1, "unexpected text");
        assert_err("[]\n", 1, "empty section name");
    }

    #[test]
    fn error_unknown_key() {
        assert_err(
            "[suppress_type]\nname = x\nfoo = 1\n",
            3,
            "unknown key 'foo' in [suppress_type]",
        );
        assert_err(
            "[suppress_function]\nsize = 1\n",
            2,
            "unknown key 'size' in [suppress_function]",
        );
        // has_data_member is a type property, not a variable one.
        assert_err(
            "[suppress_variable]\nhas_data_member = x\n",
            2,
            "unknown key 'has_data_member' in [suppress_variable]",
        );
    }

    #[test]
    fn error_key_outside_section() {
        assert_err(
            "# c\nname = x\n[suppress_type]\n",
            2,
            "outside of any section",
        );
    }

    #[test]
    fn error_malformed_lines() {
        assert_err("[suppress_type]\nname x\n", 2, "malformed line");
        assert_err("[suppress_type]\nmy name = x\n", 2, "malformed line");
        assert_err("[suppress_type]\n= x\n", 2, "malformed line");
        assert_err("[suppress_type]\nname =\n", 2, "missing value");
        assert_err("[suppress_type]\nname = # nothing\n", 2, "missing value");
        assert_err("[suppress_type]\nname = \"\"\n", 2, "empty value");
        assert_err("[suppress_type]\nname = a,,b\n", 2, "empty element");
        assert_err(
            "[suppress_type]\nname = \"abc\n",
            2,
            "unterminated quoted string",
        );
        assert_err("[suppress_type]\nname = {a} b\n", 2, "unexpected 'b'");
        assert_err(
            "[suppress_type]\nname = S\nhas_data_member_inserted_between = {1,\n  2\n",
            3,
            "unterminated '{'",
        );
    }

    #[test]
    fn error_single_value_keys_reject_lists() {
        assert_err("[suppress_type]\nname = a, b\n", 2, "takes a single value");
        assert_err(
            "[suppress_function]\nname = {a}\n",
            2,
            "takes a single value",
        );
    }

    #[test]
    fn error_bad_regexes_name_key_and_line() {
        assert_err(
            "[suppress_type]\nname_regexp = (\n",
            2,
            "bad regular expression '(' for 'name_regexp'",
        );
        assert_err(
            "[suppress_type]\nname_not_regexp = [a\n",
            2,
            "name_not_regexp",
        );
        assert_err(
            "[suppress_type]\nname = x\nsource_location_not_regexp = *x\n",
            3,
            "source_location_not_regexp",
        );
        assert_err(
            "[suppress_type]\nname = x\nhas_data_member_regexp = (\n",
            3,
            "has_data_member_regexp",
        );
        assert_err(
            "[suppress_type]\ntype_kind = enum\nchanged_enumerators_regexp = ok, (\n",
            3,
            "changed_enumerators_regexp",
        );
        assert_err(
            "[suppress_function]\nsymbol_name_regexp = (\n",
            2,
            "symbol_name_regexp",
        );
        assert_err(
            "[suppress_variable]\nsymbol_name_not_regexp = (\n",
            2,
            "symbol_name_not_regexp",
        );
        assert_err(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of_first_data_member_regexp([)\n",
            3,
            "bad regular expression",
        );
        // The message is one line, without regex's caret diagram.
        let (_, msg) = syntax_err("[suppress_type]\nname_regexp = a(\n");
        assert!(!msg.contains('\n'), "{msg:?}");
    }

    #[test]
    fn error_bad_integers_and_offsets() {
        let base = "[suppress_type]\nname = S\n";
        assert_err(
            &format!("{base}has_data_member_inserted_at = 0x40\n"),
            3,
            "bad integer '0x40'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = 12abc\n"),
            3,
            "bad integer '12abc'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = 99999999999999999999999\n"),
            3,
            "bad integer",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = -1\n"),
            3,
            "bad offset '-1'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = middle\n"),
            3,
            "bad offset 'middle'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = size_of(x)\n"),
            3,
            "unknown function 'size_of'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = offset_of(x\n"),
            3,
            "missing ')'",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = offset_of()\n"),
            3,
            "expected one argument",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_at = offset_of_flexible_array_data_member\n"),
            3,
            "not supported",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_between = {{1, 2, 3}}\n"),
            3,
            "two offsets",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_between = 1\n"),
            3,
            "expects {begin, end}",
        );
        assert_err(
            &format!("{base}has_data_member_inserted_between = {{1, x}}\n"),
            3,
            "bad offset 'x'",
        );
        assert_err(
            &format!("{base}has_data_members_inserted_between = {{1, 2}}\n"),
            3,
            "expects {begin, end}",
        );
        assert_err(
            &format!("{base}has_data_members_inserted_between = {{}}\n"),
            3,
            "no ranges",
        );
        assert_err(
            &format!("{base}has_data_members_inserted_between = 5\n"),
            3,
            "expects {{begin, end}, ...}",
        );
    }

    #[test]
    fn error_bad_enumerated_values() {
        assert_err(
            "[suppress_type]\ntype_kind = klass\n",
            2,
            "bad type_kind 'klass'",
        );
        assert_err(
            "[suppress_type]\nname = x\naccessed_through = value\n",
            3,
            "bad accessed_through 'value'",
        );
        assert_err(
            "[suppress_type]\nname = x\ndrop = maybe\n",
            3,
            "bad value 'maybe' for 'drop'",
        );
        assert_err(
            "[suppress_type]\nname = x\nhas_size_change = 1\n",
            3,
            "expected yes or no",
        );
        assert_err(
            "[suppress_function]\nname = f\nchange_kind = removed\n",
            3,
            "bad change_kind 'removed'",
        );
        assert_err(
            "[suppress_function]\nname = f\nchange_kind = added-variable\n",
            3,
            "bad change_kind 'added-variable' in [suppress_function]",
        );
        assert_err(
            "[suppress_variable]\nname = v\nchange_kind = function-subtype-change\n",
            3,
            "in [suppress_variable]",
        );
    }

    #[test]
    fn error_unsupported_libabigail_properties() {
        for key in [
            "parameter",
            "return_type_name",
            "return_type_regexp",
            "symbol_version",
            "symbol_version_regexp",
            "allow_other_aliases",
        ] {
            assert_err(
                &format!("[suppress_function]\nname = f\n{key} = x\n"),
                3,
                &format!("property '{key}' of [suppress_function] is not supported"),
            );
        }
        for key in [
            "type_name",
            "type_name_regexp",
            "symbol_version",
            "symbol_version_regexp",
        ] {
            assert_err(
                &format!("[suppress_variable]\nname = v\n{key} = x\n"),
                3,
                &format!("property '{key}' of [suppress_variable] is not supported"),
            );
        }
        assert_err(
            "[suppress_type]\nname = S\nhas_strict_flexible_array_data_member_conversion = yes\n",
            3,
            "not supported",
        );
    }

    #[test]
    fn repeated_unsupported_key_says_unsupported() {
        assert_err(
            "[suppress_function]\nname = f\nparameter = '0 int\nparameter = '1 char\n",
            3,
            "not supported",
        );
    }

    #[test]
    fn error_duplicate_keys() {
        assert_err(
            "[suppress_type]\nname = a\nname = b\n",
            3,
            "duplicate key 'name'",
        );
        assert_err(
            "[suppress_type]\nname = a\ndrop = yes\ndrop_artifact = no\n",
            4,
            "already set on line 3",
        );
        // The same key in two sections is fine.
        parse("[suppress_type]\nname = a\n[suppress_type]\nname = b\n");
    }

    #[test]
    fn error_changed_enumerators_needs_enum_kind() {
        assert_err(
            "[suppress_type]\nname = e\nchanged_enumerators = A\n",
            3,
            "requires 'type_kind = enum'",
        );
        assert_err(
            "[suppress_type]\ntype_kind = struct\nchanged_enumerators_regexp = A\n",
            3,
            "requires 'type_kind = enum'",
        );
    }

    #[test]
    fn ignored_file_and_soname_keys_are_accepted() {
        let s = parse(
            "[suppress_type]\nname = S\nfile_name_regexp = vmlinux\nfile_name_not_regexp = x\nsoname_regexp = y\nsoname_not_regexp = z\n\
             [suppress_function]\nname = f\nsoname_regexp = y\n\
             [suppress_variable]\nname = v\nfile_name_regexp = y\n",
        );
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "S")));
        assert!(s.suppresses_function("f", ChangeKind::Added));
        assert!(s.suppresses_variable("v", ChangeKind::Added));
        assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    }

    #[test]
    fn ignored_keys_still_need_valid_regexes() {
        assert_err(
            "[suppress_type]\nname = S\nsoname_regexp = (\n",
            3,
            "bad regular expression '(' for 'soname_regexp'",
        );
        assert_err(
            "[suppress_function]\nname = f\nfile_name_regexp = a, b\n",
            3,
            "single value",
        );
    }

    #[test]
    fn sections_with_only_ignored_selectors_select_nothing() {
        let s = parse(
            "[suppress_type]\nfile_name_regexp = x\n[suppress_function]\nlabel = l\nsoname_regexp = x\n",
        );
        assert!(s.is_empty());
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "S")));
        assert!(!s.suppresses_function("f", ChangeKind::Added));
        assert_eq!(s.warnings().len(), 2);
        assert!(s.warnings()[0].starts_with("test.suppr:1: "));
        assert!(s.warnings()[1].starts_with("test.suppr:3: "));
    }

    #[test]
    fn load_reads_and_merges_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.suppr");
        let b = dir.path().join("b.suppr");
        std::fs::write(&a, "[suppress_type]\nname = A\n").expect("write");
        std::fs::write(&b, "[suppress_function]\nname = f\n").expect("write");
        let s = Suppressions::load(&[a.clone(), b.clone()]).expect("load");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "A")));
        assert!(s.suppresses_function("f", ChangeKind::Deleted));
        assert!(Suppressions::load(&[]).expect("no files").is_empty());

        std::fs::write(&b, "[suppress_function]\nname = f\nbogus = 1\n").expect("write");
        match Suppressions::load(&[a.clone(), b.clone()]) {
            Err(Error::Syntax { path, line, msg }) => {
                assert_eq!(path, b);
                assert_eq!(line, 3);
                assert!(msg.contains("bogus"));
            }
            other => panic!("unexpected {other:?}"),
        }

        let missing = dir.path().join("missing.suppr");
        match Suppressions::load(std::slice::from_ref(&missing)) {
            Err(Error::Input { path, .. }) => assert_eq!(path, missing),
            other => panic!("unexpected {other:?}"),
        }
        let e = Suppressions::load(std::slice::from_ref(&missing)).expect_err("missing");
        assert!(e.to_string().contains("missing.suppr"));
    }

    #[test]
    fn load_tolerates_non_utf8_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.suppr");
        std::fs::write(&a, b"# caf\xe9\n[suppress_type]\nname = A\n").expect("write");
        let s = Suppressions::load(&[a]).expect("load");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "A")));
    }

    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "[",
            "]",
            "{",
            "}",
            ",",
            "=",
            "\"",
            "\\",
            "\n",
            "#",
            ";",
            " ",
            "name",
            "suppress_type",
            "offset_of(",
            ")",
            "end",
            "0",
            "é",
            "\r",
            "has_data_members_inserted_between",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 24) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let _ = Suppressions::parse(&text, Path::new(FILE));
            let _ = Suppressions::parse(
                &format!("[suppress_type]\nname = S\nhas_data_members_inserted_between = {text}\n"),
                Path::new(FILE),
            );
        }
    }

    // --------------------------------------------------------- type matching

    #[test]
    fn type_name_exact() {
        let s = parse("[suppress_type]\nname = sk_buff\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "sk_buff")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "sk_buff_head")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "")));
    }

    #[test]
    fn type_name_regexp_and_not_regexp() {
        let s = parse("[suppress_type]\nname_regexp = ^foo_\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "foo_bar")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "bar_foo_")));
        let s = parse("[suppress_type]\nname_not_regexp = ^public_\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "private_x")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "public_x")));
        // All name properties must hold.
        let s = parse("[suppress_type]\nname_regexp = ^foo\nname_not_regexp = _keep$\n");
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "foo_x")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "foo_keep")));
        let s = parse("[suppress_type]\nname = foo\nname_regexp = ^bar\n");
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "foo")));
    }

    #[test]
    fn type_kind_each_value() {
        let cases: &[(&str, TypeKind, &[TypeKind])] = &[
            (
                "struct",
                TypeKind::Struct,
                &[TypeKind::Union, TypeKind::Typedef],
            ),
            (
                "class",
                TypeKind::Struct,
                &[TypeKind::Union, TypeKind::Enum],
            ),
            ("union", TypeKind::Union, &[TypeKind::Struct]),
            ("enum", TypeKind::Enum, &[TypeKind::Struct]),
            ("typedef", TypeKind::Typedef, &[TypeKind::Struct]),
            ("array", TypeKind::Array, &[TypeKind::Pointer]),
            ("pointer", TypeKind::Pointer, &[TypeKind::Array]),
            ("function", TypeKind::Function, &[TypeKind::Pointer]),
            ("builtin", TypeKind::Base, &[TypeKind::Enum]),
            ("basic", TypeKind::Base, &[TypeKind::Other]),
        ];
        for (value, yes, nos) in cases {
            let s = parse(&format!("[suppress_type]\ntype_kind = {value}\nname = T\n"));
            assert!(s.suppresses_type(&ty(*yes, "T")), "{value}");
            for no in *nos {
                assert!(!s.suppresses_type(&ty(*no, "T")), "{value} vs {no:?}");
            }
        }
        let s = parse("[suppress_type]\ntype_kind = reference\n");
        for k in [TypeKind::Pointer, TypeKind::Struct, TypeKind::Other] {
            assert!(!s.suppresses_type(&ty(k, "T")));
        }
        assert_eq!(s.warnings().len(), 1);
        // type_kind alone selects every type of that kind.
        let s = parse("[suppress_type]\ntype_kind = enum\n");
        assert!(s.suppresses_type(&ty(TypeKind::Enum, "anything")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "anything")));
    }

    fn at(file: Option<&'static str>) -> TypeChange<'static> {
        TypeChange {
            kind: TypeKind::Struct,
            name: "T",
            source_file: file,
            ..TypeChange::default()
        }
    }

    #[test]
    fn source_location_not_in() {
        let s = parse(
            "[suppress_type]\nsource_location_not_in = include/linux/skbuff.h, netdevice.h\n",
        );
        // Declared in a kept header: not hidden.
        assert!(!s.suppresses_type(&at(Some("/build/linux/include/linux/skbuff.h"))));
        assert!(!s.suppresses_type(&at(Some("include/linux/skbuff.h"))));
        assert!(!s.suppresses_type(&at(Some("./include/linux/skbuff.h"))));
        assert!(!s.suppresses_type(&at(Some("/build/linux/./include/net/../linux/skbuff.h"))));
        assert!(!s.suppresses_type(&at(Some("/src/include/linux/netdevice.h"))));
        // Elsewhere: hidden.
        assert!(s.suppresses_type(&at(Some("/build/linux/net/core/skbuff.c"))));
        assert!(s.suppresses_type(&at(Some("/build/linux/include/linux/myskbuff.h"))));
        assert!(s.suppresses_type(&at(Some("arch/x86/include/linux/skbuff.h.orig"))));
        // Unknown location: cannot be shown to be outside, so kept.
        assert!(!s.suppresses_type(&at(None)));
    }

    #[test]
    fn source_location_not_regexp() {
        let s =
            parse("[suppress_type]\nsource_location_not_regexp = ^(/build/linux/)?include/uapi/\n");
        assert!(!s.suppresses_type(&at(Some("/build/linux/include/uapi/linux/if.h"))));
        assert!(!s.suppresses_type(&at(Some("include/uapi/linux/if.h"))));
        assert!(s.suppresses_type(&at(Some("include/linux/if.h"))));
        assert!(!s.suppresses_type(&at(None)));
    }

    #[test]
    fn accessed_through_each_value() {
        let with = |a| TypeChange {
            access: a,
            ..ty(TypeKind::Struct, "W")
        };
        let cases = [
            ("direct", [true, false, false]),
            ("pointer", [false, true, false]),
            ("reference", [false, false, true]),
            ("reference-or-pointer", [false, true, true]),
        ];
        for (value, expect) in cases {
            let s = parse(&format!(
                "[suppress_type]\nname = W\naccessed_through = {value}\n"
            ));
            let got = [Access::Direct, Access::Pointer, Access::Reference]
                .map(|a| s.suppresses_type(&with(a)));
            assert_eq!(got, expect, "{value}");
        }
    }

    #[test]
    fn has_data_member_forms() {
        let c = TypeChange {
            old_members: OLD_S,
            ..ty(TypeKind::Struct, "S")
        };
        for value in ["m1", "{m0, m1}", "m0, m1", "{m1}"] {
            let s = parse(&format!(
                "[suppress_type]\nname = S\nhas_data_member = {value}\n"
            ));
            assert!(s.suppresses_type(&c), "{value}");
        }
        let s = parse("[suppress_type]\nname = S\nhas_data_member = {m0, gone}\n");
        assert!(!s.suppresses_type(&c));
        // Only records have data members.
        let s = parse("[suppress_type]\nname = S\nhas_data_member = m0\n");
        let e = TypeChange {
            old_members: OLD_S,
            ..ty(TypeKind::Enum, "S")
        };
        assert!(!s.suppresses_type(&e));
    }

    #[test]
    fn has_data_member_regexp() {
        let c = TypeChange {
            old_members: OLD_S,
            ..ty(TypeKind::Union, "S")
        };
        assert!(
            parse("[suppress_type]\nname = S\nhas_data_member_regexp = ^m[01]$\n")
                .suppresses_type(&c)
        );
        assert!(
            !parse("[suppress_type]\nname = S\nhas_data_member_regexp = ^priv\n")
                .suppresses_type(&c)
        );
    }

    #[test]
    fn inserted_at_end() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = yes\n",
        );
        // After the old last member (m1 at 32): hidden.
        assert!(s.suppresses_type(&insertion(&[m("n", 64, 32)], 64, 96)));
        // In the padding between m0 and m1: not at the end.
        assert!(!s.suppresses_type(&insertion(&[m("n", 8, 8)], 64, 64)));
        // Both must qualify.
        assert!(!s.suppresses_type(&insertion(&[m("n", 64, 32), m("p", 8, 8)], 64, 96)));
    }

    #[test]
    fn size_change_needs_has_size_change() {
        let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = end\n");
        // Grew: libabigail's documentation requires has_size_change = yes.
        assert!(!s.suppresses_type(&insertion(&[m("n", 64, 32)], 64, 96)));
        // Same size (tail padding used): fine.
        let old = [m("a", 0, 32), m("b", 32, 8)];
        let ins = [m("n", 40, 8)];
        let c = TypeChange {
            old_members: &old,
            ..insertion(&ins, 64, 64)
        };
        assert!(s.suppresses_type(&c));
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = no\n",
        );
        assert!(!s.suppresses_type(&insertion(&[m("n", 64, 32)], 64, 96)));
    }

    #[test]
    fn insertions_refused_when_not_pure_insertions() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = yes\n",
        );
        let ins = [m("n", 64, 32)];
        let removed = [m("m0", 0, 8)];
        let with_removal = TypeChange {
            removed: &removed,
            ..insertion(&ins, 64, 96)
        };
        assert!(!s.suppresses_type(&with_removal));
        let with_change = TypeChange {
            changed_members: 1,
            ..insertion(&ins, 64, 96)
        };
        assert!(!s.suppresses_type(&with_change));
        // Shrinking is never hidden, has_size_change or not.
        assert!(!s.suppresses_type(&insertion(&ins, 128, 96)));
        // No insertion at all: the property does not hold.
        assert!(!s.suppresses_type(&insertion(&[], 64, 64)));
        // Not a struct or union.
        let e = TypeChange {
            kind: TypeKind::Enum,
            ..insertion(&ins, 64, 96)
        };
        assert!(!s.suppresses_type(&e));
        let u = TypeChange {
            kind: TypeKind::Union,
            ..insertion(&ins, 64, 96)
        };
        assert!(s.suppresses_type(&u));
    }

    #[test]
    fn inserted_at_integer_means_at_or_after() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = 32\nhas_size_change = yes\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("n", 32, 8)], 64, 96)));
        assert!(s.suppresses_type(&insertion(&[m("n", 64, 8)], 64, 96)));
        assert!(!s.suppresses_type(&insertion(&[m("n", 8, 8)], 64, 96)));
    }

    #[test]
    fn inserted_at_offset_of_and_after() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of(m1)\nhas_size_change = yes\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("n", 32, 8)], 64, 96)));
        assert!(!s.suppresses_type(&insertion(&[m("n", 8, 8)], 64, 96)));
        let s =
            parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_after( m0 )\n");
        // offset_after(m0) is where m0 ends (8).
        assert!(s.suppresses_type(&insertion(&[m("n", 8, 8)], 64, 64)));
        assert!(!s.suppresses_type(&insertion(&[m("n", 0, 8)], 64, 64)));
        // A bitfield whose size is its underlying type's: clamped by the
        // next member.
        let old = [m("flags", 0, 32), m("next", 3, 5), m("tail", 32, 32)];
        let ins = [m("n", 8, 8)];
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_after(flags), offset_of(tail)}\n",
        );
        let c = TypeChange {
            old_members: &old,
            ..insertion(&ins, 64, 64)
        };
        assert!(s.suppresses_type(&c));
        // offset_after the last member is its end.
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_after(m1)\nhas_size_change = yes\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("n", 64, 8)], 64, 96)));
        assert!(!s.suppresses_type(&insertion(&[m("n", 40, 8)], 64, 96)));
        // A member the old type lacks.
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of(nope)\nhas_size_change = yes\n",
        );
        assert!(!s.suppresses_type(&insertion(&[m("n", 64, 8)], 64, 96)));
    }

    #[test]
    fn inserted_between_padding() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_after(m0), offset_of(m1)}\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("pad", 8, 8), m("pad2", 16, 16)], 64, 64)));
        assert!(!s.suppresses_type(&insertion(&[m("pad", 64, 8)], 64, 64)));
        let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_between = {8, end}\n");
        assert!(s.suppresses_type(&insertion(&[m("x", 8, 8)], 64, 64)));
        assert!(!s.suppresses_type(&insertion(&[m("x", 0, 8)], 64, 64)));
        // begin > end: the range is ignored.
        let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_between = {32, 8}\n");
        assert!(!s.suppresses_type(&insertion(&[m("x", 16, 8)], 64, 64)));
        // {end, end} is "at end".
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_between = {end, end}\nhas_size_change = yes\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("x", 64, 8)], 64, 96)));
        assert!(!s.suppresses_type(&insertion(&[m("x", 16, 8)], 64, 96)));
    }

    #[test]
    fn inserted_between_several_ranges_and_properties() {
        let s = parse(
            "[suppress_type]\nname = S\nhas_size_change = yes\nhas_data_members_inserted_between = {{8, 24}, {64, end}}\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("a", 8, 8), m("b", 64, 32)], 64, 96)));
        assert!(!s.suppresses_type(&insertion(&[m("a", 8, 8), m("b", 40, 8)], 64, 96)));
        // inserted_at and inserted_between in one section add up.
        let s = parse(
            "[suppress_type]\nname = S\nhas_size_change = yes\nhas_data_member_inserted_between = {offset_after(m0), offset_of(m1)}\nhas_data_member_inserted_at = end\n",
        );
        assert!(s.suppresses_type(&insertion(&[m("a", 8, 8), m("b", 64, 32)], 64, 96)));
    }

    #[test]
    fn regexp_boundaries() {
        let old = [
            m("pad0", 0, 8),
            m("x", 8, 8),
            m("pad1", 16, 8),
            m("y", 32, 32),
        ];
        let hides = |s: &Suppressions, off: u64| {
            let ins = [m("new", off, 8)];
            let c = TypeChange {
                old_members: &old,
                inserted: &ins,
                ..insertion(&[], 64, 64)
            };
            s.suppresses_type(&c)
        };
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_of_first_data_member_regexp(^pad), offset_of_last_data_member_regexp(^pad)}\n",
        );
        assert!(hides(&s, 0));
        assert!(hides(&s, 16));
        assert!(!hides(&s, 24));
        let s = parse(
            "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of_first_data_member_regexp(^none)\n",
        );
        assert!(!hides(&s, 24));
    }

    fn enum_change(
        removed_or_changed: usize,
        added: &'static [&'static str],
        sizes: (u64, u64),
    ) -> TypeChange<'static> {
        TypeChange {
            kind: TypeKind::Enum,
            name: "E",
            old_size_bits: sizes.0,
            new_size_bits: sizes.1,
            added_enumerators: added,
            removed_or_changed_enumerators: removed_or_changed,
            ..TypeChange::default()
        }
    }

    fn hides_enum(
        s: &Suppressions,
        changed: &[&str],
        removed_or_changed: usize,
        added: &'static [&'static str],
        sizes: (u64, u64),
    ) -> bool {
        s.suppresses_type_with_enumerators(&enum_change(removed_or_changed, added, sizes), changed)
    }

    #[test]
    fn changed_enumerators_names() {
        let s = parse(
            "[suppress_type]\ntype_kind = enum\nname = E\nchanged_enumerators = E_MAX, E_LAST\n",
        );
        // The usual case: an enumerator added before E_MAX bumps it.
        assert!(hides_enum(&s, &["E_MAX"], 1, &["E_NEW"], (32, 32)));
        assert!(hides_enum(&s, &["E_MAX", "E_LAST"], 2, &[], (32, 32)));
        assert!(hides_enum(&s, &[], 0, &["E_NEW"], (32, 32)));
        assert!(!hides_enum(&s, &["E_MAX", "E_OTHER"], 2, &[], (32, 32)));
        // A removal (counted but not among the changed names) is never hidden.
        assert!(!hides_enum(&s, &["E_MAX"], 2, &[], (32, 32)));
        // Nor a size change.
        assert!(!hides_enum(&s, &["E_MAX"], 1, &[], (32, 64)));
        // Without the names, a changed value cannot be vouched for...
        assert!(!s.suppresses_type(&enum_change(1, &["E_NEW"], (32, 32))));
        // ...but additions alone can.
        assert!(s.suppresses_type(&enum_change(0, &["E_NEW"], (32, 32))));
        // Another enum is not concerned.
        let other = TypeChange {
            name: "F",
            ..enum_change(1, &[], (32, 32))
        };
        assert!(!s.suppresses_type_with_enumerators(&other, &["E_MAX"]));
    }

    #[test]
    fn changed_enumerators_regexp() {
        let s =
            parse("[suppress_type]\ntype_kind = enum\nchanged_enumerators_regexp = _MAX$, _NUM$\n");
        assert!(hides_enum(&s, &["A_MAX", "B_NUM"], 2, &[], (32, 32)));
        assert!(!hides_enum(&s, &["A_MAX", "B_COUNT"], 2, &[], (32, 32)));
        let s = parse(
            "[suppress_type]\ntype_kind = enum\nchanged_enumerators = B_COUNT\nchanged_enumerators_regexp = _MAX$\n",
        );
        assert!(hides_enum(&s, &["A_MAX", "B_COUNT"], 2, &[], (32, 32)));
    }

    #[test]
    fn sections_are_ored_and_properties_anded() {
        let s =
            parse("[suppress_type]\nname = A\ntype_kind = union\n\n[suppress_type]\nname = B\n");
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "A")));
        assert!(s.suppresses_type(&ty(TypeKind::Union, "A")));
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "B")));
        assert!(!s.suppresses_type(&ty(TypeKind::Struct, "C")));
    }

    #[test]
    fn type_section_without_selector_is_ignored() {
        for text in [
            "[suppress_type]\nlabel = only a label\n",
            "[suppress_type]\nhas_data_member_inserted_at = end\n",
            "[suppress_type]\n",
        ] {
            let s = parse(text);
            assert!(s.is_empty(), "{text}");
            assert!(!s.suppresses_type(&ty(TypeKind::Struct, "S")));
            assert_eq!(s.warnings().len(), 1, "{text}");
        }
    }

    #[test]
    fn type_labels_are_reported() {
        let s = parse("[suppress_type]\nlabel = private stuff\nname_regexp = ^__\n");
        assert_eq!(
            s.type_suppressed_by(&ty(TypeKind::Struct, "__x"), &[]),
            Some("private stuff")
        );
        assert_eq!(s.type_suppressed_by(&ty(TypeKind::Struct, "x"), &[]), None);
    }

    #[test]
    fn drops_type_rules() {
        let s = parse("[suppress_type]\nname = secret\ndrop = yes\n");
        assert!(s.drops_type(TypeKind::Struct, "secret", None));
        assert!(!s.drops_type(TypeKind::Struct, "public", None));
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "secret")));

        let s = parse("[suppress_type]\nname = secret\ndrop = no\n");
        assert!(!s.drops_type(TypeKind::Struct, "secret", None));
        let s = parse("[suppress_type]\nname = secret\n");
        assert!(!s.drops_type(TypeKind::Struct, "secret", None));

        let s = parse("[suppress_type]\nname = secret\ntype_kind = union\ndrop_artifact = true\n");
        assert!(s.drops_type(TypeKind::Union, "secret", None));
        assert!(!s.drops_type(TypeKind::Struct, "secret", None));

        let s =
            parse("[suppress_type]\nsource_location_not_in = include/linux/public.h\ndrop = yes\n");
        assert!(s.drops_type(TypeKind::Struct, "x", Some("/b/drivers/foo/private.h")));
        assert!(!s.drops_type(TypeKind::Struct, "x", Some("/b/include/linux/public.h")));
        assert!(!s.drops_type(TypeKind::Struct, "x", None));

        // libabigail needs name, name_regexp or a location for drop.
        let s = parse("[suppress_type]\nname_not_regexp = ^pub\ndrop = yes\n");
        assert!(!s.drops_type(TypeKind::Struct, "priv", None));
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "priv")));
        assert_eq!(s.warnings().len(), 1);

        // A section describing the change cannot drop before comparing.
        let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = end\ndrop = yes\n");
        assert!(!s.drops_type(TypeKind::Struct, "S", None));
        assert_eq!(s.warnings().len(), 1);
    }

    #[test]
    fn has_size_change_alone_warns() {
        let s = parse("[suppress_type]\nname = S\nhas_size_change = yes\n");
        assert_eq!(s.warnings().len(), 1);
        assert!(s.suppresses_type(&ty(TypeKind::Struct, "S")));
    }

    // ---------------------------------------------- function/variable matching

    #[test]
    fn function_name_properties() {
        let s = parse("[suppress_function]\nname = kfree\n");
        assert!(s.suppresses_function("kfree", ChangeKind::SubTypeChange));
        assert!(!s.suppresses_function("kfree_skb", ChangeKind::SubTypeChange));

        let s = parse("[suppress_function]\nname_regexp = ^__\n");
        assert!(s.suppresses_function("__foo", ChangeKind::Added));
        assert!(!s.suppresses_function("foo", ChangeKind::Added));

        let s = parse("[suppress_function]\nname_not_regexp = ^(kmalloc|kfree)$\n");
        assert!(s.suppresses_function("other", ChangeKind::Deleted));
        assert!(!s.suppresses_function("kfree", ChangeKind::Deleted));
    }

    #[test]
    fn function_symbol_properties() {
        let s = parse("[suppress_function]\nsymbol_name = kfree\n");
        assert!(s.suppresses_function("kfree", ChangeKind::Added));
        assert!(!s.suppresses_function("kmalloc", ChangeKind::Added));

        let s = parse("[suppress_function]\nsymbol_name_regexp = ^trace_\n");
        assert!(s.suppresses_function("trace_x", ChangeKind::Added));
        assert!(!s.suppresses_function("x_trace", ChangeKind::Added));

        let s = parse("[suppress_function]\nsymbol_name_not_regexp = ^keep_\n");
        assert!(s.suppresses_function("drop_me", ChangeKind::Added));
        assert!(!s.suppresses_function("keep_me", ChangeKind::Added));

        // name and symbol_name see the same kernel name; both must match.
        let s = parse("[suppress_function]\nname = a\nsymbol_name = b\n");
        assert!(!s.suppresses_function("a", ChangeKind::Added));
        assert!(!s.suppresses_function("b", ChangeKind::Added));
    }

    #[test]
    fn function_change_kinds() {
        let kinds = [
            ChangeKind::SubTypeChange,
            ChangeKind::Added,
            ChangeKind::Deleted,
        ];
        let cases = [
            ("function-subtype-change", [true, false, false]),
            ("added-function", [false, true, false]),
            ("deleted-function", [false, false, true]),
            ("all", [true, true, true]),
        ];
        for (value, expect) in cases {
            let s = parse(&format!(
                "[suppress_function]\nname = f\nchange_kind = {value}\n"
            ));
            assert_eq!(
                kinds.map(|k| s.suppresses_function("f", k)),
                expect,
                "{value}"
            );
            // Function sections never touch variables.
            assert!(!s.suppresses_variable("f", ChangeKind::Added));
        }
    }

    #[test]
    fn variable_change_kinds_and_names() {
        let kinds = [
            ChangeKind::SubTypeChange,
            ChangeKind::Added,
            ChangeKind::Deleted,
        ];
        let cases = [
            ("variable-subtype-change", [true, false, false]),
            ("added-variable", [false, true, false]),
            ("deleted-variable", [false, false, true]),
            ("all", [true, true, true]),
        ];
        for (value, expect) in cases {
            let s = parse(&format!(
                "[suppress_variable]\nname_regexp = ^jiffies\nchange_kind = {value}\n"
            ));
            assert_eq!(
                kinds.map(|k| s.suppresses_variable("jiffies_64", k)),
                expect,
                "{value}"
            );
            assert!(!s.suppresses_variable("other", ChangeKind::Added));
            assert!(!s.suppresses_function("jiffies_64", ChangeKind::Added));
        }
        let s = parse(
            "[suppress_variable]\nname = v\nsymbol_name_regexp = ^v$\nname_not_regexp = w\nsymbol_name = v\nsymbol_name_not_regexp = x\n",
        );
        assert!(s.suppresses_variable("v", ChangeKind::Deleted));
        assert!(!s.suppresses_variable("w", ChangeKind::Deleted));
    }

    #[test]
    fn label_only_decl_section_matches_everything_of_its_kind() {
        let s = parse(
            "[suppress_function]\nlabel = all added functions\nchange_kind = added-function\n",
        );
        assert!(!s.is_empty());
        assert!(s.suppresses_function("anything", ChangeKind::Added));
        assert!(!s.suppresses_function("anything", ChangeKind::Deleted));
        assert!(!s.suppresses_variable("anything", ChangeKind::Added));
        assert_eq!(
            s.function_suppressed_by("x", ChangeKind::Added),
            Some("all added functions")
        );
        let s = parse("[suppress_variable]\nlabel = every variable\n");
        assert!(s.suppresses_variable("v", ChangeKind::SubTypeChange));
        assert_eq!(
            s.variable_suppressed_by("v", ChangeKind::Added),
            Some("every variable")
        );
        assert_eq!(
            s.variable_suppressed_by("v", ChangeKind::Added)
                .map(str::len),
            Some(14)
        );
    }

    #[test]
    fn decl_section_without_label_or_name_is_ignored() {
        let s = parse(
            "[suppress_function]\nchange_kind = added-function\n[suppress_variable]\ndrop = yes\n",
        );
        assert!(s.is_empty());
        assert!(!s.suppresses_function("f", ChangeKind::Added));
        assert!(!s.suppresses_variable("v", ChangeKind::Added));
        assert_eq!(s.warnings().len(), 2);
    }

    #[test]
    fn drops_functions_and_variables() {
        let s = parse(
            "[suppress_function]\nname_regexp = ^__\ndrop = yes\n[suppress_variable]\nsymbol_name = v\ndrop = yes\n",
        );
        assert!(s.drops_function("__x"));
        assert!(!s.drops_function("x"));
        assert!(s.drops_variable("v"));
        assert!(!s.drops_variable("__x"));
        // Restricted to a change kind: must not drop.
        let s = parse("[suppress_function]\nname = f\nchange_kind = added-function\ndrop = yes\n");
        assert!(!s.drops_function("f"));
        assert!(s.suppresses_function("f", ChangeKind::Added));
        // A label alone cannot drop.
        let s = parse("[suppress_function]\nlabel = l\ndrop = yes\n");
        assert!(!s.drops_function("f"));
    }

    #[test]
    fn keys_help_lists_every_key() {
        let help = Suppressions::keys_help();
        for key in [
            "[suppress_type]",
            "[suppress_function]",
            "[suppress_variable]",
            "label",
            "name",
            "name_regexp",
            "name_not_regexp",
            "type_kind",
            "source_location_not_in",
            "source_location_not_regexp",
            "has_data_member",
            "has_data_member_regexp",
            "has_data_member_inserted_at",
            "has_data_member_inserted_between",
            "has_data_members_inserted_between",
            "has_size_change",
            "accessed_through",
            "changed_enumerators",
            "changed_enumerators_regexp",
            "drop",
            "drop_artifact",
            "file_name_regexp",
            "file_name_not_regexp",
            "soname_regexp",
            "soname_not_regexp",
            "symbol_name",
            "symbol_name_regexp",
            "symbol_name_not_regexp",
            "change_kind",
            "offset_of",
            "offset_after",
            "end",
        ] {
            assert!(help.contains(key), "keys_help lacks {key}");
        }
        for (key, _) in UNSUPPORTED_TYPE_KEYS
            .iter()
            .chain(UNSUPPORTED_FUNCTION_KEYS)
            .chain(UNSUPPORTED_VARIABLE_KEYS)
        {
            assert!(help.contains(key), "keys_help lacks unsupported {key}");
        }
    }

    #[test]
    fn path_normalization() {
        assert_eq!(normalize_path("/a/./b//c"), "/a/b/c");
        assert_eq!(normalize_path("./include/x.h"), "include/x.h");
        assert_eq!(normalize_path("a/b/../c"), "a/c");
        assert_eq!(normalize_path("../x"), "../x");
        assert_eq!(normalize_path("/../x"), "/x");
    }
}

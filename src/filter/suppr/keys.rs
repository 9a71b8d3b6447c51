//! The one table of suppression keys.
//!
//! Every key of every section is a row of [`KEYS`]: where it is valid, what
//! kmidiff does with it, the shape of its value and what it means. The
//! builders take from here which keys exist (unknown and unsupported keys are
//! refused before a builder sees them, ignored keys are checked and skipped),
//! `kmi suppressions keys` prints [`help`], and a test holds the README's key
//! lists to the table. A key added here and not handled by its builder is
//! still refused as unknown, which the tests catch.

use std::fmt::Write;

/// The sections kmidiff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SectionKind {
    Type,
    Function,
    Variable,
}

impl SectionKind {
    pub(super) const ALL: [SectionKind; 3] = [
        SectionKind::Type,
        SectionKind::Function,
        SectionKind::Variable,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            SectionKind::Type => "suppress_type",
            SectionKind::Function => "suppress_function",
            SectionKind::Variable => "suppress_variable",
        }
    }
}

/// What kmidiff does with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Supported,
    /// Accepted so that libabigail files load, its value still checked, but
    /// it has no effect.
    Ignored,
    /// A libabigail property kmidiff cannot evaluate for a kernel, with the
    /// reason. Refused: ignoring it would hide more than the file says.
    Unsupported(&'static str),
}

/// The value a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Free text.
    Text,
    /// One name.
    Name,
    /// Names: `a, b`, `{a, b}` or a lone name.
    Names,
    /// File paths, as `Names`.
    Files,
    Regex,
    /// Regexes, as `Names`.
    Regexes,
    YesNo,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A data member offset (see [`OFFSET_HELP`]).
    Offset,
    /// `{OFFSET, OFFSET}`.
    Range,
    /// `{{OFFSET, OFFSET}, ...}`.
    Ranges,
}

impl Shape {
    pub(super) fn show(self) -> String {
        match self {
            Shape::Text => "TEXT".into(),
            Shape::Name => "NAME".into(),
            Shape::Names => "NAME, ...".into(),
            Shape::Files => "FILE, ...".into(),
            Shape::Regex => "REGEX".into(),
            Shape::Regexes => "REGEX, ...".into(),
            Shape::YesNo => "yes|no".into(),
            Shape::Choice(words) => words.join("|"),
            Shape::Offset => "OFFSET".into(),
            Shape::Range => "{OFFSET, OFFSET}".into(),
            Shape::Ranges => "{{OFFSET, OFFSET}, ...}".into(),
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub(super) struct Key {
    pub(super) name: &'static str,
    /// Another spelling libabigail accepts for the same property.
    pub(super) alias: Option<&'static str>,
    pub(super) sections: &'static [SectionKind],
    pub(super) status: Status,
    pub(super) shape: Shape,
    pub(super) help: &'static str,
}

impl Key {
    pub(super) fn spellings(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.alias)
    }

    /// The words of a [`Shape::Choice`], as "a, b or c" for error messages.
    pub(super) fn expected(&self) -> String {
        let Shape::Choice(words) = self.shape else {
            return String::new();
        };
        match words.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

const T: &[SectionKind] = &[SectionKind::Type];
const F: &[SectionKind] = &[SectionKind::Function];
const V: &[SectionKind] = &[SectionKind::Variable];
const FV: &[SectionKind] = &[SectionKind::Function, SectionKind::Variable];
const TFV: &[SectionKind] = &SectionKind::ALL;

const fn key(
    name: &'static str,
    sections: &'static [SectionKind],
    shape: Shape,
    help: &'static str,
) -> Key {
    Key {
        name,
        alias: None,
        sections,
        status: Status::Supported,
        shape,
        help,
    }
}

const fn ignored(name: &'static str, help: &'static str) -> Key {
    Key {
        name,
        alias: None,
        sections: TFV,
        status: Status::Ignored,
        shape: Shape::Regex,
        help,
    }
}

const fn unsupported(
    name: &'static str,
    sections: &'static [SectionKind],
    shape: Shape,
    help: &'static str,
    why: &'static str,
) -> Key {
    Key {
        name,
        alias: None,
        sections,
        status: Status::Unsupported(why),
        shape,
        help,
    }
}

/// Every key, in the order `kmi suppressions keys` lists them. A name may
/// have one row per section kind when its meaning differs; (section, name)
/// is unique.
pub(super) const KEYS: &[Key] = &[
    key("label", T, Shape::Text, "informative only"),
    key(
        "label",
        FV,
        Shape::Text,
        "alone, the section matches every function (variable), as in libabigail",
    ),
    key(
        "name",
        T,
        Shape::Name,
        "exact type name, without struct/union/enum",
    ),
    key(
        "name",
        FV,
        Shape::Name,
        "exact C name (the ELF symbol name in the kernel)",
    ),
    key("name_regexp", TFV, Shape::Regex, "the name matches REGEX"),
    key(
        "name_not_regexp",
        TFV,
        Shape::Regex,
        "only names that do NOT match REGEX",
    ),
    key(
        "type_kind",
        T,
        Shape::Choice(&[
            "struct",
            "class",
            "union",
            "enum",
            "typedef",
            "array",
            "pointer",
            "reference",
            "function",
            "builtin",
            "basic",
        ]),
        "only types of this kind (class is struct, basic is builtin)",
    ),
    key(
        "source_location_not_in",
        T,
        Shape::Files,
        "only types NOT declared in these files (a path equal to FILE or ending in /FILE)",
    ),
    key(
        "source_location_not_regexp",
        T,
        Shape::Regex,
        "only types whose file does NOT match REGEX",
    ),
    key(
        "has_data_member",
        T,
        Shape::Names,
        "the old type has all these data members",
    ),
    key(
        "has_data_member_regexp",
        T,
        Shape::Regex,
        "the old type has a data member matching REGEX",
    ),
    key(
        "has_data_member_inserted_at",
        T,
        Shape::Offset,
        "every inserted member is at OFFSET or later (end: after the old last member)",
    ),
    key(
        "has_data_member_inserted_between",
        T,
        Shape::Range,
        "every inserted member is in the range",
    ),
    key(
        "has_data_members_inserted_between",
        T,
        Shape::Ranges,
        "every inserted member is in one of the ranges",
    ),
    key(
        "has_size_change",
        T,
        Shape::YesNo,
        "let the insertion properties accept a type that grew",
    ),
    key(
        "accessed_through",
        T,
        Shape::Choice(&["direct", "pointer", "reference", "reference-or-pointer"]),
        "how the interface reaches the type",
    ),
    key(
        "changed_enumerators",
        T,
        Shape::Names,
        "needs type_kind = enum: every enumerator whose value changed is listed (additions are fine, removals never hidden)",
    ),
    key(
        "changed_enumerators_regexp",
        T,
        Shape::Regexes,
        "same, each matching one of the REGEXes",
    ),
    key(
        "symbol_name",
        FV,
        Shape::Name,
        "exact ELF symbol name (the C name in the kernel)",
    ),
    key(
        "symbol_name_regexp",
        FV,
        Shape::Regex,
        "the symbol name matches REGEX",
    ),
    key(
        "symbol_name_not_regexp",
        FV,
        Shape::Regex,
        "only symbol names that do NOT match REGEX",
    ),
    key(
        "change_kind",
        F,
        Shape::Choice(&[
            "function-subtype-change",
            "added-function",
            "deleted-function",
            "all",
        ]),
        "only this kind of change (default all)",
    ),
    key(
        "change_kind",
        V,
        Shape::Choice(&[
            "variable-subtype-change",
            "added-variable",
            "deleted-variable",
            "all",
        ]),
        "only this kind of change (default all)",
    ),
    Key {
        alias: Some("drop_artifact"),
        ..key(
            "drop",
            T,
            Shape::YesNo,
            "leave matching types out entirely; needs name, name_regexp or a source_location key",
        )
    },
    Key {
        alias: Some("drop_artifact"),
        ..key(
            "drop",
            FV,
            Shape::YesNo,
            "accepted, with no effect beyond the section's: it hides every change to what it matches; needs a name or symbol_name key",
        )
    },
    ignored("file_name_regexp", "sections apply to every module"),
    ignored("file_name_not_regexp", "sections apply to every module"),
    ignored("soname_regexp", "kernel binaries have no SONAME"),
    ignored("soname_not_regexp", "kernel binaries have no SONAME"),
    unsupported(
        "has_strict_flexible_array_data_member_conversion",
        T,
        Shape::YesNo,
        "a fake flexible array became a real one",
        "the comparison does not track flexible array conversions",
    ),
    unsupported(
        "parameter",
        F,
        Shape::Text,
        "a parameter's index and type",
        "parameter types are not matched",
    ),
    unsupported(
        "return_type_name",
        F,
        Shape::Name,
        "the return type",
        "return types are not matched",
    ),
    unsupported(
        "return_type_regexp",
        F,
        Shape::Regex,
        "the return type",
        "return types are not matched",
    ),
    unsupported(
        "symbol_version",
        FV,
        Shape::Name,
        "the symbol version",
        "kernel symbols are not versioned",
    ),
    unsupported(
        "symbol_version_regexp",
        FV,
        Shape::Regex,
        "the symbol version",
        "kernel symbols are not versioned",
    ),
    unsupported(
        "allow_other_aliases",
        F,
        Shape::YesNo,
        "aliases of the symbol",
        "symbol aliases are not tracked",
    ),
    unsupported(
        "type_name",
        V,
        Shape::Name,
        "the variable's type",
        "variable types are not matched",
    ),
    unsupported(
        "type_name_regexp",
        V,
        Shape::Regex,
        "the variable's type",
        "variable types are not matched",
    ),
];

/// The row for `key` (or its alias) in a section of this kind.
pub(super) fn lookup(kind: SectionKind, key: &str) -> Option<&'static Key> {
    KEYS.iter()
        .find(|k| k.sections.contains(&kind) && k.spellings().any(|s| s == key))
}

const PREAMBLE: &str = "\
Suppression files (--suppressions FILE) use libabigail's format:
[section] headers, `key = value` lines, `#` or `;` comment lines. A value is a
string, a comma-separated list, or a {tuple}; wrap a value in double quotes to
keep `,` `{` `}` `#` `;` literal. Backslash escapes as in libabigail (`\\\\` is
one backslash, so a regex `\\.` is written `\\\\.`); a trailing backslash joins
the next line. Regexes are POSIX-extended style, matched anywhere in the name.
Every property of a section must match; a change is hidden if any section
matches it. Unknown sections or keys are errors.
";

/// How offsets are written and what the insertion properties accept.
const OFFSET_HELP: &str = "\
OFFSET: bits (decimal), end, offset_of(MEMBER), offset_after(MEMBER),
offset_of_first_data_member_regexp(REGEX), offset_of_last_data_member_regexp(REGEX),
evaluated in the old type (offset_of_flexible_array_data_member is not
supported). The has_data_member(s)_inserted_* keys match only a struct/union
change made of member insertions (no member removed or changed, size not
shrunk), each inserted member in one of the ranges; a size change also needs
has_size_change = yes.
A section with none of name, name_regexp, name_not_regexp, type_kind,
source_location_not_in, source_location_not_regexp is ignored (as in
libabigail).
";

const TRAILER: &str = "\
Not supported (rejected with an error): the sections [suppress_file] and
[allow_type].
";

/// Where the help column starts, and where lines wrap.
const HELP_COLUMN: usize = 40;
const WIDTH: usize = 100;

/// The whole reference, generated from [`KEYS`].
pub(super) fn help() -> String {
    let mut out = String::from(PREAMBLE);
    for kind in SectionKind::ALL {
        let _ = write!(out, "\n[{}]\n", kind.name());
        let rows = |status: fn(Status) -> bool| {
            KEYS.iter()
                .filter(move |k| k.sections.contains(&kind) && status(k.status))
        };
        for k in rows(|s| s == Status::Supported) {
            let mut help = k.help.to_string();
            if let Some(alias) = k.alias {
                let _ = write!(help, " (alias {alias})");
            }
            row(&mut out, k, &help);
        }
        let mut heading = Some("\n  Accepted and ignored:\n");
        for k in rows(|s| s == Status::Ignored) {
            out.push_str(heading.take().unwrap_or_default());
            row(&mut out, k, k.help);
        }
        let mut heading = Some("\n  Rejected (libabigail properties kmidiff cannot evaluate):\n");
        for k in rows(|s| matches!(s, Status::Unsupported(_))) {
            if let Status::Unsupported(why) = k.status {
                out.push_str(heading.take().unwrap_or_default());
                row(&mut out, k, &format!("{}: {why}", k.help));
            }
        }
        if kind == SectionKind::Type {
            out.push('\n');
            out.push_str(OFFSET_HELP);
        }
    }
    out.push('\n');
    out.push_str(TRAILER);
    out
}

/// `  key = SHAPE   help`, the help wrapped in its column and starting on
/// the next line when the left part leaves no room for it.
fn row(out: &mut String, k: &Key, help: &str) {
    let left = format!("  {} = {}", k.name, k.shape.show());
    let mut line = if left.len() < HELP_COLUMN {
        format!("{left:<HELP_COLUMN$}")
    } else {
        let _ = writeln!(out, "{left}");
        " ".repeat(HELP_COLUMN)
    };
    let mut empty = true;
    for word in help.split(' ') {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{line}");
            line = " ".repeat(HELP_COLUMN);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

/// Every spelling a `[section]` accepts (supported or ignored keys), in
/// table order; empty for an unknown section.
pub fn accepted(section: &str) -> Vec<&'static str> {
    let Some(kind) = SectionKind::ALL.into_iter().find(|k| k.name() == section) else {
        return Vec::new();
    };
    KEYS.iter()
        .filter(|k| k.sections.contains(&kind) && !matches!(k.status, Status::Unsupported(_)))
        .flat_map(Key::spellings)
        .collect()
}

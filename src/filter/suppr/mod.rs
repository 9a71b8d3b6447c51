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
//!
//! The text is read by `read`, which knows the syntax but no key; `keys` is
//! the one table of keys, which `build` consults to turn each section into
//! the model of `spec`, where the matching is.

mod build;
mod keys;
pub use keys::accepted as accepted_keys;
mod read;
mod spec;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

#[cfg(test)]
use crate::error::Error;
use crate::error::Result;
use keys::SectionKind;
use read::read_sections;
use spec::{DeclSection, TypeSection};

// The comparison says what changed (compare::facts); suppressions read it.
pub use crate::compare::ChangeKind;
pub use crate::compare::Reach as Access;
pub use crate::compare::facts::{MemberFact, TypeFacts as TypeChange, TypeKind};

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
            let bytes = crate::read::limits::read_text(path, crate::read::limits::MAX_LINE)?;
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

    /// The report must hide this type change. `changed_enumerators` names
    /// the enumerators present in both versions whose value changed (a
    /// subset of `c.removed_or_changed_enumerators`; the rest count as
    /// removals, which no suppression hides): `changed_enumerators` and
    /// `changed_enumerators_regexp` are checked against these names, so
    /// without them such a section cannot hide an enum whose values changed.
    pub fn suppresses_type(&self, c: &TypeChange) -> bool {
        self.types
            .iter()
            .any(|s| s.matches(c, &c.changed_enumerators))
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

    /// Every section and key, supported or not, with its value and meaning:
    /// what `kmi suppressions keys` prints.
    pub fn keys_help() -> String {
        keys::help()
    }
}

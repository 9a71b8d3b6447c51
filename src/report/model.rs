//! The `kmidiff-report/2` document as types. `--format json` writes it,
//! `kmi render` reads it back, and the HTML view is drawn from it either way,
//! so the page of a run and the page of its saved JSON are the same bytes.
//!
//! Fields are declared in alphabetical order: the document used to be a
//! `serde_json::Value`, whose keys come out sorted, and the bytes of a
//! report must not change with how it is built. Changes stay JSON objects
//! (`{"kind": id, ...}`): their fields depend on the kind, and a reader
//! must keep kinds a later version adds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub added: Vec<Sym>,
    /// With `--allow`: the files, what they approved, their stale entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Value>,
    pub changed: Vec<Changed>,
    pub changed_types: Vec<Leaf>,
    pub exit_code: i32,
    /// What was compared (added in version 2's lifetime: optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
    pub removed: Vec<Sym>,
    pub schema: String,
    pub summary: Summary,
    /// With `--suppressions`: how many entries they took out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<crate::compare::Suppressed>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sym {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Vec<Value>>,
    pub crc: Option<String>,
    pub declaration: Option<String>,
    pub gpl: bool,
    pub kind: String,
    pub location: Option<String>,
    pub module: String,
    pub name: String,
    pub namespace: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Vec<Value>>,
    /// The leaf types this interface reaches, by name.
    pub changed_types: Vec<String>,
    pub old_symbol: Sym,
    pub symbol: Sym,
    pub symbol_changes: Vec<Value>,
    /// Changes below the interface, down to (not into) leaf types, each
    /// with its `path`; a leaf type reached is one `type_changed` change.
    pub type_changes: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaf {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Vec<Value>>,
    pub changes: Vec<Value>,
    pub impacted: Vec<String>,
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub added_functions: usize,
    pub added_variables: usize,
    pub changed_functions: usize,
    pub changed_types: usize,
    pub changed_variables: usize,
    pub crc_unexplained: usize,
    pub removed_functions: usize,
    pub removed_variables: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub new: Side,
    pub old: Side,
}

/// One kernel of the comparison, as given and as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// `tree`, `dump`, `stg`, `abixml`.
    pub kind: String,
    /// As given on the command line.
    pub path: String,
    /// From the vmlinux's banner or a module's vermagic, when read.
    pub release: Option<String>,
    /// Where the types came from: `DWARF`, `BTF`, `DWARF and BTF`, `none`,
    /// or the baseline's format.
    pub types: String,
    pub vmlinux: Option<String>,
}

// TEMPORARY placeholder until the suppression module lands (same API).
use crate::error::Result;
use std::path::{Path, PathBuf};
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind { Struct, Union, Enum, Typedef, Base, Pointer, Array, Function, Other }
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access { Direct, Pointer, Reference }
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind { Added, Deleted, SubTypeChange }
#[derive(Debug, Clone)]
pub struct MemberFact<'a> { pub name: &'a str, pub offset_bits: u64, pub size_bits: u64 }
pub struct TypeChange<'a> {
    pub kind: TypeKind, pub name: &'a str, pub source_file: Option<&'a str>,
    pub old_size_bits: u64, pub new_size_bits: u64,
    pub old_members: &'a [MemberFact<'a>], pub new_members: &'a [MemberFact<'a>],
    pub inserted: &'a [MemberFact<'a>], pub removed: &'a [MemberFact<'a>],
    pub changed_members: usize, pub added_enumerators: &'a [&'a str],
    pub removed_or_changed_enumerators: usize, pub access: Access,
}
#[derive(Debug, Default, Clone)]
pub struct Suppressions;
impl Suppressions {
    pub fn load(_: &[PathBuf]) -> Result<Self> { Ok(Suppressions) }
    pub fn parse(_: &str, _: &Path) -> Result<Self> { Ok(Suppressions) }
    pub fn is_empty(&self) -> bool { true }
    pub fn suppresses_type(&self, _: &TypeChange) -> bool { false }
    pub fn drops_type(&self, _: TypeKind, _: &str, _: Option<&str>) -> bool { false }
    pub fn suppresses_function(&self, _: &str, _: ChangeKind) -> bool { false }
    pub fn suppresses_variable(&self, _: &str, _: ChangeKind) -> bool { false }
}

//! BTF -> type graph: the types of kernels installed without debug packages.
//!
//! A kernel built with `CONFIG_DEBUG_INFO_BTF` keeps a `.BTF` section in its
//! vmlinux (also inside the vmlinuz) and a *split* `.BTF` in every module,
//! which continues the vmlinux's ids and strings. pahole writes it from the
//! DWARF, so it carries the same C types, minus what BTF has no words for:
//! source locations, the types of most variables (only per-CPU ones), some
//! functions pahole drops, multi-dimensional arrays (flattened), alignment
//! and enum underlying types. The comparison only ever compares what both
//! sides carry (see `Graph::btf`).
//!
//! An out-of-tree module built by a recent pahole carries `.BTF.base`, a
//! *distilled* base holding only the vmlinux types it needs, by name and
//! size; its structs and unions stand for the vmlinux's, so they are read as
//! declarations and completed from the vmlinux like any other.

mod convert;
pub mod parse;
#[cfg(test)]
mod tests;

pub use convert::{Builder, Space, read_types};
pub use parse::{Btf, find_blobs};

use object::{Object, ObjectSection};
use std::borrow::Cow;

/// The bytes of section `name` (`.BTF` or `.BTF.base`), if the file has it.
pub fn section<'d>(file: &object::File<'d>, name: &str) -> Result<Option<Cow<'d, [u8]>>, String> {
    let Some(s) = file.section_by_name(name) else {
        return Ok(None);
    };
    let data = s
        .uncompressed_data()
        .map_err(|e| format!("cannot read section {name}: {e}"))?;
    Ok(Some(data).filter(|d| !d.is_empty()))
}

/// BTF has no pointer size: it is the machine's.
pub fn pointer_bits(file: &object::File<'_>) -> u64 {
    if file.is_64() { 64 } else { 32 }
}

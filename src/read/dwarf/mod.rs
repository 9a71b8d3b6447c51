//! DWARF (4 and 5) -> type graph, for the exported symbols of one binary.
//!
//! Compilation units are read in parallel; each yields a [`LocalGraph`] of just
//! the types reachable from the exports it defines (most of `.debug_info` is
//! function bodies and types nobody exports, and we never build nodes for
//! those). The units are then merged, deduplicated, into one [`Graph`].
//!
//! `.ko` files are relocatable: their `.debug_*` sections hold unrelocated
//! offsets and the `.rela.debug_*` sections must be applied while reading. A
//! vmlinux linked with `--emit-relocs` also carries `.rela.debug_*`, already
//! applied by the linker: applying them again would corrupt every offset.

mod cu;
pub mod merge;

use crate::error::{Error, Result};
use crate::graph::{Graph, Symbol, SymbolKind};
use cu::{CuOutput, Stats};
use merge::{LocalGraph, Merger};
use object::{Object, ObjectSection};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::Path;

pub use cu::Stats as DwarfStats;

pub(crate) type Slice<'a> = gimli::EndianSlice<'a, gimli::RunTimeEndian>;

/// Relocations of one section, or none (vmlinux, or a section without any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relocs<'a>(Option<&'a object::RelocationMap>);

impl gimli::read::Relocate<usize> for Relocs<'_> {
    fn relocate_address(&self, offset: usize, value: u64) -> gimli::Result<u64> {
        Ok(match self.0 {
            Some(m) => m.relocate(offset as u64, value),
            None => value,
        })
    }

    fn relocate_offset(&self, offset: usize, value: usize) -> gimli::Result<usize> {
        match self.0 {
            Some(m) => usize::try_from(m.relocate(offset as u64, value as u64))
                .map_err(|_| gimli::Error::OffsetOutOfBounds(offset as u64)),
            None => Ok(value),
        }
    }
}

pub(crate) type R<'a> = gimli::RelocateReader<Slice<'a>, Relocs<'a>>;

struct Section<'d> {
    data: Cow<'d, [u8]>,
    relocs: Option<object::RelocationMap>,
}

/// Does this ELF file carry DWARF?
pub fn has_dwarf(file: &object::File<'_>) -> bool {
    file.section_by_name(".debug_info")
        .is_some_and(|s| s.size() > 0)
}

fn load_section<'d>(
    file: &object::File<'d>,
    id: gimli::SectionId,
    relocatable: bool,
    bad_relocs: &mut usize,
) -> std::result::Result<Section<'d>, String> {
    let Some(s) = file.section_by_name(id.name()) else {
        return Ok(Section {
            data: Cow::Borrowed(&[]),
            relocs: None,
        });
    };
    let data = s
        .uncompressed_data()
        .map_err(|e| format!("cannot read section {}: {e}", id.name()))?;
    let relocs = if relocatable {
        // Built by hand rather than with `relocation_map()` so that one
        // relocation type we do not know skips that relocation, not the file.
        let mut map = object::RelocationMap::default();
        for (off, r) in s.relocations() {
            if map.add(file, off, r).is_err() {
                *bad_relocs += 1;
            }
        }
        Some(map)
    } else {
        None
    };
    Ok(Section { data, relocs })
}

/// Read the types of `exports` (sorted by name) from the DWARF of `file`,
/// setting each export's `ty`, `kind` (when ELF did not tell) and `location`.
pub fn read_types(
    file: &object::File<'_>,
    path: &Path,
    exports: &mut [Symbol],
    stats: &mut Stats,
) -> Result<Graph> {
    let relocatable = file.kind() == object::ObjectKind::Relocatable;
    let mut bad_relocs = 0;
    let sections =
        gimli::DwarfSections::load(|id| load_section(file, id, relocatable, &mut bad_relocs))
            .map_err(|e| Error::input(path, e))?;
    stats.skipped_relocations += bad_relocs;
    let endian = if file.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let dwarf = sections.borrow(|s| {
        gimli::RelocateReader::new(
            gimli::EndianSlice::new(&s.data, endian),
            Relocs(s.relocs.as_ref()),
        )
    });

    let mut headers = Vec::new();
    let mut iter = dwarf.units();
    loop {
        match iter.next() {
            Ok(Some(h)) => headers.push(h),
            Ok(None) => break,
            Err(e) => {
                return Err(Error::input(
                    path,
                    format!("corrupt DWARF in .debug_info: {e}"),
                ));
            }
        }
    }
    let wanted: FxHashMap<&str, u32> = exports
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i as u32))
        .collect();

    // Pass 1: definitions, every unit in parallel.
    let outputs: Vec<std::result::Result<CuOutput, String>> = headers
        .par_iter()
        .map(|h| cu::read_unit(&dwarf, h.clone(), &wanted, None))
        .collect();
    let mut units = Vec::with_capacity(outputs.len());
    for (h, o) in headers.iter().zip(outputs) {
        match o {
            Ok(o) => units.push(o),
            Err(e) => {
                let off = h.debug_info_offset().map(|o| o.0).unwrap_or(0);
                return Err(Error::input(
                    path,
                    format!("corrupt DWARF in the unit at .debug_info+{off:#x}: {e}"),
                ));
            }
        }
    }

    // Symbols with no definition anywhere (assembler functions, linker-script
    // variables) fall back to the first declaration any unit has of them.
    let mut defined = vec![false; exports.len()];
    for u in &units {
        for r in &u.roots {
            defined[r.export as usize] = true;
        }
    }
    let mut want_decl: FxHashMap<usize, Vec<(u32, gimli::UnitOffset)>> = FxHashMap::default();
    let mut claimed = defined.clone();
    for (ui, u) in units.iter().enumerate() {
        for &(e, off) in &u.decls {
            if !claimed[e as usize] {
                claimed[e as usize] = true;
                want_decl.entry(ui).or_default().push((e, off));
            }
        }
    }
    let mut decl_units: Vec<(usize, Vec<(u32, gimli::UnitOffset)>)> =
        want_decl.into_iter().collect();
    decl_units.sort_by_key(|(ui, _)| *ui);
    let decl_outputs: Vec<std::result::Result<CuOutput, String>> = decl_units
        .par_iter()
        .map(|(ui, list)| cu::read_unit(&dwarf, headers[*ui].clone(), &wanted, Some(list)))
        .collect();
    for o in decl_outputs {
        units.push(o.map_err(|e| Error::input(path, format!("corrupt DWARF: {e}")))?);
    }

    // Keys in parallel, then one deterministic merge.
    let keys: Vec<Vec<u128>> = units.par_iter().map(|u| u.graph.keys()).collect();
    let mut g = Graph::new();
    let mut merger = Merger::new();
    let mut seen = vec![false; exports.len()];
    for (u, k) in units.iter().zip(&keys) {
        stats.add(&u.stats);
        let global = merger.merge(&mut g, &u.graph, k);
        for r in &u.roots {
            let e = &mut exports[r.export as usize];
            if seen[r.export as usize] {
                continue;
            }
            seen[r.export as usize] = true;
            e.ty = Some(global[r.ty.index()]);
            if e.kind == SymbolKind::Unknown {
                e.kind = r.kind;
            }
            e.location = r.location.clone();
        }
    }
    stats.units += headers.len();
    stats.types_after_dedup += g.nodes.len();
    Ok(g)
}

/// Merge per-binary graphs into one per side, remapping each export's type.
pub fn merge_graphs(parts: Vec<(Graph, Vec<Symbol>)>) -> Graph {
    let mut g = Graph::new();
    let mut merger = Merger::new();
    for (part, symbols) in parts {
        let local = LocalGraph::from_graph(&part);
        let keys = local.keys();
        let global = merger.merge(&mut g, &local, &keys);
        for mut s in symbols {
            s.ty = s.ty.map(|t| global[t.index()]);
            g.symbols.push(s);
        }
    }
    g.finish_symbols();
    g
}

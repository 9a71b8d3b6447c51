//! DWARF (4 and 5) -> type graph, for the exported symbols of one binary.
//!
//! Compilation units are read in parallel; each yields a [`LocalGraph`](crate::graph::dedup::LocalGraph) of just
//! the types reachable from the exports it defines (most of `.debug_info` is
//! function bodies and types nobody exports, and we never build nodes for
//! those). The units are then merged, deduplicated, into one [`Graph`].
//!
//! `.ko` files are relocatable: their `.debug_*` sections hold unrelocated
//! offsets and the `.rela.debug_*` sections must be applied while reading. A
//! vmlinux linked with `--emit-relocs` also carries `.rela.debug_*`, already
//! applied by the linker: applying them again would corrupt every offset.

mod cu;
mod reloc;

use crate::error::{Error, Result};
use crate::graph::dedup::Merger;
use crate::graph::{Graph, Symbol, SymbolKind};
use cu::{CuOutput, Stats};
use object::{Object, ObjectSection};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::Path;

pub use cu::Stats as DwarfStats;

pub(crate) type Slice<'a> = gimli::EndianSlice<'a, gimli::RunTimeEndian>;

/// Relocations of one section, or none (vmlinux, or a section without any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Relocs<'a>(Option<&'a reloc::RelocIndex>);

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
    relocs: Option<reloc::RelocIndex>,
}

/// Does this ELF file carry DWARF? A `.debug_info` with contents: in a
/// stripped binary it is absent, and in the binary a debug file was split
/// from it may be NOBITS, with a size but no bytes, so the DWARF must be
/// looked for elsewhere.
pub fn has_dwarf(file: &object::File<'_>) -> bool {
    file.section_by_name(".debug_info")
        .and_then(|s| s.data().ok())
        .is_some_and(|d| !d.is_empty())
}

/// Neither zlib nor zstd can expand data more than about 1032 times (a
/// deflate block of maximal matches); a header claiming more is lying.
const MAX_EXPANSION: u64 = 1032;

/// A compressed section (SHF_COMPRESSED, or GNU `.zdebug`) says how large it
/// will be, and the decoder allocates that much up front: check the claim
/// before believing it, against the input cap and against what its
/// compressed size can possibly hold.
fn check_compressed_size(s: &object::Section<'_, '_>) -> std::result::Result<(), String> {
    let Ok(range) = s.compressed_file_range() else {
        return Ok(()); // the read that follows reports it
    };
    if range.format == object::CompressionFormat::None {
        return Ok(());
    }
    let cap = crate::read::file::max_input_size();
    let claim = range.uncompressed_size;
    if claim > cap {
        return Err(format!(
            "claims to decompress to {claim} bytes, more than {} (raise with --max-input-size)",
            crate::read::file::human_size(cap)
        ));
    }
    // A little slack for the stream's own header and a tiny input.
    let possible = range
        .compressed_size
        .saturating_mul(MAX_EXPANSION)
        .saturating_add(1 << 16);
    if claim > possible {
        return Err(format!(
            "claims to decompress to {claim} bytes from {} compressed bytes, more than zlib or zstd can expand",
            range.compressed_size
        ));
    }
    Ok(())
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
    check_compressed_size(&s).map_err(|m| format!("section {}: {m}", id.name()))?;
    let data = s
        .uncompressed_data()
        .map_err(|e| format!("cannot read section {}: {e}", id.name()))?;
    let relocs = if relocatable {
        // One relocation of a kind we cannot interpret skips that relocation,
        // not the file; the count is reported as a warning.
        let (index, skipped) = reloc::RelocIndex::build(file, &s, data.len())?;
        *bad_relocs += skipped;
        // In an object file every unit header's abbreviation offset and
        // every string reference of .debug_info is relocated: with none to
        // apply, each reads as offset 0 and the types come out wrong or
        // empty, which would compare as "no change". Only a relocation
        // section that is there but empty is refused: with none at all,
        // the relocations may have been applied already (Fedora's module
        // debug files, from `eu-strip --reloc-debug-sections`).
        let has_rela = file.sections().any(|r| {
            r.name()
                .is_ok_and(|n| n == ".rela.debug_info" || n == ".rel.debug_info")
        });
        if id == gimli::SectionId::DebugInfo
            && !data.is_empty()
            && index.is_empty()
            && (has_rela || skipped > 0)
        {
            return Err(if skipped == 0 {
                "relocatable object whose .rela.debug_info is empty: the references in .debug_info cannot be resolved, its types cannot be read".to_string()
            } else {
                format!(
                    "none of the {skipped} relocations of .debug_info can be applied (machine {:?}): its types cannot be read",
                    file.architecture()
                )
            });
        }
        Some(index).filter(|i| !i.is_empty())
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
    stats.debug_info_bytes += file.section_by_name(".debug_info").map_or(0, |s| s.size());
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

    // Pass 1: definitions. Units are read in parallel, a chunk at a time,
    // and each chunk is merged while the next one is read: memory stays
    // bounded by a chunk's local graphs and the merge (sequential, to keep
    // the result independent of scheduling) overlaps with reading.
    let mut acc = Accumulator {
        g: Graph::new(),
        merger: Merger::new(),
        assigned: vec![None; exports.len()],
        stats: Stats::default(),
    };
    let mut decls: Vec<(usize, u32, gimli::UnitOffset)> = Vec::new();
    let read_chunk = |start: usize, end: usize| {
        headers[start..end]
            .par_iter()
            .enumerate()
            .map(|(i, h)| {
                let r = cu::read_unit(&dwarf, h.clone(), &wanted, None).map(|u| {
                    let k = u.graph.keys();
                    (u, k)
                });
                (start + i, r)
            })
            .collect::<Vec<_>>()
    };
    let mut dwos: Vec<String> = Vec::new();
    let mut pending: Option<Vec<(usize, UnitResult<'_>)>> = None;
    let mut first_error: Option<(usize, String)> = None;
    let mut absorb = |acc: &mut Accumulator,
                      decls: &mut Vec<(usize, u32, gimli::UnitOffset)>,
                      outs: Vec<(usize, UnitResult<'_>)>| {
        for (ui, r) in outs {
            match r {
                Ok((u, k)) => {
                    dwos.extend(u.dwo.clone());
                    decls.extend(u.decls.iter().map(|&(e, off)| (ui, e, off)));
                    acc.absorb(&u, &k);
                }
                Err(e) => {
                    if first_error.is_none() {
                        first_error = Some((ui, e));
                    }
                }
            }
        }
    };
    for start in (0..headers.len()).step_by(UNITS_PER_CHUNK) {
        let end = (start + UNITS_PER_CHUNK).min(headers.len());
        let prev = pending.take();
        let (_, outs) = rayon::join(
            || {
                if let Some(p) = prev {
                    absorb(&mut acc, &mut decls, p);
                }
            },
            || read_chunk(start, end),
        );
        pending = Some(outs);
    }
    if let Some(p) = pending.take() {
        absorb(&mut acc, &mut decls, p);
    }
    if let Some((ui, e)) = first_error {
        let off = headers[ui].debug_info_offset().map(|o| o.0).unwrap_or(0);
        return Err(Error::input(
            path,
            format!("corrupt DWARF in the unit at .debug_info+{off:#x}: {e}"),
        ));
    }

    // Reading the .dwo files is left for later; until then, a binary whose
    // types live in them is refused rather than compared as unchanged.
    if !dwos.is_empty() {
        let n = dwos.len();
        dwos.sort();
        dwos.dedup();
        let shown = dwos.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        let more = if dwos.len() > 5 { ", ..." } else { "" };
        return Err(Error::input(
            path,
            format!(
                "{n} of {} compilation units are split DWARF (-gsplit-dwarf), and their .dwo files are not read: {shown}{more}",
                headers.len()
            ),
        ));
    }

    // Symbols with no definition anywhere (assembler functions, linker-script
    // variables) fall back to the first declaration any unit has of them.
    let mut claimed: Vec<bool> = acc.assigned.iter().map(Option::is_some).collect();
    let mut want_decl: FxHashMap<usize, Vec<(u32, gimli::UnitOffset)>> = FxHashMap::default();
    for &(ui, e, off) in &decls {
        if !claimed[e as usize] {
            claimed[e as usize] = true;
            want_decl.entry(ui).or_default().push((e, off));
        }
    }
    let mut decl_units: Vec<(usize, Vec<(u32, gimli::UnitOffset)>)> =
        want_decl.into_iter().collect();
    decl_units.sort_by_key(|(ui, _)| *ui);
    let decl_outputs: Vec<std::result::Result<(CuOutput, Vec<u128>), String>> = decl_units
        .par_iter()
        .map(|(ui, list)| {
            cu::read_unit(&dwarf, headers[*ui].clone(), &wanted, Some(list)).map(|u| {
                let k = u.graph.keys();
                (u, k)
            })
        })
        .collect();
    for o in decl_outputs {
        let (u, k) = o.map_err(|e| Error::input(path, format!("corrupt DWARF: {e}")))?;
        acc.absorb(&u, &k);
    }
    drop(wanted);
    for (e, a) in exports.iter_mut().zip(acc.assigned) {
        if let Some((ty, kind, location)) = a {
            e.ty = Some(ty);
            if e.kind == SymbolKind::Unknown {
                e.kind = kind;
            }
            e.location = location;
        }
    }
    stats.add(&acc.stats);
    stats.units += headers.len();
    stats.types_after_dedup += acc.g.nodes.len();
    // What every later walk relies on (dedup hashing, the reports): cycles
    // pass through a named struct or union, and other chains are bounded.
    // Crafted DWARF can break both; past the bound two different types
    // would hash alike, so refuse rather than equate them.
    if let Err((_, msg)) =
        crate::graph::check_untagged_depth(&acc.g, exports.iter().filter_map(|s| s.ty))
    {
        return Err(Error::input(path, format!("{msg} in the debug info")));
    }
    Ok(acc.g)
}

/// Units per parallel batch: enough to keep both cores busy, few enough that
/// the batch's local graphs stay small.
const UNITS_PER_CHUNK: usize = 32;

type UnitResult<'s> = std::result::Result<(CuOutput<'s>, Vec<u128>), String>;

/// The graph being built for one binary, and what each export resolved to.
struct Accumulator {
    g: Graph,
    merger: Merger,
    assigned: Vec<Option<(crate::graph::TypeId, SymbolKind, Option<String>)>>,
    stats: Stats,
}

impl Accumulator {
    fn absorb(&mut self, u: &CuOutput<'_>, keys: &[u128]) {
        self.stats.add(&u.stats);
        let global = self.merger.merge(&mut self.g, &u.graph, keys);
        for r in &u.roots {
            let slot = &mut self.assigned[r.export as usize];
            if slot.is_none() {
                *slot = Some((global[r.ty.index()], r.kind, r.location.clone()));
            }
        }
    }
}

//! The export table of a kernel image or module: which symbols it exports
//! (`__ksymtab_<name>` labels), whether GPL-only (the label sits in
//! `__ksymtab_gpl`), the modversions CRC and the symbol namespace.
//!
//! The `__ksymtab_<name>` labels exist in every layout since 2.6 (absolute
//! entries before 4.19, PREL32 after, with a namespace field from 5.4), so we
//! key on them rather than decoding entries, which in a module would need
//! relocations. A kernel without a symbol table (the stripped vmlinux of a
//! bzImage, a raw arm64 `Image`) has no labels, but as a linked image its
//! entries need no relocation: those are decoded ([`super::ksymtab`]).

use std::path::Path;

use crate::error::{Error, Result};
use crate::graph::{Symbol, SymbolKind};
use crate::read::ksymtab::{self, Entry, Region, Tables};
use crate::read::limits::MAX_NAME;
use crate::read::sysmap::SystemMap;
use object::{Object, ObjectSection, ObjectSymbol, SectionIndex, SymbolSection};
use rustc_hash::FxHashMap;

/// Read every export of one ELF file. `module` is "vmlinux" or the module
/// name. A linked kernel whose export entries cannot be decoded gives no
/// exports here; readers of a vmlinux use [`try_read_exports`] to tell.
pub fn read_exports(file: &object::File<'_>, module: &str) -> Vec<Symbol> {
    try_read_exports(file, module, Path::new(module)).unwrap_or_default()
}

/// [`read_exports`], with an error (naming `path`) for a linked kernel that
/// has `__ksymtab` sections, no `__ksymtab_<name>` labels, and entries that
/// do not decode. No exports at all is not an error here: whether a file
/// must export something is the caller's to say.
pub fn try_read_exports(file: &object::File<'_>, module: &str, path: &Path) -> Result<Vec<Symbol>> {
    let labelled = exports_from_labels(file, module);
    // A module's entries are only filled in by its relocations, and modules
    // keep their symbol table: labels or nothing.
    if labelled.is_empty() && file.kind() != object::ObjectKind::Relocatable {
        return exports_from_sections(file, module, path);
    }
    Ok(labelled)
}

/// The exports of a linked kernel decoded from its `__ksymtab*` sections,
/// whatever its symbol table says: what [`try_read_exports`] falls back to
/// without labels. A file without `__ksymtab` sections has none. Sizes are
/// unknown (0); the kind is that of the section the exported address is in.
pub fn exports_from_sections(
    file: &object::File<'_>,
    module: &str,
    path: &Path,
) -> Result<Vec<Symbol>> {
    let region = |name: &str| -> Result<Option<Region<'_>>> {
        let Some(s) = file.section_by_name(name) else {
            return Ok(None);
        };
        let data = s
            .data()
            .map_err(|e| Error::input(path, format!("cannot read section {name}: {e}")))?;
        Ok(Some(Region::new(s.address(), data)))
    };
    let ksymtab = region("__ksymtab")?;
    let ksymtab_gpl = region("__ksymtab_gpl")?;
    if ksymtab.is_none() && ksymtab_gpl.is_none() {
        return Ok(Vec::new());
    }
    let strings = region("__ksymtab_strings")?
        .ok_or_else(|| Error::input(path, "has __ksymtab but no __ksymtab_strings"))?;
    let tables = Tables {
        ksymtab: ksymtab.unwrap_or_default(),
        ksymtab_gpl: ksymtab_gpl.unwrap_or_default(),
        kcrctab: region("__kcrctab")?.unwrap_or_default(),
        kcrctab_gpl: region("__kcrctab_gpl")?.unwrap_or_default(),
        strings,
        word: if file.is_64() { 8 } else { 4 },
        big_endian: Some(!file.is_little_endian()),
    };
    let decoded = ksymtab::decode(&tables).map_err(|e| Error::input(path, e))?;

    // Allocated sections only: the others (debug info) sit at address 0,
    // where x86-64 puts its per-CPU variables.
    let mut alloc: Vec<(u64, u64, bool)> = Vec::new();
    for s in file.sections() {
        if let object::SectionFlags::Elf { sh_flags, .. } = s.flags()
            && sh_flags.0 & object::elf::SHF_ALLOC.0 != 0
            && s.size() > 0
        {
            let exec = sh_flags.0 & object::elf::SHF_EXECINSTR.0 != 0;
            alloc.push((s.address(), s.size(), exec));
        }
    }
    let values: Vec<u64> = decoded.entries.iter().map(|e| e.value).collect();
    // to_symbols takes the entries in order.
    let mut exec = exec_at(&alloc, &values).into_iter();
    let kind = |_: &Entry| match exec.next().flatten() {
        Some(true) => SymbolKind::Function,
        Some(false) => SymbolKind::Variable,
        None => SymbolKind::Unknown,
    };
    Ok(to_symbols(decoded.entries, module, kind))
}

/// For each of `values`, whether the first of `sections` (address, size,
/// executable) that holds it is executable; `None` when none does. A sweep
/// over both sorted by address, so that a crafted file of many sections and
/// many entries costs (sections + entries) log sections, not their product.
fn exec_at(sections: &[(u64, u64, bool)], values: &[u64]) -> Vec<Option<bool>> {
    use std::cmp::Reverse;
    use std::collections::{BTreeSet, BinaryHeap};

    let mut by_start: Vec<usize> = (0..sections.len()).collect();
    by_start.sort_by_key(|&i| sections[i].0);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| values[i]);
    // Sections (by index, so the first in file order wins) that start at or
    // below the current value, and their ends, to drop those it has passed.
    let mut open: BTreeSet<usize> = BTreeSet::new();
    let mut ends: BinaryHeap<Reverse<(u128, usize)>> = BinaryHeap::new();
    let mut next = 0;
    let mut out = vec![None; values.len()];
    for i in order {
        let v = values[i];
        while let Some(&s) = by_start.get(next).filter(|&&s| sections[s].0 <= v) {
            let (addr, size, _) = sections[s];
            open.insert(s);
            ends.push(Reverse((u128::from(addr) + u128::from(size), s)));
            next += 1;
        }
        while let Some(Reverse((_, s))) = ends.peek().copied().filter(|r| r.0.0 <= u128::from(v)) {
            open.remove(&s);
            ends.pop();
        }
        out[i] = open.first().map(|&s| sections[s].2);
    }
    out
}

/// The exports of a raw kernel image (arm64 `Image`: the bytes from `_text`
/// on, no ELF header), found through the image's System.map. `path` names
/// the image in errors. Sizes are unknown (0); the kind is that of the
/// exported name's type letter in the map.
pub fn exports_from_image(image: &[u8], map: &SystemMap, path: &Path) -> Result<Vec<Symbol>> {
    // arm64's image starts at _text (its _stext is 64 KiB further on).
    let (base_name, base) = ["_text", "_stext", "_head"]
        .into_iter()
        .find_map(|n| Some((n, map.address(n)?)))
        .ok_or_else(|| {
            Error::input(
                path,
                "the System.map has no _text: where the image is loaded is unknown",
            )
        })?;
    let at = |start: u64, stop: u64, what: &str| -> Result<Region<'_>> {
        let bytes = start
            .checked_sub(base)
            .zip(stop.checked_sub(base))
            .and_then(|(a, b)| image.get(usize::try_from(a).ok()?..usize::try_from(b).ok()?));
        let bytes = bytes.ok_or_else(|| {
            Error::input(
                path,
                format!(
                    "{what} ({start:#x}..{stop:#x} in the System.map) is not inside the image ({} bytes from {base_name} at {base:#x}): not the map of this image?",
                    image.len()
                ),
            )
        })?;
        Ok(Region::new(start, bytes))
    };
    let bounds = |what: &str| -> Result<Option<(u64, u64)>> {
        let start = format!("__start_{what}");
        let stop = format!("__stop_{what}");
        match (map.address(&start), map.address(&stop)) {
            (None, None) => Ok(None),
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (Some(_), None) => Err(Error::input(
                path,
                format!("the System.map has {start} but not {stop}"),
            )),
            (None, Some(_)) => Err(Error::input(
                path,
                format!("the System.map has {stop} but not {start}"),
            )),
        }
    };
    let mut table_end = 0;
    let mut table = |what: &str| -> Result<Region<'_>> {
        let Some((a, b)) = bounds(what)? else {
            return Ok(Region::default());
        };
        table_end = table_end.max(b);
        at(a, b, what)
    };
    if bounds("__ksymtab")?.is_none() {
        return Err(Error::input(
            path,
            "the System.map has no __start___ksymtab: a kernel without modules, or not a kernel's map",
        ));
    }
    let ksymtab = table("__ksymtab")?;
    let ksymtab_gpl = table("__ksymtab_gpl")?;
    let kcrctab = table("__kcrctab")?;
    let kcrctab_gpl = table("__kcrctab_gpl")?;
    // 6.1's linker script marks no bounds of the strings: it puts them right
    // after the last table, and the next section (__param) ends them, so its
    // first symbol does. Older kernels list per-name __kstrtab_* labels
    // inside. A bound too short fails the decoder (a name without its NUL);
    // one too long only admits names past the end, which real tables lack.
    let strings = match bounds("__ksymtab_strings")? {
        Some((a, b)) => at(a, b, "__ksymtab_strings")?,
        None => {
            let image_end = base.saturating_add(image.len() as u64);
            let mut end_at = table_end;
            let end = loop {
                match map.next_above(end_at) {
                    Some(s) if s.name.starts_with("__kstrtab") => end_at = s.addr,
                    Some(s) => break s.addr.min(image_end),
                    None => break image_end,
                }
            };
            at(table_end, end.max(table_end), "__ksymtab_strings")?
        }
    };
    let tables = Tables {
        ksymtab,
        ksymtab_gpl,
        kcrctab,
        kcrctab_gpl,
        strings,
        word: map.word(),
        // A raw image does not say; the decoder tries both.
        big_endian: None,
    };
    let decoded = ksymtab::decode(&tables).map_err(|e| Error::input(path, e))?;
    let kind = |e: &Entry| match map.get(&e.name).map(|s| s.ty) {
        Some(b'T' | b't' | b'W') => SymbolKind::Function,
        Some(b'D' | b'd' | b'B' | b'b' | b'R' | b'r' | b'V') => SymbolKind::Variable,
        _ => SymbolKind::Unknown,
    };
    Ok(to_symbols(decoded.entries, "vmlinux", kind))
}

fn to_symbols(
    entries: Vec<Entry>,
    module: &str,
    mut kind: impl FnMut(&Entry) -> SymbolKind,
) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = entries
        .into_iter()
        .map(|e| Symbol {
            kind: kind(&e),
            gpl: e.gpl,
            namespace: e.namespace,
            crc: e.crc,
            module: module.to_string(),
            size: 0,
            ty: None,
            location: None,
            name: e.name,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|b, a| a.name == b.name);
    out
}

/// The exports named by `__ksymtab_<name>` labels; none without labels.
fn exports_from_labels(file: &object::File<'_>, module: &str) -> Vec<Symbol> {
    let mut ksymtab: FxHashMap<SectionIndex, bool> = FxHashMap::default();
    let mut kcrctab: Vec<SectionIndex> = Vec::new();
    let mut strings: Option<SectionIndex> = None;
    for s in file.sections() {
        match s.name().unwrap_or("") {
            "__ksymtab" => {
                ksymtab.insert(s.index(), false);
            }
            "__ksymtab_gpl" => {
                ksymtab.insert(s.index(), true);
            }
            "__kcrctab" | "__kcrctab_gpl" => kcrctab.push(s.index()),
            "__ksymtab_strings" => strings = Some(s.index()),
            _ => {}
        }
    }
    if ksymtab.is_empty() {
        return Vec::new();
    }

    // One pass over the symbol table collects everything we need by name.
    let mut exports: Vec<(String, bool, u64, SectionIndex)> = Vec::new();
    let mut crcs: FxHashMap<&str, u32> = FxHashMap::default();
    let mut namespaces: FxHashMap<&str, String> = FxHashMap::default();
    let mut elf_kind: FxHashMap<&str, (SymbolKind, u64)> = FxHashMap::default();
    let little = file.is_little_endian();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        if let Some(rest) = name.strip_prefix("__ksymtab_") {
            if let SymbolSection::Section(idx) = sym.section()
                && let Some(&gpl) = ksymtab.get(&idx)
                && sym.kind() != object::SymbolKind::Section
            {
                exports.push((rest.to_string(), gpl, sym.address(), idx));
            }
        } else if let Some(rest) = name.strip_prefix("__crc_") {
            let value = match sym.section() {
                // Before 5.19 the CRC is the value of an absolute symbol.
                SymbolSection::Absolute => Some(sym.address() as u32),
                // Since 5.19 it labels a 32-bit word inside __kcrctab*.
                SymbolSection::Section(idx) if kcrctab.contains(&idx) => {
                    read_u32_at(file, idx, sym.address(), little)
                }
                _ => None,
            };
            if let Some(v) = value {
                crcs.insert(rest, v);
            }
        } else if let Some(rest) = name.strip_prefix("__kstrtabns_") {
            if let SymbolSection::Section(idx) = sym.section()
                && Some(idx) == strings
                && let Some(ns) = read_cstr_at(file, idx, sym.address())
            {
                namespaces.insert(rest, ns);
            }
        } else if !sym.is_undefined() {
            let kind = match sym.kind() {
                object::SymbolKind::Text => SymbolKind::Function,
                object::SymbolKind::Data => SymbolKind::Variable,
                _ => continue,
            };
            // A global definition wins over a same-named local one.
            if sym.is_global() || !elf_kind.contains_key(name) {
                elf_kind.insert(name, (kind, sym.size()));
            }
        }
    }

    let ns_from_entries = if namespaces.is_empty() {
        namespaces_from_entries(file, &exports, strings)
    } else {
        FxHashMap::default()
    };

    let mut out: Vec<Symbol> = exports
        .into_iter()
        .map(|(name, gpl, _, _)| {
            let (kind, size) = elf_kind
                .get(name.as_str())
                .copied()
                .unwrap_or((SymbolKind::Unknown, 0));
            let namespace = namespaces
                .get(name.as_str())
                .or_else(|| ns_from_entries.get(name.as_str()))
                .cloned()
                .unwrap_or_default();
            Symbol {
                crc: crcs.get(name.as_str()).copied(),
                kind,
                gpl,
                namespace,
                module: module.to_string(),
                size,
                ty: None,
                location: None,
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|b, a| a.name == b.name);
    out
}

fn section_bytes<'d>(file: &object::File<'d>, idx: SectionIndex) -> Option<(u64, &'d [u8])> {
    let s = file.section_by_index(idx).ok()?;
    Some((s.address(), s.data().ok()?))
}

fn read_u32_at(file: &object::File<'_>, idx: SectionIndex, addr: u64, little: bool) -> Option<u32> {
    let (base, data) = section_bytes(file, idx)?;
    let off = usize::try_from(addr.checked_sub(base)?).ok()?;
    let b: [u8; 4] = data.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(if little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

/// The NUL-terminated string at `addr` of section `idx`; `None` past
/// [`MAX_NAME`] bytes, which no namespace comes near: every label or entry
/// may point at the same string, so an unbounded one would be copied once
/// per symbol.
fn read_cstr_at(file: &object::File<'_>, idx: SectionIndex, addr: u64) -> Option<String> {
    let (base, data) = section_bytes(file, idx)?;
    let off = usize::try_from(addr.checked_sub(base)?).ok()?;
    cstr_in(data.get(off..)?)
}

fn cstr_in(rest: &[u8]) -> Option<String> {
    let end = rest.iter().take(MAX_NAME + 1).position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Namespaces for kernels without `__kstrtabns_*` labels (6.5+): the third
/// 32-bit field of a PREL32 `struct kernel_symbol` points into
/// `__ksymtab_strings`. In a module that field is only known through its
/// relocation; in vmlinux it is a self-relative offset.
fn namespaces_from_entries(
    file: &object::File<'_>,
    exports: &[(String, bool, u64, SectionIndex)],
    strings: Option<SectionIndex>,
) -> FxHashMap<String, String> {
    let mut out = FxHashMap::default();
    let Some(strings) = strings else { return out };
    let Some((str_base, str_data)) = section_bytes(file, strings) else {
        return out;
    };
    let mut per_section: FxHashMap<SectionIndex, Vec<&(String, bool, u64, SectionIndex)>> =
        FxHashMap::default();
    for e in exports {
        per_section.entry(e.3).or_default().push(e);
    }
    for (idx, entries) in per_section {
        let Ok(section) = file.section_by_index(idx) else {
            continue;
        };
        // Only the 12-byte PREL32 layout carries a namespace we can decode.
        if entries.is_empty() || section.size() != 12 * entries.len() as u64 {
            continue;
        }
        let cstr = |off: u64| cstr_in(str_data.get(usize::try_from(off).ok()?..)?);
        if file.kind() == object::ObjectKind::Relocatable {
            let mut relocs: FxHashMap<u64, (object::RelocationTarget, i64)> = FxHashMap::default();
            for (off, r) in section.relocations() {
                relocs.insert(off, (r.target(), r.addend()));
            }
            for e in entries {
                // Wrapping: a symbol outside its section (corrupt file) then misses the lookup.
                let field = e.2.wrapping_sub(section.address()).wrapping_add(8);
                let Some(&(target, addend)) = relocs.get(&field) else {
                    continue;
                };
                let base = match target {
                    object::RelocationTarget::Section(s) if s == strings => 0,
                    object::RelocationTarget::Symbol(si) => match file.symbol_by_index(si) {
                        Ok(sym) if sym.section_index() == Some(strings) => sym.address(),
                        _ => continue,
                    },
                    _ => continue,
                };
                if let Some(ns) = cstr(base.wrapping_add(addend as u64))
                    && !ns.is_empty()
                {
                    out.insert(e.0.clone(), ns);
                }
            }
        } else if let Ok(data) = section.data() {
            for e in entries {
                let field = e.2.wrapping_sub(section.address()).wrapping_add(8);
                let Some(b) = usize::try_from(field)
                    .ok()
                    .and_then(|f| data.get(f..f.checked_add(4)?))
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                else {
                    continue;
                };
                let rel = if file.is_little_endian() {
                    i32::from_le_bytes(b)
                } else {
                    i32::from_be_bytes(b)
                };
                if rel == 0 {
                    continue;
                }
                // The field's address, as found in the section's data
                // above: the label's address plus 8 could overflow, where
                // a corrupt section runs past the end of the address space.
                let target = section
                    .address()
                    .wrapping_add(field)
                    .wrapping_add(rel as i64 as u64);
                if let Some(ns) = target.checked_sub(str_base).and_then(cstr)
                    && !ns.is_empty()
                {
                    out.insert(e.0.clone(), ns);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME, cstr_in, exec_at};

    /// A linked file (e_type 0xffff) whose `__ksymtab` sits at address 0
    /// and whose `__ksymtab_*` labels sit just below it, at the end of the
    /// address space: the namespace field's address (label + 8) overflowed.
    /// The field is found in the section's data by a wrapping offset, and
    /// its address is now taken from there.
    #[test]
    fn a_label_at_the_end_of_the_address_space_is_no_panic() {
        let data = include_bytes!(
            "../../fuzz/seeds/elf_exports/crash-ksymtab-label-at-end-of-address-space.ko"
        );
        let elf = crate::read::file::parse_elf(std::path::Path::new("t.ko"), data).unwrap();
        let _ = super::try_read_exports(&elf, "t", std::path::Path::new("t.ko"));
    }

    #[test]
    fn namespaces_longer_than_a_name_are_not_read() {
        assert_eq!(cstr_in(b"USB\0rest").as_deref(), Some("USB"));
        let mut long = vec![b'N'; MAX_NAME];
        long.push(0);
        assert_eq!(cstr_in(&long).map(|s| s.len()), Some(MAX_NAME));
        long.insert(0, b'N');
        assert_eq!(cstr_in(&long), None);
        assert_eq!(cstr_in(b"no NUL"), None);
    }

    #[test]
    fn the_first_section_holding_an_address_gives_its_kind() {
        // (address, size, executable), in file order; the second and third
        // overlap the first, and the first listed wins.
        let sections = [
            (0x1000, 0x1000, true),
            (0x1800, 0x100, false),
            (0x0, 0x1_0000, false),
            (u64::MAX - 0xF, 0x10, true),
        ];
        let values = [0x1800, 0x1FFF, 0x2000, 0x10, 0x1_0000, u64::MAX, 0xFFF];
        assert_eq!(
            exec_at(&sections, &values),
            [
                Some(true),
                Some(true),
                Some(false),
                Some(false),
                None,
                Some(true),
                Some(false)
            ]
        );
    }

    /// 100,000 sections and 100,000 entries: a search of the sections per
    /// entry took 10^10 steps.
    #[test]
    fn many_sections_and_entries_cost_a_sweep() {
        let n = 100_000u64;
        let sections: Vec<(u64, u64, bool)> = (0..n).map(|i| (i * 16, 8, i % 2 == 0)).collect();
        // Every value past the last section: each search would scan all.
        let mut values: Vec<u64> = (0..n).map(|i| n * 16 + i).collect();
        values.push(32);
        let t0 = std::time::Instant::now();
        let got = exec_at(&sections, &values);
        assert!(got[..n as usize].iter().all(Option::is_none));
        assert_eq!(got[n as usize], Some(true));
        assert!(t0.elapsed() < std::time::Duration::from_secs(10));
    }
}

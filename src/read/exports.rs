//! The export table of a kernel image or module: which symbols it exports
//! (`__ksymtab_<name>` labels), whether GPL-only (the label sits in
//! `__ksymtab_gpl`), the modversions CRC and the symbol namespace.
//!
//! The `__ksymtab_<name>` labels exist in every layout since 2.6 (absolute
//! entries before 4.19, PREL32 after, with a namespace field from 5.4), so we
//! key on them rather than decoding entries, which would need relocations.

use crate::graph::{Symbol, SymbolKind};
use object::{Object, ObjectSection, ObjectSymbol, SectionIndex, SymbolSection};
use rustc_hash::FxHashMap;

/// Read every export of one ELF file. `module` is "vmlinux" or the module name.
pub fn read_exports(file: &object::File<'_>, module: &str) -> Vec<Symbol> {
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

fn read_cstr_at(file: &object::File<'_>, idx: SectionIndex, addr: u64) -> Option<String> {
    let (base, data) = section_bytes(file, idx)?;
    let off = usize::try_from(addr.checked_sub(base)?).ok()?;
    let rest = data.get(off..)?;
    let end = rest.iter().position(|&b| b == 0)?;
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
        let cstr = |off: u64| -> Option<String> {
            let rest = str_data.get(usize::try_from(off).ok()?..)?;
            let end = rest.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        };
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
                let target = (e.2 + 8).wrapping_add(rel as i64 as u64);
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

//! Structural checks of an ELF file before anything is read from it.
//!
//! The `object` crate is lenient: a section table it cannot find, a symbol
//! table past the end of the file or a class byte that lies all parse into a
//! file with fewer sections or symbols than it has. Read on, such a module
//! shows up as "every export removed" or "CRC changed", an ABI break invented
//! from a corrupt file. These checks turn that into an error naming the file
//! and what is wrong with it.

use object::{Object, ObjectSection};

/// Header fields read straight from the bytes: `object` has already trusted
/// them by the time it hands us a parsed file.
struct Header {
    is64: bool,
    little: bool,
}

impl Header {
    fn u16(&self, d: &[u8], at: usize) -> u64 {
        let b = [d[at], d[at + 1]];
        u64::from(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, d: &[u8], at: usize) -> u64 {
        let b: [u8; 4] = d[at..at + 4].try_into().unwrap_or_default();
        u64::from(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn u64(&self, d: &[u8], at: usize) -> u64 {
        let b: [u8; 8] = d[at..at + 8].try_into().unwrap_or_default();
        if self.little {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }

    fn word(&self, d: &[u8], at32: usize, at64: usize) -> u64 {
        if self.is64 {
            self.u64(d, at64)
        } else {
            self.u32(d, at32)
        }
    }
}

/// Checks of the ELF header and section header table, from the raw bytes.
/// Not ELF at all is left to the parser, which says so.
pub fn check_header(data: &[u8]) -> Result<(), String> {
    if data.len() < 16 || !data.starts_with(b"\x7fELF") {
        return Ok(());
    }
    let is64 = match data[4] {
        1 => false,
        2 => true,
        c => return Err(format!("corrupt ELF header: invalid class (EI_CLASS {c})")),
    };
    let little = match data[5] {
        1 => true,
        2 => false,
        e => {
            return Err(format!(
                "corrupt ELF header: invalid byte order (EI_DATA {e})"
            ));
        }
    };
    let h = Header { is64, little };
    let ehsize = if is64 { 64 } else { 52 };
    if data.len() < ehsize {
        return Err("truncated ELF header".into());
    }
    let bits = if is64 { 64 } else { 32 };
    // A flipped class byte makes every later field be read at the wrong
    // place; the header's own size field, at a place both layouts agree is
    // plausible, catches it.
    let (e_ehsize, e_shentsize, e_shnum) = if is64 {
        (h.u16(data, 52), h.u16(data, 58), h.u16(data, 60))
    } else {
        (h.u16(data, 40), h.u16(data, 46), h.u16(data, 48))
    };
    if e_ehsize != ehsize as u64 {
        return Err(format!(
            "corrupt ELF header: the class (EI_CLASS) says {bits}-bit, but e_ehsize is {e_ehsize}, not {ehsize}"
        ));
    }
    let e_shoff = h.word(data, 32, 40);
    if e_shoff == 0 {
        return Err("corrupt ELF header: no section header table (e_shoff is 0)".into());
    }
    let entsize = if is64 { 64 } else { 40 };
    if e_shentsize != entsize {
        return Err(format!(
            "corrupt ELF header: e_shentsize is {e_shentsize}, not {entsize} for {bits}-bit ELF"
        ));
    }
    let len = data.len() as u64;
    let past = || {
        format!(
            "corrupt ELF header: the section header table (e_shoff {e_shoff:#x}) lies past the end of the file ({len} bytes)"
        )
    };
    if e_shoff.checked_add(entsize).is_none_or(|end| end > len) {
        return Err(past());
    }
    // More than 0xff00 sections: the count is in section 0's sh_size.
    let shnum = if e_shnum == 0 {
        h.word(data, e_shoff as usize + 20, e_shoff as usize + 32)
    } else {
        e_shnum
    };
    if shnum
        .checked_mul(entsize)
        .and_then(|n| n.checked_add(e_shoff))
        .is_none_or(|end| end > len)
    {
        return Err(past());
    }
    // Section bounds from the raw table: `object` reads the symbol table
    // while parsing and, when it lies past the end, either fails with a
    // message naming no section or drops it.
    let shdr = |i: u64| (e_shoff + i * entsize) as usize;
    let field = |i: u64, at32: usize, at64: usize| {
        let base = shdr(i);
        h.word(data, base + at32, base + at64)
    };
    let shstrndx = match h.u16(data, if is64 { 62 } else { 50 }) {
        0xffff => h.u32(data, shdr(0) + if is64 { 40 } else { 24 }),
        n => n,
    };
    let names: &[u8] = if shstrndx < shnum {
        let (off, size) = (field(shstrndx, 16, 24), field(shstrndx, 20, 32));
        off.checked_add(size)
            .filter(|&end| end <= len)
            .map_or(&[], |end| &data[off as usize..end as usize])
    } else {
        &[]
    };
    for i in 1..shnum {
        let sh_type = h.u32(data, shdr(i) + 4);
        const SHT_NOBITS: u64 = 8;
        if sh_type == SHT_NOBITS {
            continue;
        }
        let (off, size) = (field(i, 16, 24), field(i, 20, 32));
        if off.checked_add(size).is_none_or(|end| end > len) {
            let sh_name = h.u32(data, shdr(i)) as usize;
            let name = names
                .get(sh_name..)
                .and_then(|n| n.split(|&b| b == 0).next())
                .filter(|n| !n.is_empty())
                .map_or_else(
                    || format!("#{i}"),
                    // The name comes from the corrupt file: bounded and escaped.
                    |n| {
                        String::from_utf8_lossy(n)
                            .chars()
                            .take(64)
                            .flat_map(char::escape_debug)
                            .collect()
                    },
                );
            return Err(format!(
                "section {name} lies past the end of the file (offset {off:#x}, size {size:#x}, file {len} bytes)"
            ));
        }
    }
    Ok(())
}

/// Checks of the sections `object` found: each one's bytes within the file,
/// and a symbol table that holds something.
pub fn check_sections(file: &object::File<'_>, len: usize) -> Result<(), String> {
    let len = len as u64;
    for s in file.sections() {
        let name = match s.name() {
            Ok(n) if !n.is_empty() => n.to_string(),
            _ => format!("#{}", s.index().0),
        };
        // `file_range` is None for SHT_NOBITS, which has no bytes.
        let Some((off, size)) = s.file_range() else {
            continue;
        };
        if off.checked_add(size).is_none_or(|end| end > len) {
            return Err(format!(
                "section {name} lies past the end of the file (offset {off:#x}, size {size:#x}, file {len} bytes)"
            ));
        }
    }
    if let Some(s) = file.section_by_name(".symtab")
        && s.size() == 0
    {
        return Err("the symbol table .symtab is empty".into());
    }
    // A module's exports are found through their `__ksymtab_<name>`
    // symbols (its entries are only complete with their relocations):
    // without a symbol table every one of them would read as removed. A
    // linked vmlinux stripped of its symbols has its entries decoded.
    if file.symbol_table().is_none()
        && file.kind() == object::ObjectKind::Relocatable
        && file
            .sections()
            .any(|s| s.name().is_ok_and(|n| n.starts_with("__ksymtab")))
    {
        return Err("a module with an export table (__ksymtab) but no symbol table".into());
    }
    Ok(())
}

/// `e_machine`, raw: two binaries of one side built for different machines
/// mean a mixed-up tree, which no comparison of it can be trusted for.
pub fn e_machine(data: &[u8]) -> u16 {
    if data.len() < 20 {
        return 0;
    }
    let b = [data[18], data[19]];
    if data[5] == 2 {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

//! `struct kernel_symbol` entries decoded from the bytes of `__ksymtab`,
//! `__ksymtab_gpl`, `__kcrctab*` and `__ksymtab_strings`, for kernels that
//! carry no symbol table: a stripped vmlinux (the payload of an x86 bzImage)
//! or a raw `Image` read through its System.map. Both callers hand the same
//! decoder the tables as bytes at their virtual addresses.
//!
//! The entry layout is not written anywhere in the image: it depends on
//! CONFIG_HAVE_ARCH_PREL32_RELOCATIONS, on the kernel version (the namespace
//! field came in 5.4) and on the pointer size. Every candidate layout is
//! tried, and one is kept only if every entry's name lands on a string in
//! `__ksymtab_strings`; with thousands of entries a wrong layout never does.

use std::fmt;

use crate::read::limits::MAX_NAME;

/// The bytes of one table, as loaded at virtual address `addr`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Region<'d> {
    pub addr: u64,
    pub bytes: &'d [u8],
}

impl<'d> Region<'d> {
    pub fn new(addr: u64, bytes: &'d [u8]) -> Self {
        Region { addr, bytes }
    }

    /// The NUL-terminated string at `addr`, without its NUL.
    fn cstr_at(&self, addr: u64) -> Option<&'d [u8]> {
        let off = usize::try_from(addr.checked_sub(self.addr)?).ok()?;
        let rest = self.bytes.get(off..)?;
        let end = rest.iter().take(MAX_NAME + 1).position(|&b| b == 0)?;
        Some(&rest[..end])
    }
}

/// The export tables of one kernel. An absent `__kcrctab*` is an empty
/// region: a kernel without CONFIG_MODVERSIONS has neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tables<'d> {
    pub ksymtab: Region<'d>,
    pub ksymtab_gpl: Region<'d>,
    pub kcrctab: Region<'d>,
    pub kcrctab_gpl: Region<'d>,
    pub strings: Region<'d>,
    /// Pointer size in bytes (4 or 8), for the absolute layout.
    pub word: usize,
    /// Byte order; `None` when the container does not say (a raw image),
    /// and both are tried.
    pub big_endian: Option<bool>,
}

/// The layout of `struct kernel_symbol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Three (or, before 5.4, two) 32-bit offsets, each relative to the
    /// address of the field itself.
    Prel32 { namespace: bool },
    /// Pointer-sized absolute addresses.
    Absolute { namespace: bool, word: usize },
}

impl Layout {
    fn entry_size(self) -> usize {
        match self {
            Layout::Prel32 { namespace } => 4 * (2 + namespace as usize),
            Layout::Absolute { namespace, word } => word * (2 + namespace as usize),
        }
    }

    fn field(self) -> usize {
        match self {
            Layout::Prel32 { .. } => 4,
            Layout::Absolute { word, .. } => word,
        }
    }

    fn has_namespace(self) -> bool {
        match self {
            Layout::Prel32 { namespace } | Layout::Absolute { namespace, .. } => namespace,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Layout::Prel32 { .. } => "PREL32",
            Layout::Absolute { .. } => "absolute",
        };
        let ns = if self.has_namespace() {
            "with namespace"
        } else {
            "without namespace"
        };
        write!(f, "{kind} {ns} ({} bytes)", self.entry_size())
    }
}

/// One decoded export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub gpl: bool,
    pub crc: Option<u32>,
    /// Empty when none.
    pub namespace: String,
    /// The address the entry exports.
    pub value: u64,
}

/// What decoding found, with the layout that fit.
#[derive(Debug)]
pub struct Decoded {
    pub layout: Layout,
    pub big_endian: bool,
    pub entries: Vec<Entry>,
}

/// Why one layout does not fit.
enum Reject {
    /// The names do not decode: a wrong layout, or garbage.
    Entries(String),
    /// The names decode, but the CRC tables disagree with them: a broken
    /// image, not a wrong layout.
    Crcs(String),
}

/// Decodes every entry of `t`, in table order (`__ksymtab`, then
/// `__ksymtab_gpl`). Errors say why no layout fits.
pub fn decode(t: &Tables<'_>) -> Result<Decoded, String> {
    if t.ksymtab.bytes.is_empty() && t.ksymtab_gpl.bytes.is_empty() {
        return Ok(Decoded {
            layout: Layout::Prel32 { namespace: true },
            big_endian: t.big_endian.unwrap_or(false),
            entries: Vec::new(),
        });
    }
    let orders: &[bool] = match t.big_endian {
        Some(false) => &[false],
        Some(true) => &[true],
        None => &[false, true],
    };
    let mut layouts = vec![
        Layout::Prel32 { namespace: true },
        Layout::Prel32 { namespace: false },
    ];
    if matches!(t.word, 4 | 8) {
        for namespace in [true, false] {
            layouts.push(Layout::Absolute {
                namespace,
                word: t.word,
            });
        }
    }

    let mut fits: Vec<(bool, Decoded)> = Vec::new();
    let mut crc_error = None;
    let mut reasons = Vec::new();
    for &big in orders {
        for &layout in &layouts {
            match decode_as(t, layout, big) {
                Ok((entries, sorted)) => fits.push((
                    sorted,
                    Decoded {
                        layout,
                        big_endian: big,
                        entries,
                    },
                )),
                Err(Reject::Crcs(msg)) => {
                    crc_error.get_or_insert(msg);
                }
                Err(Reject::Entries(msg)) => {
                    let order = if orders.len() > 1 {
                        if big { " big-endian" } else { " little-endian" }
                    } else {
                        ""
                    };
                    reasons.push(format!("{layout}{order}: {msg}"));
                }
            }
        }
    }
    // A table of a few entries may fit two layouts; a vmlinux sorts its
    // tables by name (since 3.0, for the module loader's binary search), so
    // the sorted reading wins, then the newest layout.
    if let Some(i) = fits.iter().position(|(sorted, _)| *sorted) {
        return Ok(fits.swap_remove(i).1);
    }
    if let Some((_, d)) = fits.into_iter().next() {
        return Ok(d);
    }
    if let Some(msg) = crc_error {
        return Err(msg);
    }
    Err(format!(
        "no layout of struct kernel_symbol decodes the export table: {}",
        reasons.join("; ")
    ))
}

fn read_u32(b: &[u8], big: bool) -> u32 {
    let b: [u8; 4] = b[..4].try_into().expect("4 bytes");
    if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

fn read_word(b: &[u8], word: usize, big: bool) -> u64 {
    if word == 4 {
        return read_u32(b, big).into();
    }
    let b: [u8; 8] = b[..8].try_into().expect("8 bytes");
    if big {
        u64::from_be_bytes(b)
    } else {
        u64::from_le_bytes(b)
    }
}

/// A name as the kernel writes them: a C (or mangled Rust) identifier.
fn valid_name(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_graphic)
}

/// How many bytes of names and namespaces the entries of one layout may
/// decode to, per byte of the tables and strings (plus [`NAMES_SLACK`]).
/// A real kernel's names are its strings, each used once (namespaces a few
/// times); a crafted table of 12-byte entries all pointing to one string of
/// `MAX_NAME` bytes would otherwise cost hundreds of times its size.
const NAMES_PER_BYTE: usize = 8;
const NAMES_SLACK: usize = 64 << 10;

/// The entries of one table under `layout`, and whether their names are
/// sorted. `budget` is what is left of the bytes of names the entries may
/// copy (see [`NAMES_PER_BYTE`]).
#[allow(clippy::too_many_arguments)]
fn decode_table(
    table: Region<'_>,
    what: &str,
    gpl: bool,
    strings: Region<'_>,
    layout: Layout,
    big: bool,
    budget: &mut usize,
    out: &mut Vec<Entry>,
) -> Result<bool, String> {
    let size = layout.entry_size();
    if !table.bytes.len().is_multiple_of(size) {
        return Err(format!(
            "{what} is {} bytes, not a multiple of {size}",
            table.bytes.len()
        ));
    }
    let field = layout.field();
    // The address field `at` of entry `i` points to, or None for "no
    // pointer" (a zero offset or a NULL).
    let target = |i: usize, at: usize| -> Option<u64> {
        let off = i * size + at * field;
        let raw = &table.bytes[off..];
        match layout {
            Layout::Prel32 { .. } => {
                let rel = read_u32(raw, big) as i32;
                if rel == 0 {
                    return None;
                }
                let field_addr = table.addr.wrapping_add(off as u64);
                Some(field_addr.wrapping_add(rel as i64 as u64))
            }
            Layout::Absolute { word, .. } => Some(read_word(raw, word, big)).filter(|&a| a != 0),
        }
    };
    let mut sorted = true;
    let first = out.len();
    for i in 0..table.bytes.len() / size {
        let name = target(i, 1)
            .and_then(|a| strings.cstr_at(a))
            .filter(|s| valid_name(s))
            .ok_or_else(|| {
                format!("entry {i} of {what}: name does not point to a name in __ksymtab_strings")
            })?;
        let namespace = if layout.has_namespace() {
            match target(i, 2) {
                None => &[][..],
                Some(a) => strings
                    .cstr_at(a)
                    .filter(|s| s.is_empty() || valid_name(s))
                    .ok_or_else(|| {
                        format!(
                            "entry {i} of {what}: namespace does not point to a string in __ksymtab_strings"
                        )
                    })?,
            }
        } else {
            &[][..]
        };
        // A zero PREL32 offset is a value that is the field itself, still a
        // value; a NULL absolute one is 0.
        let value = target(i, 0).unwrap_or_else(|| match layout {
            Layout::Prel32 { .. } => table.addr.wrapping_add((i * size) as u64),
            Layout::Absolute { .. } => 0,
        });
        *budget = budget
            .checked_sub(name.len() + namespace.len())
            .ok_or_else(|| {
                format!(
                    "entry {i} of {what}: the names so far total more than {NAMES_PER_BYTE} times the size of the tables and strings (entries pointing many times at the same long strings)"
                )
            })?;
        if let Some(prev) = out.len().checked_sub(1).filter(|&p| p >= first)
            && out[prev].name.as_bytes() >= name
        {
            sorted = false;
        }
        out.push(Entry {
            // valid_name: ASCII only.
            name: String::from_utf8_lossy(name).into_owned(),
            gpl,
            crc: None,
            namespace: String::from_utf8_lossy(namespace).into_owned(),
            value,
        });
    }
    Ok(sorted)
}

fn decode_as(t: &Tables<'_>, layout: Layout, big: bool) -> Result<(Vec<Entry>, bool), Reject> {
    let mut entries = Vec::new();
    let mut budget = (t.ksymtab.bytes.len() + t.ksymtab_gpl.bytes.len() + t.strings.bytes.len())
        .saturating_mul(NAMES_PER_BYTE)
        .saturating_add(NAMES_SLACK);
    let mut sorted = true;
    let mut n_plain = 0;
    for (table, name, gpl) in [
        (t.ksymtab, "__ksymtab", false),
        (t.ksymtab_gpl, "__ksymtab_gpl", true),
    ] {
        sorted &= decode_table(
            table,
            name,
            gpl,
            t.strings,
            layout,
            big,
            &mut budget,
            &mut entries,
        )
        .map_err(Reject::Entries)?;
        if !gpl {
            n_plain = entries.len();
        }
    }

    if t.kcrctab.bytes.is_empty() && t.kcrctab_gpl.bytes.is_empty() {
        return Ok((entries, sorted));
    }
    // The CRC tables run parallel to the symbol tables, index for index.
    let (plain, gpl) = entries.split_at_mut(n_plain);
    for (crcs, syms, what, table) in [
        (t.kcrctab, plain, "__kcrctab", "__ksymtab"),
        (t.kcrctab_gpl, gpl, "__kcrctab_gpl", "__ksymtab_gpl"),
    ] {
        if crcs.bytes.len() != syms.len() * 4 {
            return Err(Reject::Crcs(format!(
                "{what} is {} bytes, but {table} has {} entries ({layout}): {} bytes of CRCs expected",
                crcs.bytes.len(),
                syms.len(),
                syms.len() * 4
            )));
        }
        for (sym, crc) in syms.iter_mut().zip(crcs.bytes.chunks_exact(4)) {
            sym.crc = Some(read_u32(crc, big));
        }
    }
    Ok((entries, sorted))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-built tables: strings at 0x1000, `__ksymtab` at 0x2000,
    /// `__ksymtab_gpl` at 0x3000, CRCs at 0x4000 and 0x5000.
    struct Builder {
        strings: Vec<u8>,
        big: bool,
        layout: Layout,
        plain: Vec<u8>,
        gpl: Vec<u8>,
        crc: Vec<u8>,
        crc_gpl: Vec<u8>,
    }

    const STR: u64 = 0x1000;
    const TAB: u64 = 0x2000;
    const GPL: u64 = 0x3000;

    impl Builder {
        fn new(layout: Layout, big: bool) -> Self {
            Builder {
                // Offset 0: the empty string every entry without a namespace
                // points to.
                strings: vec![0],
                big,
                layout,
                plain: Vec::new(),
                gpl: Vec::new(),
                crc: Vec::new(),
                crc_gpl: Vec::new(),
            }
        }

        fn string(&mut self, s: &str) -> u64 {
            let at = STR + self.strings.len() as u64;
            self.strings.extend_from_slice(s.as_bytes());
            self.strings.push(0);
            at
        }

        fn put(&self, out: &mut Vec<u8>, base: u64, target: u64, width: usize) {
            let field = base + out.len() as u64;
            let v = match self.layout {
                Layout::Prel32 { .. } => target.wrapping_sub(field) as u32 as u64,
                Layout::Absolute { .. } => target,
            };
            let bytes = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            if self.big {
                out.extend_from_slice(&bytes[8 - width..]);
            } else {
                out.extend_from_slice(&bytes[..width]);
            }
        }

        fn add(&mut self, name: &str, gpl: bool, ns: Option<&str>, value: u64, crc: u32) {
            let name_at = self.string(name);
            let ns_at = match ns {
                Some(ns) => self.string(ns),
                None => STR,
            };
            let (mut table, base) = if gpl {
                (std::mem::take(&mut self.gpl), GPL)
            } else {
                (std::mem::take(&mut self.plain), TAB)
            };
            let w = self.layout.field();
            self.put(&mut table, base, value, w);
            self.put(&mut table, base, name_at, w);
            if self.layout.has_namespace() {
                match self.layout {
                    // A NULL pointer, as the absolute layout writes "none".
                    Layout::Absolute { .. } if ns.is_none() => self.put(&mut table, base, 0, w),
                    _ => self.put(&mut table, base, ns_at, w),
                }
            }
            let c = if self.big {
                crc.to_be_bytes()
            } else {
                crc.to_le_bytes()
            };
            if gpl {
                self.gpl = table;
                self.crc_gpl.extend_from_slice(&c);
            } else {
                self.plain = table;
                self.crc.extend_from_slice(&c);
            }
        }

        fn tables(&self, word: usize) -> Tables<'_> {
            Tables {
                ksymtab: Region::new(TAB, &self.plain),
                ksymtab_gpl: Region::new(GPL, &self.gpl),
                kcrctab: Region::new(0x4000, &self.crc),
                kcrctab_gpl: Region::new(0x5000, &self.crc_gpl),
                strings: Region::new(STR, &self.strings),
                word,
                big_endian: Some(self.big),
            }
        }
    }

    fn sample(layout: Layout, big: bool) -> Builder {
        let mut b = Builder::new(layout, big);
        let ns = layout.has_namespace();
        b.add("alpha", false, None, 0x10_0000, 0x1111_1111);
        b.add(
            "beta",
            false,
            ns.then_some("BETA_NS"),
            0x10_0100,
            0x2222_2222,
        );
        b.add("gamma", false, None, 0x20_0000, 0x3333_3333);
        b.add("delta", true, ns.then_some("USB"), 0x10_0200, 0x4444_4444);
        b.add("epsilon", true, None, 0x20_0100, 0x5555_5555);
        b
    }

    fn check(layout: Layout, big: bool, word: usize) {
        let b = sample(layout, big);
        let d = decode(&b.tables(word)).unwrap_or_else(|e| panic!("{layout}: {e}"));
        assert_eq!(d.layout, layout);
        assert_eq!(d.big_endian, big);
        let got: Vec<_> = d
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.gpl, e.crc, e.namespace.as_str(), e.value))
            .collect();
        let ns = |s| if layout.has_namespace() { s } else { "" };
        assert_eq!(
            got,
            [
                ("alpha", false, Some(0x1111_1111), "", 0x10_0000),
                ("beta", false, Some(0x2222_2222), ns("BETA_NS"), 0x10_0100),
                ("gamma", false, Some(0x3333_3333), "", 0x20_0000),
                ("delta", true, Some(0x4444_4444), ns("USB"), 0x10_0200),
                ("epsilon", true, Some(0x5555_5555), "", 0x20_0100),
            ],
            "{layout}"
        );
    }

    #[test]
    fn prel32_with_and_without_namespace() {
        check(Layout::Prel32 { namespace: true }, false, 8);
        check(Layout::Prel32 { namespace: false }, false, 8);
    }

    #[test]
    fn absolute_64_and_32_bit() {
        for word in [4, 8] {
            for namespace in [true, false] {
                check(Layout::Absolute { namespace, word }, false, word);
            }
        }
    }

    #[test]
    fn big_endian() {
        check(Layout::Prel32 { namespace: true }, true, 8);
        check(
            Layout::Absolute {
                namespace: true,
                word: 8,
            },
            true,
            8,
        );
        // Byte order unknown (a raw image): the one that decodes wins.
        let b = sample(Layout::Prel32 { namespace: true }, true);
        let mut t = b.tables(8);
        t.big_endian = None;
        assert!(decode(&t).unwrap().big_endian);
    }

    #[test]
    fn a_prel32_namespace_offset_of_zero_is_none() {
        let mut b = Builder::new(Layout::Prel32 { namespace: true }, false);
        b.add("only", false, None, 0x10_0000, 7);
        // Overwrite the namespace offset with 0.
        b.plain[8..12].copy_from_slice(&[0; 4]);
        let d = decode(&b.tables(8)).unwrap();
        assert_eq!(d.entries[0].namespace, "");
        assert_eq!(d.entries[0].name, "only");
    }

    #[test]
    fn no_crc_tables_means_no_crcs() {
        let b = sample(Layout::Prel32 { namespace: true }, false);
        let mut t = b.tables(8);
        t.kcrctab = Region::default();
        t.kcrctab_gpl = Region::default();
        let d = decode(&t).unwrap();
        assert!(d.entries.iter().all(|e| e.crc.is_none()));
    }

    #[test]
    fn crc_table_of_the_wrong_size_is_an_error() {
        let b = sample(Layout::Prel32 { namespace: true }, false);
        let mut t = b.tables(8);
        t.kcrctab_gpl = Region::new(0x5000, &b.crc_gpl[..4]);
        let e = decode(&t).unwrap_err();
        assert!(
            e.starts_with("__kcrctab_gpl is 4 bytes, but __ksymtab_gpl has 2 entries"),
            "{e}"
        );
        // One table with CRCs and the other without is the same mismatch.
        let mut t = b.tables(8);
        t.kcrctab = Region::default();
        let e = decode(&t).unwrap_err();
        assert!(e.starts_with("__kcrctab is 0 bytes"), "{e}");
    }

    #[test]
    fn garbage_entries_are_an_error() {
        let b = sample(Layout::Prel32 { namespace: true }, false);
        // Names that point outside the strings.
        let garbage: Vec<u8> = (0..b.plain.len()).map(|i| (i * 37 + 11) as u8).collect();
        let mut t = b.tables(8);
        t.ksymtab = Region::new(TAB, &garbage);
        let e = decode(&t).unwrap_err();
        assert!(
            e.starts_with("no layout of struct kernel_symbol decodes the export table: PREL32 with namespace (12 bytes): entry 0 of __ksymtab: name does not point"),
            "{e}"
        );
        // A size no layout divides.
        let mut t = b.tables(8);
        t.ksymtab = Region::new(TAB, &b.plain[..7]);
        assert!(decode(&t).unwrap_err().contains("not a multiple of 12"));
        // Strings cut short: the last name has no NUL.
        let mut t = b.tables(8);
        let at = b.strings.iter().rposition(|&c| c == 0).unwrap();
        t.strings = Region::new(STR, &b.strings[..at]);
        assert!(decode(&t).is_err());
        // Addresses near the ends of the address space wrap, never panic.
        for base in [0, u64::MAX - 3, u64::MAX] {
            let mut t = b.tables(8);
            t.ksymtab.addr = base;
            t.strings.addr = base;
            let _ = decode(&t);
        }
    }

    /// 12-byte entries all naming one string of MAX_NAME bytes: without a
    /// budget 200,000 of them (2.4 MB) would decode to 800 MB of names, for
    /// each layout that fits.
    #[test]
    fn names_are_bounded_by_the_size_of_the_tables() {
        let mut strings = vec![b'a'; MAX_NAME];
        strings.push(0);
        let n = 200_000;
        let mut table = Vec::with_capacity(n * 12);
        for i in 0..n {
            let field = TAB + (i * 12) as u64;
            let name = STR.wrapping_sub(field + 4) as u32;
            for w in [0x100u32, name, 0] {
                table.extend_from_slice(&w.to_le_bytes());
            }
        }
        let t = Tables {
            ksymtab: Region::new(TAB, &table),
            strings: Region::new(STR, &strings),
            word: 8,
            big_endian: Some(false),
            ..Default::default()
        };
        let e = decode(&t).unwrap_err();
        assert!(
            e.contains("the names so far total more than 8 times the size of the tables"),
            "{e}"
        );
        // The same string named a few times over is still a table.
        let t = Tables {
            ksymtab: Region::new(TAB, &table[..12 * 10]),
            ..t
        };
        assert_eq!(decode(&t).unwrap().entries.len(), 10);
    }

    #[test]
    fn empty_tables_decode_to_nothing() {
        let d = decode(&Tables::default()).unwrap();
        assert!(d.entries.is_empty());
    }
}

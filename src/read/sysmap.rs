//! `System.map` and `/proc/kallsyms`: the symbols of a kernel image, one a
//! line, which is all there is to find the export tables of a raw image
//! (an arm64 `Image`) that has no ELF headers.
//!
//! ```text
//! ffff800008000000 T _text
//! ffff800008f24910 R __start___ksymtab
//! ffffffffc0a01000 t kmi_helper<TAB>[kmi_a]
//! ```
//!
//! kallsyms appends `\t[module]` to the symbols of loaded modules; those are
//! not the image's and are skipped. `nm` output (a System.map made by hand)
//! also lists undefined symbols without an address; those are skipped too.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::read::limits;

/// One line of a System.map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapSymbol {
    pub addr: u64,
    /// The `nm` type letter: `T` text, `D` data, `R` read-only, `B` bss...;
    /// lower case for a local symbol.
    pub ty: u8,
    pub name: String,
}

/// The symbols of one kernel image, sorted by address.
#[derive(Debug, Clone, Default)]
pub struct SystemMap {
    symbols: Vec<MapSymbol>,
    by_name: FxHashMap<String, usize>,
    /// Whether any address needs more than 32 bits: a 64-bit kernel.
    wide: bool,
}

impl SystemMap {
    pub fn symbols(&self) -> &[MapSymbol] {
        &self.symbols
    }

    /// The symbol called `name`. Static functions of different files share
    /// names; a global definition is preferred, then the first listed.
    pub fn get(&self, name: &str) -> Option<&MapSymbol> {
        self.by_name.get(name).map(|&i| &self.symbols[i])
    }

    pub fn address(&self, name: &str) -> Option<u64> {
        self.get(name).map(|s| s.addr)
    }

    /// The first symbol whose address is above `addr`.
    pub fn next_above(&self, addr: u64) -> Option<&MapSymbol> {
        let i = self.symbols.partition_point(|s| s.addr <= addr);
        self.symbols.get(i)
    }

    /// Pointer size of the kernel in bytes, as the addresses show it.
    pub fn word(&self) -> usize {
        if self.wide { 8 } else { 4 }
    }
}

/// Reads a System.map or a copy of `/proc/kallsyms` (plain or compressed).
pub fn read(path: &Path) -> Result<SystemMap> {
    let data = limits::read_text(path, limits::MAX_LINE)?;
    let text = std::str::from_utf8(&data).map_err(|e| {
        Error::input(
            path,
            format!(
                "not a System.map: invalid UTF-8 at byte {}",
                e.valid_up_to()
            ),
        )
    })?;
    parse(text, path)
}

/// Debian's linux-image packages ship this one line in place of the map.
const DEBIAN_STUB: &str = "The real System.map is in the ";

/// Whether the start of a file reads as a System.map: its first line parses
/// as one (the Debian stub included, so that it is named for what it is).
pub fn looks_like(head: &[u8]) -> bool {
    String::from_utf8_lossy(head)
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_stub(l) || matches!(parse_line(l), Ok(Some(_))))
}

fn is_stub(line: &str) -> bool {
    let mut f = line.splitn(3, ' ');
    matches!(
        (f.next(), f.next(), f.next()),
        (Some(_), Some(_), Some(rest)) if rest.starts_with(DEBIAN_STUB)
    )
}

/// Parses the text of a System.map; `path` only names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<SystemMap> {
    let mut symbols = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if is_stub(line) {
            return Err(Error::input(
                path,
                "a placeholder, not a System.map: Debian ships the real one in the linux-image-<version>-dbg package (as /usr/lib/debug/boot/System.map-<version>)",
            ));
        }
        let Some(sym) = parse_line(line).map_err(|msg| Error::syntax(path, i + 1, msg))? else {
            continue;
        };
        if symbols.len() >= limits::MAX_MAP_SYMBOLS {
            return Err(Error::syntax(
                path,
                i + 1,
                format!("more than {} symbols", limits::MAX_MAP_SYMBOLS),
            ));
        }
        symbols.push(sym);
    }
    if symbols.is_empty() {
        return Err(Error::input(path, "holds no symbol"));
    }
    if symbols.iter().all(|s| s.addr == 0) {
        // kallsyms read without the right (kptr_restrict): useless, and
        // every table would seem to be at address 0.
        return Err(Error::input(
            path,
            "every address is 0 (a /proc/kallsyms read without privileges?)",
        ));
    }
    // Stable: symbols at one address keep the file's order.
    symbols.sort_by_key(|s| s.addr);
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    for (i, s) in symbols.iter().enumerate() {
        match by_name.get(&s.name) {
            Some(&j) if symbols[j].ty.is_ascii_uppercase() || !s.ty.is_ascii_uppercase() => {}
            _ => {
                by_name.insert(s.name.clone(), i);
            }
        }
    }
    let wide = symbols.iter().any(|s| s.addr > u32::MAX as u64);
    Ok(SystemMap {
        symbols,
        by_name,
        wide,
    })
}

/// One line; `None` for a line that is not the image's own symbol.
fn parse_line(line: &str) -> std::result::Result<Option<MapSymbol>, String> {
    let (main, module) = match line.split_once('\t') {
        Some((main, rest)) => (main, Some(rest.trim())),
        None => (line, None),
    };
    if let Some(m) = module {
        if m.starts_with('[') && m.ends_with(']') {
            return Ok(None);
        }
        return Err(format!(
            "expected a [module] after the tab, found '{}'",
            limits::quote(m)
        ));
    }
    let fields: Vec<&str> = main.split_ascii_whitespace().collect();
    let (addr, ty, name) = match fields.as_slice() {
        [addr, ty, name] => (Some(*addr), *ty, *name),
        // nm lists undefined symbols without an address.
        [ty @ ("U" | "w" | "v"), name] => (None, *ty, *name),
        _ => {
            return Err(format!(
                "expected ADDRESS TYPE NAME, found {} fields",
                fields.len()
            ));
        }
    };
    let &[ty] = ty.as_bytes() else {
        return Err(format!(
            "invalid type '{}' (expected one letter)",
            limits::quote(ty)
        ));
    };
    if !ty.is_ascii_graphic() {
        return Err(format!("invalid type '{}'", ty.escape_ascii()));
    }
    limits::check_name(name)?;
    let Some(addr) = addr else { return Ok(None) };
    if addr.is_empty() || addr.len() > 16 || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "invalid address '{}' (expected up to 16 hex digits)",
            limits::quote(addr)
        ));
    }
    let addr = u64::from_str_radix(addr, 16).map_err(|e| format!("invalid address: {e}"))?;
    Ok(Some(MapSymbol {
        addr,
        ty,
        name: name.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<SystemMap> {
        parse(text, Path::new("System.map"))
    }

    #[test]
    fn system_map_and_kallsyms() {
        let m = p("\
0000000000000000 A _kernel_flags_le_hi32
ffff800008010000 T _stext
ffff800008000000 T _text
ffff800008123456 t helper
ffff800008223456 T helper
ffff800008323456 t helper
                 U undefined_in_nm_output
ffffffffc0a01000 t kmi_helper\t[kmi_a]
ffffffffc0a02000 T kmi_export\t[kmi_a]\r
")
        .unwrap();
        let names: Vec<_> = m.symbols().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "_kernel_flags_le_hi32",
                "_text",
                "_stext",
                "helper",
                "helper",
                "helper"
            ]
        );
        assert_eq!(m.address("_text"), Some(0xffff_8000_0800_0000));
        assert_eq!(m.get("_stext").unwrap().ty, b'T');
        // The global one of three.
        assert_eq!(m.address("helper"), Some(0xffff_8000_0822_3456));
        assert_eq!(m.get("kmi_helper"), None);
        assert_eq!(m.get("undefined_in_nm_output"), None);
        assert_eq!(m.next_above(0xffff_8000_0800_0000).unwrap().name, "_stext");
        assert!(m.next_above(u64::MAX).is_none());
        assert_eq!(m.word(), 8);
        let m32 = p("c1000000 T _text\nc1000010 t x\n").unwrap();
        assert_eq!(m32.word(), 4);
    }

    #[test]
    fn debian_stub_is_named() {
        let stub =
            "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
        assert_eq!(stub.len(), 83);
        assert!(looks_like(stub.as_bytes()));
        let e = p(stub).unwrap_err().to_string();
        assert!(
            e.starts_with("System.map: a placeholder, not a System.map: Debian ships the real one in the linux-image-<version>-dbg package"),
            "{e}"
        );
    }

    #[test]
    fn looks_like_reads_the_first_line() {
        assert!(looks_like(b"ffffffff81000000 T _text\n"));
        assert!(!looks_like(
            b"\nffffffffc0a01000 t x\t[m]\nffffffff81000000 T _text\n"
        ));
        assert!(!looks_like(b"0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n"));
        assert!(!looks_like(b""));
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, msg) in [
            (
                "ffff T _text\nbroken\n",
                "System.map:2: expected ADDRESS TYPE NAME, found 1 fields",
            ),
            ("zz T _text\n", "System.map:1: invalid address 'zz'"),
            (
                "11112222333344445 T _text\n",
                "System.map:1: invalid address",
            ),
            ("ffff TT _text\n", "System.map:1: invalid type 'TT'"),
            (
                "ffff T _text\tjunk\n",
                "System.map:1: expected a [module] after the tab",
            ),
            (
                "ffff T a b\n",
                "System.map:1: expected ADDRESS TYPE NAME, found 4 fields",
            ),
            ("\n\n", "System.map: holds no symbol"),
            ("0 T _text\n0 t x\n", "System.map: every address is 0"),
        ] {
            let e = p(text).unwrap_err().to_string();
            assert!(e.starts_with(msg), "{e} / {msg}");
        }
        let long = format!("ffff T {}\n", "x".repeat(limits::MAX_NAME + 1));
        assert!(
            p(&long)
                .unwrap_err()
                .to_string()
                .contains("longer than the limit")
        );
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let mut rng = crate::fuzz::Rng(0x2545_F491_4F6C_DD1D);
        let alphabet = b"0fF \t\n[]TtUw_text\r";
        for _ in 0..2000 {
            let s = rng.text(alphabet, 60);
            let _ = p(&s);
            let _ = looks_like(s.as_bytes());
        }
    }
}

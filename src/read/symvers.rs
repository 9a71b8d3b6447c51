//! `Module.symvers`: the export list modpost writes for a kernel build, one
//! line per exported symbol.
//!
//! ```text
//! 0x44e9a829<TAB>match_token<TAB>vmlinux<TAB>EXPORT_SYMBOL<TAB>
//! 0x7f03b6a9<TAB>crc_ccitt_table<TAB>lib/crc-ccitt<TAB>EXPORT_SYMBOL<TAB>
//! 0x9f524dd5<TAB>kmi_a_debug_level<TAB>/build/kmi/kmi/kmi_a<TAB>EXPORT_SYMBOL<TAB>
//! ```
//!
//! The column layout moved over the years, and distributions keep files from
//! every era around as ABI baselines, so all of them are read:
//! - 3 columns (before 2.6.18): CRC, symbol, module;
//! - 4 columns (2.6.18 to 5.3): CRC, symbol, module, export type;
//! - 5 columns with the namespace third (5.4 to 5.6):
//!   CRC, symbol, namespace, module, export type;
//! - 5 columns with the namespace last (5.7 on), possibly empty.
//!
//! The two 5-column layouts are told apart by where the `EXPORT_*` word is.

use crate::error::{Error, Result};
use crate::graph::{Symbol, SymbolKind};
use crate::read::file;
use std::path::Path;

/// Reads a `Module.symvers` file (plain or compressed) into exports sorted by
/// name; a name listed twice is an error.
pub fn read(path: &Path) -> Result<Vec<Symbol>> {
    let data = crate::read::limits::read_text(path, crate::read::limits::MAX_LINE)?;
    let text = std::str::from_utf8(&data).map_err(|e| {
        Error::input(
            path,
            format!(
                "not a Module.symvers file: invalid UTF-8 at byte {}",
                e.valid_up_to()
            ),
        )
    })?;
    parse(text, path)
}

/// Parses the text of a `Module.symvers` file; `path` only names the file in
/// errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Symbol>> {
    let mut out = Vec::new();
    // Line of each name: modpost never writes a name twice, so a second
    // line is a merged or hand-edited file, and which one counts is a guess.
    let mut first_line = rustc_hash::FxHashMap::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if out.len() >= crate::read::limits::MAX_ENTRIES {
            return Err(crate::read::limits::too_many_entries(path, i + 1));
        }
        let sym = parse_line(line).map_err(|msg| Error::syntax(path, i + 1, msg))?;
        if let Some(first) = first_line.insert(sym.name.clone(), i + 1) {
            return Err(Error::syntax(
                path,
                i + 1,
                format!("symbol '{}' listed twice (first at line {first})", sym.name),
            ));
        }
        out.push(sym);
    }
    if out.is_empty() {
        // Compared, an empty file would show every export as removed.
        return Err(Error::input(path, "holds no symbol"));
    }
    // Without CONFIG_MODVERSIONS modpost still writes the CRC column, all
    // zeros. A tree read from ELF has no CRCs at all then, and the two forms
    // of one kernel must compare equal.
    if out.iter().all(|s| s.crc == Some(0)) {
        for s in &mut out {
            s.crc = None;
        }
    }
    // Stable sort: the first line of a duplicated name stays first.
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|b, a| a.name == b.name);
    Ok(out)
}

/// Whether the start of a file (`head`) reads as a `Module.symvers`: its
/// first line parses as one. Where any kind of kernel file may be given, this
/// tells a symvers apart without reading it all, and a text file that is not
/// one is then named as such instead of failing at its first line.
pub fn looks_like(head: &[u8]) -> bool {
    String::from_utf8_lossy(head)
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| parse_line(l).is_ok())
}

fn parse_line(line: &str) -> std::result::Result<Symbol, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let (crc, name, module, export, namespace) = match cols.as_slice() {
        [crc, name, module] => (*crc, *name, *module, None, ""),
        [crc, name, module, export] => (*crc, *name, *module, Some(*export), ""),
        [crc, name, ns, module, export] if is_export_word(export) && !is_export_word(module) => {
            (*crc, *name, *module, Some(*export), *ns)
        }
        [crc, name, module, export, ns] => (*crc, *name, *module, Some(*export), *ns),
        _ => {
            return Err(format!(
                "expected 3 to 5 tab-separated columns (CRC, symbol, module, export type, namespace), found {}",
                cols.len()
            ));
        }
    };
    let crc = parse_crc(crc)?;
    crate::read::limits::check_name(name)?;
    crate::read::limits::check_name(module)?;
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(format!("invalid symbol name '{name}'"));
    }
    if module.is_empty() {
        return Err(format!("no module for symbol '{name}'"));
    }
    let gpl = match export {
        None => false,
        Some(e) => export_is_gpl(e).ok_or_else(|| {
            format!("unknown export type '{e}' (expected EXPORT_SYMBOL or EXPORT_SYMBOL_GPL)")
        })?,
    };
    Ok(Symbol {
        name: name.to_string(),
        kind: SymbolKind::Unknown,
        gpl,
        namespace: namespace.trim().to_string(),
        crc: Some(crc),
        module: normalise_module(module),
        size: 0,
        ty: None,
        location: None,
    })
}

fn is_export_word(s: &str) -> bool {
    export_is_gpl(s).is_some()
}

/// Whether an export type restricts the symbol to GPL-compatible modules;
/// `None` for a word that is not an export type.
fn export_is_gpl(s: &str) -> Option<bool> {
    match s {
        "EXPORT_SYMBOL" | "EXPORT_UNUSED_SYMBOL" => Some(false),
        // GPL_FUTURE (gone since 5.13) was a warning, usable by anyone.
        "EXPORT_SYMBOL_GPL_FUTURE" => Some(false),
        "EXPORT_SYMBOL_GPL" | "EXPORT_UNUSED_SYMBOL_GPL" => Some(true),
        _ => None,
    }
}

fn parse_crc(s: &str) -> std::result::Result<u32, String> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| format!("invalid CRC '{s}' (expected 0x followed by hex digits)"))?;
    // 64-bit kernels before 4.x printed the CRC as a 64-bit value; only the
    // low 32 bits were ever significant.
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "invalid CRC '{s}' (expected 0x followed by hex digits)"
        ));
    }
    let v = u64::from_str_radix(digits, 16).map_err(|e| format!("invalid CRC '{s}': {e}"))?;
    // The old 64-bit spelling is zero-padded; significant high bits are no
    // CRC modpost wrote, and cutting them would hide a corrupt file.
    u32::try_from(v).map_err(|_| format!("invalid CRC '{s}': wider than 32 bits"))
}

/// The module name kbuild gives a module column: `vmlinux`, a tree path
/// (`lib/crc-ccitt`) or an absolute build path (`/build/kmi/kmi/kmi_a`) all
/// become the name the module has at run time (`crc_ccitt`, `kmi_a`), which
/// is also what a tree read from `.ko` files calls it.
pub fn normalise_module(raw: &str) -> String {
    let raw = raw.trim().trim_end_matches('/');
    if raw == "vmlinux" {
        return raw.to_string();
    }
    file::module_name(Path::new(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Symbol>> {
        parse(text, Path::new("Module.symvers"))
    }

    #[test]
    fn looks_like_reads_the_first_line_only() {
        assert!(looks_like(
            b"0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\t\nnot a symvers line\n"
        ));
        assert!(looks_like(b"\n0x1\tfoo\tlib/crc-ccitt\r\n"));
        assert!(!looks_like(b"# a README\n0x1\tfoo\tvmlinux\n"));
        assert!(!looks_like(b""));
        assert!(!looks_like(b"kmi-dump 1\n"));
    }

    #[test]
    fn every_layout() {
        let text = "\
0x44e9a829\tmatch_token\tvmlinux\tEXPORT_SYMBOL\t
0x7f03b6a9\tcrc_ccitt_table\tlib/crc-ccitt\tEXPORT_SYMBOL_GPL\tCRC_NS
0x9f524dd5\tkmi_a_debug_level\t/build/kmi/kmi/kmi_a\tEXPORT_SYMBOL
0x00000001\told_style\tNS_OLD\tdrivers/net/foo-bar\tEXPORT_SYMBOL_GPL
0x00000002\tancient\tvmlinux
";
        let s = p(text).unwrap();
        let names: Vec<_> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ancient",
                "crc_ccitt_table",
                "kmi_a_debug_level",
                "match_token",
                "old_style"
            ]
        );
        let get = |n: &str| s.iter().find(|s| s.name == n).unwrap();
        assert_eq!(get("match_token").crc, Some(0x44e9a829));
        assert_eq!(get("match_token").module, "vmlinux");
        assert!(!get("match_token").gpl);
        assert_eq!(get("crc_ccitt_table").module, "crc_ccitt");
        assert_eq!(get("crc_ccitt_table").namespace, "CRC_NS");
        assert!(get("crc_ccitt_table").gpl);
        assert_eq!(get("kmi_a_debug_level").module, "kmi_a");
        assert_eq!(get("old_style").namespace, "NS_OLD");
        assert_eq!(get("old_style").module, "foo_bar");
        assert!(get("old_style").gpl);
        assert!(!get("ancient").gpl);
    }

    #[test]
    fn all_zero_crcs_mean_no_modversions() {
        let s =
            p("0x00000000\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x00000000\tb\tvmlinux\tEXPORT_SYMBOL\t\n")
                .unwrap();
        assert!(s.iter().all(|s| s.crc.is_none()));
        let s =
            p("0x00000000\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x00000001\tb\tvmlinux\tEXPORT_SYMBOL\t\n")
                .unwrap();
        assert_eq!(s[0].crc, Some(0));
    }

    #[test]
    fn duplicates_are_errors_blank_lines_and_crlf_are_not() {
        let e = p("\n0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\r\n\n0x2\ta\tm\tEXPORT_SYMBOL\t\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Module.symvers:4: symbol 'a' listed twice (first at line 2)"
        );
        let s = p("\n0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\r\n\n").unwrap();
        assert_eq!(s[0].crc, Some(1));
        let e = p("\n\r\n").unwrap_err().to_string();
        assert_eq!(e, "Module.symvers: holds no symbol");
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, msg) in [
            (
                "0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\nbroken line\n",
                "2: expected 3 to 5",
            ),
            ("zz\ta\tvmlinux\tEXPORT_SYMBOL\t\n", "1: invalid CRC 'zz'"),
            ("0x\ta\tvmlinux\tEXPORT_SYMBOL\t\n", "1: invalid CRC '0x'"),
            (
                "0x1\ta\tvmlinux\tEXPORT_THING\t\n",
                "1: unknown export type",
            ),
            (
                "0x1\t\tvmlinux\tEXPORT_SYMBOL\t\n",
                "1: invalid symbol name",
            ),
            ("0x1\ta\t\tEXPORT_SYMBOL\t\n", "1: no module"),
            ("0x1\ta\tb\tc\td\te\n", "1: expected 3 to 5"),
        ] {
            let e = p(text).unwrap_err().to_string();
            assert!(e.starts_with("Module.symvers:"), "{e}");
            assert!(e.contains(msg), "{e} / {msg}");
        }
    }

    #[test]
    fn module_names() {
        for (raw, name) in [
            ("vmlinux", "vmlinux"),
            ("lib/crc-ccitt", "crc_ccitt"),
            ("/build/kmi/kmi/kmi_a", "kmi_a"),
            ("drivers/net/dummy/", "dummy"),
            ("snd-hda-intel", "snd_hda_intel"),
        ] {
            assert_eq!(normalise_module(raw), name);
        }
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let mut rng = crate::fuzz::Rng(0x2545_F491_4F6C_DD1D);
        let alphabet = b"0x1f\t\n EXPORT_SYMBOL_GPLvmlinux/\r";
        for _ in 0..2000 {
            let s = rng.text(alphabet, 60);
            let _ = p(&s);
        }
    }
}

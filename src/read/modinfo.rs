//! What the module loader looks at in a `.ko` besides code: `.modinfo`
//! (vermagic, license, depends, import_ns), the symbol versions the module
//! was built against (`__versions`, or `__version_ext_crcs` +
//! `__version_ext_names`), its undefined symbols, and the vermagic and
//! release of a vmlinux.

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

/// The `key=value` strings of `.modinfo`, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModInfo {
    pub entries: Vec<(String, String)>,
}

impl ModInfo {
    /// `.modinfo` is a run of NUL-terminated `key=value` strings, with NUL
    /// padding between them when the linker aligned an entry.
    pub fn parse(bytes: &[u8]) -> ModInfo {
        let entries = bytes
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .filter_map(|s| {
                let s = String::from_utf8_lossy(s);
                let (k, v) = s.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect();
        ModInfo { entries }
    }

    /// The first value of `key` (the loader's `get_modinfo`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable key (`import_ns`, `alias`).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `depends=` is one comma-separated list, empty when there is none.
    pub fn depends(&self) -> Vec<String> {
        self.get("depends")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(crate::read::file::kbuild_name)
            .collect()
    }
}

/// The kernel's `license_is_gpl_compatible()`: only these strings let a
/// module use EXPORT_SYMBOL_GPL symbols. A module without `license=` counts
/// as proprietary.
pub fn license_is_gpl_compatible(license: &str) -> bool {
    matches!(
        license,
        "GPL"
            | "GPL v2"
            | "GPL and additional rights"
            | "Dual BSD/GPL"
            | "Dual MIT/GPL"
            | "Dual MPL/GPL"
    )
}

/// One symbol version the module was built against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub name: String,
    pub crc: u32,
}

/// Which table the versions came from: the loader consults the extended one
/// alone when it is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionsLayout {
    /// `__versions`: fixed 64-byte `struct modversion_info` entries.
    Classic,
    /// `__version_ext_crcs` (u32 each) + `__version_ext_names` (NUL-separated),
    /// the CONFIG_EXTENDED_MODVERSIONS layout of 6.14+.
    Extended,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleVersions {
    pub layout: VersionsLayout,
    pub entries: Vec<Version>,
}

impl ModuleVersions {
    /// The version the loader would check `name` against (the first entry
    /// of that name, as its linear search finds).
    pub fn crc_of(&self, name: &str) -> Option<u32> {
        self.entries.iter().find(|v| v.name == name).map(|v| v.crc)
    }
}

/// Section contents, or an error when the section exists but its bytes do
/// not (NOBITS in a file made by `objcopy --only-keep-debug`): treating that
/// as empty would make every check pass or fail for the wrong reason.
fn section_data<'d>(file: &object::File<'d>, name: &str) -> Result<Option<&'d [u8]>, String> {
    let Some(s) = file.section_by_name(name) else {
        return Ok(None);
    };
    if s.kind() == SectionKind::UninitializedData && s.size() > 0 {
        return Err(format!(
            "section {name} has no contents (a separate debug-info file?)"
        ));
    }
    s.data()
        .map(Some)
        .map_err(|e| format!("cannot read section {name}: {e}"))
}

pub fn read_modinfo(file: &object::File<'_>) -> Result<Option<ModInfo>, String> {
    Ok(section_data(file, ".modinfo")?.map(ModInfo::parse))
}

/// The symbol versions of a module, `None` when it has none (built without
/// CONFIG_MODVERSIONS).
pub fn read_versions(file: &object::File<'_>) -> Result<Option<ModuleVersions>, String> {
    let little = file.is_little_endian();
    let ext_crcs = section_data(file, "__version_ext_crcs")?;
    let ext_names = section_data(file, "__version_ext_names")?;
    if let (Some(crcs), Some(names)) = (ext_crcs, ext_names) {
        return Ok(Some(ModuleVersions {
            layout: VersionsLayout::Extended,
            entries: extended_versions(crcs, names, little)?,
        }));
    }
    let Some(data) = section_data(file, "__versions")? else {
        return Ok(None);
    };
    Ok(Some(ModuleVersions {
        layout: VersionsLayout::Classic,
        entries: classic_versions(data, file.is_64(), little)?,
    }))
}

/// `struct modversion_info { unsigned long crc; char name[64 - sizeof(long)]; }`:
/// 64 bytes an entry on every architecture, the CRC in the low 32 bits of a
/// target-endian long. Trailing bytes short of an entry are ignored, as the
/// loader's `sh_size / sizeof` does.
pub fn classic_versions(data: &[u8], is_64: bool, little: bool) -> Result<Vec<Version>, String> {
    const ENTRY: usize = 64;
    let long = if is_64 { 8 } else { 4 };
    let mut out = Vec::with_capacity(data.len() / ENTRY);
    for (i, e) in data.chunks_exact(ENTRY).enumerate() {
        let crc = read_uint(&e[..long], little) as u32;
        let name_bytes = &e[long..];
        let Some(end) = name_bytes.iter().position(|&b| b == 0) else {
            return Err(format!("__versions entry {i} has an unterminated name"));
        };
        if end == 0 {
            continue;
        }
        out.push(Version {
            name: String::from_utf8_lossy(&name_bytes[..end]).into_owned(),
            crc,
        });
    }
    Ok(out)
}

/// `__version_ext_crcs` holds one u32 per entry; `__version_ext_names` the
/// names in the same order, each NUL-terminated.
pub fn extended_versions(crcs: &[u8], names: &[u8], little: bool) -> Result<Vec<Version>, String> {
    let mut out = Vec::with_capacity(crcs.len() / 4);
    let mut rest = names;
    for (i, c) in crcs.chunks_exact(4).enumerate() {
        let Some(end) = rest.iter().position(|&b| b == 0) else {
            return Err(format!(
                "__version_ext_names ends before the name of entry {i}"
            ));
        };
        out.push(Version {
            name: String::from_utf8_lossy(&rest[..end]).into_owned(),
            crc: read_uint(c, little) as u32,
        });
        rest = &rest[end + 1..];
    }
    Ok(out)
}

fn read_uint(b: &[u8], little: bool) -> u64 {
    let mut v = 0u64;
    if little {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

/// A symbol the module needs from the kernel or another module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub name: String,
    /// A weak reference may stay unresolved (the loader leaves it 0).
    pub weak: bool,
}

/// The undefined symbols of a module, sorted by name: what the loader must
/// resolve. Symbols the loader itself ignores are left out.
pub fn read_imports(file: &object::File<'_>) -> Vec<Import> {
    let mut out: Vec<Import> = file
        .symbols()
        .filter(|s| s.is_undefined() && (s.is_global() || s.is_weak()))
        .filter_map(|s| {
            let name = s.name().ok()?;
            // GNU as before 2.37 leaves an unreferenced _GLOBAL_OFFSET_TABLE_
            // in x86-64 objects; ppc64 resolves .TOC. itself.
            if name.is_empty() || name == "_GLOBAL_OFFSET_TABLE_" || name == ".TOC." {
                return None;
            }
            Some(Import {
                name: name.to_string(),
                weak: s.is_weak(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.weak.cmp(&b.weak)));
    // A strong reference anywhere makes the symbol required.
    out.dedup_by(|b, a| a.name == b.name);
    out
}

/// The vermagic string compiled into a vmlinux: the loader compares each
/// module's `vermagic=` with its local `vermagic` array.
pub fn vmlinux_vermagic(file: &object::File<'_>) -> Option<String> {
    symbol_cstr(file, "vermagic")
}

/// The kernel release of a vmlinux (its "Linux version 6.1.0-55-cloud-amd64 (...)"
/// banner) or of a module (the first word of `.modinfo`'s `vermagic=`), from
/// the sections when `data` parses as ELF, else from anywhere in it.
pub fn kernel_release(data: &[u8]) -> Option<String> {
    if let Ok(obj) = object::File::parse(data) {
        let section = |name| section_data(&obj, name).ok().flatten();
        // vmlinux has a .modinfo too (for built-in modules), but no vermagic.
        if let Some(release) = section(".modinfo").and_then(modinfo_release) {
            return Some(release);
        }
        // Searching .rodata first spares a scan of hundreds of MB of DWARF.
        if let Some(release) = section(".rodata").and_then(banner_release) {
            return Some(release);
        }
    }
    banner_release(data).or_else(|| {
        let at = find_bytes(data, b"\0vermagic=", 0)?;
        modinfo_release(&data[at + 1..])
    })
}

/// The release part of a vermagic string: its first word.
pub fn vermagic_release(vermagic: &str) -> &str {
    vermagic.split_ascii_whitespace().next().unwrap_or("")
}

/// The release in the first `vermagic=` entry of a NUL-separated modinfo list.
fn modinfo_release(modinfo: &[u8]) -> Option<String> {
    let magic = modinfo
        .split(|&b| b == 0)
        .find_map(|entry| entry.strip_prefix(b"vermagic="))?;
    release_word(vermagic_release(&String::from_utf8_lossy(magic)).as_bytes())
}

/// The release in the first well-formed `Linux version <release> (` banner.
fn banner_release(data: &[u8]) -> Option<String> {
    const PREFIX: &[u8] = b"Linux version ";
    let mut from = 0;
    while let Some(at) = find_bytes(data, PREFIX, from) {
        let rest = &data[at + PREFIX.len()..];
        // Format strings and log messages also say "Linux version"; the banner
        // is the one with the release followed by " (user@host)".
        if let Some(end) = rest.iter().position(|&b| b == b' ')
            && rest[end..].starts_with(b" (")
            && let Some(release) = release_word(&rest[..end])
        {
            return Some(release);
        }
        from = at + 1;
    }
    None
}

/// A release string, checked because it becomes a path component.
fn release_word(word: &[u8]) -> Option<String> {
    let ok = (1..=64).contains(&word.len())
        && word.iter().all(|&b| b.is_ascii_graphic() && b != b'/')
        && word != b"."
        && word != b"..";
    ok.then(|| String::from_utf8_lossy(word).into_owned())
}

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut i = from;
    loop {
        let at = i + haystack.get(i..)?.iter().position(|&b| b == first)?;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        i = at + 1;
    }
}

fn symbol_cstr(file: &object::File<'_>, name: &str) -> Option<String> {
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(name) && !s.is_undefined())?;
    let section = file.section_by_index(sym.section_index()?).ok()?;
    let data = section.data().ok()?;
    // In vmlinux st_value is an address, in a relocatable file an offset.
    let base = if file.kind() == object::ObjectKind::Relocatable {
        0
    } else {
        section.address()
    };
    let off = usize::try_from(sym.address().checked_sub(base)?).ok()?;
    let rest = data.get(off..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// The vermagic a kernel with this `.config` and release would have, for a
/// vmlinux whose own `vermagic` symbol was stripped. Architecture-specific
/// words (32-bit x86 CPU types, ARM's "ARMv7", "p2v8") are not derived, and
/// a RANDSTRUCT seed cannot be, so those configurations give `None`.
pub fn vermagic_from_config(release: &str, config: &str) -> Option<String> {
    let on = |opt: &str| {
        config.lines().any(|l| {
            l.strip_prefix(opt)
                .and_then(|r| r.strip_prefix('='))
                .is_some_and(|v| v == "y")
        })
    };
    if on("CONFIG_RANDSTRUCT_FULL")
        || on("CONFIG_RANDSTRUCT_PERFORMANCE")
        || on("CONFIG_GCC_PLUGIN_RANDSTRUCT")
        || !(on("CONFIG_X86_64") || on("CONFIG_ARM64") || on("CONFIG_S390") || on("CONFIG_RISCV"))
    {
        return None;
    }
    let mut s = format!("{release} ");
    if on("CONFIG_SMP") {
        s += "SMP ";
    }
    if on("CONFIG_PREEMPT_RT") {
        s += "preempt_rt ";
    } else if on("CONFIG_PREEMPT_BUILD") || on("CONFIG_PREEMPT") {
        s += "preempt ";
    }
    if on("CONFIG_MODULE_UNLOAD") {
        s += "mod_unload ";
    }
    if on("CONFIG_MODVERSIONS") {
        s += "modversions ";
    }
    Some(s)
}

/// The loader's `same_magic()`: with symbol versions the release part (up to
/// the first space) is not compared, since the CRCs check the interface.
pub fn same_magic(module: &str, kernel: &str, has_crcs: bool) -> bool {
    if has_crcs {
        let tail = |s: &str| s.find(' ').map(|i| s[i..].to_string()).unwrap_or_default();
        tail(module) == tail(kernel)
    } else {
        module == kernel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_entries() {
        let m = ModInfo::parse(
            b"license=GPL\0\0\0depends=kmi_a,crc-ccitt\0import_ns=A\0import_ns=B\0junk\0vermagic=6.1 SMP \0",
        );
        assert_eq!(m.get("license"), Some("GPL"));
        assert_eq!(m.depends(), ["kmi_a", "crc_ccitt"]);
        assert_eq!(m.get_all("import_ns").collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(m.get("vermagic"), Some("6.1 SMP "));
        assert_eq!(m.get("junk"), None);
        assert!(ModInfo::parse(b"depends=\0").depends().is_empty());
    }

    #[test]
    fn licenses() {
        for l in [
            "GPL",
            "GPL v2",
            "Dual BSD/GPL",
            "Dual MIT/GPL",
            "Dual MPL/GPL",
            "GPL and additional rights",
        ] {
            assert!(license_is_gpl_compatible(l), "{l}");
        }
        for l in ["Proprietary", "BSD", "gpl", "GPLv2", ""] {
            assert!(!license_is_gpl_compatible(l), "{l}");
        }
    }

    fn classic_entry(crc: u64, name: &str, is_64: bool, little: bool) -> Vec<u8> {
        let mut e = if is_64 {
            if little {
                crc.to_le_bytes().to_vec()
            } else {
                crc.to_be_bytes().to_vec()
            }
        } else if little {
            (crc as u32).to_le_bytes().to_vec()
        } else {
            (crc as u32).to_be_bytes().to_vec()
        };
        e.extend_from_slice(name.as_bytes());
        e.resize(64, 0);
        e
    }

    #[test]
    fn classic_layouts() {
        for (is_64, little) in [(true, true), (true, false), (false, true), (false, false)] {
            let mut data = classic_entry(0x44e9a829, "match_token", is_64, little);
            data.extend(classic_entry(0xc035aee9, "module_layout", is_64, little));
            data.extend([0u8; 10]);
            let v = classic_versions(&data, is_64, little).unwrap();
            assert_eq!(
                v,
                [
                    Version {
                        name: "match_token".into(),
                        crc: 0x44e9a829
                    },
                    Version {
                        name: "module_layout".into(),
                        crc: 0xc035aee9
                    },
                ]
            );
        }
        let bad = [b'x'; 64];
        assert!(
            classic_versions(&bad, true, true)
                .unwrap_err()
                .contains("unterminated")
        );
    }

    #[test]
    fn extended_layout() {
        let crcs = [1u32.to_le_bytes(), 0xdeadbeefu32.to_le_bytes()].concat();
        let v = extended_versions(&crcs, b"a\0a_very_long_rust_symbol_name\0", true).unwrap();
        assert_eq!(v[1].name, "a_very_long_rust_symbol_name");
        assert_eq!(v[1].crc, 0xdeadbeef);
        let mv = ModuleVersions {
            layout: VersionsLayout::Extended,
            entries: v,
        };
        assert_eq!(mv.crc_of("a"), Some(1));
        assert!(extended_versions(&crcs, b"a\0b", true).is_err());
    }

    #[test]
    fn magic_comparison() {
        let k = "6.1.0-56-cloud-amd64 SMP preempt mod_unload modversions ";
        let m = "6.1.0-55-cloud-amd64 SMP preempt mod_unload modversions ";
        assert!(same_magic(m, k, true));
        assert!(!same_magic(m, k, false));
        assert!(!same_magic(
            "6.1.0-55-cloud-amd64 SMP mod_unload modversions ",
            k,
            true
        ));
        assert!(same_magic("x", "y", true));
    }

    #[test]
    fn config_vermagic() {
        let cfg = "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\n# CONFIG_PREEMPT_RT is not set\nCONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\n";
        assert_eq!(
            vermagic_from_config("6.1.0", cfg).as_deref(),
            Some("6.1.0 SMP preempt mod_unload modversions ")
        );
        assert_eq!(vermagic_from_config("6.1.0", "CONFIG_X86_32=y\n"), None);
        assert_eq!(
            vermagic_from_config("6.1.0", "CONFIG_X86_64=y\nCONFIG_RANDSTRUCT_FULL=y\n"),
            None
        );
    }
}

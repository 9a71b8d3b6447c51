//! Fuzz harnesses: one function per parser of untrusted input, each taking
//! raw bytes and returning nothing.
//!
//! Inputs come from vendors' modules and baselines built elsewhere, so every
//! parser must turn any byte string into a result or an error. A panic, an
//! abort (stack overflow, allocation failure) or a hang in one of these
//! functions is a bug. The same functions back the cargo-fuzz targets in
//! `fuzz/` and the stable seed-and-mutation test in `tests/it/fuzz.rs`, so CI
//! exercises every parser without a nightly toolchain.
//!
//! Text parsers receive the bytes as lossy UTF-8: the loaders reject or
//! replace invalid UTF-8 before parsing, and mapping it to U+FFFD keeps the
//! fuzzer's byte mutations useful instead of stopping at the UTF-8 check.

use std::path::Path;

use crate::graph::{Symbol, SymbolKind};
use crate::read::{
    btf as btf_reader, dwarf, exports, file, ksymtab, modinfo, stg as stg_reader, symvers, sysmap,
};

/// The name errors are reported under; its value does not matter.
fn name() -> &'static Path {
    Path::new("fuzz-input")
}

/// Small enough that no fuzz input can make a harness exhaust libFuzzer's
/// 2 GB RSS limit through a legitimately large (but capped) output.
const FUZZ_DECOMPRESS_CAP: u64 = 64 << 20;

/// A harness: any bytes in, nothing out.
pub type Harness = fn(&[u8]);

/// Every harness, by the name of its cargo-fuzz target and seed directory.
pub const HARNESSES: &[(&str, Harness)] = &[
    ("elf_exports", elf_exports),
    ("system_map", system_map),
    ("image_exports", image_exports),
    ("dwarf_types", dwarf_types),
    ("symvers", symvers),
    ("modinfo", modinfo),
    ("whitelist", whitelist),
    ("suppressions", suppressions),
    ("allow", allow),
    ("ignore", ignore),
    ("dump", dump),
    ("decompress", decompress),
    ("btf", btf),
    ("kernel_image", kernel_image),
    ("stg", stg),
    ("abixml", abixml),
    ("report_page", report_page),
];

/// ELF parsing and the export table (`__ksymtab*`, `__kcrctab*`): through
/// the labels, and decoded from the entries as for a stripped vmlinux,
/// whatever the symbol table holds.
pub fn elf_exports(data: &[u8]) {
    if let Ok(elf) = file::parse_elf(name(), data) {
        let _ = exports::try_read_exports(&elf, "fuzz", name());
        let _ = exports::exports_from_sections(&elf, "fuzz", name());
    }
}

/// `System.map` and `/proc/kallsyms` text.
pub fn system_map(data: &[u8]) {
    let _ = sysmap::looks_like(data);
    if let Ok(map) = sysmap::parse(&String::from_utf8_lossy(data), name()) {
        let _ = map.next_above(0);
        let _ = map.address("_text");
    }
}

/// A raw kernel image and its System.map: the map's text, a NUL byte, then
/// the image. The entry decoder also gets the image's bytes as every table
/// at once, so that mutations reach it without going through the map.
pub fn image_exports(data: &[u8]) {
    let (text, image) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(map) = sysmap::parse(&String::from_utf8_lossy(text), name()) {
        let _ = exports::exports_from_image(image, &map, name());
    }
    let third = image.len() / 3;
    let at = |from: usize, to: usize| ksymtab::Region::new(0x1000 + from as u64, &image[from..to]);
    let _ = ksymtab::decode(&ksymtab::Tables {
        ksymtab: at(0, third),
        ksymtab_gpl: at(third, 2 * third),
        strings: at(2 * third, image.len()),
        word: 8,
        big_endian: None,
        ..Default::default()
    });
}

/// The DWARF reader of a relocatable module, relocations applied, as
/// `read::kernel` calls it, followed by the dedup keys it computes next.
pub fn dwarf_types(data: &[u8]) {
    let Ok(elf) = file::parse_elf(name(), data) else {
        return;
    };
    if !dwarf::has_dwarf(&elf) {
        return;
    }
    let mut syms = exports::read_exports(&elf, "fuzz");
    // A mutation that breaks the export labels would otherwise leave nothing
    // to look up and skip the DWARF walk entirely; every defined symbol stands
    // in for the exports then.
    if syms.is_empty() {
        syms = defined_symbols(&elf);
    }
    let mut stats = dwarf::DwarfStats::default();
    if let Ok(graph) = dwarf::read_types(&elf, name(), &mut syms, &mut stats) {
        let _ = crate::graph::dedup::graph_keys(&graph);
    }
}

fn defined_symbols(elf: &object::File<'_>) -> Vec<Symbol> {
    use object::{Object, ObjectSymbol};
    let names: Vec<String> = elf
        .symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .filter(|n| !n.is_empty())
        .take(1000)
        .collect();
    stand_in_exports(names)
}

/// Exports of these names, untyped, for a type reader to look up: sorted by
/// name and unique, as the readers want them.
fn stand_in_exports(mut names: Vec<String>) -> Vec<Symbol> {
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| Symbol {
            name,
            kind: SymbolKind::Unknown,
            gpl: false,
            namespace: String::new(),
            crc: None,
            module: "fuzz".into(),
            size: 0,
            ty: None,
            location: None,
        })
        .collect()
}

/// xorshift64*: deterministic mutations for the stable fuzz test and the
/// readers' never-panic tests, without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// `len` characters drawn from `alphabet`.
    pub fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

/// `Module.symvers`.
pub fn symvers(data: &[u8]) {
    let _ = symvers::looks_like(data);
    let _ = symvers::parse(&String::from_utf8_lossy(data), name());
}

/// `.modinfo` and `__versions` as section bytes (the first byte picks the
/// layout of `__versions`), and both read out of an ELF file when the input
/// is one.
pub fn modinfo(data: &[u8]) {
    let info = modinfo::ModInfo::parse(data);
    let _ = info.depends();
    let _ = info.get("vermagic").map(modinfo::vermagic_release);
    let _ = modinfo::kernel_release(data);
    if let Some((&flags, rest)) = data.split_first() {
        let _ = modinfo::classic_versions(rest, flags & 1 != 0, flags & 2 != 0);
        let mid = rest.len() / 2;
        let _ = modinfo::extended_versions(&rest[..mid], &rest[mid..], flags & 2 != 0);
    }
    if let Ok(elf) = file::parse_elf(name(), data) {
        let _ = modinfo::read_modinfo(&elf);
        let _ = modinfo::read_versions(&elf);
        let _ = modinfo::read_imports(&elf);
        let _ = modinfo::vmlinux_vermagic(&elf);
    }
}

/// Whitelists and `[abi_symbol_list]` files (`-w`).
pub fn whitelist(data: &[u8]) {
    let _ = crate::filter::whitelist::parse(&String::from_utf8_lossy(data), name());
}

/// libabigail suppression specifications; the parsed sections are also
/// asked about a symbol, which compiles and runs their regexes.
pub fn suppressions(data: &[u8]) {
    use crate::filter::suppr::{ChangeKind, Suppressions};
    if let Ok(s) = Suppressions::parse(&String::from_utf8_lossy(data), name()) {
        let _ = s.suppresses_function("kmi_fn", ChangeKind::Removed);
        let _ = s.suppresses_variable("kmi_var", ChangeKind::Removed);
    }
}

/// `--allow` files.
pub fn allow(data: &[u8]) {
    let _ = crate::filter::allow::AllowList::parse(&String::from_utf8_lossy(data), name());
}

/// `kmi abi-check --ignore` files; the rules are also matched against a
/// symbol, which runs their globs.
pub fn ignore(data: &[u8]) {
    use crate::abi_check::ignore::{IgnoreRules, parse};
    if let Ok(rules) = parse(&String::from_utf8_lossy(data), name()) {
        let rules = IgnoreRules { rules };
        let _ = rules.find(
            "kmi_fn_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &["kmi_a", "vmlinux"],
            crate::compare::ChangeKind::Removed,
        );
    }
}

/// `kmi dump` baselines.
pub fn dump(data: &[u8]) {
    let _ = crate::dump::is_dump(data);
    let _ = crate::dump::has_vmlinux_exports(data);
    let _ = crate::dump::parse(data, name());
}

/// libabigail's abixml: the XML stream, type ids resolved across the
/// corpus, and the checks and dedup that follow.
pub fn abixml(data: &[u8]) {
    let _ = crate::read::abixml::looks_like(data);
    let _ = crate::read::abixml::parse(String::from_utf8_lossy(data).as_bytes(), name());
}

/// The decoders (picked by magic bytes, as for a `.ko.*` or the payload of
/// a boot image).
pub fn decompress(data: &[u8]) {
    let _ = file::decompress_bytes(data, FUZZ_DECOMPRESS_CAP);
}

/// BTF: a blob alone, or (when the first byte is odd) a base blob and a
/// split blob over it, framed as `[flag][u32 LE base length][base][split]`;
/// then the types of every function and variable the blob names, as the
/// kernel reader asks for exports, and the blob search of raw images.
pub fn btf(data: &[u8]) {
    let _ = btf_reader::find_blobs(data);
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let (base_bytes, split_bytes) = if flag & 1 == 1 && rest.len() >= 4 {
        let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let rest = &rest[4..];
        let n = n.min(rest.len());
        (&rest[..n], Some(&rest[n..]))
    } else {
        (rest, None)
    };
    let Ok(base) = btf_reader::Btf::parse(base_bytes, None) else {
        return;
    };
    let split = split_bytes
        .and_then(|s| btf_reader::Btf::parse(s, Some((base.next_id(), base.str_end()))).ok());
    let space = match &split {
        Some(own) => btf_reader::Space::over(&base, own, flag & 2 == 2),
        None => btf_reader::Space::alone(&base),
    };
    let names: Vec<String> = space
        .own
        .ids()
        .take(1000)
        .filter_map(|id| space.own.get(id))
        .filter(|t| {
            t.kind == btf_reader::parse::kind::FUNC || t.kind == btf_reader::parse::kind::VAR
        })
        .filter_map(|t| space.own.own_str(t.name_off).map(str::to_owned))
        .collect();
    let mut syms = stand_in_exports(names);
    if let Ok(g) = btf_reader::read_types(space, 64, &mut syms)
        && crate::graph::check_untagged_depth(&g, syms.iter().filter_map(|s| s.ty)).is_ok()
    {
        let _ = crate::graph::dedup::graph_keys(&g);
    }
}

/// Kernel boot images (bzImage, EFI zboot, arm64 Image, s390x) and the ELF
/// that comes out of them.
pub fn kernel_image(data: &[u8]) {
    let _ = file::looks_like_boot_image(data);
    if let Ok(file::KernelImage::Elf(elf)) =
        file::parse_kernel_image(name(), data, FUZZ_DECOMPRESS_CAP)
    {
        let _ = file::parse_elf(name(), &elf);
    }
}

/// STG baselines (`.stg`, protobuf text): the parser, the id graph and its
/// conversion and merge into ours.
pub fn stg(data: &[u8]) {
    let _ = stg_reader::looks_like(data);
    let _ = stg_reader::parse(&String::from_utf8_lossy(data), name());
}

/// Saved JSON reports drawn as a page (`kmi render`): any document with a
/// known schema, whatever its values, gives a page or an error.
pub fn report_page(data: &[u8]) {
    let mut page = Vec::new();
    let _ = crate::report::html::render(data, &mut page);
}

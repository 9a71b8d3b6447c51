//! Corrupt or unreadable ELF and DWARF must be an error (or a warning), never
//! read as an ABI change or as no change. Each input is a fixture module with
//! a few bytes patched, or a module gcc builds here.

use crate::common::*;
use std::path::{Path, PathBuf};

fn u16_at(d: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes(d[at..at + 2].try_into().unwrap()))
}

fn u32_at(d: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(d[at..at + 4].try_into().unwrap()))
}

fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(d[at..at + 8].try_into().unwrap())
}

fn put64(d: &mut [u8], at: usize, v: u64) {
    d[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// File offset of the section header of `name` in a little-endian ELF64.
fn shdr(d: &[u8], name: &str) -> usize {
    let shoff = u64_at(d, 40) as usize;
    let shnum = u16_at(d, 60) as usize;
    let strs = shoff + u16_at(d, 62) as usize * 64;
    let names = u64_at(d, strs + 24) as usize;
    (0..shnum)
        .map(|i| shoff + i * 64)
        .find(|&h| {
            let n = names + u32_at(d, h) as usize;
            let end = n + d[n..].iter().position(|&b| b == 0).unwrap();
            &d[n..end] == name.as_bytes()
        })
        .unwrap_or_else(|| panic!("no section {name}"))
}

const SH_OFFSET: usize = 24;
const SH_SIZE: usize = 32;

/// Two sides holding the fixture modules kmi_a and kmi_b, the second side's
/// kmi_a patched by `patch`; kmidiff run on them.
fn diff_patched(test: &str, patch: impl Fn(&mut Vec<u8>)) -> (Run, PathBuf) {
    let dir = scratch(&format!("corrupt-{test}"));
    let extra = kernels().join("v1/modules/extra");
    for side in ["a", "b"] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
        for m in ["kmi_a.ko", "kmi_b.ko"] {
            std::fs::copy(extra.join(m), dir.join(side).join(m)).unwrap();
        }
    }
    let bad = dir.join("b/kmi_a.ko");
    let mut bytes = std::fs::read(&bad).unwrap();
    patch(&mut bytes);
    std::fs::write(&bad, bytes).unwrap();
    (run_in(&dir, "kmidiff", &["a", "b"]), bad)
}

/// An error, exit 1, one line naming the file and saying `what`.
fn assert_error(r: &Run, file: &Path, what: &str) {
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    // Sides without a vmlinux are warned about; the error is the rest.
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| !l.starts_with("kmidiff: warning: neither kernel has a vmlinux"))
        .collect();
    assert_eq!(lines.len(), 1, "one line: {}", r.stderr);
    let line = lines[0];
    assert!(
        line.contains(&*file.file_name().unwrap().to_string_lossy()),
        "{line}"
    );
    assert!(line.contains(what), "wanted {what:?} in: {line}");
}

fn patch_section(test: &str, name: &str, field: usize, value: u64, what: &str) {
    let (r, bad) = diff_patched(test, |d| {
        let h = shdr(d, name);
        put64(d, h + field, value);
    });
    assert_error(&r, &bad, what);
}

// Item 3: relocations of the DWARF that cannot be applied.

#[test]
fn empty_rela_debug_info_is_an_error() {
    patch_section(
        "rela-empty",
        ".rela.debug_info",
        SH_SIZE,
        0,
        ".rela.debug_info is empty",
    );
}

#[test]
fn rela_debug_info_past_the_end_is_an_error() {
    patch_section(
        "rela-past",
        ".rela.debug_info",
        SH_OFFSET,
        1 << 20,
        "section .rela.debug_info lies past the end of the file",
    );
}

#[test]
fn absurd_rela_debug_info_size_is_an_error() {
    patch_section(
        "rela-huge",
        ".rela.debug_info",
        SH_SIZE,
        1 << 63,
        "section .rela.debug_info lies past the end of the file",
    );
}

#[test]
fn a_machine_we_cannot_relocate_is_an_error() {
    // The whole side is of that machine, so only the relocations can tell.
    let dir = scratch("corrupt-machine-unknown");
    let extra = kernels().join("v1/modules/extra");
    for side in ["a", "b"] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
    }
    std::fs::copy(extra.join("kmi_a.ko"), dir.join("a/kmi_a.ko")).unwrap();
    let mut d = std::fs::read(extra.join("kmi_a.ko")).unwrap();
    d[18..20].copy_from_slice(&0x1234u16.to_le_bytes());
    std::fs::write(dir.join("b/kmi_a.ko"), d).unwrap();
    let r = run_in(&dir, "kmidiff", &["a", "b"]);
    assert_error(
        &r,
        &dir.join("b/kmi_a.ko"),
        "relocations of .debug_info can be applied",
    );
}

#[test]
fn a_module_of_another_machine_in_the_side_is_an_error() {
    let (r, bad) = diff_patched("machine-mixed", |d| {
        d[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    });
    assert_error(&r, &bad, "binaries of different architectures in one side");
}

#[test]
fn an_executable_or_shared_object_as_module_is_an_error() {
    for (e_type, name) in [(2u16, "ET_EXEC"), (3, "ET_DYN")] {
        let (r, bad) = diff_patched(&format!("etype-{e_type}"), |d| {
            d[16..18].copy_from_slice(&e_type.to_le_bytes());
        });
        assert_error(&r, &bad, &format!("e_type is {name}"));
    }
}

/// The `i`th entry of `.rela.debug_info` (24 bytes: offset, info, addend).
fn rela_entry(d: &[u8], i: usize) -> usize {
    let h = shdr(d, ".rela.debug_info");
    u64_at(d, h + SH_OFFSET) as usize + i * 24
}

#[test]
fn a_relocation_of_a_symbol_out_of_range_is_an_error() {
    let (r, bad) = diff_patched("reloc-symbol", |d| {
        let e = rela_entry(d, 3);
        let info = u64_at(d, e + 8);
        put64(d, e + 8, (0xff_ffff << 32) | (info & 0xffff_ffff));
    });
    assert_error(&r, &bad, "not in the symbol table");
}

#[test]
fn a_relocation_past_its_section_is_an_error() {
    let (r, bad) = diff_patched("reloc-offset", |d| {
        let e = rela_entry(d, 3);
        put64(d, e, 1 << 20);
    });
    assert_error(&r, &bad, "lies past the end of the section");
}

#[test]
fn a_relocation_we_cannot_apply_is_a_warning() {
    let (r, _) = diff_patched("reloc-kind", |d| {
        let e = rela_entry(d, 3);
        let info = u64_at(d, e + 8);
        put64(d, e + 8, (info & !0xffff_ffff) | 2); // R_X86_64_PC32
    });
    assert!(
        r.stderr.contains("kmidiff: warning: 1 binaries have relocations in their debug info that could not be applied (e.g. b/kmi_a.ko: 1)"),
        "{}",
        r.stderr
    );
}

// Item 4: split DWARF.

fn split_module(dir: &Path, field: &str) {
    gcc_module(
        dir,
        "m",
        &format!("struct s {{ int a; {field} }};\nint f(struct s *p) {{ return p->a; }}"),
        &["f"],
        &["-gsplit-dwarf"],
    );
}

#[test]
fn split_dwarf_is_not_read_as_no_change() {
    let dir = scratch("corrupt-split-dwarf");
    split_module(&dir.join("a"), "long b;");
    split_module(&dir.join("b"), "char b;");
    let r = run_in(&dir, "kmidiff", &["a", "b"]);
    assert_ne!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_error(&r, &dir.join("a/m.ko"), "split DWARF");
    assert!(r.stderr.contains("m.dwo"), "{}", r.stderr);
}

// Item 6: a corrupt symbol table or section table.

#[test]
fn an_empty_symtab_is_an_error() {
    patch_section("symtab-empty", ".symtab", SH_SIZE, 0, ".symtab is empty");
}

#[test]
fn no_symbol_table_is_an_error() {
    // SHT_PROGBITS: the section is still there, but no longer a symbol table.
    let (r, bad) = diff_patched("symtab-type", |d| {
        let h = shdr(d, ".symtab");
        d[h + 4..h + 8].copy_from_slice(&1u32.to_le_bytes());
    });
    assert_error(&r, &bad, "no symbol table");
}

#[test]
fn a_symtab_past_the_end_is_an_error() {
    patch_section(
        "symtab-past",
        ".symtab",
        SH_OFFSET,
        1 << 20,
        "section .symtab lies past the end of the file",
    );
}

#[test]
fn a_strtab_past_the_end_is_an_error() {
    patch_section(
        "strtab-past",
        ".strtab",
        SH_OFFSET,
        1 << 20,
        "section .strtab lies past the end of the file",
    );
}

#[test]
fn a_kcrctab_past_the_end_is_an_error() {
    patch_section(
        "kcrctab-past",
        "__kcrctab",
        SH_OFFSET,
        1 << 20,
        "section __kcrctab lies past the end of the file",
    );
}

#[test]
fn no_section_header_table_is_an_error() {
    let (r, bad) = diff_patched("shoff-zero", |d| put64(d, 40, 0));
    assert_error(&r, &bad, "e_shoff is 0");
}

#[test]
fn a_wrong_elf_class_is_an_error() {
    let (r, bad) = diff_patched("class", |d| d[4] = 1);
    assert_error(&r, &bad, "EI_CLASS");
}

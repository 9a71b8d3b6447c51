//! libabigail abixml baselines (`abidw` output for the v1/v2 fixture
//! kernels) against our own reads of the same builds, and against each other.

use crate::common::{assert_one_line_error, fixtures, kernels, run, s, scratch};
use kmidiff::compare::{Comparison, NoFilter, compare_kernels};
use kmidiff::graph::Graph;
use kmidiff::read::abixml;
use kmidiff::read::kernel::{KernelInput, ReadOptions, read_kernel};

fn peer(name: &str) -> Graph {
    abixml::load(&fixtures().join("peers").join(name)).unwrap()
}

fn tree_vmlinux(v: &str) -> Graph {
    read_kernel(
        &KernelInput {
            vmlinux: Some(kernels().join(v).join("vmlinux")),
            ..Default::default()
        },
        &ReadOptions::default(),
    )
    .unwrap()
    .0
}

fn report(c: &Comparison<'_>) -> String {
    let a = c.analyse();
    let mut out = Vec::new();
    kmidiff::report::text::write(c, &a, &Default::default(), true, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn abixml_group_reads_the_vmlinux_corpus_once() {
    let g = peer("v1-vmlinux.abi");
    let typed = g.symbols.iter().filter(|s| s.ty.is_some()).count();
    // 4321 FUNC and OBJECT exports; 51 without a declaration in abixml
    // (aliases such as `memcpy` of `__memcpy`, and exports abidw found no
    // DWARF declaration for).
    assert_eq!((g.symbols.len(), typed), (4321, 4270));
    assert!(g.symbols.iter().all(|s| s.module == "vmlinux" && !s.gpl));
    let s = g.symbol("match_token").unwrap();
    assert_eq!(s.crc, Some(0x44e9a829));
    assert_eq!(
        g.declare(s.ty.unwrap(), "match_token"),
        "int match_token(char *, const struct match_token *, substring_t *)"
    );
    assert_eq!(
        g.symbol("insert_resource_expand_to_fit").unwrap().namespace,
        "CXL"
    );
    // The single-corpus form reads the same.
    let single = peer("v1-vmlinux-nolinuxtree.abi");
    let c = compare_kernels(&g, &single, &NoFilter);
    assert!(c.is_empty(), "{}", report(&c));
}

#[test]
fn abixml_matches_our_read_of_the_same_vmlinux() {
    let abi = peer("v1-vmlinux.abi");
    let tree = tree_vmlinux("v1");
    let c = compare_kernels(&abi, &tree, &NoFilter);
    // libabigail lists only FUNC and OBJECT symbols: the five NOTYPE
    // exports from assembler (`__put_user_nocheck_{1,2,4,8}`,
    // `x86_verw_sel`) are not "added" (`Lacks::untyped_symbols`).
    assert!(c.removed.is_empty() && c.added.is_empty());
    assert_eq!(c.not_compared, 5);
    // What abixml does not record is not compared (`abixml::LACKS`: the
    // export flavour, bit-field widths), and between sources what C
    // ignores does not count (`TypeDiffs::loose`: `const void *` written as
    // `void *`, typedef spellings libabigail merged such as `u32` for
    // `unsigned int`, `__iowrite32_copy` typed from its assembler body as
    // `void (void)`). What is left: 51 exports the abixml leaves untyped
    // (aliases such as `memcpy` of `__memcpy`, and 13 abidw wrote no
    // declaration for: `sched_clock`, `__dev_fwnode`, ...), compared by
    // symbol, without a change.
    assert!(c.is_empty(), "{}", report(&c));
    let untyped_abi = tree
        .symbols
        .iter()
        .filter(|t| t.ty.is_some() && abi.symbol(&t.name).is_some_and(|a| a.ty.is_none()))
        .count();
    assert_eq!(untyped_abi, 51);
}

#[test]
fn abixml_v1_v2() {
    let a = peer("v1-vmlinux.abi");
    let b = peer("v2-vmlinux.abi");
    let c = compare_kernels(&a, &b, &NoFilter);
    assert!(c.removed.is_empty());
    let added: Vec<&str> = c.added.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(added, ["match_bool"]);
    let changed: Vec<&str> = c
        .changed_symbols
        .iter()
        .map(|s| s.old.name.as_str())
        .collect();
    // libabigail (abidiff-v1-v2.txt) reports the same: match_bool added,
    // match_token changed through `struct match_token` (a member `flags`
    // inserted at bit 128, 128 -> 192 bits) and its CRC; match_hex, whose
    // export became GPL-only, is invisible to both (abixml has no flavour).
    assert_eq!(changed, ["match_token"]);
    let text = report(&c);
    for want in [
        "CRC (modversions) changed from 0x44e9a829 to 0x203adccc",
        "qualified type ('struct match_token') changed:",
        "type size changed from 0x10 to 0x18 (in bytes)",
        "data member 'unsigned int flags' inserted at offset 0x10 (in bytes)",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    let abidiff = std::fs::read_to_string(fixtures().join("peers/abidiff-v1-v2.txt")).unwrap();
    assert!(abidiff.contains("[A] 'function int match_bool(substring_t*, bool*)'"));
    assert!(abidiff.contains("CRC (modversions) changed from 0x44e9a829 to 0x203adccc"));
    assert!(!abidiff.contains("match_hex"));
}

/// The command line: an abixml wherever a kernel goes, recognised by
/// content; libabigail's vmlinux-only corpus against a vmlinux with an
/// empty modules directory (libabigail's own way) is no change.
#[test]
fn abixml_through_the_command_line() {
    let empty = scratch("abixml-empty");
    let _ = std::fs::create_dir_all(empty.join("mods"));
    let a1 = fixtures().join("peers/v1-vmlinux.abi");
    let a2 = fixtures().join("peers/v2-vmlinux.abi");
    let r = run(
        "kmidiff",
        &[s(&a1), "--vmlinux2", "v1/vmlinux", s(&empty.join("mods"))],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "kmidiff: warning: the modules directory is empty: comparing the vmlinux alone\n"
    );
    let r = run("kmidiff", &[s(&a1), "v1/vmlinux"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run("kmidiff", &[s(&a1), s(&a2)]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("[A] 'function int match_bool(substring_t *, bool *)' [vmlinux]")
    );
    let r = run("kmi", &["abi-check", s(&a1), "v1/vmlinux"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A truncated file: one line naming the file and the line.
    let cut = empty.join("cut.abi");
    let text = std::fs::read(&a1).unwrap();
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let r = run("kmidiff", &[s(&cut), "v1/vmlinux"]);
    assert_one_line_error(&r, &cut);
}

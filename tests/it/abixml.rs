//! libabigail abixml baselines (`abidw` output for the v1/v2 fixture
//! kernels) against our own reads of the same builds, and against each other.

use crate::common::{fixtures, kernels};
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

/// Types libabigail's canonicalisation merges with a typedef of the same
/// underlying type: a function type spelled `u32 (*)(u32)` in one header and
/// `unsigned int (*)(unsigned int)` in another is written once, so one of
/// the two spellings is lost. Each group is a typedef and what it names.
const TYPEDEF_SPELLINGS: &[&[&str]] = &[
    &["u32", "unsigned int", "dev_t", "pci_ers_result_t"],
    &["size_t", "long unsigned int"],
    &["void *", "fl_owner_t"],
];

/// Is `l` a change from one spelling of a type to another of its group?
fn typedef_spelling(l: &str) -> bool {
    let Some((_, rest)) = l.split_once(" changed from '") else {
        return false;
    };
    let Some((from, to)) = rest.trim_end_matches('\'').split_once("' to '") else {
        return false;
    };
    TYPEDEF_SPELLINGS
        .iter()
        .any(|g| g.contains(&from) && g.contains(&to))
}

#[test]
fn abixml_matches_our_read_of_the_same_vmlinux() {
    let abi = peer("v1-vmlinux.abi");
    let tree = tree_vmlinux("v1");
    let c = compare_kernels(&abi, &tree, &NoFilter);
    // libabigail lists only FUNC and OBJECT symbols: these five exports
    // are NOTYPE symbols from assembler.
    assert!(c.removed.is_empty());
    let added: Vec<&str> = c.added.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        added,
        [
            "__put_user_nocheck_1",
            "__put_user_nocheck_2",
            "__put_user_nocheck_4",
            "__put_user_nocheck_8",
            "x86_verw_sel"
        ]
    );
    // Every other difference is one of what abixml does not record:
    // - the export flavour (`Lacks::flavour`: EXPORT_SYMBOL_GPL reads as a
    //   change until the comparison respects it);
    // - bit-field widths: abixml 2.1 keeps a member's bit offset but not its
    //   width, so every bit-field reads as a plain member;
    // - `const void`: libabigail writes `const void *` as `void *`;
    // - 13 exports abidw wrote no declaration for (`sched_clock`,
    //   `__dev_fwnode`...), untyped on its side;
    // - typedef spellings libabigail merged (TYPEDEF_SPELLINGS);
    // - `__iowrite32_copy`: abidw typed it from its assembler body
    //   (`void (void)`), our reader from its C declaration.
    let text = report(&c);
    let mut symbol = String::new();
    let mut prev = "";
    let mut unexplained = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("[C] '") {
            symbol = l.to_string();
        }
        let explained = l.starts_with("[C] '")
            || l.is_empty()
            || l.ends_with("changed:")
            || l.ends_with("as reported earlier")
            || l.starts_with("[A] ")
            || l.contains("summary:")
            || l.ends_with("Added functions:")
            || l.ends_with("Changed functions:")
            || l.ends_with("Changed variables:")
            || l.starts_with("now '")
            || l == "export changed from EXPORT_SYMBOL to EXPORT_SYMBOL_GPL"
            || (l.starts_with("data member '")
                && l.contains("' bit-field width changed from not a bit-field to "))
            || (l == "qualifier 'const' added" && prev == "pointed-to type ('void') changed:")
            || l.starts_with(
                "no type information (no debug info or BTF describes this symbol) in the old kernel",
            )
            || typedef_spelling(l)
            || (symbol.contains(" __iowrite32_copy(") && l.contains("' was added"));
        if !explained {
            unexplained.push(format!("{symbol}: {l}"));
        }
        prev = l;
    }
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
    let untyped_abi = c
        .changed_symbols
        .iter()
        .filter(|s| s.old.ty.is_none() && s.new.ty.is_some())
        .count();
    assert_eq!(untyped_abi, 13);
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

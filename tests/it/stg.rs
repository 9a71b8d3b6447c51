//! STG's native baselines of the v1/v2 fixture kernels (written by STG
//! itself, see ../shared/fixtures/peers/README.md) against our own read of
//! the same trees: the same exports, CRCs, namespaces and types.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::common::*;
use kmidiff::compare::{NoFilter, SymDetail, compare_kernels};
use kmidiff::graph::Graph;
use kmidiff::read::kernel::{KernelInput, ReadOptions, read_kernel};
use kmidiff::read::stg;

fn peer(name: &str) -> PathBuf {
    fixtures().join("peers").join(name)
}

fn load_stg(name: &str) -> Graph {
    let t = std::time::Instant::now();
    let g = stg::load(&peer(name)).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{name}: read in {:?}", t.elapsed());
    g
}

/// Our read of a fixture tree, once per test process.
fn tree(v: &str) -> &'static Graph {
    static V1: OnceLock<Graph> = OnceLock::new();
    static V2: OnceLock<Graph> = OnceLock::new();
    let cell = if v == "v1" { &V1 } else { &V2 };
    cell.get_or_init(|| {
        read_kernel(
            &KernelInput {
                vmlinux: Some(kernels().join(v).join("vmlinux")),
                modules_dir: Some(kernels().join(v).join("modules")),
                ..Default::default()
            },
            &ReadOptions::default(),
        )
        .unwrap()
        .0
    })
}

/// The exports of the tree that the `.stg` does not hold: STG keeps only
/// FUNC and OBJECT symbols, and these four are NOTYPE symbols defined in
/// assembler (arch/x86/lib/putuser.S) and exported; `x86_verw_sel` is a
/// NOTYPE `.word` in arch/x86/entry/entry.S. Nothing else is missing.
const NOTYPE_EXPORTS: &[&str] = &[
    "__put_user_nocheck_1",
    "__put_user_nocheck_2",
    "__put_user_nocheck_4",
    "__put_user_nocheck_8",
    "x86_verw_sel",
];

fn stg_matches_tree(v: &str) {
    let s = load_stg(&format!("{v}-patched-elf-all.stg"));
    let t = tree(v);
    let typed = s.symbols.iter().filter(|x| x.ty.is_some()).count();
    // STG leaves 78 assembler functions untyped (no DWARF subprogram).
    // v2 adds match_bool and kmi_a_device_reset and removes
    // kmi_a_legacy_reset.
    let want = if v == "v1" {
        (4358, 4280)
    } else {
        (4359, 4281)
    };
    assert_eq!((s.symbols.len(), typed), want, "{v}");
    assert!(!s.lacks.types && s.lacks.flavour && s.lacks.modules);

    let cmp = compare_kernels(&s, t, &NoFilter);
    let removed: Vec<&str> = cmp.removed.iter().map(|x| x.name.as_str()).collect();
    assert!(removed.is_empty(), "{v}: only in the .stg: {removed:?}");
    // The tree's NOTYPE exports are not "added": the .stg could not have
    // recorded them (`Lacks::untyped_symbols`).
    let added: Vec<&str> = cmp.added.iter().map(|x| x.name.as_str()).collect();
    assert!(added.is_empty(), "{v}: only in the tree: {added:?}");
    assert_eq!(cmp.not_compared, NOTYPE_EXPORTS.len(), "{v}");
    for n in NOTYPE_EXPORTS {
        assert!(t.symbol(n).is_some() && s.symbol(n).is_none(), "{n}");
    }

    // No export flavour and no module in the .stg (`Lacks`): not compared.
    // Anything left is a difference between STG's reading and ours.
    let mut wrong = Vec::new();
    for c in &cmp.changed_symbols {
        let other: Vec<&SymDetail> = c.details.iter().collect();
        if !other.is_empty() || c.diff.is_some() {
            let ty = |g: &Graph, x: &kmidiff::graph::Symbol| {
                x.ty.map(|t| g.declare(t, &x.name)).unwrap_or_default()
            };
            wrong.push(format!(
                "{}: {other:?}\n  stg:  {}\n  tree: {}",
                c.new.name,
                ty(&s, c.old),
                ty(t, c.new)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{v}: {} symbols differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Three ways STG's reading of the same DWARF differs from ours, all
    // relaxed between sources (`TypeDiffs::loose`, and unknown array
    // counts): STG drops the top-level qualifiers of parameters; it types
    // `extern T x[];` variables from their definition (`T[n]`); it finds a
    // variable's DWARF by address, so an alias (`jiffies = jiffies_64`)
    // takes `u64`. Nothing else differs.
    eprintln!(
        "{v}: {} symbols, {typed} typed, no difference against the tree",
        s.symbols.len()
    );
}

#[test]
fn stg_v1_matches_the_tree() {
    stg_matches_tree("v1");
}

#[test]
fn stg_v2_matches_the_tree() {
    stg_matches_tree("v2");
}

#[test]
fn stg_v1_against_v2() {
    let (a, b) = (
        load_stg("v1-patched-elf-all.stg"),
        load_stg("v2-patched-elf-all.stg"),
    );
    let cmp = compare_kernels(&a, &b, &NoFilter);
    let names = |v: &[&kmidiff::graph::Symbol]| -> Vec<String> {
        v.iter().map(|x| x.name.clone()).collect()
    };
    assert_eq!(names(&cmp.removed), ["kmi_a_legacy_reset"]);
    assert_eq!(names(&cmp.added), ["kmi_a_device_reset", "match_bool"]);
    let mut changed: Vec<&str> = cmp
        .changed_symbols
        .iter()
        .filter(|c| {
            c.diff.is_some()
                || c.details
                    .iter()
                    .any(|d| matches!(d, SymDetail::CrcChanged { .. }))
        })
        .map(|c| c.new.name.as_str())
        .collect();
    changed.sort();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(kernels().join("expected-v1-v2.json")).unwrap(),
    )
    .unwrap();
    let mut want: Vec<&str> = expected["crc_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    want.sort();
    assert_eq!(want.len(), 19);
    assert_eq!(changed, want);
    // Every change of a type is seen through the types too, not only the CRC.
    for c in &cmp.changed_symbols {
        if expected["type_changed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["symbol"] == c.new.name.as_str())
        {
            assert!(c.diff.is_some(), "{}", c.new.name);
        }
    }
}

#[test]
fn stg_symbols_only() {
    for v in ["v1", "v2"] {
        let s = load_stg(&format!("{v}-elf-skipdwarf-all.stg"));
        let typed = load_stg(&format!("{v}-patched-elf-all.stg"));
        assert!(s.lacks.types, "{v}");
        assert!(s.symbols.iter().all(|x| x.ty.is_none()));
        let key = |g: &Graph| -> Vec<(String, Option<u32>, String)> {
            g.symbols
                .iter()
                .map(|x| (x.name.clone(), x.crc, x.namespace.clone()))
                .collect()
        };
        assert_eq!(key(&s), key(&typed), "{v}");
        assert!(s.symbols.iter().all(|x| x.crc.is_some()));
    }
}

#[test]
fn stg_sniffing() {
    let head = kmidiff::read::file::head(&peer("v1-patched-elf-all.stg"), 4096).unwrap();
    assert!(stg::looks_like(&head));
    let head = kmidiff::read::file::head(&kernels().join("v1/Module.symvers"), 4096).unwrap();
    assert!(!stg::looks_like(&head));
}

/// The command line: a `.stg` wherever a kernel goes, recognised by its
/// content, against the tree of the same build (either side), and against
/// the other build.
#[test]
fn stg_through_the_command_line() {
    for v in ["v1", "v2"] {
        let stg = peer(&format!("{v}-patched-elf-all.stg"));
        for (a, b) in [(s(&stg), v), (v, s(&stg))] {
            let r = run("kmidiff", &[a, b]);
            assert_eq!(
                (r.code, r.stdout.as_str(), r.stderr.as_str()),
                (0, "", ""),
                "{a} {b}"
            );
        }
        let r = run("kmi", &["abi-check", s(&stg), v]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let (s1, s2) = (
        peer("v1-patched-elf-all.stg"),
        peer("v2-patched-elf-all.stg"),
    );
    let both = run("kmidiff", &[s(&s1), s(&s2)]);
    assert_eq!(both.code, 12, "{}", both.stderr);
    // Mixed: the same report either way round.
    for (a, b) in [(s(&s1), "v2"), ("v1", s(&s2))] {
        let r = run("kmidiff", &[a, b]);
        assert_eq!(r.code, 12, "{}", r.stderr);
        let summary = |t: &str| t.lines().take(5).collect::<Vec<_>>().join("\n");
        assert_eq!(summary(&r.stdout), summary(&both.stdout), "{a} {b}");
    }
    // Symbols only: compared by symbol, and said.
    let (k1, k2) = (
        peer("v1-elf-skipdwarf-all.stg"),
        peer("v2-elf-skipdwarf-all.stg"),
    );
    let r = run("kmidiff", &[s(&k1), s(&k2)]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the first kernel is a baseline without types: its 4358 exports are compared by symbol only"),
        "{}",
        r.stderr
    );
}

/// STG's symbol filter expressions, as an Android check passes them to
/// `stg -S`: globs, `:FILE` symbol lists, `!`, `&`, `|`, parentheses.
#[test]
fn stg_symbol_filter() {
    let dir = scratch("stg-filter");
    let list = dir.join("abi_symbol_list");
    std::fs::write(&list, "[abi_symbol_list]\n  match_token\n  kmi_a_send\n").unwrap();
    let s1 = peer("v1-patched-elf-all.stg");
    let filter = format!(":{} | kmi_b_* & !kmi_b_attach", list.display());
    let r = run("kmidiff", &["--symbol-filter", &filter, s(&s1), "v2"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let changed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  [C] "))
        .collect();
    assert_eq!(changed.len(), 5, "{}", r.stdout);
    for want in [
        " kmi_a_send(",
        " kmi_b_default_ops'",
        " kmi_b_parse_opts(",
        " kmi_b_register_ops(",
        " match_token(",
    ] {
        assert!(
            changed.iter().any(|l| l.contains(want)),
            "{want}: {}",
            r.stdout
        );
    }
    let r = run("kmidiff", &["--symbol-filter", "(kmi_a_*", s(&s1), "v2"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "kmidiff: --symbol-filter '(kmi_a_*': missing ')'\n")
    );
}

/// A truncated `.stg`, or one of an older version: one line each.
#[test]
fn stg_truncated_and_old() {
    let dir = scratch("stg-cut");
    let text = std::fs::read_to_string(peer("v1-patched-elf-all.stg")).unwrap();
    let cut = dir.join("cut.stg");
    std::fs::write(&cut, &text[..text.len() / 3]).unwrap();
    let r = run("kmidiff", &[s(&cut), "v1"]);
    assert_one_line_error(&r, &cut);
    let old = dir.join("old.stg");
    std::fs::write(
        &old,
        text.replacen("version: 0x00000002", "version: 0x00000001", 1),
    )
    .unwrap();
    let r = run("kmidiff", &[s(&old), "v1"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert!(r.stderr.contains("STG format version 1"), "{}", r.stderr);
}

/// A `kmi dump` of a `.stg` keeps what STG does not record (its `flags`
/// line), so the dump compares as the `.stg` does.
#[test]
fn stg_dump_round_trip() {
    let dir = scratch("stg-dump");
    let out = dir.join("v1-stg.kmi");
    let stg = peer("v1-patched-elf-all.stg");
    let r = run("kmi", &["dump", s(&stg), "-o", s(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.lines().nth(2),
        Some("flags no-flavour no-modules no-untyped-symbols no-sizes")
    );
    for other in [s(&stg), "v1"] {
        let r = run("kmidiff", &[s(&out), other]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "", ""),
            "{other}"
        );
    }
    // The symbol-level check too: no "now GPL-only" for every GPL export.
    let r = run("kmi", &["abi-check", s(&out), "v1"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

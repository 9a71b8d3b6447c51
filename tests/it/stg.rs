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
    let added: Vec<&str> = cmp.added.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(added, NOTYPE_EXPORTS, "{v}: only in the tree");

    // The .stg records no export flavour and no module (`Lacks`): those
    // details are expected until the comparison honours `lacks`; anything
    // else is a difference between STG's reading and ours.
    let mut wrong = Vec::new();
    for c in &cmp.changed_symbols {
        let other: Vec<&SymDetail> = c
            .details
            .iter()
            .filter(|d| {
                !matches!(
                    d,
                    SymDetail::ExportChanged { .. } | SymDetail::ModuleChanged { .. }
                )
            })
            .collect();
        if !other.is_empty() {
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

    // The types where type differences start. Each is one of three known
    // ways STG's reading of the same DWARF differs from ours:
    // - a qualifier only the tree has: STG drops the top-level qualifiers of
    //   parameter types (`const int x`, `char *restrict s`), which C leaves
    //   out of the function's type;
    // - `T[n]` in STG, `T[]` in the tree: for a variable declared
    //   `extern T x[];` in a header, STG types the symbol from its
    //   definition, our reader from a declaration (avenrun, hex_asc,
    //   drop_reasons, ...);
    // - `u64` in STG where the tree has `long unsigned int` or `long long
    //   unsigned int` (possibly volatile): STG finds a symbol's DWARF by
    //   address, so an alias (`jiffies = jiffies_64` in the linker script)
    //   takes the type of the variable it aliases; we go by name.
    let mut roots: Vec<String> = cmp
        .diffs
        .diffs
        .iter()
        .enumerate()
        .filter(|(i, d)| cmp.changed[*i] && !d.details.is_empty())
        .map(|(_, d)| format!("{} / {}: {:?}", s.describe(d.a), t.describe(d.b), d.details))
        .collect();
    roots.sort();
    roots.dedup();
    let explained = |r: &str| {
        let (types, details) = r.split_once(": ").unwrap();
        details.starts_with("[QualifierAdded")
            || (details.starts_with("[ArrayCountChanged") && details.contains("new: None"))
            || (types.starts_with("u64 / ")
                && matches!(
                    &types[6..],
                    "long unsigned int" | "long long unsigned int" | "volatile long unsigned int"
                ))
    };
    let unexplained: Vec<&String> = roots.iter().filter(|r| !explained(r)).collect();
    assert!(
        unexplained.is_empty(),
        "{v}: type differences not explained:\n{unexplained:#?}"
    );
    let typed_diffs = cmp
        .changed_symbols
        .iter()
        .filter(|c| c.diff.is_some())
        .count();
    eprintln!(
        "{v}: {} symbols, {typed} typed; {typed_diffs} differ in type against the tree, from {} explained root types",
        s.symbols.len(),
        roots.len()
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

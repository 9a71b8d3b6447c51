//! The readers on every layout in the fixtures: export tables of 4.14 to 6.1,
//! modversions, aarch64, split debug info.

use crate::common::*;
use kmidiff::graph::SymbolKind;
use kmidiff::read::exports::read_exports;
use kmidiff::read::kernel::{KernelInput, ReadOptions, read_kernel};

fn exports_of(path: &std::path::Path) -> Vec<(String, bool, Option<u32>, SymbolKind)> {
    let data = kmidiff::read::file::load(path).unwrap();
    let elf = object::File::parse(&*data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_exports(&elf, "m")
        .into_iter()
        .map(|s| (s.name, s.gpl, s.crc, s.kind))
        .collect()
}

#[test]
fn export_tables_of_every_kernel_layout() {
    let base = fixtures().join("libabigail-tests/test-symtab");
    for dir in [
        "kernel-4.14",
        "kernel-4.19",
        "kernel-5.4",
        "kernel-5.6",
        "kernel-modversions",
    ] {
        let all = exports_of(&base.join(dir).join("one_of_each.ko"));
        let names: Vec<(&str, bool, SymbolKind)> = all
            .iter()
            .map(|(n, g, _, k)| (n.as_str(), *g, *k))
            .collect();
        assert_eq!(
            names,
            [
                ("exported_function", false, SymbolKind::Function),
                ("exported_function_gpl", true, SymbolKind::Function),
                ("exported_variable", false, SymbolKind::Variable),
                ("exported_variable_gpl", true, SymbolKind::Variable),
            ],
            "{dir}"
        );
        let crcs = all.iter().filter(|e| e.2.is_some()).count();
        assert_eq!(
            crcs,
            if dir == "kernel-modversions" { 4 } else { 0 },
            "{dir}"
        );
        if dir == "kernel-modversions" {
            // Only one_of_each.ko is built with modversions.
            continue;
        }
        assert!(
            exports_of(&base.join(dir).join("empty.ko")).is_empty(),
            "{dir}"
        );
        for (file, name, gpl) in [
            ("single_function.ko", "exported_function", false),
            ("single_function_gpl.ko", "exported_function_gpl", true),
            ("single_variable.ko", "exported_variable", false),
            ("single_variable_gpl.ko", "exported_variable_gpl", true),
        ] {
            let e = exports_of(&base.join(dir).join(file));
            assert_eq!(e.len(), 1, "{dir}/{file}");
            assert_eq!((e[0].0.as_str(), e[0].1), (name, gpl), "{dir}/{file}");
        }
    }
    // Absolute (pre-5.19) CRC symbols.
    let mv = exports_of(&base.join("kernel-modversions/one_of_each.ko"));
    assert_eq!(mv[0].2, Some(0xe52d5bcf));
}

#[test]
fn crcs_and_gpl_of_a_6_1_kernel_match_module_symvers() {
    let symvers = std::fs::read_to_string(kernels().join("v1/Module.symvers")).unwrap();
    let (g, _) = read_kernel(
        &KernelInput {
            vmlinux: Some(kernels().join("v1/vmlinux")),
            modules_dir: Some(kernels().join("v1/modules")),
            ..Default::default()
        },
        &ReadOptions {
            symbols_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut n = 0;
    for line in symvers.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let s = g
            .symbol(f[1])
            .unwrap_or_else(|| panic!("{} not read", f[1]));
        assert_eq!(
            s.crc,
            Some(u32::from_str_radix(&f[0][2..], 16).unwrap()),
            "{}",
            f[1]
        );
        assert_eq!(s.gpl, f[3] == "EXPORT_SYMBOL_GPL", "{}", f[1]);
        n += 1;
    }
    assert_eq!(n, g.symbols.len());
    assert_eq!(n, 4363);
}

#[test]
fn aarch64_module_with_dwarf() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("libabigail-tests/test-read-dwarf/PR25007-sdhci.ko"),
        dir.path().join("sdhci.ko"),
    )
    .unwrap();
    let (g, report) = read_kernel(
        &KernelInput {
            modules_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(g.symbols.len() > 20, "{}", g.symbols.len());
    let typed = g.symbols.iter().filter(|s| s.ty.is_some()).count();
    assert_eq!(typed, g.symbols.len(), "every export has a type");
    assert!(report.dwarf.types_after_dedup > 100);
    let add_host = g.symbol("sdhci_add_host").unwrap();
    let sig = g.declare(add_host.ty.unwrap(), "sdhci_add_host");
    assert_eq!(sig, "int sdhci_add_host(struct sdhci_host *)");
    let r = run(
        "kmidiff",
        &[dir.path().to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
}

#[test]
fn split_debug_info_is_found_with_d1() {
    // Strip the debug info of v1's modules, keep it in a Debian-style debug
    // tree, and check the report is the one we get from unstripped modules.
    if std::process::Command::new("objcopy")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("objcopy not available: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stripped = dir.path().join("modules");
    let debug = dir.path().join("debug/usr/lib/debug/lib/modules/6.1.192");
    for rel in ["extra/kmi_a.ko", "extra/kmi_b.ko"] {
        let src = kernels().join("v1/modules").join(rel);
        for d in [&stripped, &debug] {
            std::fs::create_dir_all(d.join("extra")).unwrap();
        }
        std::fs::copy(&src, debug.join(rel)).unwrap();
        let st = std::process::Command::new("objcopy")
            .arg("--strip-debug")
            .arg(&src)
            .arg(stripped.join(rel))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let v2 = kernels().join("v2/modules/extra");
    let with_debug = run(
        "kmidiff",
        &[
            "--d1",
            dir.path().join("debug").to_str().unwrap(),
            stripped.to_str().unwrap(),
            v2.to_str().unwrap(),
        ],
    );
    let stripped_only = run(
        "kmidiff",
        &[stripped.to_str().unwrap(), v2.to_str().unwrap()],
    );
    let reference_dir = dir.path().join("ref");
    std::fs::create_dir_all(&reference_dir).unwrap();
    for m in ["kmi_a.ko", "kmi_b.ko"] {
        std::fs::copy(
            kernels().join("v1/modules/extra").join(m),
            reference_dir.join(m),
        )
        .unwrap();
    }
    let reference = run(
        "kmidiff",
        &[reference_dir.to_str().unwrap(), v2.to_str().unwrap()],
    );
    assert_eq!(with_debug.code, reference.code, "{}", with_debug.stderr);
    assert!(
        with_debug.stdout.contains("'struct kmi_device' at"),
        "{}",
        with_debug.stdout
    );
    assert_eq!(
        with_debug
            .stdout
            .lines()
            .filter(|l| l.contains("[C]"))
            .count(),
        reference
            .stdout
            .lines()
            .filter(|l| l.contains("[C]"))
            .count()
    );
    // Without the debug dir only symbol-level changes remain.
    assert!(!stripped_only.stdout.contains("'struct kmi_device' at"));
}

//! `kmi symbols extract|check` on the fixture kernels.

use crate::common::*;
use serde_json::Value;

fn extract(args: &[&str]) -> Run {
    let mut a = vec!["symbols", "extract"];
    a.extend(args);
    run("kmi", &a)
}

fn check(args: &[&str]) -> Run {
    let mut a = vec!["symbols", "check"];
    a.extend(args);
    run("kmi", &a)
}

/// The symbols of an Android list, in file order.
fn listed(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("[abi_symbol_list]"));
    lines
        .map(|l| {
            assert!(l.starts_with("  ") && !l[2..].contains(' '), "{l:?}");
            l[2..].to_string()
        })
        .collect()
}

#[test]
fn extract_lists_what_kmi_b_imports_from_the_kernel() {
    let r = extract(&["--kernel", "v2", "v2/modules/extra/kmi_b.ko", "-o", "-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let syms = listed(&r.stdout);
    let mut sorted = syms.clone();
    sorted.sort();
    assert_eq!(syms, sorted, "sorted");
    // From vmlinux and from kmi_a, nothing kmi_b defines itself.
    for s in [
        "match_token",
        "match_hex",
        "match_int",
        "kmi_a_open",
        "kmi_a_close",
    ] {
        assert!(syms.iter().any(|x| x == s), "{s} missing: {syms:?}");
    }
    assert!(!syms.iter().any(|s| s.starts_with("kmi_b_")), "{syms:?}");
    // The same from a baseline of the kernel, or from the modules dir.
    let (_, v2) = fixture_dumps();
    let d = extract(&["--kernel", s(v2), "v2/modules/extra/kmi_b.ko", "-o", "-"]);
    assert_eq!(d.stdout, r.stdout, "{}", d.stderr);
    let both = extract(&["--kernel", "v2", "v2/modules/extra", "-o", "-"]);
    let all = listed(&both.stdout);
    assert!(
        all.iter().any(|s| s == "crc_ccitt"),
        "kmi_c's import: {all:?}"
    );
    assert!(all.len() > syms.len());
}

#[test]
fn additions_only_keeps_an_existing_list() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("abi_symbol_list");
    std::fs::write(
        &list,
        "[abi_symbol_list]\n# hand-kept\n  zz_kept_symbol\n  match_hex\n",
    )
    .unwrap();
    let r = extract(&[
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
        "--additions-only",
        s(&list),
        "-o",
        s(&list),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let syms = listed(&std::fs::read_to_string(&list).unwrap());
    assert!(syms.iter().any(|s| s == "zz_kept_symbol"));
    assert!(syms.iter().any(|s| s == "match_token"));
    assert_eq!(syms.iter().filter(|s| *s == "match_hex").count(), 1);
    assert!(r.stderr.contains("(2 kept, "), "{}", r.stderr);
}

#[test]
fn check_names_the_module_and_the_missing_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let full = extract(&["--kernel", "v2", "v2/modules/extra/kmi_b.ko", "-o", "-"]).stdout;
    // Clean: exit 0, nothing printed.
    let ok = dir.path().join("ok");
    std::fs::write(&ok, &full).unwrap();
    let r = check(&[
        "--list",
        s(&ok),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    // Without match_hex: one violation.
    let lacking = dir.path().join("lacking");
    std::fs::write(&lacking, full.replace("  match_hex\n", "")).unwrap();
    let r = check(&[
        "--list",
        s(&lacking),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "kmi_b: match_hex: imported but not in the symbol lists\n"
    );
    let r = check(&[
        "--format",
        "json",
        "--list",
        s(&lacking),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!(r.code, 4);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["schema"], "kmi-symbols-check/1");
    assert_eq!(doc["exit_code"], 4);
    assert_eq!(
        doc["violations"],
        serde_json::json!([{
            "kind": "not_listed",
            "module": "kmi_b",
            "path": "v2/modules/extra/kmi_b.ko",
            "symbol": "match_hex",
        }])
    );
}

#[test]
fn lists_in_every_dialect_are_unioned() {
    let dir = tempfile::tempdir().unwrap();
    let full = extract(&["--kernel", "v2", "v2/modules/extra/kmi_b.ko", "-o", "-"]).stdout;
    let syms = listed(&full);
    let (a, b) = syms.split_at(syms.len() / 2);
    // Half as a libabigail whitelist, half as a plain list with comments.
    let ini = dir.path().join("abi_whitelist");
    std::fs::write(&ini, format!("[vendor_whitelist]\n{}\n", a.join("\n"))).unwrap();
    let plain = dir.path().join("plain.txt");
    std::fs::write(
        &plain,
        b.iter()
            .map(|s| format!("{s}   # needed by kmi_b\r\n"))
            .collect::<String>(),
    )
    .unwrap();
    let r = check(&[
        "--list",
        s(&ini),
        "--list",
        s(&plain),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
}

#[test]
fn strict_flags_listed_symbols_the_kernel_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let full = extract(&["--kernel", "v2", "v2/modules/extra/kmi_b.ko", "-o", "-"]).stdout;
    let list = dir.path().join("list");
    std::fs::write(&list, format!("{full}  not_a_kernel_symbol\n")).unwrap();
    let args = [
        "--list",
        s(&list),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ];
    assert_eq!(check(&args).code, 0);
    let mut strict = vec!["--strict"];
    strict.extend(args);
    let r = check(&strict);
    assert_eq!(r.code, 4);
    assert_eq!(
        r.stdout,
        format!(
            "{}: not_a_kernel_symbol: listed but the kernel does not export it\n",
            s(&list)
        )
    );
}

#[test]
fn errors() {
    let r = check(&["--kernel", "v2", "v2/modules/extra/kmi_b.ko"]);
    assert_eq!(r.code, 2, "--list is required");
    let r = extract(&["--kernel", "v2", "-o", "-"]);
    assert_eq!(r.code, 2, "modules are required");
    let r = extract(&["--kernel", "v2", "no/such.ko", "-o", "-"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no/such.ko"), "{}", r.stderr);
    let r = extract(&["--kernel", "v2", "README.md", "-o", "-"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("README.md: not a valid ELF file"),
        "{}",
        r.stderr
    );
    let r = check(&[
        "--list",
        "nope",
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    std::fs::write(&bad, "[abi_symbol_list]\n  ok\n  not ok\n").unwrap();
    let r = check(&[
        "--list",
        s(&bad),
        "--kernel",
        "v2",
        "v2/modules/extra/kmi_b.ko",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("bad:3: not a symbol name"),
        "{}",
        r.stderr
    );
}

//! `kmi modcheck` on the fixture kernels: modules built for v1 checked
//! against v2 (as a tree and as a Module.symvers), libabigail's
//! modversions module, --explain and bad input.

use crate::common::*;
use serde_json::Value;

const KMI_A_CHANGED: [&str; 5] = [
    "kmi_a_close",
    "kmi_a_configure",
    "kmi_a_device_set_state",
    "kmi_a_get_count",
    "kmi_a_open",
];

fn modcheck_json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["modcheck", "--format", "json"];
    a.extend_from_slice(args);
    let r = run("kmi", &a);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", r.stdout, r.stderr));
    (r.code, v)
}

#[test]
fn kmi_b_built_for_v1_does_not_load_into_v2() {
    let r = run(
        "kmi",
        &["modcheck", "v1/modules/extra/kmi_b.ko", "--kernel", "v2"],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    let out = &r.stdout;
    assert!(
        out.lines()
            .any(|l| l == "kmi_b: fails (v1/modules/extra/kmi_b.ko)"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l
                == "  CRC mismatch: match_token (vmlinux): expected 0x44e9a829, found 0x203adccc"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l
                == "  CRC mismatch: kmi_a_open (kmi_a): expected 0xb0e54933, found 0x925f4cb4")
    );
    for s in KMI_A_CHANGED {
        assert!(
            out.contains(&format!("  CRC mismatch: {s} (kmi_a): ")),
            "{s}\n{out}"
        );
    }
    let reasons = out.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(reasons, 6, "{out}");
    // Unchanged imports, and match_hex (now GPL-only, but kmi_b is GPL).
    for s in ["kmi_a_checksum", "match_hex", "match_int", "strsep"] {
        assert!(!out.contains(&format!(" {s} ")), "{s}\n{out}");
    }
    assert!(out.starts_with(
        "Kernel v2: 4364 exports, 7 modules, vermagic '6.1.192 mod_unload modversions ' (from vmlinux)\n"
    ));
    assert!(
        out.ends_with("1 module checked: 0 load, 1 fails\n"),
        "{out}"
    );
}

#[test]
fn modules_built_for_the_kernel_or_with_unchanged_symbols_load() {
    for (module, kernel) in [
        ("v2/modules/extra/kmi_b.ko", "v2"),
        ("v1/modules/extra/kmi_d.ko", "v2"),
        ("v1/modules/extra/kmi_c.ko", "v2"),
        ("v1/modules/extra/kmi_b.ko", "v1"),
        ("v2/modules/extra/kmi_b.ko", "v2/Module.symvers"),
        ("v1/modules/extra/kmi_d.ko", "v2/Module.symvers"),
    ] {
        let r = run("kmi", &["modcheck", module, "--kernel", kernel]);
        assert_eq!(r.code, 0, "{module} {kernel}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(": loads ("), "{}", r.stdout);
        assert!(r.stdout.ends_with("1 module checked: 1 loads, 0 fail\n"));
    }
}

#[test]
fn symvers_kernel_gives_the_same_verdicts() {
    let (tc, tree) = modcheck_json(&["v1/modules", "--kernel", "v2"]);
    let (sc, symvers) = modcheck_json(&["v1/modules", "--kernel", "v2/Module.symvers"]);
    assert_eq!(tc, 4);
    assert_eq!(sc, 4);
    assert_eq!(tree["kernel"]["kind"], "tree");
    assert_eq!(symvers["kernel"]["kind"], "symvers");
    assert_eq!(symvers["kernel"]["vermagic"], Value::Null);
    let verdicts = |d: &Value| -> Vec<(String, String, Value)> {
        d["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_string(),
                    m["verdict"].as_str().unwrap().to_string(),
                    m["problems"].clone(),
                )
            })
            .collect()
    };
    let t = verdicts(&tree);
    assert_eq!(t, verdicts(&symvers));
    assert_eq!(t.len(), 7);
    let failing: Vec<&str> = t
        .iter()
        .filter(|x| x.1 == "fails")
        .map(|x| x.0.as_str())
        .collect();
    assert_eq!(failing, ["kmi_b"]);
    assert_eq!(tree["summary"]["fail"], 1);
    assert_eq!(tree["summary"]["load"], 6);
    assert_eq!(tree["exit_status"], 4);
    let kmi_b = tree["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "kmi_b")
        .unwrap();
    assert_eq!(kmi_b["providers"], serde_json::json!(["kmi_a", "vmlinux"]));
    assert_eq!(kmi_b["symbol_versions"], "classic");
    assert_eq!(kmi_b["license"], "GPL");
    let mt = kmi_b["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["symbol"] == "match_token")
        .unwrap();
    assert_eq!(mt["kind"], "crc_mismatch");
    assert_eq!(mt["expected"], "0x44e9a829");
    assert_eq!(mt["found"], "0x203adccc");
    assert_eq!(mt["provider"], "vmlinux");
}

#[test]
fn failures_only_and_vermagic_option() {
    let r = run(
        "kmi",
        &[
            "modcheck",
            "--failures-only",
            "v1/modules",
            "--kernel",
            "v2",
        ],
    );
    assert_eq!(r.code, 4);
    let verdicts: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(": loads (") || l.contains(": fails ("))
        .collect();
    assert_eq!(verdicts, ["kmi_b: fails (v1/modules/extra/kmi_b.ko)"]);
    assert!(r.stdout.ends_with("7 modules checked: 6 load, 1 fails\n"));

    let r = run(
        "kmi",
        &[
            "modcheck",
            "v2/modules/extra/kmi_d.ko",
            "--kernel",
            "v2/Module.symvers",
            "--vermagic",
            "6.1.192 SMP mod_unload modversions ",
        ],
    );
    assert_eq!(r.code, 4);
    assert!(r.stdout.contains("  vermagic mismatch: module '6.1.192 mod_unload modversions ', kernel '6.1.192 SMP mod_unload modversions '"), "{}", r.stdout);
}

#[test]
fn libabigail_modversions_module_is_readable() {
    let m = "../libabigail-tests/test-symtab/kernel-modversions/one_of_each.ko";
    let (code, doc) = modcheck_json(&[m, "--kernel", "v2"]);
    assert_eq!(code, 4);
    let r = &doc["modules"][0];
    assert_eq!(r["name"], "one_of_each");
    assert_eq!(r["symbol_versions"], "classic");
    assert_eq!(r["license"], Value::Null);
    assert_eq!(r["vermagic"], "5.4.41 modversions ");
    let kinds: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["vermagic_mismatch", "crc_mismatch"]);
    // Its __versions holds module_layout, as built for 5.4.41.
    assert_eq!(r["problems"][1]["symbol"], "module_layout");
    assert_eq!(r["problems"][1]["expected"], "0x26a5396e");
    assert_eq!(r["problems"][1]["found"], "0xc035aee9");
    // Every libabigail test module reads without error.
    for v in ["4.14", "4.19", "5.4", "5.6"] {
        let dir = format!("../libabigail-tests/test-symtab/kernel-{v}");
        let r = run("kmi", &["modcheck", &dir, "--kernel", "v2"]);
        assert!(r.code == 0 || r.code == 4, "{dir}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{dir}: {}", r.stderr);
    }
}

#[test]
fn explain_shows_the_type_behind_each_mismatch() {
    let r = run(
        "kmi",
        &[
            "modcheck",
            "--explain",
            "v1/modules/extra/kmi_b.ko",
            "--kernel",
            "v2",
        ],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = |sym: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(&format!("  CRC mismatch: {sym} ")))
            .unwrap()
    };
    assert_eq!(
        lines[at("match_token") + 1],
        "    changed types: struct match_token"
    );
    assert!(
        lines[at("kmi_a_get_count") + 1]
            .contains("own type: return type: type changed from 'int' to 'long int'")
    );
    assert_eq!(
        lines[at("kmi_a_configure") + 1],
        "    changed types: struct kmi_config"
    );
    for s in KMI_A_CHANGED {
        assert!(lines[at(s) + 1].starts_with("    "), "{s}");
    }
    let table = lines
        .iter()
        .position(|l| *l == "Changed types behind the CRC changes (5):")
        .unwrap();
    assert_eq!(
        &lines[table + 1..table + 4],
        [
            "  enum kmi_state:",
            "    enumerator 'KMI_STATE_ERROR' = 3 added",
            "  struct kmi_config:"
        ]
    );

    let (code, doc) = modcheck_json(&["--explain", "v1/modules/extra/kmi_b.ko", "--kernel", "v2"]);
    assert_eq!(code, 4);
    let p = doc["modules"][0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["symbol"] == "kmi_a_close")
        .unwrap()
        .clone();
    assert_eq!(p["explanation"]["status"], "explained");
    assert_eq!(
        p["explanation"]["types"],
        serde_json::json!(["typedef kmi_handle_t"])
    );
    assert_eq!(doc["changed_types"].as_array().unwrap().len(), 5);

    let r = run(
        "kmi",
        &[
            "modcheck",
            "--explain",
            "v1/modules/extra/kmi_b.ko",
            "--kernel",
            "v2/Module.symvers",
        ],
    );
    assert_eq!(r.code, 2);
}

#[test]
fn separate_vmlinux_and_modules_dir() {
    let r = run(
        "kmi",
        &[
            "modcheck",
            "v1/modules/extra/kmi_b.ko",
            "--kernel",
            "v2/modules",
            "--vmlinux",
            "v2/vmlinux",
        ],
    );
    assert_eq!(r.code, 4);
    assert!(r.stdout.contains("CRC mismatch: match_token (vmlinux)"));
}

#[test]
fn bad_input_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("text.ko");
    std::fs::write(&text, b"this is not an ELF file\n").unwrap();
    let bytes = std::fs::read(kernels().join("v1/modules/extra/kmi_b.ko")).unwrap();
    let truncated = dir.path().join("truncated.ko");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let header = dir.path().join("header.ko");
    std::fs::write(&header, &bytes[..64]).unwrap();
    for f in [&text, &truncated, &header] {
        let f = f.to_str().unwrap();
        let r = run("kmi", &["modcheck", f, "--kernel", "v2"]);
        assert_eq!(r.code, 1, "{f}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.starts_with(&format!("kmi: {f}: ")), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
    }

    // An ELF file that is not a module.
    let r = run("kmi", &["modcheck", "v1/vmlinux", "--kernel", "v2"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "kmi: v1/vmlinux: not a kernel module (no .modinfo section)\n"
    );

    let r = run(
        "kmi",
        &[
            "modcheck",
            "v1/modules/extra/kmi_b.ko",
            "--kernel",
            "no/such/kernel",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "kmi: no/such/kernel: no such file or directory\n");

    let r = run("kmi", &["modcheck", "nope.ko", "--kernel", "v2"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "kmi: nope.ko: no such file or directory\n");

    let r = run("kmi", &["modcheck", "v1/modules/extra/kmi_b.ko"]);
    assert_eq!(r.code, 2);

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = run(
        "kmi",
        &["modcheck", empty.to_str().unwrap(), "--kernel", "v2"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "kmi: {}: no modules (*.ko) below this directory\n",
            empty.display()
        )
    );

    let bad_symvers = dir.path().join("Module.symvers");
    std::fs::write(
        &bad_symvers,
        "0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\t\nnot a symvers line\n",
    )
    .unwrap();
    let s = bad_symvers.to_str().unwrap();
    let r = run(
        "kmi",
        &["modcheck", "v1/modules/extra/kmi_b.ko", "--kernel", s],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("kmi: {s}:2: ")),
        "{}",
        r.stderr
    );
}

#[test]
fn vermagic_derived_from_banner_and_config_matches_vmlinux() {
    use kmidiff::read::modinfo;
    for v in ["v1", "v2"] {
        let data = std::fs::read(kernels().join(format!("{v}/vmlinux"))).unwrap();
        let elf = object::File::parse(&*data).unwrap();
        let exact = modinfo::vmlinux_vermagic(&elf).unwrap();
        assert_eq!(exact, "6.1.192 mod_unload modversions ");
        let release = modinfo::kernel_release(&data).unwrap();
        assert_eq!(release, "6.1.192");
        let config = std::fs::read_to_string(kernels().join(format!("{v}/config"))).unwrap();
        assert_eq!(
            modinfo::vermagic_from_config(&release, &config).as_deref(),
            Some(exact.as_str())
        );
    }
}

#[test]
fn corrupted_modules_never_panic() {
    use kmidiff::modcheck::read_module;
    let dir = tempfile::tempdir().unwrap();
    let orig = std::fs::read(kernels().join("v1/modules/extra/kmi_b.ko")).unwrap();
    // Mostly the headers and the small sections the checks read, where a
    // flipped byte changes offsets and sizes rather than code.
    let hot = orig.len().min(0x600);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let path = dir.path().join("m.ko");
    for i in 0..400 {
        let mut bytes = orig.clone();
        for _ in 0..1 + i % 4 {
            let r = next();
            let at = if r % 3 == 0 {
                (r >> 8) as usize % bytes.len()
            } else {
                (r >> 8) as usize % hot
            };
            bytes[at] ^= (r >> 40) as u8 | 1;
        }
        // The section header table sits at the end of the file.
        if i % 5 == 0 {
            let r = next();
            let tail = bytes.len() - 1 - (r as usize % 0x800);
            bytes[tail] ^= 0xff;
        }
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_module(&path);
    }
}

/// Debian 12's 6.1.0-55 and -56 cloud kernels, unpacked from their -dbg
/// packages (`dpkg -x`) under /work/cache/deb (not in CI:
/// `cargo test --release --features distro-tests`).
#[cfg(feature = "distro-tests")]
mod distro {
    use super::*;
    use std::time::{Duration, Instant};

    const DEB: &str = "/work/cache/deb";

    fn tree(abi: &str) -> (String, String) {
        let rel = format!("6.1.0-{abi}-cloud-amd64");
        (
            format!("{DEB}/k{abi}/usr/lib/debug/boot/vmlinux-{rel}"),
            format!("{DEB}/k{abi}/usr/lib/debug/lib/modules/{rel}"),
        )
    }

    #[test]
    fn every_55_module_against_the_56_kernel() {
        let (_, m55) = tree("55");
        let (v56, m56) = tree("56");
        let t = Instant::now();
        let (code, doc) = modcheck_json(&[&m55, "--kernel", &m56, "--vmlinux", &v56]);
        let took = t.elapsed();
        assert_eq!(code, 0);
        assert_eq!(doc["summary"]["modules"], 1121);
        assert_eq!(doc["summary"]["fail"], 0);
        assert_eq!(doc["kernel"]["vermagic_source"], "vmlinux");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }

    #[test]
    fn abi_check_55_56_finds_no_symbol_change() {
        let (v55, m55) = tree("55");
        let (v56, m56) = tree("56");
        let r = run(
            "kmi",
            &[
                "abi-check",
                "--vmlinux1",
                &v55,
                "--vmlinux2",
                &v56,
                &m55,
                &m56,
            ],
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert_eq!(r.stdout, "");
    }
}

//! Every export that has a DWARF DIE gets its type, however GCC described
//! it; a symbol no DIE describes says so in words.

use crate::common::*;
use std::process::Command;

const FOLDED: &str = "struct s { int a; long b; };
int f1(struct s *p, int x) { return p->a + x * 3 + (int)p->b; }
int f2(struct s *p, int x) { return p->a + x * 3 + (int)p->b; }
";

/// GCC folds identical bodies (-fipa-icf, on at -O2): `f2` keeps a full
/// subprogram DIE, with its type and parameters, but no pc range.
#[test]
fn a_folded_function_without_pc_range_is_typed() {
    let dir = scratch("typed-folded");
    gcc_module(
        &dir.join("m"),
        "m",
        FOLDED,
        &["f1", "f2"],
        &["-O2", "-fipa-icf"],
    );
    let out = dir.join("m.kmi");
    let r = run(
        "kmi",
        &[
            "dump",
            dir.join("m").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dump = std::fs::read_to_string(&out).unwrap();
    let f2 = dump.lines().find(|l| l.starts_with("sym f2 ")).unwrap();
    assert!(f2.ends_with("# int f2(struct s *, int)"), "{f2}");
}

/// A changed export no DIE describes (assembler) is reported in words, not
/// as a bare name.
#[test]
fn an_export_without_a_die_says_so() {
    let dir = scratch("typed-asm");
    for (side, body) in [("a", "ret"), ("b", "nop\nret")] {
        let d = dir.join(side);
        std::fs::create_dir_all(&d).unwrap();
        let s = d.join("m.s");
        std::fs::write(
            &s,
            format!(
                ".text\n.globl asm_fn\nasm_fn:\n{body}\n.section __ksymtab,\"a\"\n__ksymtab_asm_fn:\n.long 0, 0, 0\n"
            ),
        )
        .unwrap();
        let out = Command::new("gcc")
            .args(["-g", "-c"])
            .arg(&s)
            .arg("-o")
            .arg(d.join("m.ko"))
            .output()
            .expect("gcc is needed by this test");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(s).unwrap();
    }
    // Removed from one side: the [D] line says it has no type information.
    std::fs::remove_file(dir.join("b/m.ko")).unwrap();
    gcc_module(
        &dir.join("b"),
        "n",
        "int other(void) { return 1; }",
        &["other"],
        &[],
    );
    let r = run(
        "kmidiff",
        &[
            dir.join("a").to_str().unwrap(),
            dir.join("b").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "[D] 'symbol asm_fn' [m], no type information (no debug info or BTF describes this symbol)"
        ),
        "{}",
        r.stdout
    );
}

/// A `-dbg` tree against a plain one: the binary with debug info on one
/// side only is compared by symbol alone, and that is said by default.
#[test]
fn debug_info_on_one_side_only_is_a_warning() {
    let dir = scratch("typed-mixed");
    let v2 = dir.join("v2");
    let _ = std::fs::remove_dir_all(&v2);
    let cp = Command::new("cp")
        .arg("-r")
        .arg(kernels().join("v2"))
        .arg(&v2)
        .status()
        .unwrap();
    assert!(cp.success());
    let ko = v2.join("modules/extra/kmi_a.ko");
    // Neither DWARF nor BTF left.
    let strip = Command::new("objcopy")
        .arg("--strip-debug")
        .arg("--remove-section=.BTF")
        .arg(&ko)
        .status()
        .expect("objcopy (binutils) is needed by this test");
    assert!(strip.success());
    let v1 = kernels().join("v1");
    let r = run("kmidiff", &[v1.to_str().unwrap(), v2.to_str().unwrap()]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "kmidiff: warning: 1 binaries have types (debug info or BTF) on one side only (e.g. kmi_a): their exports are compared by symbol only, type changes in them are not seen\n"
    );
    // Both plain: no warning (nothing is compared with types to miss).
    let r = run("kmidiff", &[v1.to_str().unwrap(), v1.to_str().unwrap()]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

/// Debian's 6.12.111 -> 6.12.113 cloud kernels (the `-dbg` packages,
/// unpacked as `/work/cache/deb/k612` and `k613`): every export GCC
/// described is typed, and the kernel's CRCs find only the change DWARF
/// cannot show.
#[cfg(feature = "distro-tests")]
mod distro {
    use super::*;

    fn side(k: &str) -> (String, String) {
        let root = format!("/work/cache/deb/{k}/usr/lib/debug");
        let one = |d: &str| {
            std::fs::read_dir(format!("{root}/{d}"))
                .unwrap()
                .map(|e| e.unwrap().path().display().to_string())
                .find(|p| !p.contains("System.map"))
                .unwrap()
        };
        (one("boot"), one("lib/modules"))
    }

    #[test]
    fn stable_update_6_12_every_export_typed_every_crc_explained_or_flagged() {
        let (v1, m1) = side("k612");
        let (v2, m2) = side("k613");
        let r = run(
            "kmidiff",
            &[
                "--format",
                "json",
                "--vmlinux1",
                &v1,
                "--vmlinux2",
                &v2,
                &m1,
                &m2,
            ],
        );
        assert_eq!(r.code, 12, "{}", r.stderr);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let changed = doc["changed"].as_array().unwrap();
        let named = |n: &str| changed.iter().find(|c| c["symbol"]["name"] == n).unwrap();
        // Folded by GCC (full subprogram, no pc range): typed now.
        for n in ["fs_param_is_path", "param_set_ullong", "kvm_emulate_invd"] {
            assert!(named(n)["symbol"]["declaration"].is_string(), "{n}");
        }
        // A typedef'd __transparent_union__: GCC writes it without members.
        let flagged: Vec<&str> = changed
            .iter()
            .filter(|c| {
                c["symbol_changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["kind"] == "crc_unexplained")
            })
            .map(|c| c["symbol"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(flagged, ["release_pages"]);
        assert_eq!(doc["summary"]["crc_unexplained"], 1);
    }
}

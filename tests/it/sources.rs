//! One notion of "a kernel": every command takes the same forms of path and
//! applies one policy to a missing vmlinux.

use crate::common::*;

/// The lines of stderr, each checked to be one of ours (no panic, no noise).
fn stderr_lines(r: &Run) -> Vec<&str> {
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr.lines().collect()
}

/// One warning line and nothing else on stderr.
fn one_warning(r: &Run, prog: &str, words: &str) {
    let lines = stderr_lines(r);
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!("{prog}: warning: ")) && lines[0].contains(words),
        "{}",
        r.stderr
    );
}

/// Exit 1 and one error line naming `path` and `side`.
fn names_the_side(r: &Run, prog: &str, path: &str, side: &str) {
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = stderr_lines(r);
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!("{prog}: {path}: no vmlinux for {side} ")),
        "{}",
        r.stderr
    );
    assert!(lines[0].contains("would look removed"), "{}", r.stderr);
}

#[test]
fn modules_only_on_both_sides_compare_with_one_warning() {
    let r = run("kmidiff", &["v1/modules", "v2/modules"]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    one_warning(&r, "kmidiff", "comparing their modules only");
    assert!(r.stdout.contains("kmi_a_open"), "{}", r.stdout);
    // vmlinux is on neither side, so none of its exports is reported.
    assert!(!r.stdout.contains("match_token"), "{}", r.stdout);

    let r = run("kmi", &["abi-check", "v1/modules", "v2/modules"]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    one_warning(&r, "kmi", "comparing their modules only");
    assert!(!r.stdout.contains("[vmlinux]"), "{}", r.stdout);

    // kmi dump reads one kernel: its modules alone, with the warning. Two
    // such dumps are then a pair of modules-only kernels like any other.
    let dir = scratch("sources-modules-only");
    let (d1, d2) = (dir.join("v1m.kmi"), dir.join("v2m.kmi"));
    for (tree, out) in [("v1/modules", &d1), ("v2/modules", &d2)] {
        let r = run("kmi", &["dump", tree, "-o", s(out)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        one_warning(&r, "kmi", "reading the modules only");
    }
    let from_dumps = run("kmidiff", &[s(&d1), s(&d2)]);
    assert_eq!(from_dumps.code, 12, "{}", from_dumps.stderr);
    one_warning(&from_dumps, "kmidiff", "comparing their modules only");
    let from_dirs = run("kmidiff", &["v1/modules", "v2/modules"]);
    assert_eq!(from_dumps.stdout, from_dirs.stdout);
    let r = run("kmi", &["abi-check", s(&d1), s(&d2)]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    one_warning(&r, "kmi", "comparing their modules only");
}

#[test]
fn one_side_without_vmlinux_is_an_error_naming_it() {
    let r = run("kmidiff", &["v1", "v2/modules"]);
    names_the_side(&r, "kmidiff", "v2/modules", "the second kernel");
    assert!(r.stderr.contains("give --vmlinux2 PATH"), "{}", r.stderr);
    let r = run("kmidiff", &["v1/modules", "v2"]);
    names_the_side(&r, "kmidiff", "v1/modules", "the first kernel");

    let r = run("kmi", &["abi-check", "v1", "v2/modules"]);
    names_the_side(&r, "kmi", "v2/modules", "NEW");
    let r = run("kmi", &["abi-check", "v1/modules", "v2/Module.symvers"]);
    names_the_side(&r, "kmi", "v1/modules", "OLD");

    // A dump of modules alone carries the gap along: it meets the same rule
    // when compared, whatever stands on the other side.
    let dir = scratch("sources-one-side");
    let m = dir.join("v2m.kmi");
    let r = run("kmi", &["dump", "v2/modules", "-o", s(&m)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run("kmidiff", &["v1", s(&m)]);
    names_the_side(&r, "kmidiff", s(&m), "the second kernel");
    assert!(r.stderr.contains("this kmi dump holds no vmlinux export"));
    let (v1, _) = fixture_dumps();
    let r = run("kmi", &["abi-check", s(v1), s(&m)]);
    names_the_side(&r, "kmi", s(&m), "NEW");
}

#[test]
fn a_dump_stands_in_for_a_kernel_in_abi_check_and_modcheck() {
    let (v1, v2) = fixture_dumps();
    let trees = run("kmi", &["abi-check", "v1", "v2"]);
    assert_eq!(trees.code, 12);
    assert!(
        trees.stdout.contains("\nSummary: 24 changes: 22 breaking"),
        "{}",
        trees.stdout
    );
    for (old, new) in [(s(v1), "v2"), ("v1", s(v2)), (s(v1), s(v2))] {
        let r = run("kmi", &["abi-check", old, new]);
        assert_eq!((r.code, r.stderr.as_str()), (12, ""), "{old} {new}");
        assert_eq!(r.stdout, trees.stdout, "{old} {new}");
    }
    let r = run("kmi", &["abi-check", "--format", "json", s(v1), "v2"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["old"]["kind"], "dump");
    assert_eq!(doc["new"]["kind"], "tree");
    // A dump has the types to explain CRC changes with.
    let trees = run("kmi", &["abi-check", "--explain", "v1", "v2"]);
    let dumps = run("kmi", &["abi-check", "--explain", s(v1), s(v2)]);
    assert_eq!(dumps.stdout, trees.stdout);

    // modcheck: a dump has every export with its CRC, flavour, namespace and
    // module, but no vermagic, which the header says is not checked.
    let tree = run("kmi", &["modcheck", "v1/modules", "--kernel", "v2"]);
    let dump = run("kmi", &["modcheck", "v1/modules", "--kernel", s(v2)]);
    assert_eq!((dump.code, dump.stderr.as_str()), (4, ""));
    let (head, body) = dump.stdout.split_once('\n').unwrap();
    assert!(
        head.ends_with("vermagic unknown, not checked (give it with --vermagic)"),
        "{head}"
    );
    assert_eq!(body, tree.stdout.split_once('\n').unwrap().1);
    let magic = "6.1.192 mod_unload modversions ";
    let r = run(
        "kmi",
        &[
            "modcheck",
            "v1/modules",
            "--kernel",
            s(v2),
            "--vermagic",
            magic,
        ],
    );
    assert!(r.stdout.contains("(from --vermagic)"), "{}", r.stdout);
    assert_eq!(r.stdout.split_once('\n').unwrap().1, body);
    let tree = run(
        "kmi",
        &["modcheck", "--explain", "v1/modules", "--kernel", "v2"],
    );
    let dump = run(
        "kmi",
        &["modcheck", "--explain", "v1/modules", "--kernel", s(v2)],
    );
    assert_eq!(
        dump.stdout.split_once('\n').unwrap().1,
        tree.stdout.split_once('\n').unwrap().1
    );
}

#[test]
fn a_lone_elf_file_is_a_vmlinux() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-modules");
    std::fs::create_dir_all(&empty).unwrap();
    let e = s(&empty);
    let lone = run("kmidiff", &["v1/vmlinux", "v2/vmlinux"]);
    assert_eq!((lone.code, lone.stderr.as_str()), (4, ""));
    // Empty modules directories beside the vmlinux files are libabigail's
    // way to compare the vmlinux alone: the same report, with a warning in
    // case a path was mistyped.
    let split = run(
        "kmidiff",
        &["--vmlinux1", "v1/vmlinux", "--vmlinux2", "v2/vmlinux", e, e],
    );
    assert_eq!(split.code, 4, "{}", split.stderr);
    assert_eq!(split.stdout, lone.stdout);
    assert!(
        split
            .stderr
            .contains("both modules directories are empty: comparing the vmlinux files alone"),
        "{}",
        split.stderr
    );
    // Without a vmlinux, an empty directory is an error.
    let r = run("kmidiff", &[e, e]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no modules (*.ko) below this directory"),
        "{}",
        r.stderr
    );
    assert!(lone.stdout.contains("match_token"), "{}", lone.stdout);
    assert!(!lone.stdout.contains("kmi_a"), "{}", lone.stdout);

    let r = run("kmi", &["abi-check", "v1/vmlinux", "v2/vmlinux"]);
    assert_eq!((r.code, r.stderr.as_str()), (12, ""));
    assert!(r.stdout.contains("match_token [vmlinux]"), "{}", r.stdout);
    assert!(!r.stdout.contains("kmi_a"), "{}", r.stdout);

    let out = dir.path().join("vmlinux.kmi");
    let r = run("kmi", &["dump", "v1/vmlinux", "-o", s(&out)]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("\nsym match_token function "),
        "a vmlinux dump"
    );
    assert!(!text.contains(" kmi_a "), "no module in it");

    // A module is an ELF file too, but never a kernel.
    let r = run("kmidiff", &["v1/modules/extra/kmi_a.ko", "v2"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "kmidiff: v1/modules/extra/kmi_a.ko: is a kernel module, not a kernel: give the directory of the modules\n"
    );
}

#[test]
fn symvers_is_a_kernel_where_only_symbols_are_needed() {
    for args in [
        &["v1/Module.symvers", "v2"][..],
        &["v1", "v2/Module.symvers"],
        &[
            "--vmlinux1",
            "v1/vmlinux",
            "v1/modules",
            "v2/Module.symvers",
        ],
    ] {
        let r = run("kmidiff", args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        let lines = stderr_lines(&r);
        assert_eq!(lines.len(), 1, "{}", r.stderr);
        assert!(
            lines[0].contains("Module.symvers is a Module.symvers: it holds no types"),
            "{}",
            r.stderr
        );
    }
    let r = run(
        "kmi",
        &["dump", "v1/Module.symvers", "-o", "/nonexistent/x"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("kmi: v1/Module.symvers is a Module.symvers")
    );

    let r = run("kmi", &["abi-check", "v1/Module.symvers", "v2"]);
    assert_eq!((r.code, r.stderr.as_str()), (12, ""));
    let r = run(
        "kmi",
        &["modcheck", "v1/modules", "--kernel", "v2/Module.symvers"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (4, ""));
    let from_tree = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            "v2",
            "v1/modules/extra",
            "-o",
            "-",
        ],
    );
    let from_symvers = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            "v2/Module.symvers",
            "v1/modules/extra",
            "-o",
            "-",
        ],
    );
    assert_eq!(from_symvers.code, 0, "{}", from_symvers.stderr);
    assert_eq!(from_symvers.stdout, from_tree.stdout);
}

#[test]
fn single_kernel_commands_read_modules_alone_with_one_warning() {
    let modcheck = ["modcheck", "v1/modules/extra", "--kernel", "v2/modules"];
    let extract = [
        "symbols",
        "extract",
        "--kernel",
        "v2/modules",
        "v1/modules/extra/kmi_a.ko",
        "-o",
        "-",
    ];
    for (args, code) in [(&modcheck[..], 4), (&extract[..], 0)] {
        let r = run("kmi", args);
        assert_eq!(r.code, code, "{}", r.stderr);
        let lines = stderr_lines(&r);
        assert_eq!(
            lines[0],
            "kmi: warning: v2/modules: no vmlinux (none in this directory: give --vmlinux PATH): reading the modules only"
        );
        // extract goes on to warn of each import the modules alone do not export.
        assert!(
            lines[1..].iter().all(|l| l.contains(": imports ")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_path_that_is_no_kernel_is_named() {
    let text = scratch("sources-no-kernel").join("notes.txt");
    std::fs::write(&text, "not a kernel\n").unwrap();
    let t = s(&text);
    for cmd in [
        "kmidiff {} v2",
        "kmi abi-check v1 {}",
        "kmi dump {} -o -",
        "kmi modcheck v1/modules --kernel {}",
        "kmi symbols extract --kernel {} v1/modules -o -",
    ] {
        let line = cmd.replace("{}", t);
        let words: Vec<&str> = line.split(' ').collect();
        let r = run(words[0], &words[1..]);
        assert_eq!(r.code, 1, "{line}");
        assert_eq!(
            r.stderr,
            format!(
                "{}: {t}: not a kernel: neither a directory, an ELF file, a kernel boot image, a kmi dump, an STG or abixml baseline nor a Module.symvers\n",
                words[0]
            )
        );
    }
}

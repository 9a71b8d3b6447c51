//! Bad input: a clear one-line error naming the file, exit 1 (2 for usage).

use crate::common::*;

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run("kmidiff", &[]).code, 2);
    assert_eq!(run("kmidiff", &["--no-such-option", "a", "b"]).code, 2);
    assert_eq!(run("kmidiff", &["--help"]).code, 0);
    let v = run("kmidiff", &["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.contains("kmidiff"));
    assert_eq!(run("kmidiff", &["-v"]).code, 0);
}

#[test]
fn missing_paths_are_named() {
    let r = run("kmidiff", &["no/such/dir", "v1/modules"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no/such/dir: no such file or directory"),
        "{}",
        r.stderr
    );
    let r = run(
        "kmidiff",
        &["--vmlinux1", "nope", "v1/modules", "v2/modules"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
}

#[test]
fn truncated_and_non_elf_modules() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    std::fs::create_dir_all(&good).unwrap();
    let bytes = std::fs::read(kernels().join("v1/modules/extra/kmi_a.ko")).unwrap();
    // An empty modules directory is an error of its own (hostile.rs).
    std::fs::write(good.join("kmi_a.ko"), &bytes).unwrap();
    for (name, data) in [
        ("truncated.ko", bytes[..bytes.len() / 3].to_vec()),
        ("text.ko", b"this is not an ELF file\n".to_vec()),
        ("header-only.ko", bytes[..64].to_vec()),
    ] {
        let bad = dir.path().join(name.replace(".ko", ""));
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join(name), data).unwrap();
        let r = run("kmidiff", &[good.to_str().unwrap(), bad.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        // The modules-only warning, then the error.
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", r.stderr);
        assert!(lines[0].starts_with("kmidiff: warning: "), "{}", r.stderr);
        assert!(lines[1].contains(name), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
    }
}

#[test]
fn corrupt_dwarf_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let src = kernels().join("v1/modules/extra/kmi_a.ko");
    std::fs::copy(&src, a.join("kmi_a.ko")).unwrap();
    let mut bytes = std::fs::read(&src).unwrap();
    let elf = object::File::parse(&*bytes).unwrap();
    use object::{Object, ObjectSection};
    let (off, size) = elf
        .section_by_name(".debug_info")
        .unwrap()
        .file_range()
        .unwrap();
    // Scribble over the middle of .debug_info.
    for i in 0..(size / 2) as usize {
        bytes[off as usize + 40 + i] = 0xff;
    }
    std::fs::write(b.join("kmi_a.ko"), bytes).unwrap();
    let r = run("kmidiff", &[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.code == 1 || r.code & 4 != 0, "{}", r.code);
    if r.code == 1 {
        assert!(r.stderr.contains("kmi_a.ko"), "{}", r.stderr);
    }
}

#[test]
fn bad_whitelist_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("bad-list");
    std::fs::write(&list, "[abi_whitelist]\nfoo\nnot a symbol\n").unwrap();
    let r = kmidiff(&["-w", list.to_str().unwrap()], "v1", "v2");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("bad-list:3: not a symbol name"),
        "{}",
        r.stderr
    );
}

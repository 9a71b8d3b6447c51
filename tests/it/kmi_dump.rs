//! `kmi dump`: deterministic, reviewable baselines of the fixture kernels.

use crate::common::*;

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn same_bytes_every_time_and_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = |n: &str| dir.path().join(n);
    let (v1, _) = fixture_dumps();
    for (args, name) in [
        (vec!["dump", "v1"], "again.kmi"),
        (vec!["-j", "1", "dump", "v1"], "j1.kmi"),
        (vec!["dump", "v1", "-j", "2"], "j2.kmi"),
    ] {
        let o = out(name);
        let mut a = args.clone();
        a.extend(["-o", s(&o)]);
        let r = run("kmi", &a);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(read(&o), read(v1), "{args:?}");
    }
    // A dump read back and written again is the same file.
    let re = out("rewritten.kmi");
    let r = run("kmi", &["dump", s(v1), "-o", s(&re)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&re), read(v1));
    // Gzipped on request, the same content inside.
    let gz = out("v1.kmi.gz");
    let r = run("kmi", &["dump", "v1", "-o", s(&gz)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&read(&gz)[..]), &mut text)
        .unwrap();
    assert_eq!(text, read(v1));
    // To stdout with '-'.
    let r = run("kmi", &["dump", s(v1), "-o", "-"]);
    assert_eq!(r.stdout.as_bytes(), read(v1));
}

#[test]
fn the_file_is_reviewable_text() {
    let (v1, v2) = fixture_dumps();
    let t1 = String::from_utf8(read(v1)).unwrap();
    let t2 = String::from_utf8(read(v2)).unwrap();
    assert!(
        t1.starts_with("kmi-dump 1\n# 4363 symbols, "),
        "{}",
        &t1[..60]
    );
    assert!(t2.starts_with("kmi-dump 1\n# 4364 symbols, "));
    let line = |t: &str, start: &str| {
        t.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start}"))
            .to_string()
    };
    // Every export attribute is on its line: kind, type, module, CRC, GPL.
    let m1 = line(&t1, "sym match_hex ");
    let m2 = line(&t2, "sym match_hex ");
    assert!(m1.contains(" vmlinux crc=0xad0413d4 size="), "{m1}");
    assert!(!m1.contains(" gpl"), "{m1}");
    assert!(m2.contains(" vmlinux crc=0xad0413d4 gpl size="), "{m2}");
    assert!(
        m1.ends_with("# int match_hex(substring_t *, int *)"),
        "{m1}"
    );
    let send = line(&t2, "sym kmi_a_send ");
    assert!(send.contains(" kmi_a crc=0x959eff99 gpl "), "{send}");
    // Types are ids derived from content: an unchanged type keeps its id,
    // a changed one gets a new one.
    let id_of = |t: &str, what: &str| {
        t.lines()
            .find(|l| !l.starts_with("sym ") && l.get(16..).is_some_and(|r| r.starts_with(what)))
            .map(|l| l[..16].to_string())
            .unwrap_or_else(|| panic!("no {what}"))
    };
    assert_eq!(
        id_of(&t1, " struct sk_buff "),
        id_of(&t2, " struct sk_buff ")
    );
    assert_ne!(
        id_of(&t1, " struct kmi_device "),
        id_of(&t2, " struct kmi_device ")
    );
    let dev = line(&t2, &id_of(&t2, " struct kmi_device "));
    assert!(
        dev.contains(" struct kmi_device 448 at=kmi_a.h { name:"),
        "{dev}"
    );
    assert!(dev.contains(" generation:"), "{dev}");
    // A diff of the two baselines is small: the changes, not a renumbering.
    let a: std::collections::HashSet<&str> = t1.lines().collect();
    let b: std::collections::HashSet<&str> = t2.lines().collect();
    let changed = a.symmetric_difference(&b).count();
    assert!(changed < 200, "{changed} lines differ");
}

#[test]
fn a_symbol_list_narrows_the_dump() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list");
    std::fs::write(&list, "[abi_symbol_list]\n  match_token\n  kmi_b_attach\n").unwrap();
    let (a, b) = (dir.path().join("a.kmi"), dir.path().join("b.kmi"));
    let r = run("kmi", &["dump", "v2", "-w", s(&list), "-o", s(&a)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = String::from_utf8(read(&a)).unwrap();
    let syms: Vec<&str> = text.lines().filter(|l| l.starts_with("sym ")).collect();
    assert_eq!(syms.len(), 2, "{syms:?}");
    assert!(!text.contains("sk_buff"));
    // Narrowing a full dump gives the same file.
    let (_, v2) = fixture_dumps();
    let r = run("kmi", &["dump", s(v2), "-w", s(&list), "-o", s(&b)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&a), read(&b));
}

#[test]
fn bad_input_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let r = run("kmi", &["dump", "no/such/tree", "-o", "x"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no/such/tree: no such file or directory"),
        "{}",
        r.stderr
    );
    let r = run("kmi", &["dump", "v1"]);
    assert_eq!(r.code, 2, "-o is required");
    let (v1, _) = fixture_dumps();
    let out = dir.path().join("o.kmi");
    let r = run(
        "kmi",
        &["dump", s(v1), "--vmlinux", "v1/vmlinux", "-o", s(&out)],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a kmi dump"), "{}", r.stderr);
    let r = run("kmi", &["dump", "v1", "-o", "/no/such/dir/x.kmi"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/no/such/dir/x.kmi: cannot write"),
        "{}",
        r.stderr
    );
    // A broken dump: an error naming file and line, never a panic.
    let mut text = read(v1);
    let at = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    let second = at + text[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    text.truncate(second + 40);
    let bad = dir.path().join("bad.kmi");
    std::fs::write(&bad, &text).unwrap();
    let r = run("kmi", &["dump", s(&bad), "-o", s(&out)]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.kmi:3: "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
    std::fs::write(&bad, "kmi-dump 7\n").unwrap();
    let r = run("kmi", &["dump", s(&bad), "-o", s(&out)]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("bad.kmi:1: kmi-dump version 7 is not supported"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "no output after a failure");
}

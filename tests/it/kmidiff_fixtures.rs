//! kmidiff end to end on the two real kernels in shared/fixtures/kernels,
//! checked against the ground truth in expected-v1-v2.json.

use crate::common::*;
use serde_json::Value;

fn names(v: &Value) -> Vec<String> {
    expected_names(v)
}

/// The line of the report that introduces an entry for `sym`.
fn entry_line<'a>(report: &'a str, tag: &str, sym: &str) -> Option<&'a str> {
    report.lines().find(|l| {
        l.trim_start().starts_with(tag)
            && (l.contains(&format!(" {sym}("))
                || l.contains(&format!(" {sym}'"))
                || l.contains(&format!("*{sym}(")))
    })
}

#[test]
fn v1_v2_reports_every_expected_change_and_nothing_else() {
    let r = kmidiff(&["-i"], "v1", "v2");
    let exp = expected();
    assert_eq!(
        r.code,
        exp["exit_status"].as_i64().unwrap() as i32,
        "{}",
        r.stderr
    );
    let out = &r.stdout;
    for s in names(&exp["removed"]) {
        assert!(entry_line(out, "[D]", &s).is_some(), "removed {s} missing");
    }
    for s in names(&exp["added"]) {
        assert!(entry_line(out, "[A]", &s).is_some(), "added {s} missing");
    }
    for s in names(&exp["type_changed"]) {
        assert!(entry_line(out, "[C]", &s).is_some(), "changed {s} missing");
    }
    // Both GPL changes, which libabigail misses.
    for s in names(&exp["export_became_gpl"]) {
        let start = out.find(entry_line(out, "[C]", &s).unwrap()).unwrap();
        let block = &out[start..out[start..].find("\n\n").map(|e| start + e).unwrap()];
        assert!(
            block.contains("EXPORT_SYMBOL to EXPORT_SYMBOL_GPL"),
            "{s}: {block}"
        );
    }
    for s in names(&exp["crc_changed"]) {
        let start = out.find(entry_line(out, "[C]", &s).unwrap()).unwrap();
        let block = &out[start..out[start..].find("\n\n").map(|e| start + e).unwrap()];
        assert!(block.contains("CRC (modversions) changed"), "{s}: {block}");
    }
    for t in exp["changed_types"].as_object().unwrap().keys() {
        assert!(out.contains(&format!("'{t}' at ")), "type {t} missing");
    }
    for s in names(&exp["unchanged_exports_sample"]) {
        for tag in ["[C]", "[A]", "[D]"] {
            assert!(
                entry_line(out, tag, &s).is_none(),
                "{s} must not be reported"
            );
        }
    }
    for s in names(&exp["never_reported"]) {
        assert!(!out.contains(&s), "{s} must never appear");
    }
    // 23 entries: 1 removed, 2 added, 20 changed.
    let count = |tag: &str| {
        out.lines()
            .filter(|l| l.trim_start().starts_with(tag))
            .count()
    };
    assert_eq!((count("[D]"), count("[A]"), count("[C]")), (1, 2, 20));
}

#[test]
fn snapshots_of_every_report_mode() {
    for (name, args) in [
        ("default", vec![]),
        ("impacted", vec!["-i"]),
        ("full", vec!["-f"]),
        ("bits_dec", vec!["--show-bits", "--show-dec"]),
        ("json", vec!["--format", "json", "--json-schema", "1"]),
    ] {
        let r = kmidiff(&args, "v1", "v2");
        assert_eq!(r.code, 12, "{name}: {}", r.stderr);
        insta::assert_snapshot!(format!("v1_v2_{name}"), r.stdout);
    }
}

#[test]
fn every_tree_compared_with_itself_reports_nothing() {
    for v in ["v1", "v2"] {
        let r = kmidiff(&[], v, v);
        assert_eq!(r.code, 0, "{v}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{v}");
    }
    for dir in [
        "kernel-4.14",
        "kernel-4.19",
        "kernel-5.4",
        "kernel-5.6",
        "kernel-modversions",
    ] {
        let d = fixtures().join("libabigail-tests/test-symtab").join(dir);
        let d = d.to_str().unwrap();
        let r = run("kmidiff", &[d, d]);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{dir}: {}", r.stderr);
    }
}

#[test]
fn same_output_at_any_thread_count() {
    let one = kmidiff(&["-f", "-j", "1"], "v1", "v2");
    let two = kmidiff(&["-f", "-j", "2"], "v1", "v2");
    let four = kmidiff(&["-f", "-j", "4"], "v1", "v2");
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn whitelist_limits_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list");
    std::fs::write(&list, "[abi_symbol_list]\n  match_token\n  kmi_c_crc\n").unwrap();
    let r = kmidiff(&["-w", list.to_str().unwrap()], "v1", "v2");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stdout.contains("match_token"));
    assert!(!r.stdout.contains("kmi_a_"), "{}", r.stdout);
    assert!(r.stdout.contains("0 Removed, 1 Changed, 0 Added functions"));
}

#[test]
fn moved_symbol_is_reported_as_moved() {
    // Same vmlinux on both sides, but kmi_c.ko renamed: its exports now come
    // from another module.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(
        kernels().join("v1/modules/extra/kmi_c.ko"),
        a.join("kmi_c.ko"),
    )
    .unwrap();
    std::fs::copy(
        kernels().join("v1/modules/extra/kmi_c.ko"),
        b.join("kmi_e.ko"),
    )
    .unwrap();
    let r = run("kmidiff", &[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stdout.contains("moved from 'kmi_c' to 'kmi_e'"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("[D]") && !r.stdout.contains("[A]"));
}

#[test]
fn suppressions_hide_types_and_functions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.suppr");
    std::fs::write(
        &spec,
        "[suppress_type]\n  label = device\n  type_kind = struct\n  name = kmi_device\n\n\
         [suppress_function]\n  name_regexp = ^kmi_b_\n  change_kind = all\n\n\
         [suppress_type]\n  name = kmi_state\n  type_kind = enum\n  changed_enumerators = KMI_STATE_ERROR\n",
    )
    .unwrap();
    let r = kmidiff(&["--suppressions", spec.to_str().unwrap()], "v1", "v2");
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(!r.stdout.contains("'struct kmi_device' at"), "{}", r.stdout);
    assert!(!r.stdout.contains("'enum kmi_state' at"), "{}", r.stdout);
    assert!(!r.stdout.contains("kmi_b_attach"), "{}", r.stdout);
    // Still there: the variable of kmi_b (only functions were suppressed)
    // and other leaf types.
    assert!(r.stdout.contains("'struct kmi_config' at"));
    // Interfaces whose only type change was suppressed keep their CRC change.
    assert!(r.stdout.contains("kmi_a_set_mode"));

    let bad = dir.path().join("bad.suppr");
    std::fs::write(&bad, "[suppress_type]\n  nmae = foo\n").unwrap();
    let r = kmidiff(&["--suppr", bad.to_str().unwrap()], "v1", "v2");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.suppr:2:"), "{}", r.stderr);
}

#[test]
fn suppression_keys_are_listed_where_users_look() {
    let r = run("kmi", &["suppressions", "keys"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for section in [
        "[suppress_type]",
        "[suppress_function]",
        "[suppress_variable]",
    ] {
        assert!(r.stdout.contains(section), "{}", r.stdout);
    }
    assert!(r.stdout.contains("has_data_member_inserted_at = OFFSET"));
    let help = run("kmidiff", &["--help"]);
    assert!(
        help.stdout.contains("kmi suppressions keys"),
        "{}",
        help.stdout
    );
}

#[test]
fn whitelist_on_a_full_dump_equals_whitelist_on_the_tree() {
    // A whitelisted read sees only the units that define the listed symbols,
    // so types they merely declare stay declaration-only; a full dump has
    // their definitions. Neither may show up as a change.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("v1.kmi");
    let list = dir.path().join("list");
    let r = run("kmi", &["dump", "v1", "-o", dump.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            "v1",
            "v1/modules/extra",
            "-o",
            list.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = list.to_str().unwrap();
    let from_dump = run(
        "kmidiff",
        &[
            "-i",
            "-w",
            l,
            dump.to_str().unwrap(),
            "v2/modules",
            "--vmlinux2",
            "v2/vmlinux",
        ],
    );
    let from_tree = kmidiff(&["-i", "-w", l], "v1", "v2");
    assert_eq!(from_dump.code, from_tree.code, "{}", from_dump.stderr);
    assert_eq!(from_dump.stdout, from_tree.stdout);
    assert!(!from_tree.stdout.contains("declaration-only"));
}

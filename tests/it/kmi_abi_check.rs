//! `kmi abi-check` on the fixture kernels: both input forms, the expected
//! v1 -> v2 changes, ignore files, JSON, --explain and bad input.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn names(v: &Value) -> BTreeSet<String> {
    expected_names(v).into_iter().collect()
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["abi-check", "--format", "json"];
    a.extend_from_slice(args);
    let r = run("kmi", &a);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    (r.code, v)
}

fn of_kind(doc: &Value, kind: &str) -> BTreeSet<String> {
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == kind)
        .map(|c| c["symbol"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn symvers_and_trees_report_exactly_the_expected_changes() {
    let exp = expected();
    for (a, b) in [("v1/Module.symvers", "v2/Module.symvers"), ("v1", "v2")] {
        let (code, doc) = json(&[a, b]);
        assert_eq!(code, 12, "{a} {b}");
        assert_eq!(doc["schema"], "kmi-abi-check/2");
        assert_eq!(doc["exit_status"], 12);
        assert_eq!(of_kind(&doc, "removed"), names(&exp["removed"]));
        assert_eq!(of_kind(&doc, "added"), names(&exp["added"]));
        assert_eq!(of_kind(&doc, "crc_changed"), names(&exp["crc_changed"]));
        assert_eq!(of_kind(&doc, "now_gpl"), names(&exp["export_became_gpl"]));
        let total = doc["changes"].as_array().unwrap().len();
        assert_eq!(total, 1 + 2 + 19 + 2, "{a} {b}: no other change");
        assert_eq!(doc["summary"]["breaking"], 22);
        assert_eq!(doc["summary"]["compatible"], 2);
        assert_eq!(doc["summary"]["ignored"], 0);
        for never in exp["unchanged_exports_sample"].as_array().unwrap() {
            let never = never.as_str().unwrap();
            assert!(
                !doc["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["symbol"] == never),
                "{never}"
            );
        }
    }
}

#[test]
fn text_reports_of_both_forms_are_identical() {
    let s = run(
        "kmi",
        &["abi-check", "v1/Module.symvers", "v2/Module.symvers"],
    );
    let t = run("kmi", &["abi-check", "v1", "v2"]);
    assert_eq!(s.code, 12);
    assert_eq!(t.code, 12);
    assert_eq!(s.stdout, t.stdout);
    assert!(s.stderr.is_empty(), "{}", s.stderr);
    let out = &s.stdout;
    for line in [
        "Removed (1, breaking):",
        "  kmi_a_legacy_reset [kmi_a] EXPORT_SYMBOL 0xf7c81450",
        "CRC changed (19, breaking):",
        "  match_token [vmlinux] 0x44e9a829 -> 0x203adccc",
        "  kmi_b_default_ops [kmi_b] 0x65c8f7d0 -> 0xb333efec",
        "Now GPL-only (2, breaking):",
        "  match_hex [vmlinux] EXPORT_SYMBOL -> EXPORT_SYMBOL_GPL",
        "  kmi_a_device_set_state [kmi_a] EXPORT_SYMBOL -> EXPORT_SYMBOL_GPL",
        "Added (2, compatible):",
        "  match_bool [vmlinux] EXPORT_SYMBOL 0xf9b2334a",
        "  kmi_a_device_reset [kmi_a] EXPORT_SYMBOL 0x86622faf",
        "Summary: 24 changes: 22 breaking (1 removed, 19 CRC changed, 2 now GPL-only), 2 compatible (2 added), 0 ignored",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    // One line per change, plus headers, blank lines and the summary.
    assert_eq!(out.lines().count(), 24 + 4 * 2 + 1);
}

#[test]
fn mixed_forms_agree() {
    let a = run("kmi", &["abi-check", "v1/Module.symvers", "v2"]);
    let b = run("kmi", &["abi-check", "v1", "v2/Module.symvers"]);
    let c = run("kmi", &["abi-check", "v1", "v2"]);
    assert_eq!(a.stdout, c.stdout);
    assert_eq!(b.stdout, c.stdout);
    // A modules dir with --vmlinuxN is the same tree.
    let d = run(
        "kmi",
        &[
            "abi-check",
            "--vmlinux1",
            "v1/vmlinux",
            "--vmlinux2",
            "v2/vmlinux",
            "v1/modules",
            "v2/modules",
        ],
    );
    assert_eq!(d.code, 12);
    assert_eq!(d.stdout, c.stdout);
}

#[test]
fn same_build_is_silent_and_exits_0() {
    for (a, b) in [
        ("v1/Module.symvers", "v1/Module.symvers"),
        ("v1", "v1"),
        ("v1", "v1/Module.symvers"),
        ("v2/Module.symvers", "v2"),
    ] {
        let r = run("kmi", &["abi-check", a, b]);
        assert_eq!(r.code, 0, "{a} {b}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{a} {b}");
        assert_eq!(r.stderr, "", "{a} {b}");
    }
}

fn ignore_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("abi.ignore");
    std::fs::write(&p, text).unwrap();
    let s = p.to_str().unwrap().to_string();
    (dir, s)
}

#[test]
fn ignored_changes_are_listed_but_do_not_count() {
    // Everything breaking is accepted: only the additions count.
    let (_d, f) = ignore_file(
        "# reviewed\nmodule kmi_a\nmodule kmi-b   # dash or underscore\nsymbol match_[th]*\nsymbol no_such_symbol_*\n",
    );
    let r = run(
        "kmi",
        &[
            "abi-check",
            "--ignore",
            &f,
            "v1/Module.symvers",
            "v2/Module.symvers",
        ],
    );
    assert_eq!(r.code, 4, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.lines().any(|l| l
            == format!("  match_token [vmlinux] 0x44e9a829 -> 0x203adccc  [ignored by {f}:4: symbol match_[th]*]")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("CRC changed (19, breaking, 19 ignored):"));
    assert!(
        r.stdout.contains("Added (2, compatible, 1 ignored):"),
        "{}",
        r.stdout
    );
    // kmi_a_device_reset is in kmi_a: ignored; match_bool is not.
    assert!(
        r.stdout
            .lines()
            .any(|l| l == "  match_bool [vmlinux] EXPORT_SYMBOL 0xf9b2334a"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(", 1 compatible (1 added), 23 ignored"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr.trim(),
        format!("kmi: warning: {f}:5: ignore rule 'symbol no_such_symbol_*' matched no change")
    );

    // Leaving one breaking change unaccepted keeps the exit at 12.
    let (_d2, f2) = ignore_file("module kmi_a\nmodule kmi_b\n");
    let r = run("kmi", &["abi-check", "--ignore", &f2, "v1", "v2"]);
    assert_eq!(r.code, 12);
    assert_eq!(r.stderr, "");

    // Accepting everything: listed, exit 0. Rules from two files.
    let (_d3, f3) = ignore_file("symbol *\n");
    let r = run(
        "kmi",
        &["abi-check", "--ignore", &f2, "--ignore", &f3, "v1", "v2"],
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("0 breaking, 0 compatible, 24 ignored"),
        "{}",
        r.stdout
    );
}

#[test]
fn ignore_rules_in_json() {
    let (_d, f) = ignore_file("symbol match_hex\nmodule unused_module\n");
    let (code, doc) = json(&["--ignore", &f, "v1", "v2"]);
    assert_eq!(code, 12);
    let hex: Vec<&Value> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["symbol"] == "match_hex")
        .collect();
    assert_eq!(hex.len(), 1);
    assert_eq!(hex[0]["change"], "now_gpl");
    assert_eq!(hex[0]["ignored"], true);
    assert_eq!(hex[0]["ignored_by"]["line"], 1);
    assert_eq!(hex[0]["ignored_by"]["rule"], "symbol match_hex");
    assert_eq!(hex[0]["old"]["export"], "EXPORT_SYMBOL");
    assert_eq!(hex[0]["new"]["export"], "EXPORT_SYMBOL_GPL");
    assert_eq!(hex[0]["old"]["crc"], "0xad0413d4");
    assert_eq!(doc["summary"]["now_gpl"], 1);
    assert_eq!(doc["summary"]["ignored"], 1);
    assert_eq!(doc["unused_ignore_rules"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["unused_ignore_rules"][0]["rule"],
        "module unused_module"
    );
    assert_eq!(doc["unused_ignore_rules"][0]["line"], 2);
}

#[test]
fn json_document_shape() {
    let (code, doc) = json(&["v1/Module.symvers", "v2"]);
    assert_eq!(code, 12);
    assert_eq!(doc["old"]["kind"], "symvers");
    assert_eq!(doc["old"]["symbols"], 4363);
    assert_eq!(doc["new"]["kind"], "tree");
    assert_eq!(doc["new"]["symbols"], 4364);
    let removed = &doc["changes"][0];
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["breaking"], true);
    assert_eq!(removed["module"], "kmi_a");
    assert_eq!(removed["new"], Value::Null);
    assert!(removed.get("explanation").is_none());
    let (code, doc) = json(&["v1", "v1"]);
    assert_eq!(code, 0);
    assert_eq!(doc["changes"].as_array().unwrap().len(), 0);
    assert_eq!(doc["exit_status"], 0);
}

#[test]
fn explain_names_the_type_behind_each_crc_change() {
    let r = run("kmi", &["abi-check", "--explain", "v1", "v2"]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    let out = &r.stdout;
    let under = |sym: &str| -> Vec<String> {
        let mut lines = out
            .lines()
            .skip_while(|l| !l.starts_with(&format!("  {sym} ")));
        lines.next().expect(sym);
        lines
            .take_while(|l| l.starts_with("    "))
            .map(|l| l.trim().to_string())
            .collect()
    };
    assert_eq!(under("match_token"), ["changed types: struct match_token"]);
    assert_eq!(
        under("kmi_a_get_count"),
        [
            "own type: return type: type changed from 'int' to 'long int', size from 0x4 to 0x8 (in bytes)"
        ]
    );
    assert_eq!(
        under("kmi_a_close"),
        ["changed types: typedef kmi_handle_t"]
    );
    assert_eq!(under("kmi_a_run"), ["changed types: struct kmi_buffer"]);
    assert_eq!(
        under("kmi_a_open"),
        ["changed types: enum kmi_state, struct kmi_device, typedef kmi_handle_t"]
    );
    assert_eq!(
        under("kmi_a_send"),
        [
            "own type: parameter 4 of type 'unsigned int' was added",
            "changed types: enum kmi_state, struct kmi_device"
        ]
    );
    assert_eq!(
        under("kmi_a_global_stats"),
        ["changed types: struct kmi_stats"]
    );
    // Every CRC change got an explanation.
    for sym in names(&expected()["crc_changed"]) {
        assert!(!under(&sym).is_empty(), "{sym}");
    }
    // Each changed type is described once, in a table: the 7 of
    // EXPECTED-v1-v2.md.
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Changed types behind the CRC changes (7):"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let types: Vec<&str> = table
        .iter()
        .filter(|l| !l.starts_with("    "))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    let expected_types: BTreeSet<String> = expected()["changed_types"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        types.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>(),
        expected_types
    );
    let mt = table
        .iter()
        .skip_while(|l| l.trim() != "struct match_token:")
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim())
        .collect::<Vec<_>>();
    assert_eq!(
        mt,
        [
            "type size changed from 0x10 to 0x18 (in bytes)",
            "data member 'unsigned int flags' inserted at offset 0x10 (in bytes)"
        ]
    );

    let (code, doc) = json(&["--explain", "v1", "v2"]);
    assert_eq!(code, 12);
    let c = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["symbol"] == "kmi_a_configure" && c["change"] == "crc_changed")
        .unwrap();
    assert_eq!(c["explanation"]["status"], "explained");
    assert_eq!(
        c["explanation"]["types"],
        serde_json::json!(["struct kmi_config"])
    );
    assert_eq!(c["explanation"]["own_type"], serde_json::json!([]));
    let table = doc["changed_types"].as_array().unwrap();
    assert_eq!(table.len(), 7);
    let kc = table
        .iter()
        .find(|t| t["type"] == "struct kmi_config")
        .unwrap();
    assert_eq!(
        kc["details"],
        serde_json::json!([
            "type size changed from 0x8 to 0xc (in bytes)",
            "data member 'u32 retries' inserted at offset 0x8 (in bytes)"
        ])
    );
    // Without --explain there is no table.
    let (_, plain) = json(&["v1", "v2"]);
    assert!(plain.get("changed_types").is_none());
}

#[test]
fn explain_needs_types_on_both_sides() {
    let r = run(
        "kmi",
        &["abi-check", "--explain", "v1/Module.symvers", "v2"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--explain needs types on both sides"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_input_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Module.symvers");
    let good = std::fs::read_to_string(kernels().join("v1/Module.symvers")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(41, "0x12345678 spaces instead of tabs");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let bad_s = bad.to_str().unwrap();
    let r = run("kmi", &["abi-check", bad_s, "v2/Module.symvers"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("kmi: {bad_s}:42: ")),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);

    let r = run("kmi", &["abi-check", "no/such/dir", "v2"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "kmi: no/such/dir: no such file or directory\n");

    // A directory without vmlinux would make every core export look removed.
    let r = run("kmi", &["abi-check", "v1/modules", "v2"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("v1/modules: no vmlinux"), "{}", r.stderr);

    let (_d, f) = ignore_file("symbol ok\nsymbols wrong\n");
    let r = run("kmi", &["abi-check", "--ignore", &f, "v1", "v2"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("{f}:2: unknown rule 'symbols'")),
        "{}",
        r.stderr
    );

    let r = run("kmi", &["abi-check", "v1"]);
    assert_eq!(r.code, 2);

    // A module that is not ELF, inside a tree.
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("modules")).unwrap();
    std::os::unix::fs::symlink(kernels().join("v1/vmlinux"), tree.join("vmlinux")).unwrap();
    std::fs::write(tree.join("modules/broken.ko"), b"not an ELF file").unwrap();
    let r = run("kmi", &["abi-check", tree.to_str().unwrap(), "v1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("broken.ko: not a valid ELF file"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn every_kind_of_change_from_symvers_of_every_era() {
    let dir = tempfile::tempdir().unwrap();
    // Old: the 5.4-5.6 layout (namespace third); new: the current one.
    let old = dir.path().join("old.symvers");
    std::fs::write(
        &old,
        "0x00000001\tns_changes\tNS_A\tdrivers/x/foo-bar\tEXPORT_SYMBOL_GPL\n\
         0x00000002\tmoves\t\tvmlinux\tEXPORT_SYMBOL\n\
         0x00000003\tungpl\t\tvmlinux\tEXPORT_SYMBOL_GPL\n\
         0x00000004\tsame\t\tvmlinux\tEXPORT_SYMBOL\n",
    )
    .unwrap();
    let new = dir.path().join("new.symvers");
    std::fs::write(
        &new,
        "0x00000001\tns_changes\t/build/out/drivers/x/foo_bar\tEXPORT_SYMBOL_GPL\tNS_B\n\
         0x00000002\tmoves\tlib/libfoo\tEXPORT_SYMBOL\t\n\
         0x00000003\tungpl\tvmlinux\tEXPORT_SYMBOL\t\n\
         0x00000004\tsame\tvmlinux\tEXPORT_SYMBOL\t\n",
    )
    .unwrap();
    let r = run(
        "kmi",
        &["abi-check", old.to_str().unwrap(), new.to_str().unwrap()],
    );
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Namespace changed (1, breaking):\n  ns_changes [foo_bar] 'NS_A' -> 'NS_B'\n\n\
         No longer GPL-only (1, compatible):\n  ungpl [vmlinux] EXPORT_SYMBOL_GPL -> EXPORT_SYMBOL\n\n\
         Moved between modules (1, compatible):\n  moves vmlinux -> libfoo\n\n\
         Summary: 3 changes: 1 breaking (1 namespace changed), 2 compatible (1 no longer GPL-only, 1 moved between modules), 0 ignored\n"
    );
    // Only compatible changes: exit 4.
    let (_d, f) = ignore_file("symbol ns_*\n");
    let r = run(
        "kmi",
        &[
            "abi-check",
            "--ignore",
            &f,
            old.to_str().unwrap(),
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 4);
}

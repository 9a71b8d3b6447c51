//! kmidiff with baselines (`kmi dump` files) in place of kernel trees, and
//! approved changes (`--allow`).

use crate::common::*;
use serde_json::Value;

fn tree_vs_tree(extra: &[&str]) -> Run {
    kmidiff(extra, "v1", "v2")
}

#[test]
fn a_baseline_stands_in_for_a_tree() {
    let (v1, v2) = fixture_dumps();
    let tree = tree_vs_tree(&["-i"]);
    assert_eq!(tree.code, 12);
    // The example: baseline against a new tree.
    let r = run(
        "kmidiff",
        &["-i", s(v1), "v2/modules", "--vmlinux2", "v2/vmlinux"],
    );
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert_eq!(r.stdout, tree.stdout);
    // And the other way round.
    let r = run(
        "kmidiff",
        &["-i", "--vmlinux1", "v1/vmlinux", "v1/modules", s(v2)],
    );
    assert_eq!((r.code, &r.stdout), (12, &tree.stdout), "{}", r.stderr);
}

#[test]
fn dump_vs_dump_is_byte_identical_to_tree_vs_tree_in_every_mode() {
    let (v1, v2) = fixture_dumps();
    for extra in [
        vec![],
        vec!["-i"],
        vec!["-f"],
        vec!["--show-bits", "--show-dec"],
        vec!["--format", "json"],
    ] {
        let tree = tree_vs_tree(&extra);
        let mut args = extra.clone();
        args.extend([s(v1), s(v2)]);
        let dump = run("kmidiff", &args);
        assert_eq!(dump.code, tree.code, "{extra:?}: {}", dump.stderr);
        assert_eq!(
            without_inputs(&dump.stdout),
            without_inputs(&tree.stdout),
            "{extra:?}"
        );
    }
}

/// A report less its `inputs` key, which names the files compared: a dump
/// and the tree it was made from differ there and nowhere else.
fn without_inputs(report: &str) -> String {
    match serde_json::from_str::<Value>(report) {
        Ok(Value::Object(mut m)) => {
            assert!(
                m.remove("inputs").is_some(),
                "a JSON report names its inputs"
            );
            serde_json::to_string_pretty(&m).unwrap()
        }
        _ => report.to_string(),
    }
}

#[test]
fn a_tree_against_its_own_dump_reports_nothing() {
    let (_, v2) = fixture_dumps();
    let r = run(
        "kmidiff",
        &["--vmlinux1", "v2/vmlinux", "v2/modules", s(v2)],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let r = run("kmidiff", &[s(v2), s(v2)]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
}

#[test]
fn lists_and_suppressions_apply_to_dumps_as_to_trees() {
    let (v1, v2) = fixture_dumps();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list");
    std::fs::write(
        &list,
        "[abi_symbol_list]\n  match_token\n  kmi_b_attach\n  kmi_a_run\n  kmi_c_crc\n",
    )
    .unwrap();
    let spec = dir.path().join("spec.suppr");
    std::fs::write(
        &spec,
        "[suppress_type]\n  type_kind = struct\n  name = kmi_device\n",
    )
    .unwrap();
    for extra in [
        vec!["-f", "-w", s(&list)],
        vec!["-i", "--suppressions", s(&spec)],
    ] {
        let tree = tree_vs_tree(&extra);
        let mut args = extra.clone();
        args.extend([s(v1), s(v2)]);
        let dump = run("kmidiff", &args);
        assert_eq!(
            (dump.code, &dump.stdout),
            (tree.code, &tree.stdout),
            "{extra:?}: {}",
            dump.stderr
        );
    }
}

#[test]
fn a_dump_side_takes_no_vmlinux() {
    let (v1, _) = fixture_dumps();
    let r = run(
        "kmidiff",
        &["--vmlinux1", "v1/vmlinux", s(v1), "v2/modules"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a kmi dump"), "{}", r.stderr);
    assert!(r.stderr.contains("--vmlinux1"), "{}", r.stderr);
    let r = run("kmidiff", &["README.md", "v2/modules"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("README.md: not a kernel"), "{}", r.stderr);
}

/// Every v1 -> v2 change of EXPECTED-v1-v2.md, approved.
const ALLOW_ALL: &str = "\
# v1 -> v2, reviewed
symbol kmi_a_legacy_reset removed   # replaced by kmi_a_device_reset
symbol kmi_a_device_reset added
symbol match_bool added
type 'struct kmi_device' changed    # generation counter
type 'enum kmi_state' enumerator-added
type 'struct kmi_config' member-added
type 'struct kmi_config' size-changed
type 'struct kmi_stats' changed
type 'struct kmi_buffer' member-type-changed
type 'struct match_token' changed
type 'typedef kmi_handle_t' underlying-type-changed
symbol kmi_a_send type-changed      # flags argument
symbol kmi_a_get_count type-changed
symbol kmi_a_debug_level type-changed
symbol match_hex export-changed
symbol kmi_a_device_set_state export-changed
";

fn allow_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    s(&p).to_string()
}

#[test]
fn approved_changes_set_no_exit_bits_but_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let all = allow_file(&dir, "all.allow", ALLOW_ALL);
    let r = tree_vs_tree(&["--allow", &all]);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let plain = tree_vs_tree(&[]);
    // The same report, with approvals under the entries and a summary.
    let without: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.trim_start().starts_with("approved by "))
        .collect();
    assert!(without.join("\n").starts_with(plain.stdout.trim_end()));
    assert!(
        r.stdout.contains("Approved changes: 23 of 23 interfaces"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!(
        "  [D] 'function void kmi_a_legacy_reset(void)' [kmi_a] at kmi_a.c:110\n    approved by {all}:2: symbol kmi_a_legacy_reset removed # replaced by kmi_a_device_reset\n"
    )));
    // An interface changed only through approved types is approved by them.
    let block = r
        .stdout
        .split("\n\n")
        .find(|b| b.contains("kmi_b_attach(struct kmi_device *)' [kmi_b]"))
        .unwrap();
    assert!(
        block.contains(&format!(
            "approved by {all}:5: type 'struct kmi_device' changed"
        )),
        "{block}"
    );
}

#[test]
fn unapproved_changes_keep_their_bits() {
    let dir = tempfile::tempdir().unwrap();
    // Everything but the removal: still incompatible.
    let text: String = ALLOW_ALL
        .lines()
        .filter(|l| !l.contains("removed"))
        .map(|l| format!("{l}\n"))
        .collect();
    let r = tree_vs_tree(&["--allow", &allow_file(&dir, "a", &text)]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    // Only the removal: bit 8 goes, bit 4 stays.
    let r = tree_vs_tree(&[
        "--allow",
        &allow_file(&dir, "b", "symbol kmi_a_legacy_reset removed\n"),
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    // A CRC approval alone does not approve a changed type.
    let r = tree_vs_tree(&[
        "--allow",
        &allow_file(&dir, "c", "symbol kmi_a_send crc-changed\n"),
    ]);
    let block = r
        .stdout
        .split("\n\n")
        .find(|b| b.contains("kmi_a_send(struct kmi_device *"))
        .unwrap();
    assert!(!block.contains("approved"), "{block}");
    assert!(r.stderr.is_empty(), "matched, so not stale: {}", r.stderr);
}

#[test]
fn stale_entries_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let f = allow_file(
        &dir,
        "stale.allow",
        "symbol no_such_symbol removed # typo\n\
         type 'struct kmi_config' enumerator-added\n\
         symbol match_hex crc-changed\n",
    );
    let r = tree_vs_tree(&["--allow", &f]);
    assert_eq!(r.code, 12);
    assert!(r.stdout.ends_with(&format!(
        "Stale --allow entries (they match no change):\n  {f}:1: symbol no_such_symbol removed\n  {f}:2: type 'struct kmi_config' enumerator-added\n  {f}:3: symbol match_hex crc-changed\n\n"
    )), "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 3, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{f}:1: stale --allow entry")));
    // No change at all: only the stale entries are printed.
    let (_, v2) = fixture_dumps();
    let r = run("kmidiff", &["--allow", &f, s(v2), s(v2)]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("Stale --allow entries (they match no change):\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn approvals_in_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let f = allow_file(
        &dir,
        "j.allow",
        "symbol kmi_a_legacy_reset removed # gone\ntype 'struct kmi_device' changed\n\
         type 'enum kmi_state' changed\nsymbol nope added\n",
    );
    let r = tree_vs_tree(&["--format", "json", "--json-schema", "1", "--allow", &f]);
    assert_eq!(r.code, 4);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["schema"], "kmidiff-report/1");
    assert_eq!(doc["exit_code"], 4);
    assert_eq!(
        doc["removed"][0]["approved"][0]["entry"],
        "symbol kmi_a_legacy_reset removed"
    );
    assert_eq!(doc["removed"][0]["approved"][0]["reason"], "gone");
    assert_eq!(doc["removed"][0]["approved"][0]["line"], 1);
    let changed = doc["changed"].as_array().unwrap();
    let attach = changed
        .iter()
        .find(|c| c["symbol"]["name"] == "kmi_b_attach")
        .unwrap();
    assert_eq!(attach["approved"].as_array().unwrap().len(), 2);
    let send = changed
        .iter()
        .find(|c| c["symbol"]["name"] == "kmi_a_send")
        .unwrap();
    assert_eq!(send["approved"], serde_json::json!([]));
    assert_eq!(doc["allow"]["stale"][0]["entry"], "symbol nope added");
    assert_eq!(doc["allow"]["files"][0], f.as_str());
    // Without --allow, none of this is there (the snapshot pins that).
    let plain: Value = serde_json::from_str(&tree_vs_tree(&["--format", "json"]).stdout).unwrap();
    assert!(plain.get("allow").is_none());
    assert!(plain["removed"][0].get("approved").is_none());
}

#[test]
fn bad_allow_files_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, msg) in [
        (
            "symbol a removed\nsymbol b vanished\n",
            ":2: unknown change kind 'vanished'",
        ),
        (
            "\n\nstruct kmi_device changed\n",
            ":3: expected 'symbol' or 'type'",
        ),
        ("type 'struct x changed\n", ":1: unterminated quote"),
        (
            "symbol a removed\nsymbol a removed\n",
            ":2: same entry as line 1",
        ),
    ] {
        let f = allow_file(&dir, "bad.allow", text);
        let r = tree_vs_tree(&["--allow", &f]);
        assert_eq!(r.code, 1, "{text}");
        assert!(r.stderr.contains(&format!("{f}{msg}")), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1);
    }
    let r = tree_vs_tree(&["--allow", "no/such.allow"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no/such.allow"), "{}", r.stderr);
}

#[test]
fn json_schema_2_has_every_change_with_its_path() {
    let r = tree_vs_tree(&["--format", "json", "--json-schema", "2"]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["schema"], "kmidiff-report/2");
    assert_eq!(doc["summary"]["changed_functions"], 17);
    let changed = doc["changed"].as_array().unwrap();
    let get = |name: &str| {
        changed
            .iter()
            .find(|c| c["symbol"]["name"] == name)
            .unwrap()
            .clone()
    };
    // Schema 1 has nothing on these; schema 2 says what and where.
    let count = get("kmi_a_get_count");
    assert_eq!(
        count["type_changes"][0]["path"],
        serde_json::json!(["return"])
    );
    assert_eq!(count["type_changes"][0]["kind"], "type_replaced");
    assert_eq!(
        count["old_symbol"]["declaration"],
        "int kmi_a_get_count(void)"
    );
    assert_eq!(
        count["symbol"]["declaration"],
        "long int kmi_a_get_count(void)"
    );
    assert_eq!(count["symbol_changes"][0]["old"], "0x512c340a");
    let run_ = get("kmi_a_run");
    assert_eq!(run_["type_changes"][0]["type"], "struct kmi_buffer");
    let types = doc["changed_types"].as_array().unwrap();
    let buffer = types
        .iter()
        .find(|t| t["type"] == "struct kmi_buffer")
        .unwrap();
    assert_eq!(
        buffer["changes"][0]["path"],
        serde_json::json!(["member size"])
    );
    assert_eq!(buffer["location"], "kmi_a.h");
    // Every type a change points at is described in changed_types.
    for c in changed {
        for t in c["type_changes"].as_array().unwrap() {
            if t["kind"] == "type_changed" {
                assert!(types.iter().any(|x| x["type"] == t["type"]), "{t}");
            }
        }
    }
    // From baselines, the same bytes.
    let (v1, v2) = fixture_dumps();
    let d = run(
        "kmidiff",
        &["--format", "json", "--json-schema", "2", s(v1), s(v2)],
    );
    assert_eq!(without_inputs(&d.stdout), without_inputs(&r.stdout));
    insta::assert_snapshot!("v1_v2_json_schema_2", r.stdout);
    assert_eq!(
        tree_vs_tree(&["--format", "json", "--json-schema", "3"]).code,
        2
    );
}

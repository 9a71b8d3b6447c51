//! The engine per change kind, as data.
//!
//! `tests/data/kinds/<case>/` holds two small hand-written `kmi dump`s,
//! `old.kmi` and `new.kmi`, that differ by one kind of change (the comment on
//! their second line says which), and what `kmidiff` prints for them:
//! `expected.txt` (the default, leaf, view) and `expected.json` (`--format
//! json`, schema `kmidiff-report/2`) for old -> new, `expected-reversed.txt`
//! and `expected-reversed.json` for new -> old. Each dump compared with
//! itself must report nothing.
//!
//! `tests/data/suppressions/<case>/spec.ini` is a suppression specification
//! whose first line, `# input: KIND [reversed]`, names the pair of
//! `tests/data/kinds` it filters; `expected.txt` is the default view.
//!
//! The first line of every `.txt` is the command, as run in the case's
//! directory, and its exit status (`# kmidiff old.kmi new.kmi: exit 4`); the
//! rest is its stdout. A directory is a case: adding one adds a test.
//!
//! `KMI_BLESS=1 cargo test kinds` rewrites the expected files from what the
//! tool prints now (never in CI); review them with `git diff`. An expected
//! file says what the tool *should* print: when it prints something wrong,
//! keep the file right and list it in [`KNOWN_FAILURES`] instead.

use crate::common::run_in;
use kmidiff::filter::suppr::accepted_keys;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Expected files the tool does not meet yet: `(case, file, why)`, the case
/// as a directory under `tests/data`. Their files hold the right output; the
/// tests skip them (bless leaves them alone), and fail as soon as one passes,
/// so that it leaves this list. `cargo test known_failures -- --ignored`
/// runs them.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[
    (
        "kinds/union",
        "expected.txt",
        "the text report spells an array data member 'u8[16] v6' (type, then name) instead \
         of the C declaration 'u8 v6[16]'",
    ),
    (
        "kinds/union",
        "expected-reversed.txt",
        "as kinds/union/expected.txt: 'u8[16] v6' instead of 'u8 v6[16]'",
    ),
    (
        "suppressions/type_kind_struct_not_union",
        "expected.txt",
        "as kinds/union/expected.txt: 'u8[16] v6' instead of 'u8 v6[16]'",
    ),
];

/// stderr without the one line the vmlinux policy prints: the cases' dumps
/// hold module exports only, so both sides are compared as modules alone.
fn without_policy_warning(stderr: &str) -> &str {
    match stderr.split_once('\n') {
        Some((first, rest)) if first.contains("neither kernel has a vmlinux") => rest,
        _ => stderr,
    }
}

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The case directories of `tests/data/<group>`, as `group/name`, sorted.
fn cases(group: &str) -> Vec<String> {
    let dir = data().join(group);
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .map(|p| format!("{group}/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no cases in {}", dir.display());
    out
}

/// One run of kmidiff and the file holding what it should print.
struct Check {
    case: String,
    file: &'static str,
    args: Vec<String>,
}

impl Check {
    fn dir(&self) -> PathBuf {
        data().join(&self.case)
    }

    fn known_failure(&self) -> Option<&'static str> {
        KNOWN_FAILURES
            .iter()
            .find(|(c, f, _)| *c == self.case && *f == self.file)
            .map(|(_, _, why)| *why)
    }

    /// What the run prints, in the expected file's form.
    fn actual(&self) -> String {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let r = run_in(&self.dir(), "kmidiff", &args);
        let what = format!("{}: kmidiff {}", self.case, args.join(" "));
        assert!(
            matches!(r.code, 0 | 4 | 12),
            "{what}: exit {}\n{}",
            r.code,
            r.stderr
        );
        if self.case.starts_with("kinds/") {
            assert_eq!(
                without_policy_warning(&r.stderr),
                "",
                "{what}: unexpected stderr"
            );
        }
        if self.file.ends_with(".json") {
            let v: serde_json::Value = serde_json::from_str(&r.stdout)
                .unwrap_or_else(|e| panic!("{what}: not JSON: {e}\n{}", r.stdout));
            assert_eq!(
                v["exit_code"], r.code,
                "{what}: exit_code is not the exit status"
            );
            r.stdout
        } else {
            format!(
                "# kmidiff {}: exit {}\n{}",
                args.join(" "),
                r.code,
                r.stdout
            )
        }
    }

    /// `Err` with a message naming the case when the output differs.
    fn verify(&self, bless: bool) -> Result<(), String> {
        let path = self.dir().join(self.file);
        let actual = self.actual();
        let expected = std::fs::read_to_string(&path).ok();
        if expected.as_deref() == Some(actual.as_str()) {
            return Ok(());
        }
        if bless && self.known_failure().is_none() {
            std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            eprintln!("blessed tests/data/{}/{}", self.case, self.file);
            return Ok(());
        }
        let run = format!(
            "`kmidiff {}` in tests/data/{}",
            self.args.join(" "),
            self.case
        );
        Err(match expected {
            None => format!(
                "{}/{}: missing; {run} prints:\n{actual}\n(KMI_BLESS=1 writes it; review it)",
                self.case, self.file
            ),
            Some(e) => format!(
                "{}/{}: {run} prints something else (- expected, + actual):\n{}",
                self.case,
                self.file,
                diff(&e, &actual)
            ),
        })
    }
}

/// The runs of one `tests/data/kinds` case.
fn kind_checks(case: &str) -> Vec<Check> {
    let check = |file, args: &[&str]| Check {
        case: case.to_string(),
        file,
        args: args.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        check("expected.txt", &["old.kmi", "new.kmi"]),
        check("expected.json", &["--format", "json", "old.kmi", "new.kmi"]),
        check("expected-reversed.txt", &["new.kmi", "old.kmi"]),
        check(
            "expected-reversed.json",
            &["--format", "json", "new.kmi", "old.kmi"],
        ),
    ]
}

/// A suppression case's spec and the kind pair it filters.
fn suppression_check(case: &str) -> Check {
    let spec = data().join(case).join("spec.ini");
    let text = std::fs::read_to_string(&spec).unwrap_or_else(|e| panic!("{case}: {e}"));
    let first = text.lines().next().unwrap_or("");
    let words: Vec<&str> = first
        .strip_prefix("# input: ")
        .unwrap_or_else(|| panic!("{case}/spec.ini: line 1 is not '# input: KIND [reversed]'"))
        .split_whitespace()
        .collect();
    let (kind, reversed) = match words[..] {
        [k] => (k, false),
        [k, "reversed"] => (k, true),
        _ => panic!("{case}/spec.ini: line 1 is not '# input: KIND [reversed]'"),
    };
    assert!(
        data().join("kinds").join(kind).is_dir(),
        "{case}/spec.ini: no tests/data/kinds/{kind}"
    );
    let old = format!("../../kinds/{kind}/old.kmi");
    let new = format!("../../kinds/{kind}/new.kmi");
    let (a, b) = if reversed { (new, old) } else { (old, new) };
    Check {
        case: case.to_string(),
        file: "expected.txt",
        args: vec!["--suppressions".into(), "spec.ini".into(), a, b],
    }
}

fn all_checks() -> Vec<Check> {
    let mut out: Vec<Check> = cases("kinds").iter().flat_map(|c| kind_checks(c)).collect();
    out.extend(cases("suppressions").iter().map(|c| suppression_check(c)));
    out
}

/// KMI_BLESS=1 asks to rewrite the expected files, which CI must never do.
fn bless() -> bool {
    let on = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0");
    if !on("KMI_BLESS") {
        return false;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "no")
    {
        panic!(
            "KMI_BLESS is set in CI (CI or INSTA_UPDATE=no): expected files are never rewritten there"
        );
    }
    true
}

/// Run `checks` except the known failures; fail on any difference, and on
/// a known failure that passes now.
fn verify_all(checks: &[Check]) {
    let bless = bless();
    let mut problems = Vec::new();
    for c in checks {
        match (c.verify(bless), c.known_failure()) {
            (Err(m), None) => problems.push(m),
            (Ok(()), Some(_)) => problems.push(format!(
                "{}/{}: a known failure passes now: remove it from KNOWN_FAILURES in tests/it/kinds.rs",
                c.case, c.file
            )),
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} checks failed:\n\n{}",
        problems.len(),
        checks.len(),
        problems.join("\n")
    );
}

#[test]
fn kinds_report_each_change_both_ways() {
    let checks: Vec<Check> = cases("kinds").iter().flat_map(|c| kind_checks(c)).collect();
    verify_all(&checks);
}

#[test]
fn kinds_each_dump_against_itself_reports_nothing() {
    let mut problems = Vec::new();
    for case in cases("kinds") {
        for f in ["old.kmi", "new.kmi"] {
            let r = run_in(&data().join(&case), "kmidiff", &[f, f]);
            if (r.code, r.stdout.as_str(), without_policy_warning(&r.stderr)) != (0, "", "") {
                problems.push(format!(
                    "{case}: `kmidiff {f} {f}` exits {}:\n{}{}",
                    r.code, r.stdout, r.stderr
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn suppressions_through_the_filter() {
    let checks: Vec<Check> = cases("suppressions")
        .iter()
        .map(|c| suppression_check(c))
        .collect();
    verify_all(&checks);
}

/// Section and key of each `key = value` line of a spec.
fn spec_keys(text: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, _)) = line.split_once('=') {
            out.push((section.clone(), k.trim().to_string()));
        }
    }
    out
}

#[test]
fn suppression_cases_use_every_key_to_hide_a_change() {
    // Keys used by a case whose expected report is empty (the change hidden).
    let mut hiding: BTreeSet<(String, String)> = BTreeSet::new();
    let mut used: BTreeMap<(String, String), String> = BTreeMap::new();
    for case in cases("suppressions") {
        let dir = data().join(&case);
        let spec = std::fs::read_to_string(dir.join("spec.ini")).unwrap();
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
        let hides = expected.lines().count() == 1 && expected.ends_with(": exit 0\n");
        for k in spec_keys(&spec) {
            if hides {
                hiding.insert(k.clone());
            }
            used.entry(k).or_insert_with(|| case.clone());
        }
    }
    let mut missing = Vec::new();
    // Every key the suppression reader accepts, from its one key table.
    for section in ["suppress_type", "suppress_function", "suppress_variable"] {
        for k in accepted_keys(section) {
            if !hiding.contains(&(section.to_string(), k.to_string())) {
                missing.push(format!("[{section}] {k}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no case in tests/data/suppressions hides a change with: {}",
        missing.join(", ")
    );
    for ((section, key), case) in used {
        assert!(
            accepted_keys(&section).contains(&key.as_str()),
            "{case}: [{section}] {key} is not a key of the suppression reader"
        );
    }
}

/// The expected files the tool does not meet yet (see [`KNOWN_FAILURES`]).
#[test]
#[ignore = "known failures: bugs reported, expected files kept right (KNOWN_FAILURES)"]
fn known_failures() {
    let mut problems = Vec::new();
    let checks = all_checks();
    for (case, file, why) in KNOWN_FAILURES {
        let check = checks
            .iter()
            .find(|c| c.case == *case && c.file == *file)
            .unwrap_or_else(|| panic!("KNOWN_FAILURES names {case}/{file}, which is no check"));
        if let Err(m) = check.verify(false) {
            problems.push(format!("{m}\nwhy: {why}\n"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn known_failures_name_existing_checks() {
    let checks = all_checks();
    for (case, file, _) in KNOWN_FAILURES {
        assert!(
            checks.iter().any(|c| c.case == *case && c.file == *file),
            "KNOWN_FAILURES names {case}/{file}, which is no check"
        );
        let path = data().join(case).join(file);
        assert!(path.is_file(), "{}: missing", path.display());
    }
}

/// A line diff of two small texts: `  ` kept, `- ` expected only, `+ ` actual only.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out += &format!("  {}\n", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out += &format!("- {}\n", a[i]);
            i += 1;
        } else {
            out += &format!("+ {}\n", b[j]);
            j += 1;
        }
    }
    if !out.lines().any(|l| l.starts_with(['+', '-'])) {
        out += "(the texts differ only in line ends)\n";
    }
    out
}

#[test]
fn diff_marks_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
    assert_eq!(
        diff("a\n", "a"),
        "  a\n(the texts differ only in line ends)\n"
    );
}

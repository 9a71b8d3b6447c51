//! The HTML report as a file: the same bytes from a run and from its saved
//! JSON, self-contained, an entry per change, and errors that name the file.
//! (How it behaves in a browser: `browser.rs`.)

use crate::common::*;
use std::path::Path;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn render_of_the_json_is_the_page_of_the_run() {
    let dir = scratch("html-render");
    let (json, page, rendered) = (
        dir.join("report.json"),
        dir.join("report.html"),
        dir.join("rendered.html"),
    );
    for (format, out) in [("json", &json), ("html", &page)] {
        let r = kmidiff(&["--format", format, "-o", s(out)], "v1", "v2");
        assert_eq!(r.code, 12, "{}", r.stderr);
        assert_eq!(r.stdout, "", "with -o nothing goes to stdout");
    }
    let r = run("kmi", &["render", s(&json), "-o", s(&rendered)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        read(&page) == read(&rendered),
        "kmi render differs from --format html"
    );
    // To stdout as well.
    let r = run("kmi", &["render", s(&json)]);
    assert_eq!(r.stdout, read(&page));

    // The same for the symbol-level check.
    let (json, page) = (dir.join("check.json"), dir.join("check.html"));
    let args = |format: &'static str, out: &Path| -> Vec<String> {
        [
            "abi-check",
            "--explain",
            "--format",
            format,
            "-o",
            s(out),
            "--vmlinux1",
            "v1/vmlinux",
            "--vmlinux2",
            "v2/vmlinux",
            "v1/modules",
            "v2/modules",
        ]
        .map(String::from)
        .to_vec()
    };
    for (format, out) in [("json", &json), ("html", &page)] {
        let a = args(format, out);
        let r = run("kmi", &a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(r.code, 12, "{}", r.stderr);
    }
    let r = run("kmi", &["render", s(&json)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout == read(&page),
        "kmi render differs from abi-check --format html"
    );
    let check = read(&page);
    assert!(check.contains("id=\"sym-kmi_a_send\""));
    assert!(
        check.contains("href=\"#type-struct-kmi_device\""),
        "--explain links the types"
    );
}

/// No network: nothing is loaded from anywhere, the style and the script
/// are in the page.
#[test]
fn the_page_is_one_self_contained_file() {
    let r = kmidiff(&["--format", "html"], "v1", "v2");
    assert_eq!(r.code, 12, "{}", r.stderr);
    let page = r.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    for banned in [" src=", "@import", "url(", "<link", "https:", "<iframe"] {
        assert!(!page.contains(banned), "the page holds {banned:?}");
    }
    // The one URL is the SVG namespace, a name, not a fetch.
    assert_eq!(
        page.matches("http:").count(),
        page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert_eq!(page.matches("<script>").count(), 1);
    assert_eq!(page.matches("<style>").count(), 1);
    // Headings for the outline, a language, a title.
    assert!(page.contains("<html lang=\"en\">") && page.contains("<title>"));
    assert!(page.contains("<h1>") && page.contains("<h2 id=\"types-h\">"));
}

#[test]
fn every_change_has_its_entry_and_anchor() {
    let dir = scratch("html-entries");
    let json = dir.join("r.json");
    assert_eq!(
        kmidiff(&["--format", "json", "-o", s(&json)], "v1", "v2").code,
        12
    );
    let doc: serde_json::Value = serde_json::from_str(&read(&json)).unwrap();
    let page = kmidiff(&["--format", "html"], "v1", "v2").stdout;
    let mut n = 0;
    for section in ["removed", "added", "changed"] {
        for e in doc[section].as_array().unwrap() {
            let name = e["name"].as_str().or(e["symbol"]["name"].as_str()).unwrap();
            assert!(
                page.contains(&format!("<article class=\"e s\" id=\"sym-{name}\"")),
                "{name}"
            );
            n += 1;
        }
    }
    for t in doc["changed_types"].as_array().unwrap() {
        let id = t["type"].as_str().unwrap().replace(' ', "-");
        assert!(
            page.contains(&format!("<article class=\"e t\" id=\"type-{id}\"")),
            "{id}"
        );
        n += 1;
    }
    assert_eq!(n, page.matches("<article class=\"e ").count());
    assert_eq!(n, 30, "1 removed, 2 added, 20 changed, 7 types");
    // The verdict, and the inputs.
    assert!(
        page.contains("Breaking KMI change: 1 interface removed, 19 CRC changed, 2 now GPL-only")
    );
    assert!(page.contains("Exit status 12"));
    assert!(page.contains("<td>6.1.192</td>") && page.contains("<td>DWARF</td>"));
    // An approved entry is marked, and leaves the verdict.
    let allow = dir.join("allow");
    std::fs::write(
        &allow,
        "symbol kmi_a_legacy_reset removed # gone on purpose\n",
    )
    .unwrap();
    let r = kmidiff(&["--format", "html", "--allow", s(&allow)], "v1", "v2");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stdout.contains("gone on purpose"), "the reason is shown");
    assert!(
        r.stdout
            .contains("Breaking KMI change: 19 CRC changed, 2 now GPL-only")
    );
}

#[test]
fn a_kernel_against_itself_is_a_page_that_says_so() {
    let r = kmidiff(&["--format", "html"], "v1", "v1");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("No KMI change"));
    assert_eq!(r.stdout.matches("<article").count(), 0);
}

#[test]
fn suppressed_entries_are_counted_on_the_page() {
    let dir = scratch("html-suppressed");
    let spec = dir.join("s.ini");
    std::fs::write(&spec, "[suppress_function]\nname = kmi_a_legacy_reset\n").unwrap();
    let r = kmidiff(
        &["--format", "html", "--suppressions", s(&spec)],
        "v1",
        "v2",
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Suppressions took out 1 removed, 0 added and 0 changed interfaces"),
        "{}",
        r.stdout.len()
    );
    assert!(!r.stdout.contains("id=\"sym-kmi_a_legacy_reset\""));
}

#[test]
fn render_errors_name_the_file() {
    let dir = scratch("html-errors");
    let one_line = |r: &Run, code: i32, what: &str| {
        assert_eq!(r.code, code, "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(what), "{what}: {}", r.stderr);
        assert_eq!(r.stdout, "");
    };
    let v1 = dir.join("v1.json");
    assert_eq!(
        kmidiff(
            &["--format", "json", "--json-schema", "1", "-o", s(&v1)],
            "v1",
            "v2"
        )
        .code,
        12
    );
    one_line(&run("kmi", &["render", s(&v1)]), 1, "--json-schema 2");
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"schema\": \"kmidiff-report/2\", \"added\": 3}").unwrap();
    one_line(
        &run("kmi", &["render", s(&junk)]),
        1,
        "junk.json: not a valid kmidiff-report/2 report",
    );
    std::fs::write(&junk, "<html>").unwrap();
    one_line(&run("kmi", &["render", s(&junk)]), 1, "junk.json: not JSON");
    std::fs::write(&junk, "[\"kmidiff-report/2\"]").unwrap();
    one_line(&run("kmi", &["render", s(&junk)]), 1, "not a JSON object");
    std::fs::write(&junk, "{\"schema\": \"kmi-abi-check/2\"}").unwrap();
    one_line(
        &run("kmi", &["render", s(&junk)]),
        1,
        "no valid \"changes\"",
    );
    std::fs::write(&junk, "{\"schema\": 1}").unwrap();
    one_line(&run("kmi", &["render", s(&junk)]), 1, "is not a string");
    std::fs::write(&junk, "{\"schema\": \"other/1\"}").unwrap();
    one_line(&run("kmi", &["render", s(&junk)]), 1, "schema \"other/1\"");
    one_line(&run("kmi", &["render", "no-such.json"]), 1, "no-such.json");

    // An output never replaces an input.
    let json = dir.join("r.json");
    assert_eq!(
        kmidiff(&["--format", "json", "-o", s(&json)], "v1", "v2").code,
        12
    );
    let before = read(&json);
    one_line(
        &run("kmi", &["render", s(&json), "-o", s(&json)]),
        2,
        "is the input",
    );
    assert_eq!(read(&json), before);
    let (d1, d2) = fixture_dumps();
    let copy = dir.join("v1.kmi");
    std::fs::copy(d1, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let r = run(
        "kmidiff",
        &["--format", "html", "-o", s(&copy), s(&copy), s(d2)],
    );
    one_line(&r, 2, "is the input");
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // Nor a file of a tree read as a kernel, named or found.
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::copy(kernels().join("v1/vmlinux"), tree.join("vmlinux")).unwrap();
    std::fs::copy(
        kernels().join("v1/modules/extra/kmi_a.ko"),
        tree.join("kmi_a.ko"),
    )
    .unwrap();
    let before = std::fs::read(tree.join("vmlinux")).unwrap();
    let r = run(
        "kmidiff",
        &["-o", s(&tree.join("vmlinux")), s(&tree), s(&tree)],
    );
    one_line(&r, 2, "is a file of the input");
    let r = run(
        "kmi",
        &["abi-check", "-o", s(&tree.join("vmlinux")), s(&tree), s(d2)],
    );
    one_line(&r, 2, "is a file of the input");
    assert!(std::fs::read(tree.join("vmlinux")).unwrap() == before);
    // A report beside them is not an input, new or replaced.
    let _ = std::fs::remove_file(tree.join("report.txt"));
    for _ in 0..2 {
        let r = run(
            "kmidiff",
            &["-o", s(&tree.join("report.txt")), s(&tree), s(&tree)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = run(
        "kmidiff",
        &["-o", s(&tree.join("kmi_a.ko")), s(&tree), s(&tree)],
    );
    one_line(&r, 2, "is a file of the input");
}

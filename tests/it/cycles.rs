//! Types that real C never makes, built by patching the DWARF of a module
//! gcc compiled: a cycle through no named struct, a chain deeper than the
//! bound. Each must be an error naming the file (never a stack overflow,
//! and never two different types taken for one).

use crate::common::*;
use gimli::LittleEndian;
use object::{Object, ObjectSection};
use std::path::{Path, PathBuf};

fn module(dir: &Path, src: &str, export: &str) -> PathBuf {
    gcc_module(dir, "m", src, &[export], &[])
}

/// Point the `DW_AT_type` of the first DIE with `tag` at the DIE itself.
/// Unit-relative references need no relocation, so the bytes can be
/// patched in place: find the 4-byte reference inside the DIE and rewrite.
fn self_reference(ko: &Path, tag: gimli::DwTag) {
    let mut bytes = std::fs::read(ko).unwrap();
    let (file_off, patch) = {
        let obj = object::File::parse(&*bytes).unwrap();
        let sec = obj.section_by_name(".debug_info").unwrap();
        let (sec_off, _) = sec.file_range().unwrap();
        let data = sec.data().unwrap();
        let abbrev = obj.section_by_name(".debug_abbrev").unwrap();
        let abbrev = gimli::DebugAbbrev::new(abbrev.data().unwrap(), LittleEndian);
        let info = gimli::DebugInfo::new(data, LittleEndian);
        let header = info.units().next().unwrap().unwrap();
        let abbrevs = header.abbreviations(&abbrev).unwrap();
        let mut entries = header.entries(&abbrevs);
        let mut found = None;
        while let Some(e) = entries.next_dfs().unwrap() {
            if e.tag() != tag {
                continue;
            }
            let Some(gimli::AttributeValue::UnitRef(target)) = e.attr_value(gimli::DW_AT_type)
            else {
                continue;
            };
            let die = e.offset().to_debug_info_offset(&header).unwrap().0;
            // The reference is a ref4 somewhere in the DIE's first bytes.
            let old = (target.0 as u32).to_le_bytes();
            let at = (die..data.len() - 4)
                .take(32)
                .find(|&i| data[i..i + 4] == old)
                .expect("the reference in the DIE");
            found = Some((sec_off as usize + at, (e.offset().0 as u32).to_le_bytes()));
            break;
        }
        found.expect("a DIE with that tag and a type")
    };
    bytes[file_off..file_off + 4].copy_from_slice(&patch);
    std::fs::write(ko, bytes).unwrap();
}

fn compare(name: &str, old: &str, new: &str, export: &str) -> (Run, PathBuf) {
    let dir = scratch(name);
    module(&dir.join("a"), old, export);
    let ko = module(&dir.join("b"), new, export);
    (
        run(
            "kmidiff",
            &[
                dir.join("a").to_str().unwrap(),
                dir.join("b").to_str().unwrap(),
            ],
        ),
        ko,
    )
}

#[test]
fn a_cycle_through_no_named_type_is_an_error_naming_the_file() {
    for (case, src, tag) in [
        ("array", "int kmi_x[4];", gimli::DW_TAG_array_type),
        ("pointer", "int *kmi_x;", gimli::DW_TAG_pointer_type),
        ("typedef", "typedef int t; t kmi_x;", gimli::DW_TAG_typedef),
        ("const", "const int kmi_x = 1;", gimli::DW_TAG_const_type),
    ] {
        let dir = scratch(&format!("cycle-{case}"));
        module(&dir.join("a"), src, "kmi_x");
        let ko = module(&dir.join("b"), src, "kmi_x");
        self_reference(&ko, tag);
        let (a, b) = (dir.join("a"), dir.join("b"));
        let r = run("kmidiff", &[a.to_str().unwrap(), b.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{case}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "{}: type cycle that does not pass through a named struct or union",
                ko.display()
            )),
            "{case}: {}",
            r.stderr
        );
        // The same for the other jobs that read types.
        let out = dir.join("b.kmi");
        let r = run(
            "kmi",
            &["dump", b.to_str().unwrap(), "-o", out.to_str().unwrap()],
        );
        assert_eq!(r.code, 1, "{case}: {}", r.stderr);
    }
}

/// `int **...*` and `long **...*`, 600 deep: past the bound the hashes
/// would be equal and the change lost; it is refused instead.
#[test]
fn a_chain_deeper_than_the_bound_is_an_error_not_an_equality() {
    let stars = "*".repeat(600);
    let (r, ko) = compare(
        "deep-chain",
        &format!("int {stars}kmi_p;"),
        &format!("long {stars}kmi_p;"),
        "kmi_p",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let a = ko.parent().unwrap().parent().unwrap().join("a/m.ko");
    assert!(
        r.stderr.contains("type nesting deeper than 512")
            && (r.stderr.contains(&a.display().to_string())
                || r.stderr.contains(&ko.display().to_string())),
        "{}",
        r.stderr
    );
    // 500 deep is real enough and still compared: the change is seen.
    let stars = "*".repeat(500);
    let (r, _) = compare(
        "deep-chain-ok",
        &format!("int {stars}kmi_p;"),
        &format!("long {stars}kmi_p;"),
        "kmi_p",
    );
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
}

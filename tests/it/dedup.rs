//! Exact deduplication: two modules that use one name for two different
//! types (`struct inner` in m1.c and in m2.c) keep two types, and a change
//! in one is reported through the interfaces that reach it, not lost by
//! being compared against the other. Built by gcc in the test, one case per
//! way the differing type is reached.

use crate::common::*;

/// A case: the differing type's definitions in m1 (both sides), in m2 on
/// the old side, in m2 on the new side; and what both files declare after
/// it (the same text in both, reaching it some way), with the exported
/// `NAME_get(struct priv *)`.
struct Case {
    name: &'static str,
    m1: &'static str,
    m2_old: &'static str,
    m2_new: &'static str,
    reach: &'static str,
    /// The name the report gives the changed type.
    changed: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "pointer",
        m1: "struct inner { int x; };",
        m2_old: "struct inner { int y; };",
        m2_new: "struct inner { long y; };",
        reach: "struct priv { struct inner *p; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "value",
        m1: "struct inner { int x; };",
        m2_old: "struct inner { int y; };",
        m2_new: "struct inner { unsigned int y; };",
        reach: "struct priv { struct inner in; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "typedef",
        m1: "struct inner { int x; }; typedef struct inner inner_t;",
        m2_old: "struct inner { int y; }; typedef struct inner inner_t;",
        m2_new: "struct inner { long y; }; typedef struct inner inner_t;",
        reach: "struct priv { inner_t *p; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "array",
        m1: "struct inner { int x; };",
        m2_old: "struct inner { int y; };",
        m2_new: "struct inner { long y; };",
        reach: "struct priv { struct inner (*a)[4]; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "function_pointer",
        m1: "struct inner { int x; };",
        m2_old: "struct inner { int y; };",
        m2_new: "struct inner { long y; };",
        reach: "struct priv { int (*cb)(struct inner *); int n; };",
        changed: "struct inner",
    },
    Case {
        name: "two_levels",
        m1: "struct inner { int x; }; struct mid { struct inner *i; };",
        m2_old: "struct inner { int y; }; struct mid { struct inner *i; };",
        m2_new: "struct inner { long y; }; struct mid { struct inner *i; };",
        reach: "struct priv { struct mid *m; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "three_levels",
        m1: "struct inner { int x; }; struct low { struct inner *i; }; struct mid { struct low *l; };",
        m2_old: "struct inner { int y; }; struct low { struct inner *i; }; struct mid { struct low *l; };",
        m2_new: "struct inner { long y; }; struct low { struct inner *i; }; struct mid { struct low *l; };",
        reach: "struct priv { struct mid *m; int n; };",
        changed: "struct inner",
    },
    Case {
        name: "enum",
        m1: "enum state { A };",
        m2_old: "enum state { B };",
        m2_new: "enum state { B, C };",
        reach: "struct priv { enum state *s; int n; };",
        changed: "enum state",
    },
    Case {
        name: "union",
        m1: "union inner { int x; };",
        m2_old: "union inner { int y; };",
        m2_new: "union inner { long y; };",
        reach: "struct priv { union inner *p; int n; };",
        changed: "union inner",
    },
    Case {
        name: "cycle",
        m1: "struct inner { int x; struct priv *back; };",
        m2_old: "struct inner { int y; struct priv *back; };",
        m2_new: "struct inner { long y; struct priv *back; };",
        reach: "struct priv { struct inner *p; int n; };",
        changed: "struct inner",
    },
];

/// Old and new module directories of a case.
fn build(c: &Case) -> (std::path::PathBuf, std::path::PathBuf) {
    // Both tests build the same directories.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch(&format!("dedup-{}", c.name));
    let (old, new) = (dir.join("old"), dir.join("new"));
    let get = |m: &str| format!("int {m}_get(struct priv *p) {{ return p->n; }}");
    // Declared first, for the cases whose types point back at it.
    let src = |types: &str, m: &str| format!("struct priv;\n{types}\n{}\n{}\n", c.reach, get(m));
    for (side, m2) in [(&old, c.m2_old), (&new, c.m2_new)] {
        gcc_module(side, "m1", &src(c.m1, "m1"), &["m1_get"], &["-O0"]);
        gcc_module(side, "m2", &src(m2, "m2"), &["m2_get"], &["-O0"]);
    }
    (old, new)
}

#[test]
fn a_change_in_one_of_two_same_named_types_is_reported() {
    for c in CASES {
        let (old, new) = build(c);
        let r = run("kmidiff", &[s(&old), s(&new)]);
        assert_eq!(r.code, 4, "{}: {}\n{}", c.name, r.stderr, r.stdout);
        assert!(
            r.stdout
                .contains("'function int m2_get(struct priv *)' [m2]"),
            "{}: m2_get not reported:\n{}",
            c.name,
            r.stdout
        );
        assert!(
            !r.stdout.contains("m1_get"),
            "{}: m1_get reported:\n{}",
            c.name,
            r.stdout
        );
        // Named with the file of the definition meant.
        assert!(
            r.stdout.contains(&format!("'{} (m2.c)'", c.changed)),
            "{}: not named by its file:\n{}",
            c.name,
            r.stdout
        );
        // Each side compared with itself: nothing.
        let same = run("kmidiff", &[s(&old), s(&old)]);
        assert_eq!((same.code, same.stdout.as_str()), (0, ""), "{}", c.name);
    }
}

#[test]
fn a_dump_keeps_both_types_and_reads_back_the_same() {
    for c in CASES {
        let (old, new) = build(c);
        let dir = scratch(&format!("dedup-{}", c.name));
        let (da, db) = (dir.join("old.kmi"), dir.join("new.kmi"));
        for (tree, dump) in [(&old, &da), (&new, &db)] {
            let r = run("kmi", &["dump", s(tree), "-o", s(dump)]);
            assert_eq!(r.code, 0, "{}: {}", c.name, r.stderr);
        }
        let text = std::fs::read_to_string(&da).unwrap();
        // A type's line: its id, then its kind and name.
        let defs = |name: &str| {
            text.lines()
                .filter(|l| {
                    l.split_whitespace()
                        .skip(1)
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ")
                        == name
                })
                .count()
        };
        assert_eq!(
            defs(c.changed),
            2,
            "{}: two {} in:\n{text}",
            c.name,
            c.changed
        );
        assert_eq!(
            defs("struct priv"),
            2,
            "{}: two struct priv in:\n{text}",
            c.name
        );
        // The dumps compare as the trees do.
        let trees = run("kmidiff", &[s(&old), s(&new)]);
        let dumps = run("kmidiff", &[s(&da), s(&db)]);
        assert_eq!(dumps.stdout, trees.stdout, "{}", c.name);
        // And a dump read and written again is the same file.
        let again = run("kmi", &["dump", s(&da), "-o", "-"]);
        assert_eq!(again.stdout, text, "{}", c.name);
    }
}

/// A header's struct points at a tag that two modules define differently
/// (as cxgb4's `struct sched_class` turns s390x's `struct task_struct` into a
/// second type in its units): two copies of one header type, both changed,
/// named by the module whose interfaces reach each.
#[test]
fn two_copies_of_a_header_type_are_named_by_their_module() {
    let dir = scratch("dedup-copies");
    for (side, extra) in [("old", ""), ("new", " int added;")] {
        let d = dir.join(side);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("dev.h"),
            format!("struct cls;\nstruct dev {{ struct cls *c; int n;{extra} }};\n"),
        )
        .unwrap();
        for (m, cls) in [
            ("m1", "struct cls { int a; };"),
            ("m2", "struct cls { long b; };"),
        ] {
            let src = format!(
                "#include \"dev.h\"\n{cls}\nint {m}_get(struct dev *d) {{ return d->n; }}\n"
            );
            gcc_module(&d, m, &src, &[&format!("{m}_get")], &["-O0"]);
        }
    }
    let r = run("kmidiff", &[s(&dir.join("old")), s(&dir.join("new"))]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    for m in ["m1", "m2"] {
        assert!(
            r.stdout
                .contains(&format!("'struct dev (dev.h, in {m})' at dev.h changed:")),
            "{m}:\n{}",
            r.stdout
        );
    }
}

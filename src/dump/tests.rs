use super::*;
use crate::compare::{NoFilter, compare_kernels};
use crate::graph::{AggKind, Enumerator, Member, Param, Qualifier, SymbolKind};
use std::path::Path;

fn base(g: &mut Graph, name: &str, bits: u64, enc: u8) -> TypeId {
    let name = g.strings.intern(name);
    g.add(
        Node::Base {
            name,
            size_bits: bits,
            encoding: enc,
        },
        None,
    )
}

fn ptr(g: &mut Graph, t: TypeId) -> TypeId {
    g.add(
        Node::Pointer {
            target: t,
            size_bits: 64,
            reference: false,
        },
        None,
    )
}

fn sym(name: &str, kind: SymbolKind, ty: Option<TypeId>) -> Symbol {
    Symbol {
        name: name.into(),
        kind,
        gpl: false,
        namespace: String::new(),
        crc: None,
        module: "vmlinux".into(),
        size: 0,
        ty,
        location: None,
    }
}

/// A small graph exercising every node kind, a cycle through a named
/// struct, a declaration completed by one of two same-named definitions,
/// odd names, and every optional symbol field. `flip` builds the same
/// content with other node numbers.
fn sample(flip: bool) -> Graph {
    let mut g = Graph::new();
    let (int, uint) = if flip {
        let u = base(&mut g, "unsigned int", 32, 7);
        (base(&mut g, "int", 32, 5), u)
    } else {
        let i = base(&mut g, "int", 32, 5);
        (i, base(&mut g, "unsigned int", 32, 7))
    };
    let odd = base(&mut g, "we\"ird \\ name\n#x", 8, 200);
    let file = Some(g.strings.intern("kmi a.h"));
    let [n_x, n_state, n_a, n_bc, n_handle, n_kmi_a_h, n_l] =
        ["x", "state", "A", "B:c", "handle_t", "kmi_a.h", "l"].map(|s| g.strings.intern(s));
    // struct list { struct list *next; int v; unsigned int bits:3; struct { int x; }; }
    let list = g.add(Node::Void, file);
    let next = ptr(&mut g, list);
    let anon = g.add(
        Node::Aggregate {
            kind: AggKind::Struct,
            name: None,
            size_bits: Some(32),
            members: vec![Member {
                name: Some(n_x),
                ty: int,
                offset_bits: 0,
                bit_size: None,
            }],
        },
        None,
    );
    let names: Vec<_> = ["next", "v", "bits"]
        .iter()
        .map(|n| g.strings.intern(n))
        .collect();
    g.nodes[list.index()] = Node::Aggregate {
        kind: AggKind::Struct,
        name: Some(g.strings.intern("list")),
        size_bits: Some(192),
        members: vec![
            Member {
                name: Some(names[0]),
                ty: next,
                offset_bits: 0,
                bit_size: None,
            },
            Member {
                name: Some(names[1]),
                ty: int,
                offset_bits: 64,
                bit_size: None,
            },
            Member {
                name: Some(names[2]),
                ty: uint,
                offset_bits: 96,
                bit_size: Some(3),
            },
            Member {
                name: None,
                ty: anon,
                offset_bits: 128,
                bit_size: None,
            },
        ],
    };
    // Two different `struct priv`, and a declaration of it.
    let pname = g.strings.intern("priv");
    let mut privs = Vec::new();
    for bits in [32, 64] {
        privs.push(g.add(
            Node::Aggregate {
                kind: AggKind::Struct,
                name: Some(pname),
                size_bits: Some(bits),
                members: Vec::new(),
            },
            None,
        ));
    }
    let decl = g.add(
        Node::Aggregate {
            kind: AggKind::Struct,
            name: Some(pname),
            size_bits: None,
            members: Vec::new(),
        },
        None,
    );
    let pdecl = ptr(&mut g, decl);
    let p64 = ptr(&mut g, privs[1]);
    let e = g.add(
        Node::Enum {
            name: Some(n_state),
            size_bits: Some(32),
            enumerators: vec![
                Enumerator {
                    name: n_a,
                    value: -1,
                },
                Enumerator {
                    name: n_bc,
                    value: i64::MAX,
                },
            ],
        },
        None,
    );
    let c = g.add(
        Node::Qualified {
            qual: Qualifier::Const,
            target: odd,
        },
        None,
    );
    let arr = g.add(
        Node::Array {
            element: c,
            count: Some(16),
        },
        None,
    );
    let flex = g.add(
        Node::Array {
            element: int,
            count: None,
        },
        None,
    );
    let td = g.add(
        Node::Typedef {
            name: n_handle,
            target: uint,
        },
        Some(n_kmi_a_h),
    );
    let lp = ptr(&mut g, list);
    let f = g.add(
        Node::Function {
            ret: td,
            params: vec![
                Param {
                    name: Some(n_l),
                    ty: lp,
                },
                Param { name: None, ty: e },
                Param {
                    name: None,
                    ty: pdecl,
                },
                Param {
                    name: None,
                    ty: p64,
                },
            ],
            variadic: true,
        },
        None,
    );
    let vf = g.add(
        Node::Function {
            ret: Graph::VOID,
            params: Vec::new(),
            variadic: false,
        },
        None,
    );
    // Not reachable from any symbol: must not be written.
    base(&mut g, "orphan", 8, 5);
    let mut s1 = sym("f1", SymbolKind::Function, Some(f));
    s1.crc = Some(0x0123abcd);
    s1.gpl = true;
    s1.namespace = "NS one".into();
    s1.size = 42;
    s1.location = Some("kmi_a.c:12".into());
    let mut s2 = sym("v_arr", SymbolKind::Variable, Some(arr));
    s2.module = "kmi_a".into();
    g.symbols = vec![
        s1,
        s2,
        sym("v_flex", SymbolKind::Variable, Some(flex)),
        sym("void_fn", SymbolKind::Function, Some(vf)),
        sym("untyped", SymbolKind::Unknown, None),
        sym("voidvar", SymbolKind::Variable, Some(Graph::VOID)),
    ];
    g.finish_symbols();
    g
}

fn dump(g: &Graph) -> Vec<u8> {
    let mut v = Vec::new();
    write(g, &mut v).unwrap();
    v
}

fn p(data: &[u8]) -> crate::Result<Graph> {
    parse(data, Path::new("base.kmi"))
}

#[test]
fn round_trip_is_byte_identical_and_compares_equal() {
    let g = sample(false);
    let text = dump(&g);
    let back = p(&text).unwrap();
    assert_eq!(dump(&back), text, "{}", String::from_utf8_lossy(&text));
    let c = compare_kernels(&g, &back, &NoFilter);
    assert!(c.is_empty());
    assert_eq!(g.symbols.len(), back.symbols.len());
    for (a, b) in g.symbols.iter().zip(&back.symbols) {
        let untyped = |s: &Symbol| Symbol {
            ty: None,
            ..s.clone()
        };
        assert_eq!(untyped(a), untyped(b));
        assert_eq!(a.ty.is_some(), b.ty.is_some());
    }
    let s = String::from_utf8(text).unwrap();
    assert!(s.starts_with("kmi-dump 1\n"));
    assert!(!s.contains("orphan"), "{s}");
    assert!(s.contains(" rank=0"), "{s}");
    assert!(s.contains("at=\"kmi a.h\""), "{s}");
    assert!(s.contains("base \"unsigned int\" 32 unsigned"), "{s}");
    assert!(s.contains(":"), "{s}");
}

#[test]
fn output_does_not_depend_on_node_numbering() {
    assert_eq!(dump(&sample(false)), dump(&sample(true)));
}

#[test]
fn declaration_completion_survives_the_round_trip() {
    let g = sample(false);
    let back = p(&dump(&g)).unwrap();
    let defs = back.definitions();
    let d = defs[&(crate::graph::Tag::Struct, "priv")];
    assert!(matches!(
        back.node(d),
        Node::Aggregate {
            size_bits: Some(32),
            ..
        }
    ));
}

#[test]
fn truncated_or_garbled_input_is_an_error_never_a_panic() {
    let text = dump(&sample(false));
    for n in 0..text.len() {
        let _ = p(&text[..n]);
    }
    let noise = [
        b' ', b'x', b'"', b'\\', b'0', b'{', b'}', b'\n', b'#', 0xff, b'-',
    ];
    for i in 0..text.len() {
        for &b in &noise {
            let mut t = text.clone();
            t[i] = b;
            if let Err(e) = p(&t) {
                assert!(e.to_string().starts_with("base.kmi"), "{e}");
            }
        }
        let mut t = text.clone();
        t.remove(i);
        let _ = p(&t);
    }
}

#[test]
fn errors_name_file_and_line() {
    let err = |s: &str| p(s.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        err("kmi-dump 2\n"),
        "base.kmi:1: kmi-dump version 2 is not supported (this build reads version 1)"
    );
    assert!(err("").starts_with("base.kmi:1: not a kmi dump"));
    assert!(err("\u{7f}ELF").starts_with("base.kmi:1: not a kmi dump"));
    let one = "0000000000000001 base int 32 signed\n";
    assert_eq!(
        err(&format!("kmi-dump 1\n{one}{one}")),
        "base.kmi:3: type id 0000000000000001 defined twice"
    );
    assert_eq!(
        err("kmi-dump 1\n# c\n\n0000000000000002 pointer 0000000000000003 64\n"),
        "base.kmi:4: unknown type id 0000000000000003"
    );
    assert_eq!(
        err("kmi-dump 1\nsym a function 0000000000000009 vmlinux\n"),
        "base.kmi:2: unknown type id 0000000000000009"
    );
    assert_eq!(
        err("kmi-dump 1\nsym a symbol - m\nsym a symbol - m\n"),
        "base.kmi:3: symbol a listed twice"
    );
    assert!(err("kmi-dump 1\nsym a thing - m\n").starts_with("base.kmi:2: unknown symbol kind"));
    assert!(
        err("kmi-dump 1\nsym a symbol - m gpl crc=0x1\n").starts_with("base.kmi:2: unexpected")
    );
    assert!(err("kmi-dump 1\n0000000000000001 blob\n").starts_with("base.kmi:2: unknown type"));
    assert!(err("kmi-dump 1\n0000000000000001  base int 32 5\n").contains("one space"));
    // A pointer that points at itself is no C type.
    assert_eq!(
        err("kmi-dump 1\n0000000000000001 pointer 0000000000000001 64\n"),
        "base.kmi:2: type cycle that does not pass through a named struct or union"
    );
}

#[test]
fn cycles_through_named_structs_are_fine_and_deep_chains_are_not() {
    let ok = "kmi-dump 1\n\
              0000000000000001 struct s 64 { next:0000000000000002@0 }\n\
              0000000000000002 pointer 0000000000000001 64\n";
    assert!(p(ok.as_bytes()).is_ok());
    let mut deep = String::from("kmi-dump 1\n0000000000000000 base int 32 signed\n");
    for i in 1..=u64::from(crate::graph::MAX_DEPTH) + 1 {
        deep += &format!("{i:016x} pointer {:016x} 64\n", i - 1);
    }
    let e = p(deep.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("deeper than"), "{e}");
}

#[test]
fn crlf_and_compressed_files_read_the_same() {
    let text = dump(&sample(false));
    let crlf: Vec<u8> = String::from_utf8(text.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    assert_eq!(dump(&p(&crlf).unwrap()), text);
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("x.kmi.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(dump(&load(&gz).unwrap()), text);
}

#[test]
fn restrict_keeps_listed_symbols_and_their_types() {
    let g = sample(false);
    let keep: FxHashSet<String> = ["v_flex".to_string()].into_iter().collect();
    let r = restrict(&g, &keep);
    assert_eq!(r.symbols.len(), 1);
    let s = String::from_utf8(dump(&r)).unwrap();
    assert!(s.contains("sym v_flex"));
    assert!(!s.contains("struct list"), "{s}");
    assert_eq!(
        s.lines()
            .filter(|l| !l.starts_with(['#', 's', 'k']))
            .count(),
        2
    );
}

#[test]
fn vmlinux_exports_are_found_in_symbol_records_alone() {
    let text = |module: &str| {
        format!(
            "kmi-dump 1\n0000000000000001 base int 32 signed\n\
             sym a function 0000000000000001 kmi_a crc=0x00000001\n\
             sym b symbol - {module}\r\n"
        )
    };
    assert!(has_vmlinux_exports(text("vmlinux").as_bytes()));
    assert!(!has_vmlinux_exports(text("kmi_b").as_bytes()));
    // A record that does not parse counts for nothing; the parse reports it.
    assert!(!has_vmlinux_exports(b"kmi-dump 1\nsym a bogus - vmlinux\n"));
}

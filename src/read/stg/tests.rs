use super::*;
use crate::graph::{AggKind, Node, Qualifier, SymbolKind};

fn read(text: &str) -> Result<Graph> {
    parse(text, Path::new("t.stg"))
}

/// Every node kind a C interface uses, in one file.
const ALL_KINDS: &str = r#"# a comment before the header
version: 0x00000002
root_id: 0x00000100  # the interface
special { id: 0x1 kind: VOID }
special { id: 0x2 kind: VARIADIC }
primitive { id: 0x10 name: "int" encoding: SIGNED_INTEGER bytesize: 0x00000004 }
primitive { id: 0x11 name: "long int" encoding: SIGNED_INTEGER bytesize: 0x00000008 }
primitive { id: 0x12 name: "char" encoding: SIGNED_CHARACTER bytesize: 1 }
primitive { id: 0x13 name: "_Bool" encoding: BOOLEAN bytesize: 1 }
primitive { id: 0x14 name: "unsigned char" encoding: UNSIGNED_CHARACTER bytesize: 1 }
primitive { id: 0x15 name: "unsigned int" encoding: UNSIGNED_INTEGER bytesize: 4 }
primitive { id: 0x16 name: "double" encoding: REAL_NUMBER bytesize: 8 }
typedef { id: 0x20 name: "u32" referred_type_id: 0x15 }
qualified { id: 0x21 qualifier: CONST qualified_type_id: 0x12 }
qualified { id: 0x22 qualifier: VOLATILE qualified_type_id: 0x10 }
qualified { id: 0x23 qualifier: RESTRICT qualified_type_id: 0x24 }
qualified { id: 0x2a qualifier: ATOMIC qualified_type_id: 0x10 }
pointer_reference { id: 0x24 kind: POINTER pointee_type_id: 0x21 }
pointer_reference { id: 0x25 kind: POINTER pointee_type_id: 0x30 }
pointer_reference { id: 0x26 kind: LVALUE_REFERENCE pointee_type_id: 0x10 }
pointer_reference { id: 0x27 kind: RVALUE_REFERENCE pointee_type_id: 0x10 }
pointer_to_member { id: 0x28 containing_type_id: 0x30 pointee_type_id: 0x10 }
array { id: 0x29 number_of_elements: 16 element_type_id: 0x12 }
array { id: 0x2b element_type_id: 0x10 }
member { id: 0x40 name: "next" type_id: 0x25 }
member { id: 0x41 name: "flags" type_id: 0x15 offset: 64 bitsize: 3 }
member { id: 0x42 type_id: 0x31 offset: 128 }
member { id: 0x43 name: "name" type_id: 0x29 offset: 192 }
member { id: 0x44 name: "a" type_id: 0x10 }
member { id: 0x45 name: "b" type_id: 0x16 }
struct_union {
  id: 0x30
  kind: STRUCT
  name: "node"
  definition {
    bytesize: 40
    member_id: 0x40
    member_id: 0x41
    member_id: 0x42
    member_id: 0x43
  }
}
struct_union {
  id: 0x31
  kind: UNION
  definition { bytesize: 8 member_id: 0x44 member_id: 0x45 }
}
struct_union { id: 0x32 kind: STRUCT name: "opaque" }
enumeration {
  id: 0x50
  name: "color"
  definition {
    underlying_type_id: 0x20
    enumerator { name: "RED" }
    enumerator { name: "GREEN" value: 1 }
    enumerator { name: "NEG" value: -5 }
  }
}
enumeration { id: 0x51 name: "later" }
variant_member { id: 0x60 name: "Some" type_id: 0x10 }
variant_member { id: 0x61 name: "None" type_id: 0x1 }
variant { id: 0x62 name: "Option" bytesize: 8 member_id: 0x60 member_id: 0x61 }
base_class { id: 0x63 type_id: 0x30 }
method { id: 0x64 mangled_name: "_ZN1x1fEv" name: "f" type_id: 0x70 }
function { id: 0x70 return_type_id: 0x1 }
function {
  id: 0x71
  return_type_id: 0x10
  parameter_id: 0x24
  parameter_id: 0x2
}
function {
  id: 0x72
  return_type_id: 0x22
  parameter_id: 0x25
  parameter_id: 0x50
  parameter_id: 0x51
  parameter_id: 0x32
  parameter_id: 0x23
  parameter_id: 0x26
  parameter_id: 0x27
  parameter_id: 0x28
  parameter_id: 0x2a
  parameter_id: 0x2b
  parameter_id: 0x62
  parameter_id: 0x13
  parameter_id: 0x14
  parameter_id: 0x11
}
elf_symbol {
  id: 0x80
  name: "printk"
  is_defined: true
  symbol_type: FUNCTION
  crc: 0x12345678
  type_id: 0x71
  full_name: "printk"
}
elf_symbol {
  id: 0x81
  name: "everything"
  version_info { is_default: true name: "V1" }
  is_defined: true
  symbol_type: FUNCTION
  binding: WEAK
  visibility: DEFAULT
  crc: 0x0
  namespace: "NS"
  type_id: 0x72
}
elf_symbol { id: 0x82 name: "a_var" symbol_type: OBJECT type_id: 0x30 }
elf_symbol { id: 0x83 name: "asm_thing" symbol_type: FUNCTION }
elf_symbol { id: 0x84 name: "not_exported" symbol_type: OBJECT type_id: 0x10 }
interface {
  id: 0x100
  symbol_id: 0x83
  symbol_id: 0x80
  symbol_id: 0x81
  symbol_id: 0x82
  type_id: 0x20
}
"#;

#[test]
fn every_node_kind() {
    assert!(looks_like(ALL_KINDS.as_bytes()));
    let g = read(ALL_KINDS).unwrap();
    let names: Vec<&str> = g.symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a_var", "asm_thing", "everything", "printk"]);
    assert_eq!(g.lacks, super::LACKS);

    let printk = g.symbol("printk").unwrap();
    assert_eq!(printk.kind, SymbolKind::Function);
    assert_eq!(printk.crc, Some(0x12345678));
    assert_eq!(
        g.declare(printk.ty.unwrap(), "printk"),
        "int printk(const char *, ...)"
    );
    let Node::Function {
        variadic, params, ..
    } = g.node(printk.ty.unwrap())
    else {
        panic!()
    };
    assert!(*variadic);
    assert_eq!(params.len(), 1);

    let e = g.symbol("everything").unwrap();
    assert_eq!((e.crc, e.namespace.as_str()), (Some(0), "NS"));
    let Node::Function {
        ret,
        params,
        variadic,
    } = g.node(e.ty.unwrap())
    else {
        panic!()
    };
    assert!(!*variadic);
    assert!(matches!(
        g.node(*ret),
        Node::Qualified {
            qual: Qualifier::Volatile,
            ..
        }
    ));
    let p: Vec<&Node> = params.iter().map(|p| g.node(p.ty)).collect();
    // struct node *
    let Node::Pointer {
        target,
        size_bits: 64,
        reference: false,
    } = p[0]
    else {
        panic!("{:?}", p[0])
    };
    let Node::Aggregate {
        kind: AggKind::Struct,
        size_bits: Some(320),
        members,
        ..
    } = g.node(*target)
    else {
        panic!()
    };
    assert_eq!(members.len(), 4);
    assert_eq!(g.opt_str(members[0].name), "next");
    // The cycle: node.next points back at node.
    assert!(matches!(g.node(members[0].ty), Node::Pointer { target: t, .. } if t == target));
    assert_eq!((members[1].offset_bits, members[1].bit_size), (64, Some(3)));
    assert_eq!(members[2].name, None);
    assert!(matches!(
        g.node(members[2].ty),
        Node::Aggregate { kind: AggKind::Union, name: None, size_bits: Some(64), members } if members.len() == 2
    ));
    assert!(matches!(
        g.node(members[3].ty),
        Node::Array {
            count: Some(16),
            ..
        }
    ));
    // enum color, defined, sized by its underlying typedef'd unsigned int.
    let Node::Enum {
        name,
        size_bits: Some(32),
        enumerators,
    } = p[1]
    else {
        panic!("{:?}", p[1])
    };
    assert_eq!(g.opt_str(*name), "color");
    let values: Vec<(&str, i64)> = enumerators
        .iter()
        .map(|e| (g.str(e.name), e.value))
        .collect();
    assert_eq!(values, [("RED", 0), ("GREEN", 1), ("NEG", -5)]);
    assert!(matches!(
        p[2],
        Node::Enum {
            size_bits: None,
            ..
        }
    ));
    assert!(matches!(p[3], Node::Aggregate { size_bits: None, members, .. } if members.is_empty()));
    assert!(matches!(
        p[4],
        Node::Qualified {
            qual: Qualifier::Restrict,
            ..
        }
    ));
    assert!(matches!(
        p[5],
        Node::Pointer {
            reference: true,
            ..
        }
    ));
    assert!(matches!(
        p[6],
        Node::Pointer {
            reference: true,
            ..
        }
    ));
    assert!(matches!(
        p[7],
        Node::Pointer {
            reference: false,
            ..
        }
    ));
    assert!(matches!(
        p[8],
        Node::Qualified {
            qual: Qualifier::Atomic,
            ..
        }
    ));
    assert!(matches!(p[9], Node::Array { count: None, .. }));
    assert!(matches!(
        p[10],
        Node::Aggregate { kind: AggKind::Union, size_bits: Some(64), members, .. } if members.len() == 2
    ));
    let enc: Vec<(u64, u8)> = p[11..]
        .iter()
        .map(|n| match n {
            Node::Base {
                size_bits,
                encoding,
                ..
            } => (*size_bits, *encoding),
            _ => panic!("{n:?}"),
        })
        .collect();
    assert_eq!(enc, [(8, 2), (8, 8), (64, 5)]);

    let v = g.symbol("a_var").unwrap();
    assert_eq!(v.kind, SymbolKind::Variable);
    assert_eq!(v.crc, None);
    assert_eq!(g.symbol("asm_thing").unwrap().ty, None);
    assert!(g.symbol("not_exported").is_none());
}

#[test]
fn symbols_only() {
    let g = read(
        "version: 0x00000002\nroot_id: 0x1\n\
         elf_symbol { id: 0x2 name: \"f\" is_defined: true symbol_type: FUNCTION crc: 0xabc }\n\
         interface { id: 0x1 symbol_id: 0x2 }\n",
    )
    .unwrap();
    assert!(g.lacks.types);
    assert_eq!(g.symbols.len(), 1);
    assert_eq!(g.symbols[0].crc, Some(0xabc));
}

#[test]
fn declarations_are_completed_by_definitions() {
    // A pointer to a declaration and a pointer to the definition of the same
    // struct become one pointer after our merge, as in a DWARF read.
    let g = read(
        r#"version: 0x2
root_id: 0x1
special { id: 0x9 kind: VOID }
primitive { id: 0x10 name: "int" encoding: SIGNED_INTEGER bytesize: 4 }
member { id: 0x11 name: "x" type_id: 0x10 }
struct_union { id: 0x20 kind: STRUCT name: "s" }
struct_union { id: 0x21 kind: STRUCT name: "s" definition { bytesize: 4 member_id: 0x11 } }
pointer_reference { id: 0x30 kind: POINTER pointee_type_id: 0x20 }
pointer_reference { id: 0x31 kind: POINTER pointee_type_id: 0x21 }
function { id: 0x40 return_type_id: 0x9 parameter_id: 0x30 }
function { id: 0x41 return_type_id: 0x9 parameter_id: 0x31 }
elf_symbol { id: 0x50 name: "a" symbol_type: FUNCTION type_id: 0x40 }
elf_symbol { id: 0x51 name: "b" symbol_type: FUNCTION type_id: 0x41 }
interface { id: 0x1 symbol_id: 0x50 symbol_id: 0x51 }
"#,
    )
    .unwrap();
    assert_eq!(g.symbol("a").unwrap().ty, g.symbol("b").unwrap().ty);
}

fn err(text: &str) -> String {
    read(text).unwrap_err().to_string()
}

#[test]
fn dangling_id_names_its_line() {
    let e = err("version: 0x2\nroot_id: 0x1\n\
         pointer_reference {\n  id: 0x5\n  kind: POINTER\n  pointee_type_id: 0x77\n}\n\
         elf_symbol { id: 0x2 name: \"f\" symbol_type: OBJECT type_id: 0x5 }\n\
         interface { id: 0x1 symbol_id: 0x2 }\n");
    assert_eq!(e, "t.stg:3: refers to id 0x00000077, which is not defined");
    let e = err("version: 0x2\nroot_id: 0x9\n");
    assert!(e.contains("0x00000009, which is not defined"), "{e}");
}

#[test]
fn malformed_inputs_are_errors_with_lines() {
    for (text, want) in [
        ("", "t.stg:1: not an STG file: no 'version' field"),
        ("version: 0x3\n", "t.stg:1: STG format version 3 is newer"),
        (
            "version: 2\nroot_id: 0x1\nfoo {\n",
            "t.stg:4: unexpected end of input",
        ),
        ("version: 2\n}\n", "t.stg:2: expected a field name"),
        (
            "version: 2\nprimitive { id: 0x1 name: \"x\n",
            "t.stg:2: unterminated string",
        ),
        (
            "version: 2\nprimitive { id: 0x1 bytesize: -1 }",
            "t.stg:2: invalid value for 'bytesize'",
        ),
        (
            "version: 2\nprimitive { id: 0x100000000 }",
            "t.stg:2: invalid value for 'id'",
        ),
        (
            "version: 2\nspecial { id: 1 kind: NOPE }",
            "t.stg:2: unknown kind of 'special'",
        ),
        (
            "version: 2\ntypedef { name: \"x\" }",
            "t.stg:2: 'typedef' without an id",
        ),
        (
            "version: 2\nspecial { id: 1 kind: VOID }\nspecial { id: 1 kind: VOID }",
            "t.stg:3: id 0x00000001 defined twice (first at line 2)",
        ),
        (
            "version: 2\nroot_id: 1\nspecial { id: 1 kind: VOID }",
            "t.stg:2: root_id is not an interface",
        ),
        ("version: 2 @", "t.stg:1: unexpected character '@'"),
    ] {
        let e = err(text);
        assert!(e.starts_with(want), "{text:?}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn truncated_input_is_an_error_at_every_cut() {
    let mut ok = 0;
    for cut in 0..ALL_KINDS.len() {
        if !ALL_KINDS.is_char_boundary(cut) {
            continue;
        }
        // Whole nodes can be cut off and leave a valid file; the rest must
        // fail cleanly.
        if read(&ALL_KINDS[..cut]).is_ok() {
            ok += 1;
        }
    }
    assert!(ok < 5, "{ok} cuts read");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "version: 2\nfuture {{ {}{} }}",
        "x {".repeat(100_000),
        "}".repeat(100_000)
    );
    let e = err(&deep);
    assert!(e.contains("nested deeper than 64"), "{e}");
    // A million-long chain of pointers is read, then refused by the depth
    // check rather than walked by recursion.
    let mut t = String::from("version: 2\nroot_id: 0x1\nspecial { id: 0x2 kind: VOID }\n");
    let n = 100_000u32;
    for i in 0..n {
        let target = if i == 0 { 2 } else { 0x10 + i - 1 };
        t.push_str(&format!(
            "pointer_reference {{ id: {} kind: POINTER pointee_type_id: {} }}\n",
            0x10 + i,
            target
        ));
    }
    t.push_str(&format!(
        "elf_symbol {{ id: 0x3 name: \"v\" symbol_type: OBJECT type_id: {} }}\n\
         interface {{ id: 0x1 symbol_id: 0x3 }}\n",
        0x10 + n - 1
    ));
    let e = err(&t);
    assert!(e.contains("type nesting deeper than"), "{e}");
    // A cycle that passes no named struct.
    let e = err("version: 2\nroot_id: 0x1\n\
         pointer_reference { id: 0x5 kind: POINTER pointee_type_id: 0x6 }\n\
         typedef { id: 0x6 name: \"t\" referred_type_id: 0x5 }\n\
         elf_symbol { id: 0x2 name: \"v\" symbol_type: OBJECT type_id: 0x5 }\n\
         interface { id: 0x1 symbol_id: 0x2 }\n");
    assert!(e.contains("type cycle"), "{e}");
}

#[test]
fn strings_and_syntax_variants() {
    let g = read(
        "# header comment\n\nversion: 2\nroot_id: 1;\n\
         primitive < id: 0x10, name: 'in' \"t\" encoding: SIGNED_INTEGER bytesize: 04 >\n\
         typedef: { id: 0x11 name: \"a\\\"b\\\\c\\101\\x42\\u00e9\" referred_type_id: 0x10 }\n\
         elf_symbol { id: 2 name: \"x\" symbol_type: OBJECT type_id: 0x11 unknown_field: 3 }\n\
         interface { id: 1 symbol_id: 2 }\n",
    )
    .unwrap();
    let t = g.symbol("x").unwrap().ty.unwrap();
    let Node::Typedef { name, target } = g.node(t) else {
        panic!()
    };
    assert_eq!(g.str(*name), "a\"b\\cABé");
    assert!(
        matches!(g.node(*target), Node::Base { name, size_bits: 32, .. } if g.str(*name) == "int")
    );
}

#[test]
fn sniffing() {
    assert!(looks_like(b"version: 0x00000002\nroot_id: 0x84ea5130\n"));
    assert!(looks_like(
        b"# c\n\n  version: 1  # v\nroot_id: 7\nspecial {"
    ));
    assert!(!looks_like(b"version: 2\nspecial { }\n"));
    assert!(!looks_like(b"0x1234\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n"));
    assert!(!looks_like(b""));
}

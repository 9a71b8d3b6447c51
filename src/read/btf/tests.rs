//! BTF blobs built here, in both byte orders, for every kind.

use super::parse::kind::*;
use super::*;
use crate::graph::{AggKind, Graph, Node, Qualifier, Symbol, SymbolKind};

/// Writes a BTF blob the way pahole lays one out.
pub(crate) struct Blob {
    big: bool,
    types: Vec<u8>,
    strs: Vec<u8>,
    /// Where this blob's ids and strings start (split BTF).
    next_id: u32,
    str_base: u32,
}

impl Blob {
    pub(crate) fn new(big: bool) -> Self {
        Blob {
            big,
            types: Vec::new(),
            strs: vec![0],
            next_id: 1,
            str_base: 0,
        }
    }

    /// A split blob continuing `base`.
    pub(crate) fn split(base: &Blob) -> Self {
        Blob {
            big: base.big,
            types: Vec::new(),
            strs: Vec::new(),
            next_id: base.next_id,
            str_base: base.str_base + base.strs.len() as u32,
        }
    }

    fn w(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.types.extend_from_slice(&b);
    }

    pub(crate) fn s(&mut self, name: &str) -> u32 {
        if name.is_empty() {
            return 0;
        }
        let off = self.str_base + self.strs.len() as u32;
        self.strs.extend_from_slice(name.as_bytes());
        self.strs.push(0);
        off
    }

    /// A type record: the common part then `extra` words.
    pub(crate) fn ty(
        &mut self,
        name: &str,
        k: u8,
        flag: bool,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> u32 {
        let n = self.s(name);
        self.w(n);
        self.w((u32::from(flag) << 31) | (u32::from(k) << 24) | vlen);
        self.w(size_or_type);
        for &e in extra {
            self.w(e);
        }
        self.next_id += 1;
        self.next_id - 1
    }

    pub(crate) fn bytes_with(&self, hdr_len: u32, layout: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let w = |out: &mut Vec<u8>, v: u32| {
            out.extend_from_slice(&if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        out.extend_from_slice(&if self.big {
            MAGIC_BYTES_BE
        } else {
            MAGIC_BYTES_LE
        });
        out.extend_from_slice(&[1, 0]);
        w(&mut out, hdr_len);
        let tl = self.types.len() as u32;
        let sl = self.strs.len() as u32;
        for v in [0, tl, tl, sl] {
            w(&mut out, v);
        }
        if hdr_len >= 32 {
            w(&mut out, tl + sl);
            w(&mut out, layout.len() as u32);
        }
        out.resize(hdr_len as usize, 0);
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strs);
        out.extend_from_slice(layout);
        out
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        self.bytes_with(24, &[])
    }
}

const MAGIC_BYTES_LE: [u8; 2] = [0x9F, 0xEB];
const MAGIC_BYTES_BE: [u8; 2] = [0xEB, 0x9F];

fn export(name: &str) -> Symbol {
    Symbol {
        name: name.into(),
        kind: SymbolKind::Unknown,
        gpl: false,
        namespace: String::new(),
        crc: None,
        module: "vmlinux".into(),
        size: 0,
        ty: None,
        location: None,
    }
}

/// Every kind, as `struct all` and the function `f` reach them.
fn every_kind(big: bool) -> Blob {
    let mut b = Blob::new(big);
    let int = b.ty("int", INT, false, 0, 4, &[(1 << 24) | 32]); // 1
    let uchar = b.ty("unsigned char", INT, false, 0, 1, &[(2 << 24) | 8]); // 2
    let boolean = b.ty("_Bool", INT, false, 0, 1, &[(4 << 24) | 8]); // 3
    let dbl = b.ty("double", FLOAT, false, 0, 8, &[]); // 4
    let ptr = b.ty("", PTR, false, 0, int, &[]); // 5
    let arr = b.ty("", ARRAY, false, 0, 0, &[uchar, int, 16]); // 6
    let flex = b.ty("", ARRAY, false, 0, 0, &[int, int, 0]); // 7
    let fwd = b.ty("opaque", FWD, true, 0, 0, &[]); // 8 (union)
    let fwd_ptr = b.ty("", PTR, false, 0, fwd, &[]); // 9
    let en = b.ty("", ENUM, true, 2, 4, &[]); // 10: members follow
    let (a, m1) = (b.s("A"), b.s("MINUS"));
    for v in [a, 1, m1, (-1i32) as u32] {
        b.w(v);
    }
    let e64 = b.ty("big", ENUM64, false, 1, 8, &[]); // 11
    let x = b.s("X");
    for v in [x, 0, 1] {
        b.w(v);
    }
    let fenum = b.ty("later", ENUM, false, 0, 4, &[]); // 12: forward enum
    let td = b.ty("u8", TYPEDEF, false, 0, uchar, &[]); // 13
    let c = b.ty("", CONST, false, 0, td, &[]); // 14
    let v = b.ty("", VOLATILE, false, 0, c, &[]); // 15
    let r = b.ty("", RESTRICT, false, 0, ptr, &[]); // 16
    let tag = b.ty("user", TYPE_TAG, false, 0, int, &[]); // 17
    let tagged = b.ty("", PTR, false, 0, tag, &[]); // 18
    // struct all (kind_flag: bit-field sizes in the offsets)
    let st = b.ty("all", STRUCT, true, 12, 64, &[]); // 19
    let members: [(&str, u32, u32); 12] = [
        ("i", int, 0),
        ("p", ptr, 64),
        ("a", arr, 128),
        ("b", boolean, (3 << 24) | 256),
        ("d", dbl, 320),
        ("u", fwd_ptr, 384),
        ("e", en, 448),
        ("w", e64, 0),
        ("f", fenum, 0),
        ("v", v, 0),
        ("r", r, 0),
        ("", tagged, 0),
    ];
    for (n, t, o) in members {
        let n = b.s(n);
        for x in [n, t, o] {
            b.w(x);
        }
    }
    let _ = flex;
    let un = b.ty("u", UNION, false, 1, 4, &[]); // 20
    let n = b.s("flex");
    for x in [n, flex, 0] {
        b.w(x);
    }
    let stp = b.ty("", PTR, false, 0, st, &[]); // 21
    let unp = b.ty("", PTR, false, 0, un, &[]); // 22
    let proto = b.ty("", FUNC_PROTO, false, 3, int, &[]); // 23
    let (p0, p1) = (b.s("s"), b.s("un"));
    for x in [p0, stp, p1, unp, 0, 0] {
        b.w(x);
    }
    b.ty("f", FUNC, false, 1, proto, &[]); // 24, global
    b.ty("per_cpu_thing", VAR, false, 0, int, &[1]); // 25
    b.ty(".data..percpu", DATASEC, false, 1, 4, &[25, 0, 4]); // 26
    b.ty("f", DECL_TAG, false, 0, 24, &[u32::MAX]); // 27
    b
}

fn read(blob: &[u8], names: &[&str]) -> (Graph, Vec<Symbol>) {
    let btf = Btf::parse(blob, None).unwrap();
    let mut ex: Vec<Symbol> = names.iter().map(|n| export(n)).collect();
    let g = read_types(Space::alone(&btf), 64, &mut ex).unwrap();
    (g, ex)
}

fn check_every_kind(g: &Graph, ex: &[Symbol]) {
    assert_eq!(ex[0].kind, SymbolKind::Function);
    assert_eq!(ex[1].kind, SymbolKind::Variable);
    assert_eq!(ex[2].ty, None, "no BTF for it");
    let Node::Function {
        ret,
        params,
        variadic,
    } = g.node(ex[0].ty.unwrap())
    else {
        panic!("f is not a function")
    };
    assert!(variadic);
    assert_eq!(params.len(), 2);
    assert!(matches!(
        g.node(*ret),
        Node::Base {
            size_bits: 32,
            encoding: 5,
            ..
        }
    ));
    let Node::Pointer {
        target,
        size_bits: 64,
        ..
    } = g.node(params[0].ty)
    else {
        panic!()
    };
    let Node::Aggregate {
        kind: AggKind::Struct,
        size_bits: Some(512),
        members,
        ..
    } = g.node(*target)
    else {
        panic!("not struct all: {:?}", g.node(*target))
    };
    let m = |i: usize| &members[i];
    assert_eq!(g.str(m(0).name.unwrap()), "i");
    assert!(matches!(
        g.node(m(2).ty),
        Node::Array {
            count: Some(16),
            ..
        }
    ));
    assert_eq!((m(3).offset_bits, m(3).bit_size), (256, Some(3)));
    assert!(matches!(g.node(m(3).ty), Node::Base { encoding: 2, .. }));
    assert!(matches!(
        g.node(m(4).ty),
        Node::Base {
            encoding: 4,
            size_bits: 64,
            ..
        }
    ));
    let Node::Pointer { target: u, .. } = g.node(m(5).ty) else {
        panic!()
    };
    assert!(matches!(
        g.node(*u),
        Node::Aggregate {
            kind: AggKind::Union,
            size_bits: None,
            ..
        }
    ));
    let Node::Enum {
        enumerators,
        size_bits: Some(32),
        ..
    } = g.node(m(6).ty)
    else {
        panic!()
    };
    assert_eq!(enumerators[1].value, -1, "signed enum");
    let Node::Enum { enumerators, .. } = g.node(m(7).ty) else {
        panic!()
    };
    assert_eq!(enumerators[0].value, 1 << 32);
    assert!(matches!(
        g.node(m(8).ty),
        Node::Enum {
            size_bits: None,
            ..
        }
    ));
    let Node::Qualified {
        qual: Qualifier::Volatile,
        target,
    } = g.node(m(9).ty)
    else {
        panic!()
    };
    let Node::Qualified {
        qual: Qualifier::Const,
        target,
    } = g.node(*target)
    else {
        panic!()
    };
    assert!(matches!(g.node(*target), Node::Typedef { .. }));
    assert!(matches!(
        g.node(m(10).ty),
        Node::Qualified {
            qual: Qualifier::Restrict,
            ..
        }
    ));
    assert!(m(11).name.is_none());
    // The type tag is read through.
    let Node::Pointer { target, .. } = g.node(m(11).ty) else {
        panic!()
    };
    assert!(matches!(g.node(*target), Node::Base { size_bits: 32, .. }));
    let Node::Pointer { target, .. } = g.node(params[1].ty) else {
        panic!()
    };
    let Node::Aggregate { members, .. } = g.node(*target) else {
        panic!()
    };
    assert!(matches!(
        g.node(members[0].ty),
        Node::Array { count: None, .. }
    ));
}

#[test]
fn every_kind_both_byte_orders() {
    for big in [false, true] {
        let blob = every_kind(big).bytes();
        let (g, ex) = read(&blob, &["f", "per_cpu_thing", "missing"]);
        check_every_kind(&g, &ex);
    }
}

#[test]
fn both_orders_give_the_same_graph() {
    let names = ["f", "per_cpu_thing"];
    let (a, _) = read(&every_kind(false).bytes(), &names);
    let (b, _) = read(&every_kind(true).bytes(), &names);
    assert_eq!(a.nodes, b.nodes);
}

#[test]
fn header_length_comes_from_the_header() {
    // A longer header with a layout section that describes kind 25 (unknown
    // here): 4 bytes of info, no members.
    let mut b = every_kind(false);
    b.ty("", 25, false, 0, 0, &[7]);
    let mut layout = vec![0u8; 26 * 4];
    layout[25 * 4] = 4;
    let blob = b.bytes_with(32, &layout);
    let btf = Btf::parse(&blob, None).unwrap();
    assert_eq!(btf.len(), 28);
    // Without the layout section, the unknown kind is an error.
    let blob = b.bytes_with(40, &[]);
    let e = Btf::parse(&blob, None).unwrap_err();
    assert!(e.contains("unknown kind 25"), "{e}");
}

#[test]
fn old_bitfield_encoding() {
    let mut b = Blob::new(false);
    // A 3-bit unsigned int at bit 2 of its unit, in the INT's encoding.
    let bits = b.ty("unsigned int", INT, false, 0, 4, &[(2 << 16) | 3]);
    let st = b.ty("s", STRUCT, false, 1, 4, &[]);
    let n = b.s("x");
    for x in [n, bits, 32] {
        b.w(x);
    }
    b.ty("v", VAR, false, 0, st, &[1]);
    let (g, ex) = read(&b.bytes(), &["v"]);
    let Node::Aggregate { members, .. } = g.node(ex[0].ty.unwrap()) else {
        panic!()
    };
    assert_eq!((members[0].offset_bits, members[0].bit_size), (34, Some(3)));
}

#[test]
fn split_btf_continues_its_base() {
    let base = every_kind(false);
    let mut m = Blob::split(&base);
    // Refers to base types by id and names by base offsets.
    let proto = m.ty("", FUNC_PROTO, false, 1, 1, &[]);
    let n = m.s("arg");
    for x in [n, 21] {
        m.w(x);
    }
    m.ty("mod_fn", FUNC, false, 1, proto, &[]);
    let base_bytes = base.bytes();
    let base_btf = Btf::parse(&base_bytes, None).unwrap();
    let split_bytes = m.bytes();
    let split = Btf::parse(&split_bytes, Some((base_btf.next_id(), base_btf.str_end()))).unwrap();
    assert_eq!(split.first_id, 28);
    let mut ex = vec![export("mod_fn"), export("f")];
    let g = read_types(Space::over(&base_btf, &split, false), 64, &mut ex).unwrap();
    let Node::Function { params, .. } = g.node(ex[0].ty.unwrap()) else {
        panic!()
    };
    assert_eq!(g.str(params[0].name.unwrap()), "arg");
    // A module's exports are its own FUNCs, not the base's.
    assert_eq!(ex[1].ty, None);

    // Read over a base of another size, the same blob names nothing sane.
    let mut other = Blob::new(false);
    other.ty("int", INT, false, 0, 4, &[32]);
    other.s("some other kernel's strings");
    let other_bytes = other.bytes();
    let other_btf = Btf::parse(&other_bytes, None).unwrap();
    let r = Btf::parse(
        &split_bytes,
        Some((other_btf.next_id(), other_btf.str_end())),
    )
    .and_then(|split| {
        read_types(
            Space::over(&other_btf, &split, false),
            64,
            &mut [export("mod_fn")],
        )
    });
    assert!(r.is_err());
}

#[test]
fn distilled_base_structs_are_declarations() {
    let mut base = Blob::new(false);
    base.ty("net_device", STRUCT, false, 0, 2048, &[]);
    let mut m = Blob::split(&base);
    let p = m.ty("", PTR, false, 0, 1, &[]);
    m.ty("dev", VAR, false, 0, p, &[1]);
    let (bb, mb) = (base.bytes(), m.bytes());
    let b = Btf::parse(&bb, None).unwrap();
    let s = Btf::parse(&mb, Some((b.next_id(), b.str_end()))).unwrap();
    let mut ex = vec![export("dev")];
    let g = read_types(Space::over(&b, &s, true), 64, &mut ex).unwrap();
    let Node::Pointer { target, .. } = g.node(ex[0].ty.unwrap()) else {
        panic!()
    };
    assert!(g.node(*target).is_declaration());
}

#[test]
fn corrupt_blobs_are_errors() {
    let good = every_kind(false).bytes();
    // Truncations anywhere are errors, never panics.
    for n in 0..good.len() {
        let _ = Btf::parse(&good[..n], None);
    }
    let mut bad = good.clone();
    bad[0] = 0;
    assert!(Btf::parse(&bad, None).unwrap_err().contains("magic"));
    let mut bad = good.clone();
    bad[4] = 200; // header length past the end
    assert!(Btf::parse(&bad, None).is_err());
    // A dangling type id.
    let mut b = Blob::new(false);
    let p = b.ty("", PTR, false, 0, 99, &[]);
    b.ty("v", VAR, false, 0, p, &[1]);
    let blob = b.bytes();
    let btf = Btf::parse(&blob, None).unwrap();
    let e = read_types(Space::alone(&btf), 64, &mut [export("v")]).unwrap_err();
    assert!(e.contains("[99]"), "{e}");
    // A cycle of type tags.
    let mut b = Blob::new(false);
    b.ty("t", TYPE_TAG, false, 0, 2, &[]);
    b.ty("t", TYPE_TAG, false, 0, 1, &[]);
    b.ty("v", VAR, false, 0, 1, &[1]);
    let blob = b.bytes();
    let btf = Btf::parse(&blob, None).unwrap();
    let r = read_types(Space::alone(&btf), 64, &mut [export("v")]);
    assert!(r.is_err());
}

#[test]
fn deep_pointer_chains_do_not_recurse() {
    let mut b = Blob::new(false);
    b.ty("int", INT, false, 0, 4, &[32]);
    for i in 1..200_000 {
        b.ty("", PTR, false, 0, i, &[]);
    }
    b.ty("v", VAR, false, 0, 200_000, &[1]);
    let (g, ex) = read(&b.bytes(), &["v"]);
    assert!(ex[0].ty.is_some());
    assert!(g.nodes.len() > 199_999);
}

#[test]
fn blobs_are_found_in_raw_bytes() {
    let blob = every_kind(false).bytes();
    let mut image = vec![0xAAu8; 1000];
    // A decoy: the magic with a header that does not hold.
    image.extend_from_slice(&[0x9F, 0xEB, 1, 0, 0xFF, 0xFF, 0, 0]);
    image.extend_from_slice(&blob);
    image.extend_from_slice(&[0u8; 100]);
    let found = find_blobs(&image).unwrap();
    assert_eq!(found, vec![1008..1008 + blob.len()]);
}

/// Many headers over one long type section whose last record is bad: each
/// walks the whole section before it fails, which without a budget costs
/// headers x records (here 40,000 x 80,000 record steps).
#[test]
fn blob_search_of_many_failing_headers_is_bounded() {
    const HEADERS: usize = 40_000;
    const RECORDS: usize = 80_000;
    let types = (RECORDS * 12) as u32;
    let mut image = Vec::new();
    for i in 0..HEADERS {
        let hdr_len = (24 * (HEADERS - i)) as u32;
        image.extend_from_slice(&[0x9F, 0xEB, 1, 0]);
        for w in [hdr_len, 0, types, types, 1] {
            image.extend_from_slice(&w.to_le_bytes());
        }
    }
    for r in 0..RECORDS {
        // PTR to void, but the last record's kind (31) does not exist.
        let kind: u32 = if r + 1 == RECORDS { 31 } else { PTR as u32 };
        for w in [0, kind << 24, 0] {
            image.extend_from_slice(&w.to_le_bytes());
        }
    }
    image.push(0);
    let t0 = std::time::Instant::now();
    let err = find_blobs(&image).unwrap_err();
    assert!(err.contains("BTF headers that do not parse"), "{err}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(20));
}

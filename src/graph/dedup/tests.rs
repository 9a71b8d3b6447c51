use super::*;
use crate::graph::AggKind;

/// struct list { struct list *next; int v; } built in one unit.
fn list_unit<'a>(member: &'a str) -> (LocalGraph<'a>, TypeId) {
    let mut g = LocalGraph::new();
    let int = g.add(
        Node::Base {
            name: "int",
            size_bits: 32,
            encoding: 5,
        },
        None,
    );
    let s = g.add(Node::Void, None);
    let p = g.add(
        Node::Pointer {
            target: s,
            size_bits: 64,
            reference: false,
        },
        None,
    );
    g.nodes[s.index()] = Node::Aggregate {
        kind: AggKind::Struct,
        name: Some("list"),
        size_bits: Some(128),
        members: vec![
            Member {
                name: Some("next"),
                ty: p,
                offset_bits: 0,
                bit_size: None,
            },
            Member {
                name: Some(member),
                ty: int,
                offset_bits: 64,
                bit_size: None,
            },
        ],
    };
    (g, s)
}

#[test]
fn identical_recursive_types_merge() {
    let (a, sa) = list_unit("v");
    let (b, sb) = list_unit("v");
    let mut g = Graph::new();
    let mut m = Merger::new();
    let ma = m.merge(&mut g, &a, &a.keys());
    let n = g.nodes.len();
    let mb = m.merge(&mut g, &b, &b.keys());
    assert_eq!(ma[sa.index()], mb[sb.index()]);
    assert_eq!(g.nodes.len(), n, "second unit adds nothing");
}

#[test]
fn same_name_other_body_stays_apart() {
    let (a, sa) = list_unit("v");
    let (b, sb) = list_unit("w");
    let mut g = Graph::new();
    let mut m = Merger::new();
    let ma = m.merge(&mut g, &a, &a.keys());
    let mb = m.merge(&mut g, &b, &b.keys());
    assert_ne!(ma[sa.index()], mb[sb.index()]);
    // The pointer inside each variant points at its own variant.
    let Node::Aggregate { members, .. } = g.node(mb[sb.index()]) else {
        panic!()
    };
    let Node::Pointer { target, .. } = g.node(members[0].ty) else {
        panic!()
    };
    assert_eq!(*target, mb[sb.index()]);
}

#[test]
fn keys_do_not_depend_on_node_order() {
    let (a, sa) = list_unit("v");
    let ka = a.keys();
    // Same graph with the struct created first.
    let mut b = LocalGraph::new();
    let s = b.add(Node::Void, None);
    let int = b.add(
        Node::Base {
            name: "int",
            size_bits: 32,
            encoding: 5,
        },
        None,
    );
    let p = b.add(
        Node::Pointer {
            target: s,
            size_bits: 64,
            reference: false,
        },
        None,
    );
    b.nodes[s.index()] = Node::Aggregate {
        kind: AggKind::Struct,
        name: Some("list"),
        size_bits: Some(128),
        members: vec![
            Member {
                name: Some("next"),
                ty: p,
                offset_bits: 0,
                bit_size: None,
            },
            Member {
                name: Some("v"),
                ty: int,
                offset_bits: 64,
                bit_size: None,
            },
        ],
    };
    assert_eq!(ka[sa.index()], b.keys()[s.index()]);
}

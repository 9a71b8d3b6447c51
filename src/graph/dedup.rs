//! Deduplication: many local graphs (one per compilation unit) become one.
//!
//! The kernel repeats every header's types in every compilation unit, so the
//! same `struct sk_buff` arrives thousands of times. Each local node gets a
//! 128-bit structural key and nodes with equal keys become one global node.
//!
//! Type graphs are cyclic, and an exact structural hash of a cyclic graph is
//! either entry-order dependent or quadratic. C gives us a way out: every cycle
//! passes through a *named* struct/union/enum (a tag), because only a tag can be
//! referred to before it is complete. So hashing stops at tags:
//! - `shape(n)`: n's own fields plus its children, where a child that is a tag
//!   contributes only its kind and name;
//! - `key(n)`: the same, but a tag child contributes its kind, name *and shape*,
//!   so two different `struct foo_priv` in two drivers (the same name, another
//!   body) stay apart, and so do pointers to them.
//!
//! Both recursions only walk through untagged nodes, so they terminate. Edges of
//! a merged node are those of the first unit that produced it; inputs are merged
//! in a fixed order (vmlinux, then modules by path, units in file order), which
//! keeps the result identical at any thread count.

use crate::graph::{Graph, MAX_DEPTH, Member, Node, Param, Symbol, TypeId};
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_128;

/// Nodes of one compilation unit (or a graph viewed as one), names borrowed.
#[derive(Debug, Default)]
pub struct LocalGraph<'s> {
    pub nodes: Vec<Node<&'s str>>,
    pub files: Vec<Option<&'s str>>,
}

impl<'s> LocalGraph<'s> {
    pub fn new() -> Self {
        LocalGraph {
            nodes: vec![Node::Void],
            files: vec![None],
        }
    }

    pub fn add(&mut self, n: Node<&'s str>, file: Option<&'s str>) -> TypeId {
        let id = TypeId(self.nodes.len() as u32);
        self.nodes.push(n);
        self.files.push(file);
        id
    }

    /// View a finished graph as a local one, to merge it into another graph.
    pub fn from_graph(g: &'s Graph) -> Self {
        let s = |n| g.str(n);
        let nodes = g.nodes.iter().map(|n| map_node(n, &s, &|t| t)).collect();
        let files = g.files.iter().map(|f| f.map(s)).collect();
        LocalGraph { nodes, files }
    }

    /// The dedup key of every node.
    pub fn keys(&self) -> Vec<u128> {
        let mut h = Hasher {
            g: self,
            shape: vec![0; self.nodes.len()],
            key: vec![0; self.nodes.len()],
            busy_shape: vec![false; self.nodes.len()],
            busy_key: vec![false; self.nodes.len()],
            buf: Vec::new(),
        };
        (0..self.nodes.len())
            .map(|i| h.key(TypeId(i as u32), 0))
            .collect()
    }
}

pub(crate) fn map_node<N: Copy, M>(
    n: &Node<N>,
    s: &impl Fn(N) -> M,
    t: &impl Fn(TypeId) -> TypeId,
) -> Node<M> {
    match n {
        Node::Void => Node::Void,
        Node::Base {
            name,
            size_bits,
            encoding,
        } => Node::Base {
            name: s(*name),
            size_bits: *size_bits,
            encoding: *encoding,
        },
        Node::Pointer {
            target,
            size_bits,
            reference,
        } => Node::Pointer {
            target: t(*target),
            size_bits: *size_bits,
            reference: *reference,
        },
        Node::Typedef { name, target } => Node::Typedef {
            name: s(*name),
            target: t(*target),
        },
        Node::Qualified { qual, target } => Node::Qualified {
            qual: *qual,
            target: t(*target),
        },
        Node::Aggregate {
            kind,
            name,
            size_bits,
            members,
        } => Node::Aggregate {
            kind: *kind,
            name: name.map(s),
            size_bits: *size_bits,
            members: members
                .iter()
                .map(|m| Member {
                    name: m.name.map(s),
                    ty: t(m.ty),
                    offset_bits: m.offset_bits,
                    bit_size: m.bit_size,
                })
                .collect(),
        },
        Node::Enum {
            name,
            size_bits,
            enumerators,
        } => Node::Enum {
            name: name.map(s),
            size_bits: *size_bits,
            enumerators: enumerators
                .iter()
                .map(|e| crate::graph::Enumerator {
                    name: s(e.name),
                    value: e.value,
                })
                .collect(),
        },
        Node::Array { element, count } => Node::Array {
            element: t(*element),
            count: *count,
        },
        Node::Function {
            ret,
            params,
            variadic,
        } => Node::Function {
            ret: t(*ret),
            params: params
                .iter()
                .map(|p| Param {
                    name: p.name.map(s),
                    ty: t(p.ty),
                })
                .collect(),
            variadic: *variadic,
        },
    }
}

/// The node's own fields, without its children's identity.
fn label(n: &Node<&str>, buf: &mut Vec<u8>) {
    fn s(buf: &mut Vec<u8>, x: &str) {
        buf.extend_from_slice(&(x.len() as u32).to_le_bytes());
        buf.extend_from_slice(x.as_bytes());
    }
    fn os(buf: &mut Vec<u8>, x: Option<&str>) {
        match x {
            Some(x) => {
                buf.push(1);
                s(buf, x)
            }
            None => buf.push(0),
        }
    }
    fn u(buf: &mut Vec<u8>, x: u64) {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    fn ou(buf: &mut Vec<u8>, x: Option<u64>) {
        match x {
            Some(x) => {
                buf.push(1);
                u(buf, x)
            }
            None => buf.push(0),
        }
    }
    match n {
        Node::Void => buf.push(0),
        Node::Base {
            name,
            size_bits,
            encoding,
        } => {
            buf.push(1);
            s(buf, name);
            u(buf, *size_bits);
            buf.push(*encoding);
        }
        Node::Pointer {
            size_bits,
            reference,
            ..
        } => {
            buf.push(2);
            u(buf, *size_bits);
            buf.push(*reference as u8);
        }
        Node::Typedef { name, .. } => {
            buf.push(3);
            s(buf, name);
        }
        Node::Qualified { qual, .. } => {
            buf.push(4);
            buf.push(*qual as u8);
        }
        Node::Aggregate {
            kind,
            name,
            size_bits,
            members,
        } => {
            buf.push(5);
            buf.push(*kind as u8);
            os(buf, *name);
            ou(buf, *size_bits);
            u(buf, members.len() as u64);
            for m in members {
                os(buf, m.name);
                u(buf, m.offset_bits);
                ou(buf, m.bit_size);
            }
        }
        Node::Enum {
            name,
            size_bits,
            enumerators,
        } => {
            buf.push(6);
            os(buf, *name);
            ou(buf, *size_bits);
            u(buf, enumerators.len() as u64);
            for e in enumerators {
                s(buf, e.name);
                u(buf, e.value as u64);
            }
        }
        Node::Array { count, .. } => {
            buf.push(7);
            ou(buf, *count);
        }
        Node::Function {
            params, variadic, ..
        } => {
            buf.push(8);
            buf.push(*variadic as u8);
            u(buf, params.len() as u64);
            for p in params {
                os(buf, p.name);
            }
        }
    }
}

struct Hasher<'g, 's> {
    g: &'g LocalGraph<'s>,
    shape: Vec<u128>,
    key: Vec<u128>,
    // Separate flags: `key` calls `shape` on tags, and a shared flag would let
    // a key computation in progress taint a memoised shape.
    busy_shape: Vec<bool>,
    busy_key: Vec<bool>,
    buf: Vec<u8>,
}

const CYCLE: u128 = 0x5eed_c1c1e;

impl Hasher<'_, '_> {
    fn tag_name_hash(kind: crate::graph::Tag, name: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(name.as_bytes(), 0xfe00 | kind as u64)
    }

    // Both recursions run in two phases: first make sure every child's value
    // is memoised (recursing), then hash this node from the memo into the one
    // shared buffer. No allocation per node.

    fn key(&mut self, id: TypeId, depth: u32) -> u128 {
        self.hash(id, depth, true)
    }

    /// `shape` (`keyed == false`) or `key` (`keyed == true`) of a node.
    fn hash(&mut self, id: TypeId, depth: u32, keyed: bool) -> u128 {
        let i = id.index();
        let (done, busy) = if keyed {
            (&self.key, &self.busy_key)
        } else {
            (&self.shape, &self.busy_shape)
        };
        if i >= done.len() {
            return CYCLE;
        }
        if done[i] != 0 {
            return done[i];
        }
        if busy[i] || depth > MAX_DEPTH {
            return CYCLE;
        }
        self.set_busy(i, keyed, true);
        let g = self.g;
        let node = &g.nodes[i];
        for k in node.children() {
            match g.nodes.get(k.index()).and_then(Node::tag) {
                // A tag contributes its name, and to a key also its shape.
                Some(_) if keyed => {
                    self.hash(k, depth + 1, false);
                }
                Some(_) => {}
                None => {
                    self.hash(k, depth + 1, keyed);
                }
            }
        }
        self.buf.clear();
        label(node, &mut self.buf);
        for k in node.children() {
            let part = match g.nodes.get(k.index()).and_then(Node::tag) {
                Some((kind, name)) if keyed => {
                    Self::tag_name_hash(kind, name) ^ memo(&self.shape, k).rotate_left(1)
                }
                Some((kind, name)) => Self::tag_name_hash(kind, name),
                None if keyed => memo(&self.key, k),
                None => memo(&self.shape, k),
            };
            self.buf.extend_from_slice(&part.to_le_bytes());
        }
        let h = nonzero(xxh3_128(&self.buf));
        self.set_busy(i, keyed, false);
        if keyed {
            self.key[i] = h;
        } else {
            self.shape[i] = h;
        }
        h
    }

    fn set_busy(&mut self, i: usize, keyed: bool, v: bool) {
        if keyed {
            self.busy_key[i] = v;
        } else {
            self.busy_shape[i] = v;
        }
    }
}

fn memo(v: &[u128], k: TypeId) -> u128 {
    match v.get(k.index()) {
        Some(&h) if h != 0 => h,
        _ => CYCLE,
    }
}

fn nonzero(h: u128) -> u128 {
    if h == 0 { 1 } else { h }
}

/// Point every reference to a declaration-only struct/union/enum at the
/// first definition of that name, then merge again. Units that only declared
/// `struct sock` and units that defined it produced different keys for
/// everything that points at it (`struct sk_buff` among them); after this the
/// copies collapse. Returns the new graph and the new id of every old node.
pub fn complete_declarations(g: &Graph) -> (Graph, Vec<TypeId>) {
    let defs = g.definitions();
    let local = LocalGraph::from_graph(g);
    let redirect = |t: TypeId| -> TypeId {
        let n = &local.nodes[t.index()];
        match n.tag() {
            Some(key) if n.is_declaration() => defs.get(&key).copied().unwrap_or(t),
            _ => t,
        }
    };
    let nodes: Vec<Node<&str>> = local
        .nodes
        .iter()
        .map(|n| map_node(n, &|x| x, &redirect))
        .collect();
    let view = LocalGraph {
        nodes,
        files: local.files.clone(),
    };
    let keys = view.keys();
    let mut out = Graph::new();
    let mut merger = Merger::new();
    let global = merger.merge(&mut out, &view, &keys);
    // A declaration itself maps to where its definition went.
    let remap = (0..g.nodes.len())
        .map(|i| global[redirect(TypeId(i as u32)).index()])
        .collect();
    (out, remap)
}

/// Accumulates local graphs into one [`Graph`].
#[derive(Default)]
pub struct Merger {
    index: FxHashMap<u128, TypeId>,
}

impl Merger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Merge `local` (whose keys are `keys`) into `g`; returns the global id of
    /// every local node.
    pub fn merge(&mut self, g: &mut Graph, local: &LocalGraph<'_>, keys: &[u128]) -> Vec<TypeId> {
        self.merge_nodes(g, &local.nodes, &local.files, keys, |n| n)
    }

    /// [`Merger::merge`] for a finished graph (one binary's), whose keys were
    /// computed where it was built, in parallel with the other binaries.
    pub fn merge_graph(&mut self, g: &mut Graph, part: &Graph, keys: &[u128]) -> Vec<TypeId> {
        self.merge_nodes(g, &part.nodes, &part.files, keys, |n| part.str(n))
    }

    fn merge_nodes<'n, N: Copy>(
        &mut self,
        g: &mut Graph,
        nodes: &[Node<N>],
        files: &[Option<N>],
        keys: &[u128],
        text: impl Fn(N) -> &'n str,
    ) -> Vec<TypeId> {
        let mut global_of = Vec::with_capacity(nodes.len());
        let mut fresh = Vec::new();
        for (i, (n, &k)) in nodes.iter().zip(keys).enumerate() {
            if matches!(n, Node::Void) {
                global_of.push(Graph::VOID);
                continue;
            }
            match self.index.get(&k) {
                Some(&id) => global_of.push(id),
                None => {
                    let id = g.add(Node::Void, None);
                    self.index.insert(k, id);
                    global_of.push(id);
                    fresh.push(i);
                }
            }
        }
        // Only nodes new to `g` cost string interning.
        for i in fresh {
            let gid = global_of[i];
            let node = {
                let s = std::cell::RefCell::new(&mut g.strings);
                map_node(
                    &nodes[i],
                    &|n: N| s.borrow_mut().intern(text(n)),
                    &|t: TypeId| global_of.get(t.index()).copied().unwrap_or(Graph::VOID),
                )
            };
            let file = files[i].map(|f| g.strings.intern(text(f)));
            g.nodes[gid.index()] = node;
            g.files[gid.index()] = file;
        }
        global_of
    }
}

/// Dedup keys of a finished graph's nodes.
pub fn graph_keys(g: &Graph) -> Vec<u128> {
    LocalGraph::from_graph(g).keys()
}

/// Merge per-binary graphs into one per side, remapping each export's type.
/// `parts` carry the dedup keys of their nodes ([`graph_keys`]).
pub fn merge_graphs(parts: Vec<(Graph, Vec<u128>, Vec<Symbol>)>) -> Graph {
    let mut g = Graph::new();
    let mut merger = Merger::new();
    let btf = parts.iter().any(|(p, _, _)| p.btf);
    for (part, keys, symbols) in parts {
        let global = merger.merge_graph(&mut g, &part, &keys);
        for mut s in symbols {
            s.ty = s.ty.map(|t| global[t.index()]);
            g.symbols.push(s);
        }
    }
    // Two rounds: completing declarations can make variants equal, which
    // can make what points at them equal in turn.
    for _ in 0..2 {
        let before = g.nodes.len();
        let (mut h, remap) = complete_declarations(&g);
        h.symbols = std::mem::take(&mut g.symbols);
        for s in &mut h.symbols {
            s.ty = s.ty.map(|t| remap[t.index()]);
        }
        g = h;
        if g.nodes.len() == before {
            break;
        }
    }
    g.finish_symbols();
    g.btf = btf;
    g
}

#[cfg(test)]
mod tests {
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
}

//! Deduplication: many local graphs (one per compilation unit) become one,
//! and two different types never share a node.
//!
//! The kernel repeats every header's types in every compilation unit, so the
//! same `struct sk_buff` arrives thousands of times. Each local node gets a
//! 128-bit key, its *shape*: its own fields plus its children's shapes, where
//! a child that is a named struct/union/enum (a tag) contributes only its kind
//! and name. Every cycle of C types passes through a tag (only a tag can be
//! referred to before it is complete), so the recursion ends, in linear time.
//!
//! The key is a filter, not an identity: drivers reuse names (`struct priv`)
//! for different types, so two nodes of one key are merged only when
//! [`Merger`] has checked them structurally equal all the way down, cycles
//! included (a co-inductive check, as STG's deduplication does). Nodes are
//! placed children first, so a check mostly stops at children already
//! placed, and a cycle is walked once.
//!
//! Declarations: a unit that only declares `struct sock` says nothing
//! against any definition of it. Its declaration is the first definition of
//! the name met (or, until one is, a declaration node that the first
//! definition then takes the place of), as libabigail completes declarations;
//! two definitions are never equated that way. Inputs are merged in a fixed
//! order (vmlinux, then modules by path, units in file order), which keeps
//! the result identical at any thread count.

mod merge;
mod minimize;
#[cfg(test)]
mod tests;

pub use merge::Merger;
pub use minimize::minimize;

use crate::graph::{Graph, MAX_DEPTH, Member, Node, Param, Symbol, TypeId};
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

    /// The dedup key of every node: its shape, which names the tags it
    /// refers to without looking into them. Equal types have equal shapes;
    /// which nodes of one shape are equal, [`Merger`] checks.
    pub fn keys(&self) -> Vec<u128> {
        let mut h = Hasher {
            g: self,
            shape: vec![0; self.nodes.len()],
            busy: vec![false; self.nodes.len()],
            buf: Vec::new(),
        };
        (0..self.nodes.len())
            .map(|i| h.shape(TypeId(i as u32), 0))
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
pub(super) fn label(n: &Node<&str>, buf: &mut Vec<u8>) {
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
    busy: Vec<bool>,
    buf: Vec<u8>,
}

const CYCLE: u128 = 0x5eed_c1c1e;

impl Hasher<'_, '_> {
    fn tag_name_hash(kind: crate::graph::Tag, name: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(name.as_bytes(), 0xfe00 | kind as u64)
    }

    /// The shape of a node, in two phases: first make sure every untagged
    /// child's shape is memoised (recursing), then hash this node from the
    /// memo into the one shared buffer. No allocation per node.
    fn shape(&mut self, id: TypeId, depth: u32) -> u128 {
        let i = id.index();
        if i >= self.shape.len() {
            return CYCLE;
        }
        if self.shape[i] != 0 {
            return self.shape[i];
        }
        if self.busy[i] || depth > MAX_DEPTH {
            return CYCLE;
        }
        self.busy[i] = true;
        let g = self.g;
        let node = &g.nodes[i];
        for k in node.children() {
            if g.nodes.get(k.index()).and_then(Node::tag).is_none() {
                self.shape(k, depth + 1);
            }
        }
        self.buf.clear();
        label(node, &mut self.buf);
        for k in node.children() {
            let part = match g.nodes.get(k.index()).and_then(Node::tag) {
                // A tag contributes its name only: cycles end there.
                Some((kind, name)) => Self::tag_name_hash(kind, name),
                None => memo(&self.shape, k),
            };
            self.buf.extend_from_slice(&part.to_le_bytes());
        }
        let h = nonzero(xxh3_128(&self.buf));
        self.busy[i] = false;
        self.shape[i] = h;
        h
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
    let (out, global) = minimize(&view, &keys);
    // A declaration itself maps to where its definition went.
    let remap = (0..g.nodes.len())
        .map(|i| global[redirect(TypeId(i as u32)).index()])
        .collect();
    (out, remap)
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

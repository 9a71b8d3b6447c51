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

/// The smallest graph with the types of `view`: one node per class of
/// structurally equal nodes (bisimilar: the same fields, and children equal
/// in turn, cycles included), found by partition refinement. Classes start
/// as the nodes of one key and one label (equal types have equal keys),
/// and are split by their children's classes until no class splits. The
/// class of a node is numbered by its first node, so the result does not
/// depend on anything but `view`. Returns the graph and each node's id in it.
pub fn minimize(view: &LocalGraph<'_>, keys: &[u128]) -> (Graph, Vec<TypeId>) {
    let n = view.nodes.len();
    let mut class: Vec<u32> = Vec::with_capacity(n);
    {
        let mut ids: FxHashMap<(u128, Vec<u8>), u32> = FxHashMap::default();
        let mut buf = Vec::new();
        for (i, node) in view.nodes.iter().enumerate() {
            buf.clear();
            label(node, &mut buf);
            let next = ids.len() as u32;
            let k = keys.get(i).copied().unwrap_or(0);
            class.push(*ids.entry((k, buf.clone())).or_insert(next));
        }
    }
    let child_class = |class: &[u32], c: TypeId| class.get(c.index()).copied().unwrap_or(u32::MAX);
    let mut count = class.iter().copied().max().map_or(0, |m| m as usize + 1);
    loop {
        let mut ids: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut sig = Vec::new();
        let mut next = Vec::with_capacity(n);
        for (i, node) in view.nodes.iter().enumerate() {
            sig.clear();
            sig.push(class[i]);
            sig.extend(node.children().map(|c| child_class(&class, c)));
            let fresh = ids.len() as u32;
            next.push(match ids.get(&sig) {
                Some(&id) => id,
                None => {
                    ids.insert(sig.clone(), fresh);
                    fresh
                }
            });
        }
        let now = ids.len();
        class = next;
        // A refinement only splits classes: the same count is a fixpoint.
        if now == count {
            break;
        }
        count = now;
    }
    // One node per class, from its first node; void stays void.
    let mut out = Graph::new();
    let mut id_of_class: Vec<Option<TypeId>> = vec![None; count];
    let mut rep: Vec<usize> = Vec::new();
    let mut global = Vec::with_capacity(n);
    for (i, node) in view.nodes.iter().enumerate() {
        let c = class[i] as usize;
        let id = match id_of_class[c] {
            Some(id) => id,
            None => {
                let id = if matches!(node, Node::Void) {
                    Graph::VOID
                } else {
                    rep.push(i);
                    out.add(Node::Void, None)
                };
                id_of_class[c] = Some(id);
                id
            }
        };
        global.push(id);
    }
    let placed: Vec<Option<TypeId>> = global.iter().copied().map(Some).collect();
    for i in rep {
        fill(
            &mut out,
            &view.nodes[i],
            view.files.get(i).copied().flatten(),
            global[i],
            &placed,
            |s| s,
        );
    }
    (out, global)
}

/// Accumulates local graphs into one [`Graph`].
///
/// A key is only a filter: two nodes are merged when they are structurally
/// equal all the way down, cycles included, which [`Merger`] checks before
/// every merge. Keys stop at tags one level deep, so two drivers' `struct
/// priv { struct inner *p; }` whose `struct inner` differ share a key (and
/// so does everything that points at them); the check tells them apart, and
/// both become nodes.
#[derive(Default)]
pub struct Merger {
    index: FxHashMap<u128, TypeId>,
    /// Further nodes of a key that `index` holds: equal keys, other types.
    more: FxHashMap<u128, Vec<TypeId>>,
    /// The key of every global node (by index), to refuse a pair at once.
    key_of: Vec<u128>,
    /// Local nodes whose key matched a node they were not equal to.
    pub collisions: usize,
    /// The first definition of each tag met: a unit's declaration-only
    /// tag stands for it (see [`completes`]).
    defs: FxHashMap<(crate::graph::Tag, String), TypeId>,
    /// The declaration-only node of each tag no definition has been met
    /// for yet: the first definition then takes its place (its id), so what
    /// points at the declaration points at the definition.
    decls: FxHashMap<(crate::graph::Tag, String), TypeId>,
}

/// What a check of one local node against one global node found: the
/// local nodes it proved equal to global ones, or that they differ.
type Proof = Option<Vec<(usize, TypeId)>>;

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

    /// Global node `id` is a candidate for key `k` from now on.
    fn register(&mut self, k: u128, id: TypeId) {
        match self.index.entry(k) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.more.entry(k).or_default().push(id)
            }
        }
    }

    fn candidates(&self, k: u128) -> impl Iterator<Item = TypeId> + '_ {
        self.index
            .get(&k)
            .copied()
            .into_iter()
            .chain(self.more.get(&k).into_iter().flatten().copied())
    }

    fn merge_nodes<'n, N: Copy>(
        &mut self,
        g: &mut Graph,
        nodes: &[Node<N>],
        files: &[Option<N>],
        keys: &[u128],
        text: impl Fn(N) -> &'n str + Copy,
    ) -> Vec<TypeId> {
        let mut global_of: Vec<Option<TypeId>> = vec![None; nodes.len()];
        let mut fresh = Vec::new();
        // A declaration-only tag is the definition of its name already
        // met, when there is one: what points at it then merges with what
        // points at the definition, unit after unit, instead of making a
        // copy of every type on the way per unit that lacks the definition.
        for (i, n) in nodes.iter().enumerate() {
            if n.is_declaration()
                && let Some((tag, name)) = n.tag()
            {
                let key = (tag, text(name).to_string());
                if let Some(&d) = self.defs.get(&key).or_else(|| self.decls.get(&key)) {
                    global_of[i] = Some(d);
                }
            }
        }
        // Children first: most checks then stop at once, at children
        // already placed; a cycle is walked once, by the check of the first
        // of its nodes met, which places all of them.
        for i in post_order(nodes) {
            if global_of[i].is_some() {
                continue;
            }
            if matches!(nodes[i], Node::Void) {
                global_of[i] = Some(Graph::VOID);
                continue;
            }
            let k = keys.get(i).copied().unwrap_or(0);
            let mut placed = None;
            let candidates: Vec<TypeId> = self.candidates(k).collect();
            for c in candidates {
                if let Some(proof) = self.equal(i, c, nodes, keys, g, &global_of, text) {
                    for (l, gl) in proof {
                        global_of[l] = Some(gl);
                        // A definition met where the graph so far only
                        // had the declaration: it becomes that node.
                        if !nodes[l].is_declaration()
                            && g.node(gl).is_declaration()
                            && let Some((t, name)) = nodes[l].tag()
                        {
                            let t = (t, text(name).to_string());
                            self.decls.remove(&t);
                            self.defs.entry(t).or_insert(gl);
                            let k = keys.get(l).copied().unwrap_or(0);
                            if let Some(slot) = self.key_of.get_mut(gl.index()) {
                                *slot = k;
                            }
                            self.register(k, gl);
                            fresh.push(l);
                        }
                    }
                    placed = Some(c);
                    break;
                }
                self.collisions += 1;
            }
            if placed.is_none() {
                let tag = nodes[i].tag().map(|(t, name)| (t, text(name).to_string()));
                let declared = match &tag {
                    Some(t) if !nodes[i].is_declaration() && !self.defs.contains_key(t) => {
                        self.decls.remove(t)
                    }
                    _ => None,
                };
                let id = declared.unwrap_or_else(|| g.add(Node::Void, None));
                if self.key_of.len() <= id.index() {
                    self.key_of.resize(id.index() + 1, 0);
                }
                self.key_of[id.index()] = k;
                self.register(k, id);
                global_of[i] = Some(id);
                if let Some(t) = tag {
                    if nodes[i].is_declaration() {
                        self.decls.entry(t).or_insert(id);
                    } else {
                        self.defs.entry(t).or_insert(id);
                    }
                }
                // Written at once when its children are placed, so that a
                // copy later in this same graph finds it (declarations
                // completed make such copies); a node of a cycle waits for
                // the rest of its cycle.
                let ready = nodes[i]
                    .children()
                    .all(|c| nodes.get(c.index()).is_none() || global_of[c.index()].is_some());
                if ready {
                    fill(
                        g,
                        &nodes[i],
                        files.get(i).copied().flatten(),
                        id,
                        &global_of,
                        text,
                    );
                } else {
                    fresh.push(i);
                }
            }
        }
        for i in fresh {
            let id = global_of[i].unwrap_or(Graph::VOID);
            fill(
                g,
                &nodes[i],
                files.get(i).copied().flatten(),
                id,
                &global_of,
                text,
            );
        }
        global_of
            .into_iter()
            .map(|x| x.unwrap_or(Graph::VOID))
            .collect()
    }

    /// Is local node `l` the type global node `c` is? Co-inductively: the
    /// pair is assumed equal while their children are compared, so a cycle
    /// closes on an assumption. Every global node stands for a type no other
    /// global node is equal to, so a local node can only be one global node:
    /// an assumption met again with another partner is a difference. The
    /// assumptions of a check that succeeds are proved (together they form
    /// a bisimulation); those of one that fails are dropped.
    #[allow(clippy::too_many_arguments)]
    fn equal<'n, N: Copy>(
        &self,
        l: usize,
        c: TypeId,
        nodes: &[Node<N>],
        keys: &[u128],
        g: &Graph,
        global_of: &[Option<TypeId>],
        text: impl Fn(N) -> &'n str + Copy,
    ) -> Proof {
        let mut assumed: FxHashMap<usize, TypeId> = FxHashMap::default();
        assumed.insert(l, c);
        let mut stack = vec![(l, c)];
        while let Some((a, b)) = stack.pop() {
            let (la, gb) = (&nodes[a], g.nodes.get(b.index())?);
            // A definition against the declaration the graph has so far:
            // it completes it (see `merge_nodes`), whatever its members.
            if gb.is_declaration()
                && !la.is_declaration()
                && la.tag().map(|(t, n)| (t, text(n))) == g.tag(gb)
                && la.tag().is_some()
            {
                continue;
            }
            if !same_label(la, text, gb, g) {
                return None;
            }
            for (ca, cb) in la.children().zip(gb.children()) {
                let ca = ca.index();
                let Some(local_child) = nodes.get(ca) else {
                    // A dangling reference reads as void, as in the merge.
                    if cb == Graph::VOID {
                        continue;
                    }
                    return None;
                };
                if matches!(local_child, Node::Void) {
                    if cb != Graph::VOID {
                        return None;
                    }
                    continue;
                }
                if let Some(x) = global_of[ca].or_else(|| assumed.get(&ca).copied()) {
                    if x != cb && !completes(g, x, cb) {
                        return None;
                    }
                    continue;
                }
                let gc = g.node(cb);
                if gc.is_declaration()
                    && !local_child.is_declaration()
                    && local_child.tag().is_some()
                    && local_child.tag().map(|(t, n)| (t, text(n))) == g.tag(gc)
                {
                    // Completes it: see the pair check above.
                    assumed.insert(ca, cb);
                    continue;
                }
                if self.key_of.get(cb.index()).copied() != keys.get(ca).copied() {
                    return None;
                }
                assumed.insert(ca, cb);
                stack.push((ca, cb));
            }
        }
        Some(assumed.into_iter().collect())
    }
}

/// Does global node `b` complete declaration `a`: `a` a declaration-only
/// struct, union or enum, `b` one of the same kind and name? A unit that
/// only declares `struct sock` says nothing against any definition of it,
/// so what points at the one is taken for what points at the other, the
/// first met (as libabigail completes declarations). Two definitions are
/// never equated this way.
fn completes(g: &Graph, a: TypeId, b: TypeId) -> bool {
    let (na, nb) = (g.node(a), g.node(b));
    na.is_declaration()
        && match (g.tag(na), g.tag(nb)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
}

/// Write global node `id` from local node `n`, its references mapped (a
/// reference not placed yet, or dangling, reads as void).
fn fill<'n, N: Copy>(
    g: &mut Graph,
    n: &Node<N>,
    file: Option<N>,
    id: TypeId,
    global_of: &[Option<TypeId>],
    text: impl Fn(N) -> &'n str,
) {
    let node = {
        let s = std::cell::RefCell::new(&mut g.strings);
        map_node(n, &|x: N| s.borrow_mut().intern(text(x)), &|t: TypeId| {
            global_of
                .get(t.index())
                .copied()
                .flatten()
                .unwrap_or(Graph::VOID)
        })
    };
    let file = file.map(|f| g.strings.intern(text(f)));
    g.nodes[id.index()] = node;
    g.files[id.index()] = file;
}

/// Every local node, each after the nodes it refers to (but in a cycle,
/// where one has to come first). An explicit stack: chains can be long.
fn post_order<N>(nodes: &[Node<N>]) -> Vec<usize> {
    let n = nodes.len();
    let mut seen = vec![false; n];
    let mut out = Vec::with_capacity(n);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            match nodes[v].child(k) {
                Some(c) => {
                    top.1 += 1;
                    let c = c.index();
                    if c < n && !seen[c] {
                        seen[c] = true;
                        stack.push((c, 0));
                    }
                }
                None => {
                    out.push(v);
                    stack.pop();
                }
            }
        }
    }
    out
}

/// Do a local node and a global node have the same own fields (names,
/// sizes, offsets, values, counts; not their children)?
fn same_label<'n, N: Copy>(a: &Node<N>, text: impl Fn(N) -> &'n str, b: &Node, g: &Graph) -> bool {
    let name = |x: N, y: crate::graph::Name| text(x) == g.str(y);
    let opt = |x: Option<N>, y: Option<crate::graph::Name>| match (x, y) {
        (Some(x), Some(y)) => name(x, y),
        (None, None) => true,
        _ => false,
    };
    match (a, b) {
        (Node::Void, Node::Void) => true,
        (
            Node::Base {
                name: n1,
                size_bits: s1,
                encoding: e1,
            },
            Node::Base {
                name: n2,
                size_bits: s2,
                encoding: e2,
            },
        ) => s1 == s2 && e1 == e2 && name(*n1, *n2),
        (
            Node::Pointer {
                size_bits: s1,
                reference: r1,
                ..
            },
            Node::Pointer {
                size_bits: s2,
                reference: r2,
                ..
            },
        ) => s1 == s2 && r1 == r2,
        (Node::Typedef { name: n1, .. }, Node::Typedef { name: n2, .. }) => name(*n1, *n2),
        (Node::Qualified { qual: q1, .. }, Node::Qualified { qual: q2, .. }) => q1 == q2,
        (
            Node::Aggregate {
                kind: k1,
                name: n1,
                size_bits: s1,
                members: m1,
            },
            Node::Aggregate {
                kind: k2,
                name: n2,
                size_bits: s2,
                members: m2,
            },
        ) => {
            k1 == k2
                && s1 == s2
                && m1.len() == m2.len()
                && opt(*n1, *n2)
                && m1.iter().zip(m2).all(|(x, y)| {
                    x.offset_bits == y.offset_bits
                        && x.bit_size == y.bit_size
                        && opt(x.name, y.name)
                })
        }
        (
            Node::Enum {
                name: n1,
                size_bits: s1,
                enumerators: e1,
            },
            Node::Enum {
                name: n2,
                size_bits: s2,
                enumerators: e2,
            },
        ) => {
            s1 == s2
                && e1.len() == e2.len()
                && opt(*n1, *n2)
                && e1
                    .iter()
                    .zip(e2)
                    .all(|(x, y)| x.value == y.value && name(x.name, y.name))
        }
        (Node::Array { count: c1, .. }, Node::Array { count: c2, .. }) => c1 == c2,
        (
            Node::Function {
                params: p1,
                variadic: v1,
                ..
            },
            Node::Function {
                params: p2,
                variadic: v2,
                ..
            },
        ) => {
            v1 == v2 && p1.len() == p2.len() && p1.iter().zip(p2).all(|(x, y)| opt(x.name, y.name))
        }
        _ => false,
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

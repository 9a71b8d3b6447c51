//! The merge of local graphs into one, checked: two nodes of one key
//! become one only when they are structurally equal all the way down.

use super::{LocalGraph, map_node};
use crate::graph::{Graph, Node, TypeId};
use rustc_hash::FxHashMap;

/// Accumulates local graphs into one [`Graph`].
///
/// A key is only a filter: two nodes are merged when they are structurally
/// equal all the way down, cycles included, which [`Merger`] checks before
/// every merge. A key names the tags a node refers to without looking into
/// them, so two drivers' `struct priv { struct inner *p; }` whose `struct
/// inner` differ share a key (and so does everything that points at them);
/// the check tells them apart, and both become nodes.
#[derive(Default)]
pub struct Merger {
    index: FxHashMap<u128, TypeId>,
    /// Further nodes of a key that `index` holds: equal keys, other types.
    more: FxHashMap<u128, Vec<TypeId>>,
    /// The key of every global node (by index), to refuse a pair at once.
    key_of: Vec<u128>,
    /// The first definition of each tag met: a unit's declaration-only
    /// tag stands for it.
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

    /// Global node `id` now holds a type of key `k`: a candidate for it,
    /// and, for a tag, its declaration or (taking the declaration's place,
    /// if there was one) its first definition.
    fn adopt(
        &mut self,
        id: TypeId,
        k: u128,
        tag: Option<(crate::graph::Tag, String)>,
        declaration: bool,
    ) {
        if self.key_of.len() <= id.index() {
            self.key_of.resize(id.index() + 1, 0);
        }
        self.key_of[id.index()] = k;
        self.register(k, id);
        if let Some(t) = tag {
            if declaration {
                self.decls.entry(t).or_insert(id);
            } else {
                self.decls.remove(&t);
                self.defs.entry(t).or_insert(id);
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
        let tag = |l: usize| nodes[l].tag().map(|(t, name)| (t, text(name).to_string()));
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
            let found = self
                .candidates(k)
                .find_map(|c| self.equal(i, c, nodes, keys, g, &global_of, text));
            if let Some(proof) = found {
                for (l, gl) in proof {
                    global_of[l] = Some(gl);
                    // A definition met where the graph so far only had the
                    // declaration: it becomes that node.
                    if completes(&nodes[l], text, g.node(gl), g) {
                        self.adopt(gl, keys.get(l).copied().unwrap_or(0), tag(l), false);
                        fresh.push(l);
                    }
                }
            } else {
                let t = tag(i);
                let declaration = nodes[i].is_declaration();
                let declared = match &t {
                    Some(t) if !declaration && !self.defs.contains_key(t) => {
                        self.decls.get(t).copied()
                    }
                    _ => None,
                };
                let id = declared.unwrap_or_else(|| g.add(Node::Void, None));
                self.adopt(id, k, t, declaration);
                global_of[i] = Some(id);
                // Written at once when its children are placed, so that a
                // copy later in this same graph finds it (declarations
                // completed make such copies); a node of a cycle waits for
                // the rest of its cycle.
                let ready = nodes[i]
                    .children()
                    .all(|c| nodes.get(c.index()).is_none() || global_of[c.index()].is_some());
                if ready {
                    fill(g, nodes, files, i, &global_of, text);
                } else {
                    fresh.push(i);
                }
            }
        }
        for i in fresh {
            fill(g, nodes, files, i, &global_of, text);
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
                    if x != cb {
                        return None;
                    }
                    continue;
                }
                if completes(local_child, text, g.node(cb), g) {
                    // Not compared: the definition becomes that node (see
                    // `merge_nodes`), whatever its members.
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

/// Does local definition `a` complete global declaration `b`: a struct,
/// union or enum of the kind and name `b` declares, met before any
/// definition of it? (Once one is met, a unit's declaration is that
/// definition already, and no declaration of the name is left to meet.)
fn completes<'n, N: Copy>(a: &Node<N>, text: impl Fn(N) -> &'n str, b: &Node, g: &Graph) -> bool {
    b.is_declaration()
        && !a.is_declaration()
        && a.tag().is_some()
        && a.tag().map(|(t, n)| (t, text(n))) == g.tag(b)
}

/// Write the global node local node `i` is placed at from it, its
/// references mapped (a reference not placed yet, or dangling, reads as
/// void).
pub(super) fn fill<'n, N: Copy>(
    g: &mut Graph,
    nodes: &[Node<N>],
    files: &[Option<N>],
    i: usize,
    global_of: &[Option<TypeId>],
    text: impl Fn(N) -> &'n str,
) {
    let (Some(n), Some(id)) = (nodes.get(i), global_of.get(i).copied().flatten()) else {
        return;
    };
    let file = files.get(i).copied().flatten();
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

//! Partition refinement: the smallest graph with the types of a graph, for
//! the final completion of declarations.

use super::merge::fill;
use super::{LocalGraph, label};
use crate::graph::{Graph, Node, TypeId};
use rustc_hash::FxHashMap;

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
        fill(&mut out, &view.nodes, &view.files, i, &placed, |s| s);
    }
    (out, global)
}

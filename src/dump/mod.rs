//! KMI baselines (`kmi dump`): a kernel's exports and the type graph they
//! reach, in a line-oriented text format of our own (`kmi-dump 1`), so that a
//! baseline can be committed, reviewed with `git diff`, and compared against
//! a new build without reading DWARF again. The format is specified in
//! `docs/baselines.md`; in short (ids shortened):
//!
//! ```text
//! kmi-dump 1
//! # 4364 symbols, 8958 types
//! sym kmi_a_open function 1b79... kmi_a crc=0x925f4cb4 size=4 at=kmi_a.c:121 # kmi_handle_t kmi_a_open(struct kmi_device *)
//! d758... struct kmi_device 448 at=kmi_a.h { name:d7eb...@0 id:e1ce...@128 ... }
//! eedb... pointer d758... 64 # struct kmi_device *
//! ```
//!
//! Type ids are derived from content (a hash of the record text, see
//! `write.rs`), never from the order DWARF was read in, so
//! the same kernel gives the same bytes on any machine at any thread count,
//! and a type that did not change keeps its id across builds.

mod read;
mod syntax;
mod write;

pub use read::{has_vmlinux_exports, is_dump, lacks, load, parse};
pub use write::write;

pub(crate) use crate::graph::check_untagged_depth;
use crate::graph::{Graph, Node, Symbol, TypeId};
use rustc_hash::{FxHashMap, FxHashSet};

/// First word of the first line.
pub const MAGIC: &str = "kmi-dump";
/// The format version this code writes and the only one it reads.
pub const VERSION: u32 = 1;

/// Every node reachable from the symbols, through type edges and, when
/// `complete` is given, from each declaration to its completing definition.
/// In first-visit order of a depth-first walk from the symbols in name
/// order, which depends only on content.
pub(crate) fn reachable(
    g: &Graph,
    symbols: &[Symbol],
    complete: Option<&FxHashMap<(crate::graph::Tag, &str), TypeId>>,
) -> Vec<TypeId> {
    let mut seen = vec![false; g.nodes.len()];
    let mut order = Vec::new();
    let mut stack: Vec<TypeId> = Vec::new();
    let mut kids = Vec::new();
    for s in symbols.iter().rev() {
        if let Some(t) = s.ty {
            stack.push(t);
        }
    }
    // Symbols are pushed reversed so the first symbol is walked first.
    while let Some(t) = stack.pop() {
        let i = t.index();
        if i >= seen.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        order.push(t);
        let n = &g.nodes[i];
        kids.clear();
        kids.extend(n.children());
        if let Some(defs) = complete
            && n.is_declaration()
            && let Some(k) = g.tag(n)
            && let Some(&d) = defs.get(&k)
        {
            kids.push(d);
        }
        stack.extend(kids.iter().rev());
    }
    order
}

/// Keep only the listed symbols and the types they reach through type edges
/// (as reading the tree with that list would), preserving node order so the
/// comparison completes declarations the same way.
pub fn restrict(g: &Graph, keep: &FxHashSet<String>) -> Graph {
    let symbols: Vec<Symbol> = g
        .symbols
        .iter()
        .filter(|s| keep.contains(&s.name))
        .cloned()
        .collect();
    let mut live = vec![false; g.nodes.len()];
    // `void` stays node 0, as every graph has it.
    if let Some(v) = live.first_mut() {
        *v = true;
    }
    for t in reachable(g, &symbols, None) {
        live[t.index()] = true;
    }
    let mut new_id = vec![Graph::VOID; g.nodes.len()];
    let mut out = Graph {
        strings: g.strings.clone(),
        nodes: Vec::new(),
        files: Vec::new(),
        symbols: Vec::new(),
        btf: g.btf,
        lacks: g.lacks,
    };
    for (i, l) in live.iter().enumerate() {
        if *l {
            new_id[i] = TypeId(out.nodes.len() as u32);
            out.nodes.push(g.nodes[i].clone());
            out.files.push(g.files.get(i).copied().flatten());
        }
    }
    for n in &mut out.nodes {
        remap(n, |t| new_id.get(t.index()).copied().unwrap_or(Graph::VOID));
    }
    out.symbols = symbols
        .into_iter()
        .map(|mut s| {
            s.ty = s.ty.map(|t| new_id[t.index()]);
            s
        })
        .collect();
    out
}

/// Rewrite every type edge of `n`.
pub(crate) fn remap(n: &mut Node, f: impl Fn(TypeId) -> TypeId) {
    match n {
        Node::Void | Node::Base { .. } | Node::Enum { .. } => {}
        Node::Pointer { target, .. }
        | Node::Typedef { target, .. }
        | Node::Qualified { target, .. } => *target = f(*target),
        Node::Aggregate { members, .. } => {
            for m in members {
                m.ty = f(m.ty);
            }
        }
        Node::Array { element, .. } => *element = f(*element),
        Node::Function { ret, params, .. } => {
            *ret = f(*ret);
            for p in params {
                p.ty = f(p.ty);
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// The `flags` line's words: what the graph's source was (`btf`) and what it
/// does not record (`no-...`, see [`crate::graph::Lacks`]).
const FLAGS: &[&str] = &[
    "btf",
    "no-flavour",
    "no-modules",
    "no-untyped-symbols",
    "no-sizes",
    "no-types",
    "no-bitfield-widths",
];

fn flag_slot(g: &mut Graph, i: usize) -> &mut bool {
    match i {
        0 => &mut g.btf,
        1 => &mut g.lacks.flavour,
        2 => &mut g.lacks.modules,
        3 => &mut g.lacks.untyped_symbols,
        4 => &mut g.lacks.sizes,
        5 => &mut g.lacks.types,
        _ => &mut g.lacks.bitfield_widths,
    }
}

/// The flags set on `g`, in [`FLAGS`] order.
pub(crate) fn flags(g: &Graph) -> Vec<&'static str> {
    let l = g.lacks;
    let set = [
        g.btf,
        l.flavour,
        l.modules,
        l.untyped_symbols,
        l.sizes,
        l.types,
        l.bitfield_widths,
    ];
    FLAGS
        .iter()
        .zip(set)
        .filter(|(_, s)| *s)
        .map(|(f, _)| *f)
        .collect()
}

/// Set the flags named in a `flags` line.
pub(crate) fn set_flags(g: &mut Graph, words: &[u8]) -> Result<(), String> {
    for w in words.split(|&b| b == b' ') {
        let i = FLAGS
            .iter()
            .position(|f| f.as_bytes() == w)
            .ok_or_else(|| {
                format!(
                    "unknown flag '{}' (known: {})",
                    String::from_utf8_lossy(w),
                    FLAGS.join(", ")
                )
            })?;
        *flag_slot(g, i) = true;
    }
    Ok(())
}

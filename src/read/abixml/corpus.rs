//! The end of a corpus: its symbols typed, and the types no export
//! reaches dropped.

use super::*;

impl Parser<'_> {
    pub(super) fn finish_corpus(&mut self) -> Result<()> {
        let Some(mut c) = self.corpus.take() else {
            return Ok(());
        };
        if let Some(s) = c
            .ids
            .values()
            .filter(|s| !s.defined)
            .min_by_key(|s| s.first_use)
        {
            let id = c
                .ids
                .iter()
                .find(|(_, v)| v.first_use == s.first_use && !v.defined)
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            return Err(self.err(
                s.first_use,
                format!("type-id '{id}' is used but never defined in its corpus"),
            ));
        }
        for &(e, u) in &c.enums {
            let size = match c.g.nodes[u.index()] {
                Node::Base { size_bits, .. } => size_bits,
                _ => 0,
            };
            if let Node::Enum { size_bits, .. } = &mut c.g.nodes[e.index()] {
                *size_bits = Some(size);
            }
        }
        // GCC's DWARF for `const u8 t[256]` holds a const array of const u8
        // (C qualifies an array of const elements itself); libabigail keeps
        // only the element's const. Restore the outer one, as our DWARF
        // reader sees it; the inner dimensions of `[65][1]` stay bare.
        for &a in &c.arrays {
            let mut inner = a;
            for _ in 0..crate::graph::MAX_DEPTH {
                match c.g.nodes[inner.index()] {
                    Node::Array { element, .. } => inner = element,
                    _ => break,
                }
            }
            if let Node::Qualified {
                qual: Qualifier::Const,
                ..
            } = c.g.nodes[inner.index()]
            {
                let array = c.g.nodes[a.index()].clone();
                let moved = c.g.add(array, None);
                c.g.nodes[a.index()] = Node::Qualified {
                    qual: Qualifier::Const,
                    target: moved,
                };
            }
        }
        let mut symbols = Vec::with_capacity(c.syms.len());
        for s in c.syms.drain(..) {
            let (ty, kind) = match c.roots.get(&s.name) {
                Some(&(t, k)) => (Some(t), k),
                None => (None, s.kind),
            };
            symbols.push(Symbol {
                name: s.name,
                kind,
                gpl: false,
                namespace: s.namespace,
                crc: s.crc,
                module: c.module.clone(),
                size: 0,
                ty,
                location: None,
            });
        }
        let roots: Vec<TypeId> = symbols.iter().filter_map(|s| s.ty).collect();
        if let Err((node, msg)) = check_untagged_depth(&c.g, roots.iter().copied()) {
            return Err(Error::input(
                self.path,
                format!("corpus {}: {msg} (at node {})", c.module, node.0),
            ));
        }
        let (g, remap) = reachable(&c.g, &roots);
        for s in &mut symbols {
            s.ty = s.ty.map(|t| remap[t.index()]);
        }
        self.parts.push((c.module, g, symbols));
        Ok(())
    }
}

/// The part of `g` reachable from `roots`, and each old node's new id:
/// libabigail also writes helper types (enum underlying types, subrange
/// index types) that no C type refers to.
fn reachable(g: &Graph, roots: &[TypeId]) -> (Graph, Vec<TypeId>) {
    let n = g.nodes.len();
    let mut keep = vec![false; n];
    keep[0] = true;
    let mut work: Vec<TypeId> = roots.to_vec();
    while let Some(t) = work.pop() {
        let i = t.index();
        if i >= n || keep[i] {
            continue;
        }
        keep[i] = true;
        work.extend(g.nodes[i].children());
    }
    let mut remap = vec![Graph::VOID; n];
    let kept = keep.iter().enumerate().skip(1).filter(|(_, k)| **k);
    for (new, (i, _)) in (1u32..).zip(kept) {
        remap[i] = TypeId(new);
    }
    let mut out = Graph::new();
    out.strings = g.strings.clone();
    for (i, _) in keep.iter().enumerate().skip(1).filter(|(_, k)| **k) {
        let node = map_node(&g.nodes[i], &|x| x, &|t: TypeId| remap[t.index()]);
        out.add(node, g.files[i]);
    }
    (out, remap)
}

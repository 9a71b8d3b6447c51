//! What the reports need beyond the raw diff graph: which diffs are "leaf
//! types" (a named type that itself changed) and which interfaces each one
//! impacts.

use super::{Comparison, DiffId, same_named_type};
use rustc_hash::FxHashSet;

pub struct LeafType {
    pub diff: DiffId,
    /// "struct kmi_device", "typedef kmi_handle_t", "enum kmi_state".
    pub name: String,
    /// Names of the changed interfaces that reach it, sorted.
    pub impacted: Vec<String>,
}

pub struct Analysis {
    /// Sorted by name.
    pub leaves: Vec<LeafType>,
    /// Per entry of `Comparison::changed_symbols`: the leaf types it reaches
    /// (indices into `leaves`).
    pub interface_leaves: Vec<Vec<usize>>,
}

impl Analysis {
    /// Names of the leaf types that changed interface `i` (an index into
    /// `Comparison::changed_symbols`), in name order.
    pub fn leaf_names(&self, i: usize) -> Vec<String> {
        self.interface_leaves[i]
            .iter()
            .map(|&li| self.leaves[li].name.clone())
            .collect()
    }
}

impl Comparison<'_> {
    /// The name of `d` when it is a change *of* one named type.
    pub fn named(&self, d: DiffId) -> Option<String> {
        let diff = self.diffs.get(d);
        same_named_type((self.a, self.b), (diff.a, diff.b))
    }

    pub fn is_changed(&self, d: DiffId) -> bool {
        self.changed[d.0 as usize]
    }

    /// Does `d` have something to say of its own: details, or changes
    /// reached through unnamed types (a member whose `int` became `long`)?
    pub fn has_local_content(&self, d: DiffId) -> bool {
        let mut seen = FxHashSet::default();
        self.local_content(d, &mut seen)
    }

    fn local_content(&self, d: DiffId, seen: &mut FxHashSet<DiffId>) -> bool {
        if !seen.insert(d) {
            return false;
        }
        let diff = self.diffs.get(d);
        if !diff.details.is_empty() {
            return true;
        }
        diff.children.iter().any(|(_, c)| {
            self.is_changed(*c) && self.named(*c).is_none() && self.local_content(*c, seen)
        })
    }

    /// Several types of one name (two drivers' `struct priv`) are told
    /// apart in reports by the file of their definition, `struct priv
    /// (drivers/a/priv.h)`; two of one file (a header whose types another
    /// unit's same-named tag turned into a second copy) by the module whose
    /// interfaces reach each, `struct device (device.h, in cxgb4)`, and
    /// then by a number. A name one type bears stays as it is. `modules`:
    /// per leaf, the modules of the interfaces it impacts, sorted.
    fn qualify(&self, leaves: &mut [LeafType], modules: &[Vec<&str>]) {
        let mut ambiguous = self.b.ambiguous_names();
        ambiguous.extend(self.a.ambiguous_names());
        let count_names = |leaves: &[LeafType]| {
            let mut seen: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
            for l in leaves {
                *seen.entry(l.name.clone()).or_default() += 1;
            }
            seen
        };
        let seen = count_names(leaves);
        for l in leaves.iter_mut() {
            if !ambiguous.contains(&l.name) && seen.get(&l.name) == Some(&1) {
                continue;
            }
            let diff = self.diffs.get(l.diff);
            let file = self
                .b
                .files
                .get(diff.b.index())
                .copied()
                .flatten()
                .map(|f| self.b.str(f))
                .or_else(|| {
                    self.a
                        .files
                        .get(diff.a.index())
                        .copied()
                        .flatten()
                        .map(|f| self.a.str(f))
                });
            l.name = format!("{} ({})", l.name, file.unwrap_or("file unknown"));
        }
        let seen = count_names(leaves);
        for (l, m) in leaves.iter_mut().zip(modules) {
            if seen.get(&l.name).is_some_and(|n| *n > 1)
                && let Some(module) = m.iter().find(|m| **m == "vmlinux").or(m.first())
                && let Some(open) = l.name.strip_suffix(')')
            {
                l.name = format!("{open}, in {module})");
            }
        }
        let mut count: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
        let mut order: Vec<usize> = (0..leaves.len()).collect();
        order.sort_by_key(|&i| leaves[i].diff);
        for i in order {
            let n = count.entry(leaves[i].name.clone()).or_default();
            *n += 1;
            if *n > 1 {
                leaves[i].name = format!("{} #{n}", leaves[i].name);
            }
        }
    }

    pub fn analyse(&self) -> Analysis {
        let n = self.diffs.diffs.len();
        // Leaf types: named, changed, with local content.
        let mut leaf_index = vec![usize::MAX; n];
        let mut leaves: Vec<LeafType> = Vec::new();
        for i in 0..n {
            let d = DiffId(i as u32);
            if !self.is_changed(d) {
                continue;
            }
            if let Some(name) = self.named(d)
                && self.has_local_content(d)
            {
                leaves.push(LeafType {
                    diff: d,
                    name,
                    impacted: Vec::new(),
                });
            }
        }
        leaves.sort_by(|a, b| a.name.cmp(&b.name).then(a.diff.cmp(&b.diff)));
        for (li, l) in leaves.iter().enumerate() {
            leaf_index[l.diff.0 as usize] = li;
        }
        // For each changed interface, the leaves reachable through changed
        // diffs. A stamp array avoids clearing a visited set per interface.
        let mut stamp = vec![u32::MAX; n];
        let mut interface_leaves = Vec::with_capacity(self.changed_symbols.len());
        for (si, s) in self.changed_symbols.iter().enumerate() {
            let mut found = Vec::new();
            if let Some(root) = s.diff {
                let mut stack = vec![root];
                stamp[root.0 as usize] = si as u32;
                while let Some(d) = stack.pop() {
                    let li = leaf_index[d.0 as usize];
                    if li != usize::MAX {
                        found.push(li);
                    }
                    for (_, c) in &self.diffs.get(d).children {
                        let ci = c.0 as usize;
                        if self.changed[ci] && stamp[ci] != si as u32 {
                            stamp[ci] = si as u32;
                            stack.push(*c);
                        }
                    }
                }
            }
            found.sort_unstable();
            for &li in &found {
                leaves[li].impacted.push(s.new.name.clone());
            }
            interface_leaves.push(found);
        }
        for l in &mut leaves {
            l.impacted.sort();
        }
        // Names that several leaves share are qualified, which can change
        // their order: sort again, and renumber what points at them.
        let mut modules: Vec<Vec<&str>> = vec![Vec::new(); leaves.len()];
        for (si, found) in interface_leaves.iter().enumerate() {
            for &li in found {
                modules[li].push(self.changed_symbols[si].new.module.as_str());
            }
        }
        for m in &mut modules {
            m.sort_unstable();
            m.dedup();
        }
        self.qualify(&mut leaves, &modules);
        let mut order: Vec<usize> = (0..leaves.len()).collect();
        order.sort_by(|&x, &y| {
            leaves[x]
                .name
                .cmp(&leaves[y].name)
                .then(leaves[x].diff.cmp(&leaves[y].diff))
        });
        let mut new_index = vec![0; leaves.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut slots: Vec<Option<LeafType>> = leaves.into_iter().map(Some).collect();
        let leaves: Vec<LeafType> = order.iter().filter_map(|&i| slots[i].take()).collect();
        for found in &mut interface_leaves {
            for li in found.iter_mut() {
                *li = new_index[*li];
            }
            found.sort_unstable();
        }
        Analysis {
            leaves,
            interface_leaves,
        }
    }
}

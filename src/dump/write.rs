//! Writing a graph as a `kmi-dump 1` file, canonically: the output depends
//! only on the graph's content, not on its node numbering.

use super::syntax::{put_id, put_opt_str, put_str};
use super::{MAGIC, VERSION, check_untagged_depth, reachable};
use crate::graph::{Graph, Node, SymbolKind, TypeId};
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::{self, Write};
use xxhash_rust::xxh3::xxh3_128;

/// DW_ATE_* names, so `base int 32 signed` reads without a DWARF manual.
pub(super) const ENCODINGS: [(u8, &str); 18] = [
    (0x01, "address"),
    (0x02, "boolean"),
    (0x03, "complex_float"),
    (0x04, "float"),
    (0x05, "signed"),
    (0x06, "signed_char"),
    (0x07, "unsigned"),
    (0x08, "unsigned_char"),
    (0x09, "imaginary_float"),
    (0x0a, "packed_decimal"),
    (0x0b, "numeric_string"),
    (0x0c, "edited"),
    (0x0d, "signed_fixed"),
    (0x0e, "unsigned_fixed"),
    (0x0f, "decimal_float"),
    (0x10, "UTF"),
    (0x11, "UCS"),
    (0x12, "ASCII"),
];

/// Content keys of the written nodes, defined by the format itself so that
/// ids do not move when the reader's internal dedup hashing changes:
///
/// - `label(n)`: n's record as written, without its id, `rank=`, `at=` and
///   comment, with every reference written as `#`;
/// - `name(n)`: for a named struct/union/enum, its C name ("struct foo");
/// - `shape(n) = XXH3-128(label(n) ++ part(r)...)` over n's references in
///   order, where `part(r)` is `XXH3-128(name(r))` for a named
///   struct/union/enum and `shape(r)` otherwise;
/// - `key(n)`: the same, but a named struct/union/enum reference contributes
///   `XXH3-128(name(r)) ^ shape(r)` and any other `key(r)`;
/// - `void` is `XXH3-128("void")`; parts are appended as 16 bytes, little
///   endian.
///
/// Named structs end every recursion (C has no cycle without one, and the
/// reader refuses such cycles), so this is linear in the graph.
struct Keys<'w, 'g> {
    w: &'w Writer<'g>,
    shape: Vec<u128>,
    key: Vec<u128>,
}

const DEPTH_GUARD: u32 = 4 * crate::graph::MAX_DEPTH;

impl Keys<'_, '_> {
    fn name_hash(&self, t: TypeId) -> Option<u128> {
        let g = self.w.g;
        g.tag(g.node(t))?;
        Some(xxh3_128(g.describe(t).as_bytes()))
    }

    fn void(t: TypeId, g: &Graph) -> Option<u128> {
        matches!(g.node(t), Node::Void).then(|| xxh3_128(b"void"))
    }

    fn key(&mut self, t: TypeId, depth: u32) -> u128 {
        self.hash(t, depth, true)
    }

    /// `shape` (`keyed == false`) or `key` (`keyed == true`), as defined
    /// above.
    fn hash(&mut self, t: TypeId, depth: u32, keyed: bool) -> u128 {
        let g = self.w.g;
        if let Some(v) = Self::void(t, g) {
            return v;
        }
        let done = if keyed { &self.key } else { &self.shape };
        if done[t.index()] != 0 || depth > DEPTH_GUARD {
            return done[t.index()];
        }
        let mut buf = self.w.node_text(t, None, true);
        for k in g.node(t).children() {
            let part = match self.name_hash(k) {
                Some(h) if keyed => h ^ self.hash(k, depth + 1, false),
                Some(h) => h,
                None => self.hash(k, depth + 1, keyed),
            };
            buf.extend_from_slice(&part.to_le_bytes());
        }
        let h = xxh3_128(&buf).max(1);
        if keyed {
            self.key[t.index()] = h;
        } else {
            self.shape[t.index()] = h;
        }
        h
    }
}

/// Give every written node its id: the low 64 bits of its key. Equal ids
/// (a 64-bit collision, or nodes with equal content) are resolved by adding
/// one, in key order and then walk order, which both derive from content,
/// so the outcome does too.
fn assign_ids(w: &Writer<'_>, order: &[TypeId]) -> Vec<Option<u64>> {
    let g = w.g;
    let mut k = Keys {
        w,
        shape: vec![0; g.nodes.len()],
        key: vec![0; g.nodes.len()],
    };
    let mut by_key: Vec<(u128, usize, TypeId)> = order
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(g.node(**t), Node::Void))
        .map(|(pos, t)| (k.key(*t, 0), pos, *t))
        .collect();
    by_key.sort_unstable();
    let mut ids = vec![None; g.nodes.len()];
    let mut used = FxHashSet::default();
    for (k, _, t) in by_key {
        let mut id = k as u64;
        while !used.insert(id) {
            id = id.wrapping_add(1);
        }
        ids[t.index()] = Some(id);
    }
    ids
}

/// Rank of each definition among the written definitions of the same tag,
/// in node order; only for tags defined more than once.
fn ranks(g: &Graph, order: &[TypeId]) -> FxHashMap<TypeId, usize> {
    let mut groups: FxHashMap<(crate::graph::Tag, &str), Vec<TypeId>> = FxHashMap::default();
    for &t in order {
        let n = g.node(t);
        if let Some(k) = g.tag(n)
            && !n.is_declaration()
        {
            groups.entry(k).or_default().push(t);
        }
    }
    let mut out = FxHashMap::default();
    for (_, mut v) in groups {
        if v.len() > 1 {
            v.sort_unstable();
            for (r, t) in v.into_iter().enumerate() {
                out.insert(t, r);
            }
        }
    }
    out
}

fn encoding(out: &mut Vec<u8>, e: u8) {
    match ENCODINGS.iter().find(|(v, _)| *v == e) {
        Some((_, name)) => out.extend_from_slice(name.as_bytes()),
        None => out.extend_from_slice(e.to_string().as_bytes()),
    }
}

struct Writer<'g> {
    g: &'g Graph,
    ids: Vec<Option<u64>>,
}

impl Writer<'_> {
    fn id(&self, out: &mut Vec<u8>, t: TypeId) {
        put_id(out, self.ids.get(t.index()).copied().flatten());
    }

    /// A reference: its id, or `#` in a label (see [`Keys`]).
    fn reference(&self, out: &mut Vec<u8>, t: TypeId, label: bool) {
        if label {
            out.push(b'#');
        } else {
            self.id(out, t);
        }
    }

    fn num(out: &mut Vec<u8>, v: impl std::fmt::Display) {
        out.extend_from_slice(v.to_string().as_bytes());
    }

    /// `NAME SIZE` or `NAME decl` of a struct, union or enum line.
    fn tag_head(out: &mut Vec<u8>, name: Option<&str>, size_bits: Option<u64>) {
        put_opt_str(out, name, false);
        out.push(b' ');
        match size_bits {
            Some(s) => Self::num(out, s),
            None => out.extend_from_slice(b"decl"),
        }
    }

    /// One node line, without the newline; with `label`, the text its key
    /// is computed from (no id, `rank=`, `at=` or comment; references `#`).
    fn node_text(&self, t: TypeId, rank: Option<usize>, label: bool) -> Vec<u8> {
        let g = self.g;
        let mut o = Vec::with_capacity(64);
        if !label {
            self.id(&mut o, t);
            o.push(b' ');
        }
        // Fields after the fixed ones: `rank=`, `at=`, then the item list.
        let extras = |o: &mut Vec<u8>| {
            if label {
                return;
            }
            if let Some(r) = rank {
                o.extend_from_slice(b" rank=");
                Self::num(o, r);
            }
            if let Some(f) = g.files.get(t.index()).copied().flatten() {
                o.extend_from_slice(b" at=");
                put_str(o, g.str(f), false);
            }
        };
        let mut comment = false;
        match g.node(t) {
            Node::Void => o.extend_from_slice(b"void"),
            Node::Base {
                name,
                size_bits,
                encoding: e,
            } => {
                o.extend_from_slice(b"base ");
                put_str(&mut o, g.str(*name), false);
                o.push(b' ');
                Self::num(&mut o, size_bits);
                o.push(b' ');
                encoding(&mut o, *e);
                extras(&mut o);
            }
            Node::Pointer {
                target,
                size_bits,
                reference,
            } => {
                o.extend_from_slice(if *reference {
                    b"reference "
                } else {
                    b"pointer "
                });
                self.reference(&mut o, *target, label);
                o.push(b' ');
                Self::num(&mut o, size_bits);
                extras(&mut o);
                comment = true;
            }
            Node::Typedef { name, target } => {
                o.extend_from_slice(b"typedef ");
                put_str(&mut o, g.str(*name), false);
                o.push(b' ');
                self.reference(&mut o, *target, label);
                extras(&mut o);
            }
            Node::Qualified { qual, target } => {
                o.extend_from_slice(qual.keyword().as_bytes());
                o.push(b' ');
                self.reference(&mut o, *target, label);
                extras(&mut o);
                comment = true;
            }
            Node::Aggregate {
                kind,
                name,
                size_bits,
                members,
            } => {
                o.extend_from_slice(kind.keyword().as_bytes());
                o.push(b' ');
                Self::tag_head(&mut o, name.map(|n| g.str(n)), *size_bits);
                extras(&mut o);
                o.extend_from_slice(b" {");
                for m in members {
                    o.push(b' ');
                    if let Some(n) = m.name {
                        put_str(&mut o, g.str(n), true);
                    }
                    o.push(b':');
                    self.reference(&mut o, m.ty, label);
                    o.push(b'@');
                    Self::num(&mut o, m.offset_bits);
                    if let Some(b) = m.bit_size {
                        o.push(b'/');
                        Self::num(&mut o, b);
                    }
                }
                o.extend_from_slice(b" }");
            }
            Node::Enum {
                name,
                size_bits,
                enumerators,
            } => {
                o.extend_from_slice(b"enum ");
                Self::tag_head(&mut o, name.map(|n| g.str(n)), *size_bits);
                extras(&mut o);
                o.extend_from_slice(b" {");
                for e in enumerators {
                    o.push(b' ');
                    put_str(&mut o, g.str(e.name), true);
                    o.push(b'=');
                    Self::num(&mut o, e.value);
                }
                o.extend_from_slice(b" }");
            }
            Node::Array { element, count } => {
                o.extend_from_slice(b"array ");
                self.reference(&mut o, *element, label);
                o.push(b' ');
                match count {
                    Some(c) => Self::num(&mut o, c),
                    None => o.push(b'-'),
                }
                extras(&mut o);
                comment = true;
            }
            Node::Function {
                ret,
                params,
                variadic,
            } => {
                o.extend_from_slice(b"function ");
                self.reference(&mut o, *ret, label);
                extras(&mut o);
                o.extend_from_slice(b" (");
                for p in params {
                    o.push(b' ');
                    if let Some(n) = p.name {
                        put_str(&mut o, g.str(n), true);
                    }
                    o.push(b':');
                    self.reference(&mut o, p.ty, label);
                }
                if *variadic {
                    o.extend_from_slice(b" ...");
                }
                o.extend_from_slice(b" )");
                comment = true;
            }
        }
        // Unnamed types get their C spelling, so a reviewer can read the
        // line without chasing ids.
        if comment && !label {
            o.extend_from_slice(b" # ");
            o.extend_from_slice(sanitize(&g.describe(t)).as_bytes());
        }
        o
    }
}

/// Comments run to the end of the line.
fn sanitize(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Write `g` (its symbols and every type they reach) as a `kmi-dump 1` file.
///
/// Fails only on a write error or on a graph the reader would refuse (a
/// type cycle that does not pass through a named struct or union).
pub fn write(g: &Graph, w: &mut dyn Write) -> io::Result<()> {
    let defs = g.definitions();
    let order = reachable(g, &g.symbols, Some(&defs));
    check_untagged_depth(g, order.iter().copied()).map_err(|(t, msg)| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("cannot dump type '{}': {msg}", g.describe(t)),
        )
    })?;
    let mut wr = Writer { g, ids: Vec::new() };
    wr.ids = assign_ids(&wr, &order);
    let ranks = ranks(g, &order);

    let mut lines: Vec<(String, u64, Vec<u8>)> = order
        .iter()
        .filter(|t| !matches!(g.node(**t), Node::Void))
        .map(|&t| {
            let id = wr.ids[t.index()].unwrap_or(0);
            (
                g.describe(t),
                id,
                wr.node_text(t, ranks.get(&t).copied(), false),
            )
        })
        .collect();
    // By C spelling, so related types sit together and a changed type's old
    // and new lines are neighbours in a diff; the id breaks ties.
    lines.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));

    let mut out = Vec::with_capacity(64 * (lines.len() + g.symbols.len()) + 64);
    writeln!(out, "{MAGIC} {VERSION}")?;
    writeln!(out, "# {} symbols, {} types", g.symbols.len(), lines.len())?;
    let flags = super::flags(g);
    if !flags.is_empty() {
        // Read back into Graph::btf and Graph::lacks: how the comparison
        // treats this graph depends on them.
        writeln!(out, "flags {}", flags.join(" "))?;
    }
    for s in &g.symbols {
        out.extend_from_slice(b"sym ");
        put_str(&mut out, &s.name, false);
        out.push(b' ');
        out.extend_from_slice(s.kind.word().as_bytes());
        out.push(b' ');
        match s.ty {
            Some(t) => wr.id(&mut out, t),
            None => out.push(b'-'),
        }
        out.push(b' ');
        put_str(&mut out, &s.module, false);
        if let Some(c) = s.crc {
            write!(out, " crc={c:#010x}")?;
        }
        if s.gpl {
            out.extend_from_slice(b" gpl");
        }
        if !s.namespace.is_empty() {
            out.extend_from_slice(b" ns=");
            put_str(&mut out, &s.namespace, false);
        }
        if s.size != 0 {
            write!(out, " size={}", s.size)?;
        }
        if let Some(l) = &s.location {
            out.extend_from_slice(b" at=");
            put_str(&mut out, l, false);
        }
        if let (Some(t), SymbolKind::Function | SymbolKind::Variable) = (s.ty, s.kind) {
            out.extend_from_slice(b" # ");
            out.extend_from_slice(sanitize(&g.declare(t, &s.name)).as_bytes());
        }
        out.push(b'\n');
        if out.len() > 1 << 20 {
            w.write_all(&out)?;
            out.clear();
        }
    }
    for (_, _, line) in &lines {
        out.extend_from_slice(line);
        out.push(b'\n');
        if out.len() > 1 << 20 {
            w.write_all(&out)?;
            out.clear();
        }
    }
    w.write_all(&out)?;
    w.flush()
}

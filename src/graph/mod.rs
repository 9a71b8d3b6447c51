//! The typed graph every reader produces and the comparison walks.
//!
//! Nodes live in one arena per side, addressed by [`TypeId`] (a `u32`), so a
//! whole kernel's worth of types costs a few hundred bytes each and edges are
//! plain integers. Names are interned per graph ([`Name`]). The interface root
//! ([`Graph::symbols`]) maps every exported symbol to its type node.
//!
//! Types are deduplicated when they are added (see [`dedup`]):
//! the same `struct sk_buff` seen in 3000 compilation units becomes one node,
//! so the comparison meets each distinct type once.

pub mod dedup;
mod describe;
mod strings;
pub use strings::{Interner, Name};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TypeId(pub u32);

impl TypeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The `Node::Base` encodings, DW_ATE_* values as DWARF has them: every
/// reader (BTF, STG, abixml) maps its own to these, so a type reads the same
/// whatever its source, and dedups with DWARF's in a side that mixes them.
pub mod ate {
    pub const BOOLEAN: u8 = 0x02;
    pub const COMPLEX_FLOAT: u8 = 0x03;
    pub const FLOAT: u8 = 0x04;
    pub const SIGNED: u8 = 0x05;
    pub const SIGNED_CHAR: u8 = 0x06;
    pub const UNSIGNED: u8 = 0x07;
    pub const UNSIGNED_CHAR: u8 = 0x08;
    pub const UTF: u8 = 0x10;
}

/// Longest chain of types walked without passing a named struct or union
/// (which every cycle of real C passes through). Real C stays far below it;
/// the bound is what keeps recursive walks safe on crafted input. The dedup
/// hash stops there, and a dump is refused beyond it, so that every graph a
/// dump gives hashes exactly, as one read from DWARF does.
pub const MAX_DEPTH: u32 = 512;

/// The namespace C names a struct, union or enum in: `struct x` and
/// `enum x` are different types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    Struct,
    Union,
    Enum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AggKind {
    Struct,
    Union,
}

impl AggKind {
    pub fn keyword(self) -> &'static str {
        match self {
            AggKind::Struct => "struct",
            AggKind::Union => "union",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Qualifier {
    Const,
    Volatile,
    Restrict,
    Atomic,
}

impl Qualifier {
    pub fn keyword(self) -> &'static str {
        match self {
            Qualifier::Const => "const",
            Qualifier::Volatile => "volatile",
            Qualifier::Restrict => "restrict",
            Qualifier::Atomic => "_Atomic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member<N = Name> {
    /// `None` for an anonymous struct/union member.
    pub name: Option<N>,
    pub ty: TypeId,
    pub offset_bits: u64,
    /// `Some` for a bitfield.
    pub bit_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Enumerator<N = Name> {
    pub name: N,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Param<N = Name> {
    pub name: Option<N>,
    pub ty: TypeId,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Node<N = Name> {
    /// `void`, and whatever DWARF leaves untyped (unspecified types from
    /// assembler CUs, variables without DW_AT_type).
    Void,
    Base {
        name: N,
        size_bits: u64,
        /// DW_ATE_* encoding (signed, unsigned, float, bool, ...).
        encoding: u8,
    },
    Pointer {
        target: TypeId,
        size_bits: u64,
        /// C++ references never occur in the kernel, but DWARF allows them.
        reference: bool,
    },
    Typedef {
        name: N,
        target: TypeId,
    },
    Qualified {
        qual: Qualifier,
        target: TypeId,
    },
    Aggregate {
        kind: AggKind,
        name: Option<N>,
        /// `None` for a declaration-only (incomplete) type.
        size_bits: Option<u64>,
        members: Vec<Member<N>>,
    },
    Enum {
        name: Option<N>,
        /// `None` for a declaration-only enum.
        size_bits: Option<u64>,
        enumerators: Vec<Enumerator<N>>,
    },
    Array {
        element: TypeId,
        /// `None` for a flexible or unknown-size array.
        count: Option<u64>,
    },
    Function {
        ret: TypeId,
        params: Vec<Param<N>>,
        variadic: bool,
    },
}

impl<N> Node<N> {
    /// Type edge `k` of this node, in a fixed order (a function's return
    /// type first, then its parameters; members in order); `None` past the
    /// last one.
    pub fn child(&self, k: usize) -> Option<TypeId> {
        match self {
            Node::Void | Node::Base { .. } | Node::Enum { .. } => None,
            Node::Pointer { target, .. }
            | Node::Typedef { target, .. }
            | Node::Qualified { target, .. } => (k == 0).then_some(*target),
            Node::Array { element, .. } => (k == 0).then_some(*element),
            Node::Aggregate { members, .. } => members.get(k).map(|m| m.ty),
            Node::Function { ret, params, .. } => match k {
                0 => Some(*ret),
                _ => params.get(k - 1).map(|p| p.ty),
            },
        }
    }

    /// Every type edge of this node, in [`Node::child`] order.
    pub fn children(&self) -> impl Iterator<Item = TypeId> + '_ {
        (0..).map_while(move |k| self.child(k))
    }
}

impl<N: Copy> Node<N> {
    /// The tag of a named struct, union or enum, the types C identifies by
    /// name (a struct and an enum of one name stay apart).
    pub fn tag(&self) -> Option<(Tag, N)> {
        match self {
            Node::Aggregate {
                kind,
                name: Some(name),
                ..
            } => Some((
                match kind {
                    AggKind::Struct => Tag::Struct,
                    AggKind::Union => Tag::Union,
                },
                *name,
            )),
            Node::Enum {
                name: Some(name), ..
            } => Some((Tag::Enum, *name)),
            _ => None,
        }
    }

    pub fn is_declaration(&self) -> bool {
        matches!(
            self,
            Node::Aggregate {
                size_bits: None,
                ..
            } | Node::Enum {
                size_bits: None,
                ..
            }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SymbolKind {
    Function,
    Variable,
    /// The ELF symbol has no type and no DWARF says what it is.
    Unknown,
}

impl SymbolKind {
    pub fn word(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Variable => "variable",
            SymbolKind::Unknown => "symbol",
        }
    }
}

/// One exported symbol: the interface root of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// EXPORT_SYMBOL_GPL (found in `__ksymtab_gpl`).
    pub gpl: bool,
    /// Symbol namespace (EXPORT_SYMBOL_NS), empty when none.
    pub namespace: String,
    /// Modversions CRC, when the kernel was built with CONFIG_MODVERSIONS.
    pub crc: Option<u32>,
    /// "vmlinux" or the module name ("crc_ccitt").
    pub module: String,
    /// ELF symbol size (bytes); for a variable, its storage size.
    pub size: u64,
    /// For a function, its `Node::Function`; for a variable, its type.
    /// `None` when no debug info describes the symbol.
    pub ty: Option<TypeId>,
    /// Source file and line of the definition, for reports.
    pub location: Option<String>,
}

/// What a graph's source does not record. Our own readers record all of it;
/// another tool's baseline (an STG `.stg`, a libabigail abixml) lacks some,
/// and what one side lacks is never a change: the comparison compares a
/// field only when both sides carry it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lacks {
    /// EXPORT_SYMBOL vs EXPORT_SYMBOL_GPL (`Symbol::gpl` is then false).
    pub flavour: bool,
    /// The exporting module (`Symbol::module` is then empty).
    pub modules: bool,
    /// Symbols that are neither functions nor variables (ELF NOTYPE
    /// symbols exported from assembler: STG records only FUNC and OBJECT).
    pub untyped_symbols: bool,
    /// ELF symbol sizes (`Symbol::size` is then 0).
    pub sizes: bool,
    /// Every type: a symbols-only baseline.
    pub types: bool,
    /// Bit-field widths (libabigail's abixml keeps only offsets).
    #[serde(default)]
    pub bitfield_widths: bool,
}

impl Lacks {
    /// What a comparison of the two can look at: only what both carry.
    pub fn either(self, o: Lacks) -> Lacks {
        Lacks {
            flavour: self.flavour || o.flavour,
            modules: self.modules || o.modules,
            untyped_symbols: self.untyped_symbols || o.untyped_symbols,
            sizes: self.sizes || o.sizes,
            types: self.types || o.types,
            bitfield_widths: self.bitfield_widths || o.bitfield_widths,
        }
    }

    /// Whether `s`, present on one side only, may be reported as added or
    /// removed: not when the other side could not have recorded it.
    pub fn can_see(self, s: &Symbol) -> bool {
        !(self.untyped_symbols && s.kind == SymbolKind::Unknown)
    }
}

/// Declaration source of a named type, kept beside the node so dedup keys do
/// not depend on where a header was included from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Graph {
    pub strings: Interner,
    pub nodes: Vec<Node>,
    /// Declaration file of each node (`None` for unnamed or unknown).
    pub files: Vec<Option<Name>>,
    /// Sorted by name; at most one entry per name.
    pub symbols: Vec<Symbol>,
    /// Some types were read from BTF, which flattens multi-dimensional
    /// arrays: the comparison then compares arrays by their flattened shape.
    #[serde(default)]
    pub btf: bool,
    /// What this graph's source does not record.
    #[serde(default)]
    pub lacks: Lacks,
}

impl Graph {
    pub fn new() -> Self {
        let mut g = Graph::default();
        g.nodes.push(Node::Void);
        g.files.push(None);
        g
    }

    /// The shared `void` node.
    pub const VOID: TypeId = TypeId(0);

    pub fn node(&self, id: TypeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn str(&self, n: Name) -> &str {
        self.strings.get(n)
    }

    pub fn opt_str(&self, n: Option<Name>) -> &str {
        n.map(|n| self.strings.get(n)).unwrap_or("")
    }

    pub fn add(&mut self, node: Node, file: Option<Name>) -> TypeId {
        let id = TypeId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.files.push(file);
        id
    }

    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols
            .binary_search_by(|s| s.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.symbols[i])
    }

    /// Sort the interface root and keep the first entry per name (the caller
    /// pushes vmlinux first, then modules in path order).
    pub fn finish_symbols(&mut self) {
        self.symbols.sort_by(|a, b| a.name.cmp(&b.name));
        self.symbols.dedup_by(|b, a| a.name == b.name);
    }

    /// [`Node::tag`] with the name as text.
    pub fn tag(&self, n: &Node) -> Option<(Tag, &str)> {
        n.tag().map(|(k, name)| (k, self.str(name)))
    }

    /// Names ("struct priv", "typedef priv_t") that several different types
    /// of this graph bear: two drivers' `struct priv`, or a header laid out
    /// two ways. Reports qualify such names with the definition's file.
    pub fn ambiguous_names(&self) -> rustc_hash::FxHashSet<String> {
        let mut count: rustc_hash::FxHashMap<(u8, &str), u32> = rustc_hash::FxHashMap::default();
        for n in &self.nodes {
            let key = match n {
                Node::Typedef { name, .. } => (0, self.str(*name)),
                _ => match self.tag(n) {
                    Some((t, name)) if !n.is_declaration() => (1 + t as u8, name),
                    _ => continue,
                },
            };
            *count.entry(key).or_default() += 1;
        }
        count
            .into_iter()
            .filter(|(_, c)| *c > 1)
            .map(|((k, name), _)| match k {
                0 => format!("typedef {name}"),
                1 => format!("struct {name}"),
                2 => format!("union {name}"),
                _ => format!("enum {name}"),
            })
            .collect()
    }

    /// The definition that completes each declaration-only tag: the lowest
    /// id, which is the first definition met in input order. The comparison,
    /// the final dedup and baselines all make this same choice.
    pub fn definitions(&self) -> rustc_hash::FxHashMap<(Tag, &str), TypeId> {
        let mut m = rustc_hash::FxHashMap::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(k) = self.tag(n)
                && !n.is_declaration()
            {
                m.entry(k).or_insert(TypeId(i as u32));
            }
        }
        m
    }

    /// Strip typedefs and qualifiers: what a value of this type really is.
    pub fn resolve(&self, mut id: TypeId) -> TypeId {
        for _ in 0..64 {
            match self.node(id) {
                Node::Typedef { target, .. } | Node::Qualified { target, .. } => id = *target,
                _ => return id,
            }
        }
        id
    }
}

/// Check what the comparison's recursive walks rely on: every cycle passes
/// through a named struct or union, and chains of other types are at most
/// [`MAX_DEPTH`] long, for the nodes below `roots`. Returns the
/// offending node.
pub fn check_untagged_depth(
    g: &Graph,
    roots: impl IntoIterator<Item = TypeId>,
) -> std::result::Result<(), (TypeId, String)> {
    let n = g.nodes.len();
    let stops = |i: usize| g.tag(&g.nodes[i]).is_some();
    // depth[i]: 0 unvisited, u32::MAX on the stack, else 1 + longest chain.
    let mut depth = vec![0u32; n];
    for root in roots {
        let root = root.index();
        if root >= n || depth[root] != 0 {
            continue;
        }
        // Iterative post-order: (node, next child index).
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        depth[root] = u32::MAX;
        while let Some(&(i, k)) = stack.last() {
            if let Some(c) = g.nodes[i].child(k) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let c = c.index();
                if c >= n || stops(c) {
                    continue;
                }
                if depth[c] == u32::MAX {
                    return Err((
                        TypeId(i as u32),
                        "type cycle that does not pass through a named struct or union".into(),
                    ));
                }
                if depth[c] == 0 {
                    depth[c] = u32::MAX;
                    stack.push((c, 0));
                }
                continue;
            }
            let d = 1 + g.nodes[i]
                .children()
                .map(|c| c.index())
                .filter(|&c| c < n && !stops(c))
                .map(|c| depth[c])
                .max()
                .unwrap_or(0);
            // A named struct or union starts a new chain for whoever points
            // at it, so its own depth is never added to a parent's.
            depth[i] = d;
            if d > MAX_DEPTH {
                return Err((
                    TypeId(i as u32),
                    format!("type nesting deeper than {MAX_DEPTH}"),
                ));
            }
            stack.pop();
        }
    }
    Ok(())
}

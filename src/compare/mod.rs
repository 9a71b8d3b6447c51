//! Comparing two graphs: a diff graph (the change tree) over pairs of types.
//!
//! Every pair of nodes met while walking both graphs in step gets one
//! [`Diff`], memoised, so a type shared by 5000 interfaces is compared once
//! and recursive types terminate: meeting a pair again just links to its diff.
//! Whether a diff "has changes" is decided afterwards over the whole diff graph
//! (changes flow from children to parents, through cycles too), which is what
//! makes the answer independent of the order pairs were visited in.

pub mod analysis;
pub mod explain;
pub mod facts;
pub mod kind;
mod symbols;
pub use kind::{ChangeKind, KINDS};
pub use symbols::{
    Comparison, NoFilter, Paired, Reach, Suppressed, SymDetail, SymbolChange, TypeFilter,
    compare_kernels, pair_symbols, same_named_type, symbol_details,
};

use crate::graph::{AggKind, Graph, Node, Qualifier, TypeId};
use rustc_hash::FxHashMap;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DiffId(pub u32);

/// A change local to one pair of types (not inherited from a child).
/// Serialized without its kind, which [`Detail::to_json`] adds from the
/// vocabulary, so renaming a variant cannot change a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    SizeChanged {
        old_bits: u64,
        new_bits: u64,
    },
    /// The type was replaced by an unrelated one (another name or kind).
    TypeReplaced {
        old: String,
        new: String,
        old_bits: Option<u64>,
        new_bits: Option<u64>,
    },
    MemberAdded {
        name: String,
        offset_bits: u64,
        ty: String,
    },
    MemberRemoved {
        name: String,
        offset_bits: u64,
        ty: String,
    },
    MemberRenamed {
        old: String,
        new: String,
        offset_bits: u64,
    },
    MemberOffsetChanged {
        name: String,
        old_bits: u64,
        new_bits: u64,
    },
    BitfieldChanged {
        name: String,
        old: Option<u64>,
        new: Option<u64>,
    },
    EnumeratorAdded {
        name: String,
        value: i64,
    },
    EnumeratorRemoved {
        name: String,
        value: i64,
    },
    EnumeratorChanged {
        name: String,
        old: i64,
        new: i64,
    },
    ParamAdded {
        index: usize,
        ty: String,
    },
    ParamRemoved {
        index: usize,
        ty: String,
    },
    VariadicChanged {
        now: bool,
    },
    ArrayCountChanged {
        old: Option<u64>,
        new: Option<u64>,
    },
    QualifierAdded {
        qual: String,
    },
    QualifierRemoved {
        qual: String,
    },
}

impl Detail {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Detail::SizeChanged { .. } => ChangeKind::SizeChanged,
            Detail::TypeReplaced { .. } => ChangeKind::TypeReplaced,
            Detail::MemberAdded { .. } => ChangeKind::MemberAdded,
            Detail::MemberRemoved { .. } => ChangeKind::MemberRemoved,
            Detail::MemberRenamed { .. } => ChangeKind::MemberRenamed,
            Detail::MemberOffsetChanged { .. } => ChangeKind::MemberOffsetChanged,
            Detail::BitfieldChanged { .. } => ChangeKind::BitfieldChanged,
            Detail::EnumeratorAdded { .. } => ChangeKind::EnumeratorAdded,
            Detail::EnumeratorRemoved { .. } => ChangeKind::EnumeratorRemoved,
            Detail::EnumeratorChanged { .. } => ChangeKind::EnumeratorChanged,
            Detail::ParamAdded { .. } => ChangeKind::ParamAdded,
            Detail::ParamRemoved { .. } => ChangeKind::ParamRemoved,
            Detail::VariadicChanged { .. } => ChangeKind::VariadicChanged,
            Detail::ArrayCountChanged { .. } => ChangeKind::ArrayCountChanged,
            Detail::QualifierAdded { .. } => ChangeKind::QualifierAdded,
            Detail::QualifierRemoved { .. } => ChangeKind::QualifierRemoved,
        }
    }

    /// `{"kind": id, ...fields}`, as both JSON schemas write a detail.
    pub fn to_json(&self) -> serde_json::Value {
        with_kind(serde_json::to_value(self), self.kind())
    }

    /// The inverse of [`Detail::to_json`], for views drawn from a saved
    /// report (`kmi render`): `None` for an object that is not a type
    /// change of a kind this version knows, with all its fields.
    pub fn from_json(v: &serde_json::Value) -> Option<Detail> {
        use serde_json::Value;
        let m = v.as_object()?;
        let s = |k: &str| m.get(k)?.as_str().map(str::to_string);
        let u = |k: &str| m.get(k)?.as_u64();
        let i = |k: &str| m.get(k)?.as_i64();
        let ou = |k: &str| match m.get(k)? {
            Value::Null => Some(None),
            x => x.as_u64().map(Some),
        };
        let index = |k: &str| usize::try_from(u(k)?).ok();
        use ChangeKind as K;
        Some(match ChangeKind::parse(m.get("kind")?.as_str()?)? {
            K::SizeChanged => Detail::SizeChanged {
                old_bits: u("old_bits")?,
                new_bits: u("new_bits")?,
            },
            K::TypeReplaced => Detail::TypeReplaced {
                old: s("old")?,
                new: s("new")?,
                old_bits: ou("old_bits")?,
                new_bits: ou("new_bits")?,
            },
            K::MemberAdded => Detail::MemberAdded {
                name: s("name")?,
                offset_bits: u("offset_bits")?,
                ty: s("ty")?,
            },
            K::MemberRemoved => Detail::MemberRemoved {
                name: s("name")?,
                offset_bits: u("offset_bits")?,
                ty: s("ty")?,
            },
            K::MemberRenamed => Detail::MemberRenamed {
                old: s("old")?,
                new: s("new")?,
                offset_bits: u("offset_bits")?,
            },
            K::MemberOffsetChanged => Detail::MemberOffsetChanged {
                name: s("name")?,
                old_bits: u("old_bits")?,
                new_bits: u("new_bits")?,
            },
            K::BitfieldChanged => Detail::BitfieldChanged {
                name: s("name")?,
                old: ou("old")?,
                new: ou("new")?,
            },
            K::EnumeratorAdded => Detail::EnumeratorAdded {
                name: s("name")?,
                value: i("value")?,
            },
            K::EnumeratorRemoved => Detail::EnumeratorRemoved {
                name: s("name")?,
                value: i("value")?,
            },
            K::EnumeratorChanged => Detail::EnumeratorChanged {
                name: s("name")?,
                old: i("old")?,
                new: i("new")?,
            },
            K::ParamAdded => Detail::ParamAdded {
                index: index("index")?,
                ty: s("ty")?,
            },
            K::ParamRemoved => Detail::ParamRemoved {
                index: index("index")?,
                ty: s("ty")?,
            },
            K::VariadicChanged => Detail::VariadicChanged {
                now: m.get("now")?.as_bool()?,
            },
            K::ArrayCountChanged => Detail::ArrayCountChanged {
                old: ou("old")?,
                new: ou("new")?,
            },
            K::QualifierAdded => Detail::QualifierAdded { qual: s("qual")? },
            K::QualifierRemoved => Detail::QualifierRemoved { qual: s("qual")? },
            _ => return None,
        })
    }
}

/// A payload serialized without its kind, with the kind's id added.
pub(crate) fn with_kind(
    v: serde_json::Result<serde_json::Value>,
    kind: ChangeKind,
) -> serde_json::Value {
    let mut v = v.unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("kind".into(), kind.id().into());
    }
    v
}

/// How a child diff hangs off its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Edge {
    Return,
    Param(usize),
    Member(String),
    PointedTo,
    Underlying,
    Element,
    /// Through a qualifier on one side only, or on both.
    Qualified,
}

/// Which report names a step of the change tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeStyle {
    /// The text report's prose ("type of data member 'x'").
    Text,
    /// `--explain` lines ("member 'x'").
    Explain,
    /// JSON paths ("member x").
    Path,
}

impl Edge {
    pub fn spelled(&self, style: EdgeStyle) -> String {
        use EdgeStyle::{Explain, Path, Text};
        let fixed = |text: &str, explain: &str, path: &str| {
            match style {
                Text => text,
                Explain => explain,
                Path => path,
            }
            .to_string()
        };
        match (self, style) {
            (Edge::Param(i), Path) => format!("param {i}"),
            (Edge::Param(i), _) => format!("parameter {i}"),
            (Edge::Member(m), Text) => format!("type of data member '{m}'"),
            (Edge::Member(m), Explain) => format!("member '{m}'"),
            (Edge::Member(m), Path) => format!("member {m}"),
            (Edge::Return, _) => fixed("return type", "return type", "return"),
            (Edge::PointedTo, _) => fixed("pointed-to type", "pointed-to type", "pointee"),
            (Edge::Underlying, _) => fixed("underlying type", "underlying type", "underlying"),
            (Edge::Element, _) => fixed("array element type", "element type", "element"),
            (Edge::Qualified, _) => fixed("qualified type", "qualified type", "qualified"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Diff {
    pub a: TypeId,
    pub b: TypeId,
    pub details: Vec<Detail>,
    pub children: Vec<(Edge, DiffId)>,
}

/// The diff graph of two type graphs.
pub struct TypeDiffs<'g> {
    pub a: &'g Graph,
    pub b: &'g Graph,
    pub diffs: Vec<Diff>,
    memo: FxHashMap<(TypeId, TypeId), DiffId>,
    queue: Vec<DiffId>,
    defs_a: FxHashMap<(crate::graph::Tag, &'g str), TypeId>,
    defs_b: FxHashMap<(crate::graph::Tag, &'g str), TypeId>,
    /// The two sides were read from different sources: DWARF on one side
    /// and BTF on the other, or a tree against another tool's baseline
    /// (see [`TypeDiffs::loose`]).
    pub cross_source: bool,
    /// What either side's source does not record.
    lacks: crate::graph::Lacks,
}

impl<'g> TypeDiffs<'g> {
    pub fn new(a: &'g Graph, b: &'g Graph) -> Self {
        TypeDiffs {
            a,
            b,
            diffs: Vec::new(),
            memo: FxHashMap::default(),
            queue: Vec::new(),
            defs_a: a.definitions(),
            defs_b: b.definitions(),
            cross_source: a.btf != b.btf || a.lacks != b.lacks,
            lacks: a.lacks.either(b.lacks),
        }
    }

    pub fn get(&self, d: DiffId) -> &Diff {
        &self.diffs[d.0 as usize]
    }

    /// Compare two types (and everything below them).
    pub fn compare(&mut self, a: TypeId, b: TypeId) -> DiffId {
        let d = self.pair(a, b);
        while let Some(d) = self.queue.pop() {
            self.expand(d);
        }
        d
    }

    fn complete(
        &self,
        g: &Graph,
        defs: &FxHashMap<(crate::graph::Tag, &str), TypeId>,
        id: TypeId,
    ) -> TypeId {
        let n = g.node(id);
        if n.is_declaration()
            && let Some(k) = g.tag(n)
            && let Some(&d) = defs.get(&k)
        {
            return d;
        }
        id
    }

    fn pair(&mut self, a: TypeId, b: TypeId) -> DiffId {
        let a = self.complete(self.a, &self.defs_a, a);
        let b = self.complete(self.b, &self.defs_b, b);
        if let Some(&d) = self.memo.get(&(a, b)) {
            return d;
        }
        let d = DiffId(self.diffs.len() as u32);
        self.diffs.push(Diff {
            a,
            b,
            details: Vec::new(),
            children: Vec::new(),
        });
        self.memo.insert((a, b), d);
        self.queue.push(d);
        d
    }

    /// A prototype's return and parameter types, and a variable's type, as
    /// they are compared. Within one source, as written. Between two
    /// sources, the other may have recorded another declaration than ours:
    /// pahole a FORTIFY_SOURCE inline wrapper in place of lib/string.c's
    /// definition (`char *const` for `char *`, `__kernel_size_t` for
    /// `size_t`); STG, which drops the qualifiers of parameters and finds a
    /// variable's type by address, the type of the variable an alias names
    /// (`u64 jiffies_64` for `jiffies`). So what C itself ignores is
    /// ignored: qualifiers on a parameter or variable, and the typedef a
    /// type is spelled through.
    pub(crate) fn loose(&self, a: TypeId, b: TypeId, param: bool) -> (TypeId, TypeId) {
        if !self.cross_source {
            return (a, b);
        }
        let strip = |g: &Graph, mut t: TypeId| {
            for _ in 0..crate::graph::MAX_DEPTH {
                match g.node(t) {
                    Node::Qualified { target, .. } if param => t = *target,
                    Node::Typedef { target, .. } => t = *target,
                    _ => break,
                }
            }
            t
        };
        fn typedef_named(g: &Graph, t: TypeId) -> Option<&str> {
            match g.node(t) {
                Node::Typedef { name, .. } => Some(g.str(*name)),
                _ => None,
            }
        }
        // The same typedef on both sides still names its changes.
        let same = typedef_named(self.a, a);
        if same.is_some() && same == typedef_named(self.b, b) {
            return (a, b);
        }
        (strip(self.a, a), strip(self.b, b))
    }

    fn replaced(&self, a: TypeId, b: TypeId) -> Detail {
        Detail::TypeReplaced {
            old: self.a.describe(a),
            new: self.b.describe(b),
            old_bits: self.a.size_bits(a),
            new_bits: self.b.size_bits(b),
        }
    }

    fn expand(&mut self, d: DiffId) {
        let (a, b) = (self.diffs[d.0 as usize].a, self.diffs[d.0 as usize].b);
        let (ga, gb) = (self.a, self.b);
        let mut details = Vec::new();
        let mut children = Vec::new();
        match (ga.node(a), gb.node(b)) {
            (Node::Void, Node::Void) => {}
            (
                Node::Base {
                    name: na,
                    size_bits: sa,
                    encoding: xa,
                },
                Node::Base {
                    name: nb,
                    size_bits: sb,
                    encoding: xb,
                },
            ) => {
                // Between sources a base type is what it is, not how it is
                // spelled: `long unsigned int` and `long long unsigned int`
                // are both 64-bit unsigned on LP64 (STG types an alias by
                // the variable it names; libabigail respells names).
                let same_kind = self.cross_source && sa == sb && xa == xb;
                if ga.str(*na) != gb.str(*nb) && !same_kind {
                    details.push(self.replaced(a, b));
                } else if sa != sb {
                    details.push(Detail::SizeChanged {
                        old_bits: *sa,
                        new_bits: *sb,
                    });
                }
            }
            (Node::Pointer { target: ta, .. }, Node::Pointer { target: tb, .. }) => {
                children.push((Edge::PointedTo, self.pair(*ta, *tb)));
            }
            (
                Node::Typedef {
                    name: na,
                    target: ta,
                },
                Node::Typedef {
                    name: nb,
                    target: tb,
                },
            ) => {
                if ga.str(*na) != gb.str(*nb) {
                    details.push(self.replaced(a, b));
                } else {
                    children.push((Edge::Underlying, self.pair(*ta, *tb)));
                }
            }
            (
                Node::Qualified {
                    qual: qa,
                    target: ta,
                },
                Node::Qualified {
                    qual: qb,
                    target: tb,
                },
            ) => {
                if qa == qb {
                    children.push((Edge::Qualified, self.pair(*ta, *tb)));
                } else {
                    details.push(Detail::QualifierRemoved {
                        qual: qa.keyword().into(),
                    });
                    details.push(Detail::QualifierAdded {
                        qual: qb.keyword().into(),
                    });
                    children.push((Edge::Qualified, self.pair(*ta, *tb)));
                }
            }
            // libabigail writes `const void *` as `void *`: between sources a
            // qualified void is void.
            (Node::Qualified { target, .. }, Node::Void)
                if self.cross_source && *ga.node(*target) == Node::Void => {}
            (Node::Void, Node::Qualified { target, .. })
                if self.cross_source && *gb.node(*target) == Node::Void => {}
            (Node::Qualified { qual, target }, _) => {
                details.push(Detail::QualifierRemoved {
                    qual: qual_word(*qual),
                });
                children.push((Edge::Qualified, self.pair(*target, b)));
            }
            (_, Node::Qualified { qual, target }) => {
                details.push(Detail::QualifierAdded {
                    qual: qual_word(*qual),
                });
                children.push((Edge::Qualified, self.pair(a, *target)));
            }
            (
                Node::Aggregate {
                    kind: ka,
                    name: na,
                    size_bits: sa,
                    members: ma,
                },
                Node::Aggregate {
                    kind: kb,
                    name: nb,
                    size_bits: sb,
                    members: mb,
                },
            ) => {
                if ka != kb || na.map(|n| ga.str(n)) != nb.map(|n| gb.str(n)) {
                    details.push(self.replaced(a, b));
                } else if sa.is_none() || sb.is_none() {
                    // Declaration-only on one side: equal by name. A side
                    // read through a whitelist, or a module that only
                    // declares `struct net_device;`, sees no definition;
                    // that is not a change of the type.
                } else {
                    if sa != sb {
                        details.push(Detail::SizeChanged {
                            old_bits: sa.unwrap_or(0),
                            new_bits: sb.unwrap_or(0),
                        });
                    }
                    self.members(*ka, ma, mb, &mut details, &mut children);
                }
            }
            (
                Node::Enum {
                    name: na,
                    size_bits: sa,
                    enumerators: ea,
                },
                Node::Enum {
                    name: nb,
                    size_bits: sb,
                    enumerators: eb,
                },
            ) => {
                if na.map(|n| ga.str(n)) != nb.map(|n| gb.str(n)) {
                    details.push(self.replaced(a, b));
                } else if sa.is_some() && sb.is_some() {
                    if sa != sb {
                        details.push(Detail::SizeChanged {
                            old_bits: sa.unwrap_or(0),
                            new_bits: sb.unwrap_or(0),
                        });
                    }
                    let old: FxHashMap<&str, i64> =
                        ea.iter().map(|e| (ga.str(e.name), e.value)).collect();
                    let new: FxHashMap<&str, i64> =
                        eb.iter().map(|e| (gb.str(e.name), e.value)).collect();
                    for e in ea {
                        let n = ga.str(e.name);
                        match new.get(n) {
                            None => details.push(Detail::EnumeratorRemoved {
                                name: n.into(),
                                value: e.value,
                            }),
                            Some(&v) if v != e.value => details.push(Detail::EnumeratorChanged {
                                name: n.into(),
                                old: e.value,
                                new: v,
                            }),
                            _ => {}
                        }
                    }
                    for e in eb {
                        let n = gb.str(e.name);
                        if !old.contains_key(n) {
                            details.push(Detail::EnumeratorAdded {
                                name: n.into(),
                                value: e.value,
                            });
                        }
                    }
                }
            }
            (
                Node::Array {
                    element: ea,
                    count: ca,
                },
                Node::Array {
                    element: eb,
                    count: cb,
                },
            ) => {
                // `[0]` and `[]` take no storage either way (and BTF writes
                // both as 0 elements).
                // Between two sources, one knowing a count the other left
                // unknown (STG types `extern T x[];` from its definition) is
                // not a change either.
                let cross = self.cross_source;
                let same = |x: Option<u64>, y: Option<u64>| {
                    x.unwrap_or(0) == y.unwrap_or(0) || (cross && (x.is_none() || y.is_none()))
                };
                if ga.btf || gb.btf {
                    // BTF flattens `int a[2][3]` into `int a[6]`: compare
                    // the flattened shapes, element to innermost element.
                    let (fa, ia) = flatten(ga, a);
                    let (fb, ib) = flatten(gb, b);
                    if !same(fa, fb) {
                        details.push(Detail::ArrayCountChanged { old: fa, new: fb });
                    }
                    children.push((Edge::Element, self.pair(ia, ib)));
                } else {
                    if !same(*ca, *cb) {
                        details.push(Detail::ArrayCountChanged { old: *ca, new: *cb });
                    }
                    children.push((Edge::Element, self.pair(*ea, *eb)));
                }
            }
            (
                Node::Function {
                    ret: ra,
                    params: pa,
                    variadic: va,
                },
                Node::Function {
                    ret: rb,
                    params: pb,
                    variadic: vb,
                },
            ) => {
                let (ra, rb) = self.loose(*ra, *rb, false);
                children.push((Edge::Return, self.pair(ra, rb)));
                for (i, (x, y)) in pa.iter().zip(pb).enumerate() {
                    let (x, y) = self.loose(x.ty, y.ty, true);
                    children.push((Edge::Param(i + 1), self.pair(x, y)));
                }
                for (i, p) in pa.iter().enumerate().skip(pb.len()) {
                    details.push(Detail::ParamRemoved {
                        index: i + 1,
                        ty: ga.describe(p.ty),
                    });
                }
                for (i, p) in pb.iter().enumerate().skip(pa.len()) {
                    details.push(Detail::ParamAdded {
                        index: i + 1,
                        ty: gb.describe(p.ty),
                    });
                }
                if va != vb {
                    details.push(Detail::VariadicChanged { now: *vb });
                }
            }
            _ => details.push(self.replaced(a, b)),
        }
        let diff = &mut self.diffs[d.0 as usize];
        diff.details = details;
        diff.children = children;
    }

    fn members(
        &mut self,
        _kind: AggKind,
        ma: &[crate::graph::Member],
        mb: &[crate::graph::Member],
        details: &mut Vec<Detail>,
        children: &mut Vec<(Edge, DiffId)>,
    ) {
        let (ga, gb) = (self.a, self.b);
        // Anonymous members are matched by their rank among anonymous members.
        let key = |g: &Graph, ms: &[crate::graph::Member]| -> Vec<String> {
            let mut anon = 0;
            ms.iter()
                .map(|m| match m.name {
                    Some(n) => g.str(n).to_string(),
                    None => {
                        anon += 1;
                        format!("<anonymous #{anon}>")
                    }
                })
                .collect()
        };
        let ka = key(ga, ma);
        let kb = key(gb, mb);
        let idx_b: FxHashMap<&str, usize> = kb
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let idx_a: FxHashMap<&str, usize> = ka
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let mut removed: Vec<usize> = Vec::new();
        // Insertions and removals read first, then what moved.
        let mut moved = Vec::new();
        for (i, m) in ma.iter().enumerate() {
            match idx_b.get(ka[i].as_str()) {
                Some(&j) => {
                    let n = &mb[j];
                    if m.offset_bits != n.offset_bits {
                        moved.push(Detail::MemberOffsetChanged {
                            name: ka[i].clone(),
                            old_bits: m.offset_bits,
                            new_bits: n.offset_bits,
                        });
                    }
                    if m.bit_size != n.bit_size && !self.lacks.bitfield_widths {
                        moved.push(Detail::BitfieldChanged {
                            name: ka[i].clone(),
                            old: m.bit_size,
                            new: n.bit_size,
                        });
                    }
                    children.push((Edge::Member(ka[i].clone()), self.pair(m.ty, n.ty)));
                }
                None => removed.push(i),
            }
        }
        let added: Vec<usize> = (0..mb.len())
            .filter(|&j| !idx_a.contains_key(kb[j].as_str()))
            .collect();
        // A member that vanished and one that appeared at the same place with
        // the same shape is a rename, not a removal plus an insertion.
        let mut renamed_to = vec![None; ma.len()];
        let mut taken = vec![false; mb.len()];
        for &i in &removed {
            if ma[i].name.is_none() {
                continue;
            }
            if let Some(&j) = added.iter().find(|&&j| {
                !taken[j]
                    && mb[j].name.is_some()
                    && mb[j].offset_bits == ma[i].offset_bits
                    && (mb[j].bit_size == ma[i].bit_size || self.lacks.bitfield_widths)
                    && ga.describe(ma[i].ty) == gb.describe(mb[j].ty)
            }) {
                taken[j] = true;
                renamed_to[i] = Some(j);
            }
        }
        for &i in &removed {
            match renamed_to[i] {
                Some(j) => {
                    details.push(Detail::MemberRenamed {
                        old: ka[i].clone(),
                        new: kb[j].clone(),
                        offset_bits: ma[i].offset_bits,
                    });
                    children.push((Edge::Member(kb[j].clone()), self.pair(ma[i].ty, mb[j].ty)));
                }
                None => details.push(Detail::MemberRemoved {
                    name: ka[i].clone(),
                    offset_bits: ma[i].offset_bits,
                    ty: ga.describe(ma[i].ty),
                }),
            }
        }
        for &j in &added {
            if !taken[j] {
                details.push(Detail::MemberAdded {
                    name: kb[j].clone(),
                    offset_bits: mb[j].offset_bits,
                    ty: gb.describe(mb[j].ty),
                });
            }
        }
        details.extend(moved);
    }
}

fn qual_word(q: Qualifier) -> String {
    q.keyword().to_string()
}

/// An array as BTF writes it: nested arrays multiplied out, and the
/// innermost element. `None` when a dimension is unknown or zero.
fn flatten(g: &Graph, mut id: TypeId) -> (Option<u64>, TypeId) {
    let mut count = Some(1u64);
    for _ in 0..crate::graph::MAX_DEPTH {
        match g.node(id) {
            Node::Array { element, count: c } => {
                count = match (count, c) {
                    (Some(n), Some(c)) if *c > 0 => n.checked_mul(*c),
                    _ => None,
                };
                id = *element;
            }
            _ => break,
        }
    }
    (count, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of detail comes back from its JSON as it went in, and a
    /// kind whose fields are missing is not guessed at.
    #[test]
    fn detail_json_round_trip() {
        let s = |x: &str| x.to_string();
        let all = [
            Detail::SizeChanged {
                old_bits: 64,
                new_bits: 96,
            },
            Detail::TypeReplaced {
                old: s("int"),
                new: s("long"),
                old_bits: Some(32),
                new_bits: None,
            },
            Detail::MemberAdded {
                name: s("g"),
                offset_bits: 160,
                ty: s("u32"),
            },
            Detail::MemberRemoved {
                name: s("g"),
                offset_bits: 8,
                ty: s("u8"),
            },
            Detail::MemberRenamed {
                old: s("a"),
                new: s("b"),
                offset_bits: 0,
            },
            Detail::MemberOffsetChanged {
                name: s("n"),
                old_bits: 1,
                new_bits: 2,
            },
            Detail::BitfieldChanged {
                name: s("f"),
                old: None,
                new: Some(3),
            },
            Detail::EnumeratorAdded {
                name: s("E"),
                value: -1,
            },
            Detail::EnumeratorRemoved {
                name: s("E"),
                value: 1 << 40,
            },
            Detail::EnumeratorChanged {
                name: s("E"),
                old: 1,
                new: 2,
            },
            Detail::ParamAdded {
                index: 2,
                ty: s("int"),
            },
            Detail::ParamRemoved {
                index: 1,
                ty: s("char *"),
            },
            Detail::VariadicChanged { now: true },
            Detail::ArrayCountChanged {
                old: Some(4),
                new: None,
            },
            Detail::QualifierAdded { qual: s("const") },
            Detail::QualifierRemoved {
                qual: s("volatile"),
            },
        ];
        let mut kinds = std::collections::BTreeSet::new();
        for d in &all {
            kinds.insert(d.kind());
            assert_eq!(Detail::from_json(&d.to_json()).as_ref(), Some(d));
            let mut v = d.to_json();
            if let serde_json::Value::Object(m) = &mut v {
                let key = m.keys().find(|k| *k != "kind").cloned();
                if let Some(k) = key {
                    m.remove(&k);
                    assert_eq!(Detail::from_json(&v), None, "{d:?} without {k}");
                }
            }
        }
        assert_eq!(kinds.len(), all.len(), "one sample per kind");
        assert_eq!(
            Detail::from_json(&serde_json::json!({"kind": "crc_changed"})),
            None
        );
    }
}

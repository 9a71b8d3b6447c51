//! BTF types -> the graph, for the exports of one binary.
//!
//! Only the types reachable from the exports become nodes, as with DWARF.
//! Nodes are allocated before they are filled, so a walk never recurses: a
//! crafted chain of a million pointers costs a loop, not the stack.

use super::parse::{Btf, Type, kind};
use crate::graph::{
    AggKind, Enumerator, Graph, Member, Node, Param, Qualifier, Symbol, SymbolKind, TypeId, ate,
};
use rustc_hash::FxHashMap;

/// A blob and the base it continues, read as one id and string space.
#[derive(Clone, Copy)]
pub struct Space<'b, 'a> {
    pub base: Option<&'b Btf<'a>>,
    pub own: &'b Btf<'a>,
    /// The base is a module's distilled `.BTF.base`: its structs and unions
    /// (name and size only) stand for the vmlinux's, as the kernel's loader
    /// relocates them, so they are read as declarations and completed from
    /// the vmlinux like any other.
    pub distilled: bool,
}

impl<'b, 'a> Space<'b, 'a> {
    /// A blob of its own: a vmlinux's.
    pub fn alone(own: &'b Btf<'a>) -> Self {
        Space {
            base: None,
            own,
            distilled: false,
        }
    }

    /// A split blob over its base: a module's over its vmlinux's, or over
    /// its own distilled `.BTF.base`.
    pub fn over(base: &'b Btf<'a>, own: &'b Btf<'a>, distilled: bool) -> Self {
        Space {
            base: Some(base),
            own,
            distilled,
        }
    }
}

impl<'a> Space<'_, 'a> {
    fn ty(&self, id: u32) -> Result<Type<'a>, String> {
        let found = if id >= self.own.first_id {
            self.own.get(id)
        } else {
            self.base.and_then(|b| b.get(id))
        };
        found.ok_or_else(|| format!("BTF refers to type [{id}], which does not exist"))
    }

    fn str(&self, off: u32) -> Result<&'a str, String> {
        let found = if off >= self.own.first_str {
            self.own.own_str(off)
        } else {
            self.base.and_then(|b| b.own_str(off))
        };
        found.ok_or_else(|| format!("BTF string offset {off} is out of range or not UTF-8"))
    }

    fn name(&self, t: &Type<'_>) -> Result<Option<&'a str>, String> {
        Ok(Some(self.str(t.name_off)?).filter(|s| !s.is_empty()))
    }
}

/// Build the graph of `exports` (as a [`Space`] types them) and set their
/// `ty` and `kind`. Exports BTF does not describe (most variables, functions
/// pahole dropped) stay untyped.
pub fn read_types(
    space: Space<'_, '_>,
    pointer_bits: u64,
    exports: &mut [Symbol],
) -> Result<Graph, String> {
    let mut b = Builder::new(pointer_bits);
    b.add(space, exports)?;
    Ok(b.finish())
}

/// One graph for every binary of a side typed from BTF. The vmlinux's types
/// are converted once, however many modules reach them: each module's split
/// ids are its own, but below them every module shares the vmlinux's.
pub struct Builder {
    pointer_bits: u64,
    g: Graph,
    base_memo: FxHashMap<u32, TypeId>,
    /// Exports left untyped because BTF has several functions of their
    /// name with different prototypes (statics, inline wrappers, assembler
    /// stubs) and nothing says which one is exported.
    pub ambiguous: usize,
}

impl Builder {
    pub fn new(pointer_bits: u64) -> Self {
        let mut g = Graph::new();
        g.btf = true;
        Builder {
            pointer_bits,
            g,
            base_memo: FxHashMap::default(),
            ambiguous: 0,
        }
    }

    pub fn finish(self) -> Graph {
        self.g
    }

    /// Type `exports` from `space`. The base of every space added must be
    /// the same blob (the side's vmlinux BTF), or distilled.
    pub fn add(&mut self, space: Space<'_, '_>, exports: &mut [Symbol]) -> Result<(), String> {
        // FUNC and VAR names of this blob only: a module's exports are
        // defined in its own split part. pahole (up to 1.25 at least) marks
        // every function static and keeps same-named functions of several
        // files: a global one wins, and between others a disagreement leaves
        // the export untyped rather than typed by a guess.
        let mut by_name: FxHashMap<&str, Candidate> = FxHashMap::default();
        for id in space.own.ids() {
            let t = space.ty(id)?;
            let global = match t.kind {
                kind::FUNC => t.vlen == 1,
                kind::VAR => t.word(0) == 1,
                _ => continue,
            };
            let Some(name) = space.name(&t)? else {
                continue;
            };
            let c = Candidate {
                id,
                target: t.size_or_type,
                global,
                ambiguous: false,
            };
            by_name
                .entry(name)
                .and_modify(|old| {
                    if c.global && !old.global {
                        *old = c;
                    } else if c.global == old.global && c.target != old.target {
                        old.ambiguous = true;
                    }
                })
                .or_insert(c);
        }
        let shared = !space.distilled;
        let mut c = Converter {
            space,
            pointer_bits: self.pointer_bits,
            g: std::mem::take(&mut self.g),
            base_memo: if shared {
                std::mem::take(&mut self.base_memo)
            } else {
                FxHashMap::default()
            },
            memo: FxHashMap::default(),
            work: Vec::new(),
        };
        let r = (|| {
            for e in exports.iter_mut() {
                let Some(cand) = by_name.get(e.name.as_str()) else {
                    continue;
                };
                if cand.ambiguous {
                    self.ambiguous += 1;
                    continue;
                }
                let t = space.ty(cand.id)?;
                let k = if t.kind == kind::FUNC {
                    let proto = space.ty(t.size_or_type)?;
                    if proto.kind != kind::FUNC_PROTO {
                        return Err(format!(
                            "BTF function {} [{}] has type [{}] of kind {}, not a prototype",
                            e.name, cand.id, t.size_or_type, proto.kind
                        ));
                    }
                    SymbolKind::Function
                } else {
                    SymbolKind::Variable
                };
                let ty = c.get(t.size_or_type)?;
                c.drain()?;
                e.ty = Some(ty);
                if e.kind == SymbolKind::Unknown {
                    e.kind = k;
                }
            }
            Ok(())
        })();
        self.g = c.g;
        if shared {
            self.base_memo = c.base_memo;
        }
        r
    }
}

#[derive(Clone, Copy)]
struct Candidate {
    id: u32,
    target: u32,
    global: bool,
    ambiguous: bool,
}

struct Converter<'b, 'a> {
    space: Space<'b, 'a>,
    pointer_bits: u64,
    g: Graph,
    /// Nodes of the base's types (all types, for a space without base).
    base_memo: FxHashMap<u32, TypeId>,
    /// Nodes of a split blob's own types.
    memo: FxHashMap<u32, TypeId>,
    /// Nodes allocated but not yet filled: (BTF id, node).
    work: Vec<(u32, TypeId)>,
}

impl Converter<'_, '_> {
    /// The node of BTF type `id`, allocated (and queued to be filled) on
    /// first sight.
    fn get(&mut self, id: u32) -> Result<TypeId, String> {
        let id = self.skip_transparent(id)?;
        if id == 0 {
            return Ok(Graph::VOID);
        }
        let in_base = self.space.base.is_none() || id < self.space.own.first_id;
        let memo = if in_base {
            &mut self.base_memo
        } else {
            &mut self.memo
        };
        if let Some(&t) = memo.get(&id) {
            return Ok(t);
        }
        let t = self.g.add(Node::Void, None);
        memo.insert(id, t);
        self.work.push((id, t));
        Ok(t)
    }

    /// Type tags (`__user` as clang records it) and the declaration kinds
    /// say nothing about layout: read through them to the type they mark.
    fn skip_transparent(&self, mut id: u32) -> Result<u32, String> {
        for _ in 0..64 {
            if id == 0 {
                return Ok(0);
            }
            let t = self.space.ty(id)?;
            match t.kind {
                kind::TYPE_TAG | kind::DECL_TAG | kind::VAR | kind::FUNC => id = t.size_or_type,
                _ => return Ok(id),
            }
        }
        Err(format!(
            "BTF type [{id}] is behind more than 64 type tags (a cycle?)"
        ))
    }

    fn drain(&mut self) -> Result<(), String> {
        while let Some((id, t)) = self.work.pop() {
            let node = self.node(id)?;
            self.g.nodes[t.index()] = node;
        }
        Ok(())
    }

    fn intern(&mut self, s: &str) -> crate::graph::Name {
        self.g.strings.intern(s)
    }

    fn node(&mut self, id: u32) -> Result<Node, String> {
        let sp = self.space;
        let t = sp.ty(id)?;
        let name = sp.name(&t)?;
        let bits = u64::from(t.size_or_type) * 8;
        Ok(match t.kind {
            kind::INT => {
                let enc = (t.word(0) >> 24) & 0x0F;
                let encoding = if enc & 4 != 0 {
                    ate::BOOLEAN
                } else if enc & 2 != 0 {
                    if enc & 1 != 0 {
                        ate::SIGNED_CHAR
                    } else {
                        ate::UNSIGNED_CHAR
                    }
                } else if enc & 1 != 0 {
                    ate::SIGNED
                } else {
                    ate::UNSIGNED
                };
                Node::Base {
                    name: self.intern(name.unwrap_or("")),
                    size_bits: bits,
                    encoding,
                }
            }
            kind::FLOAT => Node::Base {
                name: self.intern(name.unwrap_or("")),
                size_bits: bits,
                encoding: ate::FLOAT,
            },
            kind::PTR => Node::Pointer {
                target: self.get(t.size_or_type)?,
                size_bits: self.pointer_bits,
                reference: false,
            },
            kind::ARRAY => Node::Array {
                element: self.get(t.word(0))?,
                // BTF writes both `[0]` and `[]` as 0 elements.
                count: Some(u64::from(t.word(2))).filter(|&n| n != 0),
            },
            kind::TYPEDEF => Node::Typedef {
                name: self.intern(name.unwrap_or("")),
                target: self.get(t.size_or_type)?,
            },
            kind::VOLATILE | kind::CONST | kind::RESTRICT => Node::Qualified {
                qual: match t.kind {
                    kind::VOLATILE => Qualifier::Volatile,
                    kind::CONST => Qualifier::Const,
                    _ => Qualifier::Restrict,
                },
                target: self.get(t.size_or_type)?,
            },
            kind::FWD => Node::Aggregate {
                kind: if t.kind_flag {
                    AggKind::Union
                } else {
                    AggKind::Struct
                },
                name: name.map(|n| self.intern(n)),
                size_bits: None,
                members: Vec::new(),
            },
            kind::STRUCT | kind::UNION => {
                let mut members = Vec::with_capacity(t.vlen as usize);
                for i in 0..t.vlen as usize {
                    let (mname, mty, off) = (t.word(3 * i), t.word(3 * i + 1), t.word(3 * i + 2));
                    let (mut offset_bits, mut bit_size) = if t.kind_flag {
                        (u64::from(off & 0x00FF_FFFF), Some(u64::from(off >> 24)))
                    } else {
                        (u64::from(off), None)
                    };
                    if !t.kind_flag {
                        // The older encoding: a bit-field's width and offset
                        // within its storage unit live in its INT type.
                        let inner = self.skip_transparent(mty)?;
                        if inner != 0 {
                            let it = sp.ty(inner)?;
                            if it.kind == kind::INT {
                                let w = it.word(0);
                                let (ioff, nbits) = ((w >> 16) & 0xFF, w & 0xFF);
                                if ioff != 0 || u64::from(nbits) != u64::from(it.size_or_type) * 8 {
                                    offset_bits += u64::from(ioff);
                                    bit_size = Some(u64::from(nbits));
                                }
                            }
                        }
                    }
                    if bit_size == Some(0) {
                        bit_size = None;
                    }
                    let mname = sp.str(mname)?;
                    members.push(Member {
                        name: (!mname.is_empty()).then(|| self.intern(mname)),
                        ty: self.get(mty)?,
                        offset_bits,
                        bit_size,
                    });
                }
                let stand_in = sp.distilled && id < sp.own.first_id && members.is_empty();
                Node::Aggregate {
                    kind: if t.kind == kind::UNION {
                        AggKind::Union
                    } else {
                        AggKind::Struct
                    },
                    name: name.map(|n| self.intern(n)),
                    size_bits: (!stand_in || name.is_none()).then_some(bits),
                    members,
                }
            }
            kind::ENUM | kind::ENUM64 => {
                let wide = t.kind == kind::ENUM64;
                let step = if wide { 3 } else { 2 };
                let mut enumerators = Vec::with_capacity(t.vlen as usize);
                for i in 0..t.vlen as usize {
                    let n = sp.str(t.word(step * i))?;
                    let lo = t.word(step * i + 1);
                    // kind_flag marks a signed enum; before pahole 1.24 it
                    // was never set, and values read as unsigned.
                    let value = match (wide, t.kind_flag) {
                        (false, true) => i64::from(lo as i32),
                        (false, false) => i64::from(lo),
                        (true, _) => {
                            ((u64::from(t.word(step * i + 2)) << 32) | u64::from(lo)) as i64
                        }
                    };
                    enumerators.push(Enumerator {
                        name: self.intern(n),
                        value,
                    });
                }
                Node::Enum {
                    name: name.map(|n| self.intern(n)),
                    // An enum without enumerators is how BTF forward-declares one.
                    size_bits: (t.vlen > 0).then_some(bits),
                    enumerators,
                }
            }
            kind::FUNC_PROTO => {
                let mut params = Vec::with_capacity(t.vlen as usize);
                let mut variadic = false;
                for i in 0..t.vlen as usize {
                    let (pname, pty) = (t.word(2 * i), t.word(2 * i + 1));
                    if pty == 0 && pname == 0 && i + 1 == t.vlen as usize {
                        variadic = true;
                        continue;
                    }
                    let pname = sp.str(pname)?;
                    params.push(Param {
                        name: (!pname.is_empty()).then(|| self.intern(pname)),
                        ty: self.get(pty)?,
                    });
                }
                Node::Function {
                    ret: self.get(t.size_or_type)?,
                    params,
                    variadic,
                }
            }
            // A section of variables is no C type; nothing refers to one
            // but a crafted blob.
            kind::DATASEC => Node::Void,
            k => {
                return Err(format!(
                    "BTF type [{id}] has kind {k}, which is not a C type"
                ));
            }
        })
    }
}

//! STG nodes -> our graph: every node gets its slot first and is filled
//! after, so an edge is a lookup and no chain of the input recurses.

use super::*;

/// Where an STG node went.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Type(TypeId),
    Variadic,
    /// A member, symbol, interface or C++ part: not a type of its own.
    Part,
}

pub(super) struct Converter<'s, 't> {
    stg: &'s Stg<'t>,
    path: &'s Path,
    /// Index in `stg.nodes` of each STG id.
    index: FxHashMap<u32, usize>,
    slots: Vec<Slot>,
    pointer_bits: u64,
}

impl<'s, 't> Converter<'s, 't> {
    pub(super) fn new(stg: &'s Stg<'t>, path: &'s Path) -> Result<Self> {
        let mut index = FxHashMap::default();
        index.reserve(stg.nodes.len());
        for (i, n) in stg.nodes.iter().enumerate() {
            if let Some(first) = index.insert(n.id, i) {
                return Err(Error::syntax(
                    path,
                    n.line as usize,
                    format!(
                        "id {:#010x} defined twice (first at line {})",
                        n.id, stg.nodes[first].line
                    ),
                ));
            }
        }
        // STG records no pointer size; a `long` is as wide as a pointer on
        // every Linux ABI.
        let pointer_bits = stg
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                Kind::Primitive { name, bytesize, .. }
                    if matches!(&**name, "long int" | "long unsigned int")
                        && matches!(bytesize, 4 | 8) =>
                {
                    Some(bytesize * 8)
                }
                _ => None,
            })
            .unwrap_or(64);
        Ok(Converter {
            stg,
            path,
            index,
            slots: Vec::new(),
            pointer_bits,
        })
    }

    fn err(&self, line: u32, msg: impl std::fmt::Display) -> Error {
        Error::syntax(self.path, line as usize, msg)
    }

    /// The raw node of `id`, referred to from the node at `line`.
    fn node(&self, id: u32, line: u32) -> Result<(usize, &'s RawNode<'t>)> {
        match self.index.get(&id) {
            Some(&i) => Ok((i, &self.stg.nodes[i])),
            None => Err(self.err(
                line,
                format!("refers to id {id:#010x}, which is not defined"),
            )),
        }
    }

    /// The type node of `id`, referred to from the node at `line`.
    fn ty(&self, id: u32, line: u32) -> Result<TypeId> {
        let (i, n) = self.node(id, line)?;
        match self.slots[i] {
            Slot::Type(t) => Ok(t),
            Slot::Variadic => Err(self.err(
                line,
                format!("refers to the VARIADIC node {id:#010x} outside a parameter list"),
            )),
            Slot::Part => Err(self.err(
                line,
                format!(
                    "refers to id {id:#010x} (line {}) as a type, which it is not",
                    n.line
                ),
            )),
        }
    }

    pub(super) fn run(mut self) -> Result<Graph> {
        let stg = self.stg;
        let mut g = Graph::new();
        // Slots first, nodes after: every edge is then a lookup, and a chain
        // of any length costs a loop, not the stack.
        self.slots = stg
            .nodes
            .iter()
            .map(|n| match n.kind {
                Kind::Special(Special::Void) => Slot::Type(Graph::VOID),
                Kind::Special(Special::Variadic) => Slot::Variadic,
                Kind::Member { .. }
                | Kind::VariantMember { .. }
                | Kind::Cxx { .. }
                | Kind::ElfSymbol { .. }
                | Kind::Interface { .. } => Slot::Part,
                _ => Slot::Type(g.add(Node::Void, None)),
            })
            .collect();
        let mut lines = vec![0u32; g.nodes.len()];
        for (i, n) in stg.nodes.iter().enumerate() {
            let Slot::Type(t) = self.slots[i] else {
                // Parts are checked where they are used, and C++ parts here.
                if let Kind::Cxx { ty } = n.kind {
                    self.ty(ty, n.line)?;
                }
                continue;
            };
            if t == Graph::VOID {
                continue;
            }
            lines[t.index()] = n.line;
            let node = self.convert(n, &mut g)?;
            g.nodes[t.index()] = node;
        }
        let symbols = self.symbols()?;
        crate::graph::check_untagged_depth(&g, symbols.iter().filter_map(|s| s.ty))
            .map_err(|(t, msg)| self.err(lines.get(t.index()).copied().unwrap_or(0), msg))?;
        let types = symbols.iter().any(|s| s.ty.is_some());
        let keys = crate::graph::dedup::graph_keys(&g);
        let mut out = crate::graph::dedup::merge_graphs(vec![(g, keys, symbols)]);
        out.lacks = Lacks {
            types: !types,
            ..LACKS
        };
        Ok(out)
    }

    fn name(&self, g: &mut Graph, s: &str) -> Option<crate::graph::Name> {
        (!s.is_empty()).then(|| g.strings.intern(s))
    }

    fn convert(&self, n: &RawNode<'t>, g: &mut Graph) -> Result<Node> {
        let line = n.line;
        Ok(match &n.kind {
            Kind::Pointer { reference, pointee } => Node::Pointer {
                target: self.ty(*pointee, line)?,
                size_bits: self.pointer_bits,
                reference: *reference,
            },
            // C has no pointers to members; keep the edge to what it
            // points at, so a change there is still seen.
            Kind::PointerToMember {
                containing,
                pointee,
            } => {
                self.ty(*containing, line)?;
                Node::Pointer {
                    target: self.ty(*pointee, line)?,
                    size_bits: self.pointer_bits,
                    reference: false,
                }
            }
            Kind::Typedef { name, target } => Node::Typedef {
                name: g.strings.intern(name),
                target: self.ty(*target, line)?,
            },
            Kind::Qualified { qual, target } => Node::Qualified {
                qual: *qual,
                target: self.ty(*target, line)?,
            },
            Kind::Primitive {
                name,
                encoding,
                bytesize,
            } => Node::Base {
                name: g.strings.intern(name),
                size_bits: bits(*bytesize, line, self)?,
                encoding: *encoding,
            },
            Kind::Array { count, element } => Node::Array {
                element: self.ty(*element, line)?,
                // STG writes `[]` and `[0]` alike; the comparison takes
                // them as equal too.
                count: (*count != 0).then_some(*count),
            },
            Kind::StructUnion { kind, name, def } => {
                let name = self.name(g, name);
                match def {
                    None => Node::Aggregate {
                        kind: *kind,
                        name,
                        size_bits: None,
                        members: Vec::new(),
                    },
                    Some(d) => {
                        for &o in &d.others {
                            self.node(o, line)?;
                        }
                        let members = d
                            .members
                            .iter()
                            .map(|&m| self.member(m, line, g))
                            .collect::<Result<Vec<_>>>()?;
                        Node::Aggregate {
                            kind: *kind,
                            name,
                            size_bits: Some(bits(d.bytesize, line, self)?),
                            members,
                        }
                    }
                }
            }
            Kind::Enumeration { name, def } => {
                let name = self.name(g, name);
                match def {
                    None => Node::Enum {
                        name,
                        size_bits: None,
                        enumerators: Vec::new(),
                    },
                    Some(d) => Node::Enum {
                        name,
                        size_bits: Some(self.underlying_bits(d.underlying, line)?),
                        enumerators: d
                            .enumerators
                            .iter()
                            .map(|(n, v)| Enumerator {
                                name: g.strings.intern(n),
                                value: *v,
                            })
                            .collect(),
                    },
                }
            }
            // A Rust enum: its payloads overlay one another, as a union's
            // members do; the discriminant is compared through its members.
            Kind::Variant {
                name,
                bytesize,
                discriminant,
                members,
            } => {
                let mut ms = Vec::with_capacity(members.len() + 1);
                if let Some(d) = discriminant {
                    ms.push(self.member(*d, line, g)?);
                }
                for &m in members {
                    let (_, raw) = self.node(m, line)?;
                    let Kind::VariantMember { name, ty } = &raw.kind else {
                        return Err(self.err(
                            line,
                            format!("refers to id {m:#010x} (line {}) as a variant member, which it is not", raw.line),
                        ));
                    };
                    ms.push(Member {
                        name: self.name(g, name),
                        ty: self.ty(*ty, raw.line)?,
                        offset_bits: 0,
                        bit_size: None,
                    });
                }
                Node::Aggregate {
                    kind: AggKind::Union,
                    name: self.name(g, name),
                    size_bits: Some(bits(*bytesize, line, self)?),
                    members: ms,
                }
            }
            Kind::Function { ret, params } => {
                let mut ps = Vec::with_capacity(params.len());
                let mut variadic = false;
                for (k, &id) in params.iter().enumerate() {
                    let (i, _) = self.node(id, line)?;
                    if let Slot::Variadic = self.slots[i] {
                        if k + 1 != params.len() {
                            return Err(self.err(line, "VARIADIC before the last parameter"));
                        }
                        variadic = true;
                        continue;
                    }
                    ps.push(Param {
                        name: None,
                        ty: self.ty(id, line)?,
                    });
                }
                Node::Function {
                    ret: self.ty(*ret, line)?,
                    params: ps,
                    variadic,
                }
            }
            Kind::Special(_)
            | Kind::Cxx { .. }
            | Kind::Member { .. }
            | Kind::VariantMember { .. }
            | Kind::ElfSymbol { .. }
            | Kind::Interface { .. } => Node::Void,
        })
    }

    fn member(&self, id: u32, line: u32, g: &mut Graph) -> Result<Member> {
        let (_, raw) = self.node(id, line)?;
        let Kind::Member {
            name,
            ty,
            offset,
            bitsize,
        } = &raw.kind
        else {
            return Err(self.err(
                line,
                format!(
                    "refers to id {id:#010x} (line {}) as a member, which it is not",
                    raw.line
                ),
            ));
        };
        Ok(Member {
            name: self.name(g, name),
            ty: self.ty(*ty, raw.line)?,
            offset_bits: *offset,
            bit_size: (*bitsize != 0).then_some(*bitsize),
        })
    }

    /// The size of the integer type under an enum (through typedefs and
    /// qualifiers).
    fn underlying_bits(&self, mut id: u32, line: u32) -> Result<u64> {
        for _ in 0..MAX_UNDERLYING_HOPS {
            let (_, raw) = self.node(id, line)?;
            match &raw.kind {
                Kind::Primitive { bytesize, .. } => return bits(*bytesize, line, self),
                Kind::Typedef { target, .. } | Kind::Qualified { target, .. } => id = *target,
                _ => break,
            }
        }
        Err(self.err(line, "enumeration whose underlying type is not an integer"))
    }

    /// The exports of the root interface.
    fn symbols(&self) -> Result<Vec<Symbol>> {
        let Some((root, root_line)) = self.stg.root else {
            return Err(self.err(1, "no root_id"));
        };
        let (_, raw) = self.node(root, root_line)?;
        let Kind::Interface { symbols, types } = &raw.kind else {
            return Err(self.err(root_line, "root_id is not an interface"));
        };
        for &t in types {
            self.ty(t, raw.line)?;
        }
        let mut out = Vec::with_capacity(symbols.len());
        for &s in symbols {
            let (_, sym) = self.node(s, raw.line)?;
            let Kind::ElfSymbol {
                name,
                symbol_type,
                crc,
                namespace,
                ty,
            } = &sym.kind
            else {
                return Err(self.err(
                    raw.line,
                    format!(
                        "interface lists id {s:#010x} (line {}), which is not an elf_symbol",
                        sym.line
                    ),
                ));
            };
            out.push(Symbol {
                name: name.to_string(),
                kind: *symbol_type,
                gpl: false,
                namespace: namespace.to_string(),
                crc: *crc,
                module: String::new(),
                size: 0,
                ty: ty.map(|t| self.ty(t, sym.line)).transpose()?,
                location: None,
            });
        }
        Ok(out)
    }
}

/// `bytes` as bits, refusing sizes no type has.
fn bits(bytes: u64, line: u32, c: &Converter<'_, '_>) -> Result<u64> {
    bytes
        .checked_mul(8)
        .ok_or_else(|| c.err(line, format!("size of {bytes} bytes is out of range")))
}

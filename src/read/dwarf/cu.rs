// gimli names DWARF constants as the standard does (DW_TAG_base_type).
#![allow(non_upper_case_globals)]

//! One compilation unit: find the exported functions and variables it defines
//! and build the types reachable from them.
//!
//! Types are built with an explicit work queue, not recursion: kernel type
//! graphs are deep (sk_buff -> net_device -> ...), and rayon's worker stacks
//! are small.

use super::R;
use crate::graph::dedup::LocalGraph;
use crate::graph::{AggKind, Enumerator, Member, Node, Param, Qualifier, SymbolKind, TypeId};
use gimli::constants::*;
use gimli::{AttributeValue, DebuggingInformationEntry, Reader, UnitOffset};
use rustc_hash::FxHashMap;

/// What was read, and what real-world DWARF made us skip (`--verbose`).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub units: usize,
    pub top_level_dies: usize,
    pub type_dies: usize,
    pub types_before_dedup: usize,
    pub types_after_dedup: usize,
    pub exports_with_type: usize,
    pub exports_from_declaration: usize,
    pub unspecified_types: usize,
    pub register_variables: usize,
    pub untyped_variables: usize,
    pub nameless_dies: usize,
    pub unknown_tags: usize,
    pub unresolved_refs: usize,
    pub skipped_relocations: usize,
    pub debug_info_bytes: u64,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.units += o.units;
        self.top_level_dies += o.top_level_dies;
        self.type_dies += o.type_dies;
        self.types_before_dedup += o.types_before_dedup;
        self.types_after_dedup += o.types_after_dedup;
        self.exports_with_type += o.exports_with_type;
        self.exports_from_declaration += o.exports_from_declaration;
        self.unspecified_types += o.unspecified_types;
        self.register_variables += o.register_variables;
        self.untyped_variables += o.untyped_variables;
        self.nameless_dies += o.nameless_dies;
        self.unknown_tags += o.unknown_tags;
        self.unresolved_refs += o.unresolved_refs;
        self.skipped_relocations += o.skipped_relocations;
        self.debug_info_bytes += o.debug_info_bytes;
    }
}

/// An exported symbol found in this unit.
pub struct Root {
    pub export: u32,
    pub ty: TypeId,
    pub kind: SymbolKind,
    pub location: Option<String>,
}

pub struct CuOutput<'s> {
    pub graph: LocalGraph<'s>,
    pub roots: Vec<Root>,
    /// Declarations of exported symbols, used only when no unit defines them.
    pub decls: Vec<(u32, UnitOffset)>,
    pub stats: Stats,
    /// A skeleton unit (`-gsplit-dwarf`): its types are in this .dwo file,
    /// which we do not read.
    pub dwo: Option<String>,
}

type Die<'s> = DebuggingInformationEntry<R<'s>>;

struct Walker<'a, 's> {
    dwarf: &'a gimli::Dwarf<R<'s>>,
    unit: &'a gimli::Unit<R<'s>>,
    g: LocalGraph<'s>,
    memo: FxHashMap<UnitOffset, TypeId>,
    queue: Vec<(UnitOffset, TypeId)>,
    files: FxHashMap<u64, Option<&'s str>>,
    stats: Stats,
}

/// Read one unit. With `only`, build exactly those (export, DIE) pairs (the
/// declaration fallback pass); otherwise find definitions.
/// The .dwo file a skeleton unit points at (DWARF 5 `DW_UT_skeleton`, or
/// the GNU extension in DWARF 4), or None for a full unit. A skeleton holds
/// no types: read as it is, every export in it would look untyped and
/// unchanged.
fn skeleton_dwo<'s>(
    dwarf: &gimli::Dwarf<R<'s>>,
    unit: &gimli::Unit<R<'s>>,
    root: &Die<'s>,
) -> Option<String> {
    let name = root
        .attr_value(gimli::DW_AT_dwo_name)
        .or_else(|| root.attr_value(gimli::DW_AT_GNU_dwo_name));
    let skeleton = matches!(
        unit.header.type_(),
        gimli::UnitType::Skeleton(_) | gimli::UnitType::SplitCompilation(_)
    );
    if name.is_none() && !skeleton {
        return None;
    }
    Some(
        name.and_then(|v| dwarf.attr_string(unit, v).ok())
            .map(|s| String::from_utf8_lossy(&s.to_slice().unwrap_or_default()).into_owned())
            .unwrap_or_else(|| "(unnamed)".to_string()),
    )
}

pub fn read_unit<'s>(
    dwarf: &gimli::Dwarf<R<'s>>,
    header: gimli::UnitHeader<R<'s>>,
    wanted: &FxHashMap<&str, u32>,
    only: Option<&Vec<(u32, UnitOffset)>>,
) -> Result<CuOutput<'s>, String> {
    let unit = dwarf.unit(header).map_err(|e| e.to_string())?;
    let mut w = Walker {
        dwarf,
        unit: &unit,
        g: LocalGraph::new(),
        memo: FxHashMap::default(),
        queue: Vec::new(),
        files: FxHashMap::default(),
        stats: Stats::default(),
    };
    let mut roots = Vec::new();
    let mut decls = Vec::new();
    let mut dwo = None;
    if let Some(list) = only {
        for &(export, off) in list {
            let die = unit.entry(off).map_err(|e| e.to_string())?;
            let kind = if die.tag() == DW_TAG_subprogram {
                SymbolKind::Function
            } else {
                SymbolKind::Variable
            };
            let (ty, location) = w.root(off, kind).map_err(|e| e.to_string())?;
            w.stats.exports_from_declaration += 1;
            roots.push(Root {
                export,
                ty,
                kind,
                location,
            });
        }
    } else {
        let mut found: Vec<(u32, UnitOffset, SymbolKind)> = Vec::new();
        let mut cursor = unit.entries();
        cursor.next_entry().map_err(|e| e.to_string())?;
        if let Some(root) = cursor.current() {
            dwo = skeleton_dwo(dwarf, &unit, root);
        }
        let has_children = cursor.current().is_some_and(|e| e.has_children());
        if has_children {
            cursor.next_entry().map_err(|e| e.to_string())?;
            while let Some(e) = cursor.current() {
                w.stats.top_level_dies += 1;
                let tag = e.tag();
                if tag == DW_TAG_subprogram || tag == DW_TAG_variable {
                    w.classify(e, wanted, &mut found, &mut decls)
                        .map_err(|e| e.to_string())?;
                }
                cursor.next_sibling().map_err(|e| e.to_string())?;
            }
        }
        for (export, off, kind) in found {
            if roots.iter().any(|r: &Root| r.export == export) {
                continue;
            }
            let (ty, location) = w.root(off, kind).map_err(|e| e.to_string())?;
            roots.push(Root {
                export,
                ty,
                kind,
                location,
            });
        }
    }
    w.stats.exports_with_type += roots.len();
    w.stats.types_before_dedup += w.g.nodes.len();
    Ok(CuOutput {
        graph: w.g,
        roots,
        decls,
        stats: w.stats,
        dwo,
    })
}

fn flag(e: &Die<'_>, at: gimli::DwAt) -> bool {
    matches!(e.attr_value(at), Some(AttributeValue::Flag(true)))
}

fn udata(e: &Die<'_>, at: gimli::DwAt) -> Option<u64> {
    e.attr(at).and_then(|a| a.udata_value())
}

impl<'s> Walker<'_, 's> {
    fn unit_ref(&mut self, v: Option<AttributeValue<R<'s>>>) -> Option<UnitOffset> {
        match v? {
            AttributeValue::UnitRef(o) => Some(o),
            AttributeValue::DebugInfoRef(o) => {
                let r = o.to_unit_offset(&self.unit.header);
                if r.is_none() {
                    self.stats.unresolved_refs += 1;
                }
                r
            }
            _ => {
                self.stats.unresolved_refs += 1;
                None
            }
        }
    }

    fn name(&self, e: &Die<'s>) -> Option<&'s str> {
        let v = e.attr_value(DW_AT_name)?;
        let r = self.dwarf.attr_string(self.unit, v).ok()?;
        let bytes: &'s [u8] = r.inner().slice();
        std::str::from_utf8(bytes).ok()
    }

    fn entry(&self, off: UnitOffset) -> gimli::Result<Die<'s>> {
        self.unit.entry(off)
    }

    /// Follow DW_AT_abstract_origin / DW_AT_specification to the DIE that
    /// carries the name, type and parameters (gcc puts them on the abstract
    /// instance or the declaration).
    fn origin(&mut self, mut off: UnitOffset) -> gimli::Result<UnitOffset> {
        for _ in 0..8 {
            let e = self.entry(off)?;
            let next = e
                .attr_value(DW_AT_abstract_origin)
                .or_else(|| e.attr_value(DW_AT_specification));
            match self.unit_ref(next) {
                Some(o) if o != off => off = o,
                _ => break,
            }
        }
        Ok(off)
    }

    fn classify(
        &mut self,
        e: &Die<'s>,
        wanted: &FxHashMap<&str, u32>,
        found: &mut Vec<(u32, UnitOffset, SymbolKind)>,
        decls: &mut Vec<(u32, UnitOffset)>,
    ) -> gimli::Result<()> {
        let is_func = e.tag() == DW_TAG_subprogram;
        let is_def = if is_func {
            e.attr(DW_AT_low_pc).is_some() || e.attr(DW_AT_ranges).is_some()
        } else {
            match e.attr_value(DW_AT_location) {
                Some(AttributeValue::Exprloc(expr)) => {
                    // A global register variable (`current_stack_pointer`) has
                    // a register, not an address: no storage to export.
                    let first = expr.0.clone().read_u8().unwrap_or(0);
                    if (0x50..=0x6f).contains(&first) || first == 0x90 {
                        self.stats.register_variables += 1;
                        return Ok(());
                    }
                    true
                }
                Some(_) => true,
                None => false,
            }
        };
        // Neither a definition with storage nor a declaration: GCC emits a
        // full subprogram (type, parameters) without a pc range for some
        // exported functions, e.g. when it folds identical bodies, and a
        // variable without a location when it is optimised away. Their type
        // is as good as a declaration's, so they serve as one (below).
        let (name, external) = if let Some(n) = self.name(e) {
            (Some(n), flag(e, DW_AT_external))
        } else {
            let next = e
                .attr_value(DW_AT_abstract_origin)
                .or_else(|| e.attr_value(DW_AT_specification));
            match self.unit_ref(next) {
                Some(o) => {
                    let target = self.origin(o)?;
                    let t = self.entry(target)?;
                    (
                        self.name(&t),
                        flag(&t, DW_AT_external) || flag(e, DW_AT_external),
                    )
                }
                None => {
                    self.stats.nameless_dies += 1;
                    (None, false)
                }
            }
        };
        let Some(name) = name else { return Ok(()) };
        // A static function may share its name with an export elsewhere.
        if !external {
            return Ok(());
        }
        let Some(&export) = wanted.get(name) else {
            return Ok(());
        };
        let kind = if is_func {
            SymbolKind::Function
        } else {
            SymbolKind::Variable
        };
        if is_def {
            found.push((export, e.offset(), kind));
        } else {
            // Used only when no unit defines the symbol.
            decls.push((export, e.offset()));
        }
        Ok(())
    }

    /// Build the type of an exported function (its `Node::Function`) or
    /// variable; returns it and the source location.
    fn root(
        &mut self,
        off: UnitOffset,
        kind: SymbolKind,
    ) -> gimli::Result<(TypeId, Option<String>)> {
        let target = self.origin(off)?;
        let e = self.entry(target)?;
        let location = self.location(&e);
        let ty = if kind == SymbolKind::Function {
            let id = self.g.add(Node::Void, None);
            let node = self.function(target)?;
            self.g.nodes[id.index()] = node;
            id
        } else {
            let t = e.attr_value(DW_AT_type);
            if t.is_none() {
                self.stats.untyped_variables += 1;
            }
            self.type_ref(t)
        };
        self.drain()?;
        Ok((ty, location))
    }

    fn location(&mut self, e: &Die<'s>) -> Option<String> {
        let file = self.file(udata(e, DW_AT_decl_file)?)?;
        let base = file.rsplit('/').next().unwrap_or(file);
        match udata(e, DW_AT_decl_line) {
            Some(l) => Some(format!("{base}:{l}")),
            None => Some(base.to_string()),
        }
    }

    fn file(&mut self, index: u64) -> Option<&'s str> {
        if let Some(f) = self.files.get(&index) {
            return *f;
        }
        let f = (|| {
            let lp = self.unit.line_program.as_ref()?;
            let fe = lp.header().file(index)?;
            let r = self.dwarf.attr_string(self.unit, fe.path_name()).ok()?;
            let bytes: &'s [u8] = r.inner().slice();
            std::str::from_utf8(bytes).ok()
        })();
        self.files.insert(index, f);
        f
    }

    fn type_ref(&mut self, v: Option<AttributeValue<R<'s>>>) -> TypeId {
        if v.is_none() {
            return TypeId(0);
        }
        match self.unit_ref(v) {
            Some(off) => {
                if let Some(&id) = self.memo.get(&off) {
                    return id;
                }
                let id = self.g.add(Node::Void, None);
                self.memo.insert(off, id);
                self.queue.push((off, id));
                id
            }
            None => TypeId(0),
        }
    }

    fn drain(&mut self) -> gimli::Result<()> {
        while let Some((off, id)) = self.queue.pop() {
            self.stats.type_dies += 1;
            let (node, file) = self.build(off)?;
            self.g.nodes[id.index()] = node;
            self.g.files[id.index()] = file;
        }
        Ok(())
    }

    fn function(&mut self, off: UnitOffset) -> gimli::Result<Node<&'s str>> {
        let unit = self.unit;
        let mut tree = unit.entries_tree(Some(off))?;
        let root = tree.root()?;
        self.function_from(root)
    }

    fn function_from(
        &mut self,
        root: gimli::EntriesTreeNode<'_, '_, R<'s>>,
    ) -> gimli::Result<Node<&'s str>> {
        let ret = self.type_ref(root.entry().attr_value(DW_AT_type));
        let mut params = Vec::new();
        let mut variadic = false;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let c = child.entry();
            match c.tag() {
                DW_TAG_formal_parameter => {
                    let mut t = c.attr_value(DW_AT_type);
                    let mut name = self.name(c);
                    if t.is_none()
                        && let Some(o) = self.unit_ref(c.attr_value(DW_AT_abstract_origin))
                    {
                        let oe = self.entry(o)?;
                        t = oe.attr_value(DW_AT_type);
                        name = name.or_else(|| self.name(&oe));
                    }
                    let ty = self.type_ref(t);
                    params.push(Param { name, ty });
                }
                DW_TAG_unspecified_parameters => variadic = true,
                _ => {}
            }
        }
        Ok(Node::Function {
            ret,
            params,
            variadic,
        })
    }

    fn build(&mut self, off: UnitOffset) -> gimli::Result<(Node<&'s str>, Option<&'s str>)> {
        let unit = self.unit;
        let mut tree = unit.entries_tree(Some(off))?;
        let root = tree.root()?;
        // Copy out what we need rather than cloning the entry: `children()`
        // consumes the tree node, and a clone allocates for every DIE.
        let (name, file, bits, ty_attr, encoding, decl, tag) = {
            let e = root.entry();
            let name = self.name(e);
            let file = match (name, udata(e, DW_AT_decl_file)) {
                (Some(_), Some(f)) => self.file(f),
                _ => None,
            };
            let bits = udata(e, DW_AT_byte_size)
                .map(|b| b * 8)
                .or_else(|| udata(e, DW_AT_bit_size));
            let encoding = e.attr(DW_AT_encoding).and_then(|a| a.u8_value());
            (
                name,
                file,
                bits,
                e.attr_value(DW_AT_type),
                encoding,
                flag(e, DW_AT_declaration),
                e.tag(),
            )
        };
        let target = || ty_attr.clone();
        let node = match tag {
            DW_TAG_base_type => Node::Base {
                name: name.unwrap_or_else(|| {
                    self.stats.nameless_dies += 1;
                    "<unnamed>"
                }),
                size_bits: bits.unwrap_or(0),
                encoding: encoding.unwrap_or(0),
            },
            DW_TAG_unspecified_type => {
                // Assembler units describe `void` this way, often nameless.
                self.stats.unspecified_types += 1;
                Node::Void
            }
            DW_TAG_pointer_type | DW_TAG_reference_type | DW_TAG_rvalue_reference_type => {
                Node::Pointer {
                    target: self.type_ref(target()),
                    size_bits: bits.unwrap_or(u64::from(unit.header.address_size()) * 8),
                    reference: tag != DW_TAG_pointer_type,
                }
            }
            DW_TAG_typedef => Node::Typedef {
                // gcc never emits a nameless typedef; keep one as a node
                // rather than resolving through it (a corrupt one may point
                // at itself).
                name: name.unwrap_or_else(|| {
                    self.stats.nameless_dies += 1;
                    "<unnamed typedef>"
                }),
                target: self.type_ref(target()),
            },
            DW_TAG_const_type | DW_TAG_volatile_type | DW_TAG_restrict_type
            | DW_TAG_atomic_type => {
                let qual = match tag {
                    DW_TAG_const_type => Qualifier::Const,
                    DW_TAG_volatile_type => Qualifier::Volatile,
                    DW_TAG_restrict_type => Qualifier::Restrict,
                    _ => Qualifier::Atomic,
                };
                Node::Qualified {
                    qual,
                    target: self.type_ref(target()),
                }
            }
            DW_TAG_structure_type | DW_TAG_union_type | DW_TAG_class_type => {
                let kind = if tag == DW_TAG_union_type {
                    AggKind::Union
                } else {
                    AggKind::Struct
                };
                let mut members = Vec::new();
                if !decl {
                    let mut children = root.children();
                    while let Some(child) = children.next()? {
                        let c = child.entry();
                        if c.tag() != DW_TAG_member || flag(c, DW_AT_external) {
                            continue;
                        }
                        let bit_size = udata(c, DW_AT_bit_size);
                        let byte_off = match c.attr_value(DW_AT_data_member_location) {
                            Some(AttributeValue::Exprloc(x)) => plus_uconst(x.0),
                            Some(v) => v.udata_value(),
                            None => None,
                        };
                        let offset_bits = if let Some(b) = udata(c, DW_AT_data_bit_offset) {
                            b
                        } else if let (Some(bo), Some(bs)) = (udata(c, DW_AT_bit_offset), bit_size)
                        {
                            // DWARF 2/3 bitfields count from the storage unit's
                            // most significant bit.
                            let storage = udata(c, DW_AT_byte_size).unwrap_or(0) * 8;
                            byte_off.unwrap_or(0) * 8 + storage.saturating_sub(bo + bs)
                        } else {
                            byte_off.unwrap_or(0) * 8
                        };
                        let mname = self.name(c);
                        let ty = self.type_ref(c.attr_value(DW_AT_type));
                        members.push(Member {
                            name: mname,
                            ty,
                            offset_bits,
                            bit_size,
                        });
                    }
                }
                Node::Aggregate {
                    kind,
                    name,
                    size_bits: if decl { None } else { Some(bits.unwrap_or(0)) },
                    members,
                }
            }
            DW_TAG_enumeration_type => {
                let mut enumerators = Vec::new();
                let mut children = root.children();
                while let Some(child) = children.next()? {
                    let c = child.entry();
                    if c.tag() != DW_TAG_enumerator {
                        continue;
                    }
                    let value = match c.attr_value(DW_AT_const_value) {
                        Some(AttributeValue::Sdata(v)) => v,
                        Some(AttributeValue::Udata(v)) => v as i64,
                        // GCC writes the values of an unsigned enum in
                        // fixed-size forms and a signed one's as sdata
                        // (clang likewise): 0x80 in a data1 is 128, as
                        // BTF, genksyms and the compiler have it, not -128.
                        Some(AttributeValue::Data1(v)) => i64::from(v),
                        Some(AttributeValue::Data2(v)) => i64::from(v),
                        Some(AttributeValue::Data4(v)) => i64::from(v),
                        Some(AttributeValue::Data8(v)) => v as i64,
                        Some(v) => v
                            .sdata_value()
                            .or(v.udata_value().map(|u| u as i64))
                            .unwrap_or(0),
                        None => 0,
                    };
                    if let Some(n) = self.name(c) {
                        enumerators.push(Enumerator { name: n, value });
                    }
                }
                Node::Enum {
                    name,
                    size_bits: if decl { None } else { Some(bits.unwrap_or(0)) },
                    enumerators,
                }
            }
            DW_TAG_array_type => {
                let element = self.type_ref(target());
                let mut dims = Vec::new();
                let mut children = root.children();
                while let Some(child) = children.next()? {
                    let c = child.entry();
                    if c.tag() != DW_TAG_subrange_type {
                        continue;
                    }
                    let count = udata(c, DW_AT_count).or_else(|| {
                        let lower = udata(c, DW_AT_lower_bound).unwrap_or(0);
                        match c.attr_value(DW_AT_upper_bound) {
                            // `[0]` arrays have upper bound -1 in some producers.
                            Some(AttributeValue::Sdata(-1)) => Some(0),
                            Some(v) => v.udata_value().map(|u| (u + 1).saturating_sub(lower)),
                            None => None,
                        }
                    });
                    dims.push(count);
                }
                if dims.is_empty() {
                    dims.push(None);
                }
                // int a[2][3] is an array of 2 arrays of 3 ints.
                let mut inner = element;
                for &count in dims.iter().skip(1).rev() {
                    inner = self.g.add(
                        Node::Array {
                            element: inner,
                            count,
                        },
                        None,
                    );
                }
                Node::Array {
                    element: inner,
                    count: dims[0],
                }
            }
            DW_TAG_subroutine_type => return Ok((self.function_from(root)?, None)),
            _ => {
                self.stats.unknown_tags += 1;
                Node::Void
            }
        };
        Ok((node, file))
    }
}

/// DWARF 2 style member offsets: `DW_OP_plus_uconst N`.
fn plus_uconst(mut r: R<'_>) -> Option<u64> {
    if r.read_u8().ok()? == 0x23 {
        r.read_uleb128().ok()
    } else {
        None
    }
}

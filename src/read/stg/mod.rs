//! STG's native baselines (`.stg`): the protobuf text format of `stg.proto`,
//! versions 0 to 2, as Android keeps its KMI baseline.
//!
//! ```text
//! version: 0x00000002
//! root_id: 0x84ea5130
//! pointer_reference {
//!   id: 0x0006db1d
//!   kind: POINTER
//!   pointee_type_id: 0x2a5b8aea
//! }
//! ...
//! ```
//!
//! STG copies names from DWARF and shares nodes already, so one STG type
//! node becomes one graph node; the graph then goes through our own merge
//! so that its dedup keys, and its declarations completed by definitions,
//! are those of a graph read from DWARF. What STG does not record (export
//! flavour, modules, sizes, NOTYPE exports) is said in [`Lacks`].
//!
//! The text parser is our own ([`text`]): no crate reads protobuf text
//! format without code generated from the `.proto` at build time, and the
//! subset STG writes is small.

#[cfg(test)]
mod tests;
mod text;

use std::borrow::Cow;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::graph::{
    AggKind, Enumerator, Graph, Lacks, Member, Node, Param, Qualifier, Symbol, SymbolKind, TypeId,
};
use text::{Field, Parser, Value, parse_bool, parse_int, parse_uint};

/// What an STG file does not record: it keeps FUNC and OBJECT ELF symbols
/// with their CRC and namespace, and no export flavour, module or size. A
/// symbols-only file lacks types too.
pub const LACKS: Lacks = Lacks {
    flavour: true,
    modules: true,
    untyped_symbols: true,
    sizes: true,
    types: false,
    bitfield_widths: false,
};

/// Newest format version read; STG has written 2 since 2023.
const MAX_VERSION: u64 = 2;

/// How far an enum's underlying type is followed through typedefs and
/// qualifiers to the integer that sizes it.
const MAX_UNDERLYING_HOPS: usize = 64;

/// Whether `head` (the start of a file) is an STG baseline: the first line
/// that is not blank or a comment is `version: ...`, the next `root_id: ...`.
pub fn looks_like(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let field = |l: Option<&str>, name: &str| {
        l.and_then(|l| l.strip_prefix(name))
            .and_then(|r| r.trim_start().strip_prefix(':'))
            .map(|v| v.split('#').next().unwrap_or("").trim())
            .is_some_and(|v| parse_uint(v).is_some())
    };
    field(lines.next(), "version") && field(lines.next(), "root_id")
}

/// Reads an STG baseline (plain or compressed, size capped as any text
/// input) into a graph.
pub fn load(path: &Path) -> Result<Graph> {
    let data = crate::read::file::load_text(path)?;
    let text = std::str::from_utf8(&data).map_err(|e| {
        Error::input(
            path,
            format!("not an STG file: invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    parse(text, path)
}

/// Parses the text of an STG baseline; `path` only names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Graph> {
    let stg = read_text(text, path)?;
    Converter::new(&stg, path)?.run()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Void,
    Variadic,
}

#[derive(Debug, Default)]
struct StructDef {
    bytesize: u64,
    members: Vec<u32>,
    /// C++ only: read so that their ids are checked, otherwise ignored.
    others: Vec<u32>,
}

#[derive(Debug, Default)]
struct EnumDef<'t> {
    underlying: u32,
    enumerators: Vec<(Cow<'t, str>, i64)>,
}

#[derive(Debug)]
enum Kind<'t> {
    Special(Special),
    Pointer {
        reference: bool,
        pointee: u32,
    },
    PointerToMember {
        containing: u32,
        pointee: u32,
    },
    Typedef {
        name: Cow<'t, str>,
        target: u32,
    },
    Qualified {
        qual: Qualifier,
        target: u32,
    },
    Primitive {
        name: Cow<'t, str>,
        encoding: u8,
        bytesize: u64,
    },
    Array {
        count: u64,
        element: u32,
    },
    /// A C++ base class or method: accepted, not part of a C interface.
    Cxx {
        ty: u32,
    },
    Member {
        name: Cow<'t, str>,
        ty: u32,
        offset: u64,
        bitsize: u64,
    },
    VariantMember {
        name: Cow<'t, str>,
        ty: u32,
    },
    StructUnion {
        kind: AggKind,
        name: Cow<'t, str>,
        def: Option<StructDef>,
    },
    Enumeration {
        name: Cow<'t, str>,
        def: Option<EnumDef<'t>>,
    },
    Variant {
        name: Cow<'t, str>,
        bytesize: u64,
        discriminant: Option<u32>,
        members: Vec<u32>,
    },
    Function {
        ret: u32,
        params: Vec<u32>,
    },
    ElfSymbol {
        name: Cow<'t, str>,
        symbol_type: SymbolKind,
        crc: Option<u32>,
        namespace: Cow<'t, str>,
        ty: Option<u32>,
    },
    Interface {
        symbols: Vec<u32>,
        types: Vec<u32>,
    },
}

#[derive(Debug)]
struct RawNode<'t> {
    id: u32,
    line: u32,
    kind: Kind<'t>,
}

#[derive(Debug)]
struct Stg<'t> {
    version: u64,
    root: Option<(u32, u32)>,
    nodes: Vec<RawNode<'t>>,
}

/// Reads one scalar field into what the schema says it is.
struct Scalar<'t> {
    path: &'t Path,
    name: &'t str,
    line: u32,
    field: Field<'t>,
}

impl<'t> Scalar<'t> {
    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::syntax(self.path, self.line as usize, msg)
    }

    fn word(&self) -> Result<&'t str> {
        match &self.field {
            Field::Scalar(Value::Word(w)) => Ok(w),
            Field::Scalar(Value::Str(_)) => Err(self.bad("a string")),
            Field::Message(_) => Err(self.bad("a message")),
        }
    }

    fn bad(&self, what: &str) -> Error {
        self.err(format!("'{}' cannot be {what}", self.name))
    }

    fn invalid(&self, w: &str) -> Error {
        self.err(format!(
            "invalid value for '{}': {}",
            self.name,
            crate::read::limits::quote(w)
        ))
    }

    fn u64(&self) -> Result<u64> {
        let w = self.word()?;
        parse_uint(w).ok_or_else(|| self.invalid(w))
    }

    fn u32(&self) -> Result<u32> {
        let w = self.word()?;
        parse_uint(w)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| self.invalid(w))
    }

    fn i64(&self) -> Result<i64> {
        let w = self.word()?;
        parse_int(w).ok_or_else(|| self.invalid(w))
    }

    fn bool(&self) -> Result<bool> {
        let w = self.word()?;
        parse_bool(w).ok_or_else(|| self.invalid(w))
    }

    /// An enum value, by name.
    fn enumeration<T: Copy>(&self, values: &[(&str, T)]) -> Result<T> {
        let w = self.word()?;
        values
            .iter()
            .find(|(n, _)| *n == w)
            .map(|(_, v)| *v)
            .ok_or_else(|| self.invalid(w))
    }

    fn string(&self) -> Result<Cow<'t, str>> {
        match &self.field {
            Field::Scalar(Value::Str(s)) => Ok(s.clone()),
            Field::Scalar(Value::Word(_)) => Err(self.bad("unquoted")),
            Field::Message(_) => Err(self.bad("a message")),
        }
    }
}

/// Field names met that this reader does not know, for one warning.
#[derive(Default)]
struct Unknown(Vec<String>);

impl Unknown {
    /// Skips a field this reader does not know (a newer STG's, or one of
    /// no use for a C interface) and remembers its name.
    fn skip(&mut self, p: &mut Parser<'_>, msg: &str, name: &str, field: Field<'_>) -> Result<()> {
        let full = format!("{msg}.{name}");
        if self.0.len() < 20 && !self.0.contains(&full) {
            self.0.push(full);
        }
        if let Field::Message(close) = field {
            p.skip(close)?;
        }
        Ok(())
    }
}

/// A message's contents through `f`, or an error when the field is a scalar.
fn message<'t>(
    p: &mut Parser<'t>,
    name: &str,
    line: u32,
    field: Field<'t>,
    f: impl FnMut(&mut Parser<'t>, &'t str, u32, Field<'t>) -> Result<()>,
) -> Result<()> {
    match field {
        Field::Message(close) => p.fields(Some(close), f),
        Field::Scalar(_) => Err(p.err(line, format!("'{name}' must be a message"))),
    }
}

fn sc<'t>(p: &Parser<'t>, name: &'t str, line: u32, field: Field<'t>) -> Scalar<'t> {
    Scalar {
        path: p.path(),
        name,
        line,
        field,
    }
}

const QUALIFIERS: &[(&str, Qualifier)] = &[
    ("CONST", Qualifier::Const),
    ("VOLATILE", Qualifier::Volatile),
    ("RESTRICT", Qualifier::Restrict),
    ("ATOMIC", Qualifier::Atomic),
];

/// STG's primitive encodings as DW_ATE_* values, as the BTF reader maps its
/// own, so a `long int` from STG is the `long int` of DWARF.
const ENCODINGS: &[(&str, u8)] = &[
    ("BOOLEAN", 0x02),
    ("SIGNED_INTEGER", 0x05),
    ("UNSIGNED_INTEGER", 0x07),
    ("SIGNED_CHARACTER", 0x06),
    ("UNSIGNED_CHARACTER", 0x08),
    ("REAL_NUMBER", 0x04),
    ("COMPLEX_NUMBER", 0x03),
    ("UTF", 0x10),
];

const SYMBOL_TYPES: &[(&str, SymbolKind)] = &[
    ("NOTYPE", SymbolKind::Unknown),
    ("OBJECT", SymbolKind::Variable),
    ("FUNCTION", SymbolKind::Function),
    ("COMMON", SymbolKind::Unknown),
    ("TLS", SymbolKind::Unknown),
    ("GNU_IFUNC", SymbolKind::Unknown),
];

/// The whole file as raw nodes, every field checked for its form.
fn read_text<'t>(text: &'t str, path: &'t Path) -> Result<Stg<'t>> {
    let mut p = Parser::new(text, path);
    let mut stg = Stg {
        version: 0,
        root: None,
        nodes: Vec::new(),
    };
    let mut seen_version = false;
    let mut unknown = Unknown::default();
    p.fields(None, |p, name, line, field| {
        match name {
            "version" => {
                let v = sc(p, name, line, field).u64()?;
                if v > MAX_VERSION {
                    return Err(p.err(
                        line,
                        format!(
                            "STG format version {v} is newer than this reader (0 to {MAX_VERSION})"
                        ),
                    ));
                }
                stg.version = v;
                seen_version = true;
            }
            "root_id" => stg.root = Some((sc(p, name, line, field).u32()?, line)),
            _ => {
                if let Some(node) = read_node(p, name, line, field, &mut unknown)? {
                    stg.nodes.push(node);
                }
            }
        }
        Ok(())
    })?;
    if !seen_version {
        return Err(p.err(1, "not an STG file: no 'version' field"));
    }
    // Older files are read by the same field names; STG itself rewrites
    // them as version 2, and a baseline that old may predate fields (CRCs,
    // namespaces) a comparison would then see as removed.
    if stg.version < MAX_VERSION {
        crate::read::file::warn(format!(
            "{}: STG format version {} (this reader's newest is {MAX_VERSION}): read as is; `stg --stg FILE -o NEW` rewrites it",
            crate::error::shown(&path.display()),
            stg.version
        ));
    }
    if !unknown.0.is_empty() {
        crate::read::file::warn(format!(
            "{}: fields this reader does not know were ignored: {}",
            crate::error::shown(&path.display()),
            unknown.0.join(", ")
        ));
    }
    Ok(stg)
}

/// One top-level node (`None` for a field this reader does not know).
fn read_node<'t>(
    p: &mut Parser<'t>,
    msg: &'t str,
    line: u32,
    field: Field<'t>,
    unknown: &mut Unknown,
) -> Result<Option<RawNode<'t>>> {
    #[derive(Default)]
    struct F<'t> {
        id: Option<u32>,
        kind: Option<&'t str>,
        name: Cow<'t, str>,
        a: Option<u32>,
        b: Option<u32>,
        n: u64,
        m: u64,
        flag: Option<u8>,
        crc: Option<u32>,
        namespace: Cow<'t, str>,
        ids: Vec<u32>,
        ids2: Vec<u32>,
        sdef: Option<StructDef>,
        edef: Option<EnumDef<'t>>,
        sym: Option<SymbolKind>,
        qual: Option<Qualifier>,
    }
    let known = [
        "special",
        "pointer_reference",
        "pointer_to_member",
        "typedef",
        "qualified",
        "primitive",
        "array",
        "base_class",
        "method",
        "member",
        "variant_member",
        "struct_union",
        "enumeration",
        "variant",
        "function",
        "elf_symbol",
        "interface",
    ];
    if !known.contains(&msg) {
        unknown.skip(p, "STG", msg, field)?;
        return Ok(None);
    }
    let mut f = F::default();
    message(p, msg, line, field, |p, name, line, field| {
        let s = sc(p, name, line, field);
        match (msg, name) {
            (_, "id") => f.id = Some(s.u32()?),
            ("special" | "pointer_reference" | "struct_union", "kind") => {
                f.kind = Some(s.word()?);
            }
            ("pointer_reference", "pointee_type_id")
            | ("typedef", "referred_type_id")
            | ("qualified", "qualified_type_id")
            | ("array", "element_type_id")
            | ("base_class" | "method" | "member" | "variant_member", "type_id")
            | ("elf_symbol", "type_id")
            | ("function", "return_type_id") => f.a = Some(s.u32()?),
            ("pointer_to_member", "containing_type_id") => f.b = Some(s.u32()?),
            ("pointer_to_member", "pointee_type_id") => f.a = Some(s.u32()?),
            ("variant", "discriminant") => f.b = Some(s.u32()?),
            ("qualified", "qualifier") => f.qual = Some(s.enumeration(QUALIFIERS)?),
            ("primitive", "encoding") => f.flag = Some(s.enumeration(ENCODINGS)?),
            ("primitive" | "variant", "bytesize") | ("array", "number_of_elements") => {
                f.n = s.u64()?
            }
            ("member", "offset") => f.n = s.u64()?,
            ("member", "bitsize") => f.m = s.u64()?,
            (
                "typedef" | "primitive" | "member" | "variant_member" | "struct_union"
                | "enumeration" | "variant" | "elf_symbol",
                "name",
            ) => f.name = s.string()?,
            ("function", "parameter_id")
            | ("interface", "symbol_id")
            | ("variant", "member_id") => f.ids.push(s.u32()?),
            ("interface", "type_id") => f.ids2.push(s.u32()?),
            ("elf_symbol", "symbol_type") => f.sym = Some(s.enumeration(SYMBOL_TYPES)?),
            ("elf_symbol", "crc") => f.crc = Some(s.u32()?),
            ("elf_symbol", "namespace") => f.namespace = s.string()?,
            ("elf_symbol", "is_defined") => {
                s.bool()?;
            }
            // Checked for their form, of no use to a kernel interface.
            ("elf_symbol", "binding" | "visibility" | "full_name")
            | ("method", "mangled_name" | "name" | "vtable_offset")
            | ("base_class", "offset" | "inheritance")
            | ("variant_member", "discriminant_value") => {
                s.word().or_else(|_| s.string().map(|_| ""))?;
            }
            ("elf_symbol", "version_info") => {
                // Kernel exports carry no symbol versions; the name alone
                // identifies them.
                let field = s.field;
                message(p, name, line, field, |p, n, l, fl| {
                    let s = sc(p, n, l, fl);
                    match n {
                        "is_default" => {
                            s.bool()?;
                        }
                        "name" => {
                            s.string()?;
                        }
                        _ => unknown.skip(p, "version_info", n, s.field)?,
                    }
                    Ok(())
                })?;
            }
            ("struct_union", "definition") => {
                let field = s.field;
                let mut d = StructDef::default();
                message(p, name, line, field, |p, n, l, fl| {
                    let s = sc(p, n, l, fl);
                    match n {
                        "bytesize" => d.bytesize = s.u64()?,
                        "member_id" => d.members.push(s.u32()?),
                        "base_class_id" | "method_id" => d.others.push(s.u32()?),
                        _ => unknown.skip(p, "struct_union.definition", n, s.field)?,
                    }
                    Ok(())
                })?;
                f.sdef = Some(d);
            }
            ("enumeration", "definition") => {
                let field = s.field;
                let mut d = EnumDef::default();
                let mut has_underlying = false;
                message(p, name, line, field, |p, n, l, fl| {
                    match n {
                        "underlying_type_id" => {
                            d.underlying = sc(p, n, l, fl).u32()?;
                            has_underlying = true;
                        }
                        "enumerator" => {
                            let mut e_name = None;
                            let mut value = 0;
                            message(p, n, l, fl, |p, n, l, fl| {
                                let s = sc(p, n, l, fl);
                                match n {
                                    "name" => e_name = Some(s.string()?),
                                    "value" => value = s.i64()?,
                                    _ => unknown.skip(p, "enumerator", n, s.field)?,
                                }
                                Ok(())
                            })?;
                            let e_name =
                                e_name.ok_or_else(|| p.err(l, "enumerator without a name"))?;
                            d.enumerators.push((e_name, value));
                        }
                        _ => unknown.skip(p, "enumeration.definition", n, fl)?,
                    }
                    Ok(())
                })?;
                if !has_underlying {
                    return Err(p.err(line, "enumeration definition without underlying_type_id"));
                }
                f.edef = Some(d);
            }
            _ => unknown.skip(p, msg, name, s.field)?,
        }
        Ok(())
    })?;
    let id =
        f.id.ok_or_else(|| p.err(line, format!("'{msg}' without an id")))?;
    let need = |x: Option<u32>, what: &str| {
        x.ok_or_else(|| p.err(line, format!("'{msg}' without {what}")))
    };
    let kind_of = |values: &[(&str, u8)]| -> Result<u8> {
        let k = f
            .kind
            .ok_or_else(|| p.err(line, format!("'{msg}' without a kind")))?;
        values
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                p.err(
                    line,
                    format!("unknown kind of '{msg}': {}", crate::read::limits::quote(k)),
                )
            })
    };
    let kind = match msg {
        "special" => Kind::Special(if kind_of(&[("VOID", 0), ("VARIADIC", 1)])? == 0 {
            Special::Void
        } else {
            Special::Variadic
        }),
        "pointer_reference" => Kind::Pointer {
            reference: kind_of(&[
                ("POINTER", 0),
                ("LVALUE_REFERENCE", 1),
                ("RVALUE_REFERENCE", 1),
            ])? == 1,
            pointee: need(f.a, "pointee_type_id")?,
        },
        "pointer_to_member" => Kind::PointerToMember {
            containing: need(f.b, "containing_type_id")?,
            pointee: need(f.a, "pointee_type_id")?,
        },
        "typedef" => Kind::Typedef {
            name: f.name,
            target: need(f.a, "referred_type_id")?,
        },
        "qualified" => Kind::Qualified {
            qual: f
                .qual
                .ok_or_else(|| p.err(line, "'qualified' without a qualifier"))?,
            target: need(f.a, "qualified_type_id")?,
        },
        "primitive" => Kind::Primitive {
            name: f.name,
            encoding: f.flag.unwrap_or(0),
            bytesize: f.n,
        },
        "array" => Kind::Array {
            count: f.n,
            element: need(f.a, "element_type_id")?,
        },
        "base_class" | "method" => Kind::Cxx {
            ty: need(f.a, "type_id")?,
        },
        "member" => Kind::Member {
            name: f.name,
            ty: need(f.a, "type_id")?,
            offset: f.n,
            bitsize: f.m,
        },
        "variant_member" => Kind::VariantMember {
            name: f.name,
            ty: need(f.a, "type_id")?,
        },
        "struct_union" => Kind::StructUnion {
            kind: if kind_of(&[("STRUCT", 0), ("CLASS", 0), ("UNION", 1)])? == 0 {
                AggKind::Struct
            } else {
                AggKind::Union
            },
            name: f.name,
            def: f.sdef,
        },
        "enumeration" => Kind::Enumeration {
            name: f.name,
            def: f.edef,
        },
        "variant" => Kind::Variant {
            name: f.name,
            bytesize: f.n,
            discriminant: f.b,
            members: f.ids,
        },
        "function" => Kind::Function {
            ret: need(f.a, "return_type_id")?,
            params: f.ids,
        },
        "elf_symbol" => {
            if f.name.is_empty() {
                return Err(p.err(line, "'elf_symbol' without a name"));
            }
            Kind::ElfSymbol {
                name: f.name,
                symbol_type: f.sym.unwrap_or(SymbolKind::Unknown),
                crc: f.crc,
                namespace: f.namespace,
                ty: f.a,
            }
        }
        _ => Kind::Interface {
            symbols: f.ids,
            types: f.ids2,
        },
    };
    Ok(Some(RawNode { id, line, kind }))
}

/// Where an STG node went.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Type(TypeId),
    Variadic,
    /// A member, symbol, interface or C++ part: not a type of its own.
    Part,
}

struct Converter<'s, 't> {
    stg: &'s Stg<'t>,
    path: &'s Path,
    /// Index in `stg.nodes` of each STG id.
    index: FxHashMap<u32, usize>,
    slots: Vec<Slot>,
    pointer_bits: u64,
}

impl<'s, 't> Converter<'s, 't> {
    fn new(stg: &'s Stg<'t>, path: &'s Path) -> Result<Self> {
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

    fn run(mut self) -> Result<Graph> {
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

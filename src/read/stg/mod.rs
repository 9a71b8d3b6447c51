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

mod convert;
#[cfg(test)]
mod tests;
mod text;

use std::borrow::Cow;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::graph::{
    AggKind, Enumerator, Graph, Lacks, Member, Node, Param, Qualifier, Symbol, SymbolKind, TypeId,
    ate,
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
    convert::Converter::new(&stg, path)?.run()
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

/// STG's primitive encodings as the graph's (`graph::ate`), so a `long
/// int` from STG is the `long int` of DWARF.
const ENCODINGS: &[(&str, u8)] = &[
    ("BOOLEAN", ate::BOOLEAN),
    ("SIGNED_INTEGER", ate::SIGNED),
    ("UNSIGNED_INTEGER", ate::UNSIGNED),
    ("SIGNED_CHARACTER", ate::SIGNED_CHAR),
    ("UNSIGNED_CHARACTER", ate::UNSIGNED_CHAR),
    ("REAL_NUMBER", ate::FLOAT),
    ("COMPLEX_NUMBER", ate::COMPLEX_FLOAT),
    ("UTF", ate::UTF),
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

//! libabigail's abixml (what `abidw` writes) -> the graph, so that a baseline
//! kept by a libabigail user compares against a tree we read ourselves.
//!
//! The file is read as a stream of XML events with an explicit stack of open
//! elements: input nesting never becomes recursion, and what is kept is the
//! types and symbols themselves, in proportion to the input. Type ids
//! (`type-id-123`) are corpus-wide and may be used before the element that
//! defines them (another `abi-instr` defines it later), so a reference takes a
//! placeholder node that the definition fills; one never filled is an error
//! at the line of its first use.

use std::path::Path;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::graph::dedup::{graph_keys, map_node, merge_graphs};
use crate::graph::{
    AggKind, Enumerator, Graph, Lacks, Member, Name, Node, Param, Qualifier, Symbol, SymbolKind,
    TypeId, check_untagged_depth,
};

/// Deepest element nesting accepted. libabigail's C output nests six deep
/// (group, corpus, instr, class, data-member, var-decl) and C++ a few more;
/// anything far beyond is not abixml, and the cap keeps the element stack
/// small whatever the input.
pub const MAX_NESTING: usize = 64;

/// Whether `head` (the start of a file) is abixml: its root element, after
/// an optional XML declaration and comments.
pub fn looks_like(head: &[u8]) -> bool {
    let mut s = head;
    if let Some(rest) = s.strip_prefix(b"\xEF\xBB\xBF") {
        s = rest;
    }
    // Skip `<?xml ...?>` and `<!-- ... -->` before the root, within the head.
    loop {
        let t = s.trim_ascii_start();
        if let Some(rest) = t.strip_prefix(b"<?") {
            match find(rest, b"?>") {
                Some(i) => s = &rest[i + 2..],
                None => return false,
            }
        } else if let Some(rest) = t.strip_prefix(b"<!--") {
            match find(rest, b"-->") {
                Some(i) => s = &rest[i + 3..],
                None => return false,
            }
        } else {
            s = t;
            break;
        }
    }
    for root in [&b"<abi-corpus-group"[..], b"<abi-corpus"] {
        if let Some(rest) = s.strip_prefix(root) {
            return matches!(
                rest.first(),
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
            );
        }
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read an abixml file (plain or compressed, capped like every text input).
pub fn load(path: &Path) -> Result<Graph> {
    let data = crate::read::file::load_text(path)?;
    parse(&data, path)
}

/// Read abixml from memory; `path` names it in errors.
pub fn parse(text: &[u8], path: &Path) -> Result<Graph> {
    let text = std::str::from_utf8(text)
        .map_err(|e| Error::syntax(path, line_of(text, e.valid_up_to() as u64), "not UTF-8"))?;
    let mut p = Parser {
        text,
        path,
        stack: Vec::new(),
        skip: 0,
        corpus: None,
        seen_paths: FxHashSet::default(),
        parts: Vec::new(),
        root_seen: false,
        arch_unsigned_char: false,
    };
    p.run()?;
    let mut parts = std::mem::take(&mut p.parts);
    // vmlinux first, then modules by path: the order our own reads merge in,
    // which decides whose definition completes a declaration.
    parts.sort_by(|a, b| (a.0 != "vmlinux", &a.0).cmp(&(b.0 != "vmlinux", &b.0)));
    let parts = parts
        .into_iter()
        .map(|(_, g, symbols)| {
            let keys = graph_keys(&g);
            (g, keys, symbols)
        })
        .collect();
    let mut g = merge_graphs(parts);
    g.lacks = LACKS;
    Ok(g)
}

/// What abixml does not record, so may not read as a change against a side
/// that has it: the export flavour (EXPORT_SYMBOL_GPL), symbol sizes,
/// bit-field widths (abixml 2.1 keeps a member's offset, not its width), and
/// NOTYPE symbols (libabigail lists functions and variables only).
pub const LACKS: Lacks = Lacks {
    flavour: true,
    modules: false,
    untyped_symbols: true,
    sizes: true,
    types: false,
    bitfield_widths: true,
};

/// 1-based line of byte offset `off`.
fn line_of(text: &[u8], off: u64) -> usize {
    let end = (off as usize).min(text.len());
    1 + text[..end].iter().filter(|&&b| b == b'\n').count()
}

/// An open element and what is being built from it.
enum Frame {
    Group,
    Corpus,
    /// Children hold ELF symbols of this kind.
    Symbols(SymbolKind),
    Agg {
        id: TypeId,
        kind: AggKind,
        name: Option<Name>,
        size: Option<u64>,
        members: Vec<Member>,
        file: Option<Name>,
    },
    DataMember {
        offset: u64,
        keep: bool,
        member: Option<(Option<Name>, TypeId)>,
    },
    Enum {
        id: TypeId,
        name: Option<Name>,
        decl: bool,
        underlying: Option<TypeId>,
        enumerators: Vec<Enumerator>,
        file: Option<Name>,
    },
    Array {
        id: TypeId,
        element: TypeId,
        dims: Vec<Option<u64>>,
    },
    Func {
        /// The id-mapped node (a `function-type`), or none for a
        /// `function-decl`, which gets a node of its own.
        id: Option<TypeId>,
        /// The ELF symbol a `function-decl` types.
        symbol: Option<String>,
        ret: TypeId,
        params: Vec<Param>,
        variadic: bool,
    },
    /// Anything else: its children are still read (types nest in C++
    /// scopes), only its own meaning is ignored.
    Other,
}

struct Slot {
    ty: TypeId,
    defined: bool,
    /// Declaration-only: a later definition of the same id replaces it.
    decl: bool,
    first_use: u64,
}

struct ElfSym {
    name: String,
    kind: SymbolKind,
    crc: Option<u32>,
    namespace: String,
}

/// One `abi-corpus` being read.
struct Corpus {
    module: String,
    g: Graph,
    ids: FxHashMap<String, Slot>,
    variadic_ty: FxHashSet<TypeId>,
    enums: Vec<(TypeId, TypeId)>,
    arrays: Vec<TypeId>,
    syms: Vec<ElfSym>,
    roots: FxHashMap<String, (TypeId, SymbolKind)>,
}

struct Parser<'t> {
    text: &'t str,
    path: &'t Path,
    stack: Vec<Frame>,
    /// Depth inside an element being skipped (a repeated corpus, a second
    /// definition of a type id).
    skip: usize,
    corpus: Option<Corpus>,
    seen_paths: FxHashSet<String>,
    parts: Vec<(String, Graph, Vec<Symbol>)>,
    root_seen: bool,
    /// Plain `char` is unsigned on this architecture (GCC's DWARF says so,
    /// abixml does not).
    arch_unsigned_char: bool,
}

/// Attributes of one element, values unescaped.
struct Attrs<'a> {
    list: Vec<(&'a str, std::borrow::Cow<'a, str>)>,
}

impl Attrs<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.as_ref())
    }

    fn yes(&self, k: &str) -> bool {
        self.get(k) == Some("yes")
    }
}

impl<'t> Parser<'t> {
    fn err(&self, off: u64, msg: impl std::fmt::Display) -> Error {
        Error::syntax(self.path, line_of(self.text.as_bytes(), off), msg)
    }

    fn run(&mut self) -> Result<()> {
        let mut reader = Reader::from_str(self.text);
        reader.config_mut().check_end_names = true;
        loop {
            let pos = reader.buffer_position();
            let ev = reader
                .read_event()
                .map_err(|e| self.err(reader.error_position(), format!("malformed XML: {e}")))?;
            match ev {
                Event::Start(e) => self.start(&e, pos, false)?,
                Event::Empty(e) => self.start(&e, pos, true)?,
                Event::End(_) => self.end(pos)?,
                Event::Eof => break,
                _ => {}
            }
        }
        let end = self.text.len() as u64;
        if self.skip > 0 || !self.stack.is_empty() {
            return Err(self.err(end, "unexpected end of file inside an element"));
        }
        if !self.root_seen {
            return Err(self.err(end, "no abi-corpus or abi-corpus-group element"));
        }
        Ok(())
    }

    fn attrs<'a>(&self, e: &'a BytesStart<'_>, pos: u64) -> Result<Attrs<'a>> {
        let mut list = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|x| self.err(pos, format!("malformed attribute: {x}")))?;
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|x| self.err(pos, format!("malformed attribute value: {x}")))?;
            list.push((a.key.into_inner(), v));
        }
        Ok(Attrs { list })
    }

    fn start(&mut self, e: &BytesStart<'_>, pos: u64, empty: bool) -> Result<()> {
        if self.skip > 0 {
            if !empty {
                self.skip += 1;
                self.check_depth(pos)?;
            }
            return Ok(());
        }
        let tag = e.name().into_inner();
        let a = self.attrs(e, pos)?;
        let frame = match self.open(tag, &a, pos)? {
            Some(f) => f,
            None => {
                // Skipped: a repeated corpus, or a type id defined again.
                if !empty {
                    self.skip = 1;
                }
                return Ok(());
            }
        };
        self.stack.push(frame);
        self.check_depth(pos)?;
        if empty {
            self.end(pos)?;
        }
        Ok(())
    }

    fn check_depth(&self, pos: u64) -> Result<()> {
        if self.stack.len() + self.skip > MAX_NESTING {
            return Err(self.err(pos, format!("elements nested deeper than {MAX_NESTING}")));
        }
        Ok(())
    }

    fn corpus(&mut self, pos: u64, tag: &str) -> Result<&mut Corpus> {
        let (path, text) = (self.path, self.text);
        self.corpus.as_mut().ok_or_else(|| {
            Error::syntax(
                path,
                line_of(text.as_bytes(), pos),
                format!("<{tag}> outside an abi-corpus"),
            )
        })
    }

    fn num(&self, a: &Attrs<'_>, k: &str, pos: u64) -> Result<Option<u64>> {
        match a.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| self.err(pos, format!("{k}='{v}' is not a number"))),
        }
    }

    fn type_ref(&mut self, a: &Attrs<'_>, tag: &str, pos: u64) -> Result<TypeId> {
        let Some(id) = a.get("type-id") else {
            return Err(self.err(pos, format!("<{tag}> without a type-id")));
        };
        let c = self.corpus(pos, tag)?;
        if let Some(s) = c.ids.get(id) {
            return Ok(s.ty);
        }
        let ty = c.g.add(Node::Void, None);
        c.ids.insert(
            id.to_string(),
            Slot {
                ty,
                defined: false,
                decl: false,
                first_use: pos,
            },
        );
        Ok(ty)
    }

    /// The node a definition of `id=` fills, or None when that id is
    /// already defined (libabigail repeats a type in several `abi-instr`).
    fn define(&mut self, a: &Attrs<'_>, tag: &str, pos: u64, decl: bool) -> Result<Option<TypeId>> {
        let Some(id) = a.get("id") else {
            return Err(self.err(pos, format!("<{tag}> without an id")));
        };
        let c = self.corpus(pos, tag)?;
        match c.ids.get_mut(id) {
            // A definition replaces a declaration-only first sight.
            Some(s) if s.defined && (decl || !s.decl) => Ok(None),
            Some(s) => {
                s.defined = true;
                s.decl = decl;
                Ok(Some(s.ty))
            }
            None => {
                let ty = c.g.add(Node::Void, None);
                c.ids.insert(
                    id.to_string(),
                    Slot {
                        ty,
                        defined: true,
                        decl,
                        first_use: pos,
                    },
                );
                Ok(Some(ty))
            }
        }
    }

    fn intern(&mut self, s: &str) -> Name {
        let c = self.corpus.as_mut().expect("inside a corpus");
        c.g.strings.intern(s)
    }

    fn opt_name(&mut self, a: &Attrs<'_>, anonymous: bool) -> Option<Name> {
        match a.get("name") {
            Some(n) if !n.is_empty() && !anonymous => Some(self.intern(n)),
            _ => None,
        }
    }

    fn file(&mut self, a: &Attrs<'_>) -> Option<Name> {
        a.get("filepath").map(|f| self.intern(f))
    }

    fn set(&mut self, id: TypeId, node: Node, file: Option<Name>) {
        let c = self.corpus.as_mut().expect("inside a corpus");
        c.g.nodes[id.index()] = node;
        c.g.files[id.index()] = file;
    }

    fn parent(&mut self) -> Option<&mut Frame> {
        self.stack.last_mut()
    }

    /// The frame for a new element, or None to skip it with its children.
    fn open(&mut self, tag: &str, a: &Attrs<'_>, pos: u64) -> Result<Option<Frame>> {
        if self.stack.is_empty() {
            if self.root_seen {
                return Err(self.err(pos, "a second root element"));
            }
            self.root_seen = true;
            return match tag {
                "abi-corpus-group" => {
                    self.arch(a);
                    Ok(Some(Frame::Group))
                }
                "abi-corpus" => self.open_corpus(a, pos),
                _ => Err(self.err(pos, format!("<{tag}> is not an abixml root element"))),
            };
        }
        if tag == "abi-corpus" {
            if !matches!(self.stack.last(), Some(Frame::Group)) {
                return Err(self.err(pos, "<abi-corpus> inside another element"));
            }
            return self.open_corpus(a, pos);
        }
        if self.corpus.is_none() {
            return Ok(Some(Frame::Other));
        }
        let f = match tag {
            "elf-function-symbols" => Frame::Symbols(SymbolKind::Function),
            "elf-variable-symbols" => Frame::Symbols(SymbolKind::Variable),
            "elf-symbol" => {
                if let Some(Frame::Symbols(kind)) = self.stack.last() {
                    let kind = *kind;
                    self.elf_symbol(a, kind, pos)?;
                }
                Frame::Other
            }
            "type-decl" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                self.base(id, a, pos)?;
                Frame::Other
            }
            "qualified-type-def" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                let mut target = self.type_ref(a, tag, pos)?;
                let quals: Vec<Qualifier> = [
                    ("restrict", Qualifier::Restrict),
                    ("volatile", Qualifier::Volatile),
                    ("const", Qualifier::Const),
                ]
                .into_iter()
                .filter(|(k, _)| a.yes(k))
                .map(|(_, q)| q)
                .collect();
                // `const volatile T` is one element: the id names the
                // outermost qualifier, the inner ones get nodes of their own.
                let n = quals.len();
                for (i, qual) in quals.into_iter().enumerate() {
                    if i + 1 == n {
                        self.set(id, Node::Qualified { qual, target }, None);
                    } else {
                        let c = self.corpus.as_mut().expect("inside a corpus");
                        target = c.g.add(Node::Qualified { qual, target }, None);
                    }
                }
                if n == 0 {
                    return Err(self.err(pos, "<qualified-type-def> without a qualifier"));
                }
                Frame::Other
            }
            "pointer-type-def" | "reference-type-def" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                let target = self.type_ref(a, tag, pos)?;
                let size_bits = self.num(a, "size-in-bits", pos)?.unwrap_or(64);
                self.set(
                    id,
                    Node::Pointer {
                        target,
                        size_bits,
                        reference: tag == "reference-type-def",
                    },
                    None,
                );
                Frame::Other
            }
            "typedef-decl" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                let target = self.type_ref(a, tag, pos)?;
                let name = match self.opt_name(a, false) {
                    Some(n) => n,
                    None => return Err(self.err(pos, "<typedef-decl> without a name")),
                };
                let file = self.file(a);
                self.set(id, Node::Typedef { name, target }, file);
                Frame::Other
            }
            "class-decl" | "union-decl" => {
                let decl = a.yes("is-declaration-only");
                let Some(id) = self.define(a, tag, pos, decl)? else {
                    return Ok(None);
                };
                // `typedef struct { ... } name_t;`: libabigail names the
                // struct after its typedef, C (and DWARF) leaves it unnamed.
                let anonymous = a.yes("is-anonymous") || a.get("naming-typedef-id").is_some();
                let name = self.opt_name(a, anonymous);
                let size = if decl {
                    None
                } else {
                    Some(self.num(a, "size-in-bits", pos)?.unwrap_or(0))
                };
                let file = self.file(a);
                Frame::Agg {
                    id,
                    kind: if tag == "union-decl" {
                        AggKind::Union
                    } else {
                        AggKind::Struct
                    },
                    name,
                    size,
                    members: Vec::new(),
                    file,
                }
            }
            "data-member" => {
                let offset = self.num(a, "layout-offset-in-bits", pos)?.unwrap_or(0);
                Frame::DataMember {
                    offset,
                    keep: !a.yes("static"),
                    member: None,
                }
            }
            "var-decl" => {
                if matches!(self.stack.last(), Some(Frame::DataMember { .. })) {
                    let ty = self.type_ref(a, tag, pos)?;
                    let name = self.opt_name(a, false);
                    if let Some(Frame::DataMember { member, .. }) = self.parent() {
                        *member = Some((name, ty));
                    }
                } else if let Some(sym) = a.get("elf-symbol-id") {
                    let ty = self.type_ref(a, tag, pos)?;
                    let sym = sym.to_string();
                    let c = self.corpus(pos, tag)?;
                    c.roots.entry(sym).or_insert((ty, SymbolKind::Variable));
                }
                Frame::Other
            }
            "enum-decl" => {
                let decl = a.yes("is-declaration-only");
                let Some(id) = self.define(a, tag, pos, decl)? else {
                    return Ok(None);
                };
                let anonymous = a.yes("is-anonymous") || a.get("naming-typedef-id").is_some();
                let name = self.opt_name(a, anonymous);
                let file = self.file(a);
                Frame::Enum {
                    id,
                    name,
                    decl,
                    underlying: None,
                    enumerators: Vec::new(),
                    file,
                }
            }
            "underlying-type" => {
                let ty = self.type_ref(a, tag, pos)?;
                if let Some(Frame::Enum { underlying, .. }) = self.parent() {
                    *underlying = Some(ty);
                }
                Frame::Other
            }
            "enumerator" => {
                let v = a.get("value").unwrap_or("0");
                let value = v
                    .parse::<i64>()
                    .or_else(|_| v.parse::<u64>().map(|u| u as i64))
                    .map_err(|_| self.err(pos, format!("value='{v}' is not a number")))?;
                let name = match a.get("name") {
                    Some(n) => self.intern(n),
                    None => return Err(self.err(pos, "<enumerator> without a name")),
                };
                if let Some(Frame::Enum { enumerators, .. }) = self.parent() {
                    enumerators.push(Enumerator { name, value });
                }
                Frame::Other
            }
            "array-type-def" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                let element = self.type_ref(a, tag, pos)?;
                Frame::Array {
                    id,
                    element,
                    dims: Vec::new(),
                }
            }
            "subrange" => {
                // `infinite` (a flexible array) and `unknown` have no count.
                let count = match a.get("length") {
                    Some(v) if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() => {
                        Some(self.num(a, "length", pos)?.unwrap_or(0))
                    }
                    _ => None,
                };
                if let Some(Frame::Array { dims, .. }) = self.parent() {
                    dims.push(count);
                }
                Frame::Other
            }
            "function-type" => {
                let Some(id) = self.define(a, tag, pos, false)? else {
                    return Ok(None);
                };
                Frame::Func {
                    id: Some(id),
                    symbol: None,
                    ret: Graph::VOID,
                    params: Vec::new(),
                    variadic: false,
                }
            }
            "function-decl" => {
                // Member functions (C++) and declarations without a symbol
                // type nothing we export.
                let symbol = a.get("elf-symbol-id").map(str::to_string);
                Frame::Func {
                    id: None,
                    symbol,
                    ret: Graph::VOID,
                    params: Vec::new(),
                    variadic: false,
                }
            }
            "parameter" => {
                if a.yes("is-variadic") {
                    if let Some(Frame::Func { variadic, .. }) = self.parent() {
                        *variadic = true;
                    }
                } else if matches!(self.stack.last(), Some(Frame::Func { .. })) {
                    let ty = self.type_ref(a, tag, pos)?;
                    let name = self.opt_name(a, false);
                    let is_variadic_ty = self
                        .corpus
                        .as_ref()
                        .is_some_and(|c| c.variadic_ty.contains(&ty));
                    if let Some(Frame::Func {
                        params, variadic, ..
                    }) = self.parent()
                    {
                        if is_variadic_ty {
                            *variadic = true;
                        } else {
                            params.push(Param { name, ty });
                        }
                    }
                }
                Frame::Other
            }
            "return" => {
                if matches!(self.stack.last(), Some(Frame::Func { .. })) {
                    let ty = self.type_ref(a, tag, pos)?;
                    if let Some(Frame::Func { ret, .. }) = self.parent() {
                        *ret = ty;
                    }
                }
                Frame::Other
            }
            _ => Frame::Other,
        };
        Ok(Some(f))
    }

    fn arch(&mut self, a: &Attrs<'_>) {
        // GCC's `char` is unsigned on these (and on every architecture
        // from Linux 6.2's -funsigned-char, which abixml cannot tell).
        let arch = a.get("architecture").unwrap_or("");
        self.arch_unsigned_char = ["arm", "aarch64", "ppc", "powerpc", "s390", "riscv"]
            .iter()
            .any(|k| arch.contains(k));
    }

    fn open_corpus(&mut self, a: &Attrs<'_>, pos: u64) -> Result<Option<Frame>> {
        if self.corpus.is_some() {
            return Err(self.err(pos, "<abi-corpus> inside another"));
        }
        if !matches!(self.stack.last(), Some(Frame::Group)) {
            self.arch(a);
        }
        let path = a.get("path").unwrap_or("").to_string();
        // abidw --linux-tree writes the vmlinux corpus twice (the second a
        // subset): the first is the one to read.
        if !self.seen_paths.insert(path.clone()) {
            return Ok(None);
        }
        let stem = path.rsplit('/').next().unwrap_or("");
        let stem = stem.split('.').next().unwrap_or("");
        let module = if stem.is_empty() {
            "vmlinux".to_string()
        } else {
            stem.replace('-', "_")
        };
        self.corpus = Some(Corpus {
            module,
            g: Graph::new(),
            ids: FxHashMap::default(),
            variadic_ty: FxHashSet::default(),
            enums: Vec::new(),
            arrays: Vec::new(),
            syms: Vec::new(),
            roots: FxHashMap::default(),
        });
        Ok(Some(Frame::Corpus))
    }

    fn elf_symbol(&mut self, a: &Attrs<'_>, list: SymbolKind, pos: u64) -> Result<()> {
        if a.get("is-defined") == Some("no") {
            return Ok(());
        }
        let Some(name) = a.get("name").filter(|n| !n.is_empty()) else {
            return Err(self.err(pos, "<elf-symbol> without a name"));
        };
        let kind = match a.get("type") {
            Some("func-type") => SymbolKind::Function,
            Some("object-type" | "tls-type" | "common-type") => SymbolKind::Variable,
            Some(_) => SymbolKind::Unknown,
            None => list,
        };
        let crc =
            match a.get("crc") {
                None => None,
                Some(v) => {
                    let hex = v
                        .strip_prefix("0x")
                        .or_else(|| v.strip_prefix("0X"))
                        .unwrap_or(v);
                    Some(u32::from_str_radix(hex, 16).map_err(|_| {
                        self.err(pos, format!("crc='{v}' is not a 32-bit hex value"))
                    })?)
                }
            };
        let namespace = a.get("namespace").unwrap_or("").to_string();
        let name = name.to_string();
        let c = self.corpus(pos, "elf-symbol")?;
        c.syms.push(ElfSym {
            name,
            kind,
            crc,
            namespace,
        });
        Ok(())
    }

    fn base(&mut self, id: TypeId, a: &Attrs<'_>, pos: u64) -> Result<()> {
        let name = a.get("name").unwrap_or("");
        if name == "void" {
            return Ok(());
        }
        if name == "variadic parameter type" {
            let c = self.corpus(pos, "type-decl")?;
            c.variadic_ty.insert(id);
            return Ok(());
        }
        let size_bits = self.num(a, "size-in-bits", pos)?.unwrap_or(0);
        let (name, encoding) = base_type(name, self.arch_unsigned_char);
        let name = self.intern(&name);
        self.set(
            id,
            Node::Base {
                name,
                size_bits,
                encoding,
            },
            None,
        );
        Ok(())
    }

    fn end(&mut self, pos: u64) -> Result<()> {
        if self.skip > 0 {
            self.skip -= 1;
            return Ok(());
        }
        let Some(frame) = self.stack.pop() else {
            return Err(self.err(pos, "closing tag without an open element"));
        };
        match frame {
            Frame::Corpus => self.finish_corpus()?,
            Frame::Agg {
                id,
                kind,
                name,
                size,
                members,
                file,
            } => self.set(
                id,
                Node::Aggregate {
                    kind,
                    name,
                    size_bits: size,
                    members,
                },
                file,
            ),
            Frame::DataMember {
                offset,
                keep,
                member,
            } => {
                if let (true, Some((name, ty)), Some(Frame::Agg { members, .. })) =
                    (keep, member, self.stack.last_mut())
                {
                    // libabigail keeps no bit-field width.
                    members.push(Member {
                        name,
                        ty,
                        offset_bits: offset,
                        bit_size: None,
                    });
                }
            }
            Frame::Enum {
                id,
                name,
                decl,
                underlying,
                enumerators,
                file,
            } => {
                // The size is the underlying type's, which may be defined
                // later in the corpus.
                if let (false, Some(u)) = (decl, underlying) {
                    let c = self.corpus.as_mut().expect("inside a corpus");
                    c.enums.push((id, u));
                }
                self.set(
                    id,
                    Node::Enum {
                        name,
                        size_bits: (!decl).then_some(0),
                        enumerators,
                    },
                    file,
                );
            }
            Frame::Array { id, element, dims } => {
                let dims = if dims.is_empty() { vec![None] } else { dims };
                // int a[2][3] is an array of 2 arrays of 3 ints, as our DWARF
                // reader builds it.
                let c = self.corpus.as_mut().expect("inside a corpus");
                c.arrays.push(id);
                let mut inner = element;
                for &count in dims.iter().skip(1).rev() {
                    inner = c.g.add(
                        Node::Array {
                            element: inner,
                            count,
                        },
                        None,
                    );
                }
                self.set(
                    id,
                    Node::Array {
                        element: inner,
                        count: dims[0],
                    },
                    None,
                );
            }
            Frame::Func {
                id,
                symbol,
                ret,
                params,
                variadic,
            } => {
                let node = Node::Function {
                    ret,
                    params,
                    variadic,
                };
                match (id, symbol) {
                    (Some(id), _) => self.set(id, node, None),
                    (None, Some(sym)) => {
                        let c = self.corpus.as_mut().expect("inside a corpus");
                        if !c.roots.contains_key(&sym) {
                            let ty = c.g.add(node, None);
                            c.roots.insert(sym, (ty, SymbolKind::Function));
                        }
                    }
                    (None, None) => {}
                }
            }
            Frame::Group | Frame::Symbols(_) | Frame::Other => {}
        }
        Ok(())
    }

    fn finish_corpus(&mut self) -> Result<()> {
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

/// libabigail's spelling of a base type -> GCC's DWARF spelling (what our
/// DWARF reader holds), with the DW_ATE encoding abixml leaves out.
fn base_type(name: &str, unsigned_char: bool) -> (String, u8) {
    const BOOLEAN: u8 = 0x02;
    const FLOAT: u8 = 0x04;
    const SIGNED: u8 = 0x05;
    const SIGNED_CHAR: u8 = 0x06;
    const UNSIGNED: u8 = 0x07;
    const UNSIGNED_CHAR: u8 = 0x08;
    let words: Vec<&str> = name.split_ascii_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    let longs = words.iter().filter(|&&w| w == "long").count();
    let unsigned = has("unsigned");
    if has("bool") || has("_Bool") {
        return ("_Bool".into(), BOOLEAN);
    }
    if has("float") || has("double") || words.iter().any(|w| w.starts_with("_Float")) {
        return (words.join(" "), FLOAT);
    }
    if has("char") && words.len() <= 2 {
        return match (unsigned, has("signed")) {
            (true, _) => ("unsigned char".into(), UNSIGNED_CHAR),
            (false, true) => ("signed char".into(), SIGNED_CHAR),
            (false, false) if unsigned_char => ("char".into(), UNSIGNED_CHAR),
            (false, false) => ("char".into(), SIGNED_CHAR),
        };
    }
    if has("__int128") {
        return if unsigned {
            ("__int128 unsigned".into(), UNSIGNED)
        } else {
            ("__int128".into(), SIGNED)
        };
    }
    let core = if has("short") {
        Some("short")
    } else if longs >= 2 {
        Some("long long")
    } else if longs == 1 {
        Some("long")
    } else if has("int") || has("signed") || unsigned {
        Some("")
    } else {
        None
    };
    match core {
        // GCC: `long unsigned int`, `short int`, `unsigned int`.
        Some("") if unsigned => ("unsigned int".into(), UNSIGNED),
        Some("") => ("int".into(), SIGNED),
        Some(c) if unsigned => (format!("{c} unsigned int"), UNSIGNED),
        Some(c) => (format!("{c} int"), SIGNED),
        None => (name.to_string(), SIGNED),
    }
}

#[cfg(test)]
#[path = "abixml_tests.rs"]
mod tests;

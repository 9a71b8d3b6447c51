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

mod corpus;
mod elements;

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
}

#[cfg(test)]
mod tests;

//! Reading a `kmi-dump 1` file back into a [`Graph`]. Every malformed line
//! is an error naming the file and line; nothing in a file can make this
//! panic or build a graph the comparison could not walk.

use super::syntax::{Cursor, Res};
use super::write::ENCODINGS;
use super::{MAGIC, VERSION, check_untagged_depth, remap};
use crate::error::{Error, Result};
use crate::graph::{
    AggKind, Enumerator, Graph, Member, Name, Node, Param, Qualifier, Symbol, SymbolKind, TypeId,
};
use rustc_hash::FxHashMap;
use std::path::Path;

/// Does this file content start like a dump (of any version)?
pub fn is_dump(data: &[u8]) -> bool {
    data.strip_prefix(MAGIC.as_bytes())
        .is_some_and(|r| r.is_empty() || r[0] == b' ' || r[0] == b'\n' || r[0] == b'\r')
}

/// Read a dump file (plain, or compressed with gzip, xz or zstd).
pub fn load(path: &Path) -> Result<Graph> {
    let data = crate::read::limits::read_text(path, crate::read::limits::MAX_DUMP_LINE)?;
    parse(&data, path)
}

/// A node as parsed: its edges point into `Parser::refs`, not at nodes yet.
struct Pending {
    line: usize,
    id: u64,
    node: Node,
    file: Option<Name>,
    rank: Option<u64>,
}

struct Parser {
    g: Graph,
    /// Every type reference met, in order; `None` is `void`.
    refs: Vec<Option<u64>>,
    nodes: Vec<Pending>,
    symbols: Vec<(usize, Symbol)>,
}

impl Parser {
    fn new() -> Self {
        Parser {
            g: Graph::new(),
            refs: Vec::new(),
            nodes: Vec::new(),
            symbols: Vec::new(),
        }
    }

    fn intern(&mut self, s: &str) -> Name {
        self.g.strings.intern(s)
    }

    /// A reference, parked in `refs` until every id is known.
    fn reference(&mut self, c: &mut Cursor<'_>) -> Res<TypeId> {
        let id = c.id()?;
        let i = u32::try_from(self.refs.len()).map_err(|_| "too many type references")?;
        self.refs.push(id);
        Ok(TypeId(i))
    }

    fn name(&mut self, c: &mut Cursor<'_>, item: bool) -> Res<Name> {
        let s = c.string(item)?;
        Ok(self.intern(&s))
    }

    fn opt_name(&mut self, c: &mut Cursor<'_>) -> Res<Option<Name>> {
        Ok(c.opt_string(false)?.map(|s| self.g.strings.intern(&s)))
    }

    /// `BITS` or `decl`.
    fn size_or_decl(c: &mut Cursor<'_>) -> Res<Option<u64>> {
        if c.eat(b"decl") {
            Ok(None)
        } else {
            c.u64().map(Some)
        }
    }

    /// An item name before ':' (members, parameters), absent when unnamed.
    /// ` { item item ... }`: members of a struct, enumerators of an enum.
    fn braced<T>(
        &mut self,
        c: &mut Cursor<'_>,
        mut item: impl FnMut(&mut Self, &mut Cursor<'_>) -> Res<T>,
    ) -> Res<Vec<T>> {
        c.space()?;
        c.lit(b'{')?;
        let mut out = Vec::new();
        loop {
            c.space()?;
            if c.eat(b"}") {
                return Ok(out);
            }
            out.push(item(self, c)?);
        }
    }

    fn item_name(&mut self, c: &mut Cursor<'_>) -> Res<Option<Name>> {
        if c.eat(b":") {
            return Ok(None);
        }
        let n = self.name(c, true)?;
        c.lit(b':')?;
        Ok(Some(n))
    }

    fn symbol(&mut self, c: &mut Cursor<'_>, line: usize) -> Res<()> {
        c.space()?;
        let name = c.string(false)?.into_owned();
        c.space()?;
        let kind = match c.word() {
            b"function" => SymbolKind::Function,
            b"variable" => SymbolKind::Variable,
            b"symbol" => SymbolKind::Unknown,
            w => {
                return Err(format!(
                    "unknown symbol kind '{}' (function, variable or symbol)",
                    String::from_utf8_lossy(w)
                ));
            }
        };
        c.space()?;
        let ty = if c.eat(b"-") {
            None
        } else {
            Some(self.reference(c)?)
        };
        c.space()?;
        let module = c.string(false)?.into_owned();
        let mut s = Symbol {
            name,
            kind,
            gpl: false,
            namespace: String::new(),
            crc: None,
            module,
            size: 0,
            ty,
            location: None,
        };
        // Optional fields, in this order only: one spelling per symbol.
        if c.eat(b" crc=") {
            s.crc = Some(c.hex_u32()?);
        }
        if c.eat(b" gpl") {
            s.gpl = true;
        }
        if c.eat(b" ns=") {
            s.namespace = c.string(false)?.into_owned();
        }
        if c.eat(b" size=") {
            s.size = c.u64()?;
        }
        if c.eat(b" at=") {
            s.location = Some(c.string(false)?.into_owned());
        }
        c.end()?;
        self.symbols.push((line, s));
        Ok(())
    }

    fn node(&mut self, c: &mut Cursor<'_>, line: usize) -> Res<()> {
        let id = c.id()?.ok_or("'void' is not defined by a line")?;
        c.space()?;
        let kw = c.word();
        let mut tagged = false;
        let node = match kw {
            b"base" => {
                c.space()?;
                let name = self.name(c, false)?;
                c.space()?;
                let size_bits = c.u64()?;
                c.space()?;
                let w = c.word();
                let encoding = match ENCODINGS.iter().find(|(_, n)| n.as_bytes() == w) {
                    Some((v, _)) => *v,
                    None => std::str::from_utf8(w)
                        .ok()
                        .and_then(|w| w.parse::<u8>().ok())
                        .ok_or_else(|| {
                            format!("unknown encoding '{}'", String::from_utf8_lossy(w))
                        })?,
                };
                Node::Base {
                    name,
                    size_bits,
                    encoding,
                }
            }
            b"pointer" | b"reference" => {
                c.space()?;
                let target = self.reference(c)?;
                c.space()?;
                let size_bits = c.u64()?;
                Node::Pointer {
                    target,
                    size_bits,
                    reference: kw == b"reference",
                }
            }
            b"typedef" => {
                c.space()?;
                let name = self.name(c, false)?;
                c.space()?;
                let target = self.reference(c)?;
                Node::Typedef { name, target }
            }
            b"const" | b"volatile" | b"restrict" | b"_Atomic" => {
                let qual = match kw {
                    b"const" => Qualifier::Const,
                    b"volatile" => Qualifier::Volatile,
                    b"restrict" => Qualifier::Restrict,
                    _ => Qualifier::Atomic,
                };
                c.space()?;
                let target = self.reference(c)?;
                Node::Qualified { qual, target }
            }
            b"struct" | b"union" | b"enum" => {
                tagged = true;
                c.space()?;
                let name = self.opt_name(c)?;
                c.space()?;
                let size_bits = Self::size_or_decl(c)?;
                if kw == b"enum" {
                    Node::Enum {
                        name,
                        size_bits,
                        enumerators: Vec::new(),
                    }
                } else {
                    Node::Aggregate {
                        kind: if kw == b"struct" {
                            AggKind::Struct
                        } else {
                            AggKind::Union
                        },
                        name,
                        size_bits,
                        members: Vec::new(),
                    }
                }
            }
            b"array" => {
                c.space()?;
                let element = self.reference(c)?;
                c.space()?;
                let count = if c.eat(b"-") { None } else { Some(c.u64()?) };
                Node::Array { element, count }
            }
            b"function" => {
                c.space()?;
                let ret = self.reference(c)?;
                Node::Function {
                    ret,
                    params: Vec::new(),
                    variadic: false,
                }
            }
            w => {
                return Err(format!(
                    "unknown type kind '{}'",
                    String::from_utf8_lossy(w)
                ));
            }
        };
        let mut node = node;
        let rank = if tagged && c.eat(b" rank=") {
            Some(c.u64()?)
        } else {
            None
        };
        let file = if c.eat(b" at=") {
            Some(self.name(c, false)?)
        } else {
            None
        };
        match &mut node {
            Node::Aggregate { members, .. } => {
                *members = self.braced(c, |p, c| {
                    let name = p.item_name(c)?;
                    let ty = p.reference(c)?;
                    c.lit(b'@')?;
                    let offset_bits = c.u64()?;
                    let bit_size = if c.eat(b"/") { Some(c.u64()?) } else { None };
                    Ok(Member {
                        name,
                        ty,
                        offset_bits,
                        bit_size,
                    })
                })?;
            }
            Node::Enum { enumerators, .. } => {
                *enumerators = self.braced(c, |p, c| {
                    let name = p.name(c, true)?;
                    c.lit(b'=')?;
                    let value = c.i64()?;
                    Ok(Enumerator { name, value })
                })?;
            }
            Node::Function {
                params, variadic, ..
            } => {
                c.space()?;
                c.lit(b'(')?;
                loop {
                    c.space()?;
                    if c.eat(b")") {
                        break;
                    }
                    if c.peek_word() == b"..." {
                        c.word();
                        *variadic = true;
                        c.space()?;
                        c.lit(b')')?;
                        break;
                    }
                    let name = self.item_name(c)?;
                    let ty = self.reference(c)?;
                    params.push(Param { name, ty });
                }
            }
            _ => {}
        }
        c.end()?;
        self.nodes.push(Pending {
            line,
            id,
            node,
            file,
            rank,
        });
        Ok(())
    }
}

fn header(first: &[u8]) -> Res<()> {
    let version = first
        .strip_prefix(MAGIC.as_bytes())
        .and_then(|r| r.strip_prefix(b" "))
        .filter(|v| !v.is_empty() && v.iter().all(u8::is_ascii_digit));
    let Some(version) = version else {
        return Err(format!(
            "not a kmi dump (the first line is not '{MAGIC} {VERSION}')"
        ));
    };
    if version != VERSION.to_string().as_bytes() {
        return Err(format!(
            "{MAGIC} version {} is not supported (this build reads version {VERSION})",
            String::from_utf8_lossy(version)
        ));
    }
    Ok(())
}

/// What the dump's `flags` line says its source does not record (a dump of
/// an STG baseline), read from the header alone; a malformed line is left
/// for the parse to report.
pub fn lacks(data: &[u8]) -> crate::graph::Lacks {
    let mut g = Graph::new();
    for l in data.split(|&b| b == b'\n').take_while(|l| {
        l.starts_with(b"#") || l.starts_with(b"kmi-dump") || l.starts_with(b"flags")
    }) {
        if let Some(words) = l.strip_prefix(b"flags ") {
            let _ = super::set_flags(&mut g, words.strip_suffix(b"\r").unwrap_or(words));
        }
    }
    g.lacks
}

/// Whether a symbol record names `vmlinux` as its module: a dump made from
/// modules alone has none, and comparing it with a whole kernel would show
/// every vmlinux export as removed. Only symbol records are read, so this
/// costs a fraction of a parse; a malformed one is left for the parse to
/// report.
pub fn has_vmlinux_exports(data: &[u8]) -> bool {
    let mut p = Parser::new();
    data.split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"sym "))
        .any(|l| {
            let mut c = Cursor::new(l.strip_suffix(b"\r").unwrap_or(l));
            c.word();
            p.symbols.clear();
            p.symbol(&mut c, 0).is_ok() && p.symbols.iter().any(|(_, s)| s.module == "vmlinux")
        })
}

/// Parse a dump held in memory; `path` names it in errors.
pub fn parse(data: &[u8], path: &Path) -> Result<Graph> {
    let mut p = Parser::new();
    let mut lines = data.split(|&b| b == b'\n').enumerate();
    // A checkout with CRLF line ends (git's autocrlf) is still the same file.
    let strip = |l: &[u8]| l.strip_suffix(b"\r").unwrap_or(l).to_vec();
    let first = lines.next().map(|(_, l)| strip(l)).unwrap_or_default();
    header(&first).map_err(|m| Error::syntax(path, 1, m))?;
    for (i, raw) in lines {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let n = i + 1;
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        if let Some(words) = line.strip_prefix(b"flags ") {
            super::set_flags(&mut p.g, words).map_err(|m| Error::syntax(path, n, m))?;
            continue;
        }
        let mut c = Cursor::new(line);
        let r = if line.starts_with(b"sym ") {
            c.word();
            p.symbol(&mut c, n)
        } else {
            p.node(&mut c, n)
        };
        r.map_err(|m| Error::syntax(path, n, m))?;
    }
    // A dump cut after its header (a full disk, a killed writer) would
    // compare as "every export removed" or as an empty kernel.
    if p.symbols.is_empty() && p.nodes.is_empty() {
        return Err(Error::input(path, "holds only the header, no symbol"));
    }
    p.finish(path)
}

impl Parser {
    fn finish(mut self, path: &Path) -> Result<Graph> {
        // Definitions of a tag that exists several times come first, by
        // rank: the comparison completes a declaration with the first
        // definition of its name, and the rank says which one that was.
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&i| match self.nodes[i].rank {
            Some(r) => (0, r, i),
            None => (1, 0, i),
        });
        if self.nodes.len() >= u32::MAX as usize - 1 {
            return Err(Error::input(path, "too many types"));
        }
        let mut by_id: FxHashMap<u64, TypeId> = FxHashMap::default();
        by_id.reserve(self.nodes.len());
        let mut slot = vec![0u32; self.nodes.len()];
        for (k, &i) in order.iter().enumerate() {
            let t = TypeId(k as u32 + 1);
            slot[i] = t.0;
            if by_id.insert(self.nodes[i].id, t).is_some() {
                // Report the later of the two lines.
                let dup = self.nodes.iter().filter(|n| n.id == self.nodes[i].id);
                let line = dup.map(|n| n.line).max().unwrap_or(self.nodes[i].line);
                return Err(Error::syntax(
                    path,
                    line,
                    format!("type id {:016x} defined twice", self.nodes[i].id),
                ));
            }
        }
        let refs = std::mem::take(&mut self.refs);
        let resolve = |r: TypeId| -> std::result::Result<TypeId, u64> {
            match refs.get(r.index()).copied().flatten() {
                None => Ok(Graph::VOID),
                Some(id) => by_id.get(&id).copied().ok_or(id),
            }
        };
        let mut nodes: Vec<Option<(Node, Option<Name>, usize)>> = vec![None; self.nodes.len()];
        for (i, pn) in self.nodes.into_iter().enumerate() {
            let mut node = pn.node;
            let bad = std::cell::Cell::new(None);
            remap(&mut node, |r| {
                resolve(r).unwrap_or_else(|id| {
                    bad.set(Some(id));
                    Graph::VOID
                })
            });
            if let Some(id) = bad.get() {
                return Err(Error::syntax(
                    path,
                    pn.line,
                    format!("unknown type id {id:016x}"),
                ));
            }
            nodes[slot[i] as usize - 1] = Some((node, pn.file, pn.line));
        }
        let mut lines = vec![0usize];
        for (node, file, line) in nodes.into_iter().flatten() {
            self.g.nodes.push(node);
            self.g.files.push(file);
            lines.push(line);
        }
        let mut symbols = Vec::with_capacity(self.symbols.len());
        for (line, mut s) in std::mem::take(&mut self.symbols) {
            if let Some(r) = s.ty {
                s.ty = Some(resolve(r).map_err(|id| {
                    Error::syntax(path, line, format!("unknown type id {id:016x}"))
                })?);
            }
            symbols.push((line, s));
        }
        symbols.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(&b.0)));
        for w in symbols.windows(2) {
            if w[0].1.name == w[1].1.name {
                return Err(Error::syntax(
                    path,
                    w[1].0,
                    format!("symbol {} listed twice", w[1].1.name),
                ));
            }
        }
        self.g.symbols = symbols.into_iter().map(|(_, s)| s).collect();
        let all = (0..self.g.nodes.len() as u32).map(TypeId);
        if let Err((t, msg)) = check_untagged_depth(&self.g, all) {
            let line = lines.get(t.index()).copied().unwrap_or(0);
            return Err(Error::syntax(path, line, msg));
        }
        Ok(self.g)
    }
}

//! What each element opens: the frame it pushes, and the symbols, corpus
//! and base types read from its attributes (base type names respelled as
//! GCC's).

use super::*;

impl Parser<'_> {
    /// The frame for a new element, or None to skip it with its children.
    pub(super) fn open(&mut self, tag: &str, a: &Attrs<'_>, pos: u64) -> Result<Option<Frame>> {
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

    pub(super) fn arch(&mut self, a: &Attrs<'_>) {
        // GCC's `char` is unsigned on these (and on every architecture
        // from Linux 6.2's -funsigned-char, which abixml cannot tell).
        let arch = a.get("architecture").unwrap_or("");
        self.arch_unsigned_char = ["arm", "aarch64", "ppc", "powerpc", "s390", "riscv"]
            .iter()
            .any(|k| arch.contains(k));
    }

    pub(super) fn open_corpus(&mut self, a: &Attrs<'_>, pos: u64) -> Result<Option<Frame>> {
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

    pub(super) fn elf_symbol(&mut self, a: &Attrs<'_>, list: SymbolKind, pos: u64) -> Result<()> {
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

    pub(super) fn base(&mut self, id: TypeId, a: &Attrs<'_>, pos: u64) -> Result<()> {
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
}

/// libabigail's spelling of a base type -> GCC's DWARF spelling (what our
/// DWARF reader holds), with the DW_ATE encoding abixml leaves out.
pub(super) fn base_type(name: &str, unsigned_char: bool) -> (String, u8) {
    use crate::graph::ate::{BOOLEAN, FLOAT, SIGNED, SIGNED_CHAR, UNSIGNED, UNSIGNED_CHAR};
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

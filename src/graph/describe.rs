//! C-like spelling of a type, for reports ("struct kmi_device *",
//! "int (*)(struct kmi_device *)").

use super::{Graph, Node, TypeId};

impl Graph {
    /// The C spelling of a type. Named types print by name, so this never
    /// walks a cycle; nesting of anonymous types is bounded anyway.
    pub fn describe(&self, id: TypeId) -> String {
        self.declarator(id, String::new(), 0)
    }

    /// A declaration of `name` with this type: "int kmi_a_open(struct kmi_device *)".
    pub fn declare(&self, id: TypeId, name: &str) -> String {
        self.declarator(id, name.to_string(), 0)
    }

    /// `inner` is what the type is applied to (a declarator in C's
    /// inside-out syntax: "*", "(*)[4]", a member name...).
    fn declarator(&self, id: TypeId, inner: String, depth: u32) -> String {
        let join = |base: &str, inner: &str| {
            if inner.is_empty() {
                base.to_string()
            } else if inner.starts_with('[') || inner.starts_with('(') && base.ends_with(')') {
                format!("{base}{inner}")
            } else {
                format!("{base} {inner}")
            }
        };
        if depth > 32 {
            return join("...", &inner);
        }
        match self.node(id) {
            Node::Void => join("void", &inner),
            Node::Base { name, .. } | Node::Typedef { name, .. } => join(self.str(*name), &inner),
            Node::Aggregate { kind, name, .. } => {
                let base = match name {
                    Some(n) => format!("{} {}", kind.keyword(), self.str(*n)),
                    None => format!("{} {{...}}", kind.keyword()),
                };
                join(&base, &inner)
            }
            Node::Enum { name, .. } => {
                let base = match name {
                    Some(n) => format!("enum {}", self.str(*n)),
                    None => "enum {...}".to_string(),
                };
                join(&base, &inner)
            }
            Node::Qualified { qual, target } => {
                // `const char *`: qualifiers of non-pointers go in front.
                match self.node(*target) {
                    Node::Pointer { .. } => {
                        let inner = if inner.is_empty() {
                            qual.keyword().to_string()
                        } else {
                            format!("{} {inner}", qual.keyword())
                        };
                        self.declarator(*target, inner, depth + 1)
                    }
                    _ => {
                        let base = self.declarator(*target, String::new(), depth + 1);
                        join(&format!("{} {base}", qual.keyword()), &inner)
                    }
                }
            }
            Node::Pointer {
                target, reference, ..
            } => {
                let star = if *reference { "&" } else { "*" };
                let inner = format!("{star}{inner}");
                let inner = match self.node(*target) {
                    Node::Array { .. } | Node::Function { .. } => format!("({inner})"),
                    _ => inner,
                };
                self.declarator(*target, inner, depth + 1)
            }
            Node::Array { element, count } => {
                let dim = match count {
                    Some(c) => format!("[{c}]"),
                    None => "[]".to_string(),
                };
                self.declarator(*element, format!("{inner}{dim}"), depth + 1)
            }
            Node::Function {
                ret,
                params,
                variadic,
            } => {
                let mut ps: Vec<String> = params
                    .iter()
                    .map(|p| self.declarator(p.ty, String::new(), depth + 1))
                    .collect();
                if *variadic {
                    ps.push("...".into());
                }
                if ps.is_empty() {
                    ps.push("void".into());
                }
                let inner = format!("{inner}({})", ps.join(", "));
                self.declarator(*ret, inner, depth + 1)
            }
        }
    }

    /// Size of a type in bits, through typedefs and qualifiers.
    pub fn size_bits(&self, id: TypeId) -> Option<u64> {
        match self.node(self.resolve(id)) {
            Node::Base { size_bits, .. } | Node::Pointer { size_bits, .. } => Some(*size_bits),
            Node::Aggregate { size_bits, .. } | Node::Enum { size_bits, .. } => *size_bits,
            Node::Array { element, count } => Some(self.size_bits(*element)? * (*count)?),
            Node::Void | Node::Function { .. } => None,
            Node::Typedef { .. } | Node::Qualified { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::*;

    #[test]
    fn c_spelling() {
        let mut g = Graph::new();
        let char_ = g.strings.intern("char");
        let c = g.add(
            Node::Base {
                name: char_,
                size_bits: 8,
                encoding: 6,
            },
            None,
        );
        let cc = g.add(
            Node::Qualified {
                qual: Qualifier::Const,
                target: c,
            },
            None,
        );
        let p = g.add(
            Node::Pointer {
                target: cc,
                size_bits: 64,
                reference: false,
            },
            None,
        );
        assert_eq!(g.describe(p), "const char *");
        let f = g.add(
            Node::Function {
                ret: c,
                params: vec![Param { name: None, ty: p }],
                variadic: true,
            },
            None,
        );
        let fp = g.add(
            Node::Pointer {
                target: f,
                size_bits: 64,
                reference: false,
            },
            None,
        );
        assert_eq!(g.describe(fp), "char (*)(const char *, ...)");
        let a = g.add(
            Node::Array {
                element: c,
                count: Some(16),
            },
            None,
        );
        assert_eq!(g.describe(a), "char[16]");
        assert_eq!(g.size_bits(a), Some(128));
    }
}

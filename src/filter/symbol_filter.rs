//! STG's symbol filter expressions (`stg -S`, `--symbol-filter`), so an
//! Android KMI check keeps its filters when it moves to kmidiff:
//!
//! ```text
//! filter ::= term   | filter '|' term
//! term   ::= factor | term '&' factor
//! factor ::= atom   | '!' factor
//! atom   ::= ':' FILE | GLOB | '(' filter ')'
//! ```
//!
//! `:FILE` is a symbol list (Android's `[abi_symbol_list]` files, or one
//! name per line: whatever `-w` reads); a glob has `*`, `?` and `[...]`.

use super::glob::{check_glob, glob_match};
use crate::error::{Error, Result};
use rustc_hash::FxHashSet;
use std::path::Path;

/// Nesting that no real filter reaches; the bound keeps the recursive
/// parser and evaluator off the stack's edge.
const MAX_DEPTH: usize = 64;

#[derive(Debug)]
pub enum Filter {
    Glob(String),
    List(FxHashSet<String>),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    /// Parse `text`; `:FILE` lists are read through `load_list`.
    pub fn parse_with(
        text: &str,
        load_list: &mut dyn FnMut(&str) -> Result<FxHashSet<String>>,
    ) -> Result<Filter> {
        let mut p = Parser {
            toks: tokens(text),
            at: 0,
            load_list,
            text,
        };
        let f = p.filter(0)?;
        if p.at != p.toks.len() {
            return Err(p.error("unexpected text after the filter"));
        }
        Ok(f)
    }

    /// Parse a filter from the command line, reading its lists from disk.
    pub fn parse(text: &str) -> Result<Filter> {
        Filter::parse_with(text, &mut |f| {
            super::whitelist::load(&[Path::new(f).to_path_buf()])
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            Filter::Glob(g) => glob_match(g, name),
            Filter::List(l) => l.contains(name),
            Filter::Not(f) => !f.matches(name),
            Filter::And(a, b) => a.matches(name) && b.matches(name),
            Filter::Or(a, b) => a.matches(name) || b.matches(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Op(char),
    Word(String),
}

fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() || "|&!()".contains(c) {
            if !word.is_empty() {
                out.push(Tok::Word(std::mem::take(&mut word)));
            }
            if !c.is_whitespace() {
                out.push(Tok::Op(c));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(Tok::Word(word));
    }
    out
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    load_list: &'a mut dyn FnMut(&str) -> Result<FxHashSet<String>>,
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, msg: &str) -> Error {
        Error::Usage(format!("--symbol-filter '{}': {msg}", self.text))
    }

    fn op(&mut self, c: char) -> bool {
        if self.toks.get(self.at) == Some(&Tok::Op(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn filter(&mut self, depth: usize) -> Result<Filter> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let mut f = self.term(depth)?;
        while self.op('|') {
            f = Filter::Or(Box::new(f), Box::new(self.term(depth)?));
        }
        Ok(f)
    }

    fn term(&mut self, depth: usize) -> Result<Filter> {
        let mut f = self.factor(depth)?;
        while self.op('&') {
            f = Filter::And(Box::new(f), Box::new(self.factor(depth)?));
        }
        Ok(f)
    }

    fn factor(&mut self, depth: usize) -> Result<Filter> {
        let mut nots = 0;
        while self.op('!') {
            nots += 1;
        }
        let mut f = self.atom(depth)?;
        // `!!x` is `x`: no need to nest a box per `!`.
        if nots % 2 == 1 {
            f = Filter::Not(Box::new(f));
        }
        Ok(f)
    }

    fn atom(&mut self, depth: usize) -> Result<Filter> {
        if self.op('(') {
            let f = self.filter(depth + 1)?;
            if !self.op(')') {
                return Err(self.error("missing ')'"));
            }
            return Ok(f);
        }
        match self.toks.get(self.at).cloned() {
            Some(Tok::Word(w)) => {
                self.at += 1;
                if let Some(file) = w.strip_prefix(':') {
                    if file.is_empty() {
                        return Err(self.error("':' without a file name"));
                    }
                    return Ok(Filter::List((self.load_list)(file)?));
                }
                check_glob(&w).map_err(|m| self.error(&m))?;
                Ok(Filter::Glob(w))
            }
            Some(Tok::Op(c)) => Err(self.error(&format!("unexpected '{c}'"))),
            None => Err(self.error("a glob, ':FILE' or '(' expected")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Filter> {
        Filter::parse_with(t, &mut |f| {
            Ok(match f {
                "list" => ["kmi_a_open", "match_token"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                _ => return Err(Error::input(f, "no such file")),
            })
        })
    }

    #[test]
    fn grammar() {
        let f = parse("kmi_a_* & !kmi_a_open | match_?oken").unwrap();
        assert!(f.matches("kmi_a_close"));
        assert!(!f.matches("kmi_a_open"));
        assert!(f.matches("match_token"));
        assert!(!f.matches("printk"));
        let f = parse(":list & !(match_*)").unwrap();
        assert!(f.matches("kmi_a_open"));
        assert!(!f.matches("match_token"));
        assert!(parse("!!kmi_a_open").unwrap().matches("kmi_a_open"));
        // `&` binds tighter than `|`.
        let f = parse("a | b & c").unwrap();
        assert!(f.matches("a") && !f.matches("b"));
    }

    #[test]
    fn errors_are_usage_errors_naming_the_filter() {
        for (t, want) in [
            ("(kmi", "missing ')'"),
            ("kmi &", "expected"),
            ("kmi )", "unexpected text"),
            ("[abc", "unterminated '['"),
            (":", "without a file name"),
            ("| x", "unexpected '|'"),
        ] {
            let e = parse(t).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{t}");
            assert!(e.to_string().contains(want), "{t}: {e}");
        }
        assert!(
            parse(":missing")
                .unwrap_err()
                .to_string()
                .contains("missing")
        );
        let deep = format!("{}x{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().to_string().contains("deeply"));
        let many_nots = format!("{}x", "!".repeat(100_000));
        assert!(parse(&many_nots).unwrap().matches("x"));
    }
}

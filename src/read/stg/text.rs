//! Protobuf text format, as much of it as `stg.proto` files use: messages
//! (`name { ... }`, `name: { ... }`, `name < ... >`), scalar fields
//! (`name: value`), enum values as identifiers, integers in decimal, hex or
//! octal, quoted strings with C escapes (adjacent strings joined), `#`
//! comments, and `,`/`;` between fields.
//!
//! The reader is a cursor over the text: callers pull one field at a time
//! and descend into a message by calling [`Parser::fields`] again, so the
//! nesting that code follows is the schema's (four levels at most), never the
//! input's. Messages nobody asked for are skipped by a loop with a depth
//! bound, so no input reaches the stack.

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};

/// Deepest nesting of messages skipped unread. The schema nests four deep;
/// a newer STG could add a level or two, never hundreds.
const MAX_SKIP_DEPTH: usize = 64;

/// Longest string value: names in real baselines stay under 1 KiB.
const MAX_STRING: usize = crate::read::limits::MAX_NAME;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'t> {
    /// A number, `true`/`false` or an enum value, as written.
    Word(&'t str),
    /// A quoted string, unescaped (adjacent strings joined).
    Str(Cow<'t, str>),
}

/// What follows a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'t> {
    Scalar(Value<'t>),
    /// A message whose opening bracket was read; the next call must be
    /// [`Parser::fields`] or [`Parser::skip`] with this closing byte.
    Message(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'t> {
    Word(&'t str),
    Str(Cow<'t, str>),
    Punct(u8),
    End,
}

pub struct Parser<'t> {
    text: &'t str,
    pos: usize,
    line: u32,
    path: &'t Path,
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-')
}

pub fn is_identifier(w: &str) -> bool {
    let b = w.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

impl<'t> Parser<'t> {
    pub fn new(text: &'t str, path: &'t Path) -> Self {
        Parser {
            text,
            pos: 0,
            line: 1,
            path,
        }
    }

    pub fn path(&self) -> &'t Path {
        self.path
    }

    /// An error at `line` of the input.
    pub fn err(&self, line: u32, msg: impl std::fmt::Display) -> Error {
        Error::syntax(self.path, line as usize, msg)
    }

    fn skip_space(&mut self) {
        let b = self.text.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            match c {
                b'\n' => {
                    self.line = self.line.saturating_add(1);
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'#' => {
                    while b.get(self.pos).is_some_and(|&c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn lex(&mut self) -> Result<(Tok<'t>, u32)> {
        self.skip_space();
        let b = self.text.as_bytes();
        let line = self.line;
        let Some(&c) = b.get(self.pos) else {
            return Ok((Tok::End, line));
        };
        if word_byte(c) {
            let start = self.pos;
            while b.get(self.pos).copied().is_some_and(word_byte) {
                self.pos += 1;
            }
            return Ok((Tok::Word(&self.text[start..self.pos]), line));
        }
        if c == b'"' || c == b'\'' {
            let mut s = self.string()?;
            // "a" "b" is one string, as in C.
            loop {
                self.skip_space();
                match b.get(self.pos) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let more = self.string()?;
                        s.to_mut().push_str(&more);
                        if s.len() > MAX_STRING {
                            return Err(self.err(line, too_long(&s)));
                        }
                    }
                    _ => break,
                }
            }
            return Ok((Tok::Str(s), line));
        }
        if matches!(c, b':' | b'{' | b'}' | b'<' | b'>' | b',' | b';') {
            self.pos += 1;
            return Ok((Tok::Punct(c), line));
        }
        let ch = self.text[self.pos..].chars().next().unwrap_or('?');
        Err(self.err(line, format!("unexpected character {:?}", ch)))
    }

    /// One quoted string at `pos`, unescaped.
    fn string(&mut self) -> Result<Cow<'t, str>> {
        let b = self.text.as_bytes();
        let line = self.line;
        let quote = b[self.pos];
        let start = self.pos + 1;
        let mut i = start;
        // Most strings have no escape: borrow them.
        while let Some(&c) = b.get(i) {
            if c == quote {
                self.pos = i + 1;
                let s = &self.text[start..i];
                if s.len() > MAX_STRING {
                    return Err(self.err(line, too_long(s)));
                }
                return Ok(Cow::Borrowed(s));
            }
            if c == b'\\' || c == b'\n' {
                break;
            }
            i += 1;
        }
        let mut out: Vec<u8> = b[start..i].to_vec();
        loop {
            let Some(&c) = b.get(i) else {
                return Err(self.err(line, "unterminated string"));
            };
            i += 1;
            if c == quote {
                break;
            }
            if c == b'\n' {
                return Err(self.err(line, "unterminated string"));
            }
            if out.len() > MAX_STRING {
                return Err(self.err(line, too_long(&String::from_utf8_lossy(&out))));
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(&e) = b.get(i) else {
                return Err(self.err(line, "unterminated string"));
            };
            i += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(0x0c),
                b'v' => out.push(0x0b),
                b'\\' | b'\'' | b'"' | b'?' => out.push(e),
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    for _ in 0..2 {
                        match b.get(i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    if v > 0xff {
                        return Err(self.err(line, "octal escape above \\377"));
                    }
                    out.push(v as u8);
                }
                b'x' | b'X' => {
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < 2 {
                        match b.get(i).and_then(|&d| (d as char).to_digit(16)) {
                            Some(d) => {
                                v = v * 16 + d;
                                i += 1;
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    if n == 0 {
                        return Err(self.err(line, "\\x without hex digits"));
                    }
                    out.push(v as u8);
                }
                b'u' | b'U' => {
                    let digits = if e == b'u' { 4 } else { 8 };
                    let hex = b
                        .get(i..i + digits)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    let ch = hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.err(line, "bad unicode escape"))?;
                    i += digits;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => {
                    return Err(self.err(
                        line,
                        format!("unknown escape \\{}", (e as char).escape_default()),
                    ));
                }
            }
        }
        self.pos = i;
        // Octal escapes can spell bytes that are not UTF-8: no name in a
        // kernel is, and a lossy name still compares as a name.
        Ok(Cow::Owned(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }

    fn next(&mut self) -> Result<(Tok<'t>, u32)> {
        self.lex()
    }

    /// The next field of the message being read, or `None` at its end:
    /// its closing byte `close`, or the end of input when `close` is `None`
    /// (the top level).
    pub fn field(&mut self, close: Option<u8>) -> Result<Option<(&'t str, u32, Field<'t>)>> {
        loop {
            let (tok, line) = self.next()?;
            let name = match tok {
                Tok::Punct(b',' | b';') => continue,
                Tok::End => {
                    return match close {
                        None => Ok(None),
                        Some(c) => Err(self.err(
                            line,
                            format!("unexpected end of input: missing '{}'", c as char),
                        )),
                    };
                }
                Tok::Punct(c) if Some(c) == close => return Ok(None),
                Tok::Word(w) if is_identifier(w) => w,
                other => {
                    return Err(self.err(
                        line,
                        format!("expected a field name, found {}", describe(&other)),
                    ));
                }
            };
            let (tok, at) = self.next()?;
            let field = match tok {
                Tok::Punct(b'{') => Field::Message(b'}'),
                Tok::Punct(b'<') => Field::Message(b'>'),
                Tok::Punct(b':') => match self.next()? {
                    (Tok::Punct(b'{'), _) => Field::Message(b'}'),
                    (Tok::Punct(b'<'), _) => Field::Message(b'>'),
                    (Tok::Word(w), _) => Field::Scalar(Value::Word(w)),
                    (Tok::Str(s), _) => Field::Scalar(Value::Str(s)),
                    (other, at) => {
                        return Err(self.err(
                            at,
                            format!("expected a value for '{name}', found {}", describe(&other)),
                        ));
                    }
                },
                other => {
                    return Err(self.err(
                        at,
                        format!(
                            "expected ':' or '{{' after '{name}', found {}",
                            describe(&other)
                        ),
                    ));
                }
            };
            return Ok(Some((name, line, field)));
        }
    }

    /// Every field of a message up to `close` (see [`Parser::field`]),
    /// each handed to `f`.
    pub fn fields(
        &mut self,
        close: Option<u8>,
        mut f: impl FnMut(&mut Self, &'t str, u32, Field<'t>) -> Result<()>,
    ) -> Result<()> {
        while let Some((name, line, field)) = self.field(close)? {
            f(self, name, line, field)?;
        }
        Ok(())
    }

    /// Skips the rest of a message whose opening bracket was read.
    pub fn skip(&mut self, close: u8) -> Result<()> {
        let mut stack = vec![close];
        while let Some(&close) = stack.last() {
            match self.field(Some(close))? {
                None => {
                    stack.pop();
                }
                Some((_, line, Field::Message(c))) => {
                    if stack.len() >= MAX_SKIP_DEPTH {
                        return Err(self.err(
                            line,
                            format!("messages nested deeper than {MAX_SKIP_DEPTH}"),
                        ));
                    }
                    stack.push(c);
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

fn too_long(s: &str) -> String {
    format!(
        "string of {} bytes is longer than the limit of {} bytes: {}",
        s.len(),
        MAX_STRING,
        crate::read::limits::quote(s)
    )
}

fn describe(t: &Tok<'_>) -> String {
    match t {
        Tok::Word(w) => format!("'{}'", crate::read::limits::quote(w)),
        Tok::Str(_) => "a string".into(),
        Tok::Punct(c) => format!("'{}'", *c as char),
        Tok::End => "the end of input".into(),
    }
}

/// An unsigned integer as protobuf writes it: decimal, `0x` hex or
/// `0`-prefixed octal.
pub fn parse_uint(w: &str) -> Option<u64> {
    let w = w.strip_prefix('+').unwrap_or(w);
    if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return u64::from_str_radix(h, 16).ok();
    }
    if !w.bytes().all(|b| b.is_ascii_digit()) || w.is_empty() {
        return None;
    }
    if w.len() > 1 && w.starts_with('0') {
        return u64::from_str_radix(&w[1..], 8).ok();
    }
    w.parse().ok()
}

/// A signed integer: an optional `-`, then [`parse_uint`].
pub fn parse_int(w: &str) -> Option<i64> {
    match w.strip_prefix('-') {
        Some(rest) => {
            let m = parse_uint(rest)?;
            if m <= 1u64 << 63 {
                Some((m as i64).wrapping_neg())
            } else {
                None
            }
        }
        None => i64::try_from(parse_uint(w)?).ok(),
    }
}

pub fn parse_bool(w: &str) -> Option<bool> {
    match w {
        "true" | "True" | "t" | "1" => Some(true),
        "false" | "False" | "f" | "0" => Some(false),
        _ => None,
    }
}

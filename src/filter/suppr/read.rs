//! Reading the INI text: libabigail's dialect of sections, `key = value`
//! lines, continuation lines, backslash escapes, quoted items, lists and
//! brace tuples. Only the shape of the file is checked here; what the keys
//! mean is for the builders.

use std::path::Path;

use super::keys::SectionKind;
use crate::error::{Error, Result};

#[derive(Debug)]
pub(super) struct RawProp {
    pub(super) key: String,
    pub(super) value: Value,
    pub(super) line: usize,
}

#[derive(Debug)]
pub(super) struct RawSection {
    pub(super) kind: SectionKind,
    pub(super) line: usize,
    pub(super) props: Vec<RawProp>,
}

/// A property value as libabigail's INI reader shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Str(String),
    List(Vec<String>),
    Tuple(Vec<Value>),
}

impl Value {
    /// For error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::List(l) => l.join(", "),
            Value::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(Value::describe).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
}

/// An odd number of trailing backslashes escapes the newline.
fn continues(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

pub(super) fn read_sections(text: &str, path: &Path) -> Result<Vec<RawSection>> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut sections: Vec<RawSection> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let lineno = i + 1;
        let mut logical = lines.get(i).copied().unwrap_or("").to_string();
        i += 1;
        while continues(&logical) {
            // Continuation lines join into one; the join is bounded too.
            if logical.len() > crate::read::limits::MAX_LINE {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!(
                        "continued line is longer than the limit of {} bytes",
                        crate::read::limits::MAX_LINE
                    ),
                ));
            }
            logical.pop();
            match lines.get(i) {
                Some(next) => {
                    logical.push_str(next);
                    i += 1;
                }
                None => break,
            }
        }
        let t = logical.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                return Err(Error::syntax(
                    path,
                    lineno,
                    "malformed section header: missing ']'",
                ));
            };
            let name = rest.get(..close).unwrap_or("").trim();
            let after = rest.get(close + 1..).unwrap_or("").trim_start();
            if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!("unexpected text '{after}' after section header [{name}]"),
                ));
            }
            let kind = match name {
                "suppress_type" => SectionKind::Type,
                "suppress_function" => SectionKind::Function,
                "suppress_variable" => SectionKind::Variable,
                "suppress_file" => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        "section [suppress_file] is not supported by kmidiff: \
                         list the modules to compare instead",
                    ));
                }
                "allow_type" => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        "section [allow_type] is not supported by kmidiff",
                    ));
                }
                "" => return Err(Error::syntax(path, lineno, "empty section name '[]'")),
                _ => {
                    return Err(Error::syntax(
                        path,
                        lineno,
                        format!(
                            "unknown section [{name}]: expected [suppress_type], \
                             [suppress_function] or [suppress_variable]"
                        ),
                    ));
                }
            };
            if sections.len() >= crate::read::limits::MAX_SECTIONS {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!("more than {} sections", crate::read::limits::MAX_SECTIONS),
                ));
            }
            sections.push(RawSection {
                kind,
                line: lineno,
                props: Vec::new(),
            });
            continue;
        }

        let Some(eq) = t.find('=') else {
            return Err(Error::syntax(
                path,
                lineno,
                format!(
                    "malformed line '{}': expected 'key = value' or '[section]'",
                    t.trim_end()
                ),
            ));
        };
        let key = t.get(..eq).unwrap_or("").trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(Error::syntax(
                path,
                lineno,
                format!("malformed line '{}': expected 'key = value'", t.trim_end()),
            ));
        }
        let mut value_text = t.get(eq + 1..).unwrap_or("").to_string();
        // libabigail's documentation writes `key =` and opens the {tuple} on
        // the next line. Only a brace is taken from there: a blank value
        // followed by another `key = value` line stays an error.
        if is_blank(&value_text)
            && lines
                .get(i)
                .is_some_and(|n| n.trim_start().starts_with('{'))
        {
            value_text.push('\n');
            value_text.push_str(lines.get(i).copied().unwrap_or(""));
            i += 1;
        }
        // A {tuple} may span lines, as in libabigail's documentation.
        while brace_depth(&value_text) > 0 {
            let Some(next) = lines.get(i) else {
                return Err(Error::syntax(
                    path,
                    lineno,
                    format!("unterminated '{{' in the value of '{key}'"),
                ));
            };
            value_text.push('\n');
            value_text.push_str(next);
            i += 1;
            while continues(&value_text) {
                value_text.pop();
                match lines.get(i) {
                    Some(n) => {
                        value_text.push_str(n);
                        i += 1;
                    }
                    None => break,
                }
            }
        }
        let value = parse_value(&value_text)
            .map_err(|m| Error::syntax(path, lineno, format!("in the value of '{key}': {m}")))?;
        let Some(section) = sections.last_mut() else {
            return Err(Error::syntax(
                path,
                lineno,
                format!("key '{key}' is outside of any section"),
            ));
        };
        section.props.push(RawProp {
            key: key.to_string(),
            value,
            line: lineno,
        });
    }
    Ok(sections)
}

/// A character after libabigail's escape processing; escaped characters are
/// never delimiters.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    esc: bool,
}

fn unescape(s: &str) -> Vec<Ch> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(Ch { c, esc: false });
            continue;
        }
        match it.next() {
            None => out.push(Ch { c: '\\', esc: true }),
            Some('t') => out.push(Ch { c: '\t', esc: true }),
            // libabigail turns these into a space.
            Some('0' | 'a' | 'b' | 'r') => out.push(Ch { c: ' ', esc: true }),
            Some('\n') => {}
            Some(n) => out.push(Ch { c: n, esc: true }),
        }
    }
    out
}

/// Nothing but spaces and comments.
fn is_blank(s: &str) -> bool {
    let mut lx = Lexer {
        chars: unescape(s),
        pos: 0,
    };
    lx.skip_blank();
    lx.peek().is_none()
}

/// Net count of unquoted, unescaped, uncommented braces.
/// How deep `{...}` values may nest.
const MAX_TUPLE_NESTING: usize = 8;

fn brace_depth(s: &str) -> i64 {
    let mut depth = 0i64;
    let mut in_quote = false;
    let mut in_comment = false;
    for ch in unescape(s) {
        if ch.esc {
            continue;
        }
        match ch.c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '"' => in_quote = !in_quote,
            _ if in_quote => {}
            '#' | ';' => in_comment = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
    }
    depth
}

pub(super) fn parse_value(s: &str) -> std::result::Result<Value, String> {
    let mut lx = Lexer {
        chars: unescape(s),
        pos: 0,
    };
    lx.skip_blank();
    if lx.peek().is_none() {
        return Err("missing value".to_string());
    }
    let v = if lx.at('{') {
        lx.tuple(0)?
    } else {
        let mut items = lx.list()?;
        if items.len() == 1 {
            Value::Str(items.pop().unwrap_or_default())
        } else {
            Value::List(items)
        }
    };
    lx.skip_blank();
    if let Some(ch) = lx.peek() {
        // Mostly a regex quantifier (`^kmi_[a-z]{2,}$`): say how to write it.
        if ch.c == '{' && !ch.esc && !s.contains('"') {
            return Err(format!(
                "unexpected '{{' after the value: braces in a value start a tuple, so a value holding them must be quoted: \"{}\"",
                s.trim()
            ));
        }
        return Err(format!("unexpected '{}' after the value", ch.c));
    }
    Ok(v)
}

struct Lexer {
    chars: Vec<Ch>,
    pos: usize,
}

impl Lexer {
    fn peek(&self) -> Option<Ch> {
        self.chars.get(self.pos).copied()
    }

    /// The next character is the unescaped delimiter `c`.
    fn at(&self, c: char) -> bool {
        self.peek().is_some_and(|ch| !ch.esc && ch.c == c)
    }

    fn is_space(ch: Ch) -> bool {
        !ch.esc && matches!(ch.c, ' ' | '\t' | '\n' | '\r')
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(Self::is_space) {
            self.pos += 1;
        }
    }

    /// Spaces and `#`/`;` comments, which run to the end of the line.
    fn skip_blank(&mut self) {
        loop {
            self.skip_spaces();
            if self.at('#') || self.at(';') {
                while self.peek().is_some_and(|ch| ch.esc || ch.c != '\n') {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    fn list(&mut self) -> std::result::Result<Vec<String>, String> {
        let mut items = vec![self.item()?];
        loop {
            self.skip_spaces();
            if !self.at(',') {
                return Ok(items);
            }
            self.pos += 1;
            items.push(self.item()?);
        }
    }

    fn tuple(&mut self, depth: usize) -> std::result::Result<Value, String> {
        // libabigail's values nest one level ({a, b}, {offset_of(x), end});
        // the bound keeps the recursion off the stack's edge on crafted input.
        if depth >= MAX_TUPLE_NESTING {
            return Err(format!("'{{' nested deeper than {MAX_TUPLE_NESTING}"));
        }
        // The caller checked for '{'.
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None => return Err("missing '}'".to_string()),
                Some(ch) if !ch.esc && ch.c == '}' => {
                    self.pos += 1;
                    return Ok(Value::Tuple(items));
                }
                Some(ch) if !ch.esc && ch.c == '{' => items.push(self.tuple(depth + 1)?),
                Some(_) => items.push(Value::Str(self.item()?)),
            }
            self.skip_blank();
            match self.peek() {
                Some(ch) if !ch.esc && ch.c == ',' => self.pos += 1,
                Some(ch) if !ch.esc && ch.c == '}' => {}
                None => return Err("missing '}'".to_string()),
                Some(ch) => return Err(format!("unexpected '{}' in {{...}}", ch.c)),
            }
        }
    }

    /// One string: a double-quoted run (delimiters literal inside), or bare
    /// text up to the next delimiter, trimmed.
    fn item(&mut self) -> std::result::Result<String, String> {
        self.skip_spaces();
        if self.at('"') {
            self.pos += 1;
            let mut s = String::new();
            loop {
                match self.peek() {
                    None => return Err("unterminated quoted string".to_string()),
                    Some(ch) if !ch.esc && ch.c == '"' => {
                        self.pos += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(ch.c);
                        self.pos += 1;
                    }
                }
            }
            self.skip_spaces();
            return match self.peek() {
                Some(ch) if !ch.esc && !matches!(ch.c, ',' | '}' | '#' | ';') => {
                    Err(format!("unexpected '{}' after a quoted string", ch.c))
                }
                _ => Ok(s),
            };
        }
        let mut s = String::new();
        while let Some(ch) = self.peek() {
            if !ch.esc && matches!(ch.c, ',' | '{' | '}' | '#' | ';' | '\n') {
                break;
            }
            s.push(ch.c);
            self.pos += 1;
        }
        let trimmed = s.trim_matches([' ', '\t', '\r']);
        if trimmed.is_empty() {
            return Err(match self.peek() {
                Some(ch) if !ch.esc && ch.c == ',' => "empty element in a list".to_string(),
                Some(ch) if !ch.esc && ch.c == '{' => "unexpected '{' inside a value".to_string(),
                Some(ch) if !ch.esc && ch.c == '}' => "unexpected '}'".to_string(),
                _ => "missing value".to_string(),
            });
        }
        Ok(trimmed.to_string())
    }
}

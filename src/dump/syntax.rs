//! Tokens of the dump format: strings (bare or quoted), type ids, numbers.
//!
//! Strings are written bare when that cannot be misread, so the common case
//! (`kmi_device`, `kmi_a.h`) stays readable, and quoted otherwise
//! (`"unsigned int"`). Inside items (`name:type@offset`, `NAME=value`) a bare
//! name may not contain ':', since ':' ends it there.

use std::borrow::Cow;

/// Characters a bare string may contain. Everything the grammar uses as a
/// separator (space, '"', '#', '=', '@', '{', '}', '(', ')', and ':' in items)
/// is left out.
fn bare_byte(b: u8, item: bool) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'_' | b'$' | b'.' | b'/' | b'+' | b'-' | b'<' | b'>')
        || (!item && b == b':')
}

/// Append `s`, bare when possible. `-` alone is reserved for "none".
pub fn put_str(out: &mut Vec<u8>, s: &str, item: bool) {
    if !s.is_empty() && s != "-" && s.bytes().all(|b| bare_byte(b, item)) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            // Control bytes would break the one-line-per-record layout.
            0..=0x1f | 0x7f => {
                out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// An optional string: `-` for none.
pub fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>, item: bool) {
    match s {
        Some(s) => put_str(out, s, item),
        None => out.push(b'-'),
    }
}

pub fn put_id(out: &mut Vec<u8>, id: Option<u64>) {
    match id {
        Some(id) => out.extend_from_slice(format!("{id:016x}").as_bytes()),
        None => out.extend_from_slice(b"void"),
    }
}

/// A cursor over one line. Errors are plain messages; the caller adds the
/// file and line.
pub struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

pub type Res<T> = std::result::Result<T, String>;

impl<'a> Cursor<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        Cursor { s, i: 0 }
    }

    fn rest(&self) -> &'a [u8] {
        self.s.get(self.i..).unwrap_or(&[])
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// What is left, for error messages (shortened).
    fn show_rest(&self) -> String {
        let r = String::from_utf8_lossy(self.rest());
        let mut s: String = r.chars().take(40).collect();
        if r.chars().count() > 40 {
            s.push_str("...");
        }
        s
    }

    /// The end of the record: nothing left, or a ` # comment`.
    pub fn at_end(&self) -> bool {
        let r = self.rest();
        r.is_empty() || r.starts_with(b" #")
    }

    pub fn end(&self) -> Res<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(format!("unexpected '{}'", self.show_rest().trim_start()))
        }
    }

    /// Exactly one space between fields.
    pub fn space(&mut self) -> Res<()> {
        if self.peek() == Some(b' ') && self.s.get(self.i + 1).is_some_and(|&b| b != b' ') {
            self.i += 1;
            Ok(())
        } else if self.at_end() {
            Err("line ends too early".into())
        } else {
            Err(format!("expected one space before '{}'", self.show_rest()))
        }
    }

    pub fn lit(&mut self, b: u8) -> Res<()> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at '{}'",
                b as char,
                self.show_rest()
            ))
        }
    }

    /// Consume `p` if the rest starts with it.
    pub fn eat(&mut self, p: &[u8]) -> bool {
        if self.rest().starts_with(p) {
            self.i += p.len();
            true
        } else {
            false
        }
    }

    /// A run of non-space bytes (keywords, numbers).
    pub fn word(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|b| b != b' ') {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// The next word, not consumed.
    pub fn peek_word(&self) -> &'a [u8] {
        let r = self.rest();
        let n = r.iter().position(|&b| b == b' ').unwrap_or(r.len());
        &r[..n]
    }

    fn digits(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    pub fn u64(&mut self) -> Res<u64> {
        let d = self.digits();
        if d.is_empty() {
            return Err(format!("expected a number at '{}'", self.show_rest()));
        }
        std::str::from_utf8(d)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("number out of range: {}", String::from_utf8_lossy(d)))
    }

    pub fn i64(&mut self) -> Res<i64> {
        let neg = self.eat(b"-");
        let v = self.u64()?;
        if neg {
            // i64::MIN has no positive counterpart, so go through i128.
            i64::try_from(-(v as i128)).map_err(|_| format!("number out of range: -{v}"))
        } else {
            i64::try_from(v).map_err(|_| format!("number out of range: {v}"))
        }
    }

    pub fn hex_u32(&mut self) -> Res<u32> {
        if !self.eat(b"0x") {
            return Err(format!("expected 0x... at '{}'", self.show_rest()));
        }
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
            self.i += 1;
        }
        let h = &self.s[start..self.i];
        if h.is_empty() || h.len() > 8 {
            return Err(format!("bad 32-bit hex number at '{}'", self.show_rest()));
        }
        u32::from_str_radix(std::str::from_utf8(h).unwrap_or("x"), 16)
            .map_err(|_| "bad hex number".to_string())
    }

    /// A type reference: `void` or 16 lowercase hex digits.
    pub fn id(&mut self) -> Res<Option<u64>> {
        if self.eat(b"void") {
            return Ok(None);
        }
        let r = self.rest();
        let h = r.get(..16).unwrap_or(r);
        if h.len() == 16 && h.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            self.i += 16;
            let v = u64::from_str_radix(std::str::from_utf8(h).unwrap_or("x"), 16)
                .map_err(|_| "bad type id".to_string())?;
            return Ok(Some(v));
        }
        Err(format!(
            "expected a type id (16 hex digits or 'void') at '{}'",
            self.show_rest()
        ))
    }

    /// A string, bare or quoted.
    pub fn string(&mut self, item: bool) -> Res<Cow<'a, str>> {
        if self.peek() == Some(b'"') {
            let s = self.quoted()?;
            crate::read::limits::check_name(&s)?;
            return Ok(Cow::Owned(s));
        }
        let start = self.i;
        while self.peek().is_some_and(|b| bare_byte(b, item)) {
            self.i += 1;
        }
        let s = &self.s[start..self.i];
        if s.is_empty() {
            return Err(format!("expected a name at '{}'", self.show_rest()));
        }
        // Bare bytes are ASCII, so this cannot fail.
        let s = std::str::from_utf8(s).unwrap_or("");
        crate::read::limits::check_name(s)?;
        Ok(Cow::Borrowed(s))
    }

    /// A string or `-` for none.
    pub fn opt_string(&mut self, item: bool) -> Res<Option<Cow<'a, str>>> {
        let r = self.rest();
        if r.first() == Some(&b'-') && r.get(1).is_none_or(|&b| !bare_byte(b, item)) {
            self.i += 1;
            return Ok(None);
        }
        self.string(item).map(Some)
    }

    fn quoted(&mut self) -> Res<String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated string".into()),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'x') => {
                            let h = self.s.get(self.i + 1..self.i + 3).unwrap_or(&[]);
                            let v = std::str::from_utf8(h)
                                .ok()
                                .filter(|h| h.len() == 2)
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                                .ok_or("bad \\x escape")?;
                            out.push(v);
                            self.i += 2;
                        }
                        _ => return Err("bad escape in string".into()),
                    }
                    self.i += 1;
                }
                Some(b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| "string is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(s: &str, item: bool) -> String {
        let mut b = Vec::new();
        put_str(&mut b, s, item);
        let mut c = Cursor::new(&b);
        let back = c.string(item).unwrap().into_owned();
        assert!(c.at_end(), "{s:?} -> {}", String::from_utf8_lossy(&b));
        back
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            "kmi_device",
            "unsigned int",
            "-",
            "",
            "a\"b\\c",
            "tab\there\nnl",
            "kmi_a.c:100",
            "ünïcode",
            "x#y",
            "-x",
        ] {
            assert_eq!(round(s, false), s);
            assert_eq!(round(s, true), s);
        }
        let mut b = Vec::new();
        put_str(&mut b, "kmi_a.c:100", false);
        assert_eq!(b, b"kmi_a.c:100");
        b.clear();
        put_str(&mut b, "kmi_a.c:100", true);
        assert_eq!(b, b"\"kmi_a.c:100\"");
    }

    #[test]
    fn optional_strings_and_ids() {
        let mut c = Cursor::new(b"- -x void 00000000000000ff");
        assert_eq!(c.opt_string(false).unwrap(), None);
        c.space().unwrap();
        assert_eq!(c.opt_string(false).unwrap().as_deref(), Some("-x"));
        c.space().unwrap();
        assert_eq!(c.id().unwrap(), None);
        c.space().unwrap();
        assert_eq!(c.id().unwrap(), Some(255));
        assert!(c.at_end());
        assert!(Cursor::new(b"00ff").id().is_err());
        assert!(Cursor::new(b"00000000000000FF").id().is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(Cursor::new(b"-5").i64().unwrap(), -5);
        assert_eq!(
            Cursor::new(b"-9223372036854775808").i64().unwrap(),
            i64::MIN
        );
        assert!(Cursor::new(b"9223372036854775808").i64().is_err());
        assert!(Cursor::new(b"99999999999999999999").u64().is_err());
        assert_eq!(Cursor::new(b"0xdeadbeef").hex_u32().unwrap(), 0xdeadbeef);
        assert!(Cursor::new(b"0x123456789").hex_u32().is_err());
    }
}

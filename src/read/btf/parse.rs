//! The BTF container: header, type records and strings, checked once so the
//! converter can index them without further bounds reasoning.
//!
//! A module's `.BTF` is *split* BTF: its type ids and string offsets continue
//! those of its vmlinux (the *base*), so a split blob is only readable
//! together with the base it was built against.

use std::ops::Range;

pub const MAGIC: u16 = 0xEB9F;

/// Bits 24-28 hold the kind today; bits 29-30 are reserved for more kinds,
/// so they are read as part of it (an unknown kind, not a misread one).
const KIND_MASK: u32 = 0x7F;

/// libbpf's limit on type ids; far above any real kernel (about 150k).
const MAX_TYPES: usize = 0x00ff_ffff;

pub mod kind {
    pub const INT: u8 = 1;
    pub const PTR: u8 = 2;
    pub const ARRAY: u8 = 3;
    pub const STRUCT: u8 = 4;
    pub const UNION: u8 = 5;
    pub const ENUM: u8 = 6;
    pub const FWD: u8 = 7;
    pub const TYPEDEF: u8 = 8;
    pub const VOLATILE: u8 = 9;
    pub const CONST: u8 = 10;
    pub const RESTRICT: u8 = 11;
    pub const FUNC: u8 = 12;
    pub const FUNC_PROTO: u8 = 13;
    pub const VAR: u8 = 14;
    pub const DATASEC: u8 = 15;
    pub const FLOAT: u8 = 16;
    pub const DECL_TAG: u8 = 17;
    pub const TYPE_TAG: u8 = 18;
    pub const ENUM64: u8 = 19;
}

/// Bytes after the common 12-byte record, and per `vlen` entry, of the kinds
/// this reader knows.
fn known_layout(k: u8) -> Option<(usize, usize)> {
    use kind::*;
    Some(match k {
        INT => (4, 0),
        ARRAY => (12, 0),
        STRUCT | UNION => (0, 12),
        ENUM => (0, 8),
        FUNC_PROTO => (0, 8),
        VAR => (4, 0),
        DATASEC => (0, 12),
        DECL_TAG => (4, 0),
        ENUM64 => (0, 12),
        PTR | FWD | TYPEDEF | VOLATILE | CONST | RESTRICT | FUNC | FLOAT | TYPE_TAG => (0, 0),
        _ => return None,
    })
}

/// One type record as stored: the common fields decoded, the rest left as
/// bytes for the accessors.
#[derive(Debug, Clone, Copy)]
pub struct Type<'a> {
    pub name_off: u32,
    pub kind: u8,
    pub kind_flag: bool,
    pub vlen: u32,
    /// `size` or `type`, by kind.
    pub size_or_type: u32,
    /// Kind-specific bytes that follow the common record.
    pub extra: &'a [u8],
    big: bool,
}

impl Type<'_> {
    /// The `i`th 32-bit word after the common record.
    pub fn word(&self, i: usize) -> u32 {
        let b = &self.extra[i * 4..i * 4 + 4];
        let b = [b[0], b[1], b[2], b[3]];
        if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }
}

/// A checked BTF blob, on its own (vmlinux) or over a base (a module).
#[derive(Debug)]
pub struct Btf<'a> {
    data: &'a [u8],
    big: bool,
    /// Byte range of each type record in `data`; type id `first_id + i`.
    records: Vec<Range<u32>>,
    strings: &'a [u8],
    /// 1 for a base (id 0 is void), or one past the base's last id.
    pub first_id: u32,
    /// Offset of this blob's first string in the split string space.
    pub first_str: u32,
    /// Per-kind sizes from the optional layout section of newer libbpf,
    /// which lets a reader skip kinds it does not know.
    layout: Vec<(usize, usize)>,
}

fn word(data: &[u8], at: usize, big: bool) -> Option<u32> {
    let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

impl<'a> Btf<'a> {
    /// Parse a blob. `base` is `(next type id, string space size)` of the
    /// base it continues, for split BTF.
    pub fn parse(data: &'a [u8], base: Option<(u32, u32)>) -> Result<Btf<'a>, String> {
        if data.len() < 24 {
            return Err(format!(
                "BTF of {} bytes is shorter than its header",
                data.len()
            ));
        }
        let big = match [data[0], data[1]] {
            [0x9F, 0xEB] => false,
            [0xEB, 0x9F] => true,
            _ => return Err("BTF does not start with the magic 0xeB9F".into()),
        };
        if data[2] != 1 {
            return Err(format!("BTF version {} (only version 1 exists)", data[2]));
        }
        let w = |at| word(data, at, big).unwrap_or(0);
        let hdr_len = w(4) as usize;
        if hdr_len < 24 || hdr_len > data.len() {
            return Err(format!(
                "BTF header length {hdr_len} is outside 24..{}",
                data.len()
            ));
        }
        let section = |off: u32, len: u32, what: &str| -> Result<Range<usize>, String> {
            let start = hdr_len
                .checked_add(off as usize)
                .ok_or_else(|| format!("BTF {what} section offset overflows"))?;
            let end = start
                .checked_add(len as usize)
                .filter(|&e| e <= data.len())
                .ok_or_else(|| {
                    format!(
                        "BTF {what} section ({len} bytes at {off}) runs past the end of the {} bytes",
                        data.len()
                    )
                })?;
            Ok(start..end)
        };
        let types = section(w(8), w(12), "type")?;
        let strs = section(w(16), w(20), "string")?;
        if types.start < strs.end && strs.start < types.end {
            return Err("BTF type and string sections overlap".into());
        }
        if types.start % 4 != 0 {
            return Err("BTF type section is not 4-byte aligned".into());
        }
        let strings = &data[strs];
        let (first_id, first_str) = base.unwrap_or((1, 0));
        // A base's string space opens with the empty string (offset 0 names
        // nothing); a split blob's may too, or continue the base's directly.
        if base.is_none() && strings.first().is_some_and(|&b| b != 0) {
            return Err("BTF string section does not start with an empty string".into());
        }
        if strings.last().is_some_and(|&b| b != 0) {
            return Err("BTF string section is not NUL-terminated".into());
        }
        // The layout section (libbpf 1.6+): its offset and length follow the
        // string section's in a longer header.
        let mut layout = Vec::new();
        if hdr_len >= 32 {
            let (off, len) = (w(24), w(28));
            if len > 0 {
                let r = section(off, len, "layout")?;
                for e in data[r].chunks_exact(4) {
                    layout.push((e[0] as usize, e[1] as usize));
                }
            }
        }
        let mut btf = Btf {
            data,
            big,
            records: Vec::new(),
            strings,
            first_id,
            first_str,
            layout,
        };
        let mut at = types.start;
        while at < types.end {
            if btf.records.len() >= MAX_TYPES {
                return Err(format!("BTF holds more than {MAX_TYPES} types"));
            }
            let info = word(data, at + 4, big)
                .filter(|_| at + 12 <= types.end)
                .ok_or_else(|| format!("BTF type record at {at} is truncated"))?;
            let k = ((info >> 24) & KIND_MASK) as u8;
            let vlen = (info & 0x00FF_FFFF) as usize;
            let (fixed, per) = known_layout(k)
                .or_else(|| btf.layout.get(k as usize).copied())
                .ok_or_else(|| {
                    format!(
                        "BTF type [{}] has unknown kind {k}",
                        first_id as usize + btf.records.len()
                    )
                })?;
            let len = vlen
                .checked_mul(per)
                .and_then(|v| v.checked_add(12 + fixed))
                .ok_or("BTF type record size overflows")?;
            let end = at
                .checked_add(len)
                .filter(|&e| e <= types.end)
                .ok_or_else(|| {
                    format!(
                        "BTF type [{}] (kind {k}, vlen {vlen}) runs past the type section",
                        first_id as usize + btf.records.len()
                    )
                })?;
            btf.records.push(at as u32..end as u32);
            at = end;
        }
        first_id
            .checked_add(btf.records.len() as u32)
            .ok_or("BTF type ids overflow")?;
        Ok(btf)
    }

    /// One past the last type id of this blob: where a split blob over it
    /// starts.
    pub fn next_id(&self) -> u32 {
        self.first_id + self.records.len() as u32
    }

    /// Size of the string space up to the end of this blob.
    pub fn str_end(&self) -> u32 {
        self.first_str.saturating_add(self.strings.len() as u32)
    }

    pub fn is_big_endian(&self) -> bool {
        self.big
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Ids of this blob's own types (not its base's).
    pub fn ids(&self) -> Range<u32> {
        self.first_id..self.next_id()
    }

    /// A type of this blob, by id; `None` for ids outside it (void, or the
    /// base's).
    pub fn get(&self, id: u32) -> Option<Type<'a>> {
        let i = id.checked_sub(self.first_id)? as usize;
        let r = self.records.get(i)?;
        let d = &self.data[r.start as usize..r.end as usize];
        let w = |at| word(d, at, self.big).unwrap_or(0);
        let info = w(4);
        Some(Type {
            name_off: w(0),
            kind: ((info >> 24) & KIND_MASK) as u8,
            kind_flag: info >> 31 != 0,
            vlen: info & 0x00FF_FFFF,
            size_or_type: w(8),
            extra: &d[12..],
            big: self.big,
        })
    }

    /// The string at `off` in this blob's own part of the string space.
    /// An offset into the middle of a string is refused: it is what a
    /// module's split BTF read over the wrong vmlinux gives.
    pub fn own_str(&self, off: u32) -> Option<&'a str> {
        let i = off.checked_sub(self.first_str)? as usize;
        if i > 0 && *self.strings.get(i - 1)? != 0 {
            return None;
        }
        let rest = self.strings.get(i..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        std::str::from_utf8(&rest[..end]).ok()
    }
}

/// How many bytes of candidate blobs that turn out not to parse
/// [`find_blobs`] may walk, per byte searched (plus [`FAILED_SLACK`]). Each
/// candidate costs up to the length its header claims, so without a budget
/// a crafted image of many headers over one long type section that fails at
/// its end costs quadratic time. A real image holds its BTF once and the
/// magic by chance a few times at most.
const FAILED_PER_BYTE: usize = 16;
const FAILED_SLACK: usize = 1 << 20;

/// Every offset at which `data` holds something that parses as a whole base
/// BTF blob: how the BTF of a kernel without ELF headers (an arm64 `Image`)
/// is found, as the `.BTF` section is copied into it verbatim. An error when
/// the headers that do not parse claim more than [`FAILED_PER_BYTE`] times
/// the data's size in all: no kernel is built that way.
pub fn find_blobs(data: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let mut out = Vec::new();
    let mut budget = data
        .len()
        .saturating_mul(FAILED_PER_BYTE)
        .saturating_add(FAILED_SLACK);
    let mut at = 0;
    // Little- and big-endian magic, version 1, flags 0.
    while let Some(p) = data[at..]
        .windows(4)
        .position(|w| w == [0x9F, 0xEB, 1, 0] || w == [0xEB, 0x9F, 1, 0])
    {
        let start = at + p;
        let rest = &data[start..];
        let big = rest[0] == 0xEB;
        let total = (|| {
            let hdr = word(rest, 4, big)? as usize;
            let t_end = (word(rest, 8, big)? as usize).checked_add(word(rest, 12, big)? as usize)?;
            let s_end =
                (word(rest, 16, big)? as usize).checked_add(word(rest, 20, big)? as usize)?;
            hdr.checked_add(t_end.max(s_end))
        })();
        at = start + 1;
        let Some(total) = total.filter(|&t| t <= rest.len()) else {
            continue;
        };
        if Btf::parse(&rest[..total], None).is_ok_and(|b| !b.is_empty()) {
            out.push(start..start + total);
            at = start + total;
            continue;
        }
        budget = budget.checked_sub(total).ok_or_else(|| {
            format!(
                "BTF headers that do not parse (the last at byte {start:#x}) claim more than {FAILED_PER_BYTE} times the {} bytes searched: a crafted image, not a kernel's",
                data.len()
            )
        })?;
    }
    Ok(out)
}

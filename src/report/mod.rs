//! Views of a [`Comparison`](crate::compare::Comparison): each writes to any `&mut dyn Write`.
//!
//! - `text::leaf` (default): every changed type once, with the number (or,
//!   with `-i`, the names) of the interfaces it impacts;
//! - `text::full` (`-f`): the whole change tree below every interface;
//! - `json`: the same facts for machines.

pub mod annotate;
pub mod explain;
pub mod html;
pub mod json;
pub mod model;
pub mod text;

/// How sizes and offsets are printed (`--show-bits/--show-bytes`,
/// `--show-hex/--show-dec`). libabigail's default is bytes in hex.
#[derive(Debug, Clone, Copy)]
pub struct Units {
    pub bits: bool,
    pub hex: bool,
}

impl Default for Units {
    fn default() -> Self {
        Units {
            bits: false,
            hex: true,
        }
    }
}

impl Units {
    fn num(&self, v: u64) -> String {
        if self.hex {
            format!("{v:#x}")
        } else {
            v.to_string()
        }
    }

    /// A size or offset given in bits, with its unit.
    pub fn show(&self, bits: u64) -> String {
        if self.bits || !bits.is_multiple_of(8) {
            format!("{} (in bits)", self.num(bits))
        } else {
            format!("{} (in bytes)", self.num(bits / 8))
        }
    }

    /// Two values, with one unit: "from 0x10 to 0x18 (in bytes)".
    pub fn from_to(&self, a: u64, b: u64) -> String {
        if self.bits || !a.is_multiple_of(8) || !b.is_multiple_of(8) {
            format!("from {} to {} (in bits)", self.num(a), self.num(b))
        } else {
            format!("from {} to {} (in bytes)", self.num(a / 8), self.num(b / 8))
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub units: Units,
    /// `-i`: name the impacted interfaces of each changed type.
    pub impacted: bool,
}

/// Report format, the `--format` of every command.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// The `--format` of the commands whose report can be browsed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFormat {
    Text,
    Json,
    /// One self-contained page: search, filters, change trees
    Html,
}

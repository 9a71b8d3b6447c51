//! Relocations of one `.debug_*` section of a relocatable `.ko`, indexed for
//! the lookups gimli's `RelocateReader` makes on every offset and address it
//! reads.
//!
//! A module's `.rela.debug_info` is larger than its `.debug_info` (one
//! relocation every 16 bytes or so), and a hash map of them costs more to
//! build and to query than the DWARF walk itself. Instead: one bit per byte
//! offset says "relocated here", a running count per 64-bit word turns a set
//! bit into an index into the sorted values. Building is a pass and a sort;
//! a lookup is a shift, a popcount and an array read.

use object::{Object, ObjectSection, ObjectSymbol, RelocationKind, RelocationTarget, SectionKind};

#[derive(Debug, Default)]
pub struct RelocIndex {
    bits: Vec<u64>,
    /// Number of set bits before each word of `bits`.
    rank: Vec<u32>,
    values: Vec<u64>,
    /// REL (not RELA): the value stored in the section is part of the addend.
    implicit: bool,
}

impl RelocIndex {
    /// Index the relocations of `section`; returns it and the number of
    /// relocations of a kind we cannot interpret (skipped, and reported:
    /// each one leaves an offset unrelocated, so a type may be wrong).
    /// A relocation that is out of range (symbol or place) is an error: it
    /// comes only from a corrupt file, and applying or skipping it would
    /// both make a type up.
    pub fn build<'d, 'f>(
        file: &'f object::File<'d>,
        section: &object::Section<'d, 'f>,
        len: usize,
    ) -> Result<(Self, usize), String> {
        let name = section.name().unwrap_or("?");
        let mut skipped = 0;
        let mut implicit = false;
        let mut entries: Vec<(u64, u64)> = Vec::new();
        for (offset, r) in section.relocations() {
            if r.kind() == RelocationKind::None {
                continue;
            }
            let width = u64::from(r.size().max(8) / 8);
            if offset.checked_add(width).is_none_or(|end| end > len as u64) {
                return Err(format!(
                    "a relocation of {name} at offset {offset:#x} lies past the end of the section ({len} bytes)"
                ));
            }
            let base = match r.target() {
                RelocationTarget::Symbol(i) => match file.symbol_by_index(i) {
                    Ok(sym) => sym.address(),
                    Err(_) => {
                        return Err(format!(
                            "a relocation of {name} at offset {offset:#x} refers to symbol #{}, not in the symbol table",
                            i.0
                        ));
                    }
                },
                // Offsets into other DWARF sections stay section offsets.
                RelocationTarget::Section(i) => match file.section_by_index(i) {
                    Ok(s) if s.kind() == SectionKind::Debug => 0,
                    Ok(s) => s.address(),
                    Err(_) => {
                        return Err(format!(
                            "a relocation of {name} at offset {offset:#x} refers to section #{}, which does not exist",
                            i.0
                        ));
                    }
                },
                _ => {
                    skipped += 1;
                    continue;
                }
            };
            if r.kind() != RelocationKind::Absolute {
                skipped += 1;
                continue;
            }
            implicit |= r.has_implicit_addend();
            entries.push((offset, base.wrapping_add(r.addend() as u64)));
        }
        // Producers emit them in order; sort anyway, keep the first of
        // duplicates (malformed input).
        if !entries.is_sorted_by_key(|e| e.0) {
            entries.sort_by_key(|e| e.0);
        }
        entries.dedup_by_key(|e| e.0);
        let words = len / 64 + 1;
        let mut bits = vec![0u64; words];
        for &(off, _) in &entries {
            bits[(off / 64) as usize] |= 1 << (off % 64);
        }
        let mut rank = Vec::with_capacity(words);
        let mut total = 0u32;
        for w in &bits {
            rank.push(total);
            total += w.count_ones();
        }
        let values = entries.into_iter().map(|e| e.1).collect();
        Ok((
            RelocIndex {
                bits,
                rank,
                values,
                implicit,
            },
            skipped,
        ))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value to use for `value`, read at section offset `offset`.
    #[inline]
    pub fn relocate(&self, offset: u64, value: u64) -> u64 {
        let word = (offset / 64) as usize;
        let Some(&w) = self.bits.get(word) else {
            return value;
        };
        let bit = offset % 64;
        if w & (1 << bit) == 0 {
            return value;
        }
        let below = (w & ((1u64 << bit) - 1)).count_ones();
        let idx = (self.rank[word] + below) as usize;
        let v = self.values[idx];
        if self.implicit {
            value.wrapping_add(v)
        } else {
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_hit_exactly_the_relocated_offsets() {
        let entries = [(0u64, 100u64), (4, 200), (63, 300), (64, 400), (1000, 500)];
        let len = 1100;
        let mut bits = vec![0u64; len / 64 + 1];
        for &(o, _) in &entries {
            bits[(o / 64) as usize] |= 1 << (o % 64);
        }
        let mut rank = Vec::new();
        let mut t = 0;
        for w in &bits {
            rank.push(t);
            t += w.count_ones();
        }
        let idx = RelocIndex {
            bits,
            rank,
            values: entries.iter().map(|e| e.1).collect(),
            implicit: false,
        };
        for &(o, v) in &entries {
            assert_eq!(idx.relocate(o, 7), v);
        }
        assert_eq!(idx.relocate(1, 7), 7);
        assert_eq!(idx.relocate(65, 7), 7);
        assert_eq!(idx.relocate(99_999, 7), 7);
    }
}

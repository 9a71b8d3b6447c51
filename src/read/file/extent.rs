//! How far an ELF file reaches (headers, tables, sections, segments), so
//! that only that much is kept of a decompressed input, and what lies past
//! it is named.

use std::path::Path;

use super::warn;

/// What the kernel's `sign-file` appends after a module's ELF data: the
/// signature, its length, then this. The only data a real module carries
/// past its ELF extent.
pub(super) const MODULE_SIG_MAGIC: &[u8] = b"~Module signature appended~\n";

pub(super) const ELF_MAGIC: &[u8] = b"\x7fELF";

/// Bytes past the ELF's extent are never read, so the comparison of what is
/// inside stays trustworthy: a warning, not an error. But a file much larger
/// than the ELF it holds is not what its builder wrote (a truncated copy
/// padded out, two files concatenated), and saying nothing would let such a
/// file pass as a clean module. A module signature is the one expected tail.
pub(super) fn check_trailing(path: &Path, extent: u64, total: u64, tail: &[u8]) {
    let extra = total.saturating_sub(extent);
    // sign-file's PKCS#7 blobs are a few KiB; allow far more.
    let signature = tail.ends_with(MODULE_SIG_MAGIC) && extra <= 1 << 20;
    if extra > 0 && !signature {
        warn(format!(
            "{}: {extra} bytes after the end of the ELF data (at byte {extent}), not a module signature; ignored",
            path.display()
        ));
    }
}

/// How far the ELF in `d` reaches: its header, program and section header
/// tables, and the file bytes of every section and segment. `Err(n)` when
/// `d` holds fewer than the `n` bytes needed to tell.
pub(super) fn elf_extent(d: &[u8]) -> std::result::Result<u64, u64> {
    let wide = match d.get(4) {
        Some(1) => false,
        Some(2) => true,
        Some(_) => return Ok(d.len().min(16) as u64),
        None => return Err(16),
    };
    let big = d.get(5) == Some(&2);
    let hdr = if wide { 64 } else { 52 };
    if d.len() < hdr {
        return Err(hdr as u64);
    }
    let num = |at: usize, len: usize| -> u64 {
        let Some(b) = d.get(at..at + len) else {
            return 0;
        };
        let f = |acc: u64, &x: &u8| acc << 8 | u64::from(x);
        if big {
            b.iter().fold(0, f)
        } else {
            b.iter().rev().fold(0, f)
        }
    };
    let word = if wide { 8 } else { 4 };
    let (phoff, shoff) = if wide {
        (num(32, 8), num(40, 8))
    } else {
        (num(28, 4), num(32, 4))
    };
    let h = if wide { 52 } else { 40 };
    let (phentsize, phnum, shentsize, mut shnum) =
        (num(h + 2, 2), num(h + 4, 2), num(h + 6, 2), num(h + 8, 2));
    let (min_sh, min_ph) = if wide { (64, 56) } else { (40, 32) };
    let mut extent = hdr as u64;
    let need = |at: u64| -> std::result::Result<usize, u64> {
        match usize::try_from(at) {
            Ok(n) if n <= d.len() => Ok(n),
            _ => Err(at),
        }
    };
    // A table whose entries are smaller than the format's cannot be walked
    // (and a zero size would make every entry the same): count it as absent,
    // and leave the complaint to the ELF parser.
    let sh_ok = shoff != 0 && shentsize >= min_sh;
    if sh_ok && shnum == 0 {
        // Extended numbering: the count is in section 0's sh_size.
        let s0 = need(shoff.saturating_add(shentsize))?;
        let at = s0 - shentsize as usize + if wide { 32 } else { 20 };
        shnum = num(at, word);
    }
    let sh_end = shoff.saturating_add(shnum.saturating_mul(shentsize));
    let ph_ok = phoff != 0 && phentsize >= min_ph;
    let ph_end = phoff.saturating_add(phnum.saturating_mul(phentsize));
    if sh_ok {
        need(sh_end)?;
        extent = extent.max(sh_end);
        for i in 0..shnum {
            let base = (shoff + i * shentsize) as usize;
            const SHT_NOBITS: u64 = 8;
            if num(base + 4, 4) == SHT_NOBITS {
                continue;
            }
            let (off, size) = if wide {
                (num(base + 24, 8), num(base + 32, 8))
            } else {
                (num(base + 16, 4), num(base + 20, 4))
            };
            extent = extent.max(off.saturating_add(size));
        }
    }
    if ph_ok {
        need(ph_end)?;
        extent = extent.max(ph_end);
        for i in 0..phnum {
            let base = (phoff + i * phentsize) as usize;
            let (off, size) = if wide {
                (num(base + 8, 8), num(base + 32, 8))
            } else {
                (num(base + 4, 4), num(base + 16, 4))
            };
            extent = extent.max(off.saturating_add(size));
        }
    }
    Ok(extent)
}

//! One LZO1X block, as lzop writes them and the kernel's
//! `lzo1x_decompress_safe` reads them (bzImages built with
//! CONFIG_KERNEL_LZO), decoded with every read, match distance and output
//! length checked: a hostile block is an error, never a panic nor an
//! allocation past the caller's bound.
//!
//! The stream is a sequence of instructions whose meaning depends on the
//! "state", the number of literals the previous instruction copied (0..3, or
//! 4 for a run of four or more):
//!
//! | first byte  | instruction                                            |
//! |-------------|--------------------------------------------------------|
//! | `0000LLLL`  | state 0: a run of 3 + L literals (L = 0: long length)  |
//! | `0000DDSS`  | state 1..3: 2 bytes from distance 1 + D + H·4 (≤ 1 KiB) |
//! | `0000DDSS`  | state 4: 3 bytes from distance 2049 + D + H·4          |
//! | `0001HLLL`  | 2 + L bytes from 16384 + H·16384 + D (LE16 operand);   |
//! |             | distance 16384 exactly ends the stream                 |
//! | `001LLLLL`  | 2 + L bytes from 1 + D (LE16 operand, ≤ 16 KiB)        |
//! | `01LDDDSS`  | 3 + L bytes from 1 + D + H·8 (≤ 2 KiB)                 |
//! | `1LLDDDSS`  | 5 + L bytes from 1 + D + H·8 (≤ 2 KiB)                 |
//!
//! H is the byte after the instruction. In an LE16 operand the low two bits
//! are S and the rest D. A length field of zero means a long length: each
//! zero byte adds 255, then a non-zero byte adds itself plus the field's
//! maximum. Every match is followed by S (0..3) literals, which become the
//! state. A first byte above 17 is a run of (byte − 17) literals.
//!
//! The kernel reads a first byte 17 followed by a version byte as LZO-RLE
//! (zram's variant); lzop never writes it, and here it is an ordinary
//! instruction, an error unless it is the end marker of an empty block.

/// Literals copied by the previous instruction: 0..=3, or 4 for a run of
/// four or more.
type State = usize;

/// The compressed block, read forward with every read checked.
struct Input<'s> {
    src: &'s [u8],
    pos: usize,
}

impl<'s> Input<'s> {
    fn byte(&mut self) -> Result<usize, String> {
        let b = self
            .src
            .get(self.pos)
            .ok_or_else(|| format!("block truncated at byte {}", self.pos))?;
        self.pos += 1;
        Ok(usize::from(*b))
    }

    fn take(&mut self, n: usize) -> Result<&'s [u8], String> {
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| self.src.get(self.pos..end))
            .ok_or_else(|| format!("{n} literals at byte {} run past the block's end", self.pos))?;
        self.pos += n;
        Ok(bytes)
    }

    fn le16(&mut self) -> Result<usize, String> {
        let lo = self.byte()?;
        let hi = self.byte()?;
        Ok(lo | hi << 8)
    }

    /// A length field: its value if non-zero, else a long length (255 for
    /// each zero byte, then `max` plus the first non-zero byte).
    fn length(&mut self, field: usize, max: usize) -> Result<usize, String> {
        if field != 0 {
            return Ok(field);
        }
        let mut len = max;
        loop {
            let b = self.byte()?;
            len = len
                .checked_add(if b == 0 { 255 } else { b })
                .ok_or("length overflows")?;
            if b != 0 {
                return Ok(len);
            }
        }
    }
}

/// The output of this block: matches reach back no further than its start,
/// and it grows no further than `limit`.
struct Output<'o> {
    out: &'o mut Vec<u8>,
    start: usize,
    limit: usize,
}

impl Output<'_> {
    fn room(&self, n: usize) -> Result<(), String> {
        if n > self.limit.saturating_sub(self.out.len()) {
            return Err(format!(
                "block decompresses past its {} bytes",
                self.limit - self.start
            ));
        }
        Ok(())
    }

    fn literals(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.room(bytes.len())?;
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// `len` bytes from `distance` back, the source overlapping the copy
    /// when `distance < len` (a repeated pattern).
    fn copy(&mut self, distance: usize, len: usize) -> Result<(), String> {
        let produced = self.out.len() - self.start;
        if distance == 0 || distance > produced {
            return Err(format!(
                "match at distance {distance} after {produced} bytes of output"
            ));
        }
        self.room(len)?;
        let mut left = len;
        while left > 0 {
            // The last `distance` bytes repeat with that period: copying
            // at most that many at a time never reads what is not written.
            let n = left.min(distance);
            let from = self.out.len() - distance;
            self.out.extend_from_within(from..from + n);
            left -= n;
        }
        Ok(())
    }
}

/// Decodes one LZO1X block of `src`, appending at most `max_out` bytes to
/// `out` (reserved up front, so the caller's bound is also the allocation's).
/// Matches may only reach bytes this block produced. The block must end with
/// its end marker, exactly at the end of `src`.
pub(super) fn decompress_block(
    src: &[u8],
    out: &mut Vec<u8>,
    max_out: usize,
) -> Result<(), String> {
    out.reserve_exact(max_out);
    let start = out.len();
    let mut out = Output {
        out,
        start,
        limit: start.saturating_add(max_out),
    };
    let mut input = Input { src, pos: 0 };
    let mut state: State = 0;

    if let Some(&first) = src.first()
        && first > 17
    {
        input.pos = 1;
        let n = usize::from(first - 17);
        out.literals(input.take(n)?)?;
        state = n.min(4);
    }

    loop {
        let inst = input.byte()?;
        let (distance, len, trailing) = match inst {
            0..=15 => match state {
                0 => {
                    let n = input.length(inst, 15)?.saturating_add(3);
                    out.literals(input.take(n)?)?;
                    state = 4;
                    continue;
                }
                1..=3 => {
                    let h = input.byte()?;
                    (1 + (inst >> 2) + (h << 2), 2, inst & 3)
                }
                _ => {
                    let h = input.byte()?;
                    (2049 + (inst >> 2) + (h << 2), 3, inst & 3)
                }
            },
            16..=31 => {
                let len = input.length(inst & 7, 7)?.saturating_add(2);
                let d = input.le16()?;
                let far = ((inst & 8) << 11) + (d >> 2);
                if far == 0 {
                    return end(&input, len);
                }
                (16384 + far, len, d & 3)
            }
            32..=63 => {
                let len = input.length(inst & 31, 31)?.saturating_add(2);
                let d = input.le16()?;
                (1 + (d >> 2), len, d & 3)
            }
            _ => {
                let h = input.byte()?;
                (1 + ((inst >> 2) & 7) + (h << 3), (inst >> 5) + 1, inst & 3)
            }
        };
        out.copy(distance, len)?;
        out.literals(input.take(trailing)?)?;
        state = trailing;
    }
}

/// The end marker (`0x11 0x00 0x00`: a length of 3, distance 16384) must be
/// the block's last bytes.
fn end(input: &Input, len: usize) -> Result<(), String> {
    if len != 3 {
        return Err(format!("end marker with length {len}"));
    }
    if input.pos != input.src.len() {
        return Err(format!(
            "{} bytes after the end marker",
            input.src.len() - input.pos
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(src: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        decompress_block(src, &mut out, max_out).map(|()| out)
    }

    /// Inputs of every kind the compressor meets: empty, tiny, runs,
    /// periodic text, noise, and an ELF-like mix, up to lzop's block size.
    fn samples() -> Vec<Vec<u8>> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        };
        let text = b"static int __init kmi_init(void) { return 0; }\n"
            .iter()
            .copied()
            .cycle()
            .take(70_000)
            .collect::<Vec<u8>>();
        let mut mixed = Vec::new();
        for i in 0..2000usize {
            match i % 4 {
                0 => mixed.extend(noise(i % 97)),
                1 => mixed.extend(std::iter::repeat_n(0u8, i % 300)),
                2 => mixed.extend_from_slice(&text[..i % 200]),
                _ => mixed.extend_from_slice(&(i as u64).to_le_bytes()),
            }
        }
        mixed.truncate(256 << 10);
        let mut v = vec![
            Vec::new(),
            b"a".to_vec(),
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"abcd".to_vec(),
            vec![0; 5],
            vec![0; 100_000],
            noise(4096),
            text,
            mixed,
        ];
        // Far matches (M4, up to 48 KiB back): a noise block, filler, then
        // the same block again.
        let block = noise(3000);
        let mut far = block.clone();
        far.extend(noise(30_000));
        far.extend_from_slice(&block);
        v.push(far);
        v
    }

    fn compress(data: &[u8]) -> Vec<u8> {
        lzokay_native::compress(data).unwrap()
    }

    #[test]
    fn lzo_round_trips() {
        for data in samples() {
            let packed = compress(&data);
            if data.is_empty() {
                // lzokay-native writes nothing for nothing (lzop writes no
                // block); the empty block is the lone end marker.
                assert!(decode(&packed, 0).is_err());
                continue;
            }
            assert_eq!(decode(&packed, data.len()).unwrap(), data);
            // Exactly the declared size: one byte less is an error.
            assert!(decode(&packed, data.len() - 1).is_err());
        }
    }

    #[test]
    fn lzo_appends_and_matches_stay_in_the_block() {
        let data = b"abcabcabcabcabcabcabcabc".repeat(10);
        let packed = compress(&data);
        let mut out = b"previous block".to_vec();
        decompress_block(&packed, &mut out, data.len()).unwrap();
        assert_eq!(&out[..14], b"previous block");
        assert_eq!(&out[14..], &data[..]);
        // A match into the previous block's bytes is refused: one literal,
        // then 3 bytes from 2 back.
        let mut out = b"xyz".to_vec();
        let err = decompress_block(&[18, b'a', 0x44, 0x00, 0x11, 0, 0], &mut out, 10).unwrap_err();
        assert!(err.contains("distance"), "{err}");
    }

    #[test]
    fn lzo_hand_made_blocks() {
        // 3 literals, then M3: 9 bytes from 3 back (overlapping), end.
        let abc = [20, b'a', b'b', b'c', 0x27, 0x08, 0x00, 0x11, 0, 0];
        assert_eq!(decode(&abc, 12).unwrap(), b"abcabcabcabc");
        // 3 literals, then M1 (state 3): 2 bytes from 2 back.
        let m1 = [20, b'a', b'b', b'c', 0x04, 0x00, 0x11, 0, 0];
        assert_eq!(decode(&m1, 5).unwrap(), b"abcbc");
        // Long literal run in state 0: 0x00, 0x01 → 3 + 15 + 1 = 19.
        let mut long = vec![0x00, 0x01];
        long.extend(b'a'..b'a' + 19);
        long.extend([0x11, 0, 0]);
        assert_eq!(
            decode(&long, 19).unwrap(),
            (b'a'..b'a' + 19).collect::<Vec<_>>()
        );
        // M2 with its trailing literals: "xy", 4 bytes from 2 back, "z".
        let m2 = [19, b'x', b'y', 0x65, 0x00, b'z', 0x11, 0, 0];
        assert_eq!(decode(&m2, 7).unwrap(), b"xyxyxyz");
        // The empty block.
        assert_eq!(decode(&[0x11, 0, 0], 0).unwrap(), b"");
    }

    #[test]
    fn lzo_truncations_are_errors() {
        for data in samples() {
            let packed = compress(&data);
            // Every truncation of the small blocks, a spread of the big.
            let step = (packed.len() / 16_384).max(1);
            let tail = packed.len().saturating_sub(64);
            for len in (0..packed.len()).step_by(step).chain(tail..packed.len()) {
                assert!(decode(&packed[..len], data.len()).is_err(), "{len}");
            }
        }
    }

    #[test]
    fn lzo_hostile_blocks_are_errors() {
        let huge_run = {
            // A literal run of 15 + 255·1000 + 3 bytes, with none there.
            let mut v = vec![0x00];
            v.extend(std::iter::repeat_n(0u8, 1000));
            v.push(1);
            v
        };
        let zero_run_to_the_end = {
            // One literal, then an M3 whose length is all zero bytes.
            let mut v = vec![18, b'a', 0x20];
            v.extend(std::iter::repeat_n(0u8, 100_000));
            v
        };
        // The block, max_out, and what its error says.
        let cases: &[(&[u8], usize, &str)] = &[
            (&[], 100, "truncated"),
            // One literal, then 3 bytes from 129 back.
            (&[18, b'a', 0x40, 0x10, 0x11, 0, 0], 100, "distance 129"),
            (&[0x11, 0x04, 0x00, 0x11, 0, 0], 100, "distance 16385"),
            // One literal, then M4 at the largest distance.
            (
                &[18, b'a', 0x19, 0xFC, 0xFF, 0x11, 0, 0],
                100,
                "distance 49151",
            ),
            (&[30, 1, 2, 3], 100, "13 literals"),
            // Missing, cut, followed, or with a length: the end marker.
            (&[21, 1, 2, 3, 4], 100, "truncated"),
            (&[21, 1, 2, 3, 4, 0x11, 0], 100, "truncated"),
            (&[21, 1, 2, 3, 4, 0x11, 0, 0, 7], 100, "after the end"),
            (&[21, 1, 2, 3, 4, 0x12, 0, 0], 100, "length 4"),
            // Literals, then a match, past max_out.
            (&[21, 1, 2, 3, 4, 0x11, 0, 0], 3, "past its 3 bytes"),
            (&[21, 1, 2, 3, 4, 0xE0, 0x00, 0x11, 0, 0], 8, "past its 8"),
            (&huge_run, 1 << 20, "255019 literals"),
            (&zero_run_to_the_end, 1 << 20, "truncated"),
            // LZO-RLE's version byte: an M4 on the empty output here.
            (&[0x11, 0x01, 0x40, 0x00, 0x11, 0, 0], 100, "distance 20480"),
        ];
        for (block, max_out, says) in cases {
            let err = decode(block, *max_out).unwrap_err();
            assert!(err.contains(says), "{block:02x?}: {err}");
        }
        // A length that overflows usize is an error, not a wrap.
        let mut input = Input {
            src: &[0, 0, 1],
            pos: 0,
        };
        assert!(input.length(0, usize::MAX - 300).is_err());
    }

    /// The fuzz seeds in lzop's container, as lzop itself wrote them.
    #[test]
    fn lzo_fuzz_seeds_decode() {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds");
        let lzo = std::fs::read(format!("{seeds}/decompress/elf.lzo")).unwrap();
        let elf = super::super::decompress_bytes(&lzo, 1 << 30)
            .unwrap()
            .unwrap();
        assert!(elf.starts_with(super::super::ELF_MAGIC));
        let path = format!("{seeds}/kernel_image/bzImage-lzo");
        let bz = std::fs::read(&path).unwrap();
        let image = super::super::parse_kernel_image(path.as_ref(), &bz, 1 << 30);
        assert!(
            matches!(image, Ok(super::super::KernelImage::Elf(_))),
            "{image:?}"
        );
    }

    use crate::fuzz::Rng;

    #[test]
    fn lzo_mutations_never_panic() {
        let mut data = b"kmi_a: ".repeat(50);
        data.extend(0u8..=255);
        data.extend(std::iter::repeat_n(0u8, 5000));
        data.extend((0..3000u32).flat_map(|i| (i * i).to_le_bytes()));
        let packed = compress(&data);
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        let mut decoded = 0;
        for _ in 0..5000 {
            let mut v = packed.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(v.len());
                match rng.below(5) {
                    0 => v[at] ^= 1 << rng.below(8),
                    1 => v[at] = rng.next_u64() as u8,
                    2 => v[at] = [0, 0x11, 0xFF, 0x20, 0x10][rng.below(5)],
                    3 => {
                        v.remove(at);
                    }
                    _ => v.insert(at, rng.next_u64() as u8),
                }
            }
            let max_out = [data.len(), data.len() * 2, 100][rng.below(3)];
            let mut out = Vec::new();
            if decompress_block(&v, &mut out, max_out).is_ok() {
                decoded += 1;
            }
            assert!(out.len() <= max_out);
        }
        // Most mutations break the block; a few land in literals.
        assert!(decoded < 5000, "{decoded}");
    }
}

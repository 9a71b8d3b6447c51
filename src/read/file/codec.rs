//! The decompressors (gzip, zstd, xz), streaming into a capped sink that
//! keeps only an ELF's extent. The format comes from the magic bytes, as a
//! compressed module is not always named for its format.

use std::fmt;
use std::io::{self, Write};

use super::extent::{ELF_MAGIC, MODULE_SIG_MAGIC, elf_extent};
use super::human_size;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Xz,
    Zstd,
    Gzip,
}

impl Format {
    pub(super) fn detect(data: &[u8]) -> Option<Format> {
        const XZ: &[u8] = &[0xFD, b'7', b'z', b'X', b'Z', 0x00];
        const ZSTD: &[u8] = &[0x28, 0xB5, 0x2F, 0xFD];
        const GZIP: &[u8] = &[0x1F, 0x8B];
        if data.starts_with(XZ) {
            Some(Format::Xz)
        } else if data.starts_with(ZSTD) || is_zstd_skippable(data) {
            Some(Format::Zstd)
        } else if data.starts_with(GZIP) {
            Some(Format::Gzip)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::Gzip => "gzip",
        }
    }
}

/// zstd allows a stream to open with a skippable frame (magic 0x184D2A50..5F,
/// little-endian), e.g. one carrying seek-table metadata.
fn is_zstd_skippable(data: &[u8]) -> bool {
    matches!(data, [m, 0x2A, 0x4D, 0x18, ..] if m & 0xF0 == 0x50)
}

#[derive(Debug)]
pub(super) enum DecodeError {
    Corrupt(String),
    TooBig,
    /// An xz stream declaring more than its own, lower, limit.
    XzTooBig(u64),
    NotElf,
}

impl DecodeError {
    pub(super) fn message(&self, format: Format, cap: u64) -> String {
        match self {
            DecodeError::Corrupt(m) => format!("corrupt {} data: {m}", format.name()),
            DecodeError::TooBig => format!(
                "{} data decompresses to more than {} (raise with --max-input-size)",
                format.name(),
                human_size(cap)
            ),
            DecodeError::XzTooBig(limit) => format!(
                "xz data decompresses to more than {} (xz is decoded whole in memory, so its limit is a quarter of --max-input-size; raise with --max-input-size)",
                human_size(*limit)
            ),
            DecodeError::NotElf => {
                format!("{} data does not decompress to an ELF file", format.name())
            }
        }
    }
}

/// Where decompressed bytes go. Every byte counts against `cap`; for an ELF
/// input only the bytes up to the ELF's extent are kept (see [`load`]), which
/// is learnt from the header and section table as they stream past.
pub(super) struct Sink {
    pub(super) buf: Vec<u8>,
    pub(super) total: u64,
    cap: u64,
    elf: bool,
    /// How many bytes to keep: grows as the ELF's tables are read.
    keep: u64,
    /// The ELF's extent, once known.
    pub(super) extent: Option<u64>,
    /// The last bytes seen, to recognise a module signature past the extent.
    pub(super) tail: Vec<u8>,
    exceeded: bool,
    not_elf: bool,
}

impl Sink {
    pub(super) fn new(cap: u64, elf: bool) -> Self {
        Sink {
            buf: Vec::new(),
            total: 0,
            cap,
            elf,
            keep: if elf { 64 } else { u64::MAX },
            extent: None,
            tail: Vec::new(),
            exceeded: false,
            not_elf: false,
        }
    }

    /// Learns more of the ELF's layout from what has been kept.
    fn refresh(&mut self) -> io::Result<()> {
        let n = self.buf.len().min(ELF_MAGIC.len());
        if self.buf[..n] != ELF_MAGIC[..n] {
            // Inflating the rest of a stream that is not what the caller can
            // read would only spend time on a bomb.
            self.not_elf = true;
            return Err(io::Error::other("not an ELF file"));
        }
        match elf_extent(&self.buf) {
            Ok(extent) => {
                self.extent = Some(extent);
                self.keep = extent;
            }
            Err(need) => self.keep = need,
        }
        // One allocation of the known size, rather than doubling (which
        // briefly holds both copies).
        let want = self
            .keep
            .min(self.cap)
            .saturating_sub(self.buf.len() as u64);
        self.buf.reserve_exact(usize::try_from(want).unwrap_or(0));
        Ok(())
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let allowed = usize::try_from(self.cap.saturating_sub(self.total)).unwrap_or(usize::MAX);
        let over = data.len() > allowed;
        // What fits is still kept: `head` wants exactly the first bytes.
        let data = &data[..allowed.min(data.len())];
        self.total += data.len() as u64;
        let keep_tail = MODULE_SIG_MAGIC.len();
        if self.elf {
            self.tail
                .extend_from_slice(&data[data.len().saturating_sub(keep_tail)..]);
            let drop = self.tail.len().saturating_sub(keep_tail);
            self.tail.drain(..drop);
        }
        let mut rest = data;
        loop {
            let room = self.keep.saturating_sub(self.buf.len() as u64);
            let n = usize::try_from(room).unwrap_or(usize::MAX).min(rest.len());
            self.buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if !self.elf || self.extent.is_some() || self.buf.len() as u64 != self.keep {
                break;
            }
            let before = self.keep;
            self.refresh()?;
            if self.keep == before || rest.is_empty() {
                break;
            }
        }
        if over {
            self.exceeded = true;
            return Err(io::Error::other("output size limit exceeded"));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decompresses `data` into `sink`; `scan_cap` bounds what an xz stream may
/// declare (see [`unxz`]).
pub(super) fn decompress(
    format: Format,
    data: &[u8],
    sink: &mut Sink,
    scan_cap: u64,
) -> std::result::Result<(), DecodeError> {
    let result = match format {
        Format::Xz => unxz(data, sink, scan_cap),
        Format::Zstd => unzstd(data, sink),
        Format::Gzip => gunzip(data, sink),
    };
    match result {
        Err(DecodeError::XzTooBig(n)) => Err(DecodeError::XzTooBig(n)),
        _ if sink.exceeded => Err(DecodeError::TooBig),
        _ if sink.not_elf => Err(DecodeError::NotElf),
        r => r,
    }
}

/// The decoders on bytes already in memory, for the fuzz harnesses: `None`
/// when no compression magic is present, else what [`load`] would make of
/// it, with a caller-chosen cap so a fuzzer stays within its memory limit.
pub fn decompress_bytes(data: &[u8], cap: u64) -> Option<std::result::Result<Vec<u8>, String>> {
    let format = Format::detect(data)?;
    let mut sink = Sink::new(cap, false);
    Some(match decompress(format, data, &mut sink, cap) {
        Ok(()) => Ok(sink.buf),
        Err(e) => Err(e.message(format, cap)),
    })
}

fn gunzip(data: &[u8], sink: &mut Sink) -> std::result::Result<(), DecodeError> {
    // `gzip a b > c` makes several members, which gunzip concatenates.
    let mut decoder = flate2::read::MultiGzDecoder::new(data);
    io::copy(&mut decoder, sink).map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(())
}

fn unzstd(data: &[u8], sink: &mut Sink) -> std::result::Result<(), DecodeError> {
    use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
    use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

    let corrupt = |e: &dyn fmt::Display| DecodeError::Corrupt(e.to_string());
    let mut input = data;
    let mut frames = FrameDecoder::new();
    // ruzstd's streaming decoder handles one frame; `zstd` may write several
    // (and `cat a.zst b.zst` is a valid stream), so walk them here.
    while !input.is_empty() {
        let mut frame = match StreamingDecoder::new_with_decoder(&mut input, &mut frames) {
            Ok(frame) => frame,
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                // The frame header has been consumed; its payload has not.
                input = usize::try_from(length)
                    .ok()
                    .and_then(|n| input.get(n..))
                    .ok_or_else(|| corrupt(&"truncated skippable frame"))?;
                continue;
            }
            Err(e) => return Err(corrupt(&e)),
        };
        io::copy(&mut frame, sink).map_err(|e| corrupt(&e))?;
        // The streaming decoder reads the frame checksum but leaves checking
        // it to us; without this a flipped bit in a block goes unnoticed.
        let decoder = frame.into_frame_decoder();
        if let Some(stored) = decoder.get_checksum_from_data()
            && decoder.get_calculated_checksum() != Some(stored)
        {
            return Err(corrupt(&"checksum mismatch"));
        }
    }
    Ok(())
}

fn unxz(data: &[u8], sink: &mut Sink, scan_cap: u64) -> std::result::Result<(), DecodeError> {
    // lzma-rs builds each xz block whole in memory before writing any of it,
    // and xz writes one block per file unless multi-threaded, so a cap on its
    // output alone would come too late. The sizes in the LZMA2 chunk headers
    // bound the output, so sum them before decoding anything.
    // That whole block, grown by doubling, costs up to twice its size, and
    // only at the end is it known to be more than the ELF's extent: so xz
    // gets a quarter of the cap (512 MiB by default, above any real module)
    // to keep a crafted stream under 1 GiB.
    let limit = scan_cap / 4;
    match xz_scan(data, limit) {
        Err(DecodeError::TooBig) => return Err(DecodeError::XzTooBig(limit)),
        r => r?,
    }

    let mut input = data;
    // lzma-rs computes `(backward_size + 1) << 2` unchecked, which overflows
    // (a panic in debug builds) on crafted input; xz_scan rejects that case
    // for well-formed chunk sequences, and this catches what it cannot see.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lzma_rs::xz_decompress(&mut input, &mut *sink)
    }));
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(DecodeError::Corrupt(e.to_string())),
        Err(_) => Err(DecodeError::Corrupt("decoder failed".to_string())),
    }
}

/// Walks the structure of an xz stream (xz-file-format 1.1.0) without
/// decoding, checking that it is one that lzma-rs can decode and that its
/// LZMA2 chunks declare at most `cap` bytes of output in total.
fn xz_scan(data: &[u8], cap: u64) -> std::result::Result<(), DecodeError> {
    let corrupt = |m: &str| DecodeError::Corrupt(m.to_string());
    let truncated = || corrupt("truncated");
    let byte = |at: usize| data.get(at).copied().ok_or_else(truncated);
    let be16 = |at: usize| -> std::result::Result<u64, DecodeError> {
        Ok(u64::from(byte(at)?) << 8 | u64::from(byte(at + 1)?))
    };

    let flags = data.get(6..8).ok_or_else(truncated)?;
    if flags[0] != 0 || flags[1] & 0xF0 != 0 {
        return Err(corrupt("unsupported stream flags"));
    }
    let check_size = match flags[1] & 0x0F {
        0 => 0,
        1..=3 => 4,
        4..=6 => 8,
        7..=9 => 16,
        10..=12 => 32,
        _ => 64,
    };

    let mut pos = 12usize;
    let mut blocks = 0u64;
    let mut total = 0u64;
    loop {
        let header_size = byte(pos)?;
        if header_size == 0 {
            break; // the index follows the last block
        }
        let block_start = pos;
        // Only a lone LZMA2 filter is decodable by lzma-rs, and only with one
        // filter does the LZMA2 output size equal the block's output size.
        if byte(pos + 1)? & 0x03 != 0 {
            return Err(corrupt("unsupported filter chain (only LZMA2 alone)"));
        }
        let mut p = pos + (usize::from(header_size) + 1) * 4;
        loop {
            let control = byte(p)?;
            p += 1;
            match control {
                0 => break,
                1 | 2 => {
                    let size = be16(p)? + 1;
                    p = skip(p + 2, size);
                    total = total.saturating_add(size);
                }
                0x80..=0xFF => {
                    let unpacked = (u64::from(control & 0x1F) << 16 | be16(p)?) + 1;
                    let packed = be16(p + 2)? + 1;
                    let props = usize::from(control >= 0xC0);
                    p = skip(p + 4 + props, packed);
                    total = total.saturating_add(unpacked);
                }
                _ => return Err(corrupt("invalid LZMA2 chunk")),
            }
            if total > cap {
                return Err(DecodeError::TooBig);
            }
            if p > data.len() {
                return Err(truncated());
            }
        }
        pos = skip(block_start, round4(p - block_start) as u64 + check_size);
        blocks += 1;
    }

    let index_start = pos;
    let mut p = pos + 1;
    if varint(data, &mut p).ok_or_else(truncated)? != blocks {
        return Err(corrupt("index does not match the blocks"));
    }
    for _ in 0..blocks * 2 {
        varint(data, &mut p).ok_or_else(truncated)?;
    }
    let footer = index_start + round4(p - index_start) + 4;
    let index_size = (footer - index_start) as u64;
    let backward_size = data
        .get(footer + 4..footer + 8)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(truncated)?;
    if (u64::from(backward_size) + 1) * 4 != index_size {
        return Err(corrupt("index size does not match the footer"));
    }
    match data.len().checked_sub(footer + 12) {
        Some(0) => Ok(()),
        Some(_) => Err(corrupt("data after the end of the stream")),
        None => Err(truncated()),
    }
}

/// Advances a position by a size read from the input, saturating so that a
/// hostile size cannot overflow; the caller's bounds check then rejects it.
fn skip(pos: usize, by: u64) -> usize {
    pos.saturating_add(usize::try_from(by).unwrap_or(usize::MAX))
}

fn round4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// xz's variable-length integer: 7 bits a byte, low first, at most 9 bytes.
fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..9 {
        let b = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

//! The decompressors (gzip, zstd, xz for modules; bzip2, lzma, lzo and lz4
//! as well for the payload of a kernel boot image), streaming into a capped
//! sink that keeps only an ELF's extent. The format comes from the magic
//! bytes, as a compressed module is not always named for its format.

use std::fmt;
use std::io::{self, Write};

use super::extent::{ELF_MAGIC, MODULE_SIG_MAGIC, elf_extent};
use super::human_size;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Xz,
    Zstd,
    Gzip,
    Bzip2,
    /// The legacy `.lzma` ("LZMA alone") container.
    Lzma,
    /// lzop's container around LZO1X blocks.
    Lzo,
    /// LZ4's legacy frame, which the kernel's build writes (`lz4 -l`).
    Lz4Legacy,
}

pub(super) const LZO_MAGIC: &[u8] = &[0x89, b'L', b'Z', b'O', 0x00, 0x0D, 0x0A, 0x1A, 0x0A];
pub(super) const LZ4_LEGACY_MAGIC: &[u8] = &[0x02, 0x21, 0x4C, 0x18];

impl Format {
    /// Every format, in the order the kernel's `extract-vmlinux` tries them.
    pub(super) const ALL: [Format; 7] = [
        Format::Gzip,
        Format::Xz,
        Format::Bzip2,
        Format::Lzma,
        Format::Lzo,
        Format::Lz4Legacy,
        Format::Zstd,
    ];

    /// The formats a module or text input may come in. The kernel compresses
    /// modules with these three only, and the magics of the others are weak
    /// enough (lzma's is `5d 00 00`, bzip2's is "BZh") that a plain input
    /// could start with one.
    pub(super) fn detect(data: &[u8]) -> Option<Format> {
        Format::detect_any(data).filter(|f| matches!(f, Format::Xz | Format::Zstd | Format::Gzip))
    }

    /// Any format the kernel can compress itself with.
    pub(super) fn detect_any(data: &[u8]) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.matches(data))
    }

    /// The magic that starts a stream of this format.
    pub(super) fn magic(self) -> &'static [u8] {
        match self {
            Format::Xz => &[0xFD, b'7', b'z', b'X', b'Z', 0x00],
            Format::Zstd => &[0x28, 0xB5, 0x2F, 0xFD],
            Format::Gzip => &[0x1F, 0x8B],
            Format::Bzip2 => b"BZh",
            Format::Lzma => &[0x5D, 0x00, 0x00],
            Format::Lzo => LZO_MAGIC,
            Format::Lz4Legacy => LZ4_LEGACY_MAGIC,
        }
    }

    fn matches(self, data: &[u8]) -> bool {
        match self {
            Format::Zstd => data.starts_with(self.magic()) || is_zstd_skippable(data),
            // The block size digit makes "BZh" less likely to be text.
            Format::Bzip2 => {
                data.starts_with(self.magic()) && matches!(data.get(3), Some(b'1'..=b'9'))
            }
            _ => data.starts_with(self.magic()),
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Lzma => "lzma",
            Format::Lzo => "lzo",
            Format::Lz4Legacy => "lz4",
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
    /// What else than an ELF may be kept, whole, judged on the first
    /// [`SNIFF`] bytes (see [`Sink::sniffing`]).
    raw_ok: Option<fn(&[u8]) -> bool>,
}

/// How many bytes a sniffing sink sees before it decides.
pub(super) const SNIFF: u64 = 64;

impl Sink {
    pub(super) fn new(cap: u64, elf: bool) -> Self {
        Sink {
            buf: Vec::new(),
            total: 0,
            cap,
            elf,
            keep: if elf { SNIFF } else { u64::MAX },
            extent: None,
            tail: Vec::new(),
            exceeded: false,
            not_elf: false,
            raw_ok: None,
        }
    }

    /// A sink for a stream that may hold an ELF (kept to its extent, as by
    /// `new(cap, true)`) or something that `raw_ok` accepts from its first
    /// bytes (kept whole): a compressed boot image holds either. Anything
    /// else stops the decoder early, as a non-ELF does for `new(cap, true)`.
    pub(super) fn sniffing(cap: u64, raw_ok: fn(&[u8]) -> bool) -> Self {
        Sink {
            raw_ok: Some(raw_ok),
            ..Sink::new(cap, true)
        }
    }

    /// Whether the whole of the ELF's extent has been kept.
    pub(super) fn has_whole_elf(&self) -> bool {
        self.extent == Some(self.buf.len() as u64)
    }

    /// Learns more of the ELF's layout from what has been kept.
    fn refresh(&mut self) -> io::Result<()> {
        let n = self.buf.len().min(ELF_MAGIC.len());
        if self.buf[..n] != ELF_MAGIC[..n] {
            if let Some(raw_ok) = self.raw_ok
                && raw_ok(&self.buf)
            {
                self.elf = false;
                self.keep = u64::MAX;
                self.tail.clear();
                return Ok(());
            }
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
        Format::Bzip2 => bunzip2(data, sink),
        Format::Lzma => unlzma(data, sink, scan_cap),
        Format::Lzo => unlzo(data, sink),
        Format::Lz4Legacy => unlz4_legacy(data, sink),
    };
    match result {
        Err(DecodeError::XzTooBig(n)) => Err(DecodeError::XzTooBig(n)),
        _ if sink.exceeded => Err(DecodeError::TooBig),
        _ if sink.not_elf => Err(DecodeError::NotElf),
        r => r,
    }
}

/// The decoders on bytes already in memory, for the fuzz harnesses: `None`
/// when no compression magic is present, else what [`load`] (or, for the
/// formats only a kernel image uses, `load_kernel`) would make of it, with a caller-chosen cap so a fuzzer stays within its memory limit.
pub fn decompress_bytes(data: &[u8], cap: u64) -> Option<std::result::Result<Vec<u8>, String>> {
    let format = Format::detect_any(data)?;
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

fn bunzip2(data: &[u8], sink: &mut Sink) -> std::result::Result<(), DecodeError> {
    // Several streams concatenated are one file to bunzip2, as for gzip.
    let mut decoder = bzip2::read::MultiBzDecoder::new(data);
    io::copy(&mut decoder, sink).map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(())
}

fn unlzma(data: &[u8], sink: &mut Sink, scan_cap: u64) -> std::result::Result<(), DecodeError> {
    // lzma-rs keeps a dictionary of the size the header asks for, filled
    // before any of it is written out: bound it as xz's block is bounded.
    let options = lzma_rs::decompress::Options {
        memlimit: Some(usize::try_from(scan_cap / 4).unwrap_or(usize::MAX)),
        ..Default::default()
    };
    let mut input = data;
    // As for xz: arithmetic on header fields is not all checked in lzma-rs.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lzma_rs::lzma_decompress_with_options(&mut input, &mut *sink, &options)
    }));
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(DecodeError::Corrupt(e.to_string())),
        Err(_) => Err(DecodeError::Corrupt("decoder failed".to_string())),
    }
}

/// The largest block the kernel's own LZ4 decompressor accepts; its build
/// writes blocks of exactly this size but the last.
const LZ4_LEGACY_BLOCK: usize = 8 << 20;

/// LZ4's legacy frame: the magic, then blocks each prefixed by its
/// compressed size (u32 LE). Concatenated frames repeat the magic where a
/// size would be.
fn unlz4_legacy(data: &[u8], sink: &mut Sink) -> std::result::Result<(), DecodeError> {
    let corrupt = |m: String| DecodeError::Corrupt(m);
    // LZ4_compressBound of a full block: more cannot be a valid block.
    let max_packed = LZ4_LEGACY_BLOCK + LZ4_LEGACY_BLOCK / 255 + 16;
    let mut out = Vec::new();
    let mut rest = data
        .strip_prefix(LZ4_LEGACY_MAGIC)
        .ok_or_else(|| corrupt("not an lz4 legacy frame".into()))?;
    while !rest.is_empty() {
        let Some((size, body)) = rest.split_first_chunk::<4>() else {
            return Err(corrupt("truncated block size".into()));
        };
        if size[..] == *LZ4_LEGACY_MAGIC {
            rest = body;
            continue;
        }
        let size = u32::from_le_bytes(*size) as usize;
        if size > max_packed {
            return Err(corrupt(format!(
                "block of {size} bytes is larger than allowed"
            )));
        }
        let block = body
            .get(..size)
            .ok_or_else(|| corrupt("truncated block".into()))?;
        // Sized lazily, so a tiny stream costs no 8 MiB.
        if out.is_empty() {
            out.resize(LZ4_LEGACY_BLOCK, 0);
        }
        let n = lz4_flex::block::decompress_into(block, &mut out)
            .map_err(|e| corrupt(e.to_string()))?;
        sink.write_all(&out[..n])
            .map_err(|e| corrupt(e.to_string()))?;
        rest = &body[size..];
    }
    Ok(())
}

/// The largest block the kernel's LZO decompressor accepts, and lzop's
/// default block size.
const LZO_BLOCK: usize = 256 << 10;

/// lzop's container: a header (whose fields depend on its version and
/// flags), then blocks of (uncompressed size, compressed size, checksums,
/// data), ended by a zero size. Checksums are skipped: what matters is the
/// ELF that comes out, which is checked on its own.
fn unlzo(data: &[u8], sink: &mut Sink) -> std::result::Result<(), DecodeError> {
    const ADLER32_D: u32 = 0x1;
    const ADLER32_C: u32 = 0x2;
    const EXTRA_FIELD: u32 = 0x40;
    const CRC32_D: u32 = 0x100;
    const CRC32_C: u32 = 0x200;
    const FILTER: u32 = 0x800;

    let mut r = Reader {
        data,
        pos: LZO_MAGIC.len(),
    };
    if !data.starts_with(LZO_MAGIC) {
        return Err(DecodeError::Corrupt("not an lzop file".into()));
    }
    let version = r.be16()?;
    r.skip(2)?; // the library's version
    let modern = version >= 0x0940;
    if modern {
        r.skip(2)?; // the version needed to extract
    }
    let method = r.byte()?;
    if !(1..=3).contains(&method) {
        return Err(DecodeError::Corrupt(format!(
            "unsupported lzop method {method} (only LZO1X)"
        )));
    }
    if modern {
        r.skip(1)?; // level
    }
    let flags = r.be32()?;
    if flags & FILTER != 0 {
        return Err(DecodeError::Corrupt(
            "lzop filters are not supported".into(),
        ));
    }
    r.skip(if modern { 12 } else { 8 })?; // mode, mtime (low, high)
    let name_len = r.byte()?;
    r.skip(usize::from(name_len) + 4)?; // name, header checksum
    if flags & EXTRA_FIELD != 0 {
        let len = r.be32()? as usize;
        r.skip(len.saturating_add(4))?;
    }

    let checksums = |bits: [u32; 2]| bits.iter().filter(|&&b| flags & b != 0).count() * 4;
    // One block's output, reused: at most LZO_BLOCK bytes.
    let mut out = Vec::new();
    loop {
        let unpacked = r.be32()? as usize;
        if unpacked == 0 {
            break;
        }
        let packed = r.be32()? as usize;
        if unpacked > LZO_BLOCK {
            return Err(DecodeError::Corrupt(format!(
                "block of {unpacked} bytes is larger than allowed"
            )));
        }
        if packed > unpacked {
            return Err(DecodeError::Corrupt(
                "block larger compressed than not".into(),
            ));
        }
        r.skip(checksums([ADLER32_D, CRC32_D]))?;
        if packed < unpacked {
            r.skip(checksums([ADLER32_C, CRC32_C]))?;
        }
        let block = r.take(packed)?;
        if packed == unpacked {
            sink.write_all(block)
                .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
            continue;
        }
        out.clear();
        super::lzo::decompress_block(block, &mut out, unpacked)
            .map_err(|e| DecodeError::Corrupt(format!("corrupt LZO block: {e}")))?;
        if out.len() != unpacked {
            return Err(DecodeError::Corrupt(
                "LZO block does not decompress to its declared size".into(),
            ));
        }
        sink.write_all(&out)
            .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    }
    Ok(())
}

/// Big-endian fields of a header, each read checked.
struct Reader<'d> {
    data: &'d [u8],
    pos: usize,
}

impl<'d> Reader<'d> {
    fn take(&mut self, n: usize) -> std::result::Result<&'d [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or_else(|| DecodeError::Corrupt("truncated".into()))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn skip(&mut self, n: usize) -> std::result::Result<(), DecodeError> {
        self.take(n).map(|_| ())
    }

    fn byte(&mut self) -> std::result::Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn be16(&mut self) -> std::result::Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn be32(&mut self) -> std::result::Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
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
/// decoding, checking that it is one that lzma-rs can decode, that its
/// LZMA2 chunks declare at most `cap` bytes of output in total, and that
/// nothing follows it.
fn xz_scan(data: &[u8], cap: u64) -> std::result::Result<(), DecodeError> {
    if xz_walk(data, cap)? == data.len() {
        Ok(())
    } else {
        Err(DecodeError::Corrupt(
            "data after the end of the stream".to_string(),
        ))
    }
}

/// [`xz_scan`]'s walk, giving where the stream ends.
fn xz_walk(data: &[u8], cap: u64) -> std::result::Result<usize, DecodeError> {
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
        Some(_) => Ok(footer + 12),
        None => Err(truncated()),
    }
}

/// How long the xz stream that `data` starts with is, when its structure
/// holds together: what follows it is not the stream's.
pub(super) fn xz_stream_len(data: &[u8]) -> Option<usize> {
    xz_walk(data, u64::MAX).ok()
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

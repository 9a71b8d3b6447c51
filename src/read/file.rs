//! Getting the bytes of an input file, and finding the module files of a tree.
//!
//! Distributions ship modules plain (Debian), xz-compressed (Fedora, RHEL,
//! SUSE), zstd-compressed (Arch, newer Fedora) or gzip-compressed, and a
//! compressed file is not always named for its format, so the format is taken
//! from the magic bytes. Plain files are mapped rather than read because a
//! vmlinux with DWARF runs to hundreds of megabytes and most of it is never
//! touched.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::error::{Error, Result};

/// No kernel image or module comes near this; a file that inflates past it is
/// broken or hostile, and stopping here keeps it from exhausting memory.
const MAX_DECOMPRESSED: u64 = 4 << 30;

/// Module file suffixes, compressed ones first so that `.ko.xz` is not taken
/// for a file whose name merely contains `.ko`.
const MODULE_SUFFIXES: [&str; 4] = [".ko.xz", ".ko.zst", ".ko.gz", ".ko"];

/// The bytes of one input file: memory-mapped when plain; decompressed into
/// memory when xz/zstd/gzip (detected by magic bytes, not by the extension).
pub struct FileData(Inner);

enum Inner {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl FileData {
    pub fn from_vec(v: Vec<u8>) -> Self {
        FileData(Inner::Owned(v))
    }
}

impl Deref for FileData {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Mapped(m) => m,
            Inner::Owned(v) => v,
        }
    }
}

impl fmt::Debug for FileData {
    // The contents would flood any log they were printed to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Inner::Mapped(_) => "mapped",
            Inner::Owned(_) => "owned",
        };
        write!(f, "FileData({kind}, {} bytes)", self.len())
    }
}

/// Reads `path`, decompressing it when its magic bytes say xz, zstd or gzip.
/// An empty file gives empty data: whether that is an error depends on what
/// the caller expected the file to hold.
pub fn load(path: &Path) -> Result<FileData> {
    let file =
        File::open(path).map_err(|e| Error::input(path, format!("cannot open: {}", io_msg(&e))))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::input(path, format!("cannot stat: {}", io_msg(&e))))?;
    if meta.is_dir() {
        // Opening a directory succeeds on Linux; reading it fails later with a
        // less helpful message.
        return Err(Error::input(path, "is a directory"));
    }

    let raw = if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is only sound while nobody truncates or rewrites the
        // file under us (that would change or unmap bytes we hand out as &[u8]).
        // Inputs are finished build outputs that nothing writes while we compare
        // them, the same bargain every ELF tool makes; reading instead would
        // copy hundreds of megabytes of DWARF we mostly never look at.
        let map = unsafe { Mmap::map(&file) }
            .map_err(|e| Error::input(path, format!("cannot map: {}", io_msg(&e))))?;
        FileData(Inner::Mapped(map))
    } else {
        // A zero-length map is an error, and pipes (`<(zcat x.ko.gz)`) or
        // procfs-like files that report size 0 cannot be mapped: read them.
        let mut buf = Vec::new();
        (&file)
            .take(MAX_DECOMPRESSED + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
        if buf.len() as u64 > MAX_DECOMPRESSED {
            return Err(Error::input(path, "file is larger than 4 GiB"));
        }
        FileData::from_vec(buf)
    };

    match Format::detect(&raw) {
        None => Ok(raw),
        Some(format) => decompress(format, &raw, MAX_DECOMPRESSED)
            .map(FileData::from_vec)
            .map_err(|e| Error::input(path, e.message(format))),
    }
}

/// `data` (as [`load`] gave it) as an ELF file; the error names `path`.
pub fn parse_elf<'d>(path: &Path, data: &'d [u8]) -> Result<object::File<'d>> {
    object::File::parse(data).map_err(|e| Error::input(path, format!("not a valid ELF file: {e}")))
}

/// Every kernel module under `dir`, recursively, sorted by path.
///
/// Symlinked directories are not entered: `/lib/modules/*/build` points into a
/// whole source tree, and a link back up would loop forever. Symlinked module
/// files are kept when they lead to a file.
pub fn find_modules(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(Error::input(dir, "not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::input(dir, "no such directory"));
        }
        Err(e) => return Err(Error::input(dir, format!("cannot access: {}", io_msg(&e)))),
    }

    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        // A directory we cannot list may hold modules; leaving them out
        // silently would make the comparison claim they were removed.
        let unreadable =
            |e: io::Error| Error::input(&current, format!("cannot read directory: {}", io_msg(&e)));
        for entry in fs::read_dir(&current).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let path = entry.path();
            let kind = entry.file_type().map_err(unreadable)?;
            if kind.is_dir() {
                pending.push(path);
            } else if is_module_file_name(&entry.file_name().to_string_lossy())
                && (kind.is_file() || (kind.is_symlink() && path.is_file()))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The module files a command line names: files as given, directories
/// searched for every module below them. A directory without any is an
/// error, as a mistyped path would otherwise check nothing and pass.
pub fn module_files(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for a in args {
        if a.is_dir() {
            let found = find_modules(a)?;
            if found.is_empty() {
                return Err(Error::input(a, "no modules (*.ko) below this directory"));
            }
            paths.extend(found);
        } else if a.exists() {
            paths.push(a.clone());
        } else {
            return Err(Error::input(a, "no such file or directory"));
        }
    }
    Ok(paths)
}

/// Kernel module name of a module file: the basename without `.ko[.xz|.zst|.gz]`,
/// spelled as kbuild does (crc-ccitt.ko -> crc_ccitt), so that it matches the
/// names in Module.symvers and modinfo.
pub fn module_name(path: &Path) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = MODULE_SUFFIXES
        .iter()
        .find_map(|s| base.strip_suffix(s))
        .unwrap_or(&base);
    kbuild_name(stem)
}

/// A module name as kbuild spells it for KBUILD_MODNAME: '-' becomes '_'.
/// File names, `depends=` and people write either; the kernel knows only
/// this one, so every name is compared in this form.
pub fn kbuild_name(name: &str) -> String {
    name.replace('-', "_")
}

/// The first `n` bytes of `path` as [`load`] would give them: enough to tell
/// what the file holds without mapping it, or inflating it when it is plain.
pub fn head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let file =
        File::open(path).map_err(|e| Error::input(path, format!("cannot open: {}", io_msg(&e))))?;
    let mut buf = Vec::new();
    (&file)
        .take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
    if Format::detect(&buf).is_some() {
        let all = load(path)?;
        return Ok(all[..n.min(all.len())].to_vec());
    }
    Ok(buf)
}

fn is_module_file_name(name: &str) -> bool {
    MODULE_SUFFIXES
        .iter()
        .any(|s| name.strip_suffix(s).is_some_and(|stem| !stem.is_empty()))
}

/// `io::Error` says "No such file or directory (os error 2)"; the number means
/// nothing to the reader of a diagnostic.
fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Xz,
    Zstd,
    Gzip,
}

impl Format {
    fn detect(data: &[u8]) -> Option<Format> {
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
enum DecodeError {
    Corrupt(String),
    TooBig,
}

impl DecodeError {
    fn message(&self, format: Format) -> String {
        match self {
            DecodeError::Corrupt(m) => format!("corrupt {} data: {m}", format.name()),
            DecodeError::TooBig => format!(
                "{} data decompresses to more than {} GiB",
                format.name(),
                MAX_DECOMPRESSED >> 30
            ),
        }
    }
}

fn decompress(format: Format, data: &[u8], cap: u64) -> std::result::Result<Vec<u8>, DecodeError> {
    match format {
        Format::Xz => unxz(data, cap),
        Format::Zstd => unzstd(data, cap),
        Format::Gzip => gunzip(data, cap),
    }
}

/// The decoders on bytes already in memory, for the fuzz harnesses: `None`
/// when no compression magic is present, else what [`load`] would make of
/// it, with a caller-chosen cap so a fuzzer stays within its memory limit.
pub fn decompress_bytes(data: &[u8], cap: u64) -> Option<std::result::Result<Vec<u8>, String>> {
    let format = Format::detect(data)?;
    Some(decompress(format, data, cap).map_err(|e| e.message(format)))
}

fn gunzip(data: &[u8], cap: u64) -> std::result::Result<Vec<u8>, DecodeError> {
    // `gzip a b > c` makes several members, which gunzip concatenates.
    let decoder = flate2::read::MultiGzDecoder::new(data);
    read_capped(decoder, cap)
}

/// Reads all of `reader` but stops one byte past `cap`, so that a bomb is
/// detected after `cap` bytes of work instead of after all of it.
fn read_capped(reader: impl Read, cap: u64) -> std::result::Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    if out.len() as u64 > cap {
        return Err(DecodeError::TooBig);
    }
    Ok(out)
}

fn unzstd(data: &[u8], cap: u64) -> std::result::Result<Vec<u8>, DecodeError> {
    use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
    use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

    let corrupt = |e: &dyn fmt::Display| DecodeError::Corrupt(e.to_string());
    let mut input = data;
    let mut out = Vec::new();
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
        let room = cap.saturating_sub(out.len() as u64);
        (&mut frame)
            .take(room.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| corrupt(&e))?;
        if out.len() as u64 > cap {
            return Err(DecodeError::TooBig);
        }
        // The streaming decoder reads the frame checksum but leaves checking
        // it to us; without this a flipped bit in a block goes unnoticed.
        let decoder = frame.into_frame_decoder();
        if let Some(stored) = decoder.get_checksum_from_data()
            && decoder.get_calculated_checksum() != Some(stored)
        {
            return Err(corrupt(&"checksum mismatch"));
        }
    }
    Ok(out)
}

fn unxz(data: &[u8], cap: u64) -> std::result::Result<Vec<u8>, DecodeError> {
    // lzma-rs builds each xz block whole in memory before writing any of it,
    // and xz writes one block per file unless multi-threaded, so a cap on its
    // output alone would come too late. The sizes in the LZMA2 chunk headers
    // bound the output, so sum them before decoding anything.
    xz_scan(data, cap)?;

    let mut out = CappedVec {
        buf: Vec::new(),
        cap,
        exceeded: false,
    };
    let mut input = data;
    // lzma-rs computes `(backward_size + 1) << 2` unchecked, which overflows
    // (a panic in debug builds) on crafted input; xz_scan rejects that case
    // for well-formed chunk sequences, and this catches what it cannot see.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lzma_rs::xz_decompress(&mut input, &mut out)
    }));
    match result {
        Ok(Ok(())) => Ok(out.buf),
        _ if out.exceeded => Err(DecodeError::TooBig),
        Ok(Err(e)) => Err(DecodeError::Corrupt(e.to_string())),
        Err(_) => Err(DecodeError::Corrupt("decoder failed".to_string())),
    }
}

struct CappedVec {
    buf: Vec<u8>,
    cap: u64,
    exceeded: bool,
}

impl Write for CappedVec {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if (self.buf.len() as u64).saturating_add(data.len() as u64) > self.cap {
            self.exceeded = true;
            return Err(io::Error::other("output size limit exceeded"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Something ELF-like and compressible but not trivially so.
    fn sample() -> Vec<u8> {
        let mut v = b"\x7fELF\x02\x01\x01".to_vec();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly text-like with repeats, like the string tables of a module.
            v.push(if i % 7 == 0 {
                (x >> 56) as u8
            } else {
                b'a' + (i % 23) as u8
            });
        }
        v
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
        out
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, bytes).unwrap();
        path
    }

    fn err_text(r: Result<FileData>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn every_compression_loads_to_the_same_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = sample();
        let files = [
            write(tmp.path(), "m.ko", &plain),
            write(tmp.path(), "m.ko.xz", &xz(&plain)),
            write(tmp.path(), "m.ko.zst", &zstd(&plain)),
            write(tmp.path(), "m.ko.gz", &gzip(&plain)),
        ];
        for f in &files {
            let data = load(f).unwrap();
            assert!(&*data == plain.as_slice(), "{} differs", f.display());
            assert_eq!(head(f, 10).unwrap(), &plain[..10], "{}", f.display());
            assert_eq!(head(f, usize::MAX >> 1).unwrap(), plain, "{}", f.display());
        }
        assert!(matches!(load(&files[0]).unwrap().0, Inner::Mapped(_)));
    }

    #[test]
    fn format_comes_from_magic_not_name() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = sample();
        // Compressed, but named as plain; and plain, but named as compressed.
        let a = write(tmp.path(), "a.ko", &zstd(&plain));
        let b = write(tmp.path(), "b.ko.xz", &plain);
        assert!(*load(&a).unwrap() == *plain);
        assert!(*load(&b).unwrap() == *plain);
    }

    #[test]
    fn multi_member_and_multi_frame_streams() {
        let tmp = tempfile::tempdir().unwrap();
        let gz = [gzip(b"first "), gzip(b"second")].concat();
        let zst = [zstd(b"first "), zstd(b"second")].concat();
        // A skippable frame (magic 0x184D2A50, 3 payload bytes) leads the stream.
        let skippable = [&[0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9][..], &zst].concat();
        for (name, bytes) in [("a.gz", gz), ("a.zst", zst), ("b.zst", skippable)] {
            let f = write(tmp.path(), name, &bytes);
            assert_eq!(&*load(&f).unwrap(), b"first second", "{name}");
        }
    }

    /// `kbuild_like_text()` as compressed by `xz --check=crc32 --lzma2=dict=1MiB`,
    /// the settings kbuild uses for modules: real LZMA2 chunks and a CRC32 check,
    /// which lzma-rs's own encoder (stored chunks, no check) does not produce.
    const REAL_XZ_HEX: &str = "\
        fd377a585a0000016922de360200210110000000a8708e86e0295303255d0022960623801628cc11005a7960f0a0a8cc\
        bfa42abdc7c323fb817b6bc96913ec57be2bc52761749b756be6775d04fdf794962f86af993160601c4167b68e8e0ebe\
        ef6feefe79d92408c6fbdde2ea351aaadc6709077554f184e7582abb0bf031937c1c70ebef1919bb3896675ba2d3f274\
        5966ac714f722a338db680fc244c83ac999fa54db65956fa9d4eb11e4a6e0a3466bc3119546d84e94b9d6460b3fe84df\
        c3fcc1b730005f294055de5826989f6eb6b0da445654ab774b2ed5257e84243fe959333a20bf9c8782acbfbda4885fe3\
        27742951f472b4308ef2d6c164f81854d57e4ade77f13875b169f0e8cc59bcafef952c09d0ae2370d674a94e24c92d34\
        576d53308e54e336960ad62ef602a7837c87db3f29012d95e5d8e00aaa9c134d024138182353ec3ecb2f890823337dec\
        8fc7b522e7fbe0bb6d9a10094c6a8a10bfcd6ab8264e76d721537ed0b68f5cf8dc981c56c645e22a5569d7110aaac84b\
        8339992a8d7d6834d790a11ef400b81efe2d9db4a2fcca7e159b218ce564722ebed99db4414a45ded2964c7db34d8d34\
        972c2468d1d8f69aeecba29f77eeffd3f7b95dd3a104cde864dfbe17011faeb7b6cc92f7b98b17ee16b3987d0debf195\
        99c68048db8fb354e25a9cf2090fb1aff004515b2b72fd34824dd9bf9fbf41d9fc960c46d9e78a3c259ad33ba8a55854\
        7739dc939fd5c1d8244512c679b1c5debd3ad0710059b300e0d522b354fab8e98e73d34174135c55df1d3ec9bd6188e7\
        6a247a8b140d619d70260f20043b12c2f3cec069dca46dd9fbc7c20798bdb404caafbeae09afff497553aa987deba441\
        bf7b7426314ef5b6a3b91e08ded2f64fa44b0d9695a357d937139abeb32cbac630992d87b71c8c3796872e110edc6232\
        94ec7acd55d9eb10f70ff4b7b09b8ecac9449ed4cfcf3943dffd74be2cbbaa569374919848b4ccaccdd41b21be33b4c5\
        20b902e9b0ffb52972376093731dbb2aea8c79c91bc01194db27381d7f5d1e8b07c205c59c662e0f8f7cc31932d2aa67\
        b0a1fc292094b783ba332f2320e7db8f920fbdc86cfd1b656ff2b8e861ebd1ff317b54a0c2465dc8679d9b5ab79637de\
        c4f3565a76e9136967bf04956e1a171ddc8c3f380000000054657c7e0001bd06d4520000c6f54f2c3e300d8b02000000\
        0001595a\
    ";

    fn kbuild_like_text() -> Vec<u8> {
        (0..400)
            .map(|i| format!("EXPORT_SYMBOL(crc_{}_{i});\n", i % 37))
            .collect::<String>()
            .into_bytes()
    }

    fn real_xz() -> Vec<u8> {
        let hex: Vec<u8> = REAL_XZ_HEX.bytes().filter(u8::is_ascii_hexdigit).collect();
        hex.chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn xz_made_by_the_xz_tool() {
        let tmp = tempfile::tempdir().unwrap();
        let f = write(tmp.path(), "crc.ko.xz", &real_xz());
        assert!(*load(&f).unwrap() == *kbuild_like_text());
    }

    #[test]
    fn corrupt_data_is_an_error_naming_file_and_format() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = sample();
        for (name, mut bytes, format) in [
            ("x.ko.xz", real_xz(), "xz"),
            ("x.ko.zst", zstd(&plain), "zstd"),
            ("x.ko.gz", gzip(&plain), "gzip"),
        ] {
            // Flip a byte in the middle of the compressed payload.
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
            let f = write(tmp.path(), name, &bytes);
            let msg = err_text(load(&f));
            assert!(msg.starts_with(&f.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("corrupt {format} data: ")), "{msg}");

            let half = write(tmp.path(), &format!("half-{name}"), &bytes[..mid]);
            assert!(load(&half).is_err(), "{name} truncated");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let plain = sample();
        let streams = [real_xz(), zstd(&plain[..5000]), gzip(&plain[..5000])];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for stream in &streams {
            let format = Format::detect(stream).unwrap();
            for cut in (0..stream.len()).step_by(97) {
                let _ = decompress(format, &stream[..cut], MAX_DECOMPRESSED);
            }
            for _ in 0..300 {
                let mut bytes = stream.clone();
                for _ in 0..3 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let at = (x % bytes.len() as u64) as usize;
                    bytes[at] ^= (x >> 32) as u8 | 1;
                }
                let _ = decompress(format, &bytes, MAX_DECOMPRESSED);
            }
        }
    }

    #[test]
    fn output_is_capped() {
        let zeros = vec![0u8; 1 << 20];
        for bytes in [xz(&zeros), zstd(&zeros), gzip(&zeros)] {
            let format = Format::detect(&bytes).unwrap();
            assert!(matches!(
                decompress(format, &bytes, 1000),
                Err(DecodeError::TooBig)
            ));
            assert_eq!(decompress(format, &bytes, 1 << 20).unwrap().len(), 1 << 20);
        }
    }

    #[test]
    fn open_errors_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope.ko");
        assert_eq!(
            err_text(load(&missing)),
            format!(
                "{}: cannot open: No such file or directory",
                missing.display()
            )
        );
        assert!(err_text(load(tmp.path())).ends_with(": is a directory"));
    }

    #[test]
    fn empty_file_is_empty_data() {
        let tmp = tempfile::tempdir().unwrap();
        let f = write(tmp.path(), "empty.ko", b"");
        assert!(load(&f).unwrap().is_empty());
        assert!(FileData::from_vec(Vec::new()).is_empty());
    }

    #[test]
    fn finds_modules_recursively_in_path_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for name in [
            "kernel/lib/crc-ccitt.ko",
            "kernel/drivers/net/dummy.ko.xz",
            "kernel/fs/ext4/ext4.ko.zst",
            "extra/b.ko.gz",
            "extra/a.ko",
            "modules.dep",
            "kernel/lib/notes.ko.txt",
            "kernel/lib/.ko",
        ] {
            write(root, name, b"x");
        }
        #[cfg(unix)]
        {
            // A cycle back to the root, and a link to a module file.
            std::os::unix::fs::symlink(root, root.join("kernel/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("extra/a.ko"), root.join("linked.ko")).unwrap();
            std::os::unix::fs::symlink(root.join("gone"), root.join("dangling.ko")).unwrap();
        }
        let found: Vec<String> = find_modules(root)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        let mut expected = vec![
            "extra/a.ko",
            "extra/b.ko.gz",
            "kernel/drivers/net/dummy.ko.xz",
            "kernel/fs/ext4/ext4.ko.zst",
            "kernel/lib/crc-ccitt.ko",
        ];
        if cfg!(unix) {
            expected.push("linked.ko");
        }
        assert_eq!(found, expected);
    }

    #[test]
    fn find_modules_rejects_missing_and_non_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("missing");
        let file = write(tmp.path(), "file", b"x");
        assert_eq!(
            find_modules(&missing).unwrap_err().to_string(),
            format!("{}: no such directory", missing.display())
        );
        assert_eq!(
            find_modules(&file).unwrap_err().to_string(),
            format!("{}: not a directory", file.display())
        );
    }

    #[test]
    fn module_names_follow_kbuild() {
        for (path, name) in [
            ("kernel/lib/crc-ccitt.ko", "crc_ccitt"),
            ("a/b/snd-hda-intel.ko.xz", "snd_hda_intel"),
            ("ext4.ko.zst", "ext4"),
            ("x/nf_conntrack.ko.gz", "nf_conntrack"),
            ("vmlinux", "vmlinux"),
        ] {
            assert_eq!(module_name(Path::new(path)), name);
        }
        assert_eq!(kbuild_name("crc-itu-t"), "crc_itu_t");
    }
}

//! Getting the bytes of an input file, and finding the module files of a tree.
//! The codecs are in `codec`, the ELF extent that bounds what is kept in
//! `extent`, module discovery in `modules`, kernel boot images in `image`.
//!
//! Distributions ship modules plain (Debian), xz-compressed (Fedora, RHEL,
//! SUSE), zstd-compressed (Arch, newer Fedora) or gzip-compressed, and a
//! compressed file is not always named for its format, so the format is taken
//! from the magic bytes. Plain files are mapped rather than read because a
//! vmlinux with DWARF runs to hundreds of megabytes and most of it is never
//! touched.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::Mmap;

use crate::error::{Error, Result};

mod codec;
mod extent;
pub mod image;
mod lzo;
mod modules;
#[cfg(test)]
mod tests;

pub use codec::decompress_bytes;
pub use image::{KernelImage, load_kernel, looks_like_boot_image, parse_kernel_image};
pub use modules::{check_kind, find_modules, kbuild_name, module_files, module_name, odd_kind};

use codec::{DecodeError, Format, Sink, decompress};
use extent::{ELF_MAGIC, MODULE_SIG_MAGIC, check_trailing, elf_extent};

/// Default cap on the decompressed size of one input: no kernel image or
/// module comes near it (a debug vmlinux is under 1 GiB), and a file that
/// inflates past it is broken or hostile; stopping there keeps it from
/// exhausting memory. `--max-input-size` raises it.
pub const DEFAULT_MAX_INPUT: u64 = 2 << 30;

static MAX_INPUT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT);

/// The cap on decompressed bytes per file (`--max-input-size`).
pub fn max_input_size() -> u64 {
    MAX_INPUT.load(Ordering::Relaxed)
}

pub fn set_max_input_size(n: u64) {
    MAX_INPUT.store(n.max(1), Ordering::Relaxed);
}

/// Text inputs (Module.symvers, dumps, lists, suppressions) are read whole
/// and then split into strings, several times their size in memory, so they
/// get an eighth of the binary cap: 256 MiB by default, twenty times the
/// largest real Module.symvers or dump, and raised with the same flag.
pub fn max_text_size() -> u64 {
    max_input_size() / 8
}

/// A size as the messages print it: "2 GiB", "256 MiB" or a byte count.
pub fn human_size(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// Warnings from readers that have no channel of their own, printed by the
/// binaries after the run (see [`take_warnings`]).
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub(super) fn warn(msg: String) {
    if let Ok(mut w) = WARNINGS.lock() {
        w.push(msg);
    }
}

/// The warnings gathered so far, in the order given, and forgets them.
pub fn take_warnings() -> Vec<String> {
    WARNINGS
        .lock()
        .map(|mut w| std::mem::take(&mut *w))
        .unwrap_or_default()
}

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

    /// Mapped from the file, rather than held (decompressed) in memory.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Inner::Mapped(_))
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

/// Reads the ELF file `path` (a module, vmlinux or debug file),
/// decompressing it when its magic bytes say xz, zstd or gzip. An empty file
/// gives empty data: whether that is an error depends on what the caller
/// expected the file to hold.
///
/// Only the ELF's extent is kept in memory: bytes past the last section,
/// segment and header table are counted against the cap, never stored, so a
/// module followed by gigabytes of zeros costs no more than the module.
pub fn load(path: &Path) -> Result<FileData> {
    load_as(path, Kind::Elf)
}

/// Reads the text input `path` (Module.symvers, a dump, a list), after
/// checking its size, decompressing it as [`load`] does.
pub fn load_text(path: &Path) -> Result<FileData> {
    load_as(path, Kind::Text)
}

/// Reads a saved JSON report (`kmi render`), decompressing it as [`load`]
/// does. Under the whole cap, not a text input's eighth: the report of two
/// distant releases is hundreds of MB, and it is parsed once into its
/// types, not split into strings.
pub fn load_report(path: &Path) -> Result<FileData> {
    load_as(path, Kind::Report)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Elf,
    Text,
    Report,
}

fn load_as(path: &Path, kind: Kind) -> Result<FileData> {
    let cap = match kind {
        Kind::Elf | Kind::Report => max_input_size(),
        Kind::Text => max_text_size(),
    };
    let raw = open_raw(path, kind, cap)?;
    let Some(format) = Format::detect(&raw) else {
        if kind == Kind::Elf {
            check_plain_elf(path, &raw);
        }
        return Ok(raw);
    };
    inflate_input(path, &raw, format, cap, kind == Kind::Elf)
}

/// The bytes of `path` as they are on disk: mapped when it is a regular
/// file, else read (up to `cap`).
fn open_raw(path: &Path, kind: Kind, cap: u64) -> Result<FileData> {
    check_kind(path, true)?;
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
    let too_big = || {
        Error::input(
            path,
            format!(
                "file is larger than {} (raise with --max-input-size)",
                human_size(cap)
            ),
        )
    };

    if meta.is_file() && meta.len() > 0 {
        // A mapped ELF costs only the pages touched; a text input is split
        // into owned strings, so its size is checked before anything is read.
        if kind != Kind::Elf && meta.len() > cap {
            return Err(too_big());
        }
        // SAFETY: the map is only sound while nobody truncates or rewrites the
        // file under us (that would change or unmap bytes we hand out as &[u8]).
        // Inputs are finished build outputs that nothing writes while we compare
        // them, the same bargain every ELF tool makes; reading instead would
        // copy hundreds of megabytes of DWARF we mostly never look at.
        let map = unsafe { Mmap::map(&file) }
            .map_err(|e| Error::input(path, format!("cannot map: {}", io_msg(&e))))?;
        Ok(FileData(Inner::Mapped(map)))
    } else {
        // A zero-length map is an error, and pipes (`<(zcat x.ko.gz)`) or
        // procfs-like files that report size 0 cannot be mapped: read them.
        let mut buf = Vec::new();
        (&file)
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
        if buf.len() as u64 > cap {
            return Err(too_big());
        }
        Ok(FileData::from_vec(buf))
    }
}

/// Warns about bytes past the extent of a plain ELF file.
fn check_plain_elf(path: &Path, raw: &[u8]) {
    if raw.starts_with(ELF_MAGIC) {
        let tail = &raw[raw.len().saturating_sub(MODULE_SIG_MAGIC.len())..];
        // A header that contradicts itself gives no extent to trust:
        // the ELF checks name the problem instead of this warning.
        if super::elfcheck::check_header(raw).is_ok()
            && let Ok(extent) = elf_extent(raw)
        {
            check_trailing(path, extent, raw.len() as u64, tail);
        }
    }
}

/// Decompresses `raw`, keeping only the ELF's extent when `elf`.
fn inflate_input(path: &Path, raw: &[u8], format: Format, cap: u64, elf: bool) -> Result<FileData> {
    let mut sink = Sink::new(cap, elf);
    decompress(format, raw, &mut sink, max_input_size())
        .map_err(|e| Error::input(path, e.message(format, cap)))?;
    if let Some(extent) = sink.extent {
        check_trailing(path, extent, sink.total, &sink.tail);
    }
    Ok(FileData::from_vec(sink.buf))
}

/// `data` (as [`load`] gave it) as an ELF file; the error names `path`.
pub fn parse_elf<'d>(path: &Path, data: &'d [u8]) -> Result<object::File<'d>> {
    super::elfcheck::check_header(data).map_err(|e| Error::input(path, e))?;
    let file = object::File::parse(data)
        .map_err(|e| Error::input(path, format!("not a valid ELF file: {e}")))?;
    super::elfcheck::check_sections(&file, data.len()).map_err(|e| Error::input(path, e))?;
    Ok(file)
}

/// The first `n` bytes of `path` as [`load_text`] would give them: enough to
/// tell what the file holds without mapping it, or inflating all of it when
/// it is compressed.
pub fn head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let file =
        File::open(path).map_err(|e| Error::input(path, format!("cannot open: {}", io_msg(&e))))?;
    let mut buf = Vec::new();
    (&file)
        .take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
    let Some(format) = Format::detect(&buf) else {
        return Ok(buf);
    };
    let raw = load_as_raw(path)?;
    // Stop at `n` bytes: "too big" here only means "we have enough".
    let mut sink = Sink::new(n as u64, false);
    match decompress(format, &raw, &mut sink, max_input_size()) {
        Ok(()) | Err(DecodeError::TooBig) => Ok(sink.buf),
        Err(e) => Err(Error::input(path, e.message(format, max_input_size()))),
    }
}

/// The bytes of `path` as they are on disk, read into memory (capped).
fn load_as_raw(path: &Path) -> Result<FileData> {
    let file =
        File::open(path).map_err(|e| Error::input(path, format!("cannot open: {}", io_msg(&e))))?;
    let mut buf = Vec::new();
    let cap = max_input_size();
    (&file)
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
    if buf.len() as u64 > cap {
        return Err(Error::input(
            path,
            format!("file is larger than {}", human_size(cap)),
        ));
    }
    Ok(FileData::from_vec(buf))
}

/// `io::Error` says "No such file or directory (os error 2)"; the number means
/// nothing to the reader of a diagnostic.
pub(super) fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

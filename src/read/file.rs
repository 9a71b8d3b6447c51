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
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::Mmap;

use crate::error::{Error, Result};

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

/// What the kernel's `sign-file` appends after a module's ELF data: the
/// signature, its length, then this. The only data a real module carries
/// past its ELF extent.
const MODULE_SIG_MAGIC: &[u8] = b"~Module signature appended~\n";

/// Warnings from readers that have no channel of their own, printed by the
/// binaries after the run (see [`take_warnings`]).
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn warn(msg: String) {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Elf,
    Text,
}

fn load_as(path: &Path, kind: Kind) -> Result<FileData> {
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
    let cap = match kind {
        Kind::Elf => max_input_size(),
        Kind::Text => max_text_size(),
    };
    let too_big = || {
        Error::input(
            path,
            format!(
                "file is larger than {} (raise with --max-input-size)",
                human_size(cap)
            ),
        )
    };

    let raw = if meta.is_file() && meta.len() > 0 {
        // A mapped ELF costs only the pages touched; a text input is split
        // into owned strings, so its size is checked before anything is read.
        if kind == Kind::Text && meta.len() > cap {
            return Err(too_big());
        }
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
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::input(path, format!("cannot read: {}", io_msg(&e))))?;
        if buf.len() as u64 > cap {
            return Err(too_big());
        }
        FileData::from_vec(buf)
    };

    let Some(format) = Format::detect(&raw) else {
        if kind == Kind::Elf && raw.starts_with(ELF_MAGIC) {
            let tail = &raw[raw.len().saturating_sub(MODULE_SIG_MAGIC.len())..];
            // A header that contradicts itself gives no extent to trust:
            // the ELF checks name the problem instead of this warning.
            if header_consistent(&raw)
                && let Ok(extent) = elf_extent(&raw)
            {
                check_trailing(path, extent, raw.len() as u64, tail);
            }
        }
        return Ok(raw);
    };
    let mut sink = Sink::new(cap, kind == Kind::Elf);
    decompress(format, &raw, &mut sink, max_input_size())
        .map_err(|e| Error::input(path, e.message(format, cap)))?;
    if let Some(extent) = sink.extent {
        check_trailing(path, extent, sink.total, &sink.tail);
    }
    Ok(FileData::from_vec(sink.buf))
}

const ELF_MAGIC: &[u8] = b"\x7fELF";

/// Bytes past the ELF's extent are never read, so the comparison of what is
/// inside stays trustworthy: a warning, not an error. But a file much larger
/// than the ELF it holds is not what its builder wrote (a truncated copy
/// padded out, two files concatenated), and saying nothing would let such a
/// file pass as a clean module. A module signature is the one expected tail.
fn check_trailing(path: &Path, extent: u64, total: u64, tail: &[u8]) {
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

/// Whether the ELF header's own size matches its class and it has a
/// section header table: without both, its extent means nothing.
fn header_consistent(d: &[u8]) -> bool {
    let (wide, little) = (d.get(4) == Some(&2), d.get(5) != Some(&2));
    let (ehsize_at, shoff_at, hdr) = if wide { (52, 40, 64) } else { (40, 32, 52) };
    let num = |at: usize, len: usize| -> Option<u64> {
        let b = d.get(at..at + len)?;
        let f = |acc: u64, &x: &u8| acc << 8 | u64::from(x);
        Some(if little {
            b.iter().rev().fold(0, f)
        } else {
            b.iter().fold(0, f)
        })
    };
    num(ehsize_at, 2) == Some(hdr)
        && num(shoff_at, if wide { 8 } else { 4 }).is_some_and(|o| o != 0)
}

/// How far the ELF in `d` reaches: its header, program and section header
/// tables, and the file bytes of every section and segment. `Err(n)` when
/// `d` holds fewer than the `n` bytes needed to tell.
fn elf_extent(d: &[u8]) -> std::result::Result<u64, u64> {
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

/// `data` (as [`load`] gave it) as an ELF file; the error names `path`.
pub fn parse_elf<'d>(path: &Path, data: &'d [u8]) -> Result<object::File<'d>> {
    super::elfcheck::check_header(data).map_err(|e| Error::input(path, e))?;
    let file = object::File::parse(data)
        .map_err(|e| Error::input(path, format!("not a valid ELF file: {e}")))?;
    super::elfcheck::check_sections(&file, data.len()).map_err(|e| Error::input(path, e))?;
    Ok(file)
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
    let mut skipped: Option<(PathBuf, &str)> = None;
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
            let module_name = is_module_file_name(&entry.file_name().to_string_lossy());
            if kind.is_dir() {
                if module_name && skipped.is_none() {
                    skipped = Some((path.clone(), "is a directory"));
                }
                pending.push(path);
            } else if module_name && (kind.is_file() || (kind.is_symlink() && path.is_file())) {
                found.push(path);
            } else if module_name && skipped.is_none() {
                let what = match fs::metadata(&path) {
                    Err(_) => "is a dangling symbolic link",
                    Ok(m) => odd_kind(&m).unwrap_or("is not a regular file"),
                };
                skipped = Some((path, what));
            }
        }
    }
    // A tree with no module would compare as "every module removed", or
    // check nothing and pass: name what was there instead.
    if found.is_empty() {
        return Err(match skipped {
            Some((p, what)) => Error::input(
                p,
                format!(
                    "{what}, not a module, and the only *.ko below {}",
                    dir.display()
                ),
            ),
            None => Error::input(dir, "no modules (*.ko) below this directory"),
        });
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

/// What a path is when it is none of the things an input may be, as said
/// in an error ("is a character device"); `None` for a regular file, a
/// directory (each caller has its own word for that) or a missing path.
pub fn odd_kind(m: &fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    Some(if t.is_char_device() {
        "is a character device"
    } else if t.is_block_device() {
        "is a block device"
    } else if t.is_fifo() {
        "is a FIFO (named pipe)"
    } else if t.is_socket() {
        "is a socket"
    } else {
        return None;
    })
}

/// Refuse a device or socket given as an input file before opening it:
/// `/dev/zero` would be read up to the size cap and then called "not an
/// ELF file", `/dev/null` read as empty. A FIFO is refused too unless the
/// caller reads the file once (`<(zcat x.ko.gz)` is a pipe), since opening
/// one with no writer blocks for ever.
pub fn check_kind(path: &Path, fifo_ok: bool) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(m) = fs::metadata(path) else {
        return Ok(()); // the open names the problem
    };
    match odd_kind(&m) {
        Some(_) if fifo_ok && m.file_type().is_fifo() => Ok(()),
        Some(what) => Err(Error::input(path, format!("{what}, not a file"))),
        None => Ok(()),
    }
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

/// The bytes of `path` as they are on disk, mapped.
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
    /// An xz stream declaring more than its own, lower, limit.
    XzTooBig(u64),
    NotElf,
}

impl DecodeError {
    fn message(&self, format: Format, cap: u64) -> String {
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
struct Sink {
    buf: Vec<u8>,
    total: u64,
    cap: u64,
    elf: bool,
    /// How many bytes to keep: grows as the ELF's tables are read.
    keep: u64,
    /// The ELF's extent, once known.
    extent: Option<u64>,
    /// The last bytes seen, to recognise a module signature past the extent.
    tail: Vec<u8>,
    exceeded: bool,
    not_elf: bool,
}

impl Sink {
    fn new(cap: u64, elf: bool) -> Self {
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
fn decompress(
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

    fn decompress_all(
        format: Format,
        data: &[u8],
        cap: u64,
    ) -> std::result::Result<Vec<u8>, DecodeError> {
        let mut sink = Sink::new(cap, false);
        // xz gets a quarter of the scan cap: give it the same `cap` as the rest.
        decompress(format, data, &mut sink, cap.saturating_mul(4)).map(|()| sink.buf)
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
        // Text, so read as text: an ELF reader would stop at the first bytes.
        let f = write(tmp.path(), "crc.xz", &real_xz());
        assert!(*load_text(&f).unwrap() == *kbuild_like_text());
        let msg = err_text(load(&f));
        assert!(
            msg.ends_with("xz data does not decompress to an ELF file"),
            "{msg}"
        );
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
                let _ = decompress_all(format, &stream[..cut], DEFAULT_MAX_INPUT);
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
                let _ = decompress_all(format, &bytes, DEFAULT_MAX_INPUT);
            }
        }
    }

    #[test]
    fn output_is_capped() {
        let zeros = vec![0u8; 1 << 20];
        for bytes in [xz(&zeros), zstd(&zeros), gzip(&zeros)] {
            let format = Format::detect(&bytes).unwrap();
            assert!(matches!(
                decompress_all(format, &bytes, 1000),
                Err(DecodeError::TooBig | DecodeError::XzTooBig(1000))
            ));
            assert_eq!(
                decompress_all(format, &bytes, 1 << 20).unwrap().len(),
                1 << 20
            );
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

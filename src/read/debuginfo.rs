//! Finding split debug info (libabigail's `--debug-info-dir1` / `--d1`).
//!
//! Distributions strip vmlinux and modules and ship the DWARF in a separate
//! package. Each lays it out its own way, so the file is looked for the ways
//! GDB and libabigail do: by build-id, by the `.gnu_debuglink` name, and by
//! the Debian and Red Hat path conventions. A path match alone proves little
//! (a debug package for another build may sit in the same place), so when both
//! sides carry a build-id they must agree.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use object::Object;

use super::modinfo::kernel_release;
use super::{dwarf, file};

/// The directories to search for split debug info.
#[derive(Clone, Debug, Default)]
pub struct DebugLookup {
    dirs: Vec<PathBuf>,
}

impl DebugLookup {
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        DebugLookup { dirs }
    }

    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// For a binary (path + its bytes) that lacks `.debug_info`, finds the file
    /// that holds its DWARF. `rel_path` is the module's path relative to its
    /// modules dir (e.g. `kernel/drivers/net/dummy.ko`), `None` for vmlinux.
    ///
    /// In each dir D, and in D/usr/lib/debug when it exists (so that D can be
    /// the root of an unpacked debug package), this tries in order:
    /// 1. `D/.build-id/xx/rest.debug` from the NT_GNU_BUILD_ID note;
    /// 2. the `.gnu_debuglink` name in D, in D/<dir of rel_path> and in
    ///    D/<the binary's own dir>;
    /// 3. the Debian / Red Hat layouts: `boot/vmlinux-<release>` and
    ///    `lib/modules/<release>/vmlinux`; `lib/modules/<release>/<rel_path>`
    ///    and `<rel_path>` itself, each also with `.debug` appended and with
    ///    a `.ko.xz`/`.ko.zst`/`.ko.gz` name turned into `.ko`.
    ///
    /// Then, as GDB does, the debuglink name next to the binary and in its
    /// `.debug/` subdirectory; this is the only place looked at when there are
    /// no dirs.
    ///
    /// A candidate without `.debug_info`, or whose build-id differs from the
    /// binary's, is passed over.
    pub fn find(&self, binary: &Path, data: &[u8], rel_path: Option<&Path>) -> Option<PathBuf> {
        let id = build_id(data);
        let wanted = Wanted {
            id: id.as_deref(),
            link: debuglink(data),
            release: kernel_release(data),
            // An absolute or `..` path would escape the dir it is joined to.
            rel: rel_path.filter(|p| p.components().all(|c| matches!(c, Component::Normal(_)))),
            binary_dir: binary.parent().filter(|d| !d.as_os_str().is_empty()),
        };

        let mut seen = HashSet::new();
        self.candidates(&wanted)
            .into_iter()
            .filter(|c| seen.insert(c.clone()))
            .find(|c| accept(c, wanted.id))
    }

    fn candidates(&self, w: &Wanted<'_>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in &self.dirs {
            let nested = dir.join("usr/lib/debug");
            let nested = nested.is_dir().then_some(nested);
            for root in std::iter::once(dir).chain(nested.as_ref()) {
                by_build_id(root, w, &mut out);
                by_debuglink(root, w, &mut out);
                by_layout(root, w, &mut out);
            }
        }
        if let (Some(link), Some(bin_dir)) = (&w.link, w.binary_dir) {
            out.push(bin_dir.join(link));
            out.push(bin_dir.join(".debug").join(link));
        }
        out
    }
}

struct Wanted<'a> {
    id: Option<&'a [u8]>,
    link: Option<String>,
    release: Option<String>,
    rel: Option<&'a Path>,
    binary_dir: Option<&'a Path>,
}

fn by_build_id(root: &Path, w: &Wanted<'_>, out: &mut Vec<PathBuf>) {
    // The first byte names the subdirectory; one byte alone names no file.
    if let Some([first, rest @ ..]) = w.id
        && !rest.is_empty()
    {
        let rest: String = rest.iter().map(|b| format!("{b:02x}")).collect();
        out.push(
            root.join(".build-id")
                .join(format!("{first:02x}"))
                .join(format!("{rest}.debug")),
        );
    }
}

fn by_debuglink(root: &Path, w: &Wanted<'_>, out: &mut Vec<PathBuf>) {
    let Some(link) = &w.link else { return };
    out.push(root.join(link));
    if let Some(rel_dir) = w.rel.and_then(Path::parent) {
        out.push(root.join(rel_dir).join(link));
    }
    // GDB's "global debug directory" rule: the binary's absolute directory
    // re-rooted under the debug dir.
    if let Some(abs_dir) = w.binary_dir.and_then(|d| std::path::absolute(d).ok()) {
        let inner: PathBuf = abs_dir
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        out.push(root.join(inner).join(link));
    }
}

fn by_layout(root: &Path, w: &Wanted<'_>, out: &mut Vec<PathBuf>) {
    let release = w.release.as_deref();
    match w.rel {
        None => {
            if let Some(r) = release {
                out.push(root.join("boot").join(format!("vmlinux-{r}")));
                out.push(root.join("lib/modules").join(r).join("vmlinux"));
                out.push(root.join(format!("vmlinux-{r}")));
            }
            out.push(root.join("vmlinux"));
        }
        Some(rel) => {
            // Red Hat ships ext4.ko.xz with its DWARF in ext4.ko.debug.
            let ko = uncompressed_name(rel);
            let variants = std::iter::once(ko.as_path()).chain((ko != rel).then_some(rel));
            for v in variants {
                let bases = release
                    .map(|r| root.join("lib/modules").join(r).join(v))
                    .into_iter()
                    .chain(std::iter::once(root.join(v)));
                for base in bases {
                    out.push(with_suffix(&base, ".debug"));
                    out.push(base);
                }
            }
        }
    }
}

/// `dummy.ko.xz` -> `dummy.ko`; other names unchanged.
fn uncompressed_name(rel: &Path) -> PathBuf {
    let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
        return rel.to_path_buf();
    };
    match [".xz", ".zst", ".gz"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .filter(|stem| stem.ends_with(".ko"))
    {
        Some(stem) => rel.with_file_name(stem),
        None => rel.to_path_buf(),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether `candidate` holds DWARF for the binary whose build-id is `want_id`.
fn accept(candidate: &Path, want_id: Option<&[u8]>) -> bool {
    if !candidate.is_file() {
        return false;
    }
    // A candidate that cannot be read is not the one; the caller reports the
    // binary's missing debug info if nothing else is found.
    let Ok(data) = file::load(candidate) else {
        return false;
    };
    if !has_debug_info(&data) {
        return false;
    }
    match (want_id, build_id(&data)) {
        (Some(want), Some(got)) => want == got.as_slice(),
        _ => true,
    }
}

/// Build-id bytes of an ELF image (None when absent or not ELF).
pub fn build_id(data: &[u8]) -> Option<Vec<u8>> {
    let obj = object::File::parse(data).ok()?;
    let id = obj.build_id().ok()??;
    (!id.is_empty()).then(|| id.to_vec())
}

/// The `.gnu_debuglink` file name of an ELF image (None when absent, not ELF,
/// or not a plain file name).
pub fn debuglink(data: &[u8]) -> Option<String> {
    let obj = object::File::parse(data).ok()?;
    let (name, _crc) = obj.gnu_debuglink().ok()??;
    let name = std::str::from_utf8(name).ok()?;
    // It is joined to directories: a '/' or ".." in it would look elsewhere.
    let plain = !name.is_empty() && name != "." && name != ".." && !name.contains('/');
    plain.then(|| name.to_string())
}

/// Whether an ELF image carries DWARF, as [`dwarf::has_dwarf`] says.
pub fn has_debug_info(data: &[u8]) -> bool {
    object::File::parse(data).is_ok_and(|obj| dwarf::has_dwarf(&obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const SHT_PROGBITS: u32 = 1;
    const SHT_NOTE: u32 = 7;
    const SHT_NOBITS: u32 = 8;

    /// A minimal ELF64 little-endian relocatable file with the given sections,
    /// enough for the `object` crate; real modules would tie the tests to
    /// fixture files and to binutils for stripping them.
    fn elf(sections: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut shstrtab = vec![0u8];
        let mut names = Vec::new();
        for (name, ..) in sections.iter().copied().chain([(".shstrtab", 3, &[][..])]) {
            names.push(shstrtab.len() as u32);
            shstrtab.extend_from_slice(name.as_bytes());
            shstrtab.push(0);
        }
        let mut out = vec![0u8; 64];
        let mut headers = vec![[0u64; 8]]; // the null section
        for (i, (_, kind, data)) in sections
            .iter()
            .copied()
            .chain([(".shstrtab", 3, &shstrtab[..])])
            .enumerate()
        {
            pad(&mut out, 8);
            let offset = out.len() as u64;
            if kind != SHT_NOBITS {
                out.extend_from_slice(data);
            }
            let align = if kind == SHT_NOTE { 4 } else { 1 };
            // name|type, flags, addr, offset, size, link|info, align, entsize
            let name_type = u64::from(names[i]) | u64::from(kind) << 32;
            headers.push([name_type, 0, 0, offset, data.len() as u64, 0, align, 0]);
        }
        pad(&mut out, 8);
        let shoff = out.len() as u64;
        for h in &headers {
            for word in h {
                out.extend_from_slice(&word.to_le_bytes());
            }
        }
        let header = &mut out[..64];
        header[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
        header[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
        header[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        header[20..24].copy_from_slice(&1u32.to_le_bytes());
        header[40..48].copy_from_slice(&shoff.to_le_bytes());
        header[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        header[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
        header[60..62].copy_from_slice(&(headers.len() as u16).to_le_bytes());
        header[62..64].copy_from_slice(&(headers.len() as u16 - 1).to_le_bytes());
        out
    }

    fn pad(v: &mut Vec<u8>, align: usize) {
        v.resize(v.len().next_multiple_of(align), 0);
    }

    fn build_id_note(id: &[u8]) -> Vec<u8> {
        let mut n = Vec::new();
        n.extend_from_slice(&4u32.to_le_bytes());
        n.extend_from_slice(&(id.len() as u32).to_le_bytes());
        n.extend_from_slice(&3u32.to_le_bytes()); // NT_GNU_BUILD_ID
        n.extend_from_slice(b"GNU\0");
        n.extend_from_slice(id);
        pad(&mut n, 4);
        n
    }

    fn debuglink_section(name: &str) -> Vec<u8> {
        let mut d = name.as_bytes().to_vec();
        d.push(0);
        pad(&mut d, 4);
        d.extend_from_slice(&0x1234_5678u32.to_le_bytes());
        d
    }

    const ID: &[u8] = &[0xab, 0xcd, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
    const MODINFO: &[u8] =
        b"license=GPL\0vermagic=6.1.0-55-cloud-amd64 SMP mod_unload modversions \0";

    /// A stripped module: build-id, modinfo, maybe a debuglink, no DWARF.
    fn stripped_module(id: &[u8], link: Option<&str>) -> Vec<u8> {
        let note = build_id_note(id);
        let link = link.map(debuglink_section);
        let mut sections = vec![
            (".note.gnu.build-id", SHT_NOTE, &note[..]),
            (".modinfo", SHT_PROGBITS, MODINFO),
        ];
        if let Some(l) = &link {
            sections.push((".gnu_debuglink", SHT_PROGBITS, &l[..]));
        }
        elf(&sections)
    }

    /// A debug file (as from `objcopy --only-keep-debug`): build-id and DWARF.
    fn debug_file(id: &[u8]) -> Vec<u8> {
        let note = build_id_note(id);
        elf(&[
            (".note.gnu.build-id", SHT_NOTE, &note),
            (".modinfo", SHT_NOBITS, MODINFO),
            (".debug_info", SHT_PROGBITS, b"\x2a\0\0\0\x05\0"),
        ])
    }

    fn put(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn reads_build_id_debuglink_release_and_debug_info() {
        let bin = stripped_module(ID, Some("dummy.ko.debug"));
        assert_eq!(build_id(&bin).as_deref(), Some(ID));
        assert_eq!(debuglink(&bin).as_deref(), Some("dummy.ko.debug"));
        assert_eq!(
            kernel_release(&bin).as_deref(),
            Some("6.1.0-55-cloud-amd64")
        );
        assert!(!has_debug_info(&bin));

        let dbg = debug_file(ID);
        assert!(has_debug_info(&dbg));
        assert_eq!(debuglink(&dbg), None);
        // In a debug file .modinfo is NOBITS: no release to read.
        assert_eq!(kernel_release(&dbg), None);
    }

    #[test]
    fn garbage_is_none_everywhere() {
        for data in [&b""[..], b"\x7fELF", b"not an elf at all", &[0xff; 100]] {
            assert_eq!(build_id(data), None);
            assert_eq!(debuglink(data), None);
            assert_eq!(kernel_release(data), None);
            assert!(!has_debug_info(data));
        }
        // Every prefix of a real-looking file, for parsers that trust sizes.
        let bin = stripped_module(ID, Some("x.debug"));
        for cut in 0..bin.len() {
            let _ = (build_id(&bin[..cut]), debuglink(&bin[..cut]));
            let _ = (kernel_release(&bin[..cut]), has_debug_info(&bin[..cut]));
        }
    }

    #[test]
    fn debuglink_must_be_a_plain_name() {
        for bad in ["../../etc/passwd", "a/b.debug", ".."] {
            let bin = stripped_module(ID, Some(bad));
            assert_eq!(debuglink(&bin), None, "{bad}");
        }
    }

    #[test]
    fn release_from_vmlinux_banner() {
        let rodata = b"%s version %s\0Linux version %s\0\
            Linux version 6.1.192 (kmi@fixtures) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1\0";
        let vmlinux = elf(&[(".rodata", SHT_PROGBITS, rodata)]);
        assert_eq!(kernel_release(&vmlinux).as_deref(), Some("6.1.192"));
        // Not ELF (say, a raw image): the whole data is searched.
        assert_eq!(kernel_release(rodata).as_deref(), Some("6.1.192"));
        assert_eq!(kernel_release(b"Linux version ../x (a)"), None);
    }

    #[test]
    fn finds_by_build_id() {
        let tmp = tempfile::tempdir().unwrap();
        let debug_root = tmp.path().join("debug");
        // Distributions make .build-id/xx/rest.debug a symlink to the real file.
        let real = debug_root.join("lib/modules/other/dummy.ko");
        put(&real, &debug_file(ID));
        let link = debug_root.join(".build-id/ab/cd010203040506.debug");
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, &link).unwrap();
        #[cfg(not(unix))]
        fs::copy(&real, &link).unwrap();

        let bin_path = tmp.path().join("modules/kernel/drivers/net/dummy.ko");
        let bin = stripped_module(ID, None);
        put(&bin_path, &bin);
        let lookup = DebugLookup::new(vec![debug_root]);
        let rel = Path::new("kernel/drivers/net/dummy.ko");
        assert_eq!(lookup.find(&bin_path, &bin, Some(rel)), Some(link));
    }

    #[test]
    fn finds_in_debian_layout_under_a_package_root() {
        let tmp = tempfile::tempdir().unwrap();
        let pkg = tmp.path().join("pkg");
        let rel = Path::new("kernel/drivers/net/dummy.ko");
        let expected = pkg
            .join("usr/lib/debug/lib/modules/6.1.0-55-cloud-amd64")
            .join(rel);
        put(&expected, &debug_file(ID));

        let bin = stripped_module(ID, None);
        let bin_path = tmp.path().join("modules").join(rel);
        let lookup = DebugLookup::new(vec![pkg.clone()]);
        assert_eq!(
            lookup.find(&bin_path, &bin, Some(rel)),
            Some(expected.clone())
        );
        // A compressed module's debug file is named for the .ko.
        let rel_xz = Path::new("kernel/drivers/net/dummy.ko.xz");
        assert_eq!(lookup.find(&bin_path, &bin, Some(rel_xz)), Some(expected));
    }

    #[test]
    fn finds_vmlinux_in_debian_and_red_hat_layouts() {
        let tmp = tempfile::tempdir().unwrap();
        let rodata = b"Linux version 6.1.0-55-cloud-amd64 (debian-kernel@lists.debian.org) (gcc)\0";
        let note = build_id_note(ID);
        let vmlinux = elf(&[
            (".notes", SHT_NOTE, &note),
            (".rodata", SHT_PROGBITS, rodata),
        ]);
        for layout in [
            "boot/vmlinux-6.1.0-55-cloud-amd64",
            "lib/modules/6.1.0-55-cloud-amd64/vmlinux",
        ] {
            let root = tmp.path().join(layout.replace('/', "_"));
            let expected = root.join("usr/lib/debug").join(layout);
            put(&expected, &debug_file(ID));
            let lookup = DebugLookup::new(vec![root.join("usr/lib/debug")]);
            assert_eq!(
                lookup.find(Path::new("vmlinux"), &vmlinux, None),
                Some(expected)
            );
        }
    }

    #[test]
    fn finds_red_hat_dot_debug_by_debuglink() {
        let tmp = tempfile::tempdir().unwrap();
        let debug_root = tmp.path().join("usr/lib/debug");
        let expected =
            debug_root.join("lib/modules/6.1.0-55-cloud-amd64/kernel/fs/ext4/ext4.ko.debug");
        put(&expected, &debug_file(ID));
        let bin = stripped_module(ID, Some("ext4.ko.debug"));
        let bin_path = tmp
            .path()
            .join("lib/modules/6.1.0-55-cloud-amd64/kernel/fs/ext4/ext4.ko.xz");
        let rel = Path::new("kernel/fs/ext4/ext4.ko.xz");
        let lookup = DebugLookup::new(vec![debug_root]);
        assert_eq!(lookup.find(&bin_path, &bin, Some(rel)), Some(expected));
    }

    #[test]
    fn debuglink_next_to_the_binary_needs_no_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let bin_path = tmp.path().join("dummy.ko");
        let expected = tmp.path().join(".debug/dummy.ko.debug");
        put(&expected, &debug_file(ID));
        let bin = stripped_module(ID, Some("dummy.ko.debug"));
        let lookup = DebugLookup::new(Vec::new());
        assert!(lookup.is_empty());
        assert_eq!(lookup.find(&bin_path, &bin, None), Some(expected));
    }

    #[test]
    fn rejects_wrong_build_id_and_files_without_dwarf() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("debug");
        let rel = Path::new("kernel/lib/crc-itu-t.ko");
        let release_dir = root.join("lib/modules/6.1.0-55-cloud-amd64");
        // The first candidate in order is another build's; the next is the
        // stripped module itself; only the last is right.
        put(
            &with_suffix(&release_dir.join(rel), ".debug"),
            &debug_file(b"\x11\x22\x33\x44"),
        );
        put(&release_dir.join(rel), &stripped_module(ID, None));
        put(&root.join(rel), &debug_file(ID));

        let bin = stripped_module(ID, None);
        let lookup = DebugLookup::new(vec![root.clone()]);
        assert_eq!(
            lookup.find(Path::new("x.ko"), &bin, Some(rel)),
            Some(root.join(rel))
        );

        // Without a build-id on the binary the path alone decides.
        let no_id = elf(&[(".modinfo", SHT_PROGBITS, MODINFO)]);
        assert_eq!(
            lookup.find(Path::new("x.ko"), &no_id, Some(rel)),
            Some(with_suffix(&release_dir.join(rel), ".debug"))
        );

        let other = stripped_module(b"\x99\x98\x97\x96", None);
        assert_eq!(lookup.find(Path::new("x.ko"), &other, Some(rel)), None);
    }

    #[test]
    fn rel_path_cannot_escape_the_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside.ko");
        put(&outside, &debug_file(ID));
        let root = tmp.path().join("debug");
        fs::create_dir_all(&root).unwrap();
        let bin = stripped_module(ID, None);
        let lookup = DebugLookup::new(vec![root]);
        for rel in [outside.clone(), PathBuf::from("../outside.ko")] {
            assert_eq!(lookup.find(Path::new("x.ko"), &bin, Some(&rel)), None);
        }
    }

    #[test]
    fn compressed_debug_file_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("debug");
        let rel = Path::new("kernel/lib/crc-itu-t.ko");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &debug_file(ID)).unwrap();
        put(&root.join(rel), &gz.finish().unwrap());
        let lookup = DebugLookup::new(vec![root.clone()]);
        let bin = stripped_module(ID, None);
        assert_eq!(
            lookup.find(Path::new("x.ko"), &bin, Some(rel)),
            Some(root.join(rel))
        );
    }

    /// The real fixture module, when the shared fixtures are beside the crate.
    #[test]
    fn real_fixture_module() {
        let Some(path) = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("shared/fixtures/kernels/v1/modules/kernel/lib/crc-itu-t.ko"))
            .find(|p| p.is_file())
        else {
            return;
        };
        let data = file::load(&path).unwrap();
        assert_eq!(kernel_release(&data).as_deref(), Some("6.1.192"));
        assert_eq!(build_id(&data).map(|id| id.len()), Some(20));
        assert!(has_debug_info(&data));
        assert_eq!(debuglink(&data), None);
    }
}

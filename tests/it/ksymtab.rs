//! Exports decoded from `struct kernel_symbol` entries, without a symbol
//! table: a stripped vmlinux (what a bzImage carries) and a raw image read
//! through its System.map must give what the `__ksymtab_<name>` labels give.

use std::path::Path;
use std::process::Command;

use crate::common::*;
use kmidiff::graph::{Symbol, SymbolKind};
use kmidiff::read::exports::{
    exports_from_image, exports_from_sections, read_exports, try_read_exports,
};
use kmidiff::read::sysmap;
use object::{Object, ObjectSection};

/// What the decoded path must reproduce exactly.
fn key(s: &Symbol) -> (&str, bool, Option<u32>, &str) {
    (&s.name, s.gpl, s.crc, &s.namespace)
}

/// `decoded` equals `labelled` in everything but kinds and sizes; a kind
/// the labels know must match. Says what the decoder made of the kinds the
/// labels left Unknown (assembler symbols without a type).
fn assert_same(labelled: &[Symbol], decoded: &[Symbol], what: &str) -> String {
    assert!(!labelled.is_empty(), "{what}: no exports");
    let a: Vec<_> = labelled.iter().map(key).collect();
    let b: Vec<_> = decoded.iter().map(key).collect();
    if a != b {
        let only_a: Vec<_> = a.iter().filter(|x| !b.contains(x)).take(5).collect();
        let only_b: Vec<_> = b.iter().filter(|x| !a.contains(x)).take(5).collect();
        panic!(
            "{what}: {} labelled vs {} decoded; labels only: {only_a:?}; decoded only: {only_b:?}",
            a.len(),
            b.len()
        );
    }
    let mut unknown: Vec<String> = Vec::new();
    for (l, d) in labelled.iter().zip(decoded) {
        if l.kind == SymbolKind::Unknown {
            unknown.push(format!("{} {:?}", l.name, d.kind));
        } else {
            assert_eq!(l.kind, d.kind, "{what}: kind of {}", l.name);
        }
    }
    format!(
        "{} of unknown kind in the symbol table, decoded as: {}",
        unknown.len(),
        unknown.join(", ")
    )
}

fn counts(s: &[Symbol]) -> String {
    format!(
        "{} exports, {} GPL, {} with CRC, {} with namespace",
        s.len(),
        s.iter().filter(|s| s.gpl).count(),
        s.iter().filter(|s| s.crc.is_some()).count(),
        s.iter().filter(|s| !s.namespace.is_empty()).count()
    )
}

fn labelled_exports(path: &Path) -> Vec<Symbol> {
    let data = kmidiff::read::file::load(path).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    read_exports(&elf, "vmlinux")
}

/// `vmlinux` stripped of its symbol table by objcopy, as the bzImage build
/// does, then read as any vmlinux is: the decoded path must match the
/// labels. The decoder is also run on the unstripped file, ignoring its
/// labels. Returns the decoded exports.
fn compare_stripped(vmlinux: &Path, scratch_name: &str) -> Vec<Symbol> {
    let labelled = labelled_exports(vmlinux);
    let data = kmidiff::read::file::load(vmlinux).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    let unstripped = exports_from_sections(&elf, "vmlinux", vmlinux).unwrap();
    let unknown = assert_same(&labelled, &unstripped, "decoded, labels ignored");

    let stripped = scratch(scratch_name).join("vmlinux.stripped");
    let st = Command::new("objcopy")
        .arg("--strip-all")
        .arg(vmlinux)
        .arg(&stripped)
        .status()
        .expect("objcopy (binutils) is needed by this test");
    assert!(st.success());
    let sdata = kmidiff::read::file::load(&stripped).unwrap();
    let selk = object::File::parse(&*sdata).unwrap();
    assert!(
        read_exports(&selk, "vmlinux").len() == labelled.len(),
        "read_exports falls back to the entries"
    );
    let decoded = try_read_exports(&selk, "vmlinux", &stripped).unwrap();
    assert_same(&labelled, &decoded, "stripped");
    assert_eq!(decoded, unstripped);
    eprintln!("{}: {}; {unknown}", vmlinux.display(), counts(&decoded));
    decoded
}

#[test]
fn a_stripped_fixture_vmlinux_gives_the_labelled_exports() {
    for v in ["v1", "v2"] {
        let d = compare_stripped(&kernels().join(v).join("vmlinux"), &format!("ksymtab-{v}"));
        assert!(d.iter().any(|s| s.crc.is_some()));
        assert!(d.iter().any(|s| s.gpl));
    }
}

/// The raw image of an ELF kernel: its allocated, loaded sections copied to
/// `addr - base`, as `objcopy -O binary` lays out an arm64 `Image`.
fn raw_image(elf: &object::File<'_>, base: u64, end: u64) -> Vec<u8> {
    let mut image = vec![0u8; usize::try_from(end - base).unwrap()];
    for s in elf.sections() {
        let Ok(data) = s.data() else { continue };
        if s.address() < base || data.is_empty() || s.address() + data.len() as u64 > end {
            continue;
        }
        let at = (s.address() - base) as usize;
        image[at..at + data.len()].copy_from_slice(data);
    }
    image
}

/// The v1 fixture read as a raw image with its System.map (in the
/// fixtures): the same exports as its labels.
#[test]
fn a_raw_image_with_its_system_map_gives_the_labelled_exports() {
    let dir = kernels().join("v1");
    let map = sysmap::read(&dir.join("System.map")).unwrap();
    let data = kmidiff::read::file::load(&dir.join("vmlinux")).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    let base = map.address("_text").unwrap();
    // Up to the end of the initialised data; bss is not in an image.
    let end = elf
        .sections()
        .filter(|s| s.address() >= base && s.kind() != object::SectionKind::UninitializedData)
        .map(|s| s.address() + s.size())
        .max()
        .unwrap();
    let image = raw_image(&elf, base, end);
    let decoded = exports_from_image(&image, &map, Path::new("Image")).unwrap();
    let labelled = read_exports(&elf, "vmlinux");
    let unknown = assert_same(&labelled, &decoded, "raw image");
    eprintln!("raw image: {}; {unknown}", counts(&decoded));

    // A map of another build: its tables fall elsewhere in the image.
    let other = sysmap::read(&kernels().join("v2/System.map")).unwrap();
    if other.address("__start___ksymtab") != map.address("__start___ksymtab") {
        assert!(exports_from_image(&image, &other, Path::new("Image")).is_err());
    }
    // Cut before the tables.
    let cut = (map.address("__start___ksymtab").unwrap() - base) as usize;
    let e = exports_from_image(&image[..cut], &map, Path::new("Image"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("Image: __ksymtab (0x"), "{e}");
    assert!(e.contains("is not inside the image"), "{e}");
}

/// A tiny big-endian raw image built here: PREL32 entries without a
/// namespace field (4.19 to 5.3), strings bounded by the next symbol.
#[test]
fn a_synthetic_big_endian_image() {
    let base: u64 = 0x0010_0000;
    let mut image = vec![0u8; 0x40];
    let (ks, kg) = (0x40u64, 0x50u64);
    let (kc, kcg, st) = (0x58u64, 0x60u64, 0x64u64);
    let names = ["a_fn", "b_var", "c_gpl"];
    let mut strings = Vec::new();
    let mut name_at = Vec::new();
    for n in names {
        name_at.push(st + strings.len() as u64);
        strings.extend_from_slice(n.as_bytes());
        strings.push(0);
    }
    let values = [0x10u64, 0x20, 0x30];
    for (i, field) in [ks, ks + 8, kg].into_iter().enumerate() {
        image.extend_from_slice(&((values[i] as i64 - field as i64) as i32).to_be_bytes());
        image.extend_from_slice(&((name_at[i] as i64 - (field + 4) as i64) as i32).to_be_bytes());
    }
    assert_eq!(image.len() as u64, kc);
    for crc in [0xa1u32, 0xb2, 0xc3] {
        image.extend_from_slice(&crc.to_be_bytes());
    }
    image.extend_from_slice(&strings);
    let after = image.len() as u64 + 4;
    image.extend_from_slice(&[0xee; 16]);
    let line = |off: u64, t: char, n: &str| format!("{:08x} {t} {n}\n", base + off);
    let text: String = [
        line(0, 'T', "_text"),
        line(0x10, 'T', "a_fn"),
        line(0x20, 'd', "b_var"),
        line(ks, 'R', "__start___ksymtab"),
        line(kg, 'R', "__stop___ksymtab"),
        line(kg, 'R', "__start___ksymtab_gpl"),
        line(kc, 'R', "__stop___ksymtab_gpl"),
        line(kc, 'R', "__start___kcrctab"),
        line(kcg, 'R', "__stop___kcrctab"),
        line(kcg, 'R', "__start___kcrctab_gpl"),
        line(st, 'R', "__stop___kcrctab_gpl"),
        line(after, 'r', "__param_x"),
    ]
    .concat();
    let map = sysmap::parse(&text, Path::new("System.map")).unwrap();
    assert_eq!(map.word(), 4);
    let got = exports_from_image(&image, &map, Path::new("Image")).unwrap();
    let got: Vec<_> = got
        .iter()
        .map(|s| (s.name.as_str(), s.gpl, s.crc, s.kind, s.module.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a_fn", false, Some(0xa1), SymbolKind::Function, "vmlinux"),
            ("b_var", false, Some(0xb2), SymbolKind::Variable, "vmlinux"),
            ("c_gpl", true, Some(0xc3), SymbolKind::Unknown, "vmlinux"),
        ]
    );

    // No export table in the map.
    let bare = sysmap::parse(&line(0, 'T', "_text"), Path::new("m")).unwrap();
    let e = exports_from_image(&image, &bare, Path::new("Image")).unwrap_err();
    assert!(e.to_string().contains("no __start___ksymtab"), "{e}");
    // No _text.
    let nobase = sysmap::parse(&line(ks, 'R', "__start___ksymtab"), Path::new("m")).unwrap();
    let e = exports_from_image(&image, &nobase, Path::new("Image")).unwrap_err();
    assert!(e.to_string().contains("no _text"), "{e}");
    // Garbage where the entries should be: an error, not a panic.
    let mut bad = image.clone();
    for b in &mut bad[ks as usize..kc as usize] {
        *b = 0x5a;
    }
    let e = exports_from_image(&bad, &map, Path::new("Image")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Image: no layout of struct kernel_symbol"),
        "{e}"
    );
}

/// The linked, stripped ELF seed of the `elf_exports` fuzz target (made
/// with `gcc -nostdlib -static` and `strip`): no symbol table at all.
#[test]
fn a_linked_elf_without_symbol_table() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/elf_exports/stripped-vmlinux.elf");
    let data = std::fs::read(&path).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    let got: Vec<_> = try_read_exports(&elf, "vmlinux", &path)
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.gpl, s.crc, s.namespace, s.kind))
        .collect();
    let e = |n: &str, g, c, ns: &str, k| (n.to_string(), g, Some(c), ns.to_string(), k);
    assert_eq!(
        got,
        [
            e("alpha", false, 0x1111_1111, "", SymbolKind::Function),
            e("beta", false, 0x2222_2222, "BETA_NS", SymbolKind::Variable),
            e("gamma", true, 0x3333_3333, "", SymbolKind::Function),
        ]
    );
    // Entries that do not decode: an error naming the file, which
    // read_exports turns into no exports.
    let mut bad = data.clone();
    let ks = elf.section_by_name("__ksymtab").unwrap();
    let (off, _) = ks.file_range().unwrap();
    for b in &mut bad[off as usize..off as usize + 24] {
        *b = 0x7f;
    }
    let belf = object::File::parse(&*bad).unwrap();
    let err = try_read_exports(&belf, "vmlinux", &path)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}: no layout", path.display())),
        "{err}"
    );
    assert!(read_exports(&belf, "vmlinux").is_empty());
}

/// Debian's kernels: `/work/cache` holds the unpacked packages.
#[cfg(feature = "distro-tests")]
mod distro {
    use super::*;

    /// x86-64: the -dbg vmlinux, stripped as the bzImage payload is.
    #[test]
    fn debian_6_1_amd64_stripped() {
        let v = Path::new("/work/cache/deb/k55/usr/lib/debug/boot/vmlinux-6.1.0-55-cloud-amd64");
        let d = compare_stripped(v, "ksymtab-k55");
        assert!(d.len() > 5_000, "{}", d.len());
    }

    /// arm64: the raw `Image` (vmlinuz) of the plain package, read through
    /// a System.map made with nm from the -dbg vmlinux of the same build.
    #[test]
    fn debian_6_1_arm64_image() {
        let dbg = Path::new("/work/cache/deb/a55/usr/lib/debug/boot/vmlinux-6.1.0-55-cloud-arm64");
        let image_path = Path::new(
            "/work/cache/plain/linux-image-6.1.0-55-cloud-arm64-unsigned/boot/vmlinuz-6.1.0-55-cloud-arm64",
        );
        let dir = scratch("ksymtab-a55");
        let map_path = dir.join("System.map");
        let nm = ["nm", "aarch64-linux-gnu-nm"]
            .into_iter()
            .find_map(|nm| {
                let out = Command::new(nm).arg("-n").arg(dbg).output().ok()?;
                out.status.success().then_some(out.stdout)
            })
            .expect("nm reads the arm64 vmlinux");
        std::fs::write(&map_path, nm).unwrap();
        let map = sysmap::read(&map_path).unwrap();
        let image = std::fs::read(image_path).unwrap();
        let decoded = exports_from_image(&image, &map, image_path).unwrap();
        let labelled = labelled_exports(dbg);
        let unknown = assert_same(&labelled, &decoded, "arm64 Image");
        eprintln!(
            "arm64 Image: {}; {unknown}; {} Unknown from the map",
            counts(&decoded),
            decoded
                .iter()
                .filter(|s| s.kind == SymbolKind::Unknown)
                .count()
        );

        // Debian's own System.map from the -dbg package gives the same.
        let deb_map = sysmap::read(Path::new(
            "/work/cache/deb/a55/usr/lib/debug/boot/System.map-6.1.0-55-cloud-arm64",
        ))
        .unwrap();
        let d2 = exports_from_image(&image, &deb_map, image_path).unwrap();
        assert_eq!(decoded, d2);
        // ...and the plain package's placeholder says what it is.
        let e = sysmap::read(Path::new(
            "/work/cache/plain/linux-image-6.1.0-55-cloud-arm64-unsigned/boot/System.map-6.1.0-55-cloud-arm64",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("Debian ships the real one"), "{e}");

        // Module.symvers: its vmlinux lines are the same exports.
        let symvers = kmidiff::read::symvers::read(Path::new(
            "/work/cache/plain/linux-headers-6.1.0-55-cloud-arm64/usr/src/linux-headers-6.1.0-55-cloud-arm64/Module.symvers",
        ))
        .unwrap();
        let vmlinux: Vec<_> = symvers.iter().filter(|s| s.module == "vmlinux").collect();
        let a: Vec<_> = vmlinux.iter().map(|s| key(s)).collect();
        let b: Vec<_> = decoded.iter().map(key).collect();
        eprintln!(
            "Module.symvers: {} lines, {} of vmlinux",
            symvers.len(),
            vmlinux.len()
        );
        assert_eq!(a, b);
    }
}

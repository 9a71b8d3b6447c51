//! Boot images built in the test: a bzImage around an ELF compressed each
//! way the kernel can, arm64 Images raw, gzipped and in zboot, and broken
//! ones.

use super::*;
use std::io::Write;

/// A small but complete ELF64 (header, a data section, the section name
/// table and the section headers), whose data compresses well.
fn tiny_elf(data_len: usize) -> Vec<u8> {
    let mut v = vec![0u8; 64];
    v[..4].copy_from_slice(ELF_MAGIC);
    v[4] = 2; // 64-bit
    v[5] = 1; // little-endian
    v[6] = 1;
    v[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    v[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
    v[20..24].copy_from_slice(&1u32.to_le_bytes());
    v[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    v[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    v[60..62].copy_from_slice(&3u16.to_le_bytes()); // e_shnum
    v[62..64].copy_from_slice(&2u16.to_le_bytes()); // e_shstrndx

    let data_off = v.len();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    v.extend((0..data_len).map(|i| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if i % 5 == 0 {
            (x >> 56) as u8
        } else {
            b'k' + (i % 11) as u8
        }
    }));
    let names_off = v.len();
    v.extend_from_slice(b"\0.data\0.shstrtab\0");
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
    let shoff = v.len();
    v[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
    let section = |name: u32, ty: u32, off: usize, size: usize| {
        let mut s = vec![0u8; 64];
        s[0..4].copy_from_slice(&name.to_le_bytes());
        s[4..8].copy_from_slice(&ty.to_le_bytes());
        s[24..32].copy_from_slice(&(off as u64).to_le_bytes());
        s[32..40].copy_from_slice(&(size as u64).to_le_bytes());
        s[48..56].copy_from_slice(&1u64.to_le_bytes());
        s
    };
    v.extend(section(0, 0, 0, 0));
    v.extend(section(1, 1, data_off, data_len)); // PROGBITS
    v.extend(section(7, 3, names_off, 17)); // STRTAB
    v
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
    out
}

fn lzma(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::lzma_compress(&mut &data[..], &mut out).unwrap();
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// The kernel's `lz4 -l` output: the legacy magic, then size-prefixed
/// blocks of up to 8 MiB; `block` is smaller here to make several.
fn lz4_legacy(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = super::super::codec::LZ4_LEGACY_MAGIC.to_vec();
    for chunk in data.chunks(block) {
        let packed = lz4_flex::block::compress(chunk);
        out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        out.extend_from_slice(&packed);
    }
    out
}

/// lzop's container (version 0x1040, with the fields that version adds),
/// Adler-32 checksums flagged for both sides so that their skipping is
/// exercised; their values are not checked, so zeros do.
fn lzop(data: &[u8]) -> Vec<u8> {
    let mut out = super::super::codec::LZO_MAGIC.to_vec();
    out.extend_from_slice(&0x1040u16.to_be_bytes()); // version
    out.extend_from_slice(&0x2080u16.to_be_bytes()); // library version
    out.extend_from_slice(&0x0940u16.to_be_bytes()); // version needed
    out.push(3); // LZO1X-999
    out.push(9); // level
    out.extend_from_slice(&0x3u32.to_be_bytes()); // flags: Adler-32 D and C
    out.extend_from_slice(&0o100644u32.to_be_bytes()); // mode
    out.extend_from_slice(&[0; 8]); // mtime
    out.push(7);
    out.extend_from_slice(b"vmlinux");
    out.extend_from_slice(&[0; 4]); // header checksum
    // One block stored, the rest compressed: both kinds occur in real files.
    let (stored, rest) = data.split_at(data.len().min(1000));
    out.extend_from_slice(&(stored.len() as u32).to_be_bytes());
    out.extend_from_slice(&(stored.len() as u32).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(stored);
    for chunk in rest.chunks(256 << 10) {
        let packed = lzokay_native::compress(chunk).unwrap();
        assert!(packed.len() < chunk.len());
        out.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
        out.extend_from_slice(&(packed.len() as u32).to_be_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&packed);
    }
    out.extend_from_slice(&[0; 4]);
    out
}

fn compressed_each_way(data: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("gzip", gzip(data)),
        ("xz", xz(data)),
        ("bzip2", bzip2(data)),
        ("lzma", lzma(data)),
        ("lzo", lzop(data)),
        ("lz4", lz4_legacy(data, 100_000)),
        ("zstd", zstd(data)),
    ]
}

/// A bzImage: one setup sector after the boot sector, the payload 0x100
/// bytes into the protected-mode code, code after it, and the size trailer
/// the build appends to all formats but gzip.
fn bzimage(version: u16, payload: &[u8], size: Option<u32>) -> Vec<u8> {
    let mut v = vec![0u8; 1024 + 0x100];
    v[0..2].copy_from_slice(b"MZ");
    v[0x1F1] = 1;
    v[0x202..0x206].copy_from_slice(b"HdrS");
    v[0x206..0x208].copy_from_slice(&version.to_le_bytes());
    let len = payload.len() + if size.is_some() { 4 } else { 0 };
    v[0x248..0x24C].copy_from_slice(&0x100u32.to_le_bytes());
    v[0x24C..0x250].copy_from_slice(&(len as u32).to_le_bytes());
    v.extend_from_slice(payload);
    if let Some(size) = size {
        v.extend_from_slice(&size.to_le_bytes());
    }
    v.extend_from_slice(&[0xC3; 300]); // the decompressor's code
    v
}

fn arm64_image(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    v[0..2].copy_from_slice(b"MZ");
    v[0x38..0x3C].copy_from_slice(b"ARM\x64");
    v
}

fn zboot(comp: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 0x200];
    v[0..2].copy_from_slice(b"MZ");
    v[4..8].copy_from_slice(b"zimg");
    v[8..12].copy_from_slice(&0x200u32.to_le_bytes());
    v[12..16].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    v[24..24 + comp.len()].copy_from_slice(comp.as_bytes());
    v[0x38..0x3C].copy_from_slice(b"PE\0\0");
    v.extend_from_slice(payload);
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend_from_slice(&[0; 512]); // the stub's code
    v
}

const CAP: u64 = 64 << 20;

fn parse_bytes(bytes: &[u8]) -> Result<KernelImage> {
    parse_kernel_image(Path::new("vmlinuz"), bytes, CAP)
}

fn elf_of(r: Result<KernelImage>) -> Vec<u8> {
    match r {
        Ok(KernelImage::Elf(d)) => d.to_vec(),
        Ok(KernelImage::Raw { what, .. }) => panic!("raw {what}, not an ELF"),
        Err(e) => panic!("{e}"),
    }
}

fn err_of(r: Result<KernelImage>) -> String {
    match r {
        Ok(k) => panic!("expected an error, got {k:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn tiny_elf_is_a_valid_elf() {
    let elf = tiny_elf(1000);
    let file = super::super::parse_elf(Path::new("tiny"), &elf).unwrap();
    use object::Object;
    assert!(file.section_by_name(".data").is_some());
    assert_eq!(super::super::extent::elf_extent(&elf), Ok(elf.len() as u64));
}

#[test]
fn bzimage_payload_in_every_format() {
    let elf = tiny_elf(300_000);
    for (name, packed) in compressed_each_way(&elf) {
        let trailer = (name != "gzip").then_some(elf.len() as u32);
        let image = bzimage(0x020F, &packed, trailer);
        assert_eq!(looks_like_boot_image(&image[..4096]), Some("x86 bzImage"));
        assert!(elf_of(parse_bytes(&image)) == elf, "{name}");
        // Without the trailer the payload is still read (a build that did
        // not append it), through the scan if need be.
        let image = bzimage(0x020F, &packed, None);
        assert!(elf_of(parse_bytes(&image)) == elf, "{name} without trailer");
    }
}

#[test]
fn old_boot_protocol_is_scanned_for_the_payload() {
    let elf = tiny_elf(20_000);
    for (name, packed) in compressed_each_way(&elf) {
        if name == "lzma" {
            continue; // see inflate_elf: it must end the file
        }
        // Before 2.08 the header has no payload fields; a stray magic in
        // front of the payload must not stop the scan.
        let mut noise = Format::ALL
            .iter()
            .flat_map(|f| f.magic().iter().copied().chain([0u8; 16]))
            .collect::<Vec<u8>>();
        noise.extend_from_slice(&packed);
        let image = bzimage(0x0204, &noise, None);
        assert!(elf_of(parse_bytes(&image)) == elf, "{name}");
    }
}

#[test]
fn bzimage_through_load_kernel() {
    let tmp = tempfile::tempdir().unwrap();
    let elf = tiny_elf(5000);
    let path = tmp.path().join("vmlinuz");
    std::fs::write(&path, bzimage(0x020F, &zstd(&elf), Some(elf.len() as u32))).unwrap();
    assert!(elf_of(load_kernel(&path)) == elf);
    let path = tmp.path().join("vmlinux");
    std::fs::write(&path, &elf).unwrap();
    assert!(elf_of(load_kernel(&path)) == elf);
    let path = tmp.path().join("vmlinux.xz");
    std::fs::write(&path, xz(&elf)).unwrap();
    assert!(elf_of(load_kernel(&path)) == elf);
    let err = err_of(load_kernel(&tmp.path().join("missing")));
    assert!(err.contains("cannot open"), "{err}");
}

#[test]
fn bzimage_payload_that_is_not_an_elf() {
    let image = bzimage(0x020F, &zstd(&[0x55; 10_000]), Some(10_000));
    let err = err_of(parse_bytes(&image));
    assert!(
        err.starts_with(
            "vmlinuz: x86 bzImage whose zstd payload does not decompress to an ELF file"
        ),
        "{err}"
    );
    assert!(err.contains("--symvers1/--symvers2"), "{err}");

    let image = bzimage(0x020F, b"not compressed at all", None);
    let err = err_of(parse_bytes(&image));
    assert!(err.contains("no format we can decompress"), "{err}");
}

#[test]
fn arm64_images() {
    let image = arm64_image(100_000);
    assert_eq!(looks_like_boot_image(&image[..4096]), Some("arm64 Image"));
    match parse_bytes(&image).unwrap() {
        KernelImage::Raw { data, what } => {
            assert_eq!(what, "arm64 Image");
            assert!(*data == *image);
        }
        k => panic!("{k:?}"),
    }

    let gz = gzip(&image);
    assert_eq!(
        looks_like_boot_image(&gz[..4096.min(gz.len())]),
        Some("compressed kernel Image")
    );
    match parse_bytes(&gz).unwrap() {
        KernelImage::Raw { data, what } => {
            assert_eq!(what, "arm64 Image");
            assert!(*data == *image);
        }
        k => panic!("{k:?}"),
    }

    for (comp, packed) in [
        ("gzip", gzip(&image)),
        ("zstd22", zstd(&image)),
        ("lz4", lz4_legacy(&image, 1 << 20)),
    ] {
        let efi = zboot(comp, &packed);
        assert_eq!(looks_like_boot_image(&efi), Some("EFI zboot image"));
        match parse_bytes(&efi).unwrap() {
            KernelImage::Raw { data, what } => {
                assert_eq!(what, "arm64 Image", "{comp}");
                assert!(*data == *image, "{comp}");
            }
            k => panic!("{comp}: {k:?}"),
        }
    }
}

#[test]
fn images_that_cannot_be_read_say_what_to_pass() {
    let mut s390 = vec![0u8; 8192];
    s390[..24].copy_from_slice(&[
        0x00, 0x08, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x18, 0x60, 0x00, 0x00,
        0x50, 0x02, 0x00, 0x00, 0x68, 0x60, 0x00, 0x00, 0x50,
    ]);
    assert_eq!(looks_like_boot_image(&s390), Some("s390x kernel image"));
    assert!(matches!(
        parse_bytes(&s390),
        Ok(KernelImage::Raw {
            what: "s390x kernel image",
            ..
        })
    ));

    let mut pe = vec![0u8; 1024];
    pe[..2].copy_from_slice(b"MZ");
    assert_eq!(looks_like_boot_image(&pe), None);
    assert!(err_of(parse_bytes(&pe)).contains("not an EFI zboot image"));

    let err = err_of(parse_bytes(&zboot("zstd", &[0xAB; 100])));
    assert!(
        err.contains("(\"zstd\") is in no format we can decompress"),
        "{err}"
    );
    let err = err_of(parse_bytes(&zboot("gzip", &gzip(&[7; 1000]))));
    assert!(err.contains("gzip payload is not a kernel Image"), "{err}");

    let err = err_of(parse_bytes(b"hello, world\n"));
    assert!(
        err.contains("not an ELF file nor a kernel boot image"),
        "{err}"
    );
    assert!(err_of(parse_bytes(b"")).contains("empty file"));
    let err = err_of(parse_bytes(&gzip(b"just text")));
    assert!(
        err.contains("gzip data holds neither an ELF file nor a kernel Image"),
        "{err}"
    );
}

#[test]
fn truncated_and_mangled_images_are_errors_not_panics() {
    let elf = tiny_elf(20_000);
    let image = arm64_image(20_000);
    let mut inputs = compressed_each_way(&elf)
        .into_iter()
        .map(|(name, packed)| {
            let trailer = (name != "gzip").then_some(elf.len() as u32);
            bzimage(0x020F, &packed, trailer)
        })
        .collect::<Vec<_>>();
    inputs.push(zboot("gzip", &gzip(&image)));
    inputs.push(zboot("lzo", &lzop(&image)));
    for input in &inputs {
        for len in (0..input.len())
            .step_by(97)
            .chain([0x1F1, 0x202, 0x206, 0x24C, 0x250])
        {
            let _ = parse_bytes(&input[..len.min(input.len())]);
            let _ = looks_like_boot_image(&input[..len.min(input.len())]);
        }
        // Offsets and sizes far past the end.
        for at in [8, 12, 0x1F1, 0x248, 0x24C] {
            for value in [u32::MAX, 0x7FFF_FFFF, input.len() as u32] {
                let mut bad = input.clone();
                if bad.len() >= at + 4 {
                    bad[at..at + 4].copy_from_slice(&value.to_le_bytes());
                    let _ = parse_bytes(&bad);
                }
            }
        }
        // Flipped bytes through the payload.
        for at in (1024..input.len()).step_by(301) {
            let mut bad = input.clone();
            bad[at] ^= 0x5A;
            let _ = parse_bytes(&bad);
        }
    }
}

#[test]
fn hostile_lzo_blocks_are_errors() {
    let elf = tiny_elf(5000);
    let good = lzop(&elf);
    // The header as lzop() writes it, then blocks that copy from before the
    // start of the output, or declare more than a block may hold.
    let header_len =
        super::super::codec::LZO_MAGIC.len() + 2 + 2 + 2 + 1 + 1 + 4 + 4 + 8 + 1 + 7 + 4;
    let block = |unpacked: u32, packed: &[u8]| {
        let mut v = good[..header_len].to_vec();
        v.extend_from_slice(&unpacked.to_be_bytes());
        v.extend_from_slice(&(packed.len() as u32).to_be_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(packed);
        v.extend_from_slice(&[0; 4]);
        bzimage(0x020F, &v, Some(unpacked))
    };
    for bad in [
        block(100, &[0x12, 0x41, 0x80, 0xFF, 0x11, 0x00, 0x00]),
        block(100, &[0x20, 0x00, 0x00, 0xFF, 0xFF, 0x11, 0x00, 0x00]),
        block(1 << 30, &[0x11, 0x00, 0x00]),
        block(100, &[0x11, 0x00, 0x00]),
    ] {
        let err = err_of(parse_bytes(&bad));
        assert!(err.contains("lzo"), "{err}");
    }
}

#[test]
fn bombs_stop_at_the_cap() {
    let mut elf = tiny_elf(100);
    // The section table says 100 bytes of data; a section this big makes
    // the ELF's extent run past the cap.
    let shoff = u64::from_le_bytes(elf[40..48].try_into().unwrap()) as usize;
    elf[shoff + 64 + 32..shoff + 64 + 40].copy_from_slice(&(8u64 << 20).to_le_bytes());
    let mut bomb = elf.clone();
    bomb.resize(8 << 20, 0);
    let cap = 1 << 20;
    for (name, packed) in compressed_each_way(&bomb) {
        if name == "lzma" || name == "bzip2" {
            continue; // slow to compress 8 MiB in a debug build, and the cap is the Sink's
        }
        let trailer = (name != "gzip").then_some(bomb.len() as u32);
        let image = bzimage(0x020F, &packed, trailer);
        let err = err_of(parse_kernel_image(Path::new("vmlinuz"), &image, cap));
        assert!(err.contains("raise with --max-input-size"), "{name}: {err}");
    }
    let image = gzip(&arm64_image(2 << 20));
    let err = err_of(parse_kernel_image(Path::new("Image.gz"), &image, cap));
    assert_eq!(
        err,
        "Image.gz: gzip data decompresses to more than 1 MiB (raise with --max-input-size)"
    );
    let err = err_of(parse_kernel_image(
        Path::new("Image"),
        &arm64_image(2 << 20),
        cap,
    ));
    assert!(err.contains("raise with --max-input-size"), "{err}");
}

/// Writes the seeds of the `kernel_image` fuzz target (and the newer
/// formats' seeds of `decompress`): `cargo test --lib write_fuzz_seeds --
/// --ignored`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let dir = root.join("kernel_image");
    std::fs::create_dir_all(&dir).unwrap();
    let elf = tiny_elf(3000);
    for (name, packed) in compressed_each_way(&elf) {
        let trailer = (name != "gzip").then_some(elf.len() as u32);
        let image = bzimage(0x020F, &packed, trailer);
        std::fs::write(dir.join(format!("bzImage-{name}")), image).unwrap();
        if !matches!(name, "gzip" | "xz" | "zstd") {
            std::fs::write(root.join("decompress").join(format!("elf.{name}")), &packed).unwrap();
        }
    }
    std::fs::write(
        dir.join("bzImage-2.04-gzip"),
        bzimage(0x0204, &gzip(&elf), None),
    )
    .unwrap();
    let image = arm64_image(4096);
    std::fs::write(dir.join("Image"), &image).unwrap();
    std::fs::write(dir.join("Image.gz"), gzip(&image)).unwrap();
    std::fs::write(dir.join("vmlinuz.efi-zstd"), zboot("zstd22", &zstd(&image))).unwrap();
    std::fs::write(dir.join("vmlinuz.efi-lzo"), zboot("lzo", &lzop(&image))).unwrap();
    let mut s390 = vec![0u8; 512];
    s390[8..24].copy_from_slice(&[
        0x02, 0x00, 0x00, 0x18, 0x60, 0x00, 0x00, 0x50, 0x02, 0x00, 0x00, 0x68, 0x60, 0x00, 0x00,
        0x50,
    ]);
    std::fs::write(dir.join("s390x"), s390).unwrap();
}

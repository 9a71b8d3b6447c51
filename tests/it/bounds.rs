//! Issue 10, items 2 and 8: memory bombs and unbounded threads. Every input
//! is built here, lazily: a few MB on disk that would inflate to gigabytes.

use crate::common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const GIB: u64 = 1 << 30;

fn module(tree: &str, name: &str) -> Vec<u8> {
    std::fs::read(kernels().join(tree).join("modules/extra").join(name)).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// `head` then `mib` MiB of zeros, as concatenated gzip members or zstd
/// frames (both formats decompress a concatenation as one stream): each
/// MiB of zeros is compressed once and repeated.
fn bomb(head: &[u8], mib: u64, compress: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let zeros = compress(&vec![0u8; 1 << 20]);
    let mut out = if head.is_empty() {
        Vec::new()
    } else {
        compress(head)
    };
    for _ in 0..mib {
        out.extend_from_slice(&zeros);
    }
    out
}

/// An xz stream whose LZMA2 chunks each declare 2 MiB of output (the most
/// one chunk can), `chunks` of them. Their payload is junk: the declared
/// sizes alone must stop the reader before it decodes (or allocates) any.
fn xz_bomb(chunks: usize) -> Vec<u8> {
    let crc = |b: &[u8]| {
        let mut c = flate2::Crc::new();
        c.update(b);
        c.sum().to_le_bytes()
    };
    let mut x = vec![0xFD, b'7', b'z', b'X', b'Z', 0, 0, 0x01];
    x.extend(crc(&[0, 0x01]));
    // Block header: 12 bytes, one filter (LZMA2, dictionary 8 MiB).
    let block = [0x02, 0x00, 0x21, 0x01, 0x16, 0, 0, 0];
    x.extend(block);
    x.extend(crc(&block));
    for _ in 0..chunks {
        // LZMA chunk with dictionary reset: unpacked 0x1FFFFF + 1, packed 1.
        x.extend([0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x5D, 0x00]);
    }
    x.push(0x00);
    x
}

/// A scratch directory holding one module file `name` with `bytes`, beside
/// one holding the fixture's plain kmi_a.ko.
fn pair(test: &str, name: &str, bytes: &[u8]) -> (PathBuf, PathBuf, PathBuf) {
    let base = scratch(&format!("bounds-{test}"));
    let (a, b) = (base.join("a"), base.join("b"));
    for d in [&a, &b] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(a.join("kmi_a.ko"), module("v1", "kmi_a.ko")).unwrap();
    let file = b.join(name);
    std::fs::write(&file, bytes).unwrap();
    (a, b, file)
}

fn diff_dirs(extra: &[&str], a: &Path, b: &Path) -> Run {
    let mut args = extra.to_vec();
    args.extend([s(a), s(b)]);
    run("kmidiff", &args)
}

fn assert_error_naming(r: &Run, file: &Path, what: &str) {
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{}:", file.display())),
        "names the file: {}",
        r.stderr
    );
    assert!(r.stderr.contains(what), "{}", r.stderr);
    assert!(r.stderr.len() < 1000, "one short message: {}", r.stderr);
}

#[test]
fn compressed_zeros_fail_naming_the_file() {
    // 3 GiB of zeros in each format: not an ELF file, seen at the first bytes.
    for (name, bytes) in [
        ("kmi_a.ko.gz", bomb(&[], 3 << 10, gzip)),
        ("kmi_a.ko.zst", bomb(&[], 3 << 10, zstd)),
    ] {
        let (a, b, file) = pair("zeros", name, &bytes);
        let t = Instant::now();
        let r = diff_dirs(&[], &a, &b);
        assert_error_naming(&r, &file, "does not decompress to an ELF file");
        assert!(t.elapsed() < Duration::from_secs(10), "{name}");
    }
    let (a, b, file) = pair("zeros", "kmi_a.ko.xz", &xz_bomb(1600));
    let r = diff_dirs(&[], &a, &b);
    assert_error_naming(
        &r,
        &file,
        "xz data decompresses to more than 512 MiB (xz is decoded whole in memory",
    );
}

#[test]
fn a_module_followed_by_compressed_gigabytes_hits_the_cap() {
    // A real module first, so the reader cannot stop at the header: the
    // zeros past the ELF's extent are counted, never kept, up to the cap.
    let head = module("v2", "kmi_a.ko");
    for (name, bytes) in [
        ("kmi_a.ko.gz", bomb(&head, 2100, gzip)),
        ("kmi_a.ko.zst", bomb(&head, 2100, zstd)),
    ] {
        let (a, b, file) = pair("elf-bomb", name, &bytes);
        let r = diff_dirs(&[], &a, &b);
        assert_error_naming(
            &r,
            &file,
            "data decompresses to more than 2 GiB (raise with --max-input-size)",
        );
        // Under a raised cap the same file is read, with a warning for the
        // bytes after the module.
        let r = diff_dirs(&["--max-input-size", "3G"], &a, &b);
        assert_eq!(r.code, 12, "{}", r.stderr);
        assert!(
            r.stderr.contains("bytes after the end of the ELF data"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn max_input_size_is_a_flag_of_both_binaries() {
    let (a, b, file) = pair("small-cap", "kmi_a.ko.gz", &gzip(&module("v2", "kmi_a.ko")));
    let r = diff_dirs(&["--max-input-size", "10K"], &a, &b);
    assert_error_naming(&r, &file, "decompresses to more than 10240 bytes");
    let r = diff_dirs(&["--max-input-size", "lots"], &a, &b);
    assert_eq!(r.code, 2, "{}", r.stderr);

    let r = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--max-input-size",
            "10K",
            "--kernel",
            "v1",
            s(&file),
            "-o",
            "-",
        ],
    );
    assert_error_naming(&r, &file, "decompresses to more than 10240 bytes");
}

#[test]
fn zeros_after_a_plain_module_are_not_silent() {
    let (a, b, file) = pair("trailing", "kmi_a.ko", &module("v2", "kmi_a.ko"));
    // Sparse: 2.5 GiB on paper, nothing on disk.
    let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.set_len(f.metadata().unwrap().len() + 5 * GIB / 2)
        .unwrap();
    drop(f);
    let r = diff_dirs(&[], &a, &b);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "kmidiff: warning: {}: 2684354560 bytes after the end of the ELF data",
            file.display()
        )),
        "{}",
        r.stderr
    );

    // A module signature is what a real module carries there: no warning.
    let mut signed = module("v2", "kmi_a.ko");
    signed.extend_from_slice(&[0x30; 700]);
    signed.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0xbc]);
    signed.extend_from_slice(b"~Module signature appended~\n");
    let (a, b, _) = pair("signed", "kmi_a.ko", &signed);
    let r = diff_dirs(&[], &a, &b);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert!(!r.stderr.contains("after the end"), "{}", r.stderr);
}

/// kmi_a.ko with its `.debug_info` marked SHF_COMPRESSED, its first bytes
/// an Elf64_Chdr (zlib) claiming `claim` bytes.
fn compressed_claim(claim: u64) -> Vec<u8> {
    use object::{Object, ObjectSection};
    let mut bytes = module("v2", "kmi_a.ko");
    let (index, offset) = {
        let elf = object::File::parse(&*bytes).unwrap();
        let s = elf.section_by_name(".debug_info").unwrap();
        (s.index().0, s.file_range().unwrap().0 as usize)
    };
    let shoff = u64::from_le_bytes(bytes[40..48].try_into().unwrap()) as usize;
    let flags_at = shoff + index * 64 + 8;
    let flags = u64::from_le_bytes(bytes[flags_at..flags_at + 8].try_into().unwrap());
    bytes[flags_at..flags_at + 8].copy_from_slice(&(flags | 0x800).to_le_bytes());
    let mut chdr = Vec::new();
    chdr.extend(1u32.to_le_bytes());
    chdr.extend(0u32.to_le_bytes());
    chdr.extend(claim.to_le_bytes());
    chdr.extend(1u64.to_le_bytes());
    bytes[offset..offset + 24].copy_from_slice(&chdr);
    bytes
}

#[test]
fn compressed_sections_are_checked_before_allocating() {
    let (a, b, file) = pair("chdr-16g", "kmi_a.ko", &compressed_claim(16 * GIB));
    let r = diff_dirs(&[], &a, &b);
    assert_error_naming(&r, &file, "section .debug_info: claims to decompress to");
    assert!(r.stderr.contains("more than 2 GiB"), "{}", r.stderr);

    // Under the cap, but more than a few KiB of zlib could ever give.
    let (a, b, file) = pair("chdr-1g", "kmi_a.ko", &compressed_claim(GIB));
    let r = diff_dirs(&[], &a, &b);
    assert_error_naming(&r, &file, "more than zlib or zstd can expand");
}

/// Runs kmidiff on the fixture modules with one text input `flag file`.
fn with_text(flag: &str, file: &Path) -> Run {
    run(
        "kmidiff",
        &[flag, s(file), "v1/modules/extra", "v2/modules/extra"],
    )
}

#[test]
fn long_lines_and_names_are_errors_naming_file_and_line() {
    let dir = scratch("bounds-text");

    let list = dir.join("long-line.list");
    let line = "x".repeat(200 << 10);
    std::fs::write(&list, format!("kmi_a_open\n{line}\n")).unwrap();
    let r = with_text("-w", &list);
    assert_error_naming(
        &r,
        &list,
        ":2: line of 204800 bytes is longer than the limit",
    );

    let list = dir.join("long-name.list");
    let name = "n".repeat(10_000);
    std::fs::write(&list, format!("kmi_a_open\n\n{name}\n")).unwrap();
    let r = with_text("-w", &list);
    assert_error_naming(&r, &list, ":3: name of 10000 bytes");
    assert!(
        r.stderr.contains(&format!("{}...", &name[..80])),
        "{}",
        r.stderr
    );

    let symvers = dir.join("Module.symvers");
    let good = std::fs::read_to_string(kernels().join("v1/Module.symvers")).unwrap();
    std::fs::write(
        &symvers,
        format!("{good}0x12345678\t{name}\tvmlinux\tEXPORT_SYMBOL\t\n"),
    )
    .unwrap();
    let n = good.lines().count() + 1;
    let r = run("kmi", &["abi-check", s(&symvers), "v2/Module.symvers"]);
    assert_error_naming(&r, &symvers, &format!(":{n}: name of 10000 bytes"));

    let suppr = dir.join("many.suppr");
    let many = "[suppress_type]\n  name = kmi_x\n".repeat(100_001);
    std::fs::write(&suppr, many).unwrap();
    let r = with_text("--suppressions", &suppr);
    assert_error_naming(&r, &suppr, ":200001: more than 100000 sections");

    let allow = dir.join("long.allow");
    std::fs::write(&allow, format!("symbol {name} removed\n")).unwrap();
    let r = with_text("--allow", &allow);
    assert_error_naming(&r, &allow, ":1: name of 10000 bytes");

    let ignore = dir.join("long.ignore");
    std::fs::write(&ignore, format!("symbol {name}\n")).unwrap();
    let r = run(
        "kmi",
        &[
            "abi-check",
            "--ignore",
            s(&ignore),
            "v1/Module.symvers",
            "v2/Module.symvers",
        ],
    );
    assert_error_naming(&r, &ignore, ":1: name of 10000 bytes");
}

#[test]
fn dump_with_a_long_name_is_an_error_naming_file_and_line() {
    let (v1, _) = fixture_dumps();
    let text = std::fs::read_to_string(v1).unwrap();
    let name = "k".repeat(10_000);
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("kmi_a_open"))
        .unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[n] = line.replacen("kmi_a_open", &name, 1);
    let dump = scratch("bounds-text").join("long-name.kmi");
    std::fs::write(&dump, lines.join("\n") + "\n").unwrap();
    let r = run("kmidiff", &[s(&dump), s(v1)]);
    assert_error_naming(&r, &dump, &format!(":{}: ", n + 1));
    assert!(r.stderr.contains("name of 10000 bytes"), "{}", r.stderr);
}

#[test]
fn huge_text_inputs_are_refused_before_reading() {
    let list = scratch("bounds-text").join("huge.list");
    let f = std::fs::File::create(&list).unwrap();
    f.set_len(300 << 20).unwrap();
    drop(f);
    let r = with_text("-w", &list);
    assert_error_naming(
        &r,
        &list,
        "file is larger than 256 MiB (raise with --max-input-size)",
    );
}

#[test]
fn threads_are_capped_at_the_cores_present() {
    let t = Instant::now();
    let many = kmidiff(&["-j", "100000"], "v1", "v2");
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    let two = kmidiff(&["-j", "2"], "v1", "v2");
    assert_eq!(many.code, two.code, "{}", many.stderr);
    assert_eq!(many.stdout, two.stdout);
    assert!(
        many.stderr
            .contains("kmidiff: note: -j 100000 capped at the"),
        "{}",
        many.stderr
    );
}

#[test]
fn millions_of_entries_are_refused() {
    let symvers = scratch("bounds-text").join("many.symvers");
    let text: String = (0..500_001)
        .map(|i| format!("0x{i:08x}\tsym_{i}\tvmlinux\tEXPORT_SYMBOL\t\n"))
        .collect();
    std::fs::write(&symvers, text).unwrap();
    let r = run("kmi", &["abi-check", s(&symvers), "v2/Module.symvers"]);
    assert_error_naming(&r, &symvers, ":500001: more than 500000 entries");
}

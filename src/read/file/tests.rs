//! Loading and decompressing: every format, caps, errors.

use super::codec::{DecodeError, Format, Sink, decompress};
use super::*;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

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

pub(super) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
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

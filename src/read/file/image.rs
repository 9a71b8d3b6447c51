//! Kernel boot images (`vmlinuz`) as the kernel they carry.
//!
//! A distribution's kernel package ships the boot image, and the vmlinux
//! with its debug information only in a separate debug package, often not
//! installed. The boot image still carries the export tables and `.BTF` on
//! x86, where the bzImage's payload is a compressed ELF; on arm64 the image
//! is the kernel's memory layout with no ELF headers, which a caller can
//! only search. What cannot be read at all (s390x, an unknown PE) gets an
//! error that says what to pass instead, since "not an ELF file" would leave
//! the reader guessing.

use std::path::Path;

use super::codec::{DecodeError, Format, SNIFF, Sink, decompress, xz_stream_len};
use super::extent::ELF_MAGIC;
use super::{FileData, Kind, check_plain_elf, human_size, max_input_size, open_raw};
use crate::error::{Error, Result};

/// A kernel as read from a boot image or a vmlinux.
#[derive(Debug)]
pub enum KernelImage {
    /// An ELF vmlinux (a plain ELF file, or the ELF payload of an x86 bzImage).
    Elf(FileData),
    /// A kernel without ELF headers (arm64 `Image`, from a raw Image,
    /// Image.gz or EFI zboot): `what` names it for messages, e.g. "arm64 Image".
    Raw { data: FileData, what: &'static str },
}

/// Where a reader should turn when the image itself cannot be read.
const INSTEAD: &str = "pass the vmlinux of the -dbg package, or the kernel's Module.symvers with --symvers1/--symvers2";

/// How many positions of each magic the bzImage scan tries: the payload
/// comes early in any real image, and a crafted one could hold a magic at
/// every byte.
const SCAN_TRIES: usize = 64;

/// Reads `path` as a kernel: a vmlinux (plain or compressed as [`super::load`]
/// takes it), an x86 bzImage, an arm64 Image (raw, gzip-compressed, or in an
/// EFI zboot image). Decompressed bytes are capped by `--max-input-size`.
pub fn load_kernel(path: &Path) -> Result<KernelImage> {
    let cap = max_input_size();
    let raw = open_raw(path, Kind::Elf, cap)?;
    parse(path, raw, cap)
}

/// [`load_kernel`] on bytes in memory, with its own cap (for the fuzz
/// harness); errors name `name`.
pub fn parse_kernel_image(name: &Path, bytes: &[u8], cap: u64) -> Result<KernelImage> {
    parse(name, FileData::from_vec(bytes.to_vec()), cap)
}

/// What kind of boot image `head` (the first few KiB of a file, 4 KiB is
/// plenty; raw or as [`super::head`] decompressed it) starts, if any we
/// recognise: an image [`load_kernel`] reads, or one it explains it cannot.
pub fn looks_like_boot_image(head: &[u8]) -> Option<&'static str> {
    if is_bzimage(head) {
        Some("x86 bzImage")
    } else if is_zboot(head) {
        Some("EFI zboot image")
    } else if let Some(what) = image_kind(head) {
        Some(what)
    } else if is_s390(head) {
        Some("s390x kernel image")
    } else if let Some(format) = Format::detect(head) {
        // A truncated stream decodes as far as it goes: enough for the
        // Image header, which is all that is asked of it.
        let mut sink = Sink::new(SNIFF, false);
        let _ = decompress(format, head, &mut sink, SNIFF);
        image_kind(&sink.buf).map(|_| "compressed kernel Image")
    } else {
        None
    }
}

fn parse(path: &Path, raw: FileData, cap: u64) -> Result<KernelImage> {
    let unusable = |what: &str| {
        Error::input(
            path,
            format!("{what}: its exports and types cannot be read from it; {INSTEAD}"),
        )
    };
    if raw.starts_with(ELF_MAGIC) {
        check_plain_elf(path, &raw);
        return Ok(KernelImage::Elf(raw));
    }
    if let Some(what) = image_kind(&raw) {
        if raw.len() as u64 > cap {
            return Err(Error::input(
                path,
                format!(
                    "{what} is larger than {} (raise with --max-input-size)",
                    human_size(cap)
                ),
            ));
        }
        return Ok(KernelImage::Raw { data: raw, what });
    }
    if is_bzimage(&raw) {
        return bzimage(path, &raw, cap).map(KernelImage::Elf);
    }
    if is_zboot(&raw) {
        return zboot(path, &raw, cap);
    }
    if let Some(format) = Format::detect(&raw) {
        return inflate(&raw, format, cap).map_err(|e| match e {
            DecodeError::NotElf => Error::input(
                path,
                format!(
                    "{} data holds neither an ELF file nor a kernel Image; {INSTEAD}",
                    format.name()
                ),
            ),
            e => Error::input(path, e.message(format, cap)),
        });
    }
    // Its kernel is compressed in a format of s390's own boot code: nothing
    // can be read from it, but with the kernel's Module.symvers its side
    // still has its exports (see `read::kernel`).
    if is_s390(&raw) {
        return Ok(KernelImage::Raw {
            data: raw,
            what: S390,
        });
    }
    if raw.starts_with(b"MZ") {
        return Err(unusable("a PE executable that is not an EFI zboot image"));
    }
    if raw.is_empty() {
        return Err(Error::input(path, "empty file"));
    }
    Err(Error::input(
        path,
        format!("not an ELF file nor a kernel boot image we can read; {INSTEAD}"),
    ))
}

/// Decompresses a stream that holds an ELF or a kernel Image.
fn inflate(data: &[u8], format: Format, cap: u64) -> std::result::Result<KernelImage, DecodeError> {
    let mut sink = Sink::sniffing(cap, |head| image_kind(head).is_some());
    decompress(format, data, &mut sink, cap)?;
    if sink.extent.is_some() {
        return Ok(KernelImage::Elf(FileData::from_vec(sink.buf)));
    }
    match image_kind(&sink.buf) {
        Some(what) => Ok(KernelImage::Raw {
            data: FileData::from_vec(sink.buf),
            what,
        }),
        None => Err(DecodeError::NotElf),
    }
}

fn le16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The Linux image header that arm64 and RISC-V share: a magic at 0x38.
fn image_kind(d: &[u8]) -> Option<&'static str> {
    match d.get(0x38..0x3C)? {
        b"ARM\x64" => Some("arm64 Image"),
        b"RSC\x05" => Some("riscv Image"),
        _ => None,
    }
}

/// The x86 boot protocol's header signature.
fn is_bzimage(d: &[u8]) -> bool {
    d.get(0x202..0x206) == Some(b"HdrS")
}

/// The EFI zboot header: a PE stub whose DOS header names the image type.
fn is_zboot(d: &[u8]) -> bool {
    d.starts_with(b"MZ") && d.get(4..8) == Some(b"zimg")
}

/// What an s390x image is called; no types or exports can be read from it.
pub const S390: &str = "s390x kernel image";

/// s390's image opens with the IPL PSW and two channel commands that read
/// the rest of the kernel, the same in every image since the boot code was
/// written; Debian's `file` keys on the same bytes.
fn is_s390(d: &[u8]) -> bool {
    const IPL_CCWS: &[u8] = &[
        0x02, 0x00, 0x00, 0x18, 0x60, 0x00, 0x00, 0x50, 0x02, 0x00, 0x00, 0x68, 0x60, 0x00, 0x00,
        0x50,
    ];
    d.get(8..24) == Some(IPL_CCWS)
}

/// The ELF vmlinux in an x86 bzImage: the payload that the boot header
/// points to (protocol 2.08 on), else the first compressed stream in the
/// file that inflates to an ELF, found by magic as the kernel's
/// `scripts/extract-vmlinux` does.
fn bzimage(path: &Path, raw: &[u8], cap: u64) -> Result<FileData> {
    let failed = |what: String| {
        Error::input(
            path,
            format!(
                "x86 bzImage whose {what}; its exports and types cannot be read from it; {INSTEAD}"
            ),
        )
    };
    let mut declared = None;
    let version = le16(raw, 0x206).unwrap_or(0);
    if version >= 0x208 {
        let setup_sects = match raw.get(0x1F1).copied().unwrap_or(0) {
            0 => 4,
            n => usize::from(n),
        };
        let payload = le32(raw, 0x248)
            .zip(le32(raw, 0x24C))
            .and_then(|(off, len)| {
                let start = ((setup_sects + 1) * 512).checked_add(off as usize)?;
                raw.get(start..start.checked_add(len as usize)?)
                    .map(|p| (start, p))
            });
        if let Some((start, payload)) = payload
            && let Some(format) = Format::detect_any(payload)
        {
            // The build appends the decompressed size (u32 LE) to every
            // format but gzip, whose own trailer has it: a stream decoder
            // reading on would take it for a truncated next stream. A build
            // that did not append it is read on the second try.
            let trimmed = &payload[..payload.len().saturating_sub(4)];
            let bodies: &[&[u8]] = match format {
                Format::Gzip => &[payload],
                _ => &[trimmed, payload],
            };
            for body in bodies {
                match inflate_elf(body, format, cap) {
                    Ok(data) => return Ok(data),
                    Err(e @ (DecodeError::TooBig | DecodeError::XzTooBig(_))) => {
                        return Err(Error::input(path, e.message(format, cap)));
                    }
                    Err(e) => {
                        if declared.is_none() {
                            declared = Some((start, format, e));
                        }
                    }
                }
            }
        }
    }

    for format in Format::ALL {
        let magic = format.magic();
        let starts = raw
            .windows(magic.len())
            .enumerate()
            .filter(|(_, w)| *w == magic)
            .map(|(i, _)| i)
            .filter(|&i| declared.as_ref().is_none_or(|d| d.0 != i))
            .take(SCAN_TRIES);
        for start in starts {
            match inflate_elf(&raw[start..], format, cap) {
                Ok(data) => return Ok(data),
                // Only an ELF is inflated past its first bytes: this one is
                // real, and too large.
                Err(e @ (DecodeError::TooBig | DecodeError::XzTooBig(_))) => {
                    return Err(Error::input(path, e.message(format, cap)));
                }
                Err(_) => {}
            }
        }
    }
    Err(match declared {
        Some((_, format, DecodeError::NotElf)) => failed(format!(
            "{} payload does not decompress to an ELF file",
            format.name()
        )),
        Some((_, format, e)) => failed(format!("payload is {}", e.message(format, cap))),
        None => failed("payload is in no format we can decompress".to_string()),
    })
}

/// Inflates a stream that should hold an ELF; data after the whole ELF is
/// ignored, as the scan's streams run on to the end of the file. (lzma's
/// decoder cannot stop at its end marker with data after it, so the scan
/// finds an lzma payload only when it ends the file.)
fn inflate_elf(
    data: &[u8],
    format: Format,
    cap: u64,
) -> std::result::Result<FileData, DecodeError> {
    // xz's decoder rejects what follows the stream, and cannot skip it.
    let data = match format {
        Format::Xz => &data[..xz_stream_len(data).unwrap_or(data.len())],
        _ => data,
    };
    let mut sink = Sink::new(cap, true);
    match decompress(format, data, &mut sink, cap) {
        Ok(()) => {}
        Err(DecodeError::Corrupt(_)) if sink.has_whole_elf() => {}
        Err(e) => return Err(e),
    }
    // Bytes past the extent are not checked (no warning): the image's own
    // build wrote them, and the ELF inside is what was asked for.
    if sink.extent.is_none() {
        return Err(DecodeError::NotElf);
    }
    Ok(FileData::from_vec(sink.buf))
}

/// An EFI zboot image (arm64, RISC-V, LoongArch `vmlinuz.efi`): a PE that
/// decompresses the kernel Image it carries.
fn zboot(path: &Path, raw: &[u8], cap: u64) -> Result<KernelImage> {
    let comp = raw.get(24..56).unwrap_or_default();
    let comp = String::from_utf8_lossy(comp.split(|&b| b == 0).next().unwrap_or_default());
    let payload = le32(raw, 8)
        .zip(le32(raw, 12))
        .and_then(|(off, len)| raw.get(off as usize..(off as usize).checked_add(len as usize)?));
    let Some(payload) = payload else {
        return Err(Error::input(
            path,
            "EFI zboot image whose payload lies past the end of the file",
        ));
    };
    let Some(format) = Format::detect_any(payload) else {
        return Err(Error::input(
            path,
            format!(
                "EFI zboot image whose payload ({comp:?}) is in no format we can decompress; {INSTEAD}"
            ),
        ));
    };
    inflate(payload, format, cap).map_err(|e| match e {
        DecodeError::NotElf => Error::input(
            path,
            format!(
                "EFI zboot image whose {} payload is not a kernel Image; {INSTEAD}",
                format.name()
            ),
        ),
        e => Error::input(path, format!("EFI zboot image: {}", e.message(format, cap))),
    })
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;

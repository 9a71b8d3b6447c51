//! Finding the module files of a tree, telling what a path is, and naming
//! modules as kbuild does.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::io_msg;
use crate::error::{Error, Result};

/// Module file suffixes, compressed ones first so that `.ko.xz` is not taken
/// for a file whose name merely contains `.ko`.
const MODULE_SUFFIXES: [&str; 4] = [".ko.xz", ".ko.zst", ".ko.gz", ".ko"];

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
/// searched for every module below them (a directory without any is an
/// error, as a mistyped path would otherwise check nothing and pass).
pub fn module_files(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for a in args {
        if a.is_dir() {
            // Never empty: find_modules names a directory without modules.
            paths.extend(find_modules(a)?);
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

fn is_module_file_name(name: &str) -> bool {
    MODULE_SUFFIXES
        .iter()
        .any(|s| name.strip_suffix(s).is_some_and(|stem| !stem.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::write;
    use super::*;

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

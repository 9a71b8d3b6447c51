//! A kernel installed on a system, named as an admin names it: by its
//! release (`6.1.0-56-cloud-amd64`), by `running` (`uname -r`), or by its
//! modules directory (`/lib/modules/RELEASE`). Its vmlinux is found the way
//! the system's own tools find it, under a root (`--root`: an unpacked
//! package, a chroot, a mounted image) or `/`:
//!
//! 1. debug info: `usr/lib/debug/boot/vmlinux-RELEASE` (Debian, Ubuntu) or
//!    `usr/lib/debug/lib/modules/RELEASE/vmlinux` (Fedora, RHEL, SUSE); the
//!    modules' DWARF is then looked for under the root's `usr/lib/debug`;
//! 2. BTF: `boot/vmlinuz-RELEASE` (or `boot/vmlinux-RELEASE`), or the
//!    image in the modules directory (`lib/modules/RELEASE/vmlinuz`);
//! 3. for jobs that need only the exports: the headers' `Module.symvers`
//!    (`lib/modules/RELEASE/build/Module.symvers`).

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::source::{Needs, Source};

static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// `--root`: where releases are looked up (once per process).
pub fn set_root(root: PathBuf) {
    let _ = ROOT.set(root);
}

fn root() -> PathBuf {
    ROOT.get().cloned().unwrap_or_else(|| PathBuf::from("/"))
}

/// An installed kernel: its release, and the root it is installed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub release: String,
    pub root: PathBuf,
}

/// The release of the running kernel, as `uname -r` prints it.
pub fn running_release() -> Result<String> {
    let p = Path::new("/proc/sys/kernel/osrelease");
    std::fs::read_to_string(p)
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::input(p, "cannot read the running kernel's release ('running')"))
}

/// A word that can only be a release: it starts with a digit and has
/// nothing a path or a shell would make special.
fn release_word(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+~-".contains(c))
}

/// How a kernel argument named an installed kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// `running`, or a release word: only the system can say what it is.
    Word,
    /// A `lib/modules/RELEASE` directory: without a vmlinux found for it,
    /// it is still a directory of modules.
    Directory,
}

/// What `path` names when it names an installed kernel: `running`, a
/// release word that is no file here, or a `lib/modules/RELEASE` directory
/// with no vmlinux in it (when no file of the kernel is given apart:
/// `given` is `--vmlinux`, `--symvers` or `--system-map`).
pub fn recognise(path: &Path, given: bool) -> Result<Option<(Installed, Named)>> {
    let exists = path.symlink_metadata().is_ok();
    let text = path.to_str().unwrap_or("");
    if !exists && text == "running" {
        return Ok(Some((
            Installed {
                release: running_release()?,
                root: root(),
            },
            Named::Word,
        )));
    }
    if !exists && release_word(text) {
        return Ok(Some((
            Installed {
                release: text.to_string(),
                root: root(),
            },
            Named::Word,
        )));
    }
    if given || !path.is_dir() || path.join("vmlinux").is_file() {
        return Ok(None);
    }
    let names: Vec<&std::ffi::OsStr> = path.iter().collect();
    let n = names.len();
    if n < 3 || names[n - 2] != "modules" || names[n - 3] != "lib" {
        return Ok(None);
    }
    let Some(release) = names[n - 1].to_str().filter(|r| release_word(r)) else {
        return Ok(None);
    };
    // `/usr/lib/modules/R` (merged /usr) has the same root as `/lib/modules/R`.
    let mut prefix: Vec<&std::ffi::OsStr> = names[..n - 3].to_vec();
    if prefix.last().is_some_and(|c| *c == "usr") {
        prefix.pop();
    }
    let root: PathBuf = if prefix.is_empty() {
        PathBuf::from(".")
    } else {
        prefix.iter().collect()
    };
    Ok(Some((
        Installed {
            release: release.to_string(),
            root,
        },
        Named::Directory,
    )))
}

/// `p` when it exists and, under a root other than `/`, stays inside it
/// once its links are followed: Debian's links are absolute
/// (`build -> /usr/src/linux-headers-R`), and followed as they are they
/// would reach the host's files, not the root's.
fn inside(root: &Path, p: PathBuf) -> Option<PathBuf> {
    if !p.exists() {
        return None;
    }
    if root == Path::new("/") {
        return Some(p);
    }
    let real = std::fs::canonicalize(&p).ok()?;
    let base = std::fs::canonicalize(root).ok()?;
    real.starts_with(base).then_some(p)
}

/// `path` under `root`: an absolute path is taken as the root's own.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The headers' Module.symvers. Debian's `build` link is absolute
/// (`/usr/src/linux-headers-RELEASE`): under a root it is followed inside
/// the root, not on the host.
fn symvers(root: &Path, modules: Option<&Path>, release: &str) -> Option<PathBuf> {
    let mut places = Vec::new();
    if let Some(m) = modules {
        let build = m.join("build");
        match std::fs::read_link(&build) {
            Ok(target) if target.is_absolute() => {
                places.push(under(root, &target.to_string_lossy()).join("Module.symvers"));
            }
            _ => places.push(build.join("Module.symvers")),
        }
    }
    places.push(under(
        root,
        &format!("usr/src/linux-headers-{release}/Module.symvers"),
    ));
    places
        .into_iter()
        .filter_map(|p| inside(root, p))
        .find(|p| p.is_file())
}

/// A vmlinux with its modules directory, or alone when there is none.
fn kernel(
    vmlinux: PathBuf,
    modules: Option<PathBuf>,
    debug_dirs: Vec<PathBuf>,
    symvers: Option<PathBuf>,
) -> Source {
    match modules {
        Some(modules) => Source::Split {
            modules,
            vmlinux,
            debug_dirs,
            system_map: None,
            symvers,
        },
        None => Source::Vmlinux {
            path: vmlinux,
            debug_dirs,
            system_map: None,
            symvers,
        },
    }
}

/// The kernel `k` as a [`Source`], and the line that says what was used.
pub fn find(k: &Installed, needs: Needs) -> Result<(Source, String)> {
    let (root, r) = (&k.root, k.release.as_str());
    let first_file = |places: &[String]| {
        places
            .iter()
            .filter_map(|p| inside(root, under(root, p)))
            .find(|p| p.is_file())
    };
    let modules = [format!("lib/modules/{r}"), format!("usr/lib/modules/{r}")]
        .iter()
        .filter_map(|p| inside(root, under(root, p)))
        .find(|p| p.is_dir());
    let debug_places = [
        format!("usr/lib/debug/boot/vmlinux-{r}"),
        format!("usr/lib/debug/lib/modules/{r}/vmlinux"),
    ];
    // Fedora, RHEL and Arch ship the image in the modules directory; the
    // one in /boot is a copy made when it is installed.
    let image_places = [
        format!("boot/vmlinuz-{r}"),
        format!("boot/vmlinux-{r}"),
        format!("lib/modules/{r}/vmlinuz"),
        format!("usr/lib/modules/{r}/vmlinuz"),
    ];
    let symvers_file = symvers(root, modules.as_deref(), r);
    let with_modules = |m: &Option<PathBuf>| match m {
        Some(m) => format!(" and the modules in {}", m.display()),
        None => " (no modules directory)".into(),
    };
    if let Some(v) = first_file(&debug_places) {
        let debug_modules = under(root, &format!("usr/lib/debug/lib/modules/{r}"));
        // Without the image package, the debug package's modules are the
        // kernel's modules.
        let modules = modules.or_else(|| debug_modules.is_dir().then_some(debug_modules));
        let note = format!(
            "kernel {r}: {} (debug info){}",
            v.display(),
            with_modules(&modules)
        );
        let source = kernel(v, modules, vec![root.clone()], None);
        return Ok((source, note));
    }
    if let Some(v) = first_file(&image_places) {
        let note = format!(
            "kernel {r}: {} (BTF){}",
            v.display(),
            with_modules(&modules)
        );
        let source = kernel(v, modules, Vec::new(), symvers_file);
        return Ok((source, note));
    }
    let mut looked: Vec<String> = debug_places
        .iter()
        .chain(&image_places)
        .map(|p| under(root, p).display().to_string())
        .collect();
    match (symvers_file, needs) {
        (Some(s), Needs::Symbols) => {
            let note = format!(
                "kernel {r}: {} (exports only, no vmlinux found)",
                s.display()
            );
            Ok((
                Source::Symvers {
                    path: s,
                    modules_only: false,
                },
                note,
            ))
        }
        (Some(s), Needs::Types) => Err(Error::Usage(format!(
            "kernel {r}: no vmlinux found (looked for {}), and its Module.symvers ({}) holds no types: install linux-image-{r}-dbg (or its -dbg/-debuginfo package), or give a vmlinux",
            looked.join(", "),
            s.display()
        ))),
        (None, _) => {
            if needs == Needs::Symbols {
                looked.push(
                    under(root, &format!("lib/modules/{r}/build/Module.symvers"))
                        .display()
                        .to_string(),
                );
            }
            Err(Error::Usage(format!(
                "no kernel {r} installed{}: looked for {}",
                if root == Path::new("/") {
                    String::new()
                } else {
                    format!(" under {}", root.display())
                },
                looked.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(p: &Path) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"x").unwrap();
    }

    #[test]
    fn names_of_an_installed_kernel() {
        let d = tempfile::tempdir().unwrap();
        let m = d.path().join("lib/modules/6.1.0-56-cloud-amd64");
        fs::create_dir_all(&m).unwrap();
        let (k, how) = recognise(&m, false).unwrap().unwrap();
        assert_eq!(how, Named::Directory);
        assert_eq!(k.release, "6.1.0-56-cloud-amd64");
        assert_eq!(k.root, d.path());
        // Merged /usr: the same root.
        let u = d.path().join("usr/lib/modules/6.12.1");
        fs::create_dir_all(&u).unwrap();
        assert_eq!(recognise(&u, false).unwrap().unwrap().0.root, d.path());
        // With a vmlinux inside, or given apart, it is a tree as before.
        assert_eq!(recognise(&m, true).unwrap(), None);
        touch(&m.join("vmlinux"));
        assert_eq!(recognise(&m, false).unwrap(), None);
        // A word that is a release, not a file here.
        let (k, how) = recognise(Path::new("6.1.0-56-cloud-amd64"), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            (k.release.as_str(), how),
            ("6.1.0-56-cloud-amd64", Named::Word)
        );
        // A file of the kernel given apart: a directory, as before.
        fs::remove_file(m.join("vmlinux")).unwrap();
        assert_eq!(recognise(&m, true).unwrap(), None);
        for not in ["modules", "v1", "-6.1", "6.1/x", "6.1 x"] {
            assert_eq!(recognise(Path::new(not), false).unwrap(), None, "{not}");
        }
    }

    #[test]
    fn debug_info_then_boot_image_then_symvers() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_path_buf();
        let k = Installed {
            release: "6.1.0-56-cloud-amd64".into(),
            root: root.clone(),
        };
        let r = "6.1.0-56-cloud-amd64";
        // Nothing: the error lists the places.
        let e = find(&k, Needs::Symbols).unwrap_err().to_string();
        assert!(e.contains(&format!("boot/vmlinuz-{r}")), "{e}");
        assert!(
            e.contains(&format!("usr/lib/debug/boot/vmlinux-{r}")),
            "{e}"
        );
        assert!(e.contains("build/Module.symvers"), "{e}");
        // Only the headers (Debian's absolute build link, taken inside the root).
        let headers = root.join(format!("usr/src/linux-headers-{r}"));
        touch(&headers.join("Module.symvers"));
        fs::create_dir_all(root.join(format!("lib/modules/{r}"))).unwrap();
        std::os::unix::fs::symlink(
            format!("/usr/src/linux-headers-{r}"),
            root.join(format!("lib/modules/{r}/build")),
        )
        .unwrap();
        let (s, note) = find(&k, Needs::Symbols).unwrap();
        assert!(
            matches!(&s, Source::Symvers { path, .. } if path.starts_with(&root)),
            "{s:?}"
        );
        assert!(note.contains("exports only"), "{note}");
        let e = find(&k, Needs::Types).unwrap_err().to_string();
        assert!(e.contains("holds no types"), "{e}");
        // A boot image: BTF, with the symvers for a raw image's exports.
        touch(&root.join(format!("boot/vmlinuz-{r}")));
        let (s, note) = find(&k, Needs::Types).unwrap();
        assert!(
            matches!(&s, Source::Split { vmlinux, symvers: Some(_), .. } if vmlinux.ends_with(format!("vmlinuz-{r}"))),
            "{s:?}"
        );
        assert!(note.contains("(BTF)"), "{note}");
        // A debug package: DWARF first.
        touch(&root.join(format!("usr/lib/debug/boot/vmlinux-{r}")));
        let (s, note) = find(&k, Needs::Types).unwrap();
        assert!(
            matches!(&s, Source::Split { vmlinux, debug_dirs, .. }
                if vmlinux.ends_with(format!("vmlinux-{r}")) && debug_dirs == &vec![root.clone()]),
            "{s:?}"
        );
        assert!(note.contains("(debug info)"), "{note}");
    }

    #[test]
    fn nothing_outside_the_root_is_taken() {
        let host = tempfile::tempdir().unwrap();
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_path_buf();
        let r = "6.1.192";
        // The build link points at a headers dir that exists on the host
        // only (the link is absolute): not the root's, so not taken.
        touch(&host.path().join("Module.symvers"));
        fs::create_dir_all(root.join(format!("lib/modules/{r}"))).unwrap();
        std::os::unix::fs::symlink(host.path(), root.join(format!("lib/modules/{r}/build")))
            .unwrap();
        let k = Installed {
            release: r.into(),
            root: root.clone(),
        };
        let e = find(&k, Needs::Symbols).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("no kernel {r} installed under")),
            "{e}"
        );
        // An image in the modules directory (Fedora, Arch) is found.
        touch(&root.join(format!("lib/modules/{r}/vmlinuz")));
        let (s, _) = find(&k, Needs::Types).unwrap();
        assert!(
            matches!(&s, Source::Split { vmlinux, .. } if vmlinux.ends_with("vmlinuz")),
            "{s:?}"
        );
    }
}

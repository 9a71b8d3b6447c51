//! One kernel as the symbol-level jobs see it: a `Module.symvers` file, or a
//! tree whose exports are read from the ELF files themselves.

use crate::error::{Error, Result};
use crate::graph::Symbol;
use crate::read::kernel::{KernelInput, ReadOptions, read_kernel};
use crate::read::symvers;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub enum Source {
    Symvers(PathBuf),
    Tree(KernelInput),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Symvers,
    Tree,
}

impl Source {
    /// What `path` names: a directory is a tree (its `vmlinux` plus every
    /// module below it, or `--vmlinux` plus the modules below it); an ELF
    /// file is a lone vmlinux; any other file is a `Module.symvers`.
    pub fn resolve(path: &Path, vmlinux: Option<&Path>) -> Result<Source> {
        let meta =
            std::fs::metadata(path).map_err(|_| Error::input(path, "no such file or directory"))?;
        if let Some(v) = vmlinux {
            if !meta.is_dir() {
                return Err(Error::input(
                    path,
                    "with a separate vmlinux this must be the directory of the modules",
                ));
            }
            if !v.is_file() {
                return Err(Error::input(v, "no such file"));
            }
            return Ok(Source::Tree(KernelInput {
                vmlinux: Some(v.to_path_buf()),
                modules_dir: Some(path.to_path_buf()),
                debug_dirs: Vec::new(),
            }));
        }
        if meta.is_dir() {
            let v = path.join("vmlinux");
            if !v.is_file() {
                // Without vmlinux every core export would look removed.
                return Err(Error::input(
                    path,
                    "no vmlinux in this directory (give its path with --vmlinux, or use the kernel's Module.symvers)",
                ));
            }
            return Ok(Source::Tree(KernelInput {
                vmlinux: Some(v),
                modules_dir: Some(path.to_path_buf()),
                debug_dirs: Vec::new(),
            }));
        }
        if is_elf(path) {
            return Ok(Source::Tree(KernelInput {
                vmlinux: Some(path.to_path_buf()),
                modules_dir: None,
                debug_dirs: Vec::new(),
            }));
        }
        Ok(Source::Symvers(path.to_path_buf()))
    }

    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Symvers(_) => SourceKind::Symvers,
            Source::Tree(_) => SourceKind::Tree,
        }
    }

    /// How reports name this side.
    pub fn label(&self) -> String {
        match self {
            Source::Symvers(p) => p.display().to_string(),
            Source::Tree(k) => match (&k.modules_dir, &k.vmlinux) {
                (Some(m), Some(v)) if v.parent() == Some(m.as_path()) => m.display().to_string(),
                (Some(m), Some(v)) => format!("{} + {}", v.display(), m.display()),
                (Some(m), None) => m.display().to_string(),
                (None, Some(v)) => v.display().to_string(),
                (None, None) => String::new(),
            },
        }
    }

    /// Every export, sorted by name, one per name.
    pub fn read_symbols(&self, progress: bool) -> Result<Vec<Symbol>> {
        match self {
            Source::Symvers(p) => symvers::read(p),
            Source::Tree(k) => {
                let opts = ReadOptions {
                    whitelist: None,
                    symbols_only: true,
                    progress,
                };
                Ok(read_kernel(k, &opts)?.0.symbols)
            }
        }
    }
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

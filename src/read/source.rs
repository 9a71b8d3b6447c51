//! One kernel as every command takes it. A command line names a kernel by a
//! path, with a vmlinux and debug info dirs for some forms; [`Source::resolve`]
//! says what that path is, and [`resolve_one`] and [`resolve_pair`] apply the
//! one policy on a missing vmlinux. So the same path means the same thing to
//! `kmidiff`, `kmi abi-check`, `kmi modcheck --kernel`, `kmi dump` and
//! `kmi symbols`.
//!
//! A reader of another form (BTF from a vmlinuz, an STG or abixml baseline)
//! is one more variant: it says how it is recognised, whether it holds types
//! and vmlinux's exports, and how it is read.

use crate::dump;
use crate::error::{Error, Result};
use crate::graph::{Graph, Lacks, Symbol};
use crate::read::kernel::{KernelInput, ReadOptions, ReadReport, read_kernel};
use crate::read::symvers;
use crate::read::{file, installed};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the resolver found for a kernel named by its release, said on
/// stderr by the binaries as soon as the kernels are resolved.
static NOTES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn tell(note: String) {
    if let Ok(mut n) = NOTES.lock() {
        n.push(note);
    }
}

/// The notes of the kernels resolved so far, and forgets them.
pub fn take_notes() -> Vec<String> {
    NOTES
        .lock()
        .map(|mut n| std::mem::take(&mut *n))
        .unwrap_or_default()
}

/// How the command line named one kernel.
#[derive(Debug, Clone, Copy)]
pub struct KernelArg<'a> {
    pub path: &'a Path,
    pub vmlinux: Option<&'a Path>,
    pub debug_dirs: &'a [PathBuf],
    /// The kernel's System.map and Module.symvers, for the exports of a
    /// vmlinux without ELF headers (an arm64 `Image`).
    pub system_map: Option<&'a Path>,
    pub symvers: Option<&'a Path>,
    /// The option that gives its vmlinux (`--vmlinux1`), for messages.
    pub vmlinux_flag: &'a str,
    /// What messages call it when there are two (`the first kernel`, `OLD`).
    pub side: &'a str,
}

impl<'a> KernelArg<'a> {
    /// The kernel of a command that reads one, its vmlinux given by `--vmlinux`.
    pub fn one(path: &'a Path, vmlinux: Option<&'a Path>, debug_dirs: &'a [PathBuf]) -> Self {
        KernelArg {
            path,
            vmlinux,
            debug_dirs,
            system_map: None,
            symvers: None,
            vmlinux_flag: "--vmlinux",
            side: "the kernel",
        }
    }
}

/// What a command reads from a kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The exports: CRC, export flavour, namespace, module.
    Symbols,
    /// The exports and every type they reach.
    Types,
}

/// A kernel, by what its path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory holding `vmlinux`, with the modules anywhere below it.
    Tree {
        dir: PathBuf,
        debug_dirs: Vec<PathBuf>,
    },
    /// A directory of modules, and the vmlinux given apart.
    Split {
        modules: PathBuf,
        vmlinux: PathBuf,
        debug_dirs: Vec<PathBuf>,
        system_map: Option<PathBuf>,
        symvers: Option<PathBuf>,
    },
    /// A directory of modules without a vmlinux in it, and none given.
    ModulesOnly {
        dir: PathBuf,
        debug_dirs: Vec<PathBuf>,
    },
    /// A lone vmlinux (an ELF file or a boot image) without modules.
    Vmlinux {
        path: PathBuf,
        debug_dirs: Vec<PathBuf>,
        system_map: Option<PathBuf>,
        symvers: Option<PathBuf>,
    },
    /// A `kmi dump` baseline: a kernel's exports and their types.
    /// `modules_only` when it holds no vmlinux export (it was made from
    /// modules alone).
    /// `lacks` what its source did not record (a dump of an STG baseline:
    /// no module, so which exports are vmlinux's cannot be told).
    Dump {
        path: PathBuf,
        modules_only: bool,
        lacks: Lacks,
    },
    /// A `Module.symvers`: the exports, without types; `modules_only` when
    /// it lists no vmlinux export (an external module's build).
    Symvers { path: PathBuf, modules_only: bool },
    /// Another tool's baseline (an STG `.stg`): the exports and their
    /// types, less what its format does not record (see [`Lacks`]).
    Baseline { path: PathBuf, format: Baseline },
}

/// The baselines of other tools we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// STG's native format (protobuf text), as Android keeps its KMI.
    Stg,
    /// libabigail's abixml (`abidw` output).
    Abixml,
}

impl Baseline {
    fn name(self) -> &'static str {
        match self {
            Baseline::Stg => "an STG baseline",
            Baseline::Abixml => "a libabigail abixml baseline",
        }
    }

    fn load(self, path: &Path) -> Result<Graph> {
        match self {
            Baseline::Stg => crate::read::stg::load(path),
            Baseline::Abixml => crate::read::abixml::load(path),
        }
    }

    /// What the format cannot record, whatever the file holds.
    fn lacks(self) -> Lacks {
        match self {
            Baseline::Stg => crate::read::stg::LACKS,
            Baseline::Abixml => crate::read::abixml::LACKS,
        }
    }
}

/// A source as reports name it. Every form read from ELF files is a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Symvers,
    Tree,
    Dump,
    /// Another tool's baseline, by format.
    Stg,
    Abixml,
}

/// Enough of a file to tell a dump's header line or a symvers line.
const HEAD: usize = 4096;

/// What a file holds, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Elf,
    /// A relocatable ELF object: a module, never a linked vmlinux.
    ElfObject,
    Dump,
    Symvers,
    Baseline(Baseline),
    /// A kernel boot image (vmlinuz): what kind.
    BootImage(&'static str),
    Empty,
    Other,
}

fn sniff(path: &Path) -> Result<Content> {
    let head = file::head(path, HEAD)?;
    Ok(if head.is_empty() {
        Content::Empty
    } else if head.starts_with(b"\x7fELF") {
        if is_relocatable(&head) {
            Content::ElfObject
        } else {
            Content::Elf
        }
    } else if dump::is_dump(&head) {
        Content::Dump
    } else if let Some(what) = file::looks_like_boot_image(&head) {
        Content::BootImage(what)
    } else if crate::read::stg::looks_like(&head) {
        Content::Baseline(Baseline::Stg)
    } else if crate::read::abixml::looks_like(&head) {
        Content::Baseline(Baseline::Abixml)
    } else if symvers::looks_like(&head) {
        Content::Symvers
    } else {
        Content::Other
    })
}

/// `e_type == ET_REL`: the half-word at offset 16, in the byte order that
/// `EI_DATA` (offset 5) gives.
fn is_relocatable(head: &[u8]) -> bool {
    match (head.get(5), head.get(16..18)) {
        (Some(1), Some(&[a, b])) => u16::from_le_bytes([a, b]) == 1,
        (Some(2), Some(&[a, b])) => u16::from_be_bytes([a, b]) == 1,
        _ => false,
    }
}

fn metadata(path: &Path) -> Result<std::fs::Metadata> {
    std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::input(path, "no such file or directory"),
        _ => Error::input(path, format!("cannot access: {e}")),
    })
}

/// A `--vmlinux` path must be a linked ELF image: anything else would only
/// fail later, deep in the read, or be read as something it is not.
fn check_vmlinux(v: &Path, flag: &str) -> Result<()> {
    // Read twice (sniffed, then loaded), so not even a pipe will do.
    file::check_kind(v, false)?;
    if metadata(v)?.is_dir() {
        return Err(Error::input(
            v,
            format!("is a directory, but {flag} names the vmlinux file"),
        ));
    }
    match sniff(v)? {
        Content::Elf | Content::BootImage(_) => Ok(()),
        Content::ElfObject => Err(Error::input(
            v,
            format!("is a kernel module, but {flag} names the vmlinux"),
        )),
        _ => Err(Error::input(
            v,
            format!("neither an ELF file nor a kernel boot image, but {flag} names the vmlinux"),
        )),
    }
}

impl Source {
    /// What `arg` names, checked against what the command `needs`. Errors
    /// name the file; a combination that cannot work (a vmlinux beside a
    /// dump, a symvers where types are compared) is a usage error.
    pub fn resolve(arg: &KernelArg<'_>, needs: Needs) -> Result<Source> {
        let path = arg.path;
        let given = arg.vmlinux.is_some() || arg.symvers.is_some() || arg.system_map.is_some();
        if let Some((k, how)) = installed::recognise(path, given)? {
            if how == installed::Named::Word && (given || !arg.debug_dirs.is_empty()) {
                return Err(Error::Usage(format!(
                    "{} names an installed kernel, found by its release: {}, --symvers, --system-map and debug info dirs go with a directory of modules",
                    path.display(),
                    arg.vmlinux_flag
                )));
            }
            match installed::find(&k, needs) {
                Ok((source, note)) => {
                    tell(note);
                    return Ok(source);
                }
                // A staging tree (`make modules_install INSTALL_MOD_PATH=`)
                // is a directory of modules like any other.
                Err(_) if how == installed::Named::Directory => {}
                Err(Error::Usage(m)) if path != Path::new("running") => {
                    return Err(Error::Usage(format!(
                        "{}: no such file, and {m}",
                        path.display()
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        let debug_dirs = arg.debug_dirs.to_vec();
        if metadata(path)?.is_dir() {
            if let Some(v) = arg.vmlinux {
                check_vmlinux(v, arg.vmlinux_flag)?;
                return Ok(Source::Split {
                    modules: path.to_path_buf(),
                    vmlinux: v.to_path_buf(),
                    debug_dirs,
                    system_map: arg.system_map.map(Path::to_path_buf),
                    symvers: arg.symvers.map(Path::to_path_buf),
                });
            }
            // A Debian debug package has its vmlinux there as a link.
            let dir = path.to_path_buf();
            return Ok(if path.join("vmlinux").is_file() {
                Source::Tree { dir, debug_dirs }
            } else {
                Source::ModulesOnly { dir, debug_dirs }
            });
        }
        file::check_kind(path, false)?;
        let content = sniff(path)?;
        let what = match content {
            Content::Elf => "an ELF file (a vmlinux)",
            Content::BootImage(what) => what,
            Content::Baseline(b) => b.name(),
            Content::Dump => "a kmi dump",
            Content::Symvers => "a Module.symvers",
            Content::ElfObject => {
                return Err(Error::input(
                    path,
                    "is a kernel module, not a kernel: give the directory of the modules",
                ));
            }
            Content::Empty => return Err(Error::input(path, "is empty, not a kernel")),
            Content::Other => {
                return Err(Error::input(
                    path,
                    "not a kernel: neither a directory, an ELF file, a kernel boot image, a kmi dump, an STG or abixml baseline nor a Module.symvers",
                ));
            }
        };
        let usage = |msg: String| Err(Error::Usage(format!("{} is {what}: {msg}", path.display())));
        if arg.vmlinux.is_some() {
            return usage(format!(
                "{} goes only with a directory of modules",
                arg.vmlinux_flag
            ));
        }
        if !matches!(content, Content::Elf | Content::BootImage(_)) && !arg.debug_dirs.is_empty() {
            return usage("it holds no binaries, so debug info dirs cannot be used with it".into());
        }
        let path = path.to_path_buf();
        match content {
            Content::Elf | Content::BootImage(_) => Ok(Source::Vmlinux {
                path,
                debug_dirs,
                system_map: arg.system_map.map(Path::to_path_buf),
                symvers: arg.symvers.map(Path::to_path_buf),
            }),
            Content::Dump => {
                let data = file::load_text(&path)?;
                let lacks = dump::lacks(&data);
                let modules_only = !lacks.modules && !dump::has_vmlinux_exports(&data);
                Ok(Source::Dump {
                    path,
                    modules_only,
                    lacks,
                })
            }
            Content::Baseline(format) => Ok(Source::Baseline { path, format }),
            _ if needs == Needs::Types => usage(
                "it holds no types, and this command reads types: give a kernel tree, a vmlinux or a kmi dump"
                    .into(),
            ),
            _ => {
                let modules_only = !symvers::read(&path)?.iter().any(|s| s.module == "vmlinux");
                Ok(Source::Symvers { path, modules_only })
            }
        }
    }

    /// False for modules without a vmlinux: their kernel's own exports are
    /// missing.
    pub fn has_vmlinux(&self) -> bool {
        match self {
            Source::ModulesOnly { .. } => false,
            Source::Dump { modules_only, .. } | Source::Symvers { modules_only, .. } => {
                !modules_only
            }
            _ => true,
        }
    }

    /// Why [`Source::has_vmlinux`] is false, and what to do about it.
    fn no_vmlinux_why(&self, flag: &str) -> String {
        match self {
            Source::Dump { .. } => "this kmi dump holds no vmlinux export".into(),
            Source::Symvers { .. } => "this Module.symvers lists no vmlinux export".into(),
            _ => format!("none in this directory: give {flag} PATH"),
        }
    }

    /// What this input does not record (see [`Lacks`]): nothing, for every
    /// form read from binaries, Module.symvers and our dumps of them.
    pub fn lacks(&self) -> Lacks {
        match self {
            Source::Baseline { format, .. } => format.lacks(),
            Source::Dump { lacks, .. } => *lacks,
            _ => Lacks::default(),
        }
    }

    /// Whether it records no module, so cannot tell vmlinux's exports from
    /// its modules': it then goes with a side with or without a vmlinux.
    fn modules_unknown(&self) -> bool {
        self.lacks().modules
    }

    /// Whether reading it can give types (a binary may still lack DWARF).
    pub fn has_types(&self) -> bool {
        !matches!(self, Source::Symvers { .. })
    }

    /// The ELF files to read, for the forms that are ELF files.
    pub fn binaries(&self) -> Option<KernelInput> {
        let (vmlinux, modules_dir, debug_dirs, (system_map, symvers)) = match self {
            Source::Tree { dir, debug_dirs } => (
                Some(dir.join("vmlinux")),
                Some(dir),
                debug_dirs,
                (None, None),
            ),
            Source::Split {
                modules,
                vmlinux,
                debug_dirs,
                system_map,
                symvers,
            } => (
                Some(vmlinux.clone()),
                Some(modules),
                debug_dirs,
                (system_map.clone(), symvers.clone()),
            ),
            Source::ModulesOnly { dir, debug_dirs } => (None, Some(dir), debug_dirs, (None, None)),
            Source::Vmlinux {
                path,
                debug_dirs,
                system_map,
                symvers,
            } => (
                Some(path.clone()),
                None,
                debug_dirs,
                (system_map.clone(), symvers.clone()),
            ),
            Source::Dump { .. } | Source::Symvers { .. } | Source::Baseline { .. } => {
                return None;
            }
        };
        // What the kernel's headers package installs, reached from its
        // modules directory (`/lib/modules/RELEASE/build`).
        let symvers = symvers.or_else(|| {
            modules_dir
                .map(|d| d.join("build/Module.symvers"))
                .filter(|p| p.is_file())
        });
        Some(KernelInput {
            vmlinux,
            modules_dir: modules_dir.cloned(),
            debug_dirs: debug_dirs.clone(),
            system_map,
            vmlinux_symvers: symvers,
        })
    }

    /// Every file and directory this kernel is read from, resolved: what an
    /// output must not replace.
    pub fn paths(&self) -> Vec<PathBuf> {
        match (self.binaries(), self) {
            // The directory first: a file in it is said to be one of it.
            (Some(b), _) => b
                .modules_dir
                .into_iter()
                .chain(b.vmlinux)
                .chain(b.debug_dirs)
                .chain(b.system_map)
                .chain(b.vmlinux_symvers)
                .collect(),
            (
                None,
                Source::Dump { path, .. }
                | Source::Symvers { path, .. }
                | Source::Baseline { path, .. },
            ) => vec![path.clone()],
            (None, _) => Vec::new(),
        }
    }

    /// The directory whose modules make up the kernel, when there is one.
    pub fn modules_dir(&self) -> Option<&Path> {
        match self {
            Source::Tree { dir, .. } | Source::ModulesOnly { dir, .. } => Some(dir),
            Source::Split { modules, .. } => Some(modules),
            _ => None,
        }
    }

    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Symvers { .. } => SourceKind::Symvers,
            Source::Dump { .. } => SourceKind::Dump,
            Source::Baseline {
                format: Baseline::Stg,
                ..
            } => SourceKind::Stg,
            Source::Baseline {
                format: Baseline::Abixml,
                ..
            } => SourceKind::Abixml,
            _ => SourceKind::Tree,
        }
    }

    /// How reports name this kernel.
    pub fn label(&self) -> String {
        match self {
            Source::Split {
                modules, vmlinux, ..
            } if vmlinux.parent() != Some(modules.as_path()) => {
                format!("{} + {}", vmlinux.display(), modules.display())
            }
            Source::Split { modules: p, .. }
            | Source::Tree { dir: p, .. }
            | Source::ModulesOnly { dir: p, .. }
            | Source::Vmlinux { path: p, .. }
            | Source::Dump { path: p, .. }
            | Source::Baseline { path: p, .. }
            | Source::Symvers { path: p, .. } => p.display().to_string(),
        }
    }

    /// Every export, sorted by name, one per name.
    pub fn read_symbols(&self, progress: bool) -> Result<Vec<Symbol>> {
        match self {
            Source::Symvers { path, .. } => symvers::read(path),
            Source::Dump { path, .. } => Ok(dump::load(path)?.symbols),
            Source::Baseline { path, format } => Ok(format.load(path)?.symbols),
            _ => {
                let opts = ReadOptions {
                    whitelist: None,
                    symbols_only: true,
                    progress,
                    types: Default::default(),
                };
                Ok(self.read(&opts)?.0.symbols)
            }
        }
    }

    /// The exports and their types, narrowed to `opts.whitelist`, with the
    /// read's counts when binaries were read.
    pub fn read(&self, opts: &ReadOptions) -> Result<(Graph, Option<ReadReport>)> {
        match self {
            Source::Baseline { path, format } => {
                let g = format.load(path)?;
                Ok((
                    match &opts.whitelist {
                        Some(l) => dump::restrict(&g, l),
                        None => g,
                    },
                    None,
                ))
            }
            Source::Dump { path, .. } => {
                let g = dump::load(path)?;
                Ok((
                    match &opts.whitelist {
                        Some(l) => dump::restrict(&g, l),
                        None => g,
                    },
                    None,
                ))
            }
            Source::Symvers { path, .. } => Err(Error::Usage(format!(
                "{} is a Module.symvers: it holds no types",
                path.display()
            ))),
            _ => {
                let input = self.binaries().unwrap_or_default();
                read_kernel(&input, opts).map(|(g, r)| (g, Some(r)))
            }
        }
    }
}

/// One kernel for a command that reads one: without a vmlinux, its modules
/// alone are read, which is what a module-only job (their symbol lists, a
/// baseline of them) wants; the warning says so.
pub fn resolve_one(arg: &KernelArg<'_>, needs: Needs) -> Result<(Source, Option<String>)> {
    let s = Source::resolve(arg, needs)?;
    let warning = (!s.has_vmlinux()).then(|| {
        format!(
            "{}: no vmlinux ({}): reading the modules only",
            arg.path.display(),
            s.no_vmlinux_why(arg.vmlinux_flag)
        )
    });
    Ok((s, warning))
}

/// Two kernels to compare. Without a vmlinux on either side both are
/// compared as modules only, with a warning; without one on one side only,
/// every export of the other's vmlinux would look removed, so that is an
/// error naming the side.
pub fn resolve_pair(
    a: &KernelArg<'_>,
    b: &KernelArg<'_>,
    needs: Needs,
) -> Result<(Source, Source, Option<String>)> {
    let sa = Source::resolve(a, needs)?;
    let sb = Source::resolve(b, needs)?;
    let missing = |this: &KernelArg<'_>, src: &Source, other: &KernelArg<'_>| {
        Err(Error::input(
            this.path,
            format!(
                "no vmlinux for {} while {} has one, so every vmlinux export would look removed ({})",
                this.side,
                other.side,
                src.no_vmlinux_why(this.vmlinux_flag)
            ),
        ))
    };
    match (sa.has_vmlinux(), sb.has_vmlinux()) {
        (true, true) => Ok(vmlinux_alone(sa, sb)),
        _ if sa.modules_unknown() || sb.modules_unknown() => Ok((sa, sb, None)),
        (false, true) => missing(a, &sa, b),
        (true, false) => missing(b, &sb, a),
        (false, false) => {
            let warning = format!(
                "neither kernel has a vmlinux ({} and {}): comparing their modules only",
                a.path.display(),
                b.path.display()
            );
            Ok((sa, sb, Some(warning)))
        }
    }
}

/// Empty modules directories beside both vmlinux files are libabigail's way
/// to compare the vmlinux alone (`kmidiff --vmlinux1 V1 --vmlinux2 V2 EMPTY
/// EMPTY`): read them as lone vmlinux files, with a warning in case a path
/// was mistyped. One empty side stays an error (every module export would
/// look removed).
fn vmlinux_alone(a: Source, b: Source) -> (Source, Source, Option<String>) {
    let empty = |s: &Source| match s {
        Source::Split { modules, .. } => std::fs::read_dir(modules)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false),
        _ => false,
    };
    // One empty side against a file (a lone vmlinux, a dump, a baseline
    // such as libabigail's vmlinux-only abixml): the same, that side alone.
    let file = |s: &Source| {
        matches!(
            s,
            Source::Vmlinux { .. } | Source::Dump { .. } | Source::Baseline { .. }
        )
    };
    let both = empty(&a) && empty(&b);
    let one_sided = (empty(&a) && file(&b)) || (file(&a) && empty(&b));
    if !both && !one_sided {
        return (a, b, None);
    }
    let alone = |s: Source| match s {
        Source::Split {
            vmlinux,
            debug_dirs,
            system_map,
            symvers,
            ..
        } => Source::Vmlinux {
            path: vmlinux,
            debug_dirs,
            system_map,
            symvers,
        },
        other => other,
    };
    let warning = if one_sided {
        "the modules directory is empty: comparing the vmlinux alone"
    } else {
        "both modules directories are empty: comparing the vmlinux files alone"
    };
    (alone(a), alone(b), Some(warning.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// An ELF header, enough for the sniffing (not for reading).
    fn elf(e_type: u16) -> Vec<u8> {
        let mut h = b"\x7fELF\x02\x01\x01".to_vec();
        h.resize(64, 0);
        h[16..18].copy_from_slice(&e_type.to_le_bytes());
        h
    }

    fn arg<'a>(path: &'a Path, vmlinux: Option<&'a Path>, dirs: &'a [PathBuf]) -> KernelArg<'a> {
        KernelArg {
            path,
            vmlinux,
            debug_dirs: dirs,
            system_map: None,
            symvers: None,
            vmlinux_flag: "--vmlinux1",
            side: "the first kernel",
        }
    }

    fn resolve(path: &Path, vmlinux: Option<&Path>, needs: Needs) -> Result<Source> {
        Source::resolve(&arg(path, vmlinux, &[]), needs)
    }

    /// A scratch dir with a tree, a modules dir, a vmlinux, a module, a dump,
    /// a symvers and two files that are none of these.
    fn layout() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("tree/kernel")).unwrap();
        fs::write(p.join("tree/vmlinux"), elf(2)).unwrap();
        fs::create_dir_all(p.join("mods")).unwrap();
        fs::write(p.join("vmlinux"), elf(2)).unwrap();
        fs::write(p.join("m.ko"), elf(1)).unwrap();
        let dump = |module| format!("kmi-dump 1\nsym f symbol - {module} crc=0x00000001\n");
        fs::write(p.join("k.kmi"), dump("vmlinux")).unwrap();
        fs::write(p.join("m.kmi"), dump("kmi_a")).unwrap();
        let symvers = |module| format!("0x44e9a829\tmatch_token\t{module}\tEXPORT_SYMBOL\t\n");
        fs::write(p.join("Module.symvers"), symvers("vmlinux")).unwrap();
        fs::write(p.join("m.symvers"), symvers("extra/kmi_a")).unwrap();
        fs::write(p.join("README"), "hello\n").unwrap();
        fs::write(p.join("empty"), "").unwrap();
        d
    }

    #[test]
    fn each_form_is_recognised() {
        let d = layout();
        let p = d.path();
        let r = |name: &str| resolve(&p.join(name), None, Needs::Symbols).unwrap();
        assert!(matches!(r("tree"), Source::Tree { .. }));
        assert!(matches!(r("mods"), Source::ModulesOnly { .. }));
        assert!(matches!(r("vmlinux"), Source::Vmlinux { .. }));
        assert!(matches!(
            r("k.kmi"),
            Source::Dump {
                modules_only: false,
                ..
            }
        ));
        assert!(matches!(
            r("Module.symvers"),
            Source::Symvers {
                modules_only: false,
                ..
            }
        ));
        assert!(!r("m.kmi").has_vmlinux() && !r("m.symvers").has_vmlinux());
        let v = p.join("vmlinux");
        let s = resolve(&p.join("mods"), Some(&v), Needs::Types).unwrap();
        assert!(matches!(s, Source::Split { .. }));
        let k = s.binaries().unwrap();
        assert_eq!(k.vmlinux.as_deref(), Some(v.as_path()));
        assert_eq!(k.modules_dir.as_deref(), Some(p.join("mods").as_path()));
        assert_eq!(
            s.label(),
            format!("{} + {}", v.display(), p.join("mods").display())
        );
        // A tree reads its own vmlinux and every module below it.
        let t = r("tree").binaries().unwrap();
        assert_eq!(t.vmlinux, Some(p.join("tree/vmlinux")));
        assert_eq!(t.modules_dir, Some(p.join("tree")));
        assert!(r("vmlinux").binaries().unwrap().modules_dir.is_none());
        assert!(r("k.kmi").binaries().is_none());
        assert!(!r("mods").has_vmlinux());
        assert!(r("k.kmi").has_vmlinux() && r("k.kmi").has_types());
        assert!(!r("Module.symvers").has_types());
        assert_eq!(r("tree").kind(), SourceKind::Tree);
        assert_eq!(r("k.kmi").kind(), SourceKind::Dump);
    }

    #[test]
    fn bad_paths_are_named_in_one_line() {
        let d = layout();
        let p = d.path();
        for (name, words, code) in [
            ("nope", "no such file or directory", 1),
            ("m.ko", "is a kernel module", 1),
            ("README", "not a kernel", 1),
            ("empty", "is empty", 1),
        ] {
            let e = resolve(&p.join(name), None, Needs::Symbols).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.starts_with(&p.join(name).display().to_string()),
                "{msg}"
            );
            assert!(msg.contains(words), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
            assert_eq!(e.exit_code(), code, "{msg}");
        }
        // A bad --vmlinux is named, not the directory.
        for bad in ["README", "m.ko", "nope", "mods"] {
            let v = p.join(bad);
            let e = resolve(&p.join("mods"), Some(&v), Needs::Types).unwrap_err();
            assert!(e.to_string().starts_with(&v.display().to_string()), "{e}");
            assert_eq!(e.exit_code(), 1);
        }
    }

    #[test]
    fn combinations_that_cannot_work_are_usage_errors() {
        let d = layout();
        let p = d.path();
        let v = p.join("vmlinux");
        let e = resolve(&p.join("Module.symvers"), None, Needs::Types).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string()
                .contains("Module.symvers is a Module.symvers: it holds no types"),
            "{e}"
        );
        for f in ["k.kmi", "Module.symvers", "vmlinux"] {
            let e = resolve(&p.join(f), Some(&v), Needs::Symbols).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains("--vmlinux1"), "{e}");
        }
        let dirs = [p.join("debug")];
        let e = Source::resolve(&arg(&p.join("k.kmi"), None, &dirs), Needs::Types).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("debug info dirs"), "{e}");
        let s = Source::resolve(&arg(&p.join("vmlinux"), None, &dirs), Needs::Types).unwrap();
        assert_eq!(s.binaries().unwrap().debug_dirs, dirs);
    }

    #[test]
    fn one_policy_on_a_missing_vmlinux() {
        let d = layout();
        let p = d.path();
        let (mods, tree, dump) = (p.join("mods"), p.join("tree"), p.join("k.kmi"));
        let (m, ms) = (p.join("m.kmi"), p.join("m.symvers"));
        let side = |path, flag, side| KernelArg {
            path,
            vmlinux: None,
            debug_dirs: &[],
            system_map: None,
            symvers: None,
            vmlinux_flag: flag,
            side,
        };
        let first = |path| side(path, "--vmlinux1", "the first kernel");
        let second = |path| side(path, "--vmlinux2", "the second kernel");

        let (_, _, w) = resolve_pair(&first(&tree), &second(&dump), Needs::Types).unwrap();
        assert_eq!(w, None);
        let (_, _, w) = resolve_pair(&first(&mods), &second(&mods), Needs::Types).unwrap();
        let w = w.unwrap();
        assert!(w.contains("modules only") && !w.contains('\n'), "{w}");

        let e = resolve_pair(&first(&tree), &second(&mods), Needs::Symbols).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.exit_code(), 1);
        assert!(msg.starts_with(&mods.display().to_string()), "{msg}");
        assert!(
            msg.contains("the second kernel") && msg.contains("--vmlinux2"),
            "{msg}"
        );
        let e = resolve_pair(&first(&mods), &second(&dump), Needs::Types).unwrap_err();
        assert!(
            e.to_string().contains("no vmlinux for the first kernel"),
            "{e}"
        );

        // A dump or symvers made from modules alone is held to the same rule.
        let e = resolve_pair(&first(&tree), &second(&m), Needs::Types).unwrap_err();
        assert!(
            e.to_string()
                .contains("this kmi dump holds no vmlinux export"),
            "{e}"
        );
        let (_, _, w) = resolve_pair(&first(&m), &second(&mods), Needs::Types).unwrap();
        assert!(w.is_some());
        let e = resolve_pair(&first(&ms), &second(&dump), Needs::Symbols);
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("lists no vmlinux export")
        );

        let (s, w) = resolve_one(&first(&mods), Needs::Types).unwrap();
        assert!(matches!(s, Source::ModulesOnly { .. }));
        assert!(w.unwrap().contains("reading the modules only"));
        assert_eq!(resolve_one(&first(&tree), Needs::Types).unwrap().1, None);
    }

    #[test]
    fn relocatable_is_read_in_either_byte_order() {
        assert!(is_relocatable(&elf(1)));
        assert!(!is_relocatable(&elf(2)));
        let mut be = elf(0);
        be[5] = 2;
        be[16..18].copy_from_slice(&1u16.to_be_bytes());
        assert!(is_relocatable(&be));
        assert!(!is_relocatable(b"\x7fELF"));
    }
}

//! A kernel as the command lines take it: a tree of binaries to read, or a
//! dump standing in for one.

use super::{restrict, sniff};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::read::kernel::{KernelInput, ReadOptions, ReadReport, read_kernel};
use std::path::{Path, PathBuf};

pub enum Kernel {
    Tree(KernelInput),
    Dump(Box<Graph>),
}

impl Kernel {
    /// A kernel argument: a dump file, or a directory of modules with an
    /// optional vmlinux. A dump is the whole kernel already, so a vmlinux or
    /// debug info dirs beside it are a usage error (named by `flag`) rather
    /// than silently ignored.
    pub fn from_arg(
        path: &Path,
        vmlinux: Option<&Path>,
        debug_dirs: &[PathBuf],
        flag: &str,
    ) -> Result<Kernel> {
        if let Some(g) = sniff(path)? {
            if vmlinux.is_some() || !debug_dirs.is_empty() {
                let what = if vmlinux.is_some() {
                    flag.to_string()
                } else {
                    "debug info dirs".to_string()
                };
                return Err(Error::Usage(format!(
                    "{} is a kmi dump, which holds the whole kernel: {what} cannot be used with it",
                    path.display()
                )));
            }
            return Ok(Kernel::Dump(Box::new(g)));
        }
        if !path.is_dir() {
            return Err(Error::input(path, "no such directory"));
        }
        Ok(Kernel::Tree(KernelInput {
            vmlinux: vmlinux.map(Path::to_path_buf),
            modules_dir: Some(path.to_path_buf()),
            debug_dirs: debug_dirs.to_vec(),
        }))
    }

    /// The graph, narrowed to `opts.whitelist`. A dump has no read report.
    pub fn read(self, opts: &ReadOptions) -> Result<(Graph, Option<ReadReport>)> {
        match self {
            Kernel::Dump(g) => Ok((
                match &opts.whitelist {
                    Some(l) => restrict(&g, l),
                    None => *g,
                },
                None,
            )),
            Kernel::Tree(input) => read_kernel(&input, opts).map(|(g, r)| (g, Some(r))),
        }
    }
}

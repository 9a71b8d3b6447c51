//! One side of a comparison: a vmlinux and/or a tree of modules, read in
//! parallel into one graph with one interface root.

use super::debuginfo::DebugLookup;
use super::dwarf::{self, DwarfStats};
use super::exports::try_read_exports;
use super::file;
use crate::error::{Error, Result};
use crate::graph::{Graph, Symbol};
use object::Object;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What makes up one kernel build.
#[derive(Debug, Clone, Default)]
pub struct KernelInput {
    pub vmlinux: Option<PathBuf>,
    pub modules_dir: Option<PathBuf>,
    /// Where split debug info may be found (`--debug-info-dirN`).
    pub debug_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Only these symbols (and the types they reach) are read.
    pub whitelist: Option<FxHashSet<String>>,
    /// Read exports only, no DWARF (symbol-level jobs).
    pub symbols_only: bool,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
}

/// Counts and timings for `--verbose`.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    pub binaries: usize,
    pub binaries_without_debug_info: Vec<String>,
    /// Module names (`vmlinux` included) of the binaries with exports and
    /// debug info, and of those with exports but none: a binary with debug
    /// info on one side only is compared at the symbol level.
    pub modules_with_debug_info: Vec<String>,
    pub modules_without_debug_info: Vec<String>,
    pub exports: usize,
    /// Exports left without a type, because their binary has no debug info,
    /// or because no DIE describes them (assembler, or debug info that
    /// lacks them).
    pub untyped_no_debug_info: usize,
    pub untyped_no_die: usize,
    pub dwarf: DwarfStats,
    /// Binaries (path, count) with relocations in `.debug_*` of a kind we
    /// cannot apply: some of their types may be wrong, said by default.
    pub binaries_with_skipped_relocations: Vec<(String, usize)>,
    /// Wall time of the parallel read of all binaries.
    pub read_time: Duration,
    /// Summed over threads: time in ELF symbol tables and DWARF.
    pub elf_time: Duration,
    pub dwarf_time: Duration,
    /// Wall time of the final merge into one graph.
    pub merge_time: Duration,
}

impl ReadReport {
    /// A relocation we could not apply leaves a DWARF offset pointing at the
    /// wrong place: the types read through it may be wrong, and a dump or a
    /// comparison of them must say so by default.
    pub fn skipped_relocations_warning(&self) -> Option<String> {
        let (first, n) = self.binaries_with_skipped_relocations.first()?;
        Some(format!(
            "{} binaries have relocations in their debug info that could not be applied (e.g. {first}: {n}): types read from them may be wrong",
            self.binaries_with_skipped_relocations.len()
        ))
    }
}

struct Binary {
    path: PathBuf,
    module: String,
    rel: Option<PathBuf>,
}

fn list_binaries(input: &KernelInput) -> Result<Vec<Binary>> {
    let mut out = Vec::new();
    if let Some(v) = &input.vmlinux {
        if !v.is_file() {
            return Err(Error::input(v, "no such file"));
        }
        out.push(Binary {
            path: v.clone(),
            module: "vmlinux".into(),
            rel: None,
        });
    }
    if let Some(dir) = &input.modules_dir {
        for p in file::find_modules(dir)? {
            let rel = p.strip_prefix(dir).ok().map(Path::to_path_buf);
            out.push(Binary {
                module: file::module_name(&p),
                path: p,
                rel,
            });
        }
    }
    Ok(out)
}

/// What one binary contributes to its side.
struct BinaryRead {
    graph: Graph,
    /// Dedup keys of `graph`'s nodes, computed here, in parallel.
    keys: Vec<u128>,
    exports: Vec<Symbol>,
    stats: DwarfStats,
    /// False when it has exports but no DWARF was found for it.
    has_debug: bool,
    elf_time: Duration,
    dwarf_time: Duration,
}

impl BinaryRead {
    /// Exports without types: nothing to read, or no debug info.
    fn untyped(
        exports: Vec<Symbol>,
        has_debug: bool,
        elf_time: Duration,
        dwarf_time: Duration,
    ) -> Self {
        BinaryRead {
            graph: Graph::new(),
            // The lone void node, which merging skips.
            keys: vec![0],
            exports,
            stats: DwarfStats::default(),
            has_debug,
            elf_time,
            dwarf_time,
        }
    }
}

/// `machine` is set as soon as the ELF header is read, error or not.
fn read_binary(
    b: &Binary,
    lookup: &DebugLookup,
    opts: &ReadOptions,
    machine: &mut u16,
) -> Result<BinaryRead> {
    let t0 = Instant::now();
    let data = file::load(&b.path)?;
    let elf = file::parse_elf(&b.path, &data)?;
    *machine = super::elfcheck::e_machine(&data);
    // An executable or shared object in place of a module is read without
    // relocations: its DWARF offsets are then garbage, and its types with it.
    if b.rel.is_some() && elf.kind() != object::ObjectKind::Relocatable {
        let e_type = match elf.kind() {
            object::ObjectKind::Executable => "ET_EXEC",
            object::ObjectKind::Dynamic => "ET_DYN",
            object::ObjectKind::Core => "ET_CORE",
            _ => "not ET_REL",
        };
        return Err(Error::input(
            &b.path,
            format!("e_type is {e_type}, but a kernel module is a relocatable object (ET_REL)"),
        ));
    }
    let mut exports = try_read_exports(&elf, &b.module, &b.path)?;
    if let Some(w) = &opts.whitelist {
        exports.retain(|s| w.contains(&s.name));
    }
    let elf_time = t0.elapsed();
    if exports.is_empty() || opts.symbols_only {
        return Ok(BinaryRead::untyped(exports, true, elf_time, Duration::ZERO));
    }
    let t1 = Instant::now();
    let mut stats = DwarfStats::default();
    let graph = if dwarf::has_dwarf(&elf) {
        dwarf::read_types(&elf, &b.path, &mut exports, &mut stats)?
    } else if let Some(dbg) = lookup.find(&b.path, &data, b.rel.as_deref()) {
        let ddata = file::load(&dbg)?;
        let delf = file::parse_elf(&dbg, &ddata)?;
        dwarf::read_types(&delf, &dbg, &mut exports, &mut stats)?
    } else {
        return Ok(BinaryRead::untyped(exports, false, elf_time, t1.elapsed()));
    };

    Ok(BinaryRead {
        keys: crate::graph::dedup::graph_keys(&graph),
        graph,
        exports,
        stats,
        has_debug: true,
        elf_time,
        dwarf_time: t1.elapsed(),
    })
}

/// Read a whole kernel build into one graph.
pub fn read_kernel(input: &KernelInput, opts: &ReadOptions) -> Result<(Graph, ReadReport)> {
    let t0 = Instant::now();
    let binaries = list_binaries(input)?;
    let lookup = DebugLookup::new(input.debug_dirs.clone());
    let bar = if opts.progress && binaries.len() > 1 {
        // Both sides are read at once: one line each, not one fought over.
        static BARS: std::sync::OnceLock<indicatif::MultiProgress> = std::sync::OnceLock::new();
        let pb = BARS
            .get_or_init(indicatif::MultiProgress::new)
            .add(indicatif::ProgressBar::new(binaries.len() as u64));
        pb.set_style(
            indicatif::ProgressStyle::with_template("reading {prefix} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let side = input.modules_dir.as_ref().or(input.vmlinux.as_ref());
        pb.set_prefix(side.map(|p| p.display().to_string()).unwrap_or_default());
        Some(pb)
    } else {
        None
    };
    let results: Vec<(u16, Result<BinaryRead>)> = binaries
        .par_iter()
        .map(|b| {
            let mut machine = 0;
            let r = read_binary(b, &lookup, opts, &mut machine);
            if let Some(pb) = &bar {
                pb.inc(1);
            }
            (machine, r)
        })
        .collect();
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let mut report = ReadReport {
        binaries: binaries.len(),
        ..Default::default()
    };
    let mut parts = Vec::with_capacity(results.len());
    // Relocation types and type sizes are per machine: a binary of another
    // one in the tree is a mix-up, not an ABI change. Checked before any
    // error of a single binary, as it is the likelier cause of that error.
    let mut first_machine: Option<(u16, &Path)> = None;
    for (b, (m, _)) in binaries.iter().zip(&results) {
        match first_machine {
            _ if *m == 0 => {}
            None => first_machine = Some((*m, &b.path)),
            Some((f, p)) if f != *m => {
                return Err(Error::input(
                    &b.path,
                    format!(
                        "e_machine is {m}, but {} has {f}: binaries of different architectures in one side",
                        p.display()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    for (b, (_, r)) in binaries.iter().zip(results) {
        let r = r?;
        if r.stats.skipped_relocations > 0 {
            report
                .binaries_with_skipped_relocations
                .push((b.path.display().to_string(), r.stats.skipped_relocations));
        }
        report.elf_time += r.elf_time;
        report.dwarf_time += r.dwarf_time;
        let untyped = r.exports.iter().filter(|s| s.ty.is_none()).count();
        if !r.has_debug {
            report
                .binaries_without_debug_info
                .push(b.path.display().to_string());
            report.modules_without_debug_info.push(b.module.clone());
            report.untyped_no_debug_info += untyped;
        } else if !r.exports.is_empty() && !opts.symbols_only {
            report.modules_with_debug_info.push(b.module.clone());
            report.untyped_no_die += untyped;
        }
        report.exports += r.exports.len();
        report.dwarf.add(&r.stats);
        parts.push((r.graph, r.keys, r.exports));
    }
    report.read_time = t0.elapsed();
    let t1 = Instant::now();
    let g = crate::graph::dedup::merge_graphs(parts);
    report.merge_time = t1.elapsed();
    report.dwarf.types_after_dedup = g.nodes.len();
    Ok((g, report))
}

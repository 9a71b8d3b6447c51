//! One side of a comparison: a vmlinux and/or a tree of modules, read in
//! parallel into one graph with one interface root.

mod btf_side;

use super::btf::{self, Btf};
use super::debuginfo::DebugLookup;
use super::dwarf::{self, DwarfStats};
use super::exports::try_read_exports;
use super::file;
use crate::error::{Error, Result};
use crate::graph::{Graph, Symbol};
use btf_side::{
    ModuleBtf, PendingBtf, read_module_btf, read_raw_vmlinux, type_from_base, vmlinux_btf,
};
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
    /// Where the exports of a vmlinux without ELF headers (an arm64
    /// `Image`) come from: a real System.map (the entries are then decoded
    /// from the image), else the kernel's Module.symvers.
    pub system_map: Option<PathBuf>,
    pub vmlinux_symvers: Option<PathBuf>,
}

/// Where types come from (`--types`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TypeSource {
    /// DWARF where a binary has it (or its debug file is found), BTF
    /// otherwise.
    #[default]
    Auto,
    Dwarf,
    Btf,
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Only these symbols (and the types they reach) are read.
    pub whitelist: Option<FxHashSet<String>>,
    /// Read exports only, no DWARF (symbol-level jobs).
    pub symbols_only: bool,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
    pub types: TypeSource,
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
    /// Exports typed from DWARF, and from BTF; exports of binaries typed
    /// from BTF that BTF does not describe (most variables, and functions
    /// pahole leaves out).
    pub typed_dwarf: usize,
    pub typed_btf: usize,
    pub untyped_not_in_btf: usize,
    /// Of those, exports BTF names several functions for, with different
    /// prototypes (left untyped rather than typed by a guess).
    pub untyped_btf_ambiguous: usize,
    /// Wall time of typing the exports from the vmlinux BTF (one pass).
    pub btf_time: Duration,
    /// Binaries whose types were read from BTF.
    pub binaries_btf: usize,
    /// Modules with BTF that could not be read for want of their vmlinux's
    /// BTF (a side without vmlinux, or a vmlinux without BTF).
    pub modules_btf_without_base: usize,
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
    /// The vmlinux's release (`uname -r`), from its banner, for reports.
    pub release: Option<String>,
}

impl ReadReport {
    /// Why a side none of whose exports got a type has none (a kernel
    /// built without debug info and BTF, like Debian's s390x): its exports
    /// are still compared, but no type change can be seen, and that must be
    /// said. `None` when some export is typed, or types were not read.
    pub fn no_types_reason(&self) -> Option<&'static str> {
        if self.exports == 0
            || self.typed_dwarf + self.typed_btf > 0
            || self.binaries_without_debug_info.is_empty()
        {
            return None;
        }
        Some(if self.modules_btf_without_base > 0 {
            "no debug info, and modules whose BTF cannot be read without the vmlinux's BTF"
        } else {
            "no debug info and no BTF"
        })
    }

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

/// Where a binary's types came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    Dwarf,
    Btf,
    /// No debug info and no BTF for it.
    None,
    /// BTF, but no vmlinux BTF to read it over.
    BtfWithoutBase,
    /// Types were not asked for (a symbol-level job), or there are no
    /// exports to type.
    NotRead,
}

/// What one binary contributes to its side.
struct BinaryRead {
    graph: Graph,
    /// Dedup keys of `graph`'s nodes, computed here, in parallel.
    keys: Vec<u128>,
    exports: Vec<Symbol>,
    stats: DwarfStats,
    typed: Typed,
    /// Exports to type from the side's vmlinux BTF, in one pass after the
    /// parallel read: a module's own split `.BTF`, or none for the vmlinux.
    pending_btf: Option<Option<Vec<u8>>>,
    elf_time: Duration,
    dwarf_time: Duration,
}

impl BinaryRead {
    /// Exports without types: nothing to read, or nothing to read them from.
    fn untyped(
        exports: Vec<Symbol>,
        typed: Typed,
        elf_time: Duration,
        dwarf_time: Duration,
    ) -> Self {
        BinaryRead {
            graph: Graph::new(),
            // The lone void node, which merging skips.
            keys: vec![0],
            exports,
            stats: DwarfStats::default(),
            typed,
            pending_btf: None,
            elf_time,
            dwarf_time,
        }
    }

    /// Exports typed later, from the side's vmlinux BTF (see `pending_btf`).
    fn btf_later(exports: Vec<Symbol>, own: Option<Vec<u8>>) -> Self {
        let mut r = BinaryRead::untyped(exports, Typed::Btf, Duration::ZERO, Duration::ZERO);
        r.pending_btf = Some(own);
        r
    }

    fn typed(graph: Graph, exports: Vec<Symbol>, stats: DwarfStats, typed: Typed) -> Self {
        BinaryRead {
            keys: crate::graph::dedup::graph_keys(&graph),
            graph,
            exports,
            stats,
            typed,
            pending_btf: None,
            elf_time: Duration::ZERO,
            dwarf_time: Duration::ZERO,
        }
    }
}

/// A side's vmlinux, loaded before its modules: its BTF is the base every
/// module's split BTF continues. An ELF, or a boot image's kernel without
/// ELF headers (an arm64 `Image`).
pub use super::file::KernelImage as Vmlinux;

/// What every binary of a side reads against.
struct Context<'a> {
    lookup: DebugLookup,
    opts: &'a ReadOptions,
    input: &'a KernelInput,
    vmlinux: Option<&'a Vmlinux>,
    /// The vmlinux's BTF, parsed once for every module.
    base: Option<&'a Btf<'a>>,
}

/// `machine` is set as soon as the ELF header is read, error or not.
fn read_binary(b: &Binary, cx: &Context<'_>, machine: &mut u16) -> Result<BinaryRead> {
    let t0 = Instant::now();
    let opts = cx.opts;
    let is_vmlinux = b.rel.is_none();
    let owned;
    let data: &[u8] = match (is_vmlinux, cx.vmlinux) {
        (true, Some(Vmlinux::Raw { what, .. })) => return read_raw_vmlinux(b, cx, what, t0),
        (true, Some(Vmlinux::Elf(data))) => data,
        _ => {
            owned = file::load(&b.path)?;
            &owned
        }
    };
    let elf = file::parse_elf(&b.path, data)?;
    *machine = super::elfcheck::e_machine(data);
    // An executable or shared object in place of a module is read without
    // relocations: its DWARF offsets are then garbage, and its types with it.
    if !is_vmlinux && elf.kind() != object::ObjectKind::Relocatable {
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
    // A kernel always exports: none found means a table we could not read
    // (or not a vmlinux at all), never an empty side.
    if is_vmlinux && exports.is_empty() {
        return Err(Error::input(
            &b.path,
            "no exported symbol found (no __ksymtab entries): not a vmlinux, or one whose export table cannot be read",
        ));
    }
    if let Some(w) = &opts.whitelist {
        exports.retain(|s| w.contains(&s.name));
    }
    let elf_time = t0.elapsed();
    if exports.is_empty() || opts.symbols_only {
        return Ok(BinaryRead::untyped(
            exports,
            Typed::NotRead,
            elf_time,
            Duration::ZERO,
        ));
    }
    let t1 = Instant::now();
    let mut stats = DwarfStats::default();
    let dwarf_ok = opts.types != TypeSource::Btf;
    let debug_file = || {
        dwarf_ok
            .then(|| cx.lookup.find(&b.path, data, b.rel.as_deref()))
            .flatten()
    };
    let mut r = if dwarf_ok && dwarf::has_dwarf(&elf) {
        let g = dwarf::read_types(&elf, &b.path, &mut exports, &mut stats)?;
        BinaryRead::typed(g, exports, stats, Typed::Dwarf)
    } else if let Some(dbg) = debug_file() {
        let ddata = file::load(&dbg)?;
        let delf = file::parse_elf(&dbg, &ddata)?;
        let g = dwarf::read_types(&delf, &dbg, &mut exports, &mut stats)?;
        BinaryRead::typed(g, exports, stats, Typed::Dwarf)
    } else if opts.types == TypeSource::Dwarf {
        BinaryRead::untyped(exports, Typed::None, elf_time, Duration::ZERO)
    } else {
        let g = if is_vmlinux {
            cx.base.map(|_| ModuleBtf::Later(None))
        } else {
            read_module_btf(b, cx, &elf, &mut exports)?
        };
        match g {
            Some(ModuleBtf::Now(g)) => BinaryRead::typed(g, exports, stats, Typed::Btf),
            Some(ModuleBtf::Later(own)) => BinaryRead::btf_later(exports, own),
            None => {
                let has_btf = btf::section(&elf, ".BTF").is_ok_and(|s| s.is_some());
                let why = if !is_vmlinux && has_btf {
                    Typed::BtfWithoutBase
                } else {
                    Typed::None
                };
                BinaryRead::untyped(exports, why, elf_time, Duration::ZERO)
            }
        }
    };
    r.elf_time = elf_time;
    r.dwarf_time = t1.elapsed();
    Ok(r)
}

/// A vmlinux, or the kernel inside a boot image (vmlinuz).
pub fn load_vmlinux(path: &Path) -> Result<Vmlinux> {
    if !path.is_file() {
        return Err(Error::input(path, "no such file"));
    }
    file::load_kernel(path)
}

/// Read a whole kernel build into one graph.
pub fn read_kernel(input: &KernelInput, opts: &ReadOptions) -> Result<(Graph, ReadReport)> {
    let t0 = Instant::now();
    let binaries = list_binaries(input)?;
    // The vmlinux first: every module's split BTF reads over its BTF.
    let vmlinux = input.vmlinux.as_deref().map(load_vmlinux).transpose()?;
    // Copied out, so that a mapped vmlinux can be let go: the pages its
    // DWARF read touches would otherwise count until every module is read.
    let base_bytes: Option<Vec<u8>> = match (&vmlinux, input.vmlinux.as_deref()) {
        (Some(vm), Some(path)) if opts.types != TypeSource::Dwarf && !opts.symbols_only => {
            vmlinux_btf(path, vm)?.map(|b| b.into_owned())
        }
        _ => None,
    };
    let base = match (&base_bytes, input.vmlinux.as_deref()) {
        (Some(bytes), Some(path)) => Some(
            Btf::parse(bytes, None)
                .map_err(|e| Error::input(path, format!("section .BTF: {e}")))?,
        ),
        _ => None,
    };
    // BTF has no pointer size; the images without ELF headers we read are
    // arm64's and riscv's, both 64-bit.
    let pointer_bits = match &vmlinux {
        Some(Vmlinux::Elf(data)) => object::File::parse(&**data)
            .map(|f| btf::pointer_bits(&f))
            .unwrap_or(64),
        _ => 64,
    };
    let release = match &vmlinux {
        Some(Vmlinux::Elf(d) | Vmlinux::Raw { data: d, .. }) => {
            crate::read::modinfo::kernel_release(d)
        }
        _ => None,
    };
    // A vmlinux file is mapped again when its turn comes; what came out of
    // a boot image is kept, as it cannot be mapped.
    let vmlinux = vmlinux.filter(|v| !matches!(v, Vmlinux::Elf(d) if d.is_mapped()));
    let cx = Context {
        lookup: DebugLookup::new(input.debug_dirs.clone()),
        opts,
        input,
        vmlinux: vmlinux.as_ref(),
        base: base.as_ref(),
    };
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
            let r = read_binary(b, &cx, &mut machine);
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
        release,
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
    let mut reads = results
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<BinaryRead>>>()?;
    // One export per name, the first binary's (vmlinux, then the modules in
    // path order): the parts below no longer follow binary order.
    let mut seen: FxHashSet<String> = FxHashSet::default();
    for r in &mut reads {
        r.exports.retain(|s| seen.insert(s.name.clone()));
    }
    drop(seen);
    // The exports typed from the side's vmlinux BTF, in one graph, typed
    // in place; which reads they were is kept for the parts below.
    let mut btf_graph = None;
    let from_base: Vec<bool> = reads.iter().map(|r| r.pending_btf.is_some()).collect();
    if let Some(base) = &base {
        let t = Instant::now();
        let vmlinux_path = input.vmlinux.as_deref().unwrap_or(Path::new("vmlinux"));
        let mut pending: Vec<PendingBtf<'_>> = binaries
            .iter()
            .zip(reads.iter_mut())
            .filter_map(|(b, r)| {
                let own = r.pending_btf.take()?;
                Some((b.path.as_path(), own, &mut r.exports))
            })
            .collect();
        if !pending.is_empty() {
            let (g, ambiguous) = type_from_base(vmlinux_path, base, pointer_bits, &mut pending)?;
            report.untyped_btf_ambiguous = ambiguous;
            btf_graph = Some(g);
        }
        report.btf_time = t.elapsed();
    }
    let mut btf_symbols: Vec<Symbol> = Vec::new();
    for ((b, r), from_base) in binaries.iter().zip(reads).zip(from_base) {
        if r.stats.skipped_relocations > 0 {
            report
                .binaries_with_skipped_relocations
                .push((b.path.display().to_string(), r.stats.skipped_relocations));
        }
        report.elf_time += r.elf_time;
        report.dwarf_time += r.dwarf_time;
        let untyped = r.exports.iter().filter(|s| s.ty.is_none()).count();
        let typed = r.exports.len() - untyped;
        match r.typed {
            Typed::None | Typed::BtfWithoutBase => {
                report
                    .binaries_without_debug_info
                    .push(b.path.display().to_string());
                report.modules_without_debug_info.push(b.module.clone());
                report.untyped_no_debug_info += untyped;
                if r.typed == Typed::BtfWithoutBase {
                    report.modules_btf_without_base += 1;
                }
            }
            Typed::NotRead => {}
            Typed::Dwarf => {
                report.modules_with_debug_info.push(b.module.clone());
                report.untyped_no_die += untyped;
                report.typed_dwarf += typed;
            }
            Typed::Btf => {
                report.modules_with_debug_info.push(b.module.clone());
                report.untyped_not_in_btf += untyped;
                report.typed_btf += typed;
                report.binaries_btf += 1;
            }
        }
        report.exports += r.exports.len();
        report.dwarf.add(&r.stats);
        if from_base {
            btf_symbols.extend(r.exports);
        } else {
            parts.push((r.graph, r.keys, r.exports));
        }
    }
    if let Some(g) = btf_graph {
        let keys = crate::graph::dedup::graph_keys(&g);
        parts.push((g, keys, btf_symbols));
    }
    report.read_time = t0.elapsed();
    let t1 = Instant::now();
    let g = crate::graph::dedup::merge_graphs(parts);
    report.merge_time = t1.elapsed();
    report.dwarf.types_after_dedup = g.nodes.len();
    Ok((g, report))
}

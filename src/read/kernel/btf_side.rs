//! The BTF side of reading a kernel: the vmlinux's BTF as the base every
//! module's split BTF continues, the one pass that types a side's exports
//! from it, and kernels without ELF headers (exports from a System.map or
//! Module.symvers).

use super::{Binary, BinaryRead, Context, Typed, Vmlinux};
use crate::error::{Error, Result};
use crate::graph::{Graph, Symbol};
use crate::read::btf::{self, Btf};
use crate::read::file;
use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

/// The vmlinux's `.BTF`: a section of an ELF, or found by its header in an
/// image without ELF headers (the largest valid blob: a kernel may carry
/// small BPF programs' BTF besides its own).
pub(super) fn vmlinux_btf<'d>(path: &Path, vm: &'d Vmlinux) -> Result<Option<Cow<'d, [u8]>>> {
    match vm {
        Vmlinux::Elf(data) => {
            let elf = file::parse_elf(path, data)?;
            btf::section(&elf, ".BTF").map_err(|e| Error::input(path, e))
        }
        Vmlinux::Raw { data, .. } => Ok(btf::find_blobs(data)
            .map_err(|e| Error::input(path, e))?
            .into_iter()
            .max_by_key(|r| r.len())
            .map(|r| Cow::Borrowed(&data[r]))),
    }
}

/// The exports of a kernel image without ELF headers. A System.map beside
/// it (`System.map-RELEASE` for `vmlinuz-RELEASE`) is used when it is real;
/// Debian's plain packages ship an 83-byte stub instead.
pub(super) fn raw_vmlinux_exports(b: &Binary, cx: &Context<'_>, what: &str) -> Result<Vec<Symbol>> {
    let beside = || {
        let name = b.path.file_name()?.to_str()?;
        let suffix = name
            .strip_prefix("vmlinuz")
            .or(name.strip_prefix("Image"))?;
        let map = b.path.with_file_name(format!("System.map{suffix}"));
        let real = crate::read::sysmap::read(&map).ok()?;
        Some((map, real))
    };
    // s390's image is compressed: no System.map can point into it.
    let s390 = what == file::image::S390;
    let map = match &cx.input.system_map {
        Some(p) if !s390 => Some((p.clone(), crate::read::sysmap::read(p)?)),
        None if !s390 => beside(),
        _ => None,
    };
    if let (Some((map_path, map)), Some(Vmlinux::Raw { data, .. })) = (map, cx.vmlinux) {
        return crate::read::exports::exports_from_image(data, &map, &b.path).map_err(
            |e| match e {
                Error::Input { msg, .. } => Error::input(
                    &b.path,
                    format!("{msg} (with the System.map {})", map_path.display()),
                ),
                e => e,
            },
        );
    }
    let Some(symvers) = &cx.input.vmlinux_symvers else {
        if s390 {
            return Err(Error::input(
                &b.path,
                format!(
                    "{what}: its exports cannot be read from it; give the kernel's Module.symvers (--symvers, from linux-headers-RELEASE), or the vmlinux of its -dbg package"
                ),
            ));
        }
        return Err(Error::input(
            &b.path,
            format!(
                "{what} without ELF headers: its exports cannot be read from it alone; give its System.map (--system-map, from the -dbg package or /proc/kallsyms) or the kernel's Module.symvers (--symvers, from linux-headers-RELEASE)"
            ),
        ));
    };
    let exports: Vec<Symbol> = crate::read::symvers::read(symvers)?
        .into_iter()
        .filter(|s| s.module == "vmlinux")
        .collect();
    if exports.is_empty() {
        return Err(Error::input(symvers, "lists no export of vmlinux"));
    }
    Ok(exports)
}

/// A module's split BTF, over its distilled `.BTF.base` when it has one
/// (out-of-tree modules), else over its side's vmlinux BTF. `None` when the
/// module has no BTF, or nothing to read it over.
pub(super) fn read_module_btf(
    b: &Binary,
    cx: &Context<'_>,
    elf: &object::File<'_>,
    exports: &mut [Symbol],
) -> Result<Option<ModuleBtf>> {
    let section = |name| btf::section(elf, name).map_err(|e| Error::input(&b.path, e));
    let Some(own) = section(".BTF")? else {
        return Ok(None);
    };
    let bits = btf::pointer_bits(elf);
    if let Some(distilled) = section(".BTF.base")? {
        let base = Btf::parse(&distilled, None)
            .map_err(|e| Error::input(&b.path, format!("section .BTF.base: {e}")))?;
        let split = Btf::parse(&own, Some((base.next_id(), base.str_end())))
            .map_err(|e| Error::input(&b.path, format!("section .BTF: {e}")))?;
        let space = btf::Space::over(&base, &split, true);
        return read_btf(space, bits, &b.path, None, exports).map(|g| Some(ModuleBtf::Now(g)));
    }
    let Some(base) = cx.base else {
        return Ok(None);
    };
    // Checked here, in parallel; typed in the side's one pass.
    let vmlinux = cx.input.vmlinux.as_deref().unwrap_or(Path::new("vmlinux"));
    Btf::parse(&own, Some((base.next_id(), base.str_end())))
        .map_err(|e| mismatch(&b.path, vmlinux, &e))?;
    Ok(Some(ModuleBtf::Later(Some(own.into_owned()))))
}

/// A binary whose exports wait for the side's BTF pass: its path, its own
/// split blob (none for the vmlinux), its exports.
pub(super) type PendingBtf<'a> = (&'a Path, Option<Vec<u8>>, &'a mut Vec<Symbol>);

pub(super) enum ModuleBtf {
    /// Typed over its own distilled base.
    Now(Graph),
    /// To type over the side's vmlinux BTF: the module's split blob, or
    /// none for the vmlinux itself.
    Later(Option<Vec<u8>>),
}

/// Type every export left for the side's vmlinux BTF, in one graph: the
/// vmlinux's types are converted once, not once per module.
pub(super) fn type_from_base(
    vmlinux: &Path,
    base: &Btf<'_>,
    pointer_bits: u64,
    pending: &mut [PendingBtf<'_>],
) -> Result<(Graph, usize)> {
    let mut b = btf::Builder::new(pointer_bits);
    for (path, own, exports) in pending.iter_mut() {
        match own {
            None => {
                let space = btf::Space::alone(base);
                b.add(space, exports)
                    .map_err(|e| Error::input(vmlinux, e))?;
            }
            Some(bytes) => {
                let split = Btf::parse(bytes, Some((base.next_id(), base.str_end())))
                    .map_err(|e| mismatch(path, vmlinux, &e))?;
                let space = btf::Space::over(base, &split, false);
                b.add(space, exports)
                    .map_err(|e| mismatch(path, vmlinux, e.as_str()))?;
            }
        }
    }
    let ambiguous = b.ambiguous;
    let g = b.finish();
    let roots = pending
        .iter()
        .flat_map(|(_, _, e)| e.iter().filter_map(|s| s.ty));
    if let Err((_, msg)) = crate::graph::check_untagged_depth(&g, roots) {
        return Err(Error::input(vmlinux, format!("{msg} in the BTF")));
    }
    Ok((g, ambiguous))
}

/// A split blob that does not read over its base was built against another
/// kernel: say which two files disagree.
pub(super) fn mismatch(module: &Path, vmlinux: &Path, e: &str) -> Error {
    Error::input(
        module,
        format!(
            "its BTF does not match the BTF of {} (a module of another build?): {e}",
            vmlinux.display()
        ),
    )
}

pub(super) fn read_btf(
    space: btf::Space<'_, '_>,
    pointer_bits: u64,
    path: &Path,
    over: Option<&Path>,
    exports: &mut [Symbol],
) -> Result<Graph> {
    let mut g = btf::read_types(space, pointer_bits, exports).map_err(|e| match over {
        Some(v) => mismatch(path, v, &e),
        None => Error::input(path, e),
    })?;
    g.btf = true;
    // What every later walk relies on, as for DWARF.
    if let Err((_, msg)) =
        crate::graph::check_untagged_depth(&g, exports.iter().filter_map(|s| s.ty))
    {
        return Err(Error::input(path, format!("{msg} in the BTF")));
    }
    Ok(g)
}

/// A vmlinux without ELF headers: exports decoded from its export tables
/// with a real System.map, else read from the kernel's Module.symvers;
/// types from the BTF found in it.
pub(super) fn read_raw_vmlinux(
    b: &Binary,
    cx: &Context<'_>,
    what: &str,
    t0: Instant,
) -> Result<BinaryRead> {
    let mut exports = raw_vmlinux_exports(b, cx, what)?;
    if let Some(w) = &cx.opts.whitelist {
        exports.retain(|s| w.contains(&s.name));
    }
    let elf_time = t0.elapsed();
    if cx.opts.symbols_only {
        return Ok(BinaryRead::untyped(
            exports,
            Typed::NotRead,
            elf_time,
            Duration::ZERO,
        ));
    }
    let mut r = if cx.base.is_some() {
        BinaryRead::btf_later(exports, None)
    } else {
        BinaryRead::untyped(exports, Typed::None, elf_time, Duration::ZERO)
    };
    r.elf_time = elf_time;
    Ok(r)
}

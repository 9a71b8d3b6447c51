//! Will this module load into that kernel? The checks the module loader
//! makes before it runs a line of the module's code, done on files:
//!
//! - vermagic (`check_modinfo` / `same_magic`): the release part is only
//!   compared when the module has no symbol versions;
//! - `module_layout` and every undefined symbol: exported by vmlinux or a
//!   module of the kernel, and with modversions the CRC the module was built
//!   against equals the exporter's (`check_version`);
//! - EXPORT_SYMBOL_GPL symbols are invisible to modules whose license is not
//!   GPL-compatible (`resolve_symbol` with `gplok` false);
//! - namespaced symbols need `import_ns=` (`verify_namespace_is_imported`).
//!
//! `depends=` is checked too, but only as a note: the loader never reads
//! it, and a dependency that became built-in is no reason to fail.

pub mod report;

use crate::compare::explain::{Explained, Explanation, TypeChange};
use crate::error::{Error, Result};
use crate::graph::Symbol;
use crate::read::exports::read_exports;
use crate::read::file;
use crate::read::kernel::{KernelInput, ReadOptions, Vmlinux};
use crate::read::modinfo::{
    self, Import, ModInfo, ModuleVersions, VersionsLayout, license_is_gpl_compatible, same_magic,
    vermagic_release,
};
use crate::read::source::{Source, SourceKind};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where the kernel's vermagic came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VermagicSource {
    /// `--vermagic`.
    Option,
    /// The `vermagic` string compiled into vmlinux.
    Vmlinux,
    /// The most common `vermagic=` of the kernel's own modules.
    Modules,
    /// Release from `linux_banner`, flags from the `.config`.
    BannerAndConfig,
    /// A kmi dump or a Module.symvers (neither records it), or a vmlinux
    /// with neither symbols nor modules.
    Unknown,
}

/// The kernel side: its exports, its module names and its vermagic.
#[derive(Debug)]
pub struct KernelView {
    pub label: String,
    pub kind: SourceKind,
    /// Sorted by name, one per name.
    pub exports: Vec<Symbol>,
    pub modules: FxHashSet<String>,
    pub vermagic: Option<String>,
    pub vermagic_source: VermagicSource,
    /// The kernel, for `--explain`, when it holds types.
    pub types: Option<Source>,
}

impl KernelView {
    pub fn load(src: &Source, vermagic: Option<String>, progress: bool) -> Result<KernelView> {
        let exports = src.read_symbols(progress)?;
        let module_files = match src.modules_dir() {
            Some(d) => file::find_modules(d)?,
            None => Vec::new(),
        };
        let binaries = src.binaries();
        let modules = if binaries.is_some() {
            module_files.iter().map(|p| file::module_name(p)).collect()
        } else {
            // A dump or a symvers knows its modules only as exporters.
            exports
                .iter()
                .filter(|s| s.module != "vmlinux")
                .map(|s| s.module.clone())
                .collect()
        };
        let (vermagic, vermagic_source) = match (vermagic, &binaries) {
            (Some(v), _) => (Some(v), VermagicSource::Option),
            (None, Some(k)) => tree_vermagic(k, &module_files)?,
            (None, None) => (None, VermagicSource::Unknown),
        };
        Ok(KernelView {
            label: src.label(),
            kind: src.kind(),
            exports,
            modules,
            vermagic,
            vermagic_source,
            types: src.has_types().then(|| src.clone()),
        })
    }

    pub fn export(&self, name: &str) -> Option<&Symbol> {
        self.exports
            .binary_search_by(|s| s.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.exports[i])
    }
}

fn tree_vermagic(k: &KernelInput, modules: &[PathBuf]) -> Result<(Option<String>, VermagicSource)> {
    let mut release = None;
    if let Some(v) = &k.vmlinux {
        match crate::read::kernel::load_vmlinux(v)? {
            Vmlinux::Elf(data) => {
                let elf = file::parse_elf(v, &data)?;
                release = modinfo::kernel_release(&data);
                // `vermagic` is a static array, and a local symbol of that
                // name could come from elsewhere: it must start with the
                // banner's release.
                if let Some(m) = modinfo::vmlinux_vermagic(&elf)
                    && release
                        .as_ref()
                        .is_none_or(|r| m.starts_with(&format!("{r} ")))
                {
                    return Ok((Some(m), VermagicSource::Vmlinux));
                }
            }
            // A boot image without ELF headers still holds the banner.
            Vmlinux::Raw { data, .. } => release = modinfo::kernel_release(&data),
        }
    }
    // Most common wins: a tree may hold a few out-of-tree modules built
    // for something else.
    let magics: Vec<Option<String>> = modules
        .par_iter()
        .map(|p| {
            let data = file::load(p).ok()?;
            let elf = object::File::parse(&*data).ok()?;
            let info = modinfo::read_modinfo(&elf).ok()??;
            info.get("vermagic").map(str::to_string)
        })
        .collect();
    let mut counts: FxHashMap<String, usize> = FxHashMap::default();
    for m in magics.into_iter().flatten() {
        *counts.entry(m).or_default() += 1;
    }
    if let Some((m, _)) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    {
        return Ok((Some(m), VermagicSource::Modules));
    }
    if let Some(r) = release {
        let mut dirs: Vec<&Path> = Vec::new();
        if let Some(d) = k.vmlinux.as_deref().and_then(Path::parent) {
            dirs.push(d);
        }
        if let Some(d) = k.modules_dir.as_deref() {
            dirs.push(d);
        }
        for d in dirs {
            for name in ["config", ".config", &format!("config-{r}")] {
                if let Ok(text) = std::fs::read_to_string(d.join(name))
                    && let Some(m) = modinfo::vermagic_from_config(&r, &text)
                {
                    return Ok((Some(m), VermagicSource::BannerAndConfig));
                }
            }
        }
    }
    Ok((None, VermagicSource::Unknown))
}

/// What the checks need from one module file.
#[derive(Debug, Clone)]
pub struct ModuleData {
    pub path: PathBuf,
    pub name: String,
    pub modinfo: ModInfo,
    pub versions: Option<ModuleVersions>,
    pub imports: Vec<Import>,
    /// Its own exports, for modules that import from it in the same run.
    pub exports: Vec<Symbol>,
}

pub fn read_module(path: &Path) -> Result<ModuleData> {
    let data = file::load(path)?;
    let elf = file::parse_elf(path, &data)?;
    let info = modinfo::read_modinfo(&elf)
        .map_err(|e| Error::input(path, e))?
        .ok_or_else(|| Error::input(path, "not a kernel module (no .modinfo section)"))?;
    let versions = modinfo::read_versions(&elf).map_err(|e| Error::input(path, e))?;
    let name = info
        .get("name")
        .map(file::kbuild_name)
        .unwrap_or_else(|| file::module_name(path));
    Ok(ModuleData {
        path: path.to_path_buf(),
        imports: modinfo::read_imports(&elf),
        exports: read_exports(&elf, &name),
        versions,
        modinfo: info,
        name,
    })
}

fn hex(c: u32) -> String {
    format!("{c:#010x}")
}

/// A reason the loader would refuse the module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    VermagicMismatch {
        module: String,
        kernel: String,
    },
    NoVermagic,
    /// Built without modversions for a kernel that has them.
    NoSymbolVersions,
    UnknownSymbol {
        symbol: String,
    },
    CrcMismatch {
        symbol: String,
        provider: String,
        expected: String,
        found: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        explanation: Option<Explanation>,
    },
    GplOnly {
        symbol: String,
        provider: String,
        license: Option<String>,
    },
    NamespaceNotImported {
        symbol: String,
        provider: String,
        namespace: String,
    },
}

/// Worth knowing, but the loader accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// Built for another release; accepted because the CRCs vouch for it.
    ReleaseDiffers { module: String, kernel: String },
    /// The loader warns "no symbol version for X" and goes on.
    NoSymbolVersion { symbol: String, provider: String },
    /// A weak reference nobody exports stays NULL.
    UnresolvedWeak { symbol: String },
    /// `depends=` names a module the kernel does not have.
    MissingDependency { module: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleResult {
    /// As given, for reports (JSON cannot hold a path that is not UTF-8).
    pub path: String,
    #[serde(skip)]
    pub file: PathBuf,
    pub name: String,
    pub verdict: Verdict,
    pub vermagic: Option<String>,
    pub license: Option<String>,
    pub symbol_versions: Option<&'static str>,
    pub imports: usize,
    /// The modules (and vmlinux) it takes symbols from, sorted.
    pub providers: Vec<String>,
    pub problems: Vec<Problem>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Loads,
    Fails,
}

impl ModuleResult {
    pub fn loads(&self) -> bool {
        self.verdict == Verdict::Loads
    }

    /// Symbols whose CRC differs (not `module_layout`), for `--explain`.
    pub fn crc_mismatches(&self) -> Vec<String> {
        self.problems
            .iter()
            .filter_map(|p| match p {
                Problem::CrcMismatch { symbol, .. } if symbol != "module_layout" => {
                    Some(symbol.clone())
                }
                _ => None,
            })
            .collect()
    }
}

/// Check one module against the kernel. `others` holds the exports of the
/// other modules checked in the same run, consulted after the kernel's, so
/// that a set of out-of-tree modules can be checked together.
pub fn check_module(
    m: &ModuleData,
    k: &KernelView,
    others: &FxHashMap<&str, &Symbol>,
) -> ModuleResult {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let has_crcs = m.versions.is_some();
    let vermagic = m.modinfo.get("vermagic").map(str::to_string);
    let license = m.modinfo.get("license").map(str::to_string);

    if let Some(kv) = &k.vermagic {
        match &vermagic {
            None => problems.push(Problem::NoVermagic),
            Some(mv) if !same_magic(mv, kv, has_crcs) => problems.push(Problem::VermagicMismatch {
                module: mv.clone(),
                kernel: kv.clone(),
            }),
            Some(mv) if mv != kv => notes.push(Note::ReleaseDiffers {
                module: vermagic_release(mv).to_string(),
                kernel: vermagic_release(kv).to_string(),
            }),
            Some(_) => {}
        }
    }

    // check_modstruct_version: the layout of struct module itself.
    if let Some(v) = &m.versions
        && let Some(expected) = v.crc_of("module_layout")
        && let Some(found) = k.export("module_layout").and_then(|s| s.crc)
        && expected != found
    {
        problems.push(Problem::CrcMismatch {
            symbol: "module_layout".into(),
            provider: "vmlinux".into(),
            expected: hex(expected),
            found: hex(found),
            explanation: None,
        });
    }

    let gpl_ok = license.as_deref().is_some_and(license_is_gpl_compatible);
    let imported_ns: FxHashSet<&str> = m.modinfo.get_all("import_ns").collect();
    let mut providers: FxHashSet<&str> = FxHashSet::default();
    let mut unversioned = false;
    for imp in &m.imports {
        let found = k
            .export(&imp.name)
            .or_else(|| others.get(imp.name.as_str()).copied());
        let Some(s) = found else {
            if imp.weak {
                notes.push(Note::UnresolvedWeak {
                    symbol: imp.name.clone(),
                });
            } else {
                problems.push(Problem::UnknownSymbol {
                    symbol: imp.name.clone(),
                });
            }
            continue;
        };
        providers.insert(&s.module);
        if s.gpl && !gpl_ok {
            problems.push(Problem::GplOnly {
                symbol: imp.name.clone(),
                provider: s.module.clone(),
                license: license.clone(),
            });
        }
        if let Some(found) = s.crc {
            match &m.versions {
                None => unversioned = true,
                Some(v) => match v.crc_of(&imp.name) {
                    Some(expected) if expected != found => problems.push(Problem::CrcMismatch {
                        symbol: imp.name.clone(),
                        provider: s.module.clone(),
                        expected: hex(expected),
                        found: hex(found),
                        explanation: None,
                    }),
                    Some(_) => {}
                    None => notes.push(Note::NoSymbolVersion {
                        symbol: imp.name.clone(),
                        provider: s.module.clone(),
                    }),
                },
            }
        }
        if !s.namespace.is_empty() && !imported_ns.contains(s.namespace.as_str()) {
            problems.push(Problem::NamespaceNotImported {
                symbol: imp.name.clone(),
                provider: s.module.clone(),
                namespace: s.namespace.clone(),
            });
        }
    }
    // check_modstruct_version runs check_version on module_layout whatever
    // the module imports, so a module without versions fails there too.
    if m.versions.is_none() && k.export("module_layout").is_some_and(|s| s.crc.is_some()) {
        unversioned = true;
    }
    if unversioned {
        // try_to_force_load: refused unless forced.
        problems.insert(0, Problem::NoSymbolVersions);
    }
    for d in m.modinfo.depends() {
        if !k.modules.contains(&d) && !others.values().any(|s| s.module == d) {
            notes.push(Note::MissingDependency { module: d });
        }
    }
    let mut providers: Vec<String> = providers.into_iter().map(str::to_string).collect();
    providers.sort();
    ModuleResult {
        path: m.path.display().to_string(),
        file: m.path.clone(),
        name: m.name.clone(),
        verdict: if problems.is_empty() {
            Verdict::Loads
        } else {
            Verdict::Fails
        },
        vermagic,
        license,
        symbol_versions: m.versions.as_ref().map(|v| match v.layout {
            VersionsLayout::Classic => "classic",
            VersionsLayout::Extended => "extended",
        }),
        imports: m.imports.len(),
        providers,
        problems,
        notes,
    }
}

/// Read and check every module, in parallel. Results are in input order.
pub fn check_all(paths: &[PathBuf], k: &KernelView) -> Result<Vec<ModuleResult>> {
    let data: Vec<Result<ModuleData>> = paths.par_iter().map(|p| read_module(p)).collect();
    let data: Vec<ModuleData> = data.into_iter().collect::<Result<_>>()?;
    let mut others: FxHashMap<&str, &Symbol> = FxHashMap::default();
    for m in &data {
        for s in &m.exports {
            others.entry(s.name.as_str()).or_insert(s);
        }
    }
    Ok(data
        .par_iter()
        .map(|m| check_module(m, k, &others))
        .collect())
}

/// `--explain`: for each CRC mismatch, the type change behind it. The old
/// side is the module's own DWARF (the declarations it was compiled
/// against), the new side the kernel tree's DWARF.
pub fn explain_mismatches(
    results: &mut [ModuleResult],
    k: &KernelView,
    progress: bool,
) -> Result<Vec<TypeChange>> {
    let Some(kernel) = &k.types else {
        return Err(Error::Usage(
            "--explain needs the kernel's types (a tree with debug info, or a kmi dump), not Module.symvers"
                .into(),
        ));
    };
    let wanted: FxHashSet<String> = results.iter().flat_map(|r| r.crc_mismatches()).collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let opts = ReadOptions {
        whitelist: Some(wanted),
        symbols_only: false,
        progress,
        types: Default::default(),
    };
    let (kernel_graph, _) = kernel.read(&opts)?;
    let explained: Vec<Result<Explained>> = results
        .par_iter()
        .map(|r| {
            let mine = r.crc_mismatches();
            if mine.is_empty() {
                return Ok(Explained::default());
            }
            let g = module_view(&r.file, &r.name, &mine)?;
            Ok(crate::compare::explain::explain(&g, &kernel_graph, &mine))
        })
        .collect();
    let mut tables = Vec::new();
    for (r, e) in results.iter_mut().zip(explained) {
        let mut e = e?;
        for p in &mut r.problems {
            if let Problem::CrcMismatch {
                symbol,
                explanation,
                ..
            } = p
            {
                *explanation = e.symbols.remove(symbol.as_str());
            }
        }
        tables.push(e.types);
    }
    Ok(Explained::merge_types(tables))
}

/// The module's idea of `names`: their types as declared in its DWARF.
fn module_view(path: &Path, module: &str, names: &[String]) -> Result<crate::graph::Graph> {
    let data = file::load(path)?;
    let elf = file::parse_elf(path, &data)?;
    let mut syms: Vec<Symbol> = names
        .iter()
        .map(|n| Symbol {
            name: n.clone(),
            kind: crate::graph::SymbolKind::Unknown,
            gpl: false,
            namespace: String::new(),
            crc: None,
            module: module.to_string(),
            size: 0,
            ty: None,
            location: None,
        })
        .collect();
    syms.sort_by(|a, b| a.name.cmp(&b.name));
    let g = if crate::read::dwarf::has_dwarf(&elf) {
        let mut stats = crate::read::dwarf::DwarfStats::default();
        crate::read::dwarf::read_types(&elf, path, &mut syms, &mut stats)?
    } else {
        crate::graph::Graph::new()
    };
    let keys = crate::graph::dedup::graph_keys(&g);
    Ok(crate::graph::dedup::merge_graphs(vec![(g, keys, syms)]))
}

/// Kernel-side facts for reports.
#[derive(Debug, Serialize)]
pub struct KernelSummary<'a> {
    pub path: &'a str,
    pub kind: SourceKind,
    pub exports: usize,
    pub modules: usize,
    pub vermagic: Option<&'a str>,
    pub vermagic_source: VermagicSource,
}

pub fn kernel_summary(k: &KernelView) -> KernelSummary<'_> {
    KernelSummary {
        path: &k.label,
        kind: k.kind,
        exports: k.exports.len(),
        modules: k.modules.len(),
        vermagic: k.vermagic.as_deref(),
        vermagic_source: k.vermagic_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::SymbolKind;
    use crate::read::modinfo::Version;

    fn sym(name: &str, module: &str, crc: Option<u32>, gpl: bool, ns: &str) -> Symbol {
        Symbol {
            name: name.into(),
            kind: SymbolKind::Unknown,
            gpl,
            namespace: ns.into(),
            crc,
            module: module.into(),
            size: 0,
            ty: None,
            location: None,
        }
    }

    fn kernel(exports: Vec<Symbol>, vermagic: Option<&str>) -> KernelView {
        let mut exports = exports;
        exports.sort_by(|a, b| a.name.cmp(&b.name));
        KernelView {
            label: "k".into(),
            kind: SourceKind::Tree,
            modules: exports
                .iter()
                .filter(|s| s.module != "vmlinux")
                .map(|s| s.module.clone())
                .collect(),
            exports,
            vermagic: vermagic.map(str::to_string),
            vermagic_source: VermagicSource::Vmlinux,
            types: None,
        }
    }

    fn module(
        modinfo: &str,
        versions: Option<&[(&str, u32)]>,
        imports: &[(&str, bool)],
    ) -> ModuleData {
        // read_imports sorts by name.
        let mut imports = imports.to_vec();
        imports.sort();
        ModuleData {
            path: "m.ko".into(),
            name: "m".into(),
            modinfo: ModInfo::parse(modinfo.replace('\n', "\0").as_bytes()),
            versions: versions.map(|v| ModuleVersions {
                layout: VersionsLayout::Classic,
                entries: v
                    .iter()
                    .map(|(n, c)| Version {
                        name: n.to_string(),
                        crc: *c,
                    })
                    .collect(),
            }),
            imports: imports
                .iter()
                .map(|(n, w)| Import {
                    name: n.to_string(),
                    weak: *w,
                })
                .collect(),
            exports: Vec::new(),
        }
    }

    const MAGIC: &str = "6.1.0-2 SMP mod_unload modversions ";

    #[test]
    fn a_clean_module_loads() {
        let k = kernel(
            vec![
                sym("module_layout", "vmlinux", Some(7), false, ""),
                sym("printk", "vmlinux", Some(1), false, ""),
            ],
            Some(MAGIC),
        );
        let m = module(
            &format!("license=GPL\nvermagic={MAGIC}\ndepends=\n"),
            Some(&[("module_layout", 7), ("printk", 1)]),
            &[("printk", false)],
        );
        let r = check_module(&m, &k, &FxHashMap::default());
        assert!(r.loads(), "{r:?}");
        assert!(r.notes.is_empty());
        assert_eq!(r.providers, ["vmlinux"]);
        assert_eq!(r.symbol_versions, Some("classic"));
    }

    #[test]
    fn every_reason_is_listed() {
        let k = kernel(
            vec![
                sym("module_layout", "vmlinux", Some(7), false, ""),
                sym("gpl_only", "vmlinux", Some(2), true, ""),
                sym("changed", "other", Some(3), false, ""),
                sym("in_ns", "vmlinux", Some(4), false, "CXL"),
                sym("in_ns_ok", "vmlinux", Some(5), false, "USB"),
                sym("unversioned", "vmlinux", Some(6), false, ""),
            ],
            Some(MAGIC),
        );
        let m = module(
            "license=Proprietary\nvermagic=6.1.0-1 SMP preempt mod_unload modversions \nimport_ns=USB\ndepends=gone,other\n",
            Some(&[
                ("module_layout", 8),
                ("gpl_only", 2),
                ("changed", 30),
                ("in_ns", 4),
                ("in_ns_ok", 5),
            ]),
            &[
                ("gpl_only", false),
                ("changed", false),
                ("in_ns", false),
                ("in_ns_ok", false),
                ("missing", false),
                ("maybe", true),
                ("unversioned", false),
            ],
        );
        let r = check_module(&m, &k, &FxHashMap::default());
        assert!(!r.loads());
        let kinds: Vec<String> = r
            .problems
            .iter()
            .map(|p| {
                serde_json::to_value(p).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "vermagic_mismatch",
                "crc_mismatch",
                "crc_mismatch",
                "gpl_only",
                "namespace_not_imported",
                "unknown_symbol"
            ]
        );
        assert!(r.problems.contains(&Problem::CrcMismatch {
            symbol: "changed".into(),
            provider: "other".into(),
            expected: "0x0000001e".into(),
            found: "0x00000003".into(),
            explanation: None,
        }));
        assert!(r.notes.contains(&Note::UnresolvedWeak {
            symbol: "maybe".into()
        }));
        assert!(r.notes.contains(&Note::NoSymbolVersion {
            symbol: "unversioned".into(),
            provider: "vmlinux".into()
        }));
        assert!(r.notes.contains(&Note::MissingDependency {
            module: "gone".into()
        }));
        assert_eq!(r.notes.len(), 3);
        assert_eq!(r.crc_mismatches(), ["changed"]);
    }

    #[test]
    fn release_part_only_matters_without_versions() {
        let k = kernel(vec![sym("f", "vmlinux", Some(1), false, "")], Some(MAGIC));
        let other_release = "6.1.0-1 SMP mod_unload modversions ";
        let m = module(
            &format!("license=GPL\nvermagic={other_release}\n"),
            Some(&[("f", 1)]),
            &[("f", false)],
        );
        let r = check_module(&m, &k, &FxHashMap::default());
        assert!(r.loads());
        assert_eq!(
            r.notes,
            [Note::ReleaseDiffers {
                module: "6.1.0-1".into(),
                kernel: "6.1.0-2".into()
            }]
        );
        let m = module(
            &format!("license=GPL\nvermagic={other_release}\n"),
            None,
            &[("f", false)],
        );
        let r = check_module(&m, &k, &FxHashMap::default());
        assert!(matches!(r.problems[0], Problem::NoSymbolVersions));
        assert!(matches!(r.problems[1], Problem::VermagicMismatch { .. }));
        let m = module("license=GPL\n", Some(&[("f", 1)]), &[("f", false)]);
        let r = check_module(&m, &k, &FxHashMap::default());
        assert_eq!(r.problems, [Problem::NoVermagic]);
    }

    #[test]
    fn no_versions_fails_on_module_layout_even_without_imports() {
        let k = kernel(
            vec![sym("module_layout", "vmlinux", Some(7), false, "")],
            None,
        );
        let m = module("license=GPL\n", None, &[]);
        let r = check_module(&m, &k, &FxHashMap::default());
        assert_eq!(r.problems, [Problem::NoSymbolVersions]);
    }

    #[test]
    fn unknown_kernel_vermagic_and_no_modversions() {
        // A kernel without CRCs checks nothing of the kind.
        let k = kernel(vec![sym("f", "vmlinux", None, false, "")], None);
        let m = module("license=Dual MIT/GPL\n", None, &[("f", false)]);
        assert!(check_module(&m, &k, &FxHashMap::default()).loads());
    }

    #[test]
    fn other_checked_modules_provide_symbols() {
        let k = kernel(vec![], Some(MAGIC));
        let lib = sym("lib_fn", "lib", Some(9), false, "");
        let mut others = FxHashMap::default();
        others.insert("lib_fn", &lib);
        let m = module(
            &format!("license=GPL\nvermagic={MAGIC}\ndepends=lib\n"),
            Some(&[("lib_fn", 9)]),
            &[("lib_fn", false)],
        );
        let r = check_module(&m, &k, &others);
        assert!(r.loads(), "{r:?}");
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert_eq!(r.providers, ["lib"]);
    }
}

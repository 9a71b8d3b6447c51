//! `kmi symbols extract|check`: Android-style symbol lists. `extract` writes
//! the kernel symbols a set of (vendor) modules import; `check` enforces
//! that modules import only what the lists allow.

use crate::error::{Error, Result};
use crate::filter::whitelist;
use crate::read::exports::read_exports;
use crate::read::source::{KernelArg, Needs};
use crate::read::{file, modinfo};
use rustc_hash::FxHashSet;
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Write the kernel symbols that the given modules import as an Android
    /// symbol list ([abi_symbol_list], sorted, one per line)
    Extract(ExtractArgs),
    /// Check that the given modules import only symbols of the lists (exit 4
    /// on a violation)
    Check(CheckArgs),
}

/// Where the kernel is, for both subcommands.
#[derive(clap::Args, Debug)]
pub struct KernelArgs {
    /// The kernel: a tree (directory with vmlinux and its modules below it),
    /// a modules directory with --vmlinux, a lone vmlinux, a kmi dump or a
    /// Module.symvers
    #[arg(long, value_name = "KERNEL")]
    pub kernel: PathBuf,
    /// vmlinux of the kernel, when it is not KERNEL/vmlinux
    #[arg(long, value_name = "PATH")]
    pub vmlinux: Option<PathBuf>,
    /// The kernel's System.map (from its -dbg package, or /proc/kallsyms):
    /// the exports of a vmlinux without ELF headers (an arm64 Image) are
    /// decoded with it
    #[arg(long = "system-map", value_name = "FILE")]
    pub system_map: Option<PathBuf>,
    /// The kernel's Module.symvers: the exports of a vmlinux without ELF
    /// headers when no System.map is at hand
    #[arg(long, value_name = "FILE")]
    pub symvers: Option<PathBuf>,
    /// The modules whose imports count: .ko files (also .ko.xz/.zst/.gz), or
    /// directories searched recursively
    #[arg(required = true, value_name = "MODULE")]
    pub modules: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
kmi symbols extract --kernel out/dist/ vendor/*.ko -o android/abi_symbol_list.vendor\n  \
kmi symbols extract --kernel 6.1.0-56-cloud-amd64 /opt/driver/ -o -")]
pub struct ExtractArgs {
    #[command(flatten)]
    pub kernel: KernelArgs,
    /// Output list; '-' writes to stdout
    #[arg(short = 'o', long = "output", value_name = "LIST")]
    pub output: PathBuf,
    /// Keep every symbol of this existing list and only add to it (may be
    /// the output file itself)
    #[arg(long = "additions-only", value_name = "LIST")]
    pub additions_only: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
kmi symbols check --kernel out/dist/ --list android/abi_symbol_list vendor/*.ko\n  \
kmi symbols check --kernel running --list approved.list /opt/driver/driver.ko")]
pub struct CheckArgs {
    /// Symbol list (Android [abi_symbol_list], libabigail *whitelist /
    /// *stablelist INI, or one symbol per line); repeatable, unioned
    #[arg(long = "list", required = true, value_name = "LIST")]
    pub lists: Vec<PathBuf>,
    #[command(flatten)]
    pub kernel: KernelArgs,
    /// Also flag listed symbols that the kernel does not export
    #[arg(long)]
    pub strict: bool,
    /// Report format
    #[arg(long, value_enum, default_value_t = crate::report::Format::Text)]
    pub format: crate::report::Format,
}

pub const CHECK_SCHEMA: &str = "kmi-symbols-check/1";

/// What one module needs and provides.
struct Module {
    path: PathBuf,
    name: String,
    /// Undefined global symbols, sorted.
    imports: Vec<String>,
    exports: Vec<String>,
}

fn read_module(path: &Path) -> Result<Module> {
    let data = file::load(path)?;
    let elf = file::parse_elf(path, &data)?;
    let name = file::module_name(path);
    let imports = modinfo::read_imports(&elf)
        .into_iter()
        .map(|i| i.name)
        .collect();
    let exports = read_exports(&elf, &name)
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(Module {
        path: path.to_path_buf(),
        name,
        imports,
        exports,
    })
}

fn read_modules(args: &[PathBuf]) -> Result<Vec<Module>> {
    let paths = file::module_files(args)?;
    use rayon::prelude::*;
    // Collected in order first, so that of several bad modules the first
    // one is reported, whatever the thread count.
    let read: Vec<Result<Module>> = paths.par_iter().map(|p| read_module(p)).collect();
    read.into_iter().collect()
}

/// The names the kernel exports (vmlinux and its own modules).
fn kernel_exports(k: &KernelArgs) -> Result<FxHashSet<String>> {
    let mut kernel = KernelArg::one(&k.kernel, k.vmlinux.as_deref(), &[]);
    kernel.symvers = k.symvers.as_deref();
    kernel.system_map = k.system_map.as_deref();
    let src = crate::cli::one_kernel("kmi", &kernel, Needs::Symbols)?;
    let symbols = src.read_symbols(false)?;
    Ok(symbols.into_iter().map(|s| s.name).collect())
}

/// An Android symbol list: the section header, then each symbol indented by
/// two spaces, sorted bytewise, as the GKI tooling writes them.
fn format_list(symbols: &BTreeSet<String>) -> String {
    let mut s = String::from("[abi_symbol_list]\n");
    for sym in symbols {
        s.push_str("  ");
        s.push_str(sym);
        s.push('\n');
    }
    s
}

fn write_output(path: &Path, text: &str, out: &mut dyn Write) -> Result<()> {
    if path.as_os_str() == "-" {
        return out.write_all(text.as_bytes()).map_err(Error::stdout);
    }
    crate::cli::replace_file(path, |w| w.write_all(text.as_bytes()))
}

/// What the given modules export themselves: their imports of one another
/// are not kernel symbols.
fn provided_by(modules: &[Module]) -> FxHashSet<&str> {
    modules
        .iter()
        .flat_map(|m| m.exports.iter().map(String::as_str))
        .collect()
}

fn extract(args: &ExtractArgs, out: &mut dyn Write) -> Result<i32> {
    let existing = match &args.additions_only {
        Some(p) => whitelist::load(std::slice::from_ref(p))?,
        None => FxHashSet::default(),
    };
    let modules = read_modules(&args.kernel.modules)?;
    let exported = kernel_exports(&args.kernel)?;
    let provided = provided_by(&modules);
    let mut list: BTreeSet<String> = existing.iter().cloned().collect();
    let mut added = 0;
    for m in &modules {
        for s in &m.imports {
            if exported.contains(s) {
                if list.insert(s.clone()) {
                    added += 1;
                }
            } else if !provided.contains(s.as_str()) {
                say!(
                    "kmi: warning: {}: imports {s}, which neither the kernel nor the given modules export",
                    m.path.display()
                );
            }
        }
    }
    write_output(&args.output, &format_list(&list), out)?;
    if args.additions_only.is_some() {
        say!(
            "kmi: {} symbols ({} kept, {added} added)",
            list.len(),
            existing.len()
        );
    }
    Ok(0)
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Violation {
    /// The module imports a kernel export the lists do not have.
    NotListed { module: usize, symbol: String },
    /// The module imports something nobody exports, and it is not listed.
    NotExported { module: usize, symbol: String },
    /// `--strict`: a listed symbol the kernel does not export.
    ListedNotExported { list: usize, symbol: String },
}

fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<i32> {
    // Lists one by one, so a stale entry can name its file.
    let lists: Vec<FxHashSet<String>> = args
        .lists
        .iter()
        .map(|p| whitelist::load(std::slice::from_ref(p)))
        .collect::<Result<_>>()?;
    let allowed: FxHashSet<&str> = lists.iter().flatten().map(String::as_str).collect();
    let modules = read_modules(&args.kernel.modules)?;
    let exported = kernel_exports(&args.kernel)?;
    let provided = provided_by(&modules);

    let mut violations = Vec::new();
    for (mi, m) in modules.iter().enumerate() {
        for s in &m.imports {
            if allowed.contains(s.as_str()) {
                continue;
            }
            if exported.contains(s) {
                violations.push(Violation::NotListed {
                    module: mi,
                    symbol: s.clone(),
                });
            } else if !provided.contains(s.as_str()) {
                violations.push(Violation::NotExported {
                    module: mi,
                    symbol: s.clone(),
                });
            }
            // Else another of the given modules provides it: not KMI.
        }
    }
    if args.strict {
        for (li, l) in lists.iter().enumerate() {
            let mut stale: Vec<&String> = l.iter().filter(|s| !exported.contains(*s)).collect();
            stale.sort();
            for s in stale {
                violations.push(Violation::ListedNotExported {
                    list: li,
                    symbol: s.clone(),
                });
            }
        }
    }
    // By module name, then symbol: stable whatever order paths came in.
    let key = |v: &Violation| -> (String, String, String) {
        match v {
            Violation::NotListed { module, symbol } | Violation::NotExported { module, symbol } => {
                (
                    modules[*module].name.clone(),
                    modules[*module].path.display().to_string(),
                    symbol.clone(),
                )
            }
            Violation::ListedNotExported { list, symbol } => (
                String::new(),
                args.lists[*list].display().to_string(),
                symbol.clone(),
            ),
        }
    };
    violations.sort_by_key(|v| key(v));
    let code = if violations.is_empty() { 0 } else { 4 };

    let io = Error::stdout;
    match args.format {
        crate::report::Format::Text => {
            for v in &violations {
                let line = match v {
                    Violation::NotListed { module, symbol } => format!(
                        "{}: {symbol}: imported but not in the symbol lists",
                        modules[*module].name
                    ),
                    Violation::NotExported { module, symbol } => format!(
                        "{}: {symbol}: imported but not in the symbol lists (and the kernel does not export it)",
                        modules[*module].name
                    ),
                    Violation::ListedNotExported { list, symbol } => format!(
                        "{}: {symbol}: listed but the kernel does not export it",
                        args.lists[*list].display()
                    ),
                };
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        crate::report::Format::Json => {
            let vs: Vec<_> = violations
                .iter()
                .map(|v| match v {
                    Violation::NotListed { module, symbol }
                    | Violation::NotExported { module, symbol } => json!({
                        "kind": if matches!(v, Violation::NotListed { .. }) { "not_listed" } else { "not_exported" },
                        "module": modules[*module].name,
                        "path": modules[*module].path.display().to_string(),
                        "symbol": symbol,
                    }),
                    Violation::ListedNotExported { list, symbol } => json!({
                        "kind": "listed_not_exported",
                        "list": args.lists[*list].display().to_string(),
                        "symbol": symbol,
                    }),
                })
                .collect();
            let mut ms: Vec<_> = modules
                .iter()
                .map(|m| {
                    json!({
                        "module": m.name,
                        "path": m.path.display().to_string(),
                        "imports": m.imports.len(),
                    })
                })
                .collect();
            ms.sort_by(|a, b| {
                (a["module"].as_str(), a["path"].as_str())
                    .cmp(&(b["module"].as_str(), b["path"].as_str()))
            });
            let doc = json!({
                "schema": CHECK_SCHEMA,
                "exit_code": code,
                "modules": ms,
                "violations": vs,
            });
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| io(e.into()))?;
            writeln!(out).map_err(io)?;
        }
    }
    Ok(code)
}

pub fn run(c: &Command, out: &mut dyn Write) -> Result<i32> {
    match c {
        Command::Extract(a) => extract(a, out),
        Command::Check(a) => check(a, out),
    }
}

//! `kmi`: the jobs beside the type diff, as subcommands. Each subcommand
//! lives in its own file under `kmi/` with a clap `Args` and a `run`.

mod abi_check;
pub mod docs;
mod dump;
mod modcheck;
mod render;
mod suppressions;
mod symbols;

use crate::error::Result;
use clap::{Parser, Subcommand};
use std::io::Write;

#[derive(Parser, Debug)]
#[command(
    name = "kmi",
    version,
    propagate_version = true,
    about = "Kernel Module Interface tools: ABI checks, module load checks, baselines, symbol lists",
    long_about = "Kernel Module Interface tools sharing kmidiff's readers and comparison.\n\n\
Exit status: 0 no change / success, 1 error, 2 usage error, 4 change (or a module that would \
not load, or a symbol-list violation), 12 breaking change.",
    after_help = "Examples:\n  \
kmi modcheck vendor.ko                                 (will it load into the running kernel?)\n  \
kmi abi-check 6.1.0-55-cloud-amd64 6.1.0-56-cloud-amd64\n  \
kmi dump running -o running.kmi.gz"
)]
pub struct Args {
    /// Worker threads (0: one per core)
    #[arg(
        long,
        short = 'j',
        default_value_t = 0,
        value_name = "N",
        global = true
    )]
    pub threads: usize,
    /// Most bytes one input may decompress to (e.g. 4G); xz inputs get a
    /// quarter of it, text inputs an
    /// eighth [default: 2G]
    #[arg(long, value_name = "SIZE", global = true, value_parser = crate::cli::parse_size)]
    pub max_input_size: Option<u64>,
    /// Where a kernel named by its release (or `running`) is looked up: an
    /// unpacked package, a chroot, a mounted image [default: /]
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Symbol-level ABI check between two builds (Module.symvers or kernel trees)
    AbiCheck(abi_check::Args),
    /// Will these modules load into that kernel? If not, why?
    Modcheck(modcheck::Args),
    /// Write a kernel's KMI (exports and type graph) to a baseline file
    Dump(dump::Args),
    /// Extract or enforce symbol lists (Android GKI style)
    #[command(
        subcommand,
        after_help = "Examples:\n  \
kmi symbols extract --kernel out/dist/ vendor/*.ko -o android/abi_symbol_list.vendor\n  \
kmi symbols check --kernel out/dist/ --list android/abi_symbol_list vendor/*.ko"
    )]
    Symbols(symbols::Command),
    /// Draw the HTML page of a saved JSON report (kmidiff or abi-check)
    Render(render::Args),
    /// About kmidiff's suppression files (--suppressions)
    #[command(
        subcommand,
        after_help = "Examples:\n  \
kmi suppressions keys | less\n  \
kmidiff --suppressions accepted.ini OLD NEW"
    )]
    Suppressions(suppressions::Command),
    /// Write the manual pages of kmidiff and kmi to a directory
    Man(docs::ManArgs),
    /// Print a shell completion script (bash, zsh, fish) for kmi or kmidiff
    Completions(docs::CompletionsArgs),
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    match &args.command {
        Command::AbiCheck(a) => abi_check::run(a, out),
        Command::Modcheck(a) => modcheck::run(a, out),
        Command::Dump(a) => dump::run(a, out),
        Command::Symbols(c) => symbols::run(c, out),
        Command::Render(a) => render::run(a, out),
        Command::Suppressions(c) => suppressions::run(c, out),
        Command::Man(a) => docs::run_man(a, out),
        Command::Completions(a) => docs::run_completions(a, out),
    }
}

pub fn main() -> i32 {
    crate::cli::main_with::<Args>(
        "kmi",
        |a| crate::cli::Globals::new(a.threads, a.max_input_size, a.root.as_deref()),
        |a, out| run(a, out),
    )
}

//! `kmi man DIR` and `kmi completions SHELL`: manual pages and shell
//! completions for `kmidiff` and `kmi`, generated from the same clap
//! definitions that parse the command lines, so they cannot drift from them
//! (the copies under `docs/` are checked against these by the tests).

use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
kmi man /usr/local/share/man/man1\n  \
kmi man docs/man                       (the copies in this repository)")]
pub struct ManArgs {
    /// Where to write the pages (kmidiff.1, kmi.1, kmi-abi-check.1, ...)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Shells we write completions for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The commands completions are for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    Kmi,
    Kmidiff,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
source <(kmi completions bash); source <(kmi completions bash --command kmidiff)\n  \
kmi completions zsh > ~/.zfunc/_kmi\n  \
kmi completions fish --command kmidiff > ~/.config/fish/completions/kmidiff.fish")]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
    /// The command to complete
    #[arg(long, value_enum, default_value_t = Program::Kmi)]
    pub command: Program,
}

fn command(p: Program) -> clap::Command {
    match p {
        Program::Kmi => super::Args::command(),
        Program::Kmidiff => crate::cli::kmidiff::Args::command(),
    }
}

/// The completion script of `program` for `shell`.
pub fn completions(shell: Shell, program: Program) -> Vec<u8> {
    use clap_complete::shells;
    let mut cmd = command(program);
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    match shell {
        Shell::Bash => clap_complete::generate(shells::Bash, &mut cmd, name, &mut out),
        Shell::Zsh => clap_complete::generate(shells::Zsh, &mut cmd, name, &mut out),
        Shell::Fish => clap_complete::generate(shells::Fish, &mut cmd, name, &mut out),
    }
    out
}

/// The file a completion script is installed as, by convention.
pub fn completion_file(shell: Shell, program: Program) -> String {
    let name = command(program).get_name().to_string();
    match shell {
        Shell::Bash => format!("{name}.bash"),
        Shell::Zsh => format!("_{name}"),
        Shell::Fish => format!("{name}.fish"),
    }
}

/// Every manual page: `kmidiff.1`, `kmi.1`, and one per `kmi` subcommand
/// (`kmi-abi-check.1`, `kmi-symbols-extract.1`, ...), by file name.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, out)?;
        }
        let page = clap_mangen::Man::new(cmd);
        let mut text = Vec::new();
        page.render(&mut text)?;
        out.push((page.get_filename(), text));
        Ok(())
    }
    let mut out = Vec::new();
    for p in [Program::Kmidiff, Program::Kmi] {
        let mut cmd = command(p).disable_help_subcommand(true);
        cmd.build();
        walk(cmd, &mut out)?;
    }
    out.sort();
    Ok(out)
}

pub fn run_man(args: &ManArgs, out: &mut dyn Write) -> Result<i32> {
    let meta = std::fs::metadata(&args.dir).map_err(|e| {
        Error::input(
            &args.dir,
            format!("cannot use as the output directory: {e}"),
        )
    })?;
    if !meta.is_dir() {
        return Err(Error::input(&args.dir, "not a directory"));
    }
    let pages = man_pages().map_err(Error::stdout)?;
    for (name, text) in &pages {
        crate::cli::replace_file(&args.dir.join(name), |w| w.write_all(text))?;
    }
    writeln!(
        out,
        "{} manual pages written to {}",
        pages.len(),
        args.dir.display()
    )
    .map_err(Error::stdout)?;
    Ok(0)
}

pub fn run_completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<i32> {
    out.write_all(&completions(args.shell, args.command))
        .map_err(Error::stdout)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The manual pages and completion scripts under `docs/` are what this
    /// version generates. `KMI_BLESS=1 cargo test docs_are_current` rewrites
    /// them (never in CI); review them with `git diff`.
    #[test]
    fn docs_are_current() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        let bless = std::env::var_os("KMI_BLESS").is_some() && std::env::var_os("CI").is_none();
        let mut wanted: Vec<(std::path::PathBuf, Vec<u8>)> = man_pages()
            .unwrap()
            .into_iter()
            .map(|(name, text)| (docs.join("man").join(name), text))
            .collect();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            for p in [Program::Kmi, Program::Kmidiff] {
                wanted.push((
                    docs.join("completions").join(completion_file(shell, p)),
                    completions(shell, p),
                ));
            }
        }
        let mut stale = Vec::new();
        for (path, text) in &wanted {
            if std::fs::read(path).ok().as_deref() != Some(text.as_slice()) {
                if bless {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(path, text).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
        // No page or script of a command that is gone.
        for dir in ["man", "completions"] {
            for e in std::fs::read_dir(docs.join(dir))
                .into_iter()
                .flatten()
                .flatten()
            {
                if !wanted.iter().any(|(p, _)| *p == e.path()) {
                    stale.push(format!("{} (no longer generated)", e.path().display()));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "out of date: {stale:?}; KMI_BLESS=1 cargo test docs_are_current rewrites them"
        );
    }
}

//! `kmi suppressions keys`: the reference for `kmidiff --suppressions`
//! files, generated from the key table the parser itself uses, so it cannot
//! drift from what is accepted.

use crate::error::{Error, Result};
use crate::filter::suppr::Suppressions;
use std::io::Write;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print every section and key of a suppression file: its value, what it
    /// does, and whether it is supported, accepted and ignored, or refused
    #[command(after_help = "Examples:\n  \
kmi suppressions keys | less\n  \
kmi suppressions keys | grep -A3 '^\\[suppress_type\\]'")]
    Keys,
}

pub fn run(cmd: &Command, out: &mut dyn Write) -> Result<i32> {
    match cmd {
        Command::Keys => {
            out.write_all(Suppressions::keys_help().as_bytes())
                .map_err(Error::stdout)?;
            Ok(0)
        }
    }
}

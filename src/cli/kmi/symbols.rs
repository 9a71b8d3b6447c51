// Being written (issue work in progress); replaced wholesale by its owner.
use crate::error::{Error, Result};
use std::io::Write;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Not available yet
    Extract,
}

pub fn run(_c: &Command, _out: &mut dyn Write) -> Result<i32> {
    Err(Error::Usage("not available yet".into()))
}

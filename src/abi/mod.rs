//! Symbol-level ABI jobs on top of the readers: `abi-check` (does a new
//! build break modules built for the old one?) and `modcheck` (will this
//! module load into that kernel, and if not, why?).

pub mod check;
pub mod explain;
pub mod ignore;
pub mod modcheck;
pub mod modcheck_report;
pub mod report;
pub mod side;

/// Report format of the `kmi` symbol-level commands.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

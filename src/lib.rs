//! kmidiff: compare the Kernel Module Interface of two Linux kernel builds.
//!
//! The pipeline, one folder per stage:
//! `read` (ELF exports, DWARF, Module.symvers) -> `graph` (typed arenas with
//! integer ids and an interface root per exported symbol) -> `compare`
//! (memoised, cycle-safe diff of two graphs) -> `report` (text and JSON views
//! of the change tree). `filter` holds whitelists and suppressions.

pub mod abi_check;
pub mod cli;
pub mod compare;
pub mod dump;
pub mod error;
pub mod filter;
pub mod graph;
pub mod modcheck;
pub mod read;
pub mod report;

pub use error::{Error, Result};

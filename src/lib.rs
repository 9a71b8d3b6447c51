//! kmidiff: compare the Kernel Module Interface of two Linux kernel builds.
//!
//! The pipeline, one folder per stage:
//!
//! | stage | folder | what it does |
//! |---|---|---|
//! | 1. read | [`read`], [`dump`] | a path becomes a kernel source ([`read::source`]); ELF exports, DWARF, Module.symvers, `.modinfo` and `kmi dump` baselines become exports and type graphs |
//! | 2. graph | [`graph`] | typed arenas with integer ids and an interface root per exported symbol; [`graph::dedup`] merges per-unit graphs into one per side |
//! | 3. compare | [`compare`] | memoised, cycle-safe diff of two graphs; symbol-level changes; the one vocabulary of change ([`compare::kind`]); the facts filters ask about |
//! | 4. filter | [`filter`] | whitelists / symbol lists, suppression specifications, `--allow` files |
//! | 5. report | [`report`] | text and JSON views of the change tree, notes on entries |
//!
//! The jobs built on the stages: [`abi_check`] (`kmi abi-check`, symbol
//! level) and [`modcheck`] (`kmi modcheck`); [`cli`] parses arguments and
//! runs them. [`fuzz`] holds one harness per parser of untrusted input.

pub mod abi_check;
pub mod cli;
pub mod compare;
pub mod dump;
pub mod error;
pub mod filter;
pub mod fuzz;
pub mod graph;
pub mod modcheck;
pub mod read;
pub mod report;

pub use error::{Error, Result};

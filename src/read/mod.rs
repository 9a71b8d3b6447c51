//! Readers: turn bytes on disk into exports and type graphs.

pub mod abixml;
pub mod btf;
pub mod debuginfo;
pub mod dwarf;
pub mod elfcheck;
pub mod exports;
pub mod file;
pub mod installed;
pub mod kernel;
pub mod ksymtab;
pub mod limits;
pub mod modinfo;
pub mod source;
pub mod stg;
pub mod symvers;
pub mod sysmap;

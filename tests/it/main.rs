//! One integration test binary: each module runs the binaries (or the
//! library) on ../shared/fixtures. One binary links once, which keeps CI quick.

mod abixml;
mod boot_images;
mod bounds;
mod browser;
mod btf;
mod common;
mod corrupt;
mod cycles;
mod dedup;
mod errors;
mod fuzz;
mod hostile;
mod html;
mod installed;
mod kinds;
mod kmi_abi_check;
mod kmi_dump;
mod kmi_modcheck;
mod kmi_symbols;
mod kmidiff_baseline;
mod kmidiff_fixtures;
mod ksymtab;
mod manpages;
mod readers;
mod robustness;
mod sources;
mod stg;
mod typed;

//! Narrowing what is compared or reported: KMI whitelists / symbol lists,
//! libabigail suppression specifications, and approved changes (`--allow`).

pub mod allow;
pub mod apply;
pub mod glob;
pub mod suppr;
pub mod symbol_filter;
pub mod whitelist;

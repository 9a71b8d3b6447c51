//! Narrowing what is compared or reported: KMI whitelists / symbol lists and
//! libabigail suppression specifications.

pub mod apply;
pub mod suppr;
pub mod whitelist;

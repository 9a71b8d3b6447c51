//! .modinfo and __versions reader (being written).

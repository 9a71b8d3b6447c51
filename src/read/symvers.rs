//! Module.symvers reader (being written).

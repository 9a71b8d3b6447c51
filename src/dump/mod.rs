//! KMI baseline files (being written).

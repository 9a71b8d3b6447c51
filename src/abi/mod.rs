//! Symbol-level ABI jobs: abi-check and modcheck (being written).

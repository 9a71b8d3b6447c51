//! The table of changed types behind CRC changes, shared by `kmi abi-check
//! --explain` and `kmi modcheck --explain`.

use crate::compare::explain::TypeChange;
use std::io::{self, Write};

/// Each changed type named by an explanation, once, with what changed.
pub fn write_type_table(types: &[TypeChange], w: &mut dyn Write) -> io::Result<()> {
    if types.is_empty() {
        return Ok(());
    }
    writeln!(w, "Changed types behind the CRC changes ({}):", types.len())?;
    for t in types {
        writeln!(w, "  {}:", t.name)?;
        for d in &t.details {
            writeln!(w, "    {d}")?;
        }
    }
    writeln!(w)
}

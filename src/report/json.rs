//! Machine-readable report. Versioned: consumers check `schema`.

use crate::compare::analysis::Analysis;
use crate::compare::{Comparison, DiffId};
use crate::graph::Symbol;
use serde_json::{Value, json};
use std::io::{self, Write};

pub const SCHEMA: &str = "kmidiff-report/1";

fn sym(s: &Symbol) -> Value {
    json!({
        "name": s.name,
        "kind": s.kind.word(),
        "module": s.module,
        "gpl": s.gpl,
        "namespace": s.namespace,
        "crc": s.crc.map(|c| format!("{c:#010x}")),
    })
}

pub fn write(c: &Comparison<'_>, a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    let leaf_json = |d: DiffId| -> Value {
        let diff = c.diffs.get(d);
        json!({ "details": diff.details })
    };
    let changed: Vec<Value> = c
        .changed_symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let local = s.diff.filter(|d| c.named(*d).is_none()).map(leaf_json);
            json!({
                "symbol": sym(s.new),
                "symbol_changes": s.details,
                "type_changes": local,
                "changed_types": a.interface_leaves[i].iter().map(|&l| a.leaves[l].name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let leaves: Vec<Value> = a
        .leaves
        .iter()
        .map(|l| {
            json!({
                "type": l.name,
                "details": c.diffs.get(l.diff).details,
                "impacted": l.impacted,
            })
        })
        .collect();
    let doc = json!({
        "schema": SCHEMA,
        "exit_code": c.exit_code(),
        "removed": c.removed.iter().map(|s| sym(s)).collect::<Vec<_>>(),
        "added": c.added.iter().map(|s| sym(s)).collect::<Vec<_>>(),
        "changed": changed,
        "changed_types": leaves,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

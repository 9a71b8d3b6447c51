//! Machine-readable report. Versioned: consumers check `schema`. The
//! schema is specified in docs/baselines.md; within one version fields are
//! only ever added (optional ones, like those of `--allow`), so a consumer
//! must ignore keys it does not know. Keys are sorted and arrays are in
//! report order (symbols by name, types by name), so the bytes are the same
//! on every run.

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

/// What `--allow` adds: per entry (parallel to `Comparison::removed`,
/// `added`, `changed_symbols`, `Analysis::leaves`) a value stored under
/// `approved`, extra top-level keys, and the exit code over unapproved
/// changes.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub removed: Vec<Value>,
    pub added: Vec<Value>,
    pub changed: Vec<Value>,
    pub leaves: Vec<Value>,
    pub top: Vec<(String, Value)>,
    pub exit_code: Option<i32>,
}

pub fn write(c: &Comparison<'_>, a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    write_with(c, a, None, w)
}

fn add_key(mut objects: Vec<Value>, key: &str, values: &[Value]) -> Vec<Value> {
    for (o, v) in objects.iter_mut().zip(values) {
        if let Value::Object(m) = o {
            m.insert(key.to_string(), v.clone());
        }
    }
    objects
}

/// [`write`], with the additions of `extra`.
pub fn write_with(
    c: &Comparison<'_>,
    a: &Analysis,
    extra: Option<&Extra>,
    w: &mut dyn Write,
) -> io::Result<()> {
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
    let mut removed: Vec<Value> = c.removed.iter().map(|s| sym(s)).collect();
    let mut added: Vec<Value> = c.added.iter().map(|s| sym(s)).collect();
    let (mut changed, mut leaves) = (changed, leaves);
    let mut exit_code = c.exit_code();
    if let Some(x) = extra {
        removed = add_key(removed, "approved", &x.removed);
        added = add_key(added, "approved", &x.added);
        changed = add_key(changed, "approved", &x.changed);
        leaves = add_key(leaves, "approved", &x.leaves);
        exit_code = x.exit_code.unwrap_or(exit_code);
    }
    let mut doc = json!({
        "schema": SCHEMA,
        "exit_code": exit_code,
        "removed": removed,
        "added": added,
        "changed": changed,
        "changed_types": leaves,
    });
    if let (Some(x), Value::Object(m)) = (extra, &mut doc) {
        for (k, v) in &x.top {
            m.insert(k.clone(), v.clone());
        }
    }
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

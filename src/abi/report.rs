//! abi-check reports: text for people, JSON (`kmi-abi-check/1`) for CI.

use super::check::{Change, ChangeKind, exit_status};
use super::explain::Explanation;
use super::ignore::IgnoreRules;
use super::side::SourceKind;
use crate::graph::Symbol;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};
use std::io::{self, Write};

pub const SCHEMA: &str = "kmi-abi-check/1";

/// Everything a report shows.
pub struct AbiReport<'a> {
    pub old: (&'a str, SourceKind, usize),
    pub new: (&'a str, SourceKind, usize),
    pub changes: &'a [Change],
    pub rules: &'a IgnoreRules,
    /// Per rule, how many changes it matched.
    pub used: &'a [usize],
    /// `--explain`: per CRC-changed symbol.
    pub explanations: Option<&'a FxHashMap<String, Explanation>>,
}

fn crc(c: Option<u32>) -> String {
    c.map(|c| format!("{c:#010x}"))
        .unwrap_or_else(|| "none".into())
}

fn export(s: &Symbol) -> &'static str {
    if s.gpl {
        "EXPORT_SYMBOL_GPL"
    } else {
        "EXPORT_SYMBOL"
    }
}

fn ns(s: &str) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        format!("'{s}'")
    }
}

/// The one line describing a change, after the symbol name.
fn describe(c: &Change) -> String {
    match (c.kind, &c.old, &c.new) {
        (ChangeKind::Removed, Some(o), _) => {
            format!("[{}] {} {}", o.module, export(o), crc(o.crc))
        }
        (ChangeKind::Added, _, Some(n)) => {
            format!("[{}] {} {}", n.module, export(n), crc(n.crc))
        }
        (ChangeKind::CrcChanged, Some(o), Some(n)) => {
            format!("[{}] {} -> {}", n.module, crc(o.crc), crc(n.crc))
        }
        (ChangeKind::NowGpl | ChangeKind::NoLongerGpl, Some(o), Some(n)) => {
            format!("[{}] {} -> {}", n.module, export(o), export(n))
        }
        (ChangeKind::NamespaceChanged, Some(o), Some(n)) => {
            format!(
                "[{}] {} -> {}",
                n.module,
                ns(&o.namespace),
                ns(&n.namespace)
            )
        }
        (ChangeKind::Moved, Some(o), Some(n)) => format!("{} -> {}", o.module, n.module),
        _ => String::new(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Nothing at all when there is no change; otherwise one section per kind
/// with one line per change, then a summary line.
pub fn write_text(r: &AbiReport<'_>, w: &mut dyn Write) -> io::Result<()> {
    if r.changes.is_empty() {
        return Ok(());
    }
    for kind in ChangeKind::ALL {
        let list: Vec<&Change> = r.changes.iter().filter(|c| c.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        let ignored = list.iter().filter(|c| !c.counts()).count();
        let mut head = format!(
            "{} ({}, {}",
            kind.title(),
            list.len(),
            if kind.breaking() {
                "breaking"
            } else {
                "compatible"
            }
        );
        if ignored > 0 {
            head += &format!(", {ignored} ignored");
        }
        writeln!(w, "{head}):")?;
        for c in list {
            let mut line = format!("  {} {}", c.symbol, describe(c));
            if let Some(i) = c.ignored_by {
                let rule = &r.rules.rules[i];
                line += &format!("  [ignored by {}: {}]", rule.origin(), rule.text());
            }
            writeln!(w, "{line}")?;
            if kind == ChangeKind::CrcChanged
                && let Some(e) = r.explanations.and_then(|m| m.get(&c.symbol))
            {
                for l in e.lines() {
                    writeln!(w, "    {l}")?;
                }
            }
        }
        writeln!(w)?;
    }
    writeln!(w, "{}", summary_line(r.changes))
}

fn summary_line(changes: &[Change]) -> String {
    let count = |k: ChangeKind| changes.iter().filter(|c| c.kind == k && c.counts()).count();
    let part = |breaking: bool| -> (usize, String) {
        let items: Vec<String> = ChangeKind::ALL
            .iter()
            .filter(|k| k.breaking() == breaking && count(**k) > 0)
            .map(|k| format!("{} {}", count(*k), k.short()))
            .collect();
        let n = ChangeKind::ALL
            .iter()
            .filter(|k| k.breaking() == breaking)
            .map(|k| count(*k))
            .sum();
        (n, items.join(", "))
    };
    let (nb, b) = part(true);
    let (nc, c) = part(false);
    let ignored = changes.iter().filter(|c| !c.counts()).count();
    let mut s = format!(
        "Summary: {}: {nb} breaking",
        plural(changes.len(), "change", "changes")
    );
    if nb > 0 {
        s += &format!(" ({b})");
    }
    s += &format!(", {nc} compatible");
    if nc > 0 {
        s += &format!(" ({c})");
    }
    s += &format!(", {ignored} ignored");
    s
}

fn sym_json(s: &Option<Symbol>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => json!({
            "module": s.module,
            "crc": s.crc.map(|c| format!("{c:#010x}")),
            "export": export(s),
            "namespace": s.namespace,
        }),
    }
}

pub fn write_json(r: &AbiReport<'_>, w: &mut dyn Write) -> io::Result<()> {
    let changes: Vec<Value> = r
        .changes
        .iter()
        .map(|c| {
            let mut v = json!({
                "symbol": c.symbol,
                "change": c.kind.key(),
                "breaking": c.kind.breaking(),
                "module": c.module(),
                "old": sym_json(&c.old),
                "new": sym_json(&c.new),
                "ignored": c.ignored_by.is_some(),
                "ignored_by": c.ignored_by.map(|i| {
                    let rule = &r.rules.rules[i];
                    json!({ "file": rule.file.display().to_string(), "line": rule.line, "rule": rule.text() })
                }),
            });
            if c.kind == ChangeKind::CrcChanged
                && let Some(e) = r.explanations.and_then(|m| m.get(&c.symbol))
                && let Some(obj) = v.as_object_mut()
            {
                obj.insert(
                    "explanation".into(),
                    serde_json::to_value(e).unwrap_or(Value::Null),
                );
            }
            v
        })
        .collect();
    let mut summary = serde_json::Map::new();
    for k in ChangeKind::ALL {
        let n = r
            .changes
            .iter()
            .filter(|c| c.kind == k && c.counts())
            .count();
        summary.insert(k.key().into(), n.into());
    }
    let counted = |breaking: bool| {
        r.changes
            .iter()
            .filter(|c| c.counts() && c.kind.breaking() == breaking)
            .count()
    };
    summary.insert("breaking".into(), counted(true).into());
    summary.insert("compatible".into(), counted(false).into());
    summary.insert(
        "ignored".into(),
        r.changes.iter().filter(|c| !c.counts()).count().into(),
    );
    let unused: Vec<Value> = r
        .rules
        .rules
        .iter()
        .zip(r.used)
        .filter(|(_, n)| **n == 0)
        .map(|(rule, _)| {
            json!({ "file": rule.file.display().to_string(), "line": rule.line, "rule": rule.text() })
        })
        .collect();
    let side = |s: &(&str, SourceKind, usize)| json!({ "path": s.0, "kind": s.1, "symbols": s.2 });
    let doc = json!({
        "schema": SCHEMA,
        "old": side(&r.old),
        "new": side(&r.new),
        "changes": changes,
        "summary": summary,
        "unused_ignore_rules": unused,
        "exit_status": exit_status(r.changes),
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

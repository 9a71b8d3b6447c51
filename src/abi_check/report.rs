//! abi-check reports: text for people, JSON (`kmi-abi-check/2`) for CI.

use super::ignore::IgnoreRules;
use super::{Change, REPORTED, exit_status};
use crate::compare::ChangeKind;
use crate::compare::explain::{Explained, Explanation, TypeChange};
use crate::graph::Symbol;
use crate::read::source::SourceKind;
use crate::report::annotate::Annotation;
use serde::Serialize;
use std::io::{self, Write};

/// Version 2: change ids are the vocabulary's ([`crate::compare::KINDS`]);
/// version 1 said `moved` for `module_changed`.
pub const SCHEMA: &str = "kmi-abi-check/2";

/// Everything a report shows.
pub struct AbiReport<'a> {
    pub old: (&'a str, SourceKind, usize),
    pub new: (&'a str, SourceKind, usize),
    pub changes: &'a [Change],
    pub rules: &'a IgnoreRules,
    /// Per rule, how many changes it matched.
    pub used: &'a [usize],
    /// `--explain`: per CRC-changed symbol, and the changed types.
    pub explanations: Option<&'a Explained>,
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
        (ChangeKind::ModuleChanged, Some(o), Some(n)) => format!("{} -> {}", o.module, n.module),
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
    for kind in REPORTED {
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
            if let Some(n) = &c.ignored_by {
                line += &format!("  [ignored by {}: {}]", n.origin(), n.rule);
            }
            writeln!(w, "{line}")?;
            if kind == ChangeKind::CrcChanged
                && let Some(e) = r.explanations.and_then(|m| m.symbols.get(&c.symbol))
            {
                for l in e.lines() {
                    writeln!(w, "    {l}")?;
                }
            }
        }
        writeln!(w)?;
    }
    if let Some(e) = r.explanations {
        crate::report::explain::write_type_table(&e.types, w)?;
    }
    writeln!(w, "{}", summary_line(r.changes))
}

fn summary_line(changes: &[Change]) -> String {
    let count = |k: ChangeKind| changes.iter().filter(|c| c.kind == k && c.counts()).count();
    let part = |breaking: bool| -> (usize, String) {
        let items: Vec<String> = REPORTED
            .iter()
            .filter(|k| k.breaking() == breaking && count(**k) > 0)
            .map(|k| format!("{} {}", count(*k), k.label()))
            .collect();
        let n = REPORTED
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

/// JSON documents are built from structs, not maps, so that fields come
/// out in the documented order (`schema` first) rather than sorted.
#[derive(Serialize)]
struct SymbolDoc<'a> {
    module: &'a str,
    crc: Option<String>,
    export: &'static str,
    namespace: &'a str,
}

fn sym_doc(s: &Option<Symbol>) -> Option<SymbolDoc<'_>> {
    s.as_ref().map(|s| SymbolDoc {
        module: &s.module,
        crc: s.crc.map(|c| format!("{c:#010x}")),
        export: export(s),
        namespace: &s.namespace,
    })
}

#[derive(Serialize)]
struct RuleDoc {
    file: String,
    line: usize,
    rule: String,
}

fn rule_doc(n: &Annotation) -> RuleDoc {
    RuleDoc {
        file: n.file.display().to_string(),
        line: n.line,
        rule: n.rule.clone(),
    }
}

#[derive(Serialize)]
struct ChangeDoc<'a> {
    symbol: &'a str,
    change: &'static str,
    breaking: bool,
    module: &'a str,
    old: Option<SymbolDoc<'a>>,
    new: Option<SymbolDoc<'a>>,
    ignored: bool,
    ignored_by: Option<RuleDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a Explanation>,
}

#[derive(Serialize)]
struct SideDoc<'a> {
    path: &'a str,
    kind: SourceKind,
    symbols: usize,
}

/// Per reported kind (by id, in report order), then the totals.
struct SummaryDoc(Vec<(&'static str, usize)>);

impl Serialize for SummaryDoc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    old: SideDoc<'a>,
    new: SideDoc<'a>,
    changes: Vec<ChangeDoc<'a>>,
    summary: SummaryDoc,
    unused_ignore_rules: Vec<RuleDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed_types: Option<&'a [TypeChange]>,
    exit_status: i32,
}

fn side_doc<'a>(s: &(&'a str, SourceKind, usize)) -> SideDoc<'a> {
    SideDoc {
        path: s.0,
        kind: s.1,
        symbols: s.2,
    }
}

pub fn write_json(r: &AbiReport<'_>, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &doc(r))?;
    writeln!(w)
}

/// The JSON document as a value, as `kmi render` reads it back: the HTML
/// view is drawn from it.
pub fn json_value(r: &AbiReport<'_>) -> serde_json::Value {
    serde_json::to_value(doc(r)).unwrap_or_default()
}

fn doc<'a>(r: &'a AbiReport<'a>) -> Doc<'a> {
    let changes = r
        .changes
        .iter()
        .map(|c| ChangeDoc {
            symbol: &c.symbol,
            change: c.kind.id(),
            breaking: c.kind.breaking(),
            module: c.module(),
            old: sym_doc(&c.old),
            new: sym_doc(&c.new),
            ignored: c.ignored_by.is_some(),
            ignored_by: c.ignored_by.as_ref().map(rule_doc),
            explanation: if c.kind == ChangeKind::CrcChanged {
                r.explanations.and_then(|m| m.symbols.get(&c.symbol))
            } else {
                None
            },
        })
        .collect();
    let count = |k: ChangeKind| {
        r.changes
            .iter()
            .filter(|c| c.kind == k && c.counts())
            .count()
    };
    let counted = |breaking: bool| {
        r.changes
            .iter()
            .filter(|c| c.counts() && c.kind.breaking() == breaking)
            .count()
    };
    Doc {
        schema: SCHEMA,
        old: side_doc(&r.old),
        new: side_doc(&r.new),
        changes,
        summary: SummaryDoc(
            REPORTED
                .iter()
                .map(|&k| (k.id(), count(k)))
                .chain([
                    ("breaking", counted(true)),
                    ("compatible", counted(false)),
                    ("ignored", r.changes.iter().filter(|c| !c.counts()).count()),
                ])
                .collect(),
        ),
        unused_ignore_rules: (0..r.rules.rules.len())
            .filter(|&i| r.used.get(i) == Some(&0))
            .map(|i| rule_doc(&r.rules.rules[i].annotation()))
            .collect(),
        changed_types: r.explanations.map(|e| e.types.as_slice()),
        exit_status: exit_status(r.changes),
    }
}

//! Machine-readable report. Versioned: consumers check `schema`. The
//! schema is specified in docs/baselines.md; within one version fields are
//! only ever added (optional ones, like those of `--allow`), so a consumer
//! must ignore keys it does not know. Keys are sorted and arrays are in
//! report order (symbols by name, types by name), so the bytes are the same
//! on every run.

use super::annotate::Annotations;
use super::model;
use crate::compare::analysis::Analysis;
use crate::compare::{ChangeKind, Comparison, Detail, DiffId, EdgeStyle, SymDetail};
use crate::graph::{Graph, Symbol, SymbolKind};
use rustc_hash::{FxHashMap, FxHashSet};
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
    write_with(c, a, None, w)
}

type Sections = (Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>, i32);

/// With notes: an `approved` key on every removed, added, changed and leaf
/// entry, and the exit code over unapproved changes only.
fn approvals(notes: Option<&Annotations>, parts: [Vec<Value>; 4], exit_code: i32) -> Sections {
    let [removed, added, changed, leaves] = parts;
    let per = |v: &[Vec<super::annotate::Annotation>]| -> Vec<Value> {
        v.iter()
            .map(|u| Value::Array(u.iter().map(|a| a.to_json()).collect()))
            .collect()
    };
    match notes {
        None => (removed, added, changed, leaves, exit_code),
        Some(x) => (
            add_key(removed, "approved", &per(&x.removed)),
            add_key(added, "approved", &per(&x.added)),
            add_key(changed, "approved", &per(&x.changed)),
            add_key(leaves, "approved", &per(&x.leaves)),
            x.exit_code,
        ),
    }
}

/// The notes' summary as a top-level `allow` key, then the document,
/// pretty-printed.
fn finish(mut doc: Value, notes: Option<&Annotations>, w: &mut dyn Write) -> io::Result<()> {
    if let (Some(x), Value::Object(m)) = (notes, &mut doc) {
        m.insert("allow".into(), allow_summary(x));
    }
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn allow_summary(x: &Annotations) -> Value {
    json!({
        "files": x.sources.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "approved": x.marked_interfaces(),
        "stale": x.stale.iter().map(|a| a.to_json()).collect::<Vec<_>>(),
    })
}

fn add_key(mut objects: Vec<Value>, key: &str, values: &[Value]) -> Vec<Value> {
    for (o, v) in objects.iter_mut().zip(values) {
        if let Value::Object(m) = o {
            m.insert(key.to_string(), v.clone());
        }
    }
    objects
}

/// Like `write`, with the report entries' notes.
pub fn write_with(
    c: &Comparison<'_>,
    a: &Analysis,
    notes: Option<&Annotations>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let leaf_json = |d: DiffId| -> Value {
        let diff = c.diffs.get(d);
        json!({ "details": diff.details.iter().map(Detail::to_json).collect::<Vec<_>>() })
    };
    let changed: Vec<Value> = c
        .changed_symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let local = s.diff.filter(|d| c.named(*d).is_none()).map(leaf_json);
            json!({
                "symbol": sym(s.new),
                "symbol_changes": s.details.iter().map(SymDetail::to_json).collect::<Vec<_>>(),
                "type_changes": local,
                "changed_types": a.leaf_names(i),
            })
        })
        .collect();
    let leaves: Vec<Value> = a
        .leaves
        .iter()
        .map(|l| {
            json!({
                "type": l.name,
                "details": c.diffs.get(l.diff).details.iter().map(Detail::to_json).collect::<Vec<_>>(),
                "impacted": l.impacted,
            })
        })
        .collect();
    let removed: Vec<Value> = c.removed.iter().map(|s| sym(s)).collect();
    let added: Vec<Value> = c.added.iter().map(|s| sym(s)).collect();
    let (removed, added, changed, leaves, exit_code) =
        approvals(notes, [removed, added, changed, leaves], c.exit_code());
    let doc = json!({
        "schema": SCHEMA,
        "exit_code": exit_code,
        "removed": removed,
        "added": added,
        "changed": changed,
        "changed_types": leaves,
    });
    finish(doc, notes, w)
}

/// Schema 2: what schema 1 leaves out. Every change carries the path that
/// leads to it from the interface or the type it belongs to, so changes
/// below unnamed types (a return type replaced, a member's `int` that became
/// `long`) are there too; symbols carry their old and new attributes and C
/// declaration; CRCs are hex strings throughout.
pub const SCHEMA_V2: &str = "kmidiff-report/2";

fn sym_v2(g: &Graph, s: &Symbol) -> model::Sym {
    model::Sym {
        approved: None,
        crc: s.crc.map(|c| format!("{c:#010x}")),
        declaration: s.ty.map(|t| g.declare(t, &s.name)),
        gpl: s.gpl,
        kind: s.kind.word().to_string(),
        location: s.location.clone(),
        module: s.module.clone(),
        name: s.name.clone(),
        namespace: s.namespace.clone(),
        size: s.size,
    }
}

fn crc_v2(c: Option<u32>) -> Value {
    json!(c.map(|c| format!("{c:#010x}")))
}

/// The inverse of `sym_change_v2`, for views drawn from a saved report.
pub fn sym_change_from_v2(v: &Value) -> Option<SymDetail> {
    let m = v.as_object()?;
    let s = |k: &str| m.get(k)?.as_str().map(str::to_string);
    let crc = |k: &str| match m.get(k)? {
        Value::Null => Some(None),
        x => u32::from_str_radix(x.as_str()?.strip_prefix("0x")?, 16)
            .ok()
            .map(Some),
    };
    let kind = |k: &str| match m.get(k)?.as_str()? {
        "function" => Some(SymbolKind::Function),
        "variable" => Some(SymbolKind::Variable),
        "symbol" => Some(SymbolKind::Unknown),
        _ => None,
    };
    Some(match ChangeKind::parse(m.get("kind")?.as_str()?)? {
        ChangeKind::CrcChanged => SymDetail::CrcChanged {
            old: crc("old")?,
            new: crc("new")?,
        },
        ChangeKind::ExportChanged | ChangeKind::NowGpl | ChangeKind::NoLongerGpl => {
            SymDetail::ExportChanged {
                now_gpl: m.get("now_gpl")?.as_bool()?,
            }
        }
        ChangeKind::NamespaceChanged => SymDetail::NamespaceChanged {
            old: s("old")?,
            new: s("new")?,
        },
        ChangeKind::ModuleChanged => SymDetail::ModuleChanged {
            old: s("old")?,
            new: s("new")?,
        },
        ChangeKind::KindChanged => SymDetail::KindChanged {
            old: kind("old")?,
            new: kind("new")?,
        },
        ChangeKind::SizeChanged => SymDetail::SizeChanged {
            old: m.get("old")?.as_u64()?,
            new: m.get("new")?.as_u64()?,
        },
        ChangeKind::CrcUnexplained => SymDetail::CrcUnexplained {},
        _ => return None,
    })
}

fn sym_change_v2(d: &SymDetail) -> Value {
    let fields = match d {
        SymDetail::CrcChanged { old, new } => json!({"old": crc_v2(*old), "new": crc_v2(*new)}),
        SymDetail::ExportChanged { now_gpl } => json!({"now_gpl": now_gpl}),
        SymDetail::NamespaceChanged { old, new } | SymDetail::ModuleChanged { old, new } => {
            json!({"old": old, "new": new})
        }
        SymDetail::KindChanged { old, new } => json!({"old": old.word(), "new": new.word()}),
        SymDetail::SizeChanged { old, new } => json!({"old": old, "new": new}),
        SymDetail::CrcUnexplained {} => json!({}),
    };
    crate::compare::with_kind(Ok(fields), d.report_kind())
}

/// The changes at and below `d`, down to (not into) leaf types, each of
/// which appears as one `type_changed` change; the leaf's own entry in
/// `changed_types` says what changed in it. A named type that is not a leaf
/// (it changed only through another named type) is walked through, so every
/// `type_changed` names a type listed in `changed_types`. Each diff is
/// walked once per interface (the first path in child order), which keeps
/// the output linear even when many paths lead to one type.
struct Walk<'a, 'g> {
    c: &'a Comparison<'g>,
    leaves: &'a FxHashMap<DiffId, &'a str>,
    seen: FxHashSet<DiffId>,
    path: Vec<String>,
    out: Vec<Value>,
}

impl Walk<'_, '_> {
    fn details(&mut self, d: DiffId) {
        for det in &self.c.diffs.get(d).details {
            let mut v = det.to_json();
            if let Value::Object(m) = &mut v {
                m.insert("path".into(), json!(self.path));
            }
            self.out.push(v);
        }
    }

    /// Depth first, with an explicit stack: chains of named types can be
    /// as long as the input makes them.
    fn walk(&mut self, root: DiffId) {
        if !self.seen.insert(root) {
            return;
        }
        self.details(root);
        // (diff, index of its next child); `path` has one step per frame
        // below the root.
        let mut stack = vec![(root, 0usize)];
        while let Some(&(d, k)) = stack.last() {
            let children = &self.c.diffs.get(d).children;
            let Some((edge, child)) = children.get(k) else {
                stack.pop();
                if !stack.is_empty() {
                    self.path.pop();
                }
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            if !self.c.is_changed(*child) || !self.seen.insert(*child) {
                continue;
            }
            self.path.push(edge.spelled(EdgeStyle::Path));
            match self.leaves.get(child) {
                Some(name) => {
                    self.out
                        .push(json!({"path": self.path, "kind": ChangeKind::TypeChanged.id(), "type": name}));
                    self.path.pop();
                }
                None => {
                    self.details(*child);
                    stack.push((*child, 0));
                }
            }
        }
    }
}

fn changes(c: &Comparison<'_>, leaves: &FxHashMap<DiffId, &str>, d: DiffId) -> Vec<Value> {
    let mut w = Walk {
        c,
        leaves,
        seen: FxHashSet::default(),
        path: Vec::new(),
        out: Vec::new(),
    };
    match leaves.get(&d) {
        Some(name) => vec![json!({"path": [], "kind": ChangeKind::TypeChanged.id(), "type": name})],
        None => {
            w.walk(d);
            w.out
        }
    }
}

/// The changes of leaf type `d` itself.
fn leaf_changes(c: &Comparison<'_>, leaves: &FxHashMap<DiffId, &str>, d: DiffId) -> Vec<Value> {
    let mut w = Walk {
        c,
        leaves,
        seen: FxHashSet::default(),
        path: Vec::new(),
        out: Vec::new(),
    };
    w.walk(d);
    w.out
}

/// Pretty-printed, as every JSON report.
pub fn write_report(r: &model::Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r)?;
    writeln!(w)
}

/// The schema 2 document of a comparison: what `--format json` writes and
/// the HTML view draws.
pub fn report_v2(
    c: &Comparison<'_>,
    a: &Analysis,
    notes: Option<&Annotations>,
    inputs: Option<model::Inputs>,
) -> model::Report {
    let leaf_of: FxHashMap<DiffId, &str> =
        a.leaves.iter().map(|l| (l.diff, l.name.as_str())).collect();
    let mut changed: Vec<model::Changed> = c
        .changed_symbols
        .iter()
        .enumerate()
        .map(|(i, s)| model::Changed {
            approved: None,
            changed_types: a.leaf_names(i),
            old_symbol: sym_v2(c.a, s.old),
            symbol: sym_v2(c.b, s.new),
            symbol_changes: s.details.iter().map(sym_change_v2).collect(),
            type_changes: s.diff.map(|d| changes(c, &leaf_of, d)).unwrap_or_default(),
        })
        .collect();
    let mut leaves: Vec<model::Leaf> = a
        .leaves
        .iter()
        .map(|l| {
            let file =
                c.b.files
                    .get(c.diffs.get(l.diff).b.index())
                    .copied()
                    .flatten();
            model::Leaf {
                approved: None,
                changes: leaf_changes(c, &leaf_of, l.diff),
                impacted: l.impacted.clone(),
                location: file.map(|f| c.b.str(f).to_string()),
                name: l.name.clone(),
            }
        })
        .collect();
    let count = |v: &[&Symbol], var: bool| {
        v.iter()
            .filter(|s| (s.kind == SymbolKind::Variable) == var)
            .count()
    };
    let changed_vars = c
        .changed_symbols
        .iter()
        .filter(|s| s.new.kind == SymbolKind::Variable)
        .count();
    let mut removed: Vec<model::Sym> = c.removed.iter().map(|s| sym_v2(c.a, s)).collect();
    let mut added: Vec<model::Sym> = c.added.iter().map(|s| sym_v2(c.b, s)).collect();
    let mut exit_code = c.exit_code();
    let mut allow = None;
    if let Some(x) = notes {
        let per = |u: &[super::annotate::Annotation]| -> Option<Vec<Value>> {
            Some(u.iter().map(|a| a.to_json()).collect())
        };
        for (e, n) in removed.iter_mut().zip(&x.removed) {
            e.approved = per(n);
        }
        for (e, n) in added.iter_mut().zip(&x.added) {
            e.approved = per(n);
        }
        for (e, n) in changed.iter_mut().zip(&x.changed) {
            e.approved = per(n);
        }
        for (e, n) in leaves.iter_mut().zip(&x.leaves) {
            e.approved = per(n);
        }
        exit_code = x.exit_code;
        allow = Some(allow_summary(x));
    }
    let suppressed = c.suppressed;
    model::Report {
        added,
        allow,
        changed,
        changed_types: leaves,
        exit_code,
        inputs,
        removed,
        schema: SCHEMA_V2.to_string(),
        summary: model::Summary {
            removed_functions: count(&c.removed, false),
            removed_variables: count(&c.removed, true),
            added_functions: count(&c.added, false),
            added_variables: count(&c.added, true),
            changed_functions: c.changed_symbols.len() - changed_vars,
            changed_variables: changed_vars,
            changed_types: a.leaves.len(),
            crc_unexplained: c.crc_unexplained(),
        },
        suppressed: (suppressed != Default::default()).then_some(suppressed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_change_round_trip() {
        let all = [
            SymDetail::CrcChanged {
                old: Some(0xdead_beef),
                new: None,
            },
            SymDetail::ExportChanged { now_gpl: true },
            SymDetail::ExportChanged { now_gpl: false },
            SymDetail::NamespaceChanged {
                old: String::new(),
                new: "CXL".into(),
            },
            SymDetail::ModuleChanged {
                old: "vmlinux".into(),
                new: "m".into(),
            },
            SymDetail::KindChanged {
                old: SymbolKind::Function,
                new: SymbolKind::Variable,
            },
            SymDetail::SizeChanged { old: 4, new: 8 },
            SymDetail::CrcUnexplained {},
        ];
        for d in &all {
            assert_eq!(sym_change_from_v2(&sym_change_v2(d)).as_ref(), Some(d));
        }
        assert_eq!(
            sym_change_from_v2(&json!({"kind": "crc_changed", "old": "12", "new": null})),
            None
        );
    }
}

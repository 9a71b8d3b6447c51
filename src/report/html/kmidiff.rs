//! The page of a kmidiff report (`kmidiff-report/2`): verdict and counts,
//! inputs, changes per module, then the changed types, and the removed,
//! added and changed interfaces.

use super::chart::{self, Bar};
use super::page::{
    anchor, controls, count, esc, head, items, module_label, module_value, plural, section_start,
    strings, tail,
};
use crate::compare::{ChangeKind, Detail};
use crate::report::model::{Changed, Leaf, Report, Side, Sym};
use crate::report::{Units, json, text};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

/// How many impacted interfaces a type names in the page; the script lists
/// the rest on demand (a type can impact thousands).
const IMPACTED_SHOWN: usize = 12;

/// Leaf types by name, and their element ids.
struct Types<'r> {
    index: FxHashMap<&'r str, usize>,
    ids: Vec<String>,
}

impl<'r> Types<'r> {
    fn new(leaves: &'r [Leaf]) -> Self {
        let mut index = FxHashMap::default();
        let mut ids = Vec::with_capacity(leaves.len());
        let mut used = BTreeSet::new();
        for (i, l) in leaves.iter().enumerate() {
            index.entry(l.name.as_str()).or_insert(i);
            let mut id = anchor("type", &l.name);
            if !used.insert(id.clone()) {
                id = format!("{id}-{i}");
                used.insert(id.clone());
            }
            ids.push(id);
        }
        Types { index, ids }
    }

    /// Indices of the leaf types `changes` reference, in order, once each.
    fn refs(&self, changes: &[Value]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for c in changes {
            if c.get("kind").and_then(Value::as_str) == Some(ChangeKind::TypeChanged.id())
                && let Some(i) = c
                    .get("type")
                    .and_then(Value::as_str)
                    .and_then(|t| self.index.get(t))
                && !out.contains(i)
            {
                out.push(*i);
            }
        }
        out
    }
}

fn kind_of(v: &Value) -> Option<ChangeKind> {
    ChangeKind::parse(v.get("kind")?.as_str()?)
}

/// A symbol change's own kind: JSON writes the umbrella `export_changed`
/// for both directions, and only one of them breaks.
fn sym_kind(v: &Value) -> Option<ChangeKind> {
    json::sym_change_from_v2(v)
        .map(|d| d.kind())
        .or_else(|| kind_of(v))
}

fn join_refs(r: &[usize]) -> String {
    r.iter().map(usize::to_string).collect::<Vec<_>>().join(" ")
}

/// One change of a change tree as a list item: its path, then what
/// changed, worded as the text report words it.
fn change_item(v: &Value, types: &Types<'_>, out: &mut String) {
    let path: Vec<&str> = strings(v, "path");
    let path = if path.is_empty() {
        String::new()
    } else {
        format!("<span class=\"p\">{}</span> ", esc(&path.join(" › ")))
    };
    let kind = kind_of(v);
    if kind == Some(ChangeKind::TypeChanged)
        && let Some(name) = v.get("type").and_then(Value::as_str)
    {
        match types.index.get(name) {
            Some(&i) => {
                let _ = write!(
                    out,
                    "<li class=\"tc\" data-t=\"{i}\">{path}<a href=\"#{}\">{}</a> changed</li>",
                    types.ids[i],
                    esc(name)
                );
            }
            None => {
                let _ = write!(out, "<li>{path}{} changed</li>", esc(name));
            }
        }
        return;
    }
    let words = match Detail::from_json(v) {
        Some(d) => text::detail_line(&d, &Units::default()),
        // A kind of a later version: its id and fields, as written.
        None => unknown(v),
    };
    let _ = write!(
        out,
        "<li data-k=\"{}\">{path}{}</li>",
        kind.map_or("", ChangeKind::id),
        esc(&words)
    );
}

fn unknown(v: &Value) -> String {
    let mut fields = v.clone();
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("change")
        .to_string();
    if let Value::Object(m) = &mut fields {
        m.remove("kind");
        m.remove("path");
    }
    format!("{kind}: {fields}")
}

fn change_list(changes: &[Value], types: &Types<'_>) -> String {
    let mut s = String::from("<ul class=\"ch\">");
    for c in changes {
        change_item(c, types, &mut s);
    }
    s.push_str("</ul>");
    s
}

/// `approved by FILE:LINE: entry (reason)` lines of `--allow`.
fn approvals(a: &Option<Vec<Value>>) -> String {
    let mut s = String::new();
    for n in a.iter().flatten() {
        let f = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("");
        let line = n.get("line").and_then(Value::as_u64).unwrap_or(0);
        let reason = match f("reason") {
            "" => String::new(),
            r => format!(" ({})", esc(r)),
        };
        let _ = write!(
            s,
            "<p class=\"ap\">Approved by {}:{line}: <code>{}</code>{reason}</p>",
            esc(f("file")),
            esc(f("entry"))
        );
    }
    s
}

fn approved(a: &Option<Vec<Value>>) -> bool {
    a.as_ref().is_some_and(|v| !v.is_empty())
}

fn tags(breaking: bool, approved: bool) -> String {
    let mut s = String::new();
    if breaking {
        s.push_str("<span class=\"tag brk\">breaking</span>");
    }
    if approved {
        s.push_str("<span class=\"tag appr\">approved</span>");
    }
    s
}

fn symbol_meta(s: &Sym) -> String {
    let mut parts = vec![if s.gpl {
        "EXPORT_SYMBOL_GPL".to_string()
    } else {
        "EXPORT_SYMBOL".to_string()
    }];
    if let Some(c) = &s.crc {
        parts.push(format!("CRC {c}"));
    }
    if !s.namespace.is_empty() {
        parts.push(format!("namespace {}", s.namespace));
    }
    if let Some(l) = &s.location {
        parts.push(l.clone());
    }
    format!("<p class=\"meta\">{}</p>", esc(&parts.join(" · ")))
}

fn declaration(s: &Sym) -> String {
    match &s.declaration {
        Some(d) => format!("<p class=\"decl\"><code>{}</code></p>", esc(d)),
        None => format!(
            "<p class=\"decl note\">{} (no type recorded)</p>",
            esc(&s.kind)
        ),
    }
}

/// The element id of a symbol: `sym-NAME`, unique in the page even if two
/// names encoded alike (links name the first).
fn sym_id(name: &str, used: &mut FxHashSet<String>) -> String {
    let id = anchor("sym", name);
    if used.insert(id.clone()) {
        return id;
    }
    let mut n = 2;
    while !used.insert(format!("{id}-{n}")) {
        n += 1;
    }
    format!("{id}-{n}")
}

/// A removed or added interface.
fn lone_symbol(s: &Sym, kind: ChangeKind, used: &mut FxHashSet<String>, out: &mut String) {
    let appr = approved(&s.approved);
    let breaking = kind.breaking() && !appr;
    let id = sym_id(&s.name, used);
    let _ = writeln!(
        out,
        "<article class=\"e s\" id=\"{id}\" data-m=\"{}\" data-k=\"{}\" data-b=\"{}\">\
<h3><a href=\"#{id}\">{}</a><span class=\"mod\">{}</span>{}</h3>{}{}{}</article>",
        esc(&module_value(&s.module)),
        kind.id(),
        u8::from(breaking),
        esc(&s.name),
        esc(module_label(&s.module)),
        tags(breaking, appr),
        declaration(s),
        symbol_meta(s),
        approvals(&s.approved)
    );
}

fn changed_symbol(c: &Changed, types: &Types<'_>, used: &mut FxHashSet<String>, out: &mut String) {
    let mut kinds: Vec<&'static str> = Vec::new();
    let mut lines = String::new();
    let mut breaking = false;
    for v in &c.symbol_changes {
        let k = sym_kind(v);
        breaking |= k.is_some_and(ChangeKind::breaking);
        if let Some(k) = k
            && !kinds.contains(&k.id())
        {
            kinds.push(k.id());
        }
        let words = match json::sym_change_from_v2(v) {
            Some(d) => text::sym_detail_line(&d),
            None => unknown(v),
        };
        let _ = write!(lines, "<li>{}</li>", esc(&words));
    }
    for v in &c.type_changes {
        if let Some(k) = kind_of(v)
            && !kinds.contains(&k.id())
        {
            kinds.push(k.id());
        }
    }
    let appr = approved(&c.approved);
    let breaking = breaking && !appr;
    let s = &c.symbol;
    let id = sym_id(&s.name, used);
    let _ = write!(
        out,
        "<article class=\"e s\" id=\"{id}\" data-m=\"{}\" data-k=\"{}\" data-b=\"{}\" data-t=\"{}\">\
<h3><a href=\"#{id}\">{}</a><span class=\"mod\">{}</span>{}</h3>{}",
        esc(&module_value(&s.module)),
        kinds.join(" "),
        u8::from(breaking),
        join_refs(&types.refs(&c.type_changes)),
        esc(&s.name),
        esc(module_label(&s.module)),
        tags(breaking, appr),
        declaration(s)
    );
    if c.old_symbol.declaration != s.declaration
        && let Some(d) = &c.old_symbol.declaration
    {
        let _ = write!(out, "<p class=\"decl\">was <code>{}</code></p>", esc(d));
    }
    if !lines.is_empty() {
        let _ = write!(out, "<ul class=\"sc\">{lines}</ul>");
    }
    out.push_str(&approvals(&c.approved));
    if !c.type_changes.is_empty() {
        let reached = c.changed_types.len();
        let _ = write!(
            out,
            "<details class=\"tree\"><summary>Change tree: {}{}</summary>{}</details>",
            plural(c.type_changes.len(), "change", "changes"),
            if reached > 0 {
                format!(
                    ", reaches {}",
                    plural(reached, "changed type", "changed types")
                )
            } else {
                String::new()
            },
            change_list(&c.type_changes, types)
        );
    }
    out.push_str("</article>\n");
}

fn leaf(i: usize, l: &Leaf, types: &Types<'_>, out: &mut String) {
    let mut kinds: Vec<&'static str> = Vec::new();
    for k in l.changes.iter().filter_map(kind_of) {
        if !kinds.contains(&k.id()) {
            kinds.push(k.id());
        }
    }
    let id = &types.ids[i];
    let _ = write!(
        out,
        "<article class=\"e t\" id=\"{id}\" data-k=\"{}\" data-t=\"{}\">\
<h3><a href=\"#{id}\">{}</a>{}{}</h3>{}",
        kinds.join(" "),
        join_refs(&types.refs(&l.changes)),
        esc(&l.name),
        l.location
            .as_ref()
            .map(|f| format!("<span class=\"loc\">{}</span>", esc(f)))
            .unwrap_or_default(),
        tags(false, approved(&l.approved)),
        change_list(&l.changes, types)
    );
    out.push_str(&approvals(&l.approved));
    let n = l.impacted.len();
    if n > 0 {
        let _ = write!(
            out,
            "<p class=\"imp\">Impacts {}: <span class=\"list\">",
            plural(n, "interface", "interfaces")
        );
        for (j, name) in l.impacted.iter().take(IMPACTED_SHOWN).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "<a href=\"#{}\">{}</a>",
                anchor("sym", name),
                esc(name)
            );
        }
        out.push_str("</span>");
        if n > IMPACTED_SHOWN {
            let _ = write!(
                out,
                " <span class=\"more\">and {} more</span> <button type=\"button\" class=\"all\">List all</button>",
                count(n - IMPACTED_SHOWN)
            );
        }
        out.push_str("</p>");
    }
    out.push_str("</article>\n");
}

fn inputs(r: &Report) -> String {
    let Some(i) = &r.inputs else {
        return "<p class=\"note\">This report does not record its inputs.</p>\n".into();
    };
    let row = |name: &str, f: &dyn Fn(&Side) -> String| {
        format!(
            "<tr><th scope=\"row\">{name}</th><td>{}</td><td>{}</td></tr>",
            esc(&f(&i.old)),
            esc(&f(&i.new))
        )
    };
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    format!(
        "<table class=\"inputs\"><thead><tr><th></th><th scope=\"col\">Old kernel</th><th scope=\"col\">New kernel</th></tr></thead><tbody>\
{}{}{}{}{}</tbody></table>\n",
        row("Path", &|s| s.path.clone()),
        row("Read as", &|s| s.kind.clone()),
        row("vmlinux", &|s| opt(&s.vmlinux)),
        row("Release", &|s| opt(&s.release)),
        row("Types from", &|s| s.types.clone()),
    )
}

/// The verdict line and what the exit status means.
fn verdict(r: &Report) -> String {
    let live = |a: &Option<Vec<Value>>| !approved(a);
    let removed = r.removed.iter().filter(|s| live(&s.approved)).count();
    let mut per_kind: BTreeMap<ChangeKind, usize> = BTreeMap::new();
    for c in r.changed.iter().filter(|c| live(&c.approved)) {
        let ks: BTreeSet<ChangeKind> = c.symbol_changes.iter().filter_map(sym_kind).collect();
        // An unexplained CRC change is a CRC change already counted.
        for k in ks
            .into_iter()
            .filter(|k| k.breaking() && *k != ChangeKind::CrcUnexplained)
        {
            *per_kind.entry(k).or_default() += 1;
        }
    }
    let mut parts = Vec::new();
    if removed > 0 {
        parts.push(plural(removed, "interface removed", "interfaces removed"));
    }
    for (k, n) in &per_kind {
        parts.push(format!("{} {}", count(*n), k.label()));
    }
    let entries = r.removed.len() + r.added.len() + r.changed.len() + r.changed_types.len();
    let (class, words) = if r.exit_code == 0 && entries > 0 {
        // Every entry approved (--allow): the exit status says no change.
        (
            "ok",
            format!(
                "No unapproved KMI change ({} approved)",
                plural(entries, "entry", "entries")
            ),
        )
    } else if r.exit_code == 0 {
        ("ok", "No KMI change".to_string())
    } else if !parts.is_empty() {
        ("bad", format!("Breaking KMI change: {}", parts.join(", ")))
    } else {
        (
            "warn",
            "The KMI changed; no change breaks loading modules".into(),
        )
    };
    let mut bits = Vec::new();
    if r.exit_code & 4 != 0 {
        bits.push("4: the KMI changed");
    }
    if r.exit_code & 8 != 0 {
        bits.push("8: an interface was removed");
    }
    let bits = if bits.is_empty() {
        String::new()
    } else {
        format!(" ({})", bits.join(", "))
    };
    format!(
        "<p class=\"verdict {class}\" role=\"status\">{}<small>Exit status {}{}</small></p>\n",
        esc(&words),
        r.exit_code,
        esc(&bits)
    )
}

fn summary(r: &Report) -> String {
    let s = &r.summary;
    let mut out = format!(
        "<table class=\"summary\"><thead><tr><th></th><th scope=\"col\">Removed</th><th scope=\"col\">Added</th><th scope=\"col\">Changed</th></tr></thead><tbody>\
<tr><th scope=\"row\">Functions</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
<tr><th scope=\"row\">Variables</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
<tr><th scope=\"row\">Types (leaf)</th><td></td><td></td><td class=\"n\">{}</td></tr></tbody></table>\n",
        count(s.removed_functions),
        count(s.added_functions),
        count(s.changed_functions),
        count(s.removed_variables),
        count(s.added_variables),
        count(s.changed_variables),
        count(s.changed_types)
    );
    if s.crc_unexplained > 0 {
        let _ = writeln!(
            out,
            "<p>{} changed their CRC with no type change visible in the types read: a change they cannot show (or a miss).</p>",
            plural(s.crc_unexplained, "interface", "interfaces")
        );
    }
    if let Some(x) = &r.suppressed {
        let _ = writeln!(
            out,
            "<p class=\"note\">Suppressions took out {} removed, {} added and {} changed interfaces; they are not listed.</p>",
            count(x.removed),
            count(x.added),
            count(x.changed)
        );
    }
    if let Some(a) = &r.allow {
        let appr = r.removed.iter().filter(|x| approved(&x.approved)).count()
            + r.added.iter().filter(|x| approved(&x.approved)).count()
            + r.changed.iter().filter(|x| approved(&x.approved)).count()
            + r.changed_types
                .iter()
                .filter(|x| approved(&x.approved))
                .count();
        let files: Vec<&str> = strings(a, "files");
        let _ = writeln!(
            out,
            "<p>{} approved by {}; the exit status counts the others only.</p>",
            plural(appr, "entry", "entries"),
            esc(&files.join(", "))
        );
        for s in items(a, "stale") {
            let f = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(
                out,
                "<p class=\"note\">Stale approval, matches no change: {}:{}: <code>{}</code></p>",
                esc(f("file")),
                s.get("line").and_then(Value::as_u64).unwrap_or(0),
                esc(f("entry"))
            );
        }
    }
    out
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let types = Types::new(&r.changed_types);
    let title = match &r.inputs {
        Some(i) => format!("KMI report: {} → {}", i.old.path, i.new.path),
        None => "KMI report".to_string(),
    };
    let mut s = head(&title);
    s.push_str("<header>\n<h1>Kernel Module Interface report</h1>\n");
    s.push_str(&verdict(r));
    s.push_str(&summary(r));
    s.push_str("<h2>Inputs</h2>\n");
    s.push_str(&inputs(r));
    s.push_str("</header>\n");

    // Per module: removed, changed, added.
    let mut per: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for x in &r.removed {
        per.entry(x.module.clone()).or_default()[0] += 1;
    }
    for x in &r.changed {
        per.entry(x.symbol.module.clone()).or_default()[1] += 1;
    }
    for x in &r.added {
        per.entry(x.module.clone()).or_default()[2] += 1;
    }
    let mut kinds: BTreeSet<ChangeKind> = BTreeSet::new();
    if !r.removed.is_empty() {
        kinds.insert(ChangeKind::Removed);
    }
    if !r.added.is_empty() {
        kinds.insert(ChangeKind::Added);
    }
    for c in &r.changed {
        kinds.extend(c.symbol_changes.iter().filter_map(sym_kind));
        kinds.extend(c.type_changes.iter().filter_map(kind_of));
    }
    for v in r.changed_types.iter().flat_map(|l| &l.changes) {
        kinds.extend(kind_of(v));
    }
    let modules: BTreeMap<String, usize> = per
        .iter()
        .map(|(m, p)| (m.clone(), p.iter().sum()))
        .collect();
    s.push_str(&controls(&kinds.into_iter().collect::<Vec<_>>(), &modules));
    s.push_str(&chart::bars(
        per.into_iter()
            .map(|(module, parts)| Bar { module, parts })
            .collect(),
        "Changed exports per module",
    ));
    w.write_all(s.as_bytes())?;

    // The entries, written as they are made: a report can be large.
    w.write_all(b"<main id=\"results\">\n")?;
    let mut buf = String::new();
    let mut used = FxHashSet::default();
    let flush = |buf: &mut String, w: &mut dyn Write| -> io::Result<()> {
        w.write_all(buf.as_bytes())?;
        buf.clear();
        Ok(())
    };
    buf.push_str(&section_start(
        "types",
        "Changed types",
        r.changed_types.len(),
    ));
    if r.changed_types.is_empty() {
        buf.push_str("<p class=\"note\">No named type changed.</p>\n");
    } else {
        buf.push_str("<p class=\"note\">Each type changed once is listed once, with the interfaces it impacts.</p>\n");
    }
    for (i, l) in r.changed_types.iter().enumerate() {
        leaf(i, l, &types, &mut buf);
        if buf.len() > 1 << 16 {
            flush(&mut buf, w)?;
        }
    }
    buf.push_str("</section>\n");
    for (id, title, list, kind) in [
        (
            "removed",
            "Removed interfaces",
            &r.removed,
            ChangeKind::Removed,
        ),
        ("added", "Added interfaces", &r.added, ChangeKind::Added),
    ] {
        buf.push_str(&section_start(id, title, list.len()));
        for x in list {
            lone_symbol(x, kind, &mut used, &mut buf);
            if buf.len() > 1 << 16 {
                flush(&mut buf, w)?;
            }
        }
        buf.push_str("</section>\n");
    }
    buf.push_str(&section_start(
        "changed",
        "Changed interfaces",
        r.changed.len(),
    ));
    for c in &r.changed {
        changed_symbol(c, &types, &mut used, &mut buf);
        if buf.len() > 1 << 16 {
            flush(&mut buf, w)?;
        }
    }
    buf.push_str("</section>\n</main>\n");
    buf.push_str(&tail(&r.schema));
    flush(&mut buf, w)
}

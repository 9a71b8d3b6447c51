//! The page of a symbol-level check (`kmi-abi-check/2`): one entry per
//! symbol with all its changes, marked when an ignore rule took it out of
//! the verdict; with `--explain`, the changed types each CRC change comes
//! from.

use super::chart::{self, Bar};
use super::page::{
    anchor, controls, count, esc, head, items, module_label, module_value, plural, section_start,
    strings, tail,
};
use crate::compare::ChangeKind;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

fn s<'v>(v: &'v Value, k: &str) -> &'v str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn side_value(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) if x.is_empty() => "(none)".into(),
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => "none".into(),
        Some(x) => x.to_string(),
    }
}

/// What one change says, after the symbol's name.
fn describe(c: &Value, kind: Option<ChangeKind>) -> String {
    let (old, new) = (c.get("old"), c.get("new"));
    let field = |v: Option<&Value>, k: &str| v.map(|v| side_value(v, k)).unwrap_or_default();
    let label = kind.map_or_else(|| s(c, "change").to_string(), ChangeKind::title);
    match kind {
        Some(ChangeKind::Removed) => format!(
            "{label}: was {} {}",
            field(old, "export"),
            field(old, "crc")
        ),
        Some(ChangeKind::Added) => {
            format!("{label}: {} {}", field(new, "export"), field(new, "crc"))
        }
        Some(ChangeKind::CrcChanged) => {
            format!("{label}: {} → {}", field(old, "crc"), field(new, "crc"))
        }
        Some(ChangeKind::NowGpl | ChangeKind::NoLongerGpl) => format!(
            "{label}: {} → {}",
            field(old, "export"),
            field(new, "export")
        ),
        Some(ChangeKind::NamespaceChanged) => format!(
            "{label}: {} → {}",
            field(old, "namespace"),
            field(new, "namespace")
        ),
        Some(ChangeKind::ModuleChanged) => format!(
            "{label}: {} → {}",
            field(old, "module"),
            field(new, "module")
        ),
        _ => label,
    }
}

pub fn write(doc: &Value, w: &mut dyn Write) -> io::Result<()> {
    let empty = Vec::new();
    let changes = doc
        .get("changes")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let types = doc
        .get("changed_types")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let type_index: BTreeMap<&str, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (s(t, "type"), i))
        .collect();
    let (old, new) = (
        doc.get("old").unwrap_or(&Value::Null),
        doc.get("new").unwrap_or(&Value::Null),
    );
    let exit = doc.get("exit_status").and_then(Value::as_i64).unwrap_or(0);
    let summary = doc.get("summary").unwrap_or(&Value::Null);
    let n = |k: &str| summary.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;

    let mut out = head(&format!(
        "KMI symbol check: {} → {}",
        s(old, "path"),
        s(new, "path")
    ));
    out.push_str("<header>\n<h1>Kernel Module Interface symbol check</h1>\n");
    let (class, words) = if n("breaking") > 0 {
        (
            "bad",
            format!(
                "Breaking: {}",
                plural(n("breaking"), "breaking change", "breaking changes")
            ),
        )
    } else if exit != 0 {
        ("warn", "Changed; no change breaks loading modules".into())
    } else {
        ("ok", "No breaking change".into())
    };
    let _ = writeln!(
        out,
        "<p class=\"verdict {class}\" role=\"status\">{}<small>Exit status {exit}</small></p>",
        esc(&words)
    );
    out.push_str("<table class=\"summary\"><tbody>");
    let mut kinds_present = BTreeSet::new();
    for c in changes {
        kinds_present.extend(ChangeKind::parse(s(c, "change")));
    }
    if let Some(m) = summary.as_object() {
        for (k, v) in m {
            let label = ChangeKind::parse(k).map_or_else(|| k.clone(), ChangeKind::title);
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td></tr>",
                esc(&label),
                count(v.as_u64().unwrap_or(0) as usize)
            );
        }
    }
    out.push_str("</tbody></table>\n<h2>Inputs</h2>\n<table class=\"inputs\"><thead><tr><th></th><th scope=\"col\">Old</th><th scope=\"col\">New</th></tr></thead><tbody>");
    for (label, k) in [
        ("Path", "path"),
        ("Read as", "kind"),
        ("Exports", "symbols"),
    ] {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{label}</th><td>{}</td><td>{}</td></tr>",
            esc(&side_value(old, k)),
            esc(&side_value(new, k))
        );
    }
    out.push_str("</tbody></table>\n");
    for r in items(doc, "unused_ignore_rules") {
        let _ = writeln!(
            out,
            "<p class=\"note\">Ignore rule matching no change: {}:{}: <code>{}</code></p>",
            esc(s(r, "file")),
            r.get("line").and_then(Value::as_u64).unwrap_or(0),
            esc(s(r, "rule"))
        );
    }
    out.push_str("</header>\n");

    // One entry per symbol, in the report's order of first mention.
    let mut order: Vec<&str> = Vec::new();
    let mut by_symbol: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for c in changes {
        let name = s(c, "symbol");
        let e = by_symbol.entry(name).or_default();
        if e.is_empty() {
            order.push(name);
        }
        e.push(c);
    }
    let mut per: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for name in &order {
        let first = by_symbol[name][0];
        let slot = match ChangeKind::parse(s(first, "change")) {
            Some(ChangeKind::Removed) => 0,
            Some(ChangeKind::Added) => 2,
            _ => 1,
        };
        per.entry(s(first, "module").to_string()).or_default()[slot] += 1;
    }
    let modules: BTreeMap<String, usize> = per
        .iter()
        .map(|(m, p)| (m.clone(), p.iter().sum()))
        .collect();
    out.push_str(&controls(
        &kinds_present.into_iter().collect::<Vec<_>>(),
        &modules,
    ));
    out.push_str(&chart::bars(
        per.into_iter()
            .map(|(module, parts)| Bar { module, parts })
            .collect(),
        "Changed exports per module",
    ));
    out.push_str("<main id=\"results\">\n");
    if !types.is_empty() {
        out.push_str(&section_start("types", "Changed types", types.len()));
        for (i, t) in types.iter().enumerate() {
            let id = anchor("type", s(t, "type"));
            let _ = write!(
                out,
                "<article class=\"e t\" id=\"{id}\" data-k=\"\" data-t=\"\" data-i=\"{i}\">\
<h3><a href=\"#{id}\">{}</a></h3><ul class=\"ch\">",
                esc(s(t, "type"))
            );
            for d in items(t, "details") {
                let _ = write!(out, "<li>{}</li>", esc(d.as_str().unwrap_or("")));
            }
            out.push_str("</ul></article>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str(&section_start("symbols", "Changed symbols", order.len()));
    for name in &order {
        let list = &by_symbol[name];
        let mut kinds: Vec<&str> = Vec::new();
        let mut breaking = false;
        let mut ignored = false;
        let mut refs: Vec<usize> = Vec::new();
        let mut lines = String::new();
        for c in list {
            let kind = ChangeKind::parse(s(c, "change"));
            let is_ignored = c.get("ignored").and_then(Value::as_bool) == Some(true);
            ignored |= is_ignored;
            breaking |= c.get("breaking").and_then(Value::as_bool) == Some(true) && !is_ignored;
            if !kinds.contains(&s(c, "change")) {
                kinds.push(s(c, "change"));
            }
            let _ = write!(lines, "<li>{}", esc(&describe(c, kind)));
            if let Some(by) = c.get("ignored_by").filter(|v| !v.is_null()) {
                let _ = write!(
                    lines,
                    " <span class=\"ig\">(ignored by {}:{}: <code>{}</code>)</span>",
                    esc(s(by, "file")),
                    by.get("line").and_then(Value::as_u64).unwrap_or(0),
                    esc(s(by, "rule"))
                );
            }
            if let Some(e) = c.get("explanation") {
                lines.push_str(&explanation(e, &type_index, &mut refs));
            }
            lines.push_str("</li>");
        }
        let id = anchor("sym", name);
        let module = s(list[0], "module");
        let mut tags = String::new();
        if breaking {
            tags.push_str("<span class=\"tag brk\">breaking</span>");
        }
        if ignored {
            tags.push_str("<span class=\"tag ign\">ignored</span>");
        }
        let _ = writeln!(
            out,
            "<article class=\"e s\" id=\"{id}\" data-m=\"{}\" data-k=\"{}\" data-b=\"{}\" data-t=\"{}\">\
<h3><a href=\"#{id}\">{}</a><span class=\"mod\">{}</span>{tags}</h3><ul class=\"sc\">{lines}</ul></article>",
            esc(&module_value(module)),
            esc(&kinds.join(" ")),
            u8::from(breaking),
            refs.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            esc(name),
            esc(module_label(module))
        );
    }
    out.push_str("</section>\n</main>\n");
    out.push_str(&tail(s(doc, "schema")));
    w.write_all(out.as_bytes())
}

/// `--explain`'s answer for one CRC change, types linked to their entries.
fn explanation(e: &Value, index: &BTreeMap<&str, usize>, refs: &mut Vec<usize>) -> String {
    let mut out = String::from("<ul class=\"ch\">");
    match s(e, "status") {
        "explained" => {
            for l in items(e, "own_type") {
                let _ = write!(out, "<li>own type: {}</li>", esc(l.as_str().unwrap_or("")));
            }
            let names: Vec<&str> = strings(e, "types");
            if !names.is_empty() {
                out.push_str("<li>changed types: ");
                for (j, t) in names.iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    match index.get(t) {
                        Some(&i) => {
                            if !refs.contains(&i) {
                                refs.push(i);
                            }
                            let _ =
                                write!(out, "<a href=\"#{}\">{}</a>", anchor("type", t), esc(t));
                        }
                        None => out.push_str(&esc(t)),
                    }
                }
                out.push_str("</li>");
            }
        }
        "no_visible_type_cause" => out.push_str("<li>no visible type cause</li>"),
        "no_debug_info" => out.push_str("<li>no types on both sides: cannot explain</li>"),
        other => {
            let _ = write!(out, "<li>{}</li>", esc(other));
        }
    }
    out.push_str("</ul>");
    out
}

//! What every page shares: escaping, anchors, the head with the inlined
//! style and script, the search and filter bar, the footer.

use crate::compare::{ChangeKind, KINDS};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const STYLE: &str = include_str!("report.css");
pub const SCRIPT: &str = include_str!("report.js");

/// The elements of array `key` of a JSON object (none when it is missing
/// or not an array: a page draws what a document holds).
pub fn items<'v>(
    v: &'v serde_json::Value,
    key: &str,
) -> impl Iterator<Item = &'v serde_json::Value> {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
}

/// The strings of array `key` of a JSON object.
pub fn strings<'v>(v: &'v serde_json::Value, key: &str) -> Vec<&'v str> {
    items(v, key)
        .filter_map(serde_json::Value::as_str)
        .collect()
}

/// Text and attribute values: the five characters HTML gives a meaning.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An element id a link can name: `sym-NAME`, `type-struct-NAME`. Letters,
/// digits, `_`, `.` and `-` stay, a space becomes `-`, anything else is
/// written as `_XX_` (its code in hex), so two names never share an id.
pub fn anchor(prefix: &str, name: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + name.len());
    id.push_str(prefix);
    id.push('-');
    for c in name.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '.' => id.push(c),
            ' ' => id.push('-'),
            c => {
                let _ = write!(id, "_{:x}_", c as u32);
            }
        }
    }
    id
}

/// Thousands separated, as people read counts.
pub fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

pub fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"kmidiff {}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
<a class=\"skip\" href=\"#results\">Skip to the changes</a>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )
}

pub fn tail(schema: &str) -> String {
    format!(
        "<footer><p>Written by kmidiff {} from a <code>{}</code> report. \
<span class=\"keys\" hidden>Keys: <kbd>/</kbd> search, <kbd>j</kbd> and <kbd>k</kbd> next and previous entry.</span></p></footer>\n\
<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(schema)
    )
}

/// What an entry's module is filtered by: a baseline that records no
/// module (STG) leaves it empty, which would read as "any module".
pub fn module_value(m: &str) -> String {
    if m.is_empty() {
        "(none)".into()
    } else {
        m.to_string()
    }
}

/// How a module is shown.
pub fn module_label(m: &str) -> &str {
    if m.is_empty() {
        "(no module recorded)"
    } else {
        m
    }
}

/// The search box and filters, hidden until the script shows them: without
/// the script they would do nothing. `kinds` are the change kinds present,
/// `modules` the modules with their number of entries.
pub fn controls(kinds: &[ChangeKind], modules: &BTreeMap<String, usize>) -> String {
    let mut s = String::from(
        "<nav id=\"controls\" aria-label=\"Search and filters\" hidden>\n\
<label>Search <input type=\"search\" id=\"q\" placeholder=\"symbol or type name\" autocomplete=\"off\"></label>\n\
<label>Change <select id=\"kind\"><option value=\"\" data-scope=\"\">any kind</option>",
    );
    for k in KINDS.iter().filter(|r| kinds.contains(&r.kind)) {
        let scope = match (k.scope.symbol(), k.scope.of_type()) {
            (true, true) => "both",
            (true, false) => "symbol",
            _ => "type",
        };
        let _ = write!(
            s,
            "<option value=\"{}\" data-scope=\"{scope}\">{}</option>",
            k.id,
            esc(&k.kind.title())
        );
    }
    s.push_str("</select></label>\n<label>Module <select id=\"module\"><option value=\"\">any module</option>");
    for (m, n) in modules {
        let _ = write!(
            s,
            "<option value=\"{}\">{} ({})</option>",
            esc(&module_value(m)),
            esc(module_label(m)),
            count(*n)
        );
    }
    s.push_str(
        "</select></label>\n<label><input type=\"checkbox\" id=\"breaking\"> Breaking only</label>\n\
<button type=\"button\" id=\"clear\">Clear</button>\n<span id=\"count\" aria-live=\"polite\"></span>\n</nav>\n",
    );
    s
}

/// A section of entries, with its count and the line shown when filters
/// leave none of them.
pub fn section_start(id: &str, title: &str, total: usize) -> String {
    format!(
        "<section class=\"list\" id=\"{id}\" data-total=\"{total}\" aria-labelledby=\"{id}-h\">\n\
<h2 id=\"{id}-h\">{} ({}) <span class=\"shown note\"></span></h2>\n\
<p class=\"none note\" hidden>No entry here matches the search and filters.</p>\n",
        esc(title),
        count(total)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_escapes() {
        assert_eq!(
            anchor("type", "struct kmi_device"),
            "type-struct-kmi_device"
        );
        assert_eq!(anchor("sym", "a<b"), "sym-a_3c_b");
        assert_ne!(anchor("t", "a b"), anchor("t", "a-b"));
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(999), "999");
    }
}

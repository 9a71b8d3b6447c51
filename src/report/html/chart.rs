//! Changed exports per module as a bar chart, drawn in inline SVG: where a
//! release's changes sit is seen at a glance, and a bar links to the module
//! filter.

use super::page::{count, esc, module_label, module_value};
use std::fmt::Write as _;

/// How many modules get a bar; the rest are summed in one line below.
const BARS: usize = 25;

/// One bar: a module and its entries by category (removed, changed, added).
pub struct Bar {
    pub module: String,
    pub parts: [usize; 3],
}

const COLOURS: [&str; 3] = ["#b3261e", "#b86e00", "#1e6b35"];
const NAMES: [&str; 3] = ["removed", "changed", "added"];

/// The chart's section, or nothing when no module has an entry.
pub fn bars(mut bars: Vec<Bar>, title: &str) -> String {
    bars.retain(|b| b.parts.iter().sum::<usize>() > 0);
    if bars.is_empty() {
        return String::new();
    }
    let total = |b: &Bar| b.parts.iter().sum::<usize>();
    bars.sort_by(|x, y| total(y).cmp(&total(x)).then(x.module.cmp(&y.module)));
    let rest: Vec<Bar> = bars.split_off(bars.len().min(BARS));
    let max = bars.iter().map(total).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (170.0, 480.0, 20.0);
    let width = label_w + bar_w + 70.0;
    let height = row_h * bars.len() as f64 + 6.0;
    let mut s = format!(
        "<section id=\"modules\" class=\"chart\" aria-labelledby=\"modules-h\">\n<h2 id=\"modules-h\">{}</h2>\n\
<p class=\"legend\">",
        esc(title)
    );
    for (c, n) in COLOURS.iter().zip(NAMES) {
        let _ = write!(s, "<span style=\"background:{c}\"></span>{n}");
    }
    let _ = write!(
        s,
        "</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"list\" aria-label=\"{}\">\n",
        esc(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 3.0;
        let words: Vec<String> = b
            .parts
            .iter()
            .zip(NAMES)
            .filter(|(n, _)| **n > 0)
            .map(|(n, w)| format!("{} {w}", count(*n)))
            .collect();
        let label = format!("{}: {}", module_label(&b.module), words.join(", "));
        let _ = write!(
            s,
            "<g role=\"listitem\"><a href=\"#module={}\" aria-label=\"{}\"><title>{}</title>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            percent(&module_value(&b.module)),
            esc(&label),
            esc(&label),
            label_w - 6.0,
            y + row_h * 0.65,
            esc(&shorten(module_label(&b.module), 26))
        );
        let mut x = label_w;
        for (n, c) in b.parts.iter().zip(COLOURS) {
            if *n == 0 {
                continue;
            }
            let w = (*n as f64 / max as f64 * bar_w).max(1.5);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{c}\"/>",
                row_h - 5.0
            );
            x += w;
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{}\">{}</text></a></g>",
            x + 5.0,
            y + row_h * 0.65,
            count(total(b))
        );
    }
    s.push_str("</svg>\n");
    if !rest.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"note\">And {} more modules with {} entries between them.</p>",
            count(rest.len()),
            count(rest.iter().map(total).sum())
        );
    }
    s.push_str("</section>\n");
    s
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A module name in a link's fragment, as the script's
/// `decodeURIComponent` reads it back.
fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_links_are_percent_encoded() {
        assert_eq!(super::percent("kmi_a"), "kmi_a");
        assert_eq!(super::percent("a b%\"<é"), "a%20b%25%22%3C%C3%A9");
    }
}

//! libabigail-style text reports.

use super::annotate::{self, Annotation, Annotations};
use super::{Options, Units};
use crate::compare::analysis::Analysis;
use crate::compare::{ChangeKind, Comparison, Detail, DiffId, EdgeStyle, SymDetail, SymbolChange};
use crate::graph::{Symbol, SymbolKind};
use rustc_hash::FxHashSet;
use std::io::{self, Write};

fn q(s: &str) -> String {
    format!("'{s}'")
}

fn crc(c: Option<u32>) -> String {
    c.map(|c| format!("{c:#010x}"))
        .unwrap_or_else(|| "none".into())
}

pub fn detail_line(d: &Detail, u: &Units) -> String {
    match d {
        Detail::SizeChanged { old_bits, new_bits } => {
            format!("type size changed {}", u.from_to(*old_bits, *new_bits))
        }
        Detail::TypeReplaced {
            old,
            new,
            old_bits,
            new_bits,
        } => {
            let mut s = format!("type changed from {} to {}", q(old), q(new));
            if let (Some(a), Some(b)) = (old_bits, new_bits)
                && a != b
            {
                s += &format!(", size {}", u.from_to(*a, *b));
            }
            s
        }
        Detail::MemberAdded {
            name,
            offset_bits,
            ty,
        } => format!(
            "data member {} inserted at offset {}",
            q(&format!("{ty} {name}")),
            u.show(*offset_bits)
        ),
        Detail::MemberRemoved {
            name,
            offset_bits,
            ty,
        } => format!(
            "data member {} removed (was at offset {})",
            q(&format!("{ty} {name}")),
            u.show(*offset_bits)
        ),
        Detail::MemberRenamed {
            old,
            new,
            offset_bits,
        } => format!(
            "data member {} renamed to {} (at offset {})",
            q(old),
            q(new),
            u.show(*offset_bits)
        ),
        Detail::MemberOffsetChanged {
            name,
            old_bits,
            new_bits,
        } => format!(
            "data member {} offset changed {}",
            q(name),
            u.from_to(*old_bits, *new_bits)
        ),
        Detail::BitfieldChanged { name, old, new } => {
            let w = |x: &Option<u64>| match x {
                Some(b) => format!("{b} bits"),
                None => "not a bit-field".into(),
            };
            format!(
                "data member {} bit-field width changed from {} to {}",
                q(name),
                w(old),
                w(new)
            )
        }
        Detail::EnumeratorAdded { name, value } => {
            format!("enumerator {} = {value} added", q(name))
        }
        Detail::EnumeratorRemoved { name, value } => {
            format!("enumerator {} = {value} removed", q(name))
        }
        Detail::EnumeratorChanged { name, old, new } => {
            format!("enumerator {} value changed from {old} to {new}", q(name))
        }
        Detail::ParamAdded { index, ty } => {
            format!("parameter {index} of type {} was added", q(ty))
        }
        Detail::ParamRemoved { index, ty } => {
            format!("parameter {index} of type {} was removed", q(ty))
        }
        Detail::VariadicChanged { now } => {
            if *now {
                "function is now variadic".into()
            } else {
                "function is no longer variadic".into()
            }
        }
        Detail::ArrayCountChanged { old, new } => {
            let c = |x: &Option<u64>| x.map(|v| v.to_string()).unwrap_or_else(|| "unknown".into());
            format!("array element count changed from {} to {}", c(old), c(new))
        }
        Detail::QualifierAdded { qual } => format!("qualifier {} added", q(qual)),
        Detail::QualifierRemoved { qual } => format!("qualifier {} removed", q(qual)),
    }
}

pub fn sym_detail_line(d: &SymDetail) -> String {
    match d {
        SymDetail::CrcChanged { old, new } => {
            format!(
                "CRC (modversions) changed from {} to {}",
                crc(*old),
                crc(*new)
            )
        }
        SymDetail::ExportChanged { now_gpl } => {
            if *now_gpl {
                "export changed from EXPORT_SYMBOL to EXPORT_SYMBOL_GPL".into()
            } else {
                "export changed from EXPORT_SYMBOL_GPL to EXPORT_SYMBOL".into()
            }
        }
        SymDetail::NamespaceChanged { old, new } => {
            format!("symbol namespace changed from {} to {}", q(old), q(new))
        }
        SymDetail::ModuleChanged { old, new } => {
            format!("moved from {} to {} (same type)", q(old), q(new))
        }
        SymDetail::KindChanged { old, new } => {
            format!("symbol changed from {} to {}", old.word(), new.word())
        }
        SymDetail::SizeChanged { old, new } => {
            format!("size of symbol changed from {old} to {new}")
        }
        SymDetail::CrcUnexplained {} => "CRC changed, no type change visible in debug info".into(),
    }
}

/// Spelling of a symbol with its type: "function int f(char *)".
pub fn signature(c: &Comparison<'_>, s: &Symbol, new_side: bool) -> String {
    let g = if new_side { c.b } else { c.a };
    match (s.kind, s.ty) {
        (SymbolKind::Function, Some(t)) => format!("function {}", g.declare(t, &s.name)),
        (SymbolKind::Variable, Some(t)) => format!("variable {}", g.declare(t, &s.name)),
        (k, _) => format!("{} {}", k.word(), s.name),
    }
}

fn header(s: &Symbol) -> String {
    // A baseline without modules (STG's) names none.
    let mut h = if s.module.is_empty() {
        String::new()
    } else {
        format!(" [{}]", s.module)
    };
    if let Some(loc) = &s.location {
        h += &format!(" at {loc}");
    }
    h
}

/// What an entry says of a symbol no debug info describes, rather than
/// print a bare name as if it had no type.
const UNTYPED: &str = "no type information (no debug info or BTF describes this symbol)";

fn untyped(s: &Symbol) -> String {
    if s.ty.is_some() {
        String::new()
    } else {
        format!(", {UNTYPED}")
    }
}

const MAX_DEPTH: usize = 200;

struct Printer<'a, 'g> {
    c: &'a Comparison<'g>,
    u: Units,
    full: bool,
    /// Named types already printed in full (`-f`).
    reported: FxHashSet<DiffId>,
}

impl Printer<'_, '_> {
    /// Lines describing diff `d` from the inside: its details, then its
    /// changed children. In leaf mode, named children are left out (they
    /// are reported as leaf types of their own).
    fn body(&mut self, d: DiffId, indent: usize, path: &mut Vec<DiffId>, out: &mut Vec<String>) {
        if path.contains(&d) {
            return;
        }
        let pad = " ".repeat(indent);
        // A chain of distinct changed types can be thousands deep on a major
        // version bump; past this the lines are unreadable and the recursion
        // would risk the stack.
        if path.len() >= MAX_DEPTH {
            out.push(format!("{pad}... (deeper changes not shown)"));
            return;
        }
        path.push(d);
        // Through a copy of the reference, so the diff is borrowed from the
        // comparison, not from `self`, which the recursion needs mutably.
        let c = self.c;
        let diff = c.diffs.get(d);
        for det in &diff.details {
            out.push(format!("{pad}{}", detail_line(det, &self.u)));
        }
        for (edge, child) in &diff.children {
            if !self.c.is_changed(*child) {
                continue;
            }
            let named = self.c.named(*child);
            let cd = self.c.diffs.get(*child);
            match named {
                Some(name) if !self.full => {
                    let _ = name;
                }
                Some(name) => {
                    if self.reported.contains(child) {
                        out.push(format!(
                            "{pad}{} ({}) changed, as reported earlier",
                            edge.spelled(EdgeStyle::Text),
                            q(&name)
                        ));
                    } else {
                        self.reported.insert(*child);
                        out.push(format!(
                            "{pad}{} ({}) changed:",
                            edge.spelled(EdgeStyle::Text),
                            q(&name)
                        ));
                        self.body(*child, indent + 2, path, out);
                    }
                }
                None => {
                    // One replaced type reads best on one line.
                    if cd.children.is_empty()
                        && let [Detail::TypeReplaced { .. }] = cd.details.as_slice()
                    {
                        let line = detail_line(&cd.details[0], &self.u);
                        out.push(format!(
                            "{pad}{} {}",
                            edge.spelled(EdgeStyle::Text),
                            line.replacen("type ", "", 1)
                        ));
                        continue;
                    }
                    let mut sub = Vec::new();
                    self.body(*child, indent + 2, path, &mut sub);
                    if !sub.is_empty() {
                        out.push(format!(
                            "{pad}{} ({}) changed:",
                            edge.spelled(EdgeStyle::Text),
                            q(&self.c.a.describe(cd.a))
                        ));
                        out.extend(sub);
                    }
                }
            }
        }
        path.pop();
    }

    fn interface(
        &mut self,
        s: &SymbolChange<'_>,
        leaves: &[String],
        notes: &[Annotation],
        w: &mut dyn Write,
    ) -> io::Result<()> {
        writeln!(
            w,
            "  [C] {}{}:",
            q(&signature(self.c, s.old, false)),
            // A baseline without modules (STG's) names none: the other
            // side's module, then.
            header(if s.new.module.is_empty() {
                s.old
            } else {
                s.new
            })
        )?;
        if s.old.ty.is_some()
            && s.new.ty.is_some()
            && signature(self.c, s.old, false) != signature(self.c, s.new, true)
        {
            writeln!(w, "    now {}", q(&signature(self.c, s.new, true)))?;
        }
        match (s.old.ty.is_some(), s.new.ty.is_some()) {
            (true, true) => {}
            (false, false) => writeln!(w, "    {UNTYPED}")?,
            (false, true) => writeln!(w, "    {UNTYPED} in the old kernel")?,
            (true, false) => writeln!(w, "    {UNTYPED} in the new kernel")?,
        }
        for d in &s.details {
            writeln!(w, "    {}", sym_detail_line(d))?;
        }
        if let Some(d) = s.diff {
            let mut out = Vec::new();
            let named = self.c.named(d);
            match (named, self.full) {
                (Some(name), true) => {
                    if self.reported.insert(d) {
                        out.push(format!("    type {} changed:", q(&name)));
                        self.body(d, 6, &mut Vec::new(), &mut out);
                    } else {
                        out.push(format!(
                            "    type {} changed, as reported earlier",
                            q(&name)
                        ));
                    }
                }
                (Some(_), false) => {}
                (None, _) => self.body(d, 4, &mut Vec::new(), &mut out),
            }
            for l in out {
                writeln!(w, "{l}")?;
            }
            if !self.full && !leaves.is_empty() {
                writeln!(
                    w,
                    "    changed through: {}",
                    leaves.iter().map(|l| q(l)).collect::<Vec<_>>().join(", ")
                )?;
            }
        }
        write_notes(notes, "    ", w)?;
        writeln!(w)
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn is_var(s: &Symbol) -> bool {
    s.kind == SymbolKind::Variable
}

fn write_notes(notes: &[Annotation], indent: &str, w: &mut dyn Write) -> io::Result<()> {
    for n in notes {
        writeln!(w, "{indent}{}", n.text())?;
    }
    Ok(())
}

/// After the report: how many interfaces the notes approve, and the rules
/// that matched nothing (printed even when there is no change).
fn write_trailer(c: &Comparison<'_>, notes: &Annotations, w: &mut dyn Write) -> io::Result<()> {
    if !c.is_empty() {
        let total = c.removed.len() + c.added.len() + c.changed_symbols.len();
        writeln!(
            w,
            "Approved changes: {} of {total} interfaces (--allow; they do not set exit bits)\n",
            notes.marked_interfaces()
        )?;
    }
    if !notes.stale.is_empty() {
        writeln!(w, "Stale --allow entries (they match no change):")?;
        for n in &notes.stale {
            writeln!(w, "  {}: {}", n.origin(), n.rule)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The leaf-changes view (libabigail's kmidiff default), or with `full` the
/// whole tree per interface (`-f`).
pub fn write(
    c: &Comparison<'_>,
    a: &Analysis,
    opts: &Options,
    full: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    write_annotated(c, a, opts, full, None, w)
}

/// Like `write`, with each entry's notes under it and their summary after
/// the report.
pub fn write_annotated(
    c: &Comparison<'_>,
    a: &Analysis,
    opts: &Options,
    full: bool,
    notes: Option<&Annotations>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let none = Annotations::default();
    let n = notes.unwrap_or(&none);
    if c.is_empty() {
        if let Some(notes) = notes {
            write_trailer(c, notes, w)?;
        }
        return Ok(());
    }
    let count = |v: &[&Symbol], var: bool| v.iter().filter(|s| is_var(s) == var).count();
    let changed_f = c.changed_symbols.iter().filter(|s| !is_var(s.new)).count();
    let changed_v = c.changed_symbols.len() - changed_f;
    // Symbols with at least one change of each kind, as the vocabulary
    // labels them.
    let unexplained = c.crc_unexplained();
    let symbol_summary: Vec<String> = [
        ChangeKind::CrcChanged,
        ChangeKind::NowGpl,
        ChangeKind::NoLongerGpl,
        ChangeKind::NamespaceChanged,
        ChangeKind::ModuleChanged,
    ]
    .iter()
    .map(|&k| {
        let n = c
            .changed_symbols
            .iter()
            .filter(|s| s.details.iter().any(|d| d.kind() == k))
            .count();
        if k == ChangeKind::CrcChanged && unexplained > 0 {
            format!(
                "{n} {} ({unexplained} with no type change visible in debug info)",
                k.label()
            )
        } else {
            format!("{n} {}", k.label())
        }
    })
    .collect();

    if !full {
        let artifacts = a.leaves.len() + c.removed.len() + c.added.len() + c.changed_symbols.len();
        writeln!(
            w,
            "Leaf changes summary: {} changed",
            plural(artifacts, "artifact")
        )?;
        writeln!(
            w,
            "Changed leaf types summary: {} changed",
            plural(a.leaves.len(), "leaf type")
        )?;
    }
    writeln!(
        w,
        "Removed/Changed/Added functions summary: {} Removed, {} Changed, {} Added {}",
        count(&c.removed, false),
        changed_f,
        count(&c.added, false),
        if count(&c.added, false) == 1 {
            "function"
        } else {
            "functions"
        }
    )?;
    writeln!(
        w,
        "Removed/Changed/Added variables summary: {} Removed, {} Changed, {} Added {}",
        count(&c.removed, true),
        changed_v,
        count(&c.added, true),
        if count(&c.added, true) == 1 {
            "variable"
        } else {
            "variables"
        }
    )?;
    writeln!(w, "Symbol changes summary: {}", symbol_summary.join(", "))?;
    writeln!(w)?;

    for var in [false, true] {
        let kind = if var { "variable" } else { "function" };
        let removed: Vec<_> = (c.removed.iter().enumerate())
            .filter(|(_, s)| is_var(s) == var)
            .collect();
        if !removed.is_empty() {
            writeln!(
                w,
                "{}:\n",
                plural(removed.len(), &format!("Removed {kind}"))
            )?;
            for (i, s) in removed {
                writeln!(
                    w,
                    "  [D] {}{}{}",
                    q(&signature(c, s, false)),
                    header(s),
                    untyped(s)
                )?;
                write_notes(annotate::of(&n.removed, i), "    ", w)?;
            }
            writeln!(w)?;
        }
        let added: Vec<_> = (c.added.iter().enumerate())
            .filter(|(_, s)| is_var(s) == var)
            .collect();
        if !added.is_empty() {
            writeln!(w, "{}:\n", plural(added.len(), &format!("Added {kind}")))?;
            for (i, s) in added {
                let gpl = if s.gpl { " (EXPORT_SYMBOL_GPL)" } else { "" };
                writeln!(
                    w,
                    "  [A] {}{}{gpl}{}",
                    q(&signature(c, s, true)),
                    header(s),
                    untyped(s)
                )?;
                write_notes(annotate::of(&n.added, i), "    ", w)?;
            }
            writeln!(w)?;
        }
    }

    let mut p = Printer {
        c,
        u: opts.units,
        full,
        reported: FxHashSet::default(),
    };
    for var in [false, true] {
        let kind = if var { "variable" } else { "function" };
        let changed: Vec<usize> = (0..c.changed_symbols.len())
            .filter(|&i| is_var(c.changed_symbols[i].new) == var)
            .collect();
        if changed.is_empty() {
            continue;
        }
        writeln!(
            w,
            "{}:\n",
            plural(changed.len(), &format!("Changed {kind}"))
        )?;
        for i in changed {
            p.interface(
                &c.changed_symbols[i],
                &a.leaf_names(i),
                annotate::of(&n.changed, i),
                w,
            )?;
        }
    }

    if !full {
        for (li, l) in a.leaves.iter().enumerate() {
            let loc =
                c.b.files
                    .get(c.diffs.get(l.diff).b.index())
                    .copied()
                    .flatten()
                    .map(|f| format!(" at {}", c.b.str(f)))
                    .unwrap_or_default();
            writeln!(w, "{}{loc} changed:", q(&l.name))?;
            let mut out = Vec::new();
            p.body(l.diff, 2, &mut Vec::new(), &mut out);
            for line in out {
                writeln!(w, "{line}")?;
            }
            writeln!(w, "  {} impacted", plural(l.impacted.len(), "interface"))?;
            if opts.impacted {
                for name in &l.impacted {
                    writeln!(w, "    {name}")?;
                }
            }
            write_notes(annotate::of(&n.leaves, li), "  ", w)?;
            writeln!(w)?;
        }
    }
    if let Some(notes) = notes {
        write_trailer(c, notes, w)?;
    }
    Ok(())
}

//! Building sections from what the reader found: each value checked against
//! its key, with an error naming the file and line, and a warning for a
//! section that parses but does less than it seems to.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;

use super::keys::{self, Key, SectionKind, Status};
use super::read::{RawProp, RawSection, Value};
use super::spec::{
    Boundary, DeclSection, InsertionRange, KindSel, LocationFilter, NameFilter, Reach, TypeSection,
    normalize_path,
};
use crate::compare::ChangeKind;
use crate::error::{Error, Result};

/// Walks a section's properties, rejecting duplicates and keys the table
/// does not have for this section, and giving each supported one to `f`,
/// which returns Ok(false) for a key it does not handle.
fn for_each_prop(
    raw: &RawSection,
    path: &Path,
    mut f: impl FnMut(&Key, &RawProp) -> std::result::Result<bool, String>,
) -> Result<()> {
    let unknown = |p: &RawProp| {
        Error::syntax(
            path,
            p.line,
            format!("unknown key '{}' in [{}]", p.key, raw.kind.name()),
        )
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in &raw.props {
        let Some(def) = keys::lookup(raw.kind, &p.key) else {
            return Err(unknown(p));
        };
        if let Status::Unsupported(why) = def.status {
            return Err(Error::syntax(
                path,
                p.line,
                format!(
                    "property '{}' of [{}] is not supported by kmidiff: {why}",
                    p.key,
                    raw.kind.name()
                ),
            ));
        }
        // An alias and its key are one property.
        if let Some(first) = seen.insert(def.name, p.line) {
            return Err(Error::syntax(
                path,
                p.line,
                format!(
                    "duplicate key '{}' in [{}] (already set on line {first})",
                    p.key,
                    raw.kind.name()
                ),
            ));
        }
        if def.status == Status::Ignored {
            // Ignored, but a broken regex is still a mistake worth reporting.
            regex_value(&p.key, &p.value).map_err(|m| Error::syntax(path, p.line, m))?;
            continue;
        }
        let known = f(def, p).map_err(|m| Error::syntax(path, p.line, m))?;
        if !known {
            return Err(unknown(p));
        }
    }
    Ok(())
}

fn uses_ignored_key(raw: &RawSection) -> bool {
    raw.props
        .iter()
        .any(|p| keys::lookup(raw.kind, &p.key).is_some_and(|k| k.status == Status::Ignored))
}

impl TypeSection {
    pub(super) fn build(raw: &RawSection, path: &Path, warnings: &mut Vec<String>) -> Result<Self> {
        let mut s = TypeSection {
            effective: true,
            kind: None,
            names: NameFilter::default(),
            location: LocationFilter::default(),
            reach: None,
            has_members: Vec::new(),
            has_member_re: None,
            ranges: Vec::new(),
            has_size_change: false,
            changed_enum_names: Vec::new(),
            changed_enum_res: Vec::new(),
            drop: false,
        };
        let mut enum_key = None;
        let mut size_change_given = false;
        for_each_prop(raw, path, |def, p| {
            let (key, v) = (p.key.as_str(), &p.value);
            match def.name {
                // Informative only.
                "label" => {}
                "name" => s.names.exact = Some(single(key, v)?),
                "name_regexp" => s.names.re = Some(regex_value(key, v)?),
                "name_not_regexp" => s.names.not_re = Some(regex_value(key, v)?),
                "type_kind" => {
                    let t = single(key, v)?;
                    let k = KindSel::parse(&t)
                        .ok_or_else(|| format!("bad {key} '{t}': expected {}", def.expected()))?;
                    s.kind = Some(k);
                }
                "source_location_not_in" => {
                    s.location.not_in = list(key, v)?.iter().map(|e| normalize_path(e)).collect();
                }
                "source_location_not_regexp" => s.location.not_re = Some(regex_value(key, v)?),
                "has_data_member" => s.has_members = list(key, v)?,
                "has_data_member_regexp" => s.has_member_re = Some(regex_value(key, v)?),
                "has_data_member_inserted_at" => {
                    let b = boundary(key, &single(key, v)?)?;
                    s.ranges.push(InsertionRange {
                        begin: b,
                        end: Boundary::End,
                    });
                }
                "has_data_member_inserted_between" => s.ranges.push(range(key, v)?),
                "has_data_members_inserted_between" => {
                    let Value::Tuple(items) = v else {
                        return Err(format!(
                            "{key} expects {{{{begin, end}}, ...}}, not '{}'",
                            v.describe()
                        ));
                    };
                    if items.is_empty() {
                        return Err(format!("{key} has no ranges"));
                    }
                    for item in items {
                        s.ranges.push(range(key, item)?);
                    }
                }
                "has_size_change" => {
                    s.has_size_change = yes_no(key, v)?;
                    size_change_given = true;
                }
                "accessed_through" => {
                    let t = single(key, v)?;
                    s.reach = Some(match t.as_str() {
                        "direct" => Reach::Direct,
                        "pointer" => Reach::Pointer,
                        "reference" => Reach::Reference,
                        "reference-or-pointer" => Reach::ReferenceOrPointer,
                        _ => return Err(format!("bad {key} '{t}': expected {}", def.expected())),
                    });
                }
                "changed_enumerators" => {
                    s.changed_enum_names = list(key, v)?;
                    enum_key = Some("changed_enumerators");
                }
                "changed_enumerators_regexp" => {
                    s.changed_enum_res = list(key, v)?
                        .iter()
                        .map(|p| compile(key, p))
                        .collect::<std::result::Result<_, _>>()?;
                    enum_key = Some("changed_enumerators_regexp");
                }
                "drop" => s.drop = yes_no(key, v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;

        let where_ = format!("{}:{}", path.display(), raw.line);
        if let Some(key) = enum_key {
            // libabigail reads changed_enumerators only together with
            // `type_kind = enum` and silently drops it otherwise; a file
            // that relies on it should say so, for both tools.
            if s.kind != Some(KindSel::Enum) {
                let line = raw
                    .props
                    .iter()
                    .find(|p| p.key == key)
                    .map_or(raw.line, |p| p.line);
                return Err(Error::syntax(
                    path,
                    line,
                    format!("'{key}' requires 'type_kind = enum' in the same [suppress_type]"),
                ));
            }
        }

        // libabigail's list of properties without which [suppress_type] is
        // ignored. The file/soname ones count there, but we ignore them, so
        // here they select nothing.
        let selecting = s.kind.is_some() || s.names.is_set() || s.location.is_set();
        if !selecting {
            s.effective = false;
            warnings.push(format!(
                "{where_}: [suppress_type] has none of name, name_regexp, name_not_regexp, \
                 type_kind, source_location_not_in, source_location_not_regexp; it is \
                 ignored (as libabigail does)"
            ));
        }
        // libabigail only honours drop with one of these (not name_not_regexp).
        let drop_selects = s.names.exact.is_some() || s.names.re.is_some() || s.location.is_set();
        if s.drop && s.effective && !drop_selects {
            warnings.push(format!(
                "{where_}: 'drop = yes' needs name, name_regexp or a source_location \
                 property; it has no effect here"
            ));
        } else if s.drop && s.effective && s.has_change_properties() {
            warnings.push(format!(
                "{where_}: 'drop = yes' is ignored because the section also describes \
                 the change (has_data_member*, accessed_through, changed_enumerators*, \
                 has_size_change), which cannot be checked before comparing"
            ));
        }
        if !drop_selects {
            s.drop = false;
        }
        if size_change_given && s.ranges.is_empty() {
            warnings.push(format!(
                "{where_}: has_size_change only affects has_data_member_inserted_* \
                 properties; it has no effect here"
            ));
        }
        if s.kind == Some(KindSel::Reference) {
            warnings.push(format!(
                "{where_}: type_kind = reference never matches: kernel C has no reference types"
            ));
        }
        Ok(s)
    }
}

impl DeclSection {
    pub(super) fn build(raw: &RawSection, path: &Path, warnings: &mut Vec<String>) -> Result<Self> {
        let is_fn = raw.kind == SectionKind::Function;
        let mut s = DeclSection {
            effective: true,
            names: NameFilter::default(),
            symbols: NameFilter::default(),
            change_kind: None,
        };
        let mut has_label = false;
        let mut drop = false;
        let what = if is_fn { "function" } else { "variable" };
        let subtype = format!("{what}-subtype-change");
        let added = format!("added-{what}");
        let deleted = format!("deleted-{what}");
        for_each_prop(raw, path, |def, p| {
            let (key, v) = (p.key.as_str(), &p.value);
            match def.name {
                "label" => has_label = true,
                "name" => s.names.exact = Some(single(key, v)?),
                "name_regexp" => s.names.re = Some(regex_value(key, v)?),
                "name_not_regexp" => s.names.not_re = Some(regex_value(key, v)?),
                "symbol_name" => s.symbols.exact = Some(single(key, v)?),
                "symbol_name_regexp" => s.symbols.re = Some(regex_value(key, v)?),
                "symbol_name_not_regexp" => s.symbols.not_re = Some(regex_value(key, v)?),
                "change_kind" => {
                    let t = single(key, v)?;
                    s.change_kind = match t.as_str() {
                        "all" => None,
                        x if x == subtype => Some(ChangeKind::Changed),
                        x if x == added => Some(ChangeKind::Added),
                        x if x == deleted => Some(ChangeKind::Removed),
                        _ => {
                            return Err(format!(
                                "bad {key} '{t}' in [{}]: expected {}",
                                raw.kind.name(),
                                def.expected()
                            ));
                        }
                    };
                }
                "drop" => drop = yes_no(key, v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;

        let where_ = format!("{}:{}", path.display(), raw.line);
        let selecting = s.names.is_set() || s.symbols.is_set();
        let uses_ignored = uses_ignored_key(raw);
        // libabigail: a label alone is enough, and then the section matches
        // every function (variable) of the given change_kind. A section with
        // neither a label nor a name property is ignored. If the only thing
        // narrowing it was a file/soname property we ignore, matching
        // everything would hide far more than meant, so it selects nothing.
        if !selecting && (uses_ignored || !has_label) {
            s.effective = false;
            let why = if uses_ignored {
                "its only selecting properties are file_name/soname ones, which kmidiff ignores"
            } else {
                "it has no label, name or symbol_name property (libabigail ignores it too)"
            };
            warnings.push(format!(
                "{where_}: [{}] selects nothing: {why}",
                raw.kind.name()
            ));
        }
        // What libabigail would drop is already hidden by the section, so
        // drop only earns the warnings libabigail's rules call for. Dropping
        // happens before any change is known, which is why a change_kind
        // restriction voids it.
        if drop && s.effective && !selecting {
            warnings.push(format!(
                "{where_}: 'drop = yes' needs a name or symbol_name property; it has no effect here"
            ));
        } else if drop && s.effective && s.change_kind.is_some() {
            warnings.push(format!(
                "{where_}: 'drop = yes' is ignored because change_kind restricts the section"
            ));
        }
        Ok(s)
    }
}

fn single(key: &str, v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::Str(s) if s.is_empty() => Err(format!("'{key}' has an empty value")),
        Value::Str(s) => Ok(s.clone()),
        Value::List(_) => Err(format!(
            "'{key}' takes a single value, not a comma-separated list \
             (escape a literal comma as '\\,' or quote the value)"
        )),
        Value::Tuple(_) => Err(format!("'{key}' takes a single value, not a {{tuple}}")),
    }
}

/// A comma-separated list; `{a, b}` and a lone value are accepted too, as
/// libabigail does for has_data_member.
fn list(key: &str, v: &Value) -> std::result::Result<Vec<String>, String> {
    let items = match v {
        Value::Str(s) => vec![s.clone()],
        Value::List(l) => l.clone(),
        Value::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(format!(
                    "'{key}' expects a list of names, not nested tuples"
                )),
            })
            .collect::<std::result::Result<_, _>>()?,
    };
    if items.is_empty() || items.iter().any(|i| i.is_empty()) {
        return Err(format!("'{key}' has an empty value"));
    }
    Ok(items)
}

fn yes_no(key: &str, v: &Value) -> std::result::Result<bool, String> {
    match single(key, v)?.as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        t => Err(format!("bad value '{t}' for '{key}': expected yes or no")),
    }
}

fn compile(key: &str, pattern: &str) -> std::result::Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        // regex's messages span several lines with a caret diagram; keep
        // the one that says what is wrong.
        let text = e.to_string();
        let reason = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map(str::to_string)
            .unwrap_or_else(|| text.lines().map(str::trim).collect::<Vec<_>>().join(" "));
        format!("bad regular expression '{pattern}' for '{key}': {reason}")
    })
}

fn regex_value(key: &str, v: &Value) -> std::result::Result<Regex, String> {
    compile(key, &single(key, v)?)
}

fn range(key: &str, v: &Value) -> std::result::Result<InsertionRange, String> {
    let pair = match v {
        Value::Tuple(items) => items,
        _ => {
            return Err(format!(
                "{key} expects {{begin, end}}, not '{}'",
                v.describe()
            ));
        }
    };
    match pair.as_slice() {
        [Value::Str(b), Value::Str(e)] => Ok(InsertionRange {
            begin: boundary(key, b)?,
            end: boundary(key, e)?,
        }),
        _ => Err(format!(
            "{key} expects a range of two offsets {{begin, end}}, not '{}'",
            v.describe()
        )),
    }
}

fn boundary(key: &str, s: &str) -> std::result::Result<Boundary, String> {
    let s = s.trim();
    if s == "end" {
        return Ok(Boundary::End);
    }
    if s == "offset_of_flexible_array_data_member" {
        return Err(format!(
            "'{s}' in '{key}' is not supported by kmidiff: flexible array members are \
             not identified"
        ));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return s.parse::<u64>().map(Boundary::Bits).map_err(|_| {
            format!("bad integer '{s}' in '{key}': expected a bit offset in decimal")
        });
    }
    if let Some(open) = s.find('(') {
        let func = s.get(..open).unwrap_or("").trim();
        let rest = s.get(open + 1..).unwrap_or("");
        let Some(arg) = rest.strip_suffix(')') else {
            return Err(format!(
                "bad offset expression '{s}' in '{key}': missing ')'"
            ));
        };
        let arg = arg.trim();
        if arg.is_empty()
            || arg.contains(['(', ')'])
            || (arg.contains(',') && !func.ends_with("regexp"))
        {
            return Err(format!(
                "bad offset expression '{s}' in '{key}': expected one argument"
            ));
        }
        return match func {
            "offset_of" => Ok(Boundary::OffsetOf(arg.to_string())),
            "offset_after" => Ok(Boundary::OffsetAfter(arg.to_string())),
            "offset_of_first_data_member_regexp" => Ok(Boundary::FirstMatching(compile(key, arg)?)),
            "offset_of_last_data_member_regexp" => Ok(Boundary::LastMatching(compile(key, arg)?)),
            _ => Err(format!(
                "unknown function '{func}' in '{key}': expected offset_of, offset_after, \
                 offset_of_first_data_member_regexp or offset_of_last_data_member_regexp"
            )),
        };
    }
    Err(format!(
        "bad offset '{s}' in '{key}': expected a bit offset, end, offset_of(member) or \
         offset_after(member)"
    ))
}

//! The key table against the builders, the help text and the README.

use super::*;
use crate::filter::suppr::keys::{KEYS, Key, Shape, Status};
use std::collections::BTreeSet;

fn spellings_in(kind: SectionKind, status: fn(Status) -> bool) -> BTreeSet<&'static str> {
    KEYS.iter()
        .filter(|k| k.sections.contains(&kind) && status(k.status))
        .flat_map(Key::spellings)
        .collect()
}

/// Values of this shape the builders must accept.
fn samples(shape: Shape) -> Vec<&'static str> {
    match shape {
        Shape::Text => vec!["some text", "a, b", "{a, b}"],
        Shape::Name => vec!["x"],
        Shape::Names => vec!["x", "x, y", "{x, y}"],
        Shape::Files => vec!["a.h", "include/a.h, b.h"],
        Shape::Regex => vec!["^x$"],
        Shape::Regexes => vec!["^x$", "^x, y$"],
        Shape::YesNo => vec!["yes", "no", "true", "false"],
        Shape::Choice(words) => words.to_vec(),
        Shape::Offset => vec![
            "8",
            "end",
            "offset_of(m)",
            "offset_after(m)",
            "offset_of_first_data_member_regexp(^m)",
            "offset_of_last_data_member_regexp(^m)",
        ],
        Shape::Range => vec!["{0, end}", "{offset_after(a), offset_of(b)}"],
        Shape::Ranges => vec!["{{0, 8}, {16, end}}", "{{0, end}}"],
    }
}

/// A section of `kind` with `key = value` and whatever else it needs to be
/// valid (changed_enumerators wants type_kind = enum).
fn section(kind: SectionKind, key: &str, value: &str) -> String {
    let other = match kind {
        SectionKind::Type if key == "type_kind" => "name = T",
        SectionKind::Type => "type_kind = enum",
        _ if key == "label" => "name = f",
        _ => "label = l",
    };
    format!("[{}]\n{other}\n{key} = {value}\n", kind.name())
}

#[test]
fn one_row_per_key_and_section() {
    for kind in SectionKind::ALL {
        let mut seen = BTreeSet::new();
        for k in KEYS.iter().filter(|k| k.sections.contains(&kind)) {
            for s in k.spellings() {
                assert!(seen.insert(s), "{s} twice in [{}]", kind.name());
            }
        }
    }
    for k in KEYS {
        assert!(!k.sections.is_empty(), "{} is in no section", k.name);
        assert!(!k.help.is_empty(), "{} has no help", k.name);
        if k.status == Status::Ignored {
            // The builders check an ignored key's value as a regex.
            assert_eq!(k.shape, Shape::Regex, "{}", k.name);
        }
    }
}

#[test]
fn every_supported_key_is_built() {
    for k in KEYS {
        if let Status::Unsupported(_) = k.status {
            continue;
        }
        for &kind in k.sections {
            for key in k.spellings() {
                for value in samples(k.shape) {
                    let text = section(kind, key, value);
                    if let Err(e) = Suppressions::parse(&text, Path::new(FILE)) {
                        panic!("{text:?}: {e}");
                    }
                }
                // The shape says whether a list is one value or several.
                let (line, msg) =
                    match Suppressions::parse(&section(kind, key, "a, b"), Path::new(FILE)) {
                        Ok(_) => (0, String::new()),
                        Err(Error::Syntax { line, msg, .. }) => (line, msg),
                        Err(e) => panic!("{e}"),
                    };
                match k.shape {
                    Shape::Name
                    | Shape::Regex
                    | Shape::YesNo
                    | Shape::Choice(_)
                    | Shape::Offset => {
                        assert_eq!(line, 3, "{key} in [{}]", kind.name());
                        assert!(msg.contains("takes a single value"), "{key}: {msg}");
                    }
                    Shape::Text | Shape::Names | Shape::Files | Shape::Regexes => {
                        assert_eq!(line, 0, "{key} in [{}]: {msg}", kind.name());
                    }
                    Shape::Range | Shape::Ranges => {
                        assert!(msg.contains("expects {"), "{key}: {msg}");
                    }
                }
            }
        }
    }
}

#[test]
fn unsupported_keys_are_refused_with_the_reason() {
    for k in KEYS {
        let Status::Unsupported(why) = k.status else {
            continue;
        };
        for &kind in k.sections {
            let (line, msg) = syntax_err(&section(kind, k.name, "x"));
            assert_eq!(line, 3);
            assert_eq!(
                msg,
                format!(
                    "property '{}' of [{}] is not supported by kmidiff: {why}",
                    k.name,
                    kind.name()
                )
            );
        }
    }
}

#[test]
fn keys_outside_their_sections_are_unknown() {
    for k in KEYS {
        for kind in SectionKind::ALL {
            let elsewhere = KEYS
                .iter()
                .any(|o| o.name == k.name && o.sections.contains(&kind));
            if elsewhere {
                continue;
            }
            let (line, msg) = syntax_err(&section(kind, k.name, "x"));
            assert_eq!(line, 3);
            assert_eq!(
                msg,
                format!("unknown key '{}' in [{}]", k.name, kind.name())
            );
        }
    }
}

#[test]
fn bad_choices_list_the_table_words() {
    let cases = [
        (
            "[suppress_type]\ntype_kind = klass\n",
            "bad type_kind 'klass': expected struct, class, union, enum, typedef, array, \
             pointer, reference, function, builtin or basic",
        ),
        (
            "[suppress_type]\nname = x\naccessed_through = value\n",
            "bad accessed_through 'value': expected direct, pointer, reference or \
             reference-or-pointer",
        ),
        (
            "[suppress_function]\nname = f\nchange_kind = removed\n",
            "bad change_kind 'removed' in [suppress_function]: expected \
             function-subtype-change, added-function, deleted-function or all",
        ),
        (
            "[suppress_variable]\nname = v\nchange_kind = added-function\n",
            "bad change_kind 'added-function' in [suppress_variable]: expected \
             variable-subtype-change, added-variable, deleted-variable or all",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(syntax_err(text).1, want);
    }
}

#[test]
fn keys_help_lists_every_key() {
    let help = Suppressions::keys_help();
    for kind in SectionKind::ALL {
        assert!(help.contains(&format!("[{}]", kind.name())));
    }
    for k in KEYS {
        for s in k.spellings() {
            assert!(help.contains(s), "keys_help lacks {s}");
        }
        if let Shape::Choice(words) = k.shape {
            for w in words {
                assert!(help.contains(w), "keys_help lacks {w}");
            }
        }
        if let Status::Unsupported(why) = k.status {
            // Wrapped in its column, maybe.
            let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(why), "keys_help lacks {why}");
        }
    }
    for word in [
        "offset_of(",
        "offset_after(",
        "offset_of_first_data_member_regexp(",
        "offset_of_last_data_member_regexp(",
        "end",
        "offset_of_flexible_array_data_member",
        "[suppress_file]",
        "[allow_type]",
    ] {
        assert!(help.contains(word), "keys_help lacks {word}");
    }
}

/// README.md's "Suppressions" section: one bullet per section kind (or
/// several kinds sharing a list) naming its supported keys, and one bullet
/// starting "Accepted and ignored" naming the ignored keys. Keys are the
/// backquoted words; values and offsets are written without backquotes.
#[test]
fn readme_lists_exactly_the_supported_and_ignored_keys() {
    let readme = include_str!("../../../../README.md");
    let start = readme
        .find("### Suppressions")
        .expect("README has a Suppressions section");
    let body = &readme[start..];
    let end = body
        .get(4..)
        .and_then(|b| b.find("\n#"))
        .map_or(body.len(), |i| i + 4);
    let body = &body[..end];

    let mut bullets: Vec<String> = Vec::new();
    let mut open = false;
    for line in body.lines() {
        if let Some(b) = line.strip_prefix("- ") {
            bullets.push(b.to_string());
            open = true;
        } else if open && line.starts_with("  ") {
            if let Some(last) = bullets.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            open = false;
        }
    }
    let quoted = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };

    let mut covered = BTreeSet::new();
    let mut ignored_listed = false;
    for b in &bullets {
        let words = quoted(b);
        let keys: BTreeSet<&str> = words
            .iter()
            .filter(|w| !w.starts_with('['))
            .map(String::as_str)
            .collect();
        let kinds: Vec<SectionKind> = words
            .iter()
            .filter_map(|w| {
                SectionKind::ALL
                    .into_iter()
                    .find(|k| *w == format!("[{}]", k.name()))
            })
            .collect();
        if b.starts_with("Accepted and ignored") {
            for kind in SectionKind::ALL {
                assert_eq!(
                    keys,
                    spellings_in(kind, |s| s == Status::Ignored),
                    "README's ignored keys for [{}]",
                    kind.name()
                );
            }
            ignored_listed = true;
        }
        for kind in kinds {
            assert_eq!(
                keys,
                spellings_in(kind, |s| s == Status::Supported),
                "README's keys for [{}]",
                kind.name()
            );
            covered.insert(kind.name());
        }
    }
    assert!(ignored_listed, "README lists no ignored keys");
    assert_eq!(
        covered.len(),
        SectionKind::ALL.len(),
        "README covers {covered:?}"
    );

    // Any other key the section names (an unsupported one, say) is in the
    // table too.
    for w in quoted(body) {
        if !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            assert!(
                KEYS.iter().any(|k| k.spellings().any(|s| s == w)),
                "README names '{w}', which is not in the key table"
            );
        }
    }
}

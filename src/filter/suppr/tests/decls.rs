use super::*;

#[test]
fn function_name_properties() {
    let s = parse("[suppress_function]\nname = kfree\n");
    assert!(s.suppresses_function("kfree", ChangeKind::Changed));
    assert!(!s.suppresses_function("kfree_skb", ChangeKind::Changed));

    let s = parse("[suppress_function]\nname_regexp = ^__\n");
    assert!(s.suppresses_function("__foo", ChangeKind::Added));
    assert!(!s.suppresses_function("foo", ChangeKind::Added));

    let s = parse("[suppress_function]\nname_not_regexp = ^(kmalloc|kfree)$\n");
    assert!(s.suppresses_function("other", ChangeKind::Removed));
    assert!(!s.suppresses_function("kfree", ChangeKind::Removed));
}

#[test]
fn function_symbol_properties() {
    let s = parse("[suppress_function]\nsymbol_name = kfree\n");
    assert!(s.suppresses_function("kfree", ChangeKind::Added));
    assert!(!s.suppresses_function("kmalloc", ChangeKind::Added));

    let s = parse("[suppress_function]\nsymbol_name_regexp = ^trace_\n");
    assert!(s.suppresses_function("trace_x", ChangeKind::Added));
    assert!(!s.suppresses_function("x_trace", ChangeKind::Added));

    let s = parse("[suppress_function]\nsymbol_name_not_regexp = ^keep_\n");
    assert!(s.suppresses_function("drop_me", ChangeKind::Added));
    assert!(!s.suppresses_function("keep_me", ChangeKind::Added));

    // name and symbol_name see the same kernel name; both must match.
    let s = parse("[suppress_function]\nname = a\nsymbol_name = b\n");
    assert!(!s.suppresses_function("a", ChangeKind::Added));
    assert!(!s.suppresses_function("b", ChangeKind::Added));
}

#[test]
fn function_change_kinds() {
    let kinds = [ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed];
    let cases = [
        ("function-subtype-change", [true, false, false]),
        ("added-function", [false, true, false]),
        ("deleted-function", [false, false, true]),
        ("all", [true, true, true]),
    ];
    for (value, expect) in cases {
        let s = parse(&format!(
            "[suppress_function]\nname = f\nchange_kind = {value}\n"
        ));
        assert_eq!(
            kinds.map(|k| s.suppresses_function("f", k)),
            expect,
            "{value}"
        );
        // Function sections never touch variables.
        assert!(!s.suppresses_variable("f", ChangeKind::Added));
    }
}

#[test]
fn variable_change_kinds_and_names() {
    let kinds = [ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed];
    let cases = [
        ("variable-subtype-change", [true, false, false]),
        ("added-variable", [false, true, false]),
        ("deleted-variable", [false, false, true]),
        ("all", [true, true, true]),
    ];
    for (value, expect) in cases {
        let s = parse(&format!(
            "[suppress_variable]\nname_regexp = ^jiffies\nchange_kind = {value}\n"
        ));
        assert_eq!(
            kinds.map(|k| s.suppresses_variable("jiffies_64", k)),
            expect,
            "{value}"
        );
        assert!(!s.suppresses_variable("other", ChangeKind::Added));
        assert!(!s.suppresses_function("jiffies_64", ChangeKind::Added));
    }
    let s = parse(
        "[suppress_variable]\nname = v\nsymbol_name_regexp = ^v$\nname_not_regexp = w\nsymbol_name = v\nsymbol_name_not_regexp = x\n",
    );
    assert!(s.suppresses_variable("v", ChangeKind::Removed));
    assert!(!s.suppresses_variable("w", ChangeKind::Removed));
}

#[test]
fn label_only_decl_section_matches_everything_of_its_kind() {
    let s =
        parse("[suppress_function]\nlabel = all added functions\nchange_kind = added-function\n");
    assert!(!s.is_empty());
    assert!(s.suppresses_function("anything", ChangeKind::Added));
    assert!(!s.suppresses_function("anything", ChangeKind::Removed));
    assert!(!s.suppresses_variable("anything", ChangeKind::Added));
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    let s = parse("[suppress_variable]\nlabel = every variable\n");
    for k in [ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed] {
        assert!(s.suppresses_variable("v", k));
        assert!(!s.suppresses_function("v", k));
    }
}

#[test]
fn decl_section_without_label_or_name_is_ignored() {
    let s = parse(
        "[suppress_function]\nchange_kind = added-function\n[suppress_variable]\ndrop = yes\n",
    );
    assert!(s.is_empty());
    assert!(!s.suppresses_function("f", ChangeKind::Added));
    assert!(!s.suppresses_variable("v", ChangeKind::Added));
    assert_eq!(s.warnings().len(), 2);
}

#[test]
fn drop_in_functions_and_variables() {
    // Nothing is dropped from the model: the section hides every change to
    // what it names, which is all libabigail's drop would show.
    let s = parse(
        "[suppress_function]\nname_regexp = ^__\ndrop = yes\n[suppress_variable]\nsymbol_name = v\ndrop_artifact = yes\n",
    );
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    for k in [ChangeKind::Changed, ChangeKind::Added, ChangeKind::Removed] {
        assert!(s.suppresses_function("__x", k));
        assert!(!s.suppresses_function("x", k));
        assert!(s.suppresses_variable("v", k));
        assert!(!s.suppresses_variable("__x", k));
    }
    // Restricted to a change kind: must not drop, and says so.
    let s = parse("[suppress_function]\nname = f\nchange_kind = added-function\ndrop = yes\n");
    assert_eq!(
        s.warnings(),
        ["test.suppr:1: 'drop = yes' is ignored because change_kind restricts the section"]
    );
    assert!(s.suppresses_function("f", ChangeKind::Added));
    assert!(!s.suppresses_function("f", ChangeKind::Removed));
    // A label alone cannot drop, but still matches everything.
    let s = parse("[suppress_function]\nlabel = l\ndrop = yes\n");
    assert_eq!(
        s.warnings(),
        ["test.suppr:1: 'drop = yes' needs a name or symbol_name property; it has no effect here"]
    );
    assert!(s.suppresses_function("f", ChangeKind::Removed));
}

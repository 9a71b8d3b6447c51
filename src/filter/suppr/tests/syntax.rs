use super::*;

#[test]
fn empty_and_comment_only_files_are_empty() {
    assert!(parse("").is_empty());
    assert!(parse("\n# comment\n; other comment\n   \n").is_empty());
}

#[test]
fn comments_blank_lines_crlf_and_inline_comments() {
    let s = parse(
        "# header comment\r\n\r\n[suppress_type] # trailing\r\n  ; indented comment\r\n  name = foo # inline\r\n",
    );
    assert!(s.hides(&ty(TypeKind::Struct, "foo")));
    assert!(!s.hides(&ty(TypeKind::Struct, "foo # inline")));
}

#[test]
fn quoted_values_keep_delimiters() {
    let s = parse("[suppress_type]\n name_regexp = \"^a{1,2}b$\"\n");
    assert!(s.hides(&ty(TypeKind::Struct, "aab")));
    assert!(!s.hides(&ty(TypeKind::Struct, "aaab")));
    let text = "[suppress_function]\n name = \"foo\" ; comment\n label = \"a, b; c\"\n";
    assert!(parse(text).suppresses_function("foo", ChangeKind::Added));
    let sections = raw(text);
    let values: Vec<&Value> = sections[0].props.iter().map(|p| &p.value).collect();
    assert_eq!(
        values,
        [&Value::Str("foo".into()), &Value::Str("a, b; c".into())]
    );
}

#[test]
fn escapes_follow_libabigail() {
    // `\\.` reaches the regex engine as `\.`: a literal dot.
    let s = parse("[suppress_type]\n name_regexp = ^a\\\\.b$\n");
    assert!(s.hides(&ty(TypeKind::Struct, "a.b")));
    assert!(!s.hides(&ty(TypeKind::Struct, "axb")));
    // A single backslash only escapes for the INI reader.
    let s = parse("[suppress_type]\n name_regexp = ^a\\.b$\n");
    assert!(s.hides(&ty(TypeKind::Struct, "axb")));
    // Escaped delimiters are literal.
    let s = parse("[suppress_type]\n name_regexp = ^a\\{2\\,3\\}\\#$\n");
    assert!(s.hides(&ty(TypeKind::Struct, "aa#")));
}

#[test]
fn continuation_lines_join() {
    let s = parse("[suppress_function]\n name_regexp = ^foo\\\n_bar$\n");
    assert!(s.suppresses_function("foo_bar", ChangeKind::Added));
}

#[test]
fn tuples_may_span_lines() {
    let text = "[suppress_type]\n  name = S\n  has_size_change = yes\n  has_data_members_inserted_between =\n    {\n      {offset_after(m0), offset_of(m1)},  # padding\n      {64, end}\n    }\n  label = after\n";
    let s = parse(text);
    let ins = [m("a", 8, 8), m("b", 64, 8)];
    assert!(s.hides(&insertion(&ins, 64, 96)));
    // The tuple ends where its braces do: `label` is a property of its own.
    let sections = raw(text);
    let props: Vec<(&str, usize)> = sections[0]
        .props
        .iter()
        .map(|p| (p.key.as_str(), p.line))
        .collect();
    assert_eq!(
        props,
        [
            ("name", 2),
            ("has_size_change", 3),
            ("has_data_members_inserted_between", 4),
            ("label", 9)
        ]
    );
    assert_eq!(sections[0].props[3].value, Value::Str("after".into()));
}

#[test]
fn value_parser_shapes() {
    assert_eq!(parse_value(" a "), Ok(Value::Str("a".into())));
    assert_eq!(
        parse_value("a, b ,c"),
        Ok(Value::List(vec!["a".into(), "b".into(), "c".into()]))
    );
    assert_eq!(
        parse_value("{a, {1, end}}"),
        Ok(Value::Tuple(vec![
            Value::Str("a".into()),
            Value::Tuple(vec![Value::Str("1".into()), Value::Str("end".into())])
        ]))
    );
    assert_eq!(parse_value("[x] = y"), Ok(Value::Str("[x] = y".into())));
    assert!(parse_value("").is_err());
    assert!(parse_value("a,,b").is_err());
    assert!(parse_value("{a").is_err());
    assert!(parse_value("{a} b").is_err());
    assert!(parse_value("\"a").is_err());
    assert!(parse_value("\"a\" b").is_err());
}

#[test]
fn error_unknown_section() {
    assert_err(
        "\n[suppress_everything]\nname = x\n",
        2,
        "unknown section [suppress_everything]",
    );
}

#[test]
fn error_unsupported_sections() {
    assert_err(
        "[suppress_file]\nfile_name_regexp = x\n",
        1,
        "[suppress_file] is not supported",
    );
    assert_err(
        "[allow_type]\nname = x\n",
        1,
        "[allow_type] is not supported",
    );
}

#[test]
fn error_malformed_section_headers() {
    assert_err("[suppress_type\nname = x\n", 1, "missing ']'");
    assert_err("[suppress_type] name = x\n", 1, "unexpected text");
    assert_err("[]\n", 1, "empty section name");
}

#[test]
fn error_unknown_key() {
    assert_err(
        "[suppress_type]\nname = x\nfoo = 1\n",
        3,
        "unknown key 'foo' in [suppress_type]",
    );
    assert_err(
        "[suppress_function]\nsize = 1\n",
        2,
        "unknown key 'size' in [suppress_function]",
    );
    // has_data_member is a type property, not a variable one.
    assert_err(
        "[suppress_variable]\nhas_data_member = x\n",
        2,
        "unknown key 'has_data_member' in [suppress_variable]",
    );
}

#[test]
fn error_key_outside_section() {
    assert_err(
        "# c\nname = x\n[suppress_type]\n",
        2,
        "outside of any section",
    );
}

#[test]
fn error_malformed_lines() {
    assert_err("[suppress_type]\nname x\n", 2, "malformed line");
    assert_err("[suppress_type]\nmy name = x\n", 2, "malformed line");
    assert_err("[suppress_type]\n= x\n", 2, "malformed line");
    assert_err("[suppress_type]\nname =\n", 2, "missing value");
    assert_err("[suppress_type]\nname = # nothing\n", 2, "missing value");
    assert_err("[suppress_type]\nname = \"\"\n", 2, "empty value");
    assert_err("[suppress_type]\nname = a,,b\n", 2, "empty element");
    assert_err(
        "[suppress_type]\nname = \"abc\n",
        2,
        "unterminated quoted string",
    );
    assert_err("[suppress_type]\nname = {a} b\n", 2, "unexpected 'b'");
    assert_err(
        "[suppress_type]\nname = S\nhas_data_member_inserted_between = {1,\n  2\n",
        3,
        "unterminated '{'",
    );
}

#[test]
fn error_single_value_keys_reject_lists() {
    assert_err("[suppress_type]\nname = a, b\n", 2, "takes a single value");
    assert_err(
        "[suppress_function]\nname = {a}\n",
        2,
        "takes a single value",
    );
}

#[test]
fn error_bad_regexes_name_key_and_line() {
    assert_err(
        "[suppress_type]\nname_regexp = (\n",
        2,
        "bad regular expression '(' for 'name_regexp'",
    );
    assert_err(
        "[suppress_type]\nname_not_regexp = [a\n",
        2,
        "name_not_regexp",
    );
    assert_err(
        "[suppress_type]\nname = x\nsource_location_not_regexp = *x\n",
        3,
        "source_location_not_regexp",
    );
    assert_err(
        "[suppress_type]\nname = x\nhas_data_member_regexp = (\n",
        3,
        "has_data_member_regexp",
    );
    assert_err(
        "[suppress_type]\ntype_kind = enum\nchanged_enumerators_regexp = ok, (\n",
        3,
        "changed_enumerators_regexp",
    );
    assert_err(
        "[suppress_function]\nsymbol_name_regexp = (\n",
        2,
        "symbol_name_regexp",
    );
    assert_err(
        "[suppress_variable]\nsymbol_name_not_regexp = (\n",
        2,
        "symbol_name_not_regexp",
    );
    assert_err(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of_first_data_member_regexp([)\n",
        3,
        "bad regular expression",
    );
    // The message is one line, without regex's caret diagram.
    let (_, msg) = syntax_err("[suppress_type]\nname_regexp = a(\n");
    assert!(!msg.contains('\n'), "{msg:?}");
}

#[test]
fn error_bad_integers_and_offsets() {
    let base = "[suppress_type]\nname = S\n";
    assert_err(
        &format!("{base}has_data_member_inserted_at = 0x40\n"),
        3,
        "bad integer '0x40'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = 12abc\n"),
        3,
        "bad integer '12abc'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = 99999999999999999999999\n"),
        3,
        "bad integer",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = -1\n"),
        3,
        "bad offset '-1'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = middle\n"),
        3,
        "bad offset 'middle'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = size_of(x)\n"),
        3,
        "unknown function 'size_of'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = offset_of(x\n"),
        3,
        "missing ')'",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = offset_of()\n"),
        3,
        "expected one argument",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_at = offset_of_flexible_array_data_member\n"),
        3,
        "not supported",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_between = {{1, 2, 3}}\n"),
        3,
        "two offsets",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_between = 1\n"),
        3,
        "expects {begin, end}",
    );
    assert_err(
        &format!("{base}has_data_member_inserted_between = {{1, x}}\n"),
        3,
        "bad offset 'x'",
    );
    assert_err(
        &format!("{base}has_data_members_inserted_between = {{1, 2}}\n"),
        3,
        "expects {begin, end}",
    );
    assert_err(
        &format!("{base}has_data_members_inserted_between = {{}}\n"),
        3,
        "no ranges",
    );
    assert_err(
        &format!("{base}has_data_members_inserted_between = 5\n"),
        3,
        "expects {{begin, end}, ...}",
    );
}

#[test]
fn error_bad_enumerated_values() {
    assert_err(
        "[suppress_type]\ntype_kind = klass\n",
        2,
        "bad type_kind 'klass'",
    );
    assert_err(
        "[suppress_type]\nname = x\naccessed_through = value\n",
        3,
        "bad accessed_through 'value'",
    );
    assert_err(
        "[suppress_type]\nname = x\ndrop = maybe\n",
        3,
        "bad value 'maybe' for 'drop'",
    );
    assert_err(
        "[suppress_type]\nname = x\nhas_size_change = 1\n",
        3,
        "expected yes or no",
    );
    assert_err(
        "[suppress_function]\nname = f\nchange_kind = removed\n",
        3,
        "bad change_kind 'removed'",
    );
    assert_err(
        "[suppress_function]\nname = f\nchange_kind = added-variable\n",
        3,
        "bad change_kind 'added-variable' in [suppress_function]",
    );
    assert_err(
        "[suppress_variable]\nname = v\nchange_kind = function-subtype-change\n",
        3,
        "in [suppress_variable]",
    );
}

#[test]
fn error_unsupported_libabigail_properties() {
    for key in [
        "parameter",
        "return_type_name",
        "return_type_regexp",
        "symbol_version",
        "symbol_version_regexp",
        "allow_other_aliases",
    ] {
        assert_err(
            &format!("[suppress_function]\nname = f\n{key} = x\n"),
            3,
            &format!("property '{key}' of [suppress_function] is not supported"),
        );
    }
    for key in [
        "type_name",
        "type_name_regexp",
        "symbol_version",
        "symbol_version_regexp",
    ] {
        assert_err(
            &format!("[suppress_variable]\nname = v\n{key} = x\n"),
            3,
            &format!("property '{key}' of [suppress_variable] is not supported"),
        );
    }
    assert_err(
        "[suppress_type]\nname = S\nhas_strict_flexible_array_data_member_conversion = yes\n",
        3,
        "not supported",
    );
}

#[test]
fn repeated_unsupported_key_says_unsupported() {
    assert_err(
        "[suppress_function]\nname = f\nparameter = '0 int\nparameter = '1 char\n",
        3,
        "not supported",
    );
}

#[test]
fn error_duplicate_keys() {
    assert_err(
        "[suppress_type]\nname = a\nname = b\n",
        3,
        "duplicate key 'name'",
    );
    assert_err(
        "[suppress_type]\nname = a\ndrop = yes\ndrop_artifact = no\n",
        4,
        "already set on line 3",
    );
    // The same key in two sections is fine.
    parse("[suppress_type]\nname = a\n[suppress_type]\nname = b\n");
}

#[test]
fn error_changed_enumerators_needs_enum_kind() {
    assert_err(
        "[suppress_type]\nname = e\nchanged_enumerators = A\n",
        3,
        "requires 'type_kind = enum'",
    );
    assert_err(
        "[suppress_type]\ntype_kind = struct\nchanged_enumerators_regexp = A\n",
        3,
        "requires 'type_kind = enum'",
    );
}

#[test]
fn ignored_file_and_soname_keys_are_accepted() {
    let s = parse(
        "[suppress_type]\nname = S\nfile_name_regexp = vmlinux\nfile_name_not_regexp = x\nsoname_regexp = y\nsoname_not_regexp = z\n\
         [suppress_function]\nname = f\nsoname_regexp = y\n\
         [suppress_variable]\nname = v\nfile_name_regexp = y\n",
    );
    assert!(s.hides(&ty(TypeKind::Struct, "S")));
    assert!(s.suppresses_function("f", ChangeKind::Added));
    assert!(s.suppresses_variable("v", ChangeKind::Added));
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
}

#[test]
fn ignored_keys_still_need_valid_regexes() {
    assert_err(
        "[suppress_type]\nname = S\nsoname_regexp = (\n",
        3,
        "bad regular expression '(' for 'soname_regexp'",
    );
    assert_err(
        "[suppress_function]\nname = f\nfile_name_regexp = a, b\n",
        3,
        "single value",
    );
}

#[test]
fn sections_with_only_ignored_selectors_select_nothing() {
    let s = parse(
        "[suppress_type]\nfile_name_regexp = x\n[suppress_function]\nlabel = l\nsoname_regexp = x\n",
    );
    assert!(s.is_empty());
    assert!(!s.hides(&ty(TypeKind::Struct, "S")));
    assert!(!s.suppresses_function("f", ChangeKind::Added));
    assert_eq!(s.warnings().len(), 2);
    assert!(s.warnings()[0].starts_with("test.suppr:1: "));
    assert!(s.warnings()[1].starts_with("test.suppr:3: "));
}

#[test]
fn load_reads_and_merges_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.suppr");
    let b = dir.path().join("b.suppr");
    std::fs::write(&a, "[suppress_type]\nname = A\n").expect("write");
    std::fs::write(&b, "[suppress_function]\nname = f\n").expect("write");
    let s = Suppressions::load(&[a.clone(), b.clone()]).expect("load");
    assert!(s.hides(&ty(TypeKind::Struct, "A")));
    assert!(s.suppresses_function("f", ChangeKind::Removed));
    assert!(Suppressions::load(&[]).expect("no files").is_empty());

    std::fs::write(&b, "[suppress_function]\nname = f\nbogus = 1\n").expect("write");
    match Suppressions::load(&[a.clone(), b.clone()]) {
        Err(Error::Syntax { path, line, msg }) => {
            assert_eq!(path, b);
            assert_eq!(line, 3);
            assert!(msg.contains("bogus"));
        }
        other => panic!("unexpected {other:?}"),
    }

    let missing = dir.path().join("missing.suppr");
    match Suppressions::load(std::slice::from_ref(&missing)) {
        Err(Error::Input { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected {other:?}"),
    }
    let e = Suppressions::load(std::slice::from_ref(&missing)).expect_err("missing");
    assert!(e.to_string().contains("missing.suppr"));
}

#[test]
fn load_tolerates_non_utf8_comments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.suppr");
    std::fs::write(&a, b"# caf\xe9\n[suppress_type]\nname = A\n").expect("write");
    let s = Suppressions::load(&[a]).expect("load");
    assert!(s.hides(&ty(TypeKind::Struct, "A")));
}

#[test]
fn garbage_never_panics() {
    let pieces = [
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        "\"",
        "\\",
        "\n",
        "#",
        ";",
        " ",
        "name",
        "suppress_type",
        "offset_of(",
        ")",
        "end",
        "0",
        "é",
        "\r",
        "has_data_members_inserted_between",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 24) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let _ = Suppressions::parse(&text, Path::new(FILE));
        let _ = Suppressions::parse(
            &format!("[suppress_type]\nname = S\nhas_data_members_inserted_between = {text}\n"),
            Path::new(FILE),
        );
    }
}

#[test]
fn deeply_nested_braces_are_an_error_not_a_stack_overflow() {
    let deep = format!(
        "[suppress_type]\nname = {}{}\n",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_err(&deep, 2, "'{' nested deeper than 8");
    // libabigail's own nesting still reads.
    parse("[suppress_type]\nhas_data_member_inserted_between = {offset_of(a), end}\n");
}

use super::*;

#[test]
fn type_name_exact() {
    let s = parse("[suppress_type]\nname = sk_buff\n");
    assert!(s.hides(&ty(TypeKind::Struct, "sk_buff")));
    assert!(!s.hides(&ty(TypeKind::Struct, "sk_buff_head")));
    assert!(!s.hides(&ty(TypeKind::Struct, "")));
}

#[test]
fn type_name_regexp_and_not_regexp() {
    let s = parse("[suppress_type]\nname_regexp = ^foo_\n");
    assert!(s.hides(&ty(TypeKind::Struct, "foo_bar")));
    assert!(!s.hides(&ty(TypeKind::Struct, "bar_foo_")));
    let s = parse("[suppress_type]\nname_not_regexp = ^public_\n");
    assert!(s.hides(&ty(TypeKind::Struct, "private_x")));
    assert!(!s.hides(&ty(TypeKind::Struct, "public_x")));
    // All name properties must hold.
    let s = parse("[suppress_type]\nname_regexp = ^foo\nname_not_regexp = _keep$\n");
    assert!(s.hides(&ty(TypeKind::Struct, "foo_x")));
    assert!(!s.hides(&ty(TypeKind::Struct, "foo_keep")));
    let s = parse("[suppress_type]\nname = foo\nname_regexp = ^bar\n");
    assert!(!s.hides(&ty(TypeKind::Struct, "foo")));
}

#[test]
fn type_kind_each_value() {
    let cases: &[(&str, TypeKind, &[TypeKind])] = &[
        (
            "struct",
            TypeKind::Struct,
            &[TypeKind::Union, TypeKind::Typedef],
        ),
        (
            "class",
            TypeKind::Struct,
            &[TypeKind::Union, TypeKind::Enum],
        ),
        ("union", TypeKind::Union, &[TypeKind::Struct]),
        ("enum", TypeKind::Enum, &[TypeKind::Struct]),
        ("typedef", TypeKind::Typedef, &[TypeKind::Struct]),
        ("array", TypeKind::Array, &[TypeKind::Pointer]),
        ("pointer", TypeKind::Pointer, &[TypeKind::Array]),
        ("function", TypeKind::Function, &[TypeKind::Pointer]),
        ("builtin", TypeKind::Base, &[TypeKind::Enum]),
        ("basic", TypeKind::Base, &[TypeKind::Other]),
    ];
    for (value, yes, nos) in cases {
        let s = parse(&format!("[suppress_type]\ntype_kind = {value}\nname = T\n"));
        assert!(s.hides(&ty(*yes, "T")), "{value}");
        for no in *nos {
            assert!(!s.hides(&ty(*no, "T")), "{value} vs {no:?}");
        }
    }
    let s = parse("[suppress_type]\ntype_kind = reference\n");
    for k in [TypeKind::Pointer, TypeKind::Struct, TypeKind::Other] {
        assert!(!s.hides(&ty(k, "T")));
    }
    assert_eq!(s.warnings().len(), 1);
    // type_kind alone selects every type of that kind.
    let s = parse("[suppress_type]\ntype_kind = enum\n");
    assert!(s.hides(&ty(TypeKind::Enum, "anything")));
    assert!(!s.hides(&ty(TypeKind::Struct, "anything")));
}

fn at(file: Option<&'static str>) -> TypeChange<'static> {
    TypeChange {
        kind: TypeKind::Struct,
        name: "T".into(),
        source_file: file,
        ..TypeChange::default()
    }
}

#[test]
fn source_location_not_in() {
    let s =
        parse("[suppress_type]\nsource_location_not_in = include/linux/skbuff.h, netdevice.h\n");
    // Declared in a kept header: not hidden.
    assert!(!s.hides(&at(Some("/build/linux/include/linux/skbuff.h"))));
    assert!(!s.hides(&at(Some("include/linux/skbuff.h"))));
    assert!(!s.hides(&at(Some("./include/linux/skbuff.h"))));
    assert!(!s.hides(&at(Some("/build/linux/./include/net/../linux/skbuff.h"))));
    assert!(!s.hides(&at(Some("/src/include/linux/netdevice.h"))));
    // Elsewhere: hidden.
    assert!(s.hides(&at(Some("/build/linux/net/core/skbuff.c"))));
    assert!(s.hides(&at(Some("/build/linux/include/linux/myskbuff.h"))));
    assert!(s.hides(&at(Some("arch/x86/include/linux/skbuff.h.orig"))));
    // Unknown location: cannot be shown to be outside, so kept.
    assert!(!s.hides(&at(None)));
}

#[test]
fn source_location_not_regexp() {
    let s = parse("[suppress_type]\nsource_location_not_regexp = ^(/build/linux/)?include/uapi/\n");
    assert!(!s.hides(&at(Some("/build/linux/include/uapi/linux/if.h"))));
    assert!(!s.hides(&at(Some("include/uapi/linux/if.h"))));
    assert!(s.hides(&at(Some("include/linux/if.h"))));
    assert!(!s.hides(&at(None)));
}

#[test]
fn accessed_through_each_value() {
    let with = |a| TypeChange {
        reach: a,
        ..ty(TypeKind::Struct, "W")
    };
    let cases = [
        ("direct", [true, false, false]),
        ("pointer", [false, true, false]),
        ("reference", [false, false, true]),
        ("reference-or-pointer", [false, true, true]),
    ];
    for (value, expect) in cases {
        let s = parse(&format!(
            "[suppress_type]\nname = W\naccessed_through = {value}\n"
        ));
        let got = [Access::Direct, Access::Pointer, Access::Reference].map(|a| s.hides(&with(a)));
        assert_eq!(got, expect, "{value}");
    }
}

#[test]
fn has_data_member_forms() {
    let c = TypeChange {
        old_members: OLD_S.to_vec(),
        ..ty(TypeKind::Struct, "S")
    };
    for value in ["m1", "{m0, m1}", "m0, m1", "{m1}"] {
        let s = parse(&format!(
            "[suppress_type]\nname = S\nhas_data_member = {value}\n"
        ));
        assert!(s.hides(&c), "{value}");
    }
    let s = parse("[suppress_type]\nname = S\nhas_data_member = {m0, gone}\n");
    assert!(!s.hides(&c));
    // Only records have data members.
    let s = parse("[suppress_type]\nname = S\nhas_data_member = m0\n");
    let e = TypeChange {
        old_members: OLD_S.to_vec(),
        ..ty(TypeKind::Enum, "S")
    };
    assert!(!s.hides(&e));
}

#[test]
fn has_data_member_regexp() {
    let c = TypeChange {
        old_members: OLD_S.to_vec(),
        ..ty(TypeKind::Union, "S")
    };
    assert!(parse("[suppress_type]\nname = S\nhas_data_member_regexp = ^m[01]$\n").hides(&c));
    assert!(!parse("[suppress_type]\nname = S\nhas_data_member_regexp = ^priv\n").hides(&c));
}

#[test]
fn inserted_at_end() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = yes\n",
    );
    // After the old last member (m1 at 32): hidden.
    assert!(s.hides(&insertion(&[m("n", 64, 32)], 64, 96)));
    // In the padding between m0 and m1: not at the end.
    assert!(!s.hides(&insertion(&[m("n", 8, 8)], 64, 64)));
    // Both must qualify.
    assert!(!s.hides(&insertion(&[m("n", 64, 32), m("p", 8, 8)], 64, 96)));
}

#[test]
fn size_change_needs_has_size_change() {
    let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = end\n");
    // Grew: libabigail's documentation requires has_size_change = yes.
    assert!(!s.hides(&insertion(&[m("n", 64, 32)], 64, 96)));
    // Same size (tail padding used): fine.
    let old = [m("a", 0, 32), m("b", 32, 8)];
    let ins = [m("n", 40, 8)];
    let c = TypeChange {
        old_members: old.to_vec(),
        ..insertion(&ins, 64, 64)
    };
    assert!(s.hides(&c));
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = no\n",
    );
    assert!(!s.hides(&insertion(&[m("n", 64, 32)], 64, 96)));
}

#[test]
fn insertions_refused_when_not_pure_insertions() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = end\nhas_size_change = yes\n",
    );
    let ins = [m("n", 64, 32)];
    let removed = [m("m0", 0, 8)];
    let with_removal = TypeChange {
        removed: removed.to_vec(),
        ..insertion(&ins, 64, 96)
    };
    assert!(!s.hides(&with_removal));
    let with_change = TypeChange {
        changed_members: 1,
        ..insertion(&ins, 64, 96)
    };
    assert!(!s.hides(&with_change));
    // Shrinking is never hidden, has_size_change or not.
    assert!(!s.hides(&insertion(&ins, 128, 96)));
    // No insertion at all: the property does not hold.
    assert!(!s.hides(&insertion(&[], 64, 64)));
    // Not a struct or union.
    let e = TypeChange {
        kind: TypeKind::Enum,
        ..insertion(&ins, 64, 96)
    };
    assert!(!s.hides(&e));
    let u = TypeChange {
        kind: TypeKind::Union,
        ..insertion(&ins, 64, 96)
    };
    assert!(s.hides(&u));
}

#[test]
fn inserted_at_integer_means_at_or_after() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = 32\nhas_size_change = yes\n",
    );
    assert!(s.hides(&insertion(&[m("n", 32, 8)], 64, 96)));
    assert!(s.hides(&insertion(&[m("n", 64, 8)], 64, 96)));
    assert!(!s.hides(&insertion(&[m("n", 8, 8)], 64, 96)));
}

#[test]
fn inserted_at_offset_of_and_after() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of(m1)\nhas_size_change = yes\n",
    );
    assert!(s.hides(&insertion(&[m("n", 32, 8)], 64, 96)));
    assert!(!s.hides(&insertion(&[m("n", 8, 8)], 64, 96)));
    let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_after( m0 )\n");
    // offset_after(m0) is where m0 ends (8).
    assert!(s.hides(&insertion(&[m("n", 8, 8)], 64, 64)));
    assert!(!s.hides(&insertion(&[m("n", 0, 8)], 64, 64)));
    // A bitfield whose size is its underlying type's: clamped by the
    // next member.
    let old = [m("flags", 0, 32), m("next", 3, 5), m("tail", 32, 32)];
    let ins = [m("n", 8, 8)];
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_after(flags), offset_of(tail)}\n",
    );
    let c = TypeChange {
        old_members: old.to_vec(),
        ..insertion(&ins, 64, 64)
    };
    assert!(s.hides(&c));
    // offset_after the last member is its end.
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_after(m1)\nhas_size_change = yes\n",
    );
    assert!(s.hides(&insertion(&[m("n", 64, 8)], 64, 96)));
    assert!(!s.hides(&insertion(&[m("n", 40, 8)], 64, 96)));
    // A member the old type lacks.
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of(nope)\nhas_size_change = yes\n",
    );
    assert!(!s.hides(&insertion(&[m("n", 64, 8)], 64, 96)));
}

#[test]
fn inserted_between_padding() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_after(m0), offset_of(m1)}\n",
    );
    assert!(s.hides(&insertion(&[m("pad", 8, 8), m("pad2", 16, 16)], 64, 64)));
    assert!(!s.hides(&insertion(&[m("pad", 64, 8)], 64, 64)));
    let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_between = {8, end}\n");
    assert!(s.hides(&insertion(&[m("x", 8, 8)], 64, 64)));
    assert!(!s.hides(&insertion(&[m("x", 0, 8)], 64, 64)));
    // begin > end: the range is ignored.
    let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_between = {32, 8}\n");
    assert!(!s.hides(&insertion(&[m("x", 16, 8)], 64, 64)));
    // {end, end} is "at end".
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_between = {end, end}\nhas_size_change = yes\n",
    );
    assert!(s.hides(&insertion(&[m("x", 64, 8)], 64, 96)));
    assert!(!s.hides(&insertion(&[m("x", 16, 8)], 64, 96)));
}

#[test]
fn inserted_between_several_ranges_and_properties() {
    let s = parse(
        "[suppress_type]\nname = S\nhas_size_change = yes\nhas_data_members_inserted_between = {{8, 24}, {64, end}}\n",
    );
    assert!(s.hides(&insertion(&[m("a", 8, 8), m("b", 64, 32)], 64, 96)));
    assert!(!s.hides(&insertion(&[m("a", 8, 8), m("b", 40, 8)], 64, 96)));
    // inserted_at and inserted_between in one section add up.
    let s = parse(
        "[suppress_type]\nname = S\nhas_size_change = yes\nhas_data_member_inserted_between = {offset_after(m0), offset_of(m1)}\nhas_data_member_inserted_at = end\n",
    );
    assert!(s.hides(&insertion(&[m("a", 8, 8), m("b", 64, 32)], 64, 96)));
}

#[test]
fn regexp_boundaries() {
    let old = [
        m("pad0", 0, 8),
        m("x", 8, 8),
        m("pad1", 16, 8),
        m("y", 32, 32),
    ];
    let hides = |s: &Suppressions, off: u64| {
        let ins = [m("new", off, 8)];
        let c = TypeChange {
            old_members: old.to_vec(),
            inserted: ins.to_vec(),
            ..insertion(&[], 64, 64)
        };
        s.hides(&c)
    };
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_between = {offset_of_first_data_member_regexp(^pad), offset_of_last_data_member_regexp(^pad)}\n",
    );
    assert!(hides(&s, 0));
    assert!(hides(&s, 16));
    assert!(!hides(&s, 24));
    let s = parse(
        "[suppress_type]\nname = S\nhas_data_member_inserted_at = offset_of_first_data_member_regexp(^none)\n",
    );
    assert!(!hides(&s, 24));
}

fn enum_change(
    removed_or_changed: usize,
    added: &'static [&'static str],
    sizes: (u64, u64),
) -> TypeChange<'static> {
    TypeChange {
        kind: TypeKind::Enum,
        name: "E".into(),
        old_size_bits: sizes.0,
        new_size_bits: sizes.1,
        added_enumerators: added.to_vec(),
        removed_or_changed_enumerators: removed_or_changed,
        ..TypeChange::default()
    }
}

fn hides_enum(
    s: &Suppressions,
    changed: &[&str],
    removed_or_changed: usize,
    added: &'static [&'static str],
    sizes: (u64, u64),
) -> bool {
    s.suppresses_type(&TypeChange {
        changed_enumerators: changed.to_vec(),
        ..enum_change(removed_or_changed, added, sizes)
    })
}

#[test]
fn changed_enumerators_names() {
    let s =
        parse("[suppress_type]\ntype_kind = enum\nname = E\nchanged_enumerators = E_MAX, E_LAST\n");
    // The usual case: an enumerator added before E_MAX bumps it.
    assert!(hides_enum(&s, &["E_MAX"], 1, &["E_NEW"], (32, 32)));
    assert!(hides_enum(&s, &["E_MAX", "E_LAST"], 2, &[], (32, 32)));
    assert!(hides_enum(&s, &[], 0, &["E_NEW"], (32, 32)));
    assert!(!hides_enum(&s, &["E_MAX", "E_OTHER"], 2, &[], (32, 32)));
    // A removal (counted but not among the changed names) is never hidden.
    assert!(!hides_enum(&s, &["E_MAX"], 2, &[], (32, 32)));
    // Nor a size change.
    assert!(!hides_enum(&s, &["E_MAX"], 1, &[], (32, 64)));
    // Without the names, a changed value cannot be vouched for...
    assert!(!s.hides(&enum_change(1, &["E_NEW"], (32, 32))));
    // ...but additions alone can.
    assert!(s.hides(&enum_change(0, &["E_NEW"], (32, 32))));
    // Another enum is not concerned.
    let other = TypeChange {
        name: "F".into(),
        ..enum_change(1, &[], (32, 32))
    };
    assert!(!s.suppresses_type(&TypeChange {
        changed_enumerators: vec!["E_MAX"],
        ..other
    }));
}

#[test]
fn changed_enumerators_regexp() {
    let s = parse("[suppress_type]\ntype_kind = enum\nchanged_enumerators_regexp = _MAX$, _NUM$\n");
    assert!(hides_enum(&s, &["A_MAX", "B_NUM"], 2, &[], (32, 32)));
    assert!(!hides_enum(&s, &["A_MAX", "B_COUNT"], 2, &[], (32, 32)));
    let s = parse(
        "[suppress_type]\ntype_kind = enum\nchanged_enumerators = B_COUNT\nchanged_enumerators_regexp = _MAX$\n",
    );
    assert!(hides_enum(&s, &["A_MAX", "B_COUNT"], 2, &[], (32, 32)));
}

#[test]
fn sections_are_ored_and_properties_anded() {
    let s = parse("[suppress_type]\nname = A\ntype_kind = union\n\n[suppress_type]\nname = B\n");
    assert!(!s.hides(&ty(TypeKind::Struct, "A")));
    assert!(s.hides(&ty(TypeKind::Union, "A")));
    assert!(s.hides(&ty(TypeKind::Struct, "B")));
    assert!(!s.hides(&ty(TypeKind::Struct, "C")));
}

#[test]
fn type_section_without_selector_is_ignored() {
    for text in [
        "[suppress_type]\nlabel = only a label\n",
        "[suppress_type]\nhas_data_member_inserted_at = end\n",
        "[suppress_type]\n",
    ] {
        let s = parse(text);
        assert!(s.is_empty(), "{text}");
        assert!(!s.hides(&ty(TypeKind::Struct, "S")));
        assert_eq!(s.warnings().len(), 1, "{text}");
    }
}

#[test]
fn type_labels_select_nothing() {
    let s = parse("[suppress_type]\nlabel = private stuff\nname_regexp = ^__\n");
    assert!(s.hides(&ty(TypeKind::Struct, "__x")));
    assert!(!s.hides(&ty(TypeKind::Struct, "x")));
    assert!(!s.hides(&ty(TypeKind::Struct, "private stuff")));
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
}

#[test]
fn drops_type_rules() {
    let s = parse("[suppress_type]\nname = secret\ndrop = yes\n");
    assert!(s.drops_type(TypeKind::Struct, "secret", None));
    assert!(!s.drops_type(TypeKind::Struct, "public", None));
    assert!(s.hides(&ty(TypeKind::Struct, "secret")));

    let s = parse("[suppress_type]\nname = secret\ndrop = no\n");
    assert!(!s.drops_type(TypeKind::Struct, "secret", None));
    let s = parse("[suppress_type]\nname = secret\n");
    assert!(!s.drops_type(TypeKind::Struct, "secret", None));

    let s = parse("[suppress_type]\nname = secret\ntype_kind = union\ndrop_artifact = true\n");
    assert!(s.drops_type(TypeKind::Union, "secret", None));
    assert!(!s.drops_type(TypeKind::Struct, "secret", None));

    let s = parse("[suppress_type]\nsource_location_not_in = include/linux/public.h\ndrop = yes\n");
    assert!(s.drops_type(TypeKind::Struct, "x", Some("/b/drivers/foo/private.h")));
    assert!(!s.drops_type(TypeKind::Struct, "x", Some("/b/include/linux/public.h")));
    assert!(!s.drops_type(TypeKind::Struct, "x", None));

    // libabigail needs name, name_regexp or a location for drop.
    let s = parse("[suppress_type]\nname_not_regexp = ^pub\ndrop = yes\n");
    assert!(!s.drops_type(TypeKind::Struct, "priv", None));
    assert!(s.hides(&ty(TypeKind::Struct, "priv")));
    assert_eq!(s.warnings().len(), 1);

    // A section describing the change cannot drop before comparing.
    let s = parse("[suppress_type]\nname = S\nhas_data_member_inserted_at = end\ndrop = yes\n");
    assert!(!s.drops_type(TypeKind::Struct, "S", None));
    assert_eq!(s.warnings().len(), 1);
}

#[test]
fn has_size_change_alone_warns() {
    let s = parse("[suppress_type]\nname = S\nhas_size_change = yes\n");
    assert_eq!(s.warnings().len(), 1);
    assert!(s.hides(&ty(TypeKind::Struct, "S")));
}

#[test]
fn path_normalization() {
    assert_eq!(normalize_path("/a/./b//c"), "/a/b/c");
    assert_eq!(normalize_path("./include/x.h"), "include/x.h");
    assert_eq!(normalize_path("a/b/../c"), "a/c");
    assert_eq!(normalize_path("../x"), "../x");
    assert_eq!(normalize_path("/../x"), "/x");
}

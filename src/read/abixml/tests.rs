use super::elements::base_type;
use super::*;
use crate::graph::Node;

fn read(text: &str) -> Result<Graph> {
    parse(text.as_bytes(), Path::new("t.abi"))
}

fn err(text: &str) -> String {
    match read(text) {
        Ok(_) => panic!("read without an error"),
        Err(e) => e.to_string(),
    }
}

fn sig(g: &Graph, name: &str) -> String {
    let s = g.symbol(name).unwrap_or_else(|| panic!("{name} not read"));
    g.declare(s.ty.expect("typed"), name)
}

/// One corpus around `body`, with the given ELF symbols.
fn corpus(funcs: &[&str], vars: &[&str], body: &str) -> String {
    let sym = |n: &&str, t: &str| {
        format!(
            "<elf-symbol name='{n}' type='{t}' binding='global-binding' \
             visibility='default-visibility' is-defined='yes' crc='0x1f'/>\n"
        )
    };
    let f: String = funcs.iter().map(|n| sym(n, "func-type")).collect();
    let v: String = vars.iter().map(|n| sym(n, "object-type")).collect();
    format!(
        "<?xml version='1.0'?>\n<abi-corpus version='2.1' path='vmlinux' architecture='elf-amd-x86_64'>\n\
         <elf-function-symbols>\n{f}</elf-function-symbols>\n\
         <elf-variable-symbols>\n{v}</elf-variable-symbols>\n\
         <abi-instr address-size='64' path='a.c' language='LANG_C11'>\n{body}\n</abi-instr>\n\
         </abi-corpus>\n"
    )
}

const BASES: &str = "
<type-decl name='void' id='t-void'/>
<type-decl name='int' size-in-bits='32' id='t-int'/>
<type-decl name='char' size-in-bits='8' id='t-char'/>
<type-decl name='unsigned long int' size-in-bits='64' id='t-ulong'/>
<type-decl name='unsigned long long int' size-in-bits='64' id='t-ull'/>
<type-decl name='unsigned short int' size-in-bits='16' id='t-ushort'/>
<type-decl name='bool' size-in-bits='8' id='t-bool'/>
<type-decl name='variadic parameter type' id='t-va'/>
<type-decl name='unnamed-enum-underlying-type-32' is-anonymous='yes' size-in-bits='32' id='t-u32'/>
";

#[test]
fn every_element_kind() {
    let body = format!(
        "{BASES}
<qualified-type-def type-id='t-char' const='yes' id='t-cchar'/>
<qualified-type-def type-id='t-int' const='yes' volatile='yes' id='t-cvint'/>
<pointer-type-def type-id='t-cchar' size-in-bits='64' id='t-pcchar'/>
<typedef-decl name='size_t' type-id='t-ulong' filepath='types.h' line='1' column='1' id='t-size'/>
<enum-decl name='color' filepath='c.h' line='3' column='1' id='t-color'>
  <underlying-type type-id='t-u32'/>
  <enumerator name='RED' value='0'/>
  <enumerator name='BIG' value='4294967295'/>
  <enumerator name='NEG' value='-1'/>
</enum-decl>
<class-decl name='opaque' is-struct='yes' visibility='default' is-declaration-only='yes' id='t-opaque'/>
<pointer-type-def type-id='t-opaque' size-in-bits='64' id='t-popaque'/>
<array-type-def dimensions='2' type-id='t-int' size-in-bits='192' id='t-grid'>
  <subrange length='2' type-id='t-ulong' id='s1'/>
  <subrange length='3' type-id='t-ulong' id='s2'/>
</array-type-def>
<array-type-def dimensions='1' type-id='t-char' id='t-flex'>
  <subrange length='infinite' type-id='t-ulong' id='s3'/>
</array-type-def>
<union-decl name='__anonymous_union__' size-in-bits='64' is-anonymous='yes' visibility='default' id='t-anon'>
  <data-member access='public'>
    <var-decl name='l' type-id='t-ulong' visibility='default'/>
  </data-member>
  <data-member access='public'>
    <var-decl name='p' type-id='t-popaque' visibility='default'/>
  </data-member>
</union-decl>
<function-type size-in-bits='64' id='t-cb'>
  <parameter type-id='t-int'/>
  <return type-id='t-void'/>
</function-type>
<pointer-type-def type-id='t-cb' size-in-bits='64' id='t-pcb'/>
<class-decl name='thing' size-in-bits='512' is-struct='yes' visibility='default' filepath='thing.h' line='5' column='1' id='t-thing'>
  <data-member access='public' layout-offset-in-bits='0'>
    <var-decl name='n' type-id='t-size' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='64'>
    <var-decl name='' type-id='t-anon' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='128'>
    <var-decl name='grid' type-id='t-grid' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='320'>
    <var-decl name='cb' type-id='t-pcb' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='384'>
    <var-decl name='c' type-id='t-color' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='416'>
    <var-decl name='b' type-id='t-bool' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='424'>
    <var-decl name='us' type-id='t-ushort' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='448'>
    <var-decl name='cv' type-id='t-cvint' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='512'>
    <var-decl name='tail' type-id='t-flex' visibility='default'/>
  </data-member>
</class-decl>
<pointer-type-def type-id='t-thing' size-in-bits='64' id='t-pthing'/>
<function-decl name='use_thing' mangled-name='use_thing' visibility='default' binding='global' size-in-bits='64' elf-symbol-id='use_thing'>
  <parameter type-id='t-pthing' name='t'/>
  <parameter type-id='t-pcchar' name='fmt'/>
  <parameter is-variadic='yes'/>
  <return type-id='t-ull'/>
</function-decl>
<var-decl name='counter' type-id='t-size' mangled-name='counter' visibility='default' elf-symbol-id='counter'/>
<array-type-def dimensions='1' type-id='t-cchar' id='t-table'>
  <subrange length='4' type-id='t-ulong' id='s4'/>
</array-type-def>
<var-decl name='table' type-id='t-table' elf-symbol-id='table'/>
"
    );
    let g = read(&corpus(
        &["use_thing", "asm_entry"],
        &["counter", "table"],
        &body,
    ))
    .unwrap();
    // An array of const is const itself, as GCC's DWARF has it.
    let table = g.node(g.symbol("table").unwrap().ty.unwrap());
    let Node::Qualified {
        qual: Qualifier::Const,
        target,
    } = table
    else {
        panic!("{table:?}")
    };
    assert!(matches!(
        g.node(*target),
        Node::Array { count: Some(4), .. }
    ));
    assert_eq!(
        sig(&g, "use_thing"),
        "long long unsigned int use_thing(struct thing *, const char *, ...)"
    );
    assert_eq!(sig(&g, "counter"), "size_t counter");
    let s = g.symbol("use_thing").unwrap();
    assert_eq!(
        (s.crc, s.gpl, s.module.as_str(), s.size, s.kind),
        (Some(0x1f), false, "vmlinux", 0, SymbolKind::Function)
    );
    assert_eq!(g.symbol("counter").unwrap().kind, SymbolKind::Variable);
    // No declaration: an untyped symbol of its ELF kind.
    let asm = g.symbol("asm_entry").unwrap();
    assert_eq!((asm.ty, asm.kind), (None, SymbolKind::Function));
    assert!(g.lacks.flavour && g.lacks.sizes && !g.lacks.types);

    let thing = g
        .nodes
        .iter()
        .find(|n| matches!(n, Node::Aggregate { name: Some(x), .. } if g.str(*x) == "thing"))
        .unwrap();
    let Node::Aggregate {
        size_bits, members, ..
    } = thing
    else {
        unreachable!()
    };
    assert_eq!(*size_bits, Some(512));
    let decl = |i: usize| g.declare(members[i].ty, g.opt_str(members[i].name));
    assert_eq!(decl(0), "size_t n");
    assert_eq!(members[1].name, None);
    assert!(matches!(
        g.node(members[1].ty),
        Node::Aggregate { kind: AggKind::Union, name: None, size_bits: Some(64), members } if members.len() == 2
    ));
    assert_eq!(decl(2), "int grid[2][3]");
    assert_eq!(decl(3), "void (*cb)(int)");
    assert_eq!(decl(5), "_Bool b");
    assert_eq!(decl(6), "short unsigned int us");
    assert_eq!(decl(7), "const volatile int cv");
    assert_eq!(decl(8), "char tail[]");
    assert_eq!(members[8].offset_bits, 512);
    let Node::Enum {
        name,
        size_bits,
        enumerators,
    } = g.node(members[4].ty)
    else {
        panic!("{:?}", g.node(members[4].ty))
    };
    assert_eq!((g.opt_str(*name), *size_bits), ("color", Some(32)));
    let values: Vec<i64> = enumerators.iter().map(|e| e.value).collect();
    assert_eq!(values, [0, 4294967295, -1]);
    // char is signed on x86, as GCC's DWARF says.
    assert!(g.nodes.iter().any(|n| matches!(n,
        Node::Base { name, encoding: 6, size_bits: 8 } if g.str(*name) == "char")));
    // The enum's helper type is not part of any C type.
    assert!(!g.nodes.iter().any(|n| matches!(n,
        Node::Base { name, .. } if g.str(*name).starts_with("unnamed"))));
}

#[test]
fn declaration_only_class_is_completed_by_its_definition() {
    let body = format!(
        "{BASES}
<class-decl name='sock' is-struct='yes' visibility='default' is-declaration-only='yes' id='t-decl'/>
<pointer-type-def type-id='t-decl' size-in-bits='64' id='t-pdecl'/>
<class-decl name='sock' size-in-bits='32' is-struct='yes' visibility='default' id='t-def'>
  <data-member access='public' layout-offset-in-bits='0'>
    <var-decl name='x' type-id='t-int' visibility='default'/>
  </data-member>
</class-decl>
<pointer-type-def type-id='t-def' size-in-bits='64' id='t-pdef'/>
<function-decl name='a' elf-symbol-id='a'><parameter type-id='t-pdecl'/><return type-id='t-void'/></function-decl>
<function-decl name='b' elf-symbol-id='b'><parameter type-id='t-pdef'/><return type-id='t-void'/></function-decl>
<function-decl name='c' elf-symbol-id='c'><parameter type-id='t-pdecl'/><return type-id='t-void'/></function-decl>
"
    );
    let g = read(&corpus(&["a", "b", "c"], &[], &body)).unwrap();
    // After the merge, all three take the one complete `struct sock`.
    let ta = g.symbol("a").unwrap().ty;
    assert_eq!(ta, g.symbol("b").unwrap().ty);
    assert_eq!(ta, g.symbol("c").unwrap().ty);
    let Node::Function { params, .. } = g.node(ta.unwrap()) else {
        panic!()
    };
    let Node::Pointer { target, .. } = g.node(params[0].ty) else {
        panic!()
    };
    assert!(!g.node(*target).is_declaration());

    // Declared only, everywhere: it stays a declaration.
    let body = format!(
        "{BASES}
<class-decl name='opaque' is-struct='yes' visibility='default' is-declaration-only='yes' id='t-decl'/>
<pointer-type-def type-id='t-decl' size-in-bits='64' id='t-pdecl'/>
<function-decl name='a' elf-symbol-id='a'><parameter type-id='t-pdecl'/><return type-id='t-void'/></function-decl>
"
    );
    let g = read(&corpus(&["a"], &[], &body)).unwrap();
    assert!(g.nodes.iter().any(|n| n.is_declaration()));
}

#[test]
fn a_definition_repeated_in_another_instr_is_read_once() {
    let s = "<class-decl name='s' size-in-bits='32' is-struct='yes' id='t-s'>
  <data-member access='public' layout-offset-in-bits='0'><var-decl name='x' type-id='t-int'/></data-member>
</class-decl>
<pointer-type-def type-id='t-s' size-in-bits='64' id='t-ps'/>";
    let body = format!(
        "{BASES}{s}</abi-instr><abi-instr path='b.c'>{s}
<function-decl name='f' elf-symbol-id='f'><parameter type-id='t-ps'/><return type-id='t-void'/></function-decl>"
    );
    let g = read(&corpus(&["f"], &[], &body)).unwrap();
    assert_eq!(sig(&g, "f"), "void f(struct s *)");
    assert_eq!(g.nodes.iter().filter(|n| n.tag().is_some()).count(), 1);
}

#[test]
fn a_cycle_through_a_struct_reads() {
    let body = format!(
        "{BASES}
<pointer-type-def type-id='t-list' size-in-bits='64' id='t-plist'/>
<typedef-decl name='list_t' type-id='t-list' id='t-list-t'/>
<class-decl name='list' size-in-bits='128' is-struct='yes' visibility='default' id='t-list'>
  <data-member access='public' layout-offset-in-bits='0'>
    <var-decl name='next' type-id='t-plist' visibility='default'/>
  </data-member>
  <data-member access='public' layout-offset-in-bits='64'>
    <var-decl name='v' type-id='t-int' visibility='default'/>
  </data-member>
</class-decl>
<var-decl name='head' type-id='t-list-t' elf-symbol-id='head'/>
"
    );
    let g = read(&corpus(&[], &["head"], &body)).unwrap();
    assert_eq!(sig(&g, "head"), "list_t head");
    let Node::Typedef { target, .. } = g.node(g.symbol("head").unwrap().ty.unwrap()) else {
        panic!()
    };
    let Node::Aggregate { members, .. } = g.node(*target) else {
        panic!()
    };
    assert!(matches!(g.node(members[0].ty), Node::Pointer { target: t, .. } if t == target));
}

#[test]
fn a_cycle_without_a_struct_is_an_error() {
    let body = format!(
        "{BASES}
<pointer-type-def type-id='t-b' size-in-bits='64' id='t-a'/>
<typedef-decl name='b' type-id='t-a' id='t-b'/>
<var-decl name='v' type-id='t-a' elf-symbol-id='v'/>
"
    );
    let e = err(&corpus(&[], &["v"], &body));
    assert!(e.contains("t.abi") && e.contains("cycle"), "{e}");
}

#[test]
fn a_dangling_type_id_names_its_line() {
    let body = format!(
        "{BASES}
<pointer-type-def type-id='t-missing' size-in-bits='64' id='t-p'/>
<var-decl name='v' type-id='t-p' elf-symbol-id='v'/>
"
    );
    let text = corpus(&[], &["v"], &body);
    let line = 1 + text.lines().position(|l| l.contains("t-missing")).unwrap();
    let e = err(&text);
    assert_eq!(
        e,
        format!("t.abi:{line}: type-id 't-missing' is used but never defined in its corpus")
    );
}

#[test]
fn truncated_input_is_an_error_at_every_cut() {
    let body = format!(
        "{BASES}
<class-decl name='s' size-in-bits='32' is-struct='yes' id='t-s'>
  <data-member access='public' layout-offset-in-bits='0'><var-decl name='x' type-id='t-int'/></data-member>
</class-decl>
<pointer-type-def type-id='t-s' size-in-bits='64' id='t-ps'/>
<function-decl name='f' elf-symbol-id='f'><parameter type-id='t-ps'/><parameter is-variadic='yes'/><return type-id='t-void'/></function-decl>
"
    );
    let text = corpus(&["f"], &[], &body);
    read(&text).unwrap();
    let last = text.rfind('>').unwrap();
    for cut in 0..=last {
        assert!(
            read(&text[..cut]).is_err(),
            "a cut at byte {cut} of {} read",
            text.len()
        );
    }
}

#[test]
fn a_corpus_repeated_in_a_group_is_read_once() {
    let first = corpus(
        &["f", "g"],
        &[],
        &format!(
            "{BASES}
<function-decl name='f' elf-symbol-id='f'><parameter type-id='t-int'/><return type-id='t-void'/></function-decl>
<function-decl name='g' elf-symbol-id='g'><return type-id='t-int'/></function-decl>"
        ),
    );
    // The second copy differs (ids reused for other types): were it read,
    // `f` would take a char.
    let second = corpus(
        &["f", "extra"],
        &[],
        "<type-decl name='char' size-in-bits='8' id='t-int'/>
<function-decl name='f' elf-symbol-id='f'><parameter type-id='t-int'/><return type-id='t-int'/></function-decl>",
    );
    let module = corpus(
        &["m"],
        &[],
        &format!(
            "{BASES}<function-decl name='m' elf-symbol-id='m'><return type-id='t-ulong'/></function-decl>"
        ),
    )
    .replace("path='vmlinux'", "path='drivers/net/foo-bar.ko'");
    let strip = |s: &str| s.replacen("<?xml version='1.0'?>", "", 1);
    let text = format!(
        "<abi-corpus-group version='2.1' path='modules' architecture='elf-amd-x86_64'>\n{}{}{}</abi-corpus-group>\n",
        strip(&module),
        strip(&first),
        strip(&second)
    );
    let g = read(&text).unwrap();
    let names: Vec<&str> = g.symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["f", "g", "m"]);
    assert_eq!(sig(&g, "f"), "void f(int)");
    assert_eq!(g.symbol("m").unwrap().module, "foo_bar");
    assert_eq!(g.symbol("f").unwrap().module, "vmlinux");
}

#[test]
fn nesting_is_capped() {
    let deep = "<x>".repeat(MAX_NESTING + 5) + &"</x>".repeat(MAX_NESTING + 5);
    let e = err(&corpus(&[], &[], &deep));
    assert!(e.contains("nested deeper"), "{e}");
}

#[test]
fn errors_name_file_and_line() {
    assert_eq!(
        err("<abi-corpus>\n<a></b>\n</abi-corpus>")
            .split(':')
            .nth(1),
        Some("2")
    );
    assert!(err("<other/>").contains("not an abixml root"));
    assert!(err("").contains("no abi-corpus"));
    let e = err(&corpus(&[], &[], "<typedef-decl name='t' id='x'/>"));
    assert!(e.contains("without a type-id"), "{e}");
    let e = err(&corpus(
        &[],
        &[],
        "<pointer-type-def type-id='x' size-in-bits='q' id='y'/>",
    ));
    assert!(e.contains("size-in-bits='q'"), "{e}");
    let bad_crc = corpus(&["f"], &[], "").replace("0x1f", "0xfffffffff");
    assert!(err(&bad_crc).contains("crc="));
}

#[test]
fn base_type_names_take_gcc_spelling() {
    for (abi, gcc, enc) in [
        ("unsigned long int", "long unsigned int", 7),
        ("long unsigned int", "long unsigned int", 7),
        ("unsigned long long int", "long long unsigned int", 7),
        ("unsigned short int", "short unsigned int", 7),
        ("short int", "short int", 5),
        ("long long int", "long long int", 5),
        ("unsigned int", "unsigned int", 7),
        ("int", "int", 5),
        ("char", "char", 6),
        ("signed char", "signed char", 6),
        ("unsigned char", "unsigned char", 8),
        ("bool", "_Bool", 2),
        ("double", "double", 4),
        ("unsigned __int128", "__int128 unsigned", 7),
    ] {
        assert_eq!(base_type(abi, false), (gcc.to_string(), enc), "{abi}");
    }
    assert_eq!(base_type("char", true), ("char".to_string(), 8));
}

#[test]
fn looks_like_abixml() {
    assert!(looks_like(b"<abi-corpus version='2.1'>"));
    assert!(looks_like(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<abi-corpus-group path='x'>"
    ));
    assert!(looks_like(b"\n  <!-- c -->\n<abi-corpus>"));
    assert!(!looks_like(b"<abi-corpusx>"));
    assert!(!looks_like(b"kmi-dump 1\n"));
    assert!(!looks_like(b"<?xml version='1.0'?><other/>"));
}

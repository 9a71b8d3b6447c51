//! Types from BTF: the fixtures' own `.BTF` (vmlinux) and split `.BTF`
//! (modules), alone and against DWARF of the same build.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of fixture kernel `v` as a plain package has it: every binary
/// stripped of its debug info, `.BTF` and `.symtab` kept.
fn plain(v: &str) -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("btf-plain").join(v);
    if dir.join("done").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let cp = Command::new("cp")
        .arg("-rL")
        .arg(kernels().join(v))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(cp.success());
    let mut bins = vec![dir.join("vmlinux")];
    collect_ko(&dir.join("modules"), &mut bins);
    for b in bins {
        let st = Command::new("objcopy")
            .arg("--strip-debug")
            .arg(&b)
            .status()
            .expect("objcopy (binutils) is needed by this test");
        assert!(st.success(), "{}", b.display());
    }
    std::fs::write(dir.join("done"), "").unwrap();
    dir
}

fn collect_ko(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect_ko(&p, out);
        } else if p.extension().is_some_and(|x| x == "ko") {
            out.push(p);
        }
    }
}

#[test]
fn btf_alone_reports_the_fixture_changes() {
    let r = run("kmidiff", &["--types", "btf", "v1", "v2"]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    insta::assert_snapshot!("btf_v1_v2", r.stdout);
    let i = run("kmidiff", &["--types", "btf", "-i", "v1", "v2"]);
    assert_eq!(i.code, 12, "{}", i.stderr);
    insta::assert_snapshot!("btf_v1_v2_impacted", i.stdout);
    // Every function change of EXPECTED-v1-v2.md is in it; the variables,
    // which BTF does not describe, are reported by their CRC alone.
    let exp = expected();
    for t in exp["type_changed"].as_array().unwrap() {
        let name = t["symbol"].as_str().unwrap();
        let line = r
            .stdout
            .lines()
            .find(|l| {
                l.starts_with("  [C] ")
                    && (l.contains(&format!("{name}(")) || l.contains(&format!(" {name}'")))
            })
            .unwrap_or_else(|| panic!("{name} missing"));
        if t["kind"] == "function" {
            assert!(line.contains(&format!("{name}(")), "{line}");
        }
    }
    for ty in exp["changed_types"].as_object().unwrap().keys() {
        assert!(
            r.stdout.contains(&format!("\n'{ty}' changed:")),
            "{ty} missing"
        );
    }
}

#[test]
fn a_plain_tree_is_read_from_btf() {
    let p1 = plain("v1");
    let r = run("kmidiff", &["--verbose", s(&p1), s(&p1)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("0 exports typed from DWARF, 4101 from BTF (7 binaries, in ")
            && r.stderr
                .contains("0 described by no DIE, 262 not described by BTF"),
        "{}",
        r.stderr
    );
}

/// A `-dbg` tree against the plain package of the same build: no change,
/// either way round, and no warning.
#[test]
fn dwarf_against_btf_of_the_same_build_is_no_change() {
    let p1 = plain("v1");
    let v1 = kernels().join("v1");
    for (a, b) in [(&v1, &p1), (&p1, &v1)] {
        let r = run("kmidiff", &[s(a), s(b)]);
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    }
}

/// DWARF on one side, BTF on the other: the changes of the fixtures are
/// still found.
#[test]
fn dwarf_against_btf_of_another_build() {
    let p2 = plain("v2");
    let r = run("kmidiff", &["v1", s(&p2)]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    let btf = run("kmidiff", &["--types", "btf", "v1", "v2"]);
    let changed = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("  [C] 'function"))
            .map(|l| l.split(" [").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(changed(&r.stdout), changed(&btf.stdout));
}

#[test]
fn types_dwarf_on_a_plain_tree_says_no_types() {
    let p1 = plain("v1");
    let p2 = plain("v2");
    let r = run("kmidiff", &["--types", "dwarf", s(&p1), s(&p2)]);
    assert_eq!(r.code, 12, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        [
            "kmidiff: warning: both kernels have no debug info and no BTF: their exports (4363 and 4364) are compared by symbol only, their types are not compared"
        ]
    );
}

/// A module of one build in the tree of another: its split BTF does not
/// read over that vmlinux's BTF, and the error names both files.
#[test]
fn a_module_of_another_build_is_an_error() {
    let dir = scratch("btf-mismatch");
    let _ = std::fs::remove_dir_all(&dir);
    let p1 = plain("v1");
    let p2 = plain("v2");
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    std::fs::copy(p1.join("vmlinux"), dir.join("vmlinux")).unwrap();
    let ko = p2.join("modules/extra/kmi_a.ko");
    std::fs::copy(&ko, dir.join("modules/kmi_a.ko")).unwrap();
    let r = run("kmidiff", &[s(&dir), s(&dir)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let vmlinux = dir.join("vmlinux");
    let want = format!(
        "kmidiff: {}: its BTF does not match the BTF of {} (a module of another build?)",
        dir.join("modules/kmi_a.ko").display(),
        vmlinux.display()
    );
    assert!(r.stderr.starts_with(&want), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// Modules with BTF and no vmlinux: nothing to read their split BTF over.
#[test]
fn split_btf_without_its_vmlinux_is_said() {
    let p1 = plain("v1");
    let m = p1.join("modules");
    let r = run("kmidiff", &[s(&m), s(&m)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("modules whose BTF cannot be read without the vmlinux's BTF"),
        "{}",
        r.stderr
    );
}

/// A dump of a kernel read from BTF says so, and compares as the tree does.
#[test]
fn a_btf_dump_round_trips() {
    let p1 = plain("v1");
    let dir = scratch("btf-dump");
    let out = dir.join("v1-btf.kmi");
    let r = run("kmi", &["dump", s(&p1), "-o", s(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().nth(2), Some("flags btf"));
    for (a, b) in [(s(&out), s(&p1)), (s(&out), "v1")] {
        let r = run("kmidiff", &[a, b]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "", ""),
            "{a} {b}"
        );
    }
}

/// Boot images of the v1 fixture, as a distribution installs them: an x86
/// bzImage whose gzip payload is the stripped vmlinux, and a raw image
/// without ELF headers (as arm64 ships it) laid out from the vmlinux's
/// sections at their addresses, with the arm64 magic.
pub fn images() -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch("btf-images");
    if dir.join("done").exists() {
        return dir;
    }
    let stripped = dir.join("vmlinux.stripped");
    let st = Command::new("objcopy")
        .arg("--strip-all")
        .arg(kernels().join("v1/vmlinux"))
        .arg(&stripped)
        .status()
        .expect("objcopy (binutils) is needed by this test");
    assert!(st.success());
    let elf_bytes = std::fs::read(&stripped).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &elf_bytes).unwrap();
    let payload = gz.finish().unwrap();
    // Boot sector and one setup sector; the payload 0x100 bytes into the
    // protected-mode code (boot protocol 2.15).
    let mut bz = vec![0u8; 1024 + 0x100];
    bz[0x1F1] = 1;
    bz[0x202..0x206].copy_from_slice(b"HdrS");
    bz[0x206..0x208].copy_from_slice(&0x020Fu16.to_le_bytes());
    bz[0x248..0x24C].copy_from_slice(&0x100u32.to_le_bytes());
    bz[0x24C..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    bz.extend_from_slice(&payload);
    bz.extend_from_slice(&[0xC3; 64]);
    std::fs::write(dir.join("vmlinuz-v1"), bz).unwrap();

    // The raw image: every allocated section with bytes, from _text on.
    use object::{Object, ObjectSection};
    let map = std::fs::read_to_string(kernels().join("v1/System.map")).unwrap();
    let text = map
        .lines()
        .find_map(|l| l.strip_suffix(" T _text"))
        .map(|a| u64::from_str_radix(a, 16).unwrap())
        .unwrap();
    let full = std::fs::read(kernels().join("v1/vmlinux")).unwrap();
    let elf = object::File::parse(&*full).unwrap();
    let secs: Vec<_> = elf
        .sections()
        .filter(|s| s.address() >= text && s.kind() != object::SectionKind::UninitializedData)
        .filter(|s| s.data().is_ok_and(|d| !d.is_empty()))
        .collect();
    let end = secs.iter().map(|s| s.address() + s.size()).max().unwrap();
    let mut image = vec![0u8; (end - text) as usize];
    for s in secs {
        let d = s.data().unwrap();
        let at = (s.address() - text) as usize;
        image[at..at + d.len()].copy_from_slice(d);
    }
    image[0x38..0x3C].copy_from_slice(b"ARM\x64");
    std::fs::write(dir.join("Image-v1"), image).unwrap();
    std::fs::write(dir.join("done"), "").unwrap();
    dir
}

/// The installed kernel (a bzImage and modules without debug info) against
/// the debug tree of the same build: nothing changed.
#[test]
fn a_vmlinuz_against_the_debug_tree_of_its_build() {
    let img = images();
    let p1 = plain("v1");
    let vz = img.join("vmlinuz-v1");
    let mods = p1.join("modules");
    let r = run(
        "kmidiff",
        &[
            "--verbose",
            "--vmlinux1",
            s(&vz),
            "--vmlinux2",
            "v1/vmlinux",
            s(&mods),
            "v1/modules",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("0 exports typed from DWARF, 4101 from BTF"),
        "{}",
        r.stderr
    );
    // The same for the symbol-level check, a baseline and the symbol lists.
    let r = run("kmi", &["abi-check", "--vmlinux1", s(&vz), s(&mods), "v1"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let dump = scratch("btf-images").join("vmlinuz.kmi");
    let r = run(
        "kmi",
        &["dump", "--vmlinux", s(&vz), s(&mods), "-o", s(&dump)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run("kmidiff", &[s(&dump), "v1"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run(
        "kmi",
        &[
            "modcheck",
            "--kernel",
            s(&mods),
            "--vmlinux",
            s(&vz),
            "v1/modules/extra/kmi_b.ko",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// A kernel image without ELF headers: its exports decoded with a real
/// System.map, or read from Module.symvers; its BTF found by its header.
#[test]
fn an_image_without_elf_headers() {
    let img = images();
    let p1 = plain("v1");
    let image = img.join("Image-v1");
    let mods = p1.join("modules");
    let r = run(
        "kmidiff",
        &[
            "--system-map1",
            "v1/System.map",
            "--vmlinux1",
            s(&image),
            s(&mods),
            "v1",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run(
        "kmidiff",
        &[
            "--symvers1",
            "v1/Module.symvers",
            "--vmlinux1",
            s(&image),
            s(&mods),
            "v1",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    // The headers package's Module.symvers, found from the modules directory
    // as /lib/modules/RELEASE/build/Module.symvers.
    let with_build = scratch("btf-images").join("modules-with-build");
    if !with_build.exists() {
        let st = Command::new("cp")
            .arg("-r")
            .arg(&mods)
            .arg(&with_build)
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::create_dir_all(with_build.join("build")).unwrap();
        std::fs::copy(
            kernels().join("v1/Module.symvers"),
            with_build.join("build/Module.symvers"),
        )
        .unwrap();
    }
    let r = run("kmidiff", &["--vmlinux1", s(&image), s(&with_build), "v1"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            s(&with_build),
            "--vmlinux",
            s(&image),
            "v1/modules",
            "-o",
            "-",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("match_token"), "{}", r.stdout);
    // Neither: what to pass instead, in one line.
    let r = run("kmidiff", &["--vmlinux1", s(&image), s(&mods), "v1"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "kmidiff: {}: arm64 Image without ELF headers: its exports cannot be read from it alone; give its System.map (--system-map, from the -dbg package or /proc/kallsyms) or the kernel's Module.symvers (--symvers, from linux-headers-RELEASE)\n",
            image.display()
        )
    );
    // Another build's map: the tables are not where it says.
    let r = run(
        "kmidiff",
        &[
            "--system-map1",
            "v2/System.map",
            "--vmlinux1",
            s(&image),
            s(&mods),
            "v1",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("(with the System.map v2/System.map)"),
        "{}",
        r.stderr
    );
}

//! Hostile input (issue 10, items 7, 9 and 10): outputs that must not be
//! replaced, empty or contradictory inputs that must not pass silently, and
//! messages that must say what a path really is. Every input is built here.

use crate::common::*;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", p.display());
}

/// `kmi symbols extract` of what kmi_b imports, written to `out`: a quick
/// command that writes through the same output function as `kmi dump`.
fn extract_to(out: &Path) -> Run {
    run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            "v2",
            "v2/modules/extra/kmi_b.ko",
            "-o",
            s(out),
        ],
    )
}

/// A character device node in `dir` like /dev/`name` (major 1): as root the
/// test then never touches the real /dev (an old build would have replaced
/// it); otherwise the real one, which a non-root run cannot replace.
fn char_device(dir: &Path, name: &str, minor: u32) -> PathBuf {
    let p = dir.join(name);
    let made = Command::new("mknod")
        .arg(&p)
        .args(["c", "1", &minor.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        p
    } else {
        PathBuf::from("/dev").join(name)
    }
}

fn leftover_temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp"))
        .collect()
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

// ---- item 7: outputs ----

#[test]
fn output_onto_a_symlink_writes_its_target() {
    let d = tmp();
    let target = d.path().join("list.txt");
    std::fs::write(&target, "old\n").unwrap();
    let link = d.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let r = extract_to(&link);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("[abi_symbol_list]"), "{text}");
}

#[test]
fn output_onto_a_dangling_symlink_is_refused() {
    let d = tmp();
    let link = d.path().join("link.txt");
    std::os::unix::fs::symlink(d.path().join("gone"), &link).unwrap();
    let r = extract_to(&link);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is a symbolic link to a file that does not exist"),
        "{}",
        r.stderr
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn output_onto_a_fifo_writes_into_it() {
    let d = tmp();
    let fifo = d.path().join("out.fifo");
    mkfifo(&fifo);
    let got = d.path().join("got.txt");
    let mut cat = Command::new("cat")
        .arg(&fifo)
        .stdout(std::fs::File::create(&got).unwrap())
        .spawn()
        .unwrap();
    let r = extract_to(&fifo);
    // An old build renamed a file over the FIFO: cat never saw a writer.
    let st = wait_timeout(&mut cat, Duration::from_secs(20));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(st.is_some_and(|s| s.success()), "nothing reached the FIFO");
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    let text = std::fs::read_to_string(&got).unwrap();
    assert!(text.starts_with("[abi_symbol_list]"), "{text}");
}

#[test]
fn output_onto_dev_null_writes_through() {
    let d = tmp();
    let null = char_device(d.path(), "null", 3);
    let r = extract_to(&null);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "the device was replaced");
    assert!(leftover_temps(d.path()).is_empty());
}

#[test]
fn output_onto_dev_full_fails_clearly() {
    let d = tmp();
    let full = char_device(d.path(), "full", 7);
    let r = extract_to(&full);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmi: {}: cannot write: No space left on device (os error 28)",
            full.display()
        )
    );
    let meta = std::fs::symlink_metadata(&full).unwrap();
    assert!(meta.file_type().is_char_device(), "the device was replaced");
}

#[test]
fn output_onto_a_directory_is_refused() {
    let d = tmp();
    let dir = d.path().join("out.kmi");
    std::fs::create_dir(&dir).unwrap();
    let r = extract_to(&dir);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is a directory, not a file: not writing the output there"),
        "{}",
        r.stderr
    );
}

/// SIGINT while `kmi dump` writes: the hidden temp file goes, the exit
/// status is 130. The write lasts a fraction of a second, so the signal is
/// sent as soon as the temp file shows, and the run is retried if it was
/// missed (finished first); only a caught write counts.
#[test]
fn interrupted_dump_leaves_no_temp_file() {
    let exe = env!("CARGO_BIN_EXE_kmi");
    for _ in 0..20 {
        let d = tmp();
        let out = d.path().join("v1.kmi");
        let mut child = Command::new(exe)
            .args(["dump", "v1", "-o", s(&out)])
            .current_dir(kernels())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        let mut caught = false;
        while t0.elapsed() < Duration::from_secs(60) {
            if !leftover_temps(d.path()).is_empty() {
                let ok = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status()
                    .unwrap();
                caught = ok.success();
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let st = wait_timeout(&mut child, Duration::from_secs(60)).expect("kmi dump ends");
        if !caught || st.code() == Some(0) {
            continue; // finished before the signal landed
        }
        assert_eq!(st.code(), Some(130), "{st:?}");
        assert_eq!(leftover_temps(d.path()), Vec::<String>::new());
        return;
    }
    panic!("never caught kmi dump while it wrote its output");
}

// ---- item 9: silent success ----

fn kmidiff_list(list: &Path) -> Run {
    kmidiff(&["-w", s(list)], "v1", "v2")
}

#[test]
fn empty_whitelist_is_an_error() {
    let d = tmp();
    let l = d.path().join("empty.list");
    std::fs::write(&l, "").unwrap();
    let r = kmidiff_list(&l);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!("kmidiff: {}: holds no symbol names", l.display())
    );
}

#[test]
fn symbol_list_without_entries_is_an_error() {
    let d = tmp();
    let l = d.path().join("abi.list");
    std::fs::write(&l, "[abi_symbol_list]\n# nothing yet\n").unwrap();
    let r = kmidiff_list(&l);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("holds no symbol names"), "{}", r.stderr);
}

#[test]
fn symbol_list_matching_nothing_warns() {
    let d = tmp();
    let l = d.path().join("abi.list");
    std::fs::write(&l, "[abi_symbol_list]\n  no_such_symbol\n  nor_this_one\n").unwrap();
    let r = kmidiff_list(&l);
    assert!(
        r.stderr
            .contains("kmidiff: warning: none of the 2 listed symbols is exported by either side"),
        "{}",
        r.stderr
    );
}

#[test]
fn dump_of_a_list_matching_nothing_is_an_error() {
    let d = tmp();
    let l = d.path().join("abi.list");
    std::fs::write(&l, "[abi_symbol_list]\n  no_such_symbol\n").unwrap();
    let out = d.path().join("out.kmi");
    let r = run("kmi", &["dump", "-w", s(&l), "v1", "-o", s(&out)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        "kmi: v1: exports none of the 1 listed symbols: nothing to dump"
    );
    assert!(!out.exists());
}

fn symvers_line(crc: &str, name: &str) -> String {
    format!("{crc}\t{name}\tvmlinux\tEXPORT_SYMBOL\t\n")
}

#[test]
fn symvers_with_a_symbol_twice_is_an_error() {
    let d = tmp();
    let p = d.path().join("Module.symvers");
    let text = [
        symvers_line("0x11111111", "foo"),
        symvers_line("0x22222222", "bar"),
        symvers_line("0x33333333", "foo"),
    ]
    .concat();
    std::fs::write(&p, text).unwrap();
    let r = run("kmi", &["abi-check", s(&p), "v1/Module.symvers"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmi: {}:3: symbol 'foo' listed twice (first at line 1)",
            p.display()
        )
    );
}

#[test]
fn symvers_crc_wider_than_32_bits_is_an_error() {
    let d = tmp();
    let p = d.path().join("Module.symvers");
    let text = [
        symvers_line("0x11111111", "foo"),
        symvers_line("0x123456789", "bar"),
    ]
    .concat();
    std::fs::write(&p, text).unwrap();
    let r = run("kmi", &["abi-check", s(&p), "v1/Module.symvers"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmi: {}:2: invalid CRC '0x123456789': wider than 32 bits",
            p.display()
        )
    );
}

fn kmidiff_modules(dir: &Path) -> Run {
    run(
        "kmidiff",
        &[
            "--vmlinux1",
            "v1/vmlinux",
            "--vmlinux2",
            "v2/vmlinux",
            s(dir),
            "v2/modules",
        ],
    )
}

#[test]
fn empty_modules_dir_is_an_error() {
    let d = tmp();
    let r = kmidiff_modules(d.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmidiff: {}: no modules (*.ko) below this directory",
            d.path().display()
        )
    );
}

#[test]
fn modules_dir_with_only_a_dangling_link_is_an_error() {
    let d = tmp();
    let ko = d.path().join("x.ko");
    std::os::unix::fs::symlink(d.path().join("gone.ko"), &ko).unwrap();
    let r = kmidiff_modules(d.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmidiff: {}: is a dangling symbolic link, not a module, and the only *.ko below {}",
            ko.display(),
            d.path().display()
        )
    );
}

#[test]
fn modules_dir_with_only_a_fifo_is_an_error() {
    let d = tmp();
    let ko = d.path().join("x.ko");
    mkfifo(&ko);
    let r = kmidiff_modules(d.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("x.ko: is a FIFO (named pipe), not a module"),
        "{}",
        r.stderr
    );
}

#[test]
fn modules_dir_with_only_a_directory_is_an_error() {
    let d = tmp();
    std::fs::create_dir(d.path().join("x.ko")).unwrap();
    let r = kmidiff_modules(d.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("x.ko: is a directory, not a module"),
        "{}",
        r.stderr
    );
}

#[test]
fn dump_holding_only_its_header_is_an_error() {
    let (v1, _) = fixture_dumps();
    let header = std::fs::read_to_string(v1).unwrap();
    let header = header.lines().next().unwrap();
    let d = tmp();
    let p = d.path().join("cut.kmi");
    std::fs::write(&p, format!("{header}\n")).unwrap();
    let r = run("kmi", &["abi-check", s(&p), s(&p)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "kmi: {}: holds only the header, no symbol",
            p.display()
        )),
        "{}",
        r.stderr
    );
}

// ---- item 10: messages ----

fn vmlinux1(path: &Path) -> Run {
    run(
        "kmidiff",
        &[
            "--vmlinux1",
            s(path),
            "--vmlinux2",
            "v2/vmlinux",
            "v1/modules",
            "v2/modules",
        ],
    )
}

#[test]
fn dev_zero_as_vmlinux_is_named_a_device() {
    let r = vmlinux1(Path::new("/dev/zero"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        "kmidiff: /dev/zero: is a character device, not a file"
    );
}

#[test]
fn dev_null_as_vmlinux_is_named_a_device() {
    let r = vmlinux1(Path::new("/dev/null"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        "kmidiff: /dev/null: is a character device, not a file"
    );
}

#[test]
fn fifo_as_vmlinux_is_named_a_fifo() {
    let d = tmp();
    let f = d.path().join("vmlinux");
    mkfifo(&f);
    // An old build blocks for ever opening it: run with a time limit.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmidiff"))
        .args(["--vmlinux1", s(&f), "--vmlinux2", "v2/vmlinux"])
        .args(["v1/modules", "v2/modules"])
        .current_dir(kernels())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let st = wait_timeout(&mut child, Duration::from_secs(30)).expect("no hang on a FIFO");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(st.code(), Some(1), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "kmidiff: {}: is a FIFO (named pipe), not a file",
            f.display()
        )
    );
}

#[test]
fn character_device_as_a_module_is_named() {
    let r = run("kmi", &["modcheck", "--kernel", "v1", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("/dev/zero: is a character device, not a file"),
        "{}",
        r.stderr
    );
}

#[test]
fn unquoted_regex_with_braces_says_to_quote_it() {
    let d = tmp();
    let p = d.path().join("s.suppr");
    std::fs::write(&p, "[suppress_type]\nname_regexp = ^kmi_[a-z]{2,}$\n").unwrap();
    let r = kmidiff(&["--suppressions", s(&p)], "v1", "v2");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "kmidiff: {}:2: in the value of 'name_regexp': unexpected '{{' after the value: braces in a value start a tuple, so a value holding them must be quoted: \"^kmi_[a-z]{{2,}}$\"",
            p.display()
        )
    );
}

#[test]
fn control_characters_are_escaped_in_errors() {
    let d = tmp();
    let l = d.path().join("list");
    std::fs::write(&l, b"foo\x1b[31mbar\x00\n").unwrap();
    let r = kmidiff_list(&l);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        !r.stderr.contains('\x1b') && !r.stderr.contains('\0'),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(r"not a symbol name: 'foo\u{1b}[31mbar\u{0}'"),
        "{}",
        r.stderr
    );
}

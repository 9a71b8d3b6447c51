//! Running the binaries on the shared fixtures.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

pub fn kernels() -> PathBuf {
    fixtures().join("kernels")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(bin: &str, args: &[&str]) -> Run {
    run_in(&kernels(), bin, args)
}

/// Run a binary in `dir`: relative paths in `args` are taken from there.
pub fn run_in(dir: &std::path::Path, bin: &str, args: &[&str]) -> Run {
    let exe = match bin {
        "kmidiff" => env!("CARGO_BIN_EXE_kmidiff"),
        _ => env!("CARGO_BIN_EXE_kmi"),
    };
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn kmidiff(extra: &[&str], a: &str, b: &str) -> Run {
    let va = format!("{a}/vmlinux");
    let vb = format!("{b}/vmlinux");
    let ma = format!("{a}/modules");
    let mb = format!("{b}/modules");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["--vmlinux1", &va, "--vmlinux2", &vb, &ma, &mb]);
    run("kmidiff", &args)
}

/// A scratch directory under cargo's target/tmp, one per name. Files in it
/// are written atomically by our tools and are deterministic, so tests (or
/// concurrent test runs) writing the same file cannot disturb each other.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// `kmi dump` of the v1 and v2 fixture kernels, made once per test process.
pub fn fixture_dumps() -> &'static (PathBuf, PathBuf) {
    static DUMPS: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    DUMPS.get_or_init(|| {
        let dir = scratch("fixture-dumps");
        let (v1, v2) = (dir.join("v1.kmi"), dir.join("v2.kmi"));
        for (tree, out) in [("v1", &v1), ("v2", &v2)] {
            let r = run("kmi", &["dump", tree, "-o", out.to_str().unwrap()]);
            assert_eq!(r.code, 0, "kmi dump {tree}: {}", r.stderr);
        }
        (v1, v2)
    })
}

/// A path as a test argument.
pub fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The ground truth of the v1 -> v2 fixture pair.
pub fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(kernels().join("expected-v1-v2.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Symbol names of one list of `expected()`: plain strings or `{symbol: ..}`.
pub fn expected_names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| match x {
            serde_json::Value::String(s) => s.clone(),
            o => o["symbol"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// Compile C `src` with gcc (`-g -c` and `flags`) into `dir/NAME.ko`, with
/// a `__ksymtab` entry per name of `exports`: a relocatable object with
/// DWARF as GCC writes it, which the readers take for a module. Run in
/// `dir`, so a `-gsplit-dwarf` `.dwo` lands beside it.
pub fn gcc_module(
    dir: &std::path::Path,
    name: &str,
    src: &str,
    exports: &[&str],
    flags: &[&str],
) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut text = format!("{src}\n");
    for e in exports {
        text += &format!(
            "__attribute__((section(\"__ksymtab\"), used)) static const int __ksymtab_{e}[3] = {{0}};\n"
        );
    }
    let c = format!("{name}.c");
    std::fs::write(dir.join(&c), text).unwrap();
    let ko = format!("{name}.ko");
    let out = std::process::Command::new("gcc")
        .args(flags)
        .args(["-g", "-c", &c, "-o", &ko])
        .current_dir(dir)
        .output()
        .expect("gcc is needed by this test (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(dir.join(&c)).unwrap();
    dir.join(ko)
}

/// `kmidiff` failed on `file`: exit 1 and one line on stderr, opening with
/// the file's name.
pub fn assert_one_line_error(r: &Run, file: &std::path::Path) {
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with(&format!("kmidiff: {}:", file.display())),
        "{}",
        r.stderr
    );
}

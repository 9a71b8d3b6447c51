//! Kernels named as installed: by release, `running`, or their
//! `/lib/modules/RELEASE` directory, found under a root laid out as Debian
//! installs a kernel (`boot/vmlinuz-R`, `lib/modules/R`, the headers'
//! `Module.symvers` through the absolute `build` link, and the `-dbg`
//! package's `usr/lib/debug/boot/vmlinux-R`), here from the v1 fixture.

use crate::btf::images;
use crate::common::*;
use std::path::{Path, PathBuf};

const RELEASE: &str = "6.1.192";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A root with the v1 kernel installed: image, modules and headers; with
/// `debug`, its `-dbg` package too.
fn root(name: &str, debug: bool) -> PathBuf {
    // Tests run in parallel and share roots: one builds, the others wait.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let r = scratch(name);
    if r.join("done").exists() {
        return r;
    }
    let k = kernels().join("v1");
    let modules = r.join(format!("lib/modules/{RELEASE}"));
    copy_tree(&k.join("modules"), &modules);
    std::fs::create_dir_all(r.join("boot")).unwrap();
    std::fs::copy(
        images().join("vmlinuz-v1"),
        r.join(format!("boot/vmlinuz-{RELEASE}")),
    )
    .unwrap();
    let headers = r.join(format!("usr/src/linux-headers-{RELEASE}"));
    std::fs::create_dir_all(&headers).unwrap();
    std::fs::copy(k.join("Module.symvers"), headers.join("Module.symvers")).unwrap();
    std::os::unix::fs::symlink(
        format!("/usr/src/linux-headers-{RELEASE}"),
        modules.join("build"),
    )
    .unwrap();
    if debug {
        let dbg = r.join("usr/lib/debug/boot");
        std::fs::create_dir_all(&dbg).unwrap();
        std::fs::copy(k.join("vmlinux"), dbg.join(format!("vmlinux-{RELEASE}"))).unwrap();
    }
    std::fs::write(r.join("done"), "").unwrap();
    r
}

/// stdout without its first line, which names the kernel's paths.
fn body(s: &str) -> &str {
    s.split_once('\n').map_or("", |(_, rest)| rest)
}

#[test]
fn modcheck_finds_the_boot_image_of_a_release_under_a_root() {
    let r = root("installed-plain", false);
    let module = kernels().join("v2/modules/extra/kmi_b.ko");
    let by_release = run(
        "kmi",
        &["modcheck", "--root", s(&r), s(&module), "--kernel", RELEASE],
    );
    assert_eq!(by_release.code, 4, "{}", by_release.stderr);
    let said = format!(
        "kmi: kernel {RELEASE}: {}/boot/vmlinuz-{RELEASE} (BTF) and the modules in {}/lib/modules/{RELEASE}",
        r.display(),
        r.display()
    );
    assert!(by_release.stderr.contains(&said), "{}", by_release.stderr);
    // As with the explicit paths.
    let explicit = run(
        "kmi",
        &[
            "modcheck",
            s(&module),
            "--kernel",
            s(&r.join(format!("lib/modules/{RELEASE}"))),
            "--vmlinux",
            s(&r.join(format!("boot/vmlinuz-{RELEASE}"))),
        ],
    );
    assert_eq!(explicit.code, 4, "{}", explicit.stderr);
    assert_eq!(body(&by_release.stdout), body(&explicit.stdout));
    assert!(
        by_release
            .stdout
            .contains("CRC mismatch: match_token (vmlinux)")
    );
    // The modules directory alone says as much: its root is where it sits.
    let by_dir = run(
        "kmi",
        &[
            "modcheck",
            s(&module),
            "--kernel",
            s(&r.join(format!("lib/modules/{RELEASE}"))),
        ],
    );
    assert_eq!(by_dir.code, 4, "{}", by_dir.stderr);
    assert!(by_dir.stderr.contains("(BTF)"), "{}", by_dir.stderr);
    assert_eq!(body(&by_dir.stdout), body(&explicit.stdout));
}

#[test]
fn a_debug_package_is_preferred_for_its_dwarf() {
    let r = root("installed-debug", true);
    let res = run("kmidiff", &["--root", s(&r), RELEASE, "v2"]);
    assert_eq!(res.code, 12, "{}", res.stderr);
    assert!(
        res.stderr.contains(&format!(
            "usr/lib/debug/boot/vmlinux-{RELEASE} (debug info)"
        )),
        "{}",
        res.stderr
    );
    // The same report as the tree it was installed from.
    assert_eq!(res.stdout, kmidiff(&[], "v1", "v2").stdout);
    // Without the debug package, BTF, and the same changes.
    let plain = root("installed-plain", false);
    let res = run("kmidiff", &["--root", s(&plain), RELEASE, "v2"]);
    assert_eq!(res.code, 12, "{}", res.stderr);
    assert!(res.stderr.contains("(BTF)"), "{}", res.stderr);
    assert!(
        res.stdout.contains("7 leaf types changed"),
        "{}",
        res.stdout
    );
}

#[test]
fn nothing_installed_lists_the_places_looked_at() {
    let r = scratch("installed-nothing");
    std::fs::create_dir_all(r.join(format!("lib/modules/{RELEASE}"))).unwrap();
    let res = run("kmi", &["dump", "--root", s(&r), RELEASE, "-o", "-"]);
    assert_eq!(res.code, 2, "{}", res.stderr);
    assert_eq!(res.stderr.lines().count(), 1, "{}", res.stderr);
    for place in [
        format!("usr/lib/debug/boot/vmlinux-{RELEASE}"),
        format!("usr/lib/debug/lib/modules/{RELEASE}/vmlinux"),
        format!("boot/vmlinuz-{RELEASE}"),
    ] {
        assert!(res.stderr.contains(&place), "{place}: {}", res.stderr);
    }
    // Headers alone serve a job that needs only the exports, not one that
    // needs types.
    let r = root("installed-headers", false);
    let _ = std::fs::remove_file(r.join(format!("boot/vmlinuz-{RELEASE}")));
    let module = kernels().join("v1/modules/extra/kmi_b.ko");
    let res = run(
        "kmi",
        &["modcheck", "--root", s(&r), s(&module), "--kernel", RELEASE],
    );
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stderr.contains("Module.symvers (exports only"),
        "{}",
        res.stderr
    );
    let res = run("kmi", &["dump", "--root", s(&r), RELEASE, "-o", "-"]);
    assert_eq!(res.code, 2, "{}", res.stderr);
    assert!(res.stderr.contains("holds no types"), "{}", res.stderr);
}

#[test]
fn modcheck_without_kernel_checks_the_running_one() {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let release = release.trim();
    let r = scratch("installed-running");
    let module = kernels().join("v1/modules/extra/kmi_b.ko");
    let res = run("kmi", &["modcheck", "--root", s(&r), s(&module)]);
    // This machine's kernel is not installed under the empty root.
    assert_eq!(res.code, 2, "{}", res.stderr);
    assert!(
        res.stderr.contains(&format!(
            "no kernel {release} installed under {}",
            r.display()
        )),
        "{}",
        res.stderr
    );
}

/// The real thing: Debian's plain 6.1.0-56 cloud packages (image and
/// headers) unpacked under a root, and its `-dbg` package beside them.
#[cfg(feature = "distro-tests")]
mod debian {
    use super::*;

    const R: &str = "6.1.0-56-cloud-amd64";

    fn unpacked_root(debug: bool) -> PathBuf {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let root = scratch(if debug {
            "debian-root-dbg"
        } else {
            "debian-root"
        });
        if !root.join("done").exists() {
            for deb in [
                "linux-image-6.1.0-56-cloud-amd64-unsigned_6.1.192-2_amd64.deb",
                "linux-headers-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb",
            ] {
                let st = std::process::Command::new("dpkg")
                    .arg("-x")
                    .arg(Path::new("/work/cache/plain").join(deb))
                    .arg(&root)
                    .status()
                    .unwrap();
                assert!(st.success(), "dpkg -x {deb}");
            }
            if debug {
                std::fs::create_dir_all(root.join("usr/lib")).unwrap();
                std::os::unix::fs::symlink(
                    "/work/cache/deb/k56/usr/lib/debug",
                    root.join("usr/lib/debug"),
                )
                .unwrap();
            }
            std::fs::write(root.join("done"), "").unwrap();
        }
        root
    }

    #[test]
    fn modcheck_by_release_in_an_unpacked_package() {
        let root = unpacked_root(false);
        let dir = root.join(format!("lib/modules/{R}/kernel/drivers/net"));
        let r = run(
            "kmi",
            &["modcheck", "--root", s(&root), s(&dir), "--kernel", R],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("boot/vmlinuz-{R} (BTF)")),
            "{}",
            r.stderr
        );
        let explicit = run(
            "kmi",
            &[
                "modcheck",
                s(&dir),
                "--kernel",
                s(&root.join(format!("lib/modules/{R}"))),
                "--vmlinux",
                s(&root.join(format!("boot/vmlinuz-{R}"))),
            ],
        );
        assert_eq!(body(&r.stdout), body(&explicit.stdout));
        // With the debug package: its DWARF, and no change against its tree.
        let root = unpacked_root(true);
        let tree = format!("/work/cache/deb/k56/usr/lib/debug/lib/modules/{R}");
        let r = run("kmidiff", &["--root", s(&root), R, &tree]);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
        assert!(r.stderr.contains("(debug info)"), "{}", r.stderr);
    }
}

#[test]
fn a_release_takes_no_file_given_apart_and_a_staging_tree_is_modules() {
    let r = root("installed-plain", false);
    let module = kernels().join("v1/modules/extra/kmi_b.ko");
    let v = kernels().join("v2/vmlinux");
    let res = run(
        "kmi",
        &[
            "modcheck",
            "--root",
            s(&r),
            s(&module),
            "--kernel",
            RELEASE,
            "--vmlinux",
            s(&v),
        ],
    );
    assert_eq!(res.code, 2, "{}", res.stderr);
    assert!(
        res.stderr.contains("names an installed kernel"),
        "{}",
        res.stderr
    );
    // `make modules_install INSTALL_MOD_PATH=staging`: modules, no kernel.
    let staging = scratch("installed-staging");
    copy_tree(
        &kernels().join("v1/modules"),
        &staging.join(format!("lib/modules/{RELEASE}")),
    );
    let res = run(
        "kmi",
        &[
            "symbols",
            "extract",
            "--kernel",
            s(&staging.join(format!("lib/modules/{RELEASE}"))),
            s(&module),
            "-o",
            "-",
        ],
    );
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stderr.contains("reading the modules only"),
        "{}",
        res.stderr
    );
}

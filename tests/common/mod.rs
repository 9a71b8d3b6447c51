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
    let exe = match bin {
        "kmidiff" => env!("CARGO_BIN_EXE_kmidiff"),
        _ => env!("CARGO_BIN_EXE_kmi"),
    };
    let out = Command::new(exe)
        .args(args)
        .current_dir(kernels())
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

//! `kmi man` and `kmi completions` as an admin uses them: every page
//! renders with `man -l`, every bash script loads.

use crate::common::*;
use std::process::Command;

#[test]
fn every_man_page_renders() {
    let dir = scratch("man");
    let r = run("kmi", &["man", s(&dir)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "1"))
        .collect();
    assert_eq!(
        pages.len(),
        13,
        "kmidiff, kmi and its subcommands: {pages:?}"
    );
    assert!(r.stdout.contains("13 manual pages written"), "{}", r.stdout);
    if !std::path::Path::new("/usr/bin/man").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have man (.ci/run installs man-db)"
        );
        eprintln!("every_man_page_renders: man not installed, pages not rendered");
        return;
    }
    for p in &pages {
        let out = Command::new("man")
            .args(["-P", "cat", "-l"])
            .arg(p)
            .env("MANWIDTH", "80")
            .env("MAN_DISABLE_SECCOMP", "1")
            .output()
            .expect("man runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", p.display());
        assert!(stderr.trim().is_empty(), "{}: {stderr}", p.display());
        for section in ["NAME", "SYNOPSIS", "OPTIONS"] {
            assert!(
                text.contains(section),
                "{}: no {section}:\n{text}",
                p.display()
            );
        }
    }
    // The examples of --help are in the pages too.
    let modcheck = std::fs::read_to_string(dir.join("kmi-modcheck.1")).unwrap();
    assert!(
        modcheck.contains("against the running kernel"),
        "{modcheck}"
    );
    // Not a directory: one line naming it.
    let r = run("kmi", &["man", s(&dir.join("kmi.1"))]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
}

#[test]
fn completion_scripts_load_in_bash() {
    let dir = scratch("completions");
    for program in ["kmi", "kmidiff"] {
        let r = run("kmi", &["completions", "bash", "--command", program]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let script = dir.join(format!("{program}.bash"));
        std::fs::write(&script, &r.stdout).unwrap();
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -e; source {}; complete -p {program}",
                s(&script)
            ))
            .output()
            .expect("bash runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{program}: {stderr}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!(" {program}")),
            "{program}: not registered"
        );
        // What bash offers after `kmi ` (or `kmidiff --`).
        let (line, expect) = match program {
            "kmi" => ("kmi ", "modcheck"),
            _ => ("kmidiff --", "--vmlinux1"),
        };
        let words: Vec<&str> = line.split(' ').collect();
        let probe = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; _{program} {program} '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            s(&script),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            line.len(),
            words.last().unwrap(),
            words[words.len().saturating_sub(2)],
        );
        let out = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
        let offered = String::from_utf8_lossy(&out.stdout);
        assert!(
            offered.lines().any(|l| l == expect),
            "{program}: {offered} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for shell in ["zsh", "fish"] {
        let r = run("kmi", &["completions", shell]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("kmi"), "{shell}");
    }
}

/// Every command's `--help` ends with examples: two or three command lines.
#[test]
fn every_help_ends_with_examples() {
    let commands: &[&[&str]] = &[
        &[],
        &["abi-check"],
        &["modcheck"],
        &["dump"],
        &["symbols"],
        &["symbols", "extract"],
        &["symbols", "check"],
        &["suppressions"],
        &["suppressions", "keys"],
        &["render"],
        &["man"],
        &["completions"],
    ];
    let mut runs: Vec<(String, Run)> = commands
        .iter()
        .map(|c| {
            let mut a = c.to_vec();
            a.push("--help");
            (format!("kmi {}", c.join(" ")), run("kmi", &a))
        })
        .collect();
    runs.push(("kmidiff".into(), run("kmidiff", &["--help"])));
    for (name, r) in runs {
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let (_, examples) = r
            .stdout
            .rsplit_once("Examples:\n")
            .unwrap_or_else(|| panic!("{name} --help has no examples:\n{}", r.stdout));
        let lines = examples.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(
            (2..=3).contains(&lines),
            "{name}: {lines} examples:\n{examples}"
        );
    }
}

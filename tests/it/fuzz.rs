//! The fuzz harnesses of `kmidiff::fuzz` on stable: each runs its checked-in
//! seed corpus (`fuzz/seeds/<target>/`) and a few thousand deterministic
//! mutations of it, so CI exercises every parser without nightly or
//! libFuzzer. A panic fails the test; the failing input is written next to
//! the target dir so it can be replayed with `cargo fuzz run TARGET FILE`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use kmidiff::fuzz::HARNESSES;

/// Mutations per harness. Larger inputs (ELF, DWARF) cost more per run; the
/// whole module stays within ~20 s in debug on two cores.
const MUTATIONS: usize = 5000;

/// Fixture modules too big to check in twice, fed to the ELF harnesses by
/// path.
const FIXTURE_MODULES: &[&str] = &[
    "kernels/v1/modules/extra/kmi_a.ko",
    "libabigail-tests/test-symtab/kernel-modversions/one_of_each.ko",
];

use kmidiff::fuzz::Rng;

/// Values that sit on the boundaries parsers check: lengths, counts, offsets.
const INTERESTING: &[u64] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x7fff_ffff,
    u32::MAX as u64,
    u64::MAX,
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    // Several stacked edits find more than one: a length and the data it
    // covers often have to change together.
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                v.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(64)).min(len - i);
                v.drain(i..i + n);
            }
            4 => v.truncate(rng.below(len + 1)),
            5 if !other.is_empty() => {
                // Splice: our head, another seed's tail.
                let i = rng.below(len + 1);
                let j = rng.below(other.len());
                v.truncate(i);
                v.extend_from_slice(&other[j..]);
            }
            6 if len >= 8 => {
                // A boundary value over a (possibly unaligned) length field.
                let i = rng.below(len - 7);
                let x = INTERESTING[rng.below(INTERESTING.len())];
                let w = [1, 2, 4, 8][rng.below(4)];
                let bytes = if rng.below(2) == 0 {
                    x.to_le_bytes()
                } else {
                    x.to_be_bytes()
                };
                v[i..i + w].copy_from_slice(&bytes[8 - w..]);
            }
            7 if len > 0 => {
                // Repeat a chunk: nesting, duplicated sections and lines.
                let i = rng.below(len);
                let n = (1 + rng.below(32)).min(len - i);
                let chunk = v[i..i + n].to_vec();
                v.splice(i..i, chunk);
            }
            _ => {}
        }
    }
    v
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root().join("fuzz/seeds").join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    if matches!(target, "elf_exports" | "dwarf_types" | "modinfo") {
        let fixtures = root().join("../shared/fixtures");
        let fixtures = if fixtures.is_dir() {
            fixtures
        } else {
            PathBuf::from("/work/shared/fixtures")
        };
        paths.extend(
            FIXTURE_MODULES
                .iter()
                .map(|p| fixtures.join(p))
                .filter(|p| p.is_file()),
        );
    }
    paths.sort();
    let out: Vec<_> = paths
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect();
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

/// Runs `f` on `data`; on a panic, saves the input and says where.
fn check(target: &str, f: fn(&[u8]), data: &[u8], what: &dyn Fn() -> String) {
    if catch_unwind(AssertUnwindSafe(|| f(data))).is_err() {
        let out = root().join("target").join(format!("fuzz-crash-{target}"));
        let _ = std::fs::write(&out, data);
        panic!(
            "{target}: panic on {} (input saved to {})",
            what(),
            out.display()
        );
    }
}

fn run(target: &str) {
    let f = HARNESSES
        .iter()
        .find(|(n, _)| *n == target)
        .map(|(_, f)| *f)
        .unwrap();
    let seeds = seeds(target);
    for (p, data) in &seeds {
        check(target, f, data, &|| format!("seed {}", p.display()));
    }
    // Fixed per target so a failure reproduces alone.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15
        ^ target
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31) ^ b as u64));
    for i in 0..MUTATIONS {
        let (p, seed) = &seeds[rng.below(seeds.len())];
        let (_, other) = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed, other);
        check(target, f, &input, &|| {
            format!("mutation {i} of {}", p.display())
        });
    }
}

#[test]
fn every_harness_has_a_seed_directory() {
    for (name, _) in HARNESSES {
        assert!(
            Path::new(&root().join("fuzz/seeds").join(name)).is_dir(),
            "fuzz/seeds/{name} missing"
        );
        assert!(
            root()
                .join("fuzz/fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs missing"
        );
    }
}

macro_rules! harness_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
    };
}

harness_tests!(
    elf_exports,
    system_map,
    image_exports,
    dwarf_types,
    symvers,
    modinfo,
    whitelist,
    suppressions,
    allow,
    ignore,
    dump,
    decompress,
    kernel_image,
    stg,
    abixml,
    report_page,
);

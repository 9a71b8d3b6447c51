//! Garbled input must give an error or a result, never a panic.

use crate::common::*;
use kmidiff::read::kernel::{KernelInput, ReadOptions, read_kernel};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_modules_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(kernels().join("v1/modules/extra/kmi_a.ko")).unwrap();
    let elf = object::File::parse(
        &*kmidiff::read::file::load(&kernels().join("v1/modules/extra/kmi_a.ko")).unwrap(),
    )
    .map(|f| {
        use object::{Object, ObjectSection};
        f.sections()
            .filter(|s| {
                s.name().is_ok_and(|n| {
                    n.starts_with(".debug")
                        || n.starts_with(".rela.debug")
                        || n.starts_with("__ksymtab")
                        || n == ".symtab"
                })
            })
            .filter_map(|s| s.file_range())
            .collect::<Vec<_>>()
    })
    .unwrap();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut errors = 0;
    for round in 0..500u32 {
        let mut bytes = original.clone();
        // Aim most mutations at the sections the readers parse.
        let (start, len) = elf[(rng.next() as usize) % elf.len()];
        let flips = 1 + rng.next() % 16;
        for _ in 0..flips {
            let at = if rng.next().is_multiple_of(4) {
                (rng.next() as usize) % bytes.len()
            } else {
                start as usize + (rng.next() as usize) % (len.max(1) as usize)
            };
            bytes[at] = rng.next() as u8;
        }
        if round.is_multiple_of(10) {
            bytes.truncate((rng.next() as usize) % bytes.len());
        }
        let sub = dir.path().join(format!("r{round}"));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("kmi_a.ko"), &bytes).unwrap();
        let input = KernelInput {
            modules_dir: Some(sub.clone()),
            ..Default::default()
        };
        if read_kernel(&input, &ReadOptions::default()).is_err() {
            errors += 1;
        }
        std::fs::remove_dir_all(&sub).unwrap();
    }
    // Most mutations are caught as errors or tolerated; none panicked.
    eprintln!("{errors} of 500 mutated modules were rejected with an error");
}

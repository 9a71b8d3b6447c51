//! Debian's boot images (not in CI: they live under /work/cache).

#[cfg(feature = "distro-tests")]
mod distro {
    use std::path::Path;
    use std::time::Instant;

    use kmidiff::read::file::{KernelImage, load_kernel, looks_like_boot_image};
    use object::{Object, ObjectSection};

    const ROOT: &str = "/work/cache/plain";

    fn load(pkg: &str, image: &str) -> kmidiff::Result<KernelImage> {
        let path = Path::new(ROOT).join(pkg).join("boot").join(image);
        let head = std::fs::read(&path).unwrap();
        assert!(
            looks_like_boot_image(&head[..4096]).is_some(),
            "{image} not recognised"
        );
        let start = Instant::now();
        let k = load_kernel(&path);
        eprintln!("{image}: load_kernel took {:?}", start.elapsed());
        k
    }

    fn assert_exports(k: kmidiff::Result<KernelImage>) {
        let KernelImage::Elf(data) = k.unwrap() else {
            panic!("not an ELF");
        };
        let elf = object::File::parse(&*data).unwrap();
        for name in [
            ".BTF",
            "__ksymtab",
            "__ksymtab_gpl",
            "__kcrctab",
            "__ksymtab_strings",
        ] {
            let s = elf.section_by_name(name);
            assert!(s.is_some_and(|s| s.size() > 0), "no {name}");
        }
    }

    #[test]
    fn amd64_6_1_lz4() {
        assert_exports(load(
            "linux-image-6.1.0-55-cloud-amd64-unsigned",
            "vmlinuz-6.1.0-55-cloud-amd64",
        ));
    }

    #[test]
    fn amd64_6_12_zstd() {
        assert_exports(load(
            "linux-image-6.12.111+deb12-cloud-amd64-unsigned",
            "vmlinuz-6.12.111+deb12-cloud-amd64",
        ));
    }

    #[test]
    fn arm64_6_1_raw_image() {
        match load(
            "linux-image-6.1.0-55-cloud-arm64-unsigned",
            "vmlinuz-6.1.0-55-cloud-arm64",
        )
        .unwrap()
        {
            KernelImage::Raw { what, data } => {
                assert_eq!(what, "arm64 Image");
                assert_eq!(data.len(), 27_302_400);
            }
            KernelImage::Elf(_) => panic!("an ELF"),
        }
    }

    #[test]
    fn s390x_is_an_image_without_elf() {
        let k = load("linux-image-6.1.0-47-s390x", "vmlinuz-6.1.0-47-s390x").unwrap();
        assert!(matches!(
            k,
            KernelImage::Raw {
                what: "s390x kernel image",
                ..
            }
        ));
    }
}

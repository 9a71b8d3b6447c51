#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kmidiff::fuzz::kernel_image(data));

#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kmidiff::fuzz::report_page(data));

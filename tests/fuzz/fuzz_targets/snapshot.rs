//! The snapshot reader, and what `audit` does first with a snapshot it was given.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = bbscan_fuzz_input(bytes);
    if let Ok(s) = bbscan::snapshot::read(&path) {
        let _ = s.check_times();
        let _ = s.counts_by_kind();
    }
});

include!("input_file.rs");

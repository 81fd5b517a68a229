//! Baselines given to `audit --baseline`: a JSON report or a SARIF log.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = bbscan_fuzz_input(bytes);
    let _ = bbscan::triage::load_baseline(&path);
});

include!("input_file.rs");

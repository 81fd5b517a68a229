//! The border check of what a policy returns (rules, findings, evidence, proposed actions
//! against the catalogue, tallies), fed from JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = bbscan::host::check_results_json(bytes);
});

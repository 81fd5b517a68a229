//! The journal reader (`apply --resume`, `rollback`): its plan, hash and step entries.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = bbscan_fuzz_input(bytes);
    if let Ok((plan, _hash, entries)) = bbscan::remediate::journal::read(&path) {
        for step in &plan.steps {
            let _ = bbscan::remediate::journal::state_of(&entries, step.id);
        }
    }
});

include!("input_file.rs");

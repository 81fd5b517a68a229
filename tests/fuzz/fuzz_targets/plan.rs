//! The plan reader, `plan show`, and the header check `apply` makes before anything else.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(p) = bbscan::remediate::plan::parse(bytes, std::path::Path::new("plan.json")) {
        let _ = bbscan::remediate::plan::show(&p);
        let _ = bbscan::remediate::apply::check_header(&p);
    }
});

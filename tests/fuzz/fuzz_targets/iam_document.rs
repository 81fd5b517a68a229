//! IAM policy documents through the evaluator: a JSON array of documents, the first taken as
//! the identity's own policy; effective permissions of them all, and `within` between the first
//! three (what usage-based narrowing asks).
#![no_main]
use bbscan_iam::effective::{Expansions, effective};
use bbscan_iam::{Context, Policy, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(serde_json::Value::Array(docs)) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
    let policies: Vec<Policy> =
        docs.iter().map(|d| Policy::new(Source::new("p", "arn:aws:iam::111122223333:role/r", "/"), d)).collect();
    let refs: Vec<&Policy> = policies.iter().collect();
    let mut expansions = Expansions::new();
    let _ = effective(&refs, refs.first().copied(), &[], &Context::open(), &mut expansions, false);
    for old in docs.iter().take(3) {
        for new in docs.iter().take(3) {
            let _ = bbscan_iam::usage::within(new, old);
        }
    }
});

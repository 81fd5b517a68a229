//! `bbscan.toml`: settings, waivers, policy settings and remediation floors.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    if let Ok(config) = bbscan::config::Config::parse(text) {
        let _ = config.remediation.floors();
        let _ = config.policy_settings();
        for waiver in &config.waivers {
            let _ = waiver.validate();
        }
    }
});

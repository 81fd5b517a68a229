//! What the benches share.

use std::time::Duration;

/// The middle of the runs (the mean of the two middle ones for an even count).
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    let mid = runs.len() / 2;
    match runs.len() % 2 {
        1 => runs[mid],
        _ => (runs[mid - 1] + runs[mid]) / 2,
    }
}

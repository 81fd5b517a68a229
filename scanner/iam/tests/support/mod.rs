//! Shared by the tests and the benchmark.

// Each test crate that includes this module uses some of it.
#[allow(dead_code)]
pub mod synthetic;

//! bbscan: audit a deployed AWS environment.
//!
//! Data flows one way: [`collect`] reads AWS into a [`bbscan_model::Snapshot`]; later stages
//! evaluate policies over it and render reports.

pub mod audit;
pub mod aws;
pub mod cli;
pub mod collect;
pub mod config;
pub mod drift;
pub mod explain;
pub mod host;
pub mod organization;
pub mod permissions;
pub mod policy_test;
pub mod remediate;
pub mod scaffold;
pub mod scope;
pub mod snapshot;
pub mod toolchain;
pub mod triage;

pub use bbscan_model as model;

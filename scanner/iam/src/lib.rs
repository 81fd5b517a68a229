//! IAM as AWS decides it.
//!
//! - [`policy`]: policy documents, normalised, with what is malformed said;
//! - [`catalogue`]: every AWS action with its access level, resource types and condition keys
//!   (the Service Authorization Reference as data), wildcard expansion, action sets;
//! - [`evaluate`]: the evaluator — request + the policies that apply → `Allow`, `ExplicitDeny`,
//!   `ImplicitDeny` or `Conditional`, with the statements that decided it;
//! - [`context`], [`condition`]: request context keys and condition operators in three-valued
//!   logic;
//! - [`account`]: an account's principals and policies built once from a snapshot;
//! - [`effective`]: what a principal may do, as sets of actions, and whether it is an
//!   administrator;
//! - [`escalation`]: who can become whom, and the shortest way to administrator.
//!
//! One implementation for the host and for every policy (the Rust policy SDK re-exports it).
//! No I/O anywhere.

pub mod account;
pub mod catalogue;
pub mod condition;
pub mod context;
pub mod effective;
pub mod escalation;
pub mod evaluate;
mod pattern;
pub mod policy;
pub mod usage;

pub use catalogue::{AccessLevel, ActionId, ActionSet, Catalogue, SECRET_READS};
pub use context::{Context, KeyValue, Tri};
pub use evaluate::{
    Decision, Outcome, Policies, Policy, PolicyKind, Principal, PrincipalKind, Reason, Request, Source, evaluate,
};
pub use pattern::{has_variables, wildcard_match};
pub use policy::{Condition, Effect, Principals, Statement, statements};

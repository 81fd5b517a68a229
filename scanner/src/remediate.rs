//! Remediation: the only module that writes to AWS. Policies propose actions as data; the
//! closed catalogue ([`catalogue`]) checks them; [`plan`] turns them into reviewable steps;
//! [`apply`] runs a plan step by step against the live state, journaling ([`journal`]) before
//! and after each step so that an interrupted run resumes and a finished one rolls back. The
//! write calls themselves are in [`actions`].

pub mod actions;
pub mod apply;
pub mod catalogue;
pub mod journal;
pub mod plan;

//! Remediation. The only module that will write to AWS (plan, apply, journal come with the
//! remediation issue). For now: the closed, versioned catalogue of actions policies may propose.

pub mod catalogue;

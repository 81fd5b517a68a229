//! Applying a plan, resuming an interrupted apply, and rolling back: each step re-reads its
//! resource live, refuses when the fields it changes are not what the plan expects (a stale
//! plan), and is journaled before and after it runs.

use super::actions::{self, Writer};
use super::journal::{self, Entry, Journal, JournalError, StepState};
use super::plan::{Plan, Step};
use crate::aws::AwsSetup;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "the plan is for account {plan} ({plan_partition}), but the credentials belong to account {live} \
         ({live_partition}). Use credentials of account {plan}, or make a new plan for this account"
    )]
    WrongAccount { plan: String, plan_partition: String, live: String, live_partition: String },
    #[error("cannot tell whose credentials these are (sts:GetCallerIdentity failed: {0}); check your AWS credentials")]
    Identity(String),
    #[error(
        "step {step} ({action} on {target}) is stale: {details}. The resource changed after the plan was made; \
         make a new plan. Nothing after step {step} ran"
    )]
    Stale { step: u32, action: String, target: String, details: String },
    #[error("step {step} ({action} on {target}): {target} no longer exists; make a new plan")]
    Gone { step: u32, action: String, target: String },
    #[error("step {step} ({action} on {target}): cannot read its current state ({reason}); nothing was changed by it")]
    Unreadable { step: u32, action: String, target: String, reason: String },
    #[error("step {step} ({action} on {target}) failed: {error}. Steps before it are applied (see the journal)")]
    Write { step: u32, action: String, target: String, error: actions::WriteError },
    #[error(
        "step {step} ({action} on {target}) was interrupted and {target} is neither as before it nor as planned \
         after it: {details}. Look at the resource, then roll back or make a new plan"
    )]
    Ambiguous { step: u32, action: String, target: String, details: String },
    #[error(
        "cannot undo step {step} ({action} on {target}): it is no longer as apply left it ({details}). Someone \
         changed it since; undo by hand"
    )]
    Moved { step: u32, action: String, target: String, details: String },
    #[error("the journal records plan {journal} but {given} was given: resume with the journal alone")]
    PlanMismatch { journal: String, given: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// How the run went, for the caller to print.
#[derive(Debug, Default)]
pub struct Outcome {
    pub applied: Vec<u32>,
    pub skipped: Vec<(u32, String)>,
}

/// Someone who wants to hear about each step (the terminal).
pub trait Report {
    fn step(&self, step: &Step, what: &str);
}

/// The fields of a resource document at the step's pointers.
fn fields(step: &Step, doc: &Value) -> Vec<Value> {
    step.changes.iter().map(|c| doc.pointer(&c.field).cloned().unwrap_or(Value::Null)).collect()
}

/// Where `doc` differs from `expected` in the step's fields, as text; empty when it does not.
fn differences(step: &Step, doc: &Value, expected: &[Value]) -> String {
    step.changes
        .iter()
        .zip(fields(step, doc))
        .zip(expected)
        .filter(|((_, live), want)| live != *want)
        .map(|((c, live), want)| format!("{} is {} (expected {})", c.field, short(&live), short(want)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn short(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    if text.len() > 200 {
        format!("{}…", &text[..text.char_indices().nth(200).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

pub fn now() -> String {
    crate::collect::now_rfc3339()
}

/// Check the credentials' account is the plan's.
pub async fn check_account(aws: &AwsSetup, plan: &Plan) -> Result<(), ApplyError> {
    let sts = aws_sdk_sts::Client::new(&aws.in_region(&aws.global_region()));
    let identity = sts.get_caller_identity().send().await.map_err(|e| ApplyError::Identity(format!("{e}")))?;
    let live = identity.account().unwrap_or_default().to_string();
    let live_partition = identity.arn().and_then(|a| a.split(':').nth(1)).unwrap_or("aws").to_string();
    if live != plan.account_id || live_partition != plan.partition {
        return Err(ApplyError::WrongAccount {
            plan: plan.account_id.clone(),
            plan_partition: plan.partition.clone(),
            live,
            live_partition,
        });
    }
    Ok(())
}

/// Read the step's resource as collection would; errors when it is gone or its fields unread.
async fn read_live(w: &Writer<'_>, plan: &Plan, step: &Step) -> Result<Value, ApplyError> {
    let (resource, gaps) = crate::collect::read_again(
        w.aws,
        &plan.account_id,
        &plan.partition,
        &step.kind,
        &step.target,
        &step.name,
        &step.region,
    )
    .await;
    let Some(resource) = resource else {
        if let Some(gap) = gaps.first() {
            return Err(ApplyError::Unreadable {
                step: step.id,
                action: step.action.clone(),
                target: step.target.clone(),
                reason: format!("{}:{} {}: {}", gap.service, gap.operation, gap.reason.as_str(), gap.message),
            });
        }
        return Err(ApplyError::Gone { step: step.id, action: step.action.clone(), target: step.target.clone() });
    };
    // A field the step changes that could not be read cannot be compared.
    if let Some(field) = step.changes.iter().find_map(|c| {
        let name = c.field.strip_prefix("/config/")?.split('/').next()?;
        (!resource.is_known(name)).then(|| name.to_string())
    }) {
        return Err(ApplyError::Unreadable {
            step: step.id,
            action: step.action.clone(),
            target: step.target.clone(),
            reason: format!("{field} could not be read"),
        });
    }
    Ok(actions::document(&resource))
}

/// Apply the plan's steps in order (or, with a journal that already has some, the rest).
/// `dry_run` reads and checks but writes nothing and keeps no journal.
pub async fn apply(
    aws: &AwsSetup,
    plan: &Plan,
    mut journal: Option<(&mut Journal, Vec<Entry>)>,
    dry_run: bool,
    report: &dyn Report,
) -> Result<Outcome, ApplyError> {
    check_account(aws, plan).await?;
    let w = Writer { aws, account: plan.account_id.clone() };
    let mut outcome = Outcome::default();
    for (i, step) in plan.steps.iter().enumerate() {
        let state = journal.as_ref().map_or(StepState::NotStarted, |(_, entries)| journal::state_of(entries, step.id));
        let expected: Vec<Value> = step.changes.iter().map(|c| c.current.clone()).collect();
        match state {
            StepState::Done { .. } | StepState::Undone | StepState::UndoInterrupted { .. } => {
                outcome.skipped.push((step.id, "already applied".into()));
                report.step(step, "already applied (journal)");
                continue;
            }
            StepState::Failed { ref error, .. } => {
                report.step(step, &format!("failed earlier ({error}); trying again"));
            }
            _ => {}
        }
        if dry_run {
            // A step after another on the same resource is checked against what that one leaves.
            let earlier = plan.steps[..i].iter().any(|s| s.target == step.target);
            if !earlier {
                let live = read_live(&w, plan, step).await?;
                let details = differences(step, &live, &expected);
                if !details.is_empty() {
                    return Err(ApplyError::Stale {
                        step: step.id,
                        action: step.action.clone(),
                        target: step.target.clone(),
                        details,
                    });
                }
            }
            report.step(step, "would call:");
            for call in actions::calls(step) {
                report.step(step, &format!("  {call}"));
            }
            continue;
        }
        let live = read_live(&w, plan, step).await?;
        let stale = differences(step, &live, &expected);
        if let StepState::Interrupted { prior } = &state {
            // Interrupted inside this step: it either did not happen (live is as before it) or
            // it did (live has the planned values).
            let planned: Vec<Value> = step.changes.iter().map(|c| c.new.clone()).collect();
            if differences(step, &live, &planned).is_empty() && !stale.is_empty() {
                if let Some((j, _)) = journal.as_mut() {
                    j.append(&Entry::Done { step: step.id, after: live, at: now() })?;
                }
                outcome.applied.push(step.id);
                report.step(step, "was applied before the interruption");
                continue;
            }
            if !stale.is_empty() {
                return Err(ApplyError::Ambiguous {
                    step: step.id,
                    action: step.action.clone(),
                    target: step.target.clone(),
                    details: format!("{stale}; before it: {}", differences(step, prior, &expected)),
                });
            }
        } else if !stale.is_empty() {
            return Err(ApplyError::Stale {
                step: step.id,
                action: step.action.clone(),
                target: step.target.clone(),
                details: stale,
            });
        }
        if let Some((j, _)) = journal.as_mut() {
            j.append(&Entry::Begin { step: step.id, prior: live.clone(), at: now() })?;
        }
        report.step(step, "applying");
        if let Err(error) = actions::write(&w, step, &live).await {
            if let Some((j, _)) = journal.as_mut() {
                j.append(&Entry::Failed { step: step.id, error: error.to_string(), at: now() })?;
            }
            return Err(ApplyError::Write {
                step: step.id,
                action: step.action.clone(),
                target: step.target.clone(),
                error,
            });
        }
        let after = read_live(&w, plan, step).await.unwrap_or(Value::Null);
        if let Some((j, _)) = journal.as_mut() {
            j.append(&Entry::Done { step: step.id, after, at: now() })?;
        }
        outcome.applied.push(step.id);
        report.step(step, "done");
    }
    Ok(outcome)
}

/// Undo the applied steps of a journal in reverse order. Refuses a step whose resource is no
/// longer as apply left it; skips steps that cannot be undone (saying so).
pub async fn rollback(
    aws: &AwsSetup,
    journal_path: &Path,
    dry_run: bool,
    report: &dyn Report,
) -> Result<Outcome, ApplyError> {
    let (plan, _, entries) = journal::read(journal_path)?;
    check_account(aws, &plan).await?;
    let w = Writer { aws, account: plan.account_id.clone() };
    let mut journal = if dry_run { None } else { Some(Journal::open(journal_path)?) };
    let mut outcome = Outcome::default();
    for step in plan.steps.iter().rev() {
        let (prior, after) = match journal::state_of(&entries, step.id) {
            StepState::Done { prior, after } | StepState::UndoInterrupted { prior, after } => (prior, after),
            StepState::Undone => {
                outcome.skipped.push((step.id, "already undone".into()));
                continue;
            }
            _ => continue,
        };
        if !step.reversible {
            outcome.skipped.push((step.id, "cannot be undone".into()));
            report.step(step, "cannot be undone: left as applied");
            continue;
        }
        let live = read_live(&w, &plan, step).await?;
        let was = fields(step, &prior);
        if differences(step, &live, &was).is_empty() {
            // Already as before (an interrupted rollback got this far).
            if let Some(j) = journal.as_mut() {
                j.append(&Entry::UndoBegin { step: step.id, at: now() })?;
                j.append(&Entry::Undone { step: step.id, restored: live, at: now() })?;
            }
            outcome.applied.push(step.id);
            report.step(step, "already as before");
            continue;
        }
        let moved = differences(step, &live, &fields(step, &after));
        if !moved.is_empty() {
            return Err(ApplyError::Moved {
                step: step.id,
                action: step.action.clone(),
                target: step.target.clone(),
                details: moved,
            });
        }
        if dry_run {
            report.step(step, "would undo, restoring the fields as they were");
            continue;
        }
        if let Some(j) = journal.as_mut() {
            j.append(&Entry::UndoBegin { step: step.id, at: now() })?;
        }
        report.step(step, "undoing");
        actions::restore(&w, step, &prior).await.map_err(|error| ApplyError::Write {
            step: step.id,
            action: step.action.clone(),
            target: step.target.clone(),
            error,
        })?;
        let restored = read_live(&w, &plan, step).await.unwrap_or(Value::Null);
        if let Some(j) = journal.as_mut() {
            j.append(&Entry::Undone { step: step.id, restored, at: now() })?;
        }
        outcome.applied.push(step.id);
        report.step(step, "undone");
    }
    Ok(outcome)
}

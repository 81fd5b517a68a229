//! Applying a plan, resuming an interrupted apply, and rolling back: each step re-reads its
//! resource live, refuses when the fields it changes are not what the plan expects (a stale
//! plan), and is journaled before and after it runs.

use super::actions::{self, Writer};
use super::journal::{self, Entry, Journal, JournalError, StepState};
use super::plan::{Plan, Step};
use crate::aws::AwsSetup;
use crate::scope::Scope;
use bbscan_model::Resource;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
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
    #[error(
        "step {step} ({action} on {target}) is not what was reviewed: {details}. The plan file was changed after \
         bbscan wrote it; make a new plan. Step {step} was not applied"
    )]
    NotReviewed { step: u32, action: String, target: String, details: String },
    #[error("step {step} ({action} on {target}) is refused on the live resource: {reason}. Make a new plan")]
    Refused { step: u32, action: String, target: String, reason: String },
    #[error("{0}")]
    Header(String),
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

/// The first place (a JSON pointer below the field) where two values differ, with each side.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<(String, Value, Value)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let path = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                first_difference(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), path)
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, format!("{at}/{i}")))
        }
        (Value::Array(x), Value::Array(y)) => {
            Some((at, Value::String(format!("{} items", x.len())), Value::String(format!("{} items", y.len()))))
        }
        _ if a == b => None,
        _ => Some((at, a.clone(), b.clone())),
    }
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

/// Read the step's resource as collection would, as a document.
async fn read_live(w: &Writer<'_>, plan: &Plan, step: &Step) -> Result<Value, ApplyError> {
    read_live_resource(w, plan, step).await.map(|r| actions::document(&r))
}

/// Read the step's resource as collection would; errors when it is gone or its fields unread.
async fn read_live_resource(w: &Writer<'_>, plan: &Plan, step: &Step) -> Result<Resource, ApplyError> {
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
    Ok(resource)
}

/// Check what the plan's header says against the steps, before anything is read or written:
/// made by this bbscan, every step in the plan's account, partition and regions, numbered in
/// order, and changing something.
pub fn check_header(plan: &Plan) -> Result<(), ApplyError> {
    let this = env!("CARGO_PKG_VERSION");
    if plan.bbscan_version != this {
        return Err(ApplyError::Header(format!(
            "the plan was made by bbscan {}; this is bbscan {this}. Make a new plan with this bbscan",
            plan.bbscan_version
        )));
    }
    let bad = |step: &Step, why: String| {
        ApplyError::Header(format!("step {} ({} on {}) {why}; the plan file is damaged or was edited", step.id, step.action, step.target))
    };
    for (i, step) in plan.steps.iter().enumerate() {
        if step.id as usize != i + 1 {
            return Err(bad(step, format!("is numbered {} at position {}", step.id, i + 1)));
        }
        if step.region != "global" && !plan.regions.contains(&step.region) {
            return Err(bad(step, format!("is in region {}, not one of the plan's ({})", step.region, plan.regions.join(", "))));
        }
        let parts: Vec<&str> = step.target.splitn(6, ':').collect();
        if parts.len() < 6 || parts[0] != "arn" {
            return Err(bad(step, "has a target that is not an ARN".into()));
        }
        if parts[1] != plan.partition {
            return Err(bad(step, format!("targets partition {}, the plan is for {}", parts[1], plan.partition)));
        }
        if !parts[4].is_empty() && parts[4] != plan.account_id {
            return Err(bad(step, format!("targets account {}, the plan is for {}", parts[4], plan.account_id)));
        }
        if step.changes.is_empty() || step.changes.iter().all(|c| c.current == c.new) {
            return Err(bad(step, "changes nothing".into()));
        }
    }
    Ok(())
}

/// The resource read for the step is the one the step names, and belongs to the plan's stage
/// (by its SST tags) — checked before anything else is compared.
fn same_target(plan: &Plan, step: &Step, base: &Resource) -> Result<(), ApplyError> {
    if base.arn != step.target || base.kind() != step.kind || base.name != step.name {
        return Err(ApplyError::NotReviewed {
            step: step.id,
            action: step.action.clone(),
            target: step.target.clone(),
            details: format!("it names {} {} but its target is {} {}", step.kind, step.name, base.kind(), base.name),
        });
    }
    if plan.stage.is_some()
        && matches!(Scope::new(&plan.app, plan.stage.as_deref()).early(&base.tags), crate::scope::Early::Drop)
    {
        return Err(ApplyError::Refused {
            step: step.id,
            action: step.action.clone(),
            target: step.target.clone(),
            reason: format!(
                "the resource is tagged for app {} stage {}, the plan is for app {} stage {}",
                base.tags.get(bbscan_model::SST_APP_TAG).map_or("?", String::as_str),
                base.tags.get(bbscan_model::SST_STAGE_TAG).map_or("?", String::as_str),
                plan.app,
                plan.stage.as_deref().unwrap_or("?")
            ),
        });
    }
    Ok(())
}

/// Re-derive the step from the resource it will be applied to (`base`: live, or for a dry run
/// what earlier steps on it leave): the action with the step's params makes exactly the
/// reviewed changes. Returns the resource as the step leaves it.
async fn rederive(w: &Writer<'_>, plan: &Plan, step: &Step, base: &Resource) -> Result<Resource, ApplyError> {
    let refused = |reason: String| ApplyError::Refused {
        step: step.id,
        action: step.action.clone(),
        target: step.target.clone(),
        reason,
    };
    let not_reviewed = |details: String| ApplyError::NotReviewed {
        step: step.id,
        action: step.action.clone(),
        target: step.target.clone(),
        details,
    };
    let mut others = Vec::new();
    for (kind, arn) in actions::consulted(step) {
        let (found, gaps) =
            crate::collect::read_again(w.aws, &plan.account_id, &plan.partition, kind, &arn, "", "global").await;
        match found {
            Some(r) => others.push(r),
            None => {
                return Err(refused(match gaps.first() {
                    Some(g) => format!("{arn} cannot be read ({}:{} {})", g.service, g.operation, g.message),
                    None => format!("{arn} no longer exists"),
                }));
            }
        }
    }
    let inputs = actions::Inputs { others: &others, accept_partial_usage: true, at_apply: true, floors: w.floors };
    let prepared = actions::prepare(&step.action, base, &step.params, inputs).map_err(refused)?;
    if prepared.changes != step.changes {
        let mut details: Vec<String> = Vec::new();
        for (planned, derived) in step.changes.iter().zip(&prepared.changes) {
            if planned.field != derived.field {
                details.push(format!("the plan changes {}, the action changes {}", planned.field, derived.field));
                continue;
            }
            for (what, p, d) in [("before", &planned.current, &derived.current), ("after", &planned.new, &derived.new)] {
                if let Some((at, p, d)) = first_difference(p, d, String::new()) {
                    details.push(format!(
                        "{}{at} {what} the step is {} in the plan, but the action makes it {}",
                        planned.field,
                        short(&p),
                        short(&d)
                    ));
                }
            }
        }
        if step.changes.len() != prepared.changes.len() {
            details.push(format!(
                "the plan lists {} changes, the action makes {}",
                step.changes.len(),
                prepared.changes.len()
            ));
        }
        return Err(not_reviewed(details.join("; ")));
    }
    if prepared.reversible != step.reversible {
        return Err(not_reviewed(format!(
            "the plan says it is {}reversible; it is {}",
            if step.reversible { "" } else { "not " },
            if prepared.reversible { "reversible" } else { "not reversible" }
        )));
    }
    Ok(prepared.after)
}

/// Check every step still to run against live state before anything is written: each target
/// is read once, each step re-derived from what the earlier steps on its target leave, so a
/// plan edited anywhere is refused before its first write. With `report`, print each step's
/// calls (the dry run). Steps the journal says were done, or interrupted (their state is
/// decided when they are reached), are left to the apply loop.
async fn verify(
    w: &Writer<'_>,
    plan: &Plan,
    states: &[StepState],
    report: Option<&dyn Report>,
) -> Result<(), ApplyError> {
    let mut working: HashMap<String, Resource> = HashMap::new();
    let mut undecided: HashSet<&str> = HashSet::new();
    for (step, state) in plan.steps.iter().zip(states) {
        match state {
            StepState::NotStarted | StepState::Failed { .. } => {}
            StepState::Interrupted { .. } => {
                undecided.insert(&step.target);
                continue;
            }
            _ => continue,
        }
        if undecided.contains(step.target.as_str()) {
            continue;
        }
        let base = match working.remove(&step.target) {
            Some(r) => r,
            None => {
                let live = read_live_resource(w, plan, step).await?;
                same_target(plan, step, &live)?;
                let expected: Vec<Value> = step.changes.iter().map(|c| c.current.clone()).collect();
                let details = differences(step, &actions::document(&live), &expected);
                if !details.is_empty() {
                    return Err(ApplyError::Stale {
                        step: step.id,
                        action: step.action.clone(),
                        target: step.target.clone(),
                        details,
                    });
                }
                live
            }
        };
        let after = rederive(w, plan, step, &base).await?;
        working.insert(step.target.clone(), after);
        if let Some(report) = report {
            report.step(step, "would call:");
            for call in actions::calls(step) {
                report.step(step, &format!("  {call}"));
            }
        }
    }
    Ok(())
}

/// Apply the plan's steps in order (or, with a journal that already has some, the rest).
/// `dry_run` reads and checks but writes nothing and keeps no journal. Every step is checked
/// first (`verify`); then each is read, re-derived and checked again just before its write.
pub async fn apply(
    aws: &AwsSetup,
    plan: &Plan,
    mut journal: Option<(&mut Journal, Vec<Entry>)>,
    dry_run: bool,
    floors: actions::narrow::Floors,
    report: &dyn Report,
) -> Result<Outcome, ApplyError> {
    check_header(plan)?;
    check_account(aws, plan).await?;
    let w = Writer { aws, account: plan.account_id.clone(), floors };
    let mut outcome = Outcome::default();
    let states: Vec<StepState> = plan
        .steps
        .iter()
        .map(|step| journal.as_ref().map_or(StepState::NotStarted, |(_, entries)| journal::state_of(entries, step.id)))
        .collect();
    verify(&w, plan, &states, dry_run.then_some(report)).await?;
    if dry_run {
        return Ok(outcome);
    }
    for (step, state) in plan.steps.iter().zip(states) {
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
        let live_resource = read_live_resource(&w, plan, step).await?;
        same_target(plan, step, &live_resource)?;
        let live = actions::document(&live_resource);
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
        // The write is exactly what was reviewed, on the resource that was reviewed.
        rederive(&w, plan, step, &live_resource).await?;
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
    let w = Writer { aws, account: plan.account_id.clone(), floors: Default::default() };
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

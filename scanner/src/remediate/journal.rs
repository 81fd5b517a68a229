//! The apply journal: one JSON object a line, append-only, flushed and fsynced before and
//! after every step, holding the plan and the prior state of every resource a step touched —
//! enough to resume an interrupted apply and to undo what it did. It never holds a secret: the
//! resource documents are snapshot documents, which have none.

use super::plan::Plan;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const JOURNAL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    /// The first line: the plan being applied.
    Start { journal_version: u32, plan_sha256: String, plan: Box<Plan>, at: String },
    /// About to change step `step`; `prior` is the resource as read just before.
    Begin { step: u32, prior: Value, at: String },
    /// Step `step` is applied; `after` is the resource as read just after.
    Done { step: u32, after: Value, at: String },
    /// Step `step` failed; nothing after it ran.
    Failed { step: u32, error: String, at: String },
    /// About to undo step `step`.
    UndoBegin { step: u32, at: String },
    /// Step `step` is undone; `restored` is the resource as read just after.
    Undone { step: u32, restored: Value, at: String },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "journal {0} already exists: it records an earlier apply. Resume it with `bbscan apply --resume {0}`, \
         roll it back with `bbscan rollback {0}`, or pass another --journal"
    )]
    Exists(PathBuf),
    #[error("cannot write journal {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read journal {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} line {line} is not a bbscan journal entry ({message}); the journal may be damaged")]
    Invalid { path: PathBuf, line: usize, message: String },
    #[error("journal {0} does not start with the plan it applies; it is not a bbscan journal")]
    NoStart(PathBuf),
    #[error("the plan inside journal {path} is not the one the apply started with ({message}); it was edited: undo by hand")]
    Tampered { path: PathBuf, message: String },
}

/// An open journal, appended to.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Start a new journal; refuses to touch an existing file.
    pub fn create(path: &Path, plan: &Plan, plan_sha256: &str, at: &str) -> Result<Journal, JournalError> {
        let mut options = OpenOptions::new();
        options.append(true).create_new(true);
        #[cfg(unix)]
        {
            // Journals hold the resources' before and after documents: the owner only.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                JournalError::Exists(path.to_path_buf())
            } else {
                JournalError::Write { path: path.to_path_buf(), source }
            }
        })?;
        let mut journal = Journal { path: path.to_path_buf(), file };
        journal.append(&Entry::Start {
            journal_version: JOURNAL_VERSION,
            plan_sha256: plan_sha256.to_string(),
            plan: Box::new(plan.clone()),
            at: at.to_string(),
        })?;
        // The directory entry too, so the journal survives a crash right after it was made.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(journal)
    }

    /// Open an existing journal to append to it.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Write { path: path.to_path_buf(), source })?;
        Ok(Journal { path: path.to_path_buf(), file })
    }

    /// Append one entry and make it durable before returning.
    pub fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        let err = |source| JournalError::Write { path: self.path.clone(), source };
        self.file.write_all(line.as_bytes()).map_err(err)?;
        self.file.flush().map_err(err)?;
        self.file.sync_all().map_err(err)
    }
}

/// Read every entry of a journal. A last line cut short by a crash is ignored (it was never
/// acknowledged); any other bad line is an error.
pub fn read(path: &Path) -> Result<(Plan, String, Vec<Entry>), JournalError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| JournalError::Read { path: path.to_path_buf(), source })?;
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => entries.push(e),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => break,
            Err(e) => {
                return Err(JournalError::Invalid { path: path.to_path_buf(), line: i + 1, message: e.to_string() });
            }
        }
    }
    match entries.first() {
        Some(Entry::Start { plan, plan_sha256, .. }) => {
            let (plan, hash) = ((**plan).clone(), plan_sha256.clone());
            // The plan it holds is the one it was started with, and one bbscan would accept.
            let held = super::plan::sha256_hex(super::plan::to_json(&plan).as_bytes());
            if held != hash {
                return Err(JournalError::Tampered {
                    path: path.to_path_buf(),
                    message: format!("its plan hashes to {held}, but it records {hash}"),
                });
            }
            for step in &plan.steps {
                super::catalogue::check(&step.action, step.version, &step.params).map_err(|e| {
                    JournalError::Tampered { path: path.to_path_buf(), message: format!("step {}: {e}", step.id) }
                })?;
            }
            Ok((plan, hash, entries))
        }
        _ => Err(JournalError::NoStart(path.to_path_buf())),
    }
}

/// Where each step stands according to the journal.
#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    NotStarted,
    /// Begun, not known to be done: the apply was interrupted in this step.
    Interrupted {
        prior: Value,
    },
    Done {
        prior: Value,
        after: Value,
    },
    Failed {
        prior: Value,
        error: String,
    },
    /// Being undone when interrupted.
    UndoInterrupted {
        prior: Value,
        after: Value,
    },
    Undone,
}

pub fn state_of(entries: &[Entry], step: u32) -> StepState {
    let mut state = StepState::NotStarted;
    for e in entries {
        state = match (e, state) {
            (Entry::Begin { step: s, prior, .. }, _) if *s == step => StepState::Interrupted { prior: prior.clone() },
            (Entry::Done { step: s, after, .. }, StepState::Interrupted { prior }) if *s == step => {
                StepState::Done { prior, after: after.clone() }
            }
            (Entry::Failed { step: s, error, .. }, StepState::Interrupted { prior }) if *s == step => {
                StepState::Failed { prior, error: error.clone() }
            }
            (Entry::UndoBegin { step: s, .. }, StepState::Done { prior, after }) if *s == step => {
                StepState::UndoInterrupted { prior, after }
            }
            (Entry::Undone { step: s, .. }, StepState::UndoInterrupted { .. }) if *s == step => StepState::Undone,
            (_, state) => state,
        };
    }
    state
}

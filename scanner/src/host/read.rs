//! A snapshot document read straight into the policies' index, on every core: the resources
//! are found in one pass over the text (each kept as its slice of the document), then read into
//! their types and converted to the contract's shape in parallel, each one's typed form dropped
//! as soon as it is converted. The typed snapshot is never held whole (on a large account it is
//! four times the file), and an audit of a file does not read it twice.
//!
//! What a document must be is what [`Snapshot::from_json`] asks: the same shape, version and
//! times; when something is wrong, its error is that function's, so a user gets the same
//! message (with the line and column in the file) whichever way the file was read.

use super::{SnapshotIndex, into_wit, wit};
use bbscan_model::{Gap, Metadata, Resource, SCHEMA_VERSION, Snapshot, SnapshotError};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A snapshot document whose resources are not read yet.
pub struct SnapshotDocument<'a> {
    bytes: &'a [u8],
    metadata: Metadata,
    resources: Vec<&'a RawValue>,
    gaps: Vec<Gap>,
}

/// The document's shape, as [`Snapshot`] has it, with each resource left as its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    schema_version: u32,
    metadata: Metadata,
    #[serde(borrow)]
    resources: Vec<&'a RawValue>,
    gaps: Vec<Gap>,
}

impl<'a> SnapshotDocument<'a> {
    /// Find the resources of a snapshot document and check all but their contents.
    pub fn parse(bytes: &'a [u8]) -> Result<SnapshotDocument<'a>, SnapshotError> {
        let envelope: Envelope<'a> = serde_json::from_slice(bytes).map_err(|e| SnapshotError::explain(bytes, e))?;
        if envelope.schema_version != SCHEMA_VERSION {
            return Err(SnapshotError::Version { found: u64::from(envelope.schema_version) });
        }
        envelope.metadata.check_times()?;
        Ok(SnapshotDocument { bytes, metadata: envelope.metadata, resources: envelope.resources, gaps: envelope.gaps })
    }

    /// How many resources it holds.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// How many gaps it holds.
    pub fn gap_count(&self) -> usize {
        self.gaps.len()
    }

    /// Read every resource into the index, on up to `threads` threads (one when no other can
    /// be started). The metadata and gaps come back with it.
    pub fn index(self, threads: usize) -> Result<(SnapshotIndex, Metadata, Vec<Gap>), SnapshotError> {
        let SnapshotDocument { bytes, metadata, resources, gaps } = self;
        let per_thread = resources.len().div_ceil(threads.max(1)).max(1);
        let parts: Vec<&[&RawValue]> = resources.chunks(per_thread).collect();
        let converted: Vec<Result<Vec<wit::Resource>, serde_json::Error>> = std::thread::scope(|scope| {
            let started: Vec<_> = parts
                .iter()
                .map(|&part| {
                    std::thread::Builder::new()
                        .name("bbscan-read".into())
                        .spawn_scoped(scope, move || convert(part))
                        .map_err(|_| part)
                })
                .collect();
            started
                .into_iter()
                .map(|handle| match handle {
                    Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    // No thread to be had: read it here.
                    Err(part) => convert(part),
                })
                .collect()
        });
        let mut all = Vec::with_capacity(resources.len());
        for part in converted {
            // A resource that does not read: the whole document read the usual way names the
            // place in the file.
            all.extend(part.map_err(|e| match Snapshot::from_json(bytes) {
                Err(whole) => whole,
                Ok(_) => SnapshotError::Json(e),
            })?);
        }
        let index = SnapshotIndex::build(all.into_iter(), &gaps, &metadata);
        Ok((index, metadata, gaps))
    }
}

fn convert(part: &[&RawValue]) -> Result<Vec<wit::Resource>, serde_json::Error> {
    part.iter().map(|raw| serde_json::from_str::<Resource>(raw.get()).map(into_wit)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::DEMO;

    /// Every resource of an index, in the order of its kinds' lists, as comparable text.
    fn contents(index: &SnapshotIndex) -> Vec<String> {
        let mut kinds: Vec<&String> = index.kinds.iter().map(|(kind, _)| kind).collect();
        kinds.sort();
        let mut out = Vec::new();
        for kind in kinds {
            for r in index.of_kind(kind) {
                out.push(format!(
                    "{} {} {} {} {} {:?} {:?} {}",
                    r.kind, r.arn, r.name, r.account, r.region, r.tags, r.unknown, r.config
                ));
                let found = index.by_arn(&r.arn).expect("every resource is found by its ARN");
                assert!(std::ptr::eq(found, r), "{} is found as itself", r.arn);
                assert_eq!(index.kind_of(&r.arn), Some(kind.as_str()));
            }
        }
        out
    }

    #[test]
    fn a_document_read_on_any_number_of_threads_is_the_index_of_the_typed_snapshot() {
        let typed = Snapshot::from_json(DEMO.as_bytes()).expect("the demo reads");
        let expected = SnapshotIndex::new(&typed);
        assert!(expected.resource_count() > 50, "a demo worth comparing");
        // The demo as bbscan writes it (indented) and on one line: the text between the
        // values does not matter.
        let compact = serde_json::to_vec(&typed).expect("JSON");
        for bytes in [DEMO.as_bytes(), compact.as_slice()] {
            for threads in [1, 2, 3, 64, 1000] {
                let document = SnapshotDocument::parse(bytes).expect("the demo parses");
                assert_eq!(document.resource_count(), typed.resources.len());
                assert_eq!(document.gap_count(), typed.gaps.len());
                let (index, metadata, gaps) = document.index(threads).expect("the demo reads");
                assert_eq!(contents(&index), contents(&expected), "{threads} threads");
                assert_eq!(index.resource_count(), expected.resource_count());
                assert_eq!(index.now, expected.now);
                assert_eq!((metadata, gaps), (typed.metadata.clone(), typed.gaps.clone()));
            }
        }
    }

    /// What reading `text` both ways says: (the typed reader's error, the document's).
    fn errors(text: &str) -> (String, String) {
        let typed = Snapshot::from_json(text.as_bytes()).expect_err("not a snapshot").to_string();
        let document = SnapshotDocument::parse(text.as_bytes()).and_then(|d| d.index(2).map(|_| ()));
        (typed, document.expect_err("not a snapshot").to_string())
    }

    #[test]
    fn a_document_that_is_not_a_snapshot_gets_the_typed_readers_error() {
        let demo: serde_json::Value = serde_json::from_str(DEMO).expect("JSON");
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = demo.clone();
            f(&mut v);
            serde_json::to_string_pretty(&v).expect("JSON")
        };
        let last = demo["resources"].as_array().map(Vec::len).unwrap_or_default() - 1;
        let cases = [
            // A configuration of the wrong type deep in the last resource, a missing kind, an
            // unknown kind, a field of the wrong type.
            edit(&|v| v["resources"][last]["config"] = serde_json::json!("not an object")),
            edit(&|v| {
                v["resources"][3].as_object_mut().map(|r| r.remove("kind"));
            }),
            edit(&|v| v["resources"][5]["kind"] = serde_json::json!("s3.bucketz")),
            edit(&|v| v["resources"][7]["arn"] = serde_json::json!(17)),
            // Another version, a time that is not one, a field the shape does not have.
            edit(&|v| v["schema_version"] = serde_json::json!(99)),
            edit(&|v| v["metadata"]["finished_at"] = serde_json::json!("yesterday")),
            edit(&|v| v["extra"] = serde_json::json!(true)),
            // Not JSON at all, cut short, empty.
            "{\"schema_version\": 1, \"resources\": [".to_string(),
            DEMO[..DEMO.len() / 2].to_string(),
            String::new(),
        ];
        for (i, text) in cases.iter().enumerate() {
            let (typed, document) = errors(text);
            assert_eq!(document, typed, "case {i}");
        }
        // The errors name what is wrong, and where.
        let (wrong_type, _) = errors(&cases[0]);
        assert!(wrong_type.contains("line") && wrong_type.contains("column"), "{wrong_type}");
        assert!(errors(&cases[4]).1.contains("schema_version 99"), "{}", errors(&cases[4]).1);
        assert!(errors(&cases[5]).1.contains("finished_at"), "{}", errors(&cases[5]).1);
    }
}

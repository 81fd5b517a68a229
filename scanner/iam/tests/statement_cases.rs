//! The statement table the policy SDKs share (`statement-cases.json`): policy documents, as
//! JSON text, and the statements `bbscan_iam::statements` reads from each, in the shape of the
//! contract's `statement` record (`wit/policy.wit`). An SDK that reads documents inside the policy
//! (TypeScript: `policies/sdk-ts/src/statements.ts`) is held to it by its own tests; this holds the
//! Rust code to it, so that every language reads a statement, and words its problems, as the
//! built-in rules do.
//!
//! The table's answers are the Rust code's: after a deliberate change to how documents are read,
//! `BBSCAN_UPDATE_STATEMENT_CASES=1 cargo test -p bbscan-iam --test statement_cases` writes them
//! again (the documents are kept), and the diff shows what changed.

use bbscan_iam::{Effect, Principals, Statement};
use serde_json::{Map, Value, json};

fn principals(p: &Principals) -> Value {
    json!({
        "anyone": p.anyone,
        "aws": p.aws,
        "service": p.service,
        "federated": p.federated,
        "canonicalUser": p.canonical_user,
    })
}

/// A statement as the contract's record, keys as the TypeScript bindings name them; an absent
/// option is left out (as `JSON.stringify` leaves out `undefined`).
fn record(s: &Statement) -> Value {
    let mut m = Map::new();
    m.insert("pointer".into(), json!(s.pointer));
    if let Some(sid) = &s.sid {
        m.insert("sid".into(), json!(sid));
    }
    let effect = match s.effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    };
    m.insert("effect".into(), json!(effect));
    m.insert("actions".into(), json!(s.actions));
    m.insert("notActions".into(), json!(s.not_actions));
    m.insert("resources".into(), json!(s.resources));
    m.insert("notResources".into(), json!(s.not_resources));
    if let Some(p) = &s.principal {
        m.insert("principal".into(), principals(p));
    }
    if let Some(p) = &s.not_principal {
        m.insert("notPrincipal".into(), principals(p));
    }
    let conditions: Vec<Value> =
        s.conditions.iter().map(|c| json!({"operator": c.operator, "key": c.key, "values": c.values})).collect();
    m.insert("conditions".into(), Value::Array(conditions));
    m.insert("problems".into(), json!(s.problems));
    Value::Object(m)
}

fn table_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/statement-cases.json")
}

fn answer(document: &str) -> Value {
    let value: Value = serde_json::from_str(document).expect("the table's documents are JSON");
    Value::Array(bbscan_iam::statements(&value).iter().map(record).collect())
}

#[test]
fn the_shared_statement_table_is_what_the_rust_code_answers() {
    let path = table_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut table: Value = serde_json::from_str(&text).unwrap();
    let cases = table["cases"].as_array_mut().unwrap();
    assert!(cases.len() >= 100, "the table lost its cases");
    let update = std::env::var_os("BBSCAN_UPDATE_STATEMENT_CASES").is_some();
    let mut wrong = Vec::new();
    for case in cases.iter_mut() {
        let name = case["name"].as_str().unwrap().to_string();
        let got = answer(case["document"].as_str().unwrap());
        if update {
            case["statements"] = got;
        } else if case["statements"] != got {
            wrong.push(format!("{name}:\n  table: {}\n  Rust:  {got}", case["statements"]));
        }
    }
    if update {
        // One case per line: a change to the reading shows as the cases it changed.
        let mut out = String::from("{\n");
        out += &format!("\"about\": {},\n\"cases\": [\n", table["about"]);
        let cases = table["cases"].as_array().unwrap();
        for (i, case) in cases.iter().enumerate() {
            out += &case.to_string();
            out += if i + 1 < cases.len() { ",\n" } else { "\n" };
        }
        out += "]\n}\n";
        std::fs::write(&path, out).unwrap();
        return;
    }
    assert!(wrong.is_empty(), "{} of the table's cases differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_table_covers_every_kind_of_problem() {
    // Each way the Rust code finds a statement malformed appears in the table at least once, so
    // that an SDK held to it words every problem as the Rust code does. (Not while the table is
    // being written again.)
    if std::env::var_os("BBSCAN_UPDATE_STATEMENT_CASES").is_some() {
        return;
    }
    let table: Value = serde_json::from_str(&std::fs::read_to_string(table_path()).unwrap()).unwrap();
    let problems: Vec<String> = table["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["statements"].as_array().unwrap().iter())
        .flat_map(|s| s["problems"].as_array().unwrap().iter())
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    for start in [
        "the statement is ",
        "Condition is ",
        "condition ",
        "unknown condition operator ",
        "Effect ",
        "no Effect",
        "Action holds ",
        "Action is ",
        "NotAction holds ",
        "both Action and NotAction",
        "no Action or NotAction",
        "Resource holds ",
        "Resource is ",
        "both Resource and NotResource",
        "Principal ",
        "unknown principal type ",
    ] {
        assert!(problems.iter().any(|p| p.starts_with(start)), "no case has a problem starting {start:?}");
    }
}

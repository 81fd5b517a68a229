//! The wildcard table the policy SDKs share (`wildcard-cases.json`): the SDKs that match inside
//! the policy are held to it by their own tests, and this holds the Rust code to it, so that a
//! policy in any language matches `Action` and `Resource` patterns as the built-in rules do.

use bbscan_iam::wildcard_match;

#[test]
fn the_shared_wildcard_table_is_what_the_rust_code_answers() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wildcard-cases.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let table: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "the table lost its cases");
    let mut wrong = Vec::new();
    for case in cases {
        let (pattern, value) = (case[0].as_str().unwrap(), case[1].as_str().unwrap());
        let (fold, expected) = (case[2].as_bool().unwrap(), case[3].as_bool().unwrap());
        if wildcard_match(pattern, value, fold) != expected {
            wrong.push(format!("{pattern:?} {value:?} fold={fold}: expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

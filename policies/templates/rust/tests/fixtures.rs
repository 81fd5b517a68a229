//! Every case under fixtures/ (snapshot.json and the findings expected of it), run natively:
//! the same cases `bbscan policy test .` runs through the built component.

use std::path::Path;

#[test]
fn the_fixtures_give_exactly_the_expected_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<__CRATE__::Checks>(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

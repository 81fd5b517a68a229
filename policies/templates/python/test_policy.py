"""The rules natively: every case under fixtures/ (the same cases `bbscan policy test .` runs
through the built component), and one case written out."""

import unittest
from pathlib import Path

from bbscan_policy import Status, testing

from policy import DATA_CLASSIFICATION, POLICY


class PolicyTest(unittest.TestCase):
    def test_the_fixtures_give_exactly_the_expected_findings(self) -> None:
        problems = testing.check_fixtures(POLICY, Path(__file__).parent / "fixtures")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_an_untagged_bucket_is_proposed_the_configured_tag(self) -> None:
        bucket = testing.resource(
            "s3.bucket", "arn:aws:s3:::shop-staging-files", "shop-staging-files", tags={"sst:stage": "staging"}
        )
        report = testing.run(
            POLICY, testing.snapshot([bucket]), {"stages": ["staging"], "tag": "Sensitivity", "default_value": "low"}
        )
        [finding] = report.findings
        self.assertEqual(finding.rule_id, DATA_CLASSIFICATION)
        self.assertEqual(finding.status, Status.FAIL)
        self.assertEqual(finding.message, "bucket shop-staging-files of stage staging has no Sensitivity tag")
        self.assertEqual(finding.actions[0].params, {"tags": {"Sensitivity": "low"}})
        self.assertEqual(report.tallies[DATA_CLASSIFICATION].evaluated, 1)


if __name__ == "__main__":
    unittest.main()

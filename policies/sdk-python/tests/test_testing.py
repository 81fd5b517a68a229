"""The native test host: runs as the host would, and checks fixtures as `bbscan policy test`."""

import json
import tempfile
import unittest
from pathlib import Path

from bbscan_policy import Context, Policy, Report, Resource, Rule, Severity, config_of, settings, testing

ROLE_ARN = "arn:aws:iam::123456789012:role/r"


def evaluate(ctx: Context, resources: list[Resource], report: Report) -> None:
    settings.only_keys(ctx.settings, ["owner"])
    owner = settings.string(ctx.settings, "owner", "owner")
    for r in resources:
        if r.kind != "s3.bucket":
            continue
        if owner in r.tags:
            report.passed("T.OWNER")
        else:
            report.fail("T.OWNER", r, f"{r.name} has no {owner} tag").evidence("/tags")


OWNERS = Policy(
    name="owners",
    version="0.1.0",
    evaluate=evaluate,
    validate_settings=lambda s: settings.only_keys(s, ["owner"]),
    rules=[Rule("T.OWNER", "Buckets have an owner", "d", Severity.LOW, ["s3.bucket"])],
)


def bucket(name: str, **tags: str) -> dict:
    return testing.resource("s3.bucket", f"arn:aws:s3:::{name}", name, tags=tags, region="us-east-1")


def write_case(root: Path, name: str, resources: list, expected: list) -> None:
    case = root / name
    case.mkdir()
    (case / "snapshot.json").write_text(json.dumps(testing.snapshot(resources)))
    (case / "expected.json").write_text(json.dumps(expected))


class CheckFixturesTest(unittest.TestCase):
    def test_a_good_fixture_has_no_problem(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            write_case(
                Path(tmp),
                "one",
                [bucket("a", owner="me"), bucket("b")],
                [{"rule_id": "T.OWNER", "resource_arn": "arn:aws:s3:::b"}],
            )
            self.assertEqual(testing.check_fixtures(OWNERS, tmp), [])

    def test_missing_unexpected_and_untested_rules_are_problems(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            write_case(
                Path(tmp),
                "one",
                [bucket("b"), bucket("c")],
                [
                    {"rule_id": "T.OWNER", "resource_arn": "arn:aws:s3:::b"},
                    {"rule_id": "T.OWNER", "resource_arn": "arn:aws:s3:::z"},
                ],
            )
            (Path(tmp) / "broken").mkdir()
            (Path(tmp) / "broken" / "snapshot.json").write_text("{}")
            problems = testing.check_fixtures(OWNERS, tmp)
            self.assertEqual(len(problems), 4, problems)
            self.assertRegex(problems[0], r"broken/expected\.json: ")
            self.assertEqual(problems[1], f"{tmp}/one: expected T.OWNER on arn:aws:s3:::z, not reported")
            self.assertEqual(problems[2], f"{tmp}/one: unexpected T.OWNER on arn:aws:s3:::c")
            self.assertEqual(problems[3], f"no fixture case under {tmp} passes rule T.OWNER")

    def test_a_policy_that_raises_is_a_problem(self) -> None:
        def boom(ctx: Context, resources: list[Resource], report: Report) -> None:
            raise KeyError("x")

        policy = Policy("boom", "0.1.0", OWNERS.rules, boom)
        with tempfile.TemporaryDirectory() as tmp:
            write_case(Path(tmp), "one", [bucket("a")], [])
            problems = testing.check_fixtures(policy, tmp)
            self.assertEqual(problems[0], f"{tmp}/one: the policy failed: KeyError: 'x'")

    def test_no_directory_is_a_problem(self) -> None:
        self.assertRegex(testing.check_fixtures(OWNERS, "/nonexistent/x")[0], "^cannot read /nonexistent/x: ")


class RunTest(unittest.TestCase):
    def test_settings_are_validated_first(self) -> None:
        with self.assertRaisesRegex(settings.SettingsError, 'unknown setting "ownr"'):
            testing.run(OWNERS, testing.snapshot([bucket("a")]), {"ownr": "x"})
        report = testing.run(OWNERS, testing.snapshot([bucket("a", team="t")]), {"owner": "team"})
        self.assertEqual(report.findings, [])
        self.assertEqual(report.tallies["T.OWNER"].passed, 1)

    def test_the_policy_sees_its_kinds_only_configs_completed_and_its_gaps(self) -> None:
        seen: dict = {}

        def look(ctx: Context, resources: list[Resource], report: Report) -> None:
            seen["kinds"] = [r.kind for r in resources]
            seen["role"] = ctx.resource(ROLE_ARN)
            seen["bucket"] = ctx.resource("arn:aws:s3:::a")
            seen["buckets"] = ctx.resources_of_kind("s3.bucket")
            seen["roles"] = ctx.resources_of_kind("iam.role")
            seen["gaps"] = [(g.operation, g.kinds) for g in ctx.gaps]
            seen["unlisted"] = ctx.unlisted_reason("iam.role")
            seen["unlisted_elsewhere"] = ctx.unlisted_reason("iam.role", "eu-west-1")
            seen["tags"] = list(resources[0].tags)

        policy = Policy("look", "0.1.0", [Rule("L.X", "t", "d", Severity.INFO, ["iam.role"])], look)
        role = testing.resource(
            "iam.role",
            ROLE_ARN,
            "r",
            {"inline_policies": [{"name": "p", "document": {}}], "unread": 1},
            tags={"b": "2", "a": "1"},
        )
        gaps = [
            {
                "service": "iam",
                "operation": "GetAccountAuthorizationDetails",
                "region": "global",
                "reason": "access_denied",
                "message": "no",
            },
            {
                "service": "s3",
                "operation": "GetBucketPolicy",
                "region": "us-east-1",
                "resource": "arn:aws:s3:::a",
                "field": "policy",
                "reason": "access_denied",
                "message": "no",
            },
        ]
        testing.run(policy, testing.snapshot([bucket("a"), role], gaps))
        self.assertEqual(seen["kinds"], ["iam.role"])
        self.assertIsNone(seen["bucket"])
        self.assertEqual(seen["buckets"], [])
        self.assertEqual([r.arn for r in seen["roles"]], [ROLE_ARN])
        config = config_of(seen["role"], "iam.role")
        self.assertEqual(config["attached_policies"], [])
        self.assertIsNone(config["last_used"])
        self.assertNotIn("unread", config)
        self.assertEqual(list(config)[:3], ["role_id", "path", "create_date"])
        self.assertEqual(
            seen["gaps"], [("GetAccountAuthorizationDetails", ("iam.user", "iam.group", "iam.role", "iam.policy"))]
        )
        self.assertEqual(seen["unlisted"], "iam:GetAccountAuthorizationDetails in global (access_denied)")
        self.assertEqual(seen["unlisted_elsewhere"], "iam:GetAccountAuthorizationDetails in global (access_denied)")
        self.assertEqual(seen["tags"], ["a", "b"])

    def test_gap_kinds_follow_the_model(self) -> None:
        self.assertEqual(testing.gap_kinds("s3", "GetObject"), ("cloudtrail.usage",))
        self.assertEqual(testing.gap_kinds("s3", "GetBucketPolicy"), ("s3.bucket",))
        self.assertEqual(testing.gap_kinds("logs", "DescribeDeliveries"), ("cloudfront.distribution",))
        self.assertEqual(testing.gap_kinds("logs", "DescribeLogGroups"), ("logs.log_group",))
        self.assertEqual(testing.gap_kinds("iam", "ListUsers"), ("iam.user",))
        self.assertEqual(testing.gap_kinds("sqs", "ListQueues"), ())


if __name__ == "__main__":
    unittest.main()

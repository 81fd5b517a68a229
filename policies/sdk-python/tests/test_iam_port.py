"""The native port of bbscan's IAM reading, on the cases of scanner/iam's own tests and more."""

import json
import time
import unittest
from pathlib import Path

from bbscan_policy import iam
from bbscan_policy.iam import Condition, Effect, Principals
from bbscan_policy.iam_port import covers_action, covers_resource, is_known_operator, statements, wildcard_match
from bbscan_policy.testing import native_host
from bbscan_policy.text import debug_str, json_text, number


class WildcardTest(unittest.TestCase):
    def test_wildcards_as_pattern_rs(self) -> None:
        self.assertTrue(wildcard_match("s3:Get*", "s3:GetObject", True))
        self.assertTrue(wildcard_match("S3:GET*", "s3:getobject", True))
        self.assertFalse(wildcard_match("s3:Get*", "s3:PutObject", True))
        self.assertTrue(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", False))
        self.assertFalse(wildcard_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", False))
        self.assertTrue(wildcard_match("ssm:GetParameter?", "ssm:GetParameters", True))
        self.assertTrue(wildcard_match("*", "", True))
        self.assertTrue(wildcard_match("a*b*c", "aXXbYYc", False))
        self.assertFalse(wildcard_match("a*b*c", "aXXbYY", False))
        self.assertTrue(wildcard_match("s3:*Object*", "s3:PutObjectAcl", True))
        self.assertTrue(wildcard_match("arn:aws:s3:::bücket/?", "arn:aws:s3:::bücket/é", False))
        self.assertFalse(wildcard_match("arn:aws:s3:::bücket/?", "arn:aws:s3:::bücket/éé", False))
        self.assertTrue(wildcard_match("ÉTAT:*", "état:x", True))
        self.assertFalse(wildcard_match("ÉTAT:*", "état:x", False))
        self.assertFalse(wildcard_match("", "x", False))
        self.assertFalse(wildcard_match("s3:Get?", "s3:GetObject", True))

    def test_pathological_patterns_stay_fast(self) -> None:
        start = time.monotonic()
        self.assertFalse(wildcard_match("*a" * 50 + "b", "a" * 10_000, False))
        self.assertLess(time.monotonic() - start, 5)


class SharedTableTest(unittest.TestCase):
    def test_the_wildcard_table_shared_with_the_rust_code(self) -> None:
        # scanner/iam/tests/wildcard-cases.json, checked against bbscan_iam::wildcard_match by the
        # Rust tests; the helpers match inside the policy, in components as in native tests.
        table_path = Path(__file__).resolve().parents[3] / "scanner/iam/tests/wildcard-cases.json"
        cases = json.loads(table_path.read_text(encoding="utf-8"))["cases"]
        self.assertGreaterEqual(len(cases), 30)
        with native_host():
            for pattern, value, fold, expected in cases:
                with self.subTest(pattern=pattern, value=value, fold=fold):
                    self.assertEqual(wildcard_match(pattern, value, fold), expected)
                    [s] = iam.statements({"Statement": {"Effect": "Allow", "Action": pattern, "Resource": pattern}})
                    if fold:
                        self.assertEqual(iam.action_matches(pattern, value), expected)
                        self.assertEqual(iam.covers_action(s, value), expected)
                    else:
                        self.assertEqual(iam.resource_matches(pattern, value), expected)
                        self.assertEqual(iam.covers_resource(s, value), expected)


class StatementsTest(unittest.TestCase):
    def test_a_single_statement_object_with_principal_anyone(self) -> None:
        doc = {
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Principal": "*"}
        }
        [s] = statements(doc)
        self.assertEqual(s.pointer, "/Statement")
        self.assertEqual(s.effect, Effect.ALLOW)
        self.assertEqual(s.actions, ("s3:GetObject",))
        self.assertEqual(s.principal, Principals(anyone=True))
        self.assertIsNone(s.not_principal)
        self.assertEqual(s.problems, ())
        self.assertTrue(covers_resource(s, "arn:aws:s3:::b/k"))
        self.assertFalse(covers_resource(s, "arn:aws:s3:::c/k"))

    def test_not_action_covers_everything_else(self) -> None:
        doc = {"Statement": [{"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Sid": "NoIam"}]}
        [s] = statements(doc)
        self.assertEqual((s.pointer, s.sid, s.effect), ("/Statement/0", "NoIam", Effect.DENY))
        self.assertTrue(covers_action(s, "s3:GetObject"))
        self.assertFalse(covers_action(s, "IAM:PassRole"))
        [s] = statements({"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::keep/*"}]})
        self.assertFalse(covers_resource(s, "arn:aws:s3:::keep/x"))
        self.assertTrue(covers_resource(s, "arn:aws:s3:::other/x"))

    def test_principals_and_conditions_one_per_key(self) -> None:
        doc = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",
                        "AWS": ["*", "arn:aws:iam::2:root"],
                        "Service": ["lambda.amazonaws.com"],
                    },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "aws:x": ["a", "b"],
                        },
                        "ForAllValues:StringLikeIfExists": {"token.actions.githubusercontent.com:sub": ["repo:o/r:*"]},
                        "Bool": {"aws:SecureTransport": False},
                        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                    },
                }
            ]
        }
        [s] = statements(doc)
        p = s.principal
        assert p is not None
        self.assertTrue(p.anyone)
        self.assertEqual(p.aws, ("arn:aws:iam::2:root",))
        self.assertEqual(p.federated, ("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",))
        self.assertEqual(p.service, ("lambda.amazonaws.com",))
        self.assertEqual(
            s.conditions,
            (
                Condition("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
                Condition("StringEquals", "aws:x", ("a", "b")),
                Condition(
                    "ForAllValues:StringLikeIfExists", "token.actions.githubusercontent.com:sub", ("repo:o/r:*",)
                ),
                Condition("Bool", "aws:SecureTransport", ("false",)),
                Condition("NumericLessThan", "aws:MultiFactorAuthAge", ("3600",)),
            ),
        )
        self.assertEqual(s.problems, ())

    def test_malformed_statements_say_why_in_the_rust_words(self) -> None:
        doc = {
            "Statement": [
                {"Effect": "allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
                {"Effect": "Allow", "Action": {"x": 1}, "Resource": "*", "Condition": "yes"},
                "not a statement",
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEqualz": {"aws:username": "x"}},
                },
                {
                    "Action": ["s3:GetObject", None, 1.5],
                    "Resource": "*",
                    "NotResource": [],
                    "Principal": "arn:aws:iam::1:root",
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Principal": {"Aws": "x", "AWS": [{"a": True}]},
                    "Condition": {"Null": "x"},
                },
            ]
        }
        s = statements(doc)
        self.assertEqual(s[0].problems, ('Effect "allow" is neither "Allow" nor "Deny" (they are case-sensitive)',))
        self.assertEqual(s[0].effect, Effect.ALLOW)
        self.assertEqual(s[1].problems, ("no Action or NotAction",))
        self.assertEqual(s[2].problems, ("both Action and NotAction",))
        self.assertEqual(
            s[3].problems,
            (
                "Condition is a string, not an object",
                'Action is {"x":1}, not a string or a list of strings',
                "no Action or NotAction",
            ),
        )
        self.assertEqual(
            s[4].problems, ("the statement is a string, not an object", "no Effect", "no Action or NotAction")
        )
        self.assertEqual(s[4].pointer, "/Statement/4")
        self.assertEqual(s[5].problems, ('unknown condition operator "StringEqualz"',))
        self.assertEqual(
            s[6].problems,
            (
                "no Effect",
                "Action holds null, not a string",
                "both Resource and NotResource",
                'Principal is "arn:aws:iam::1:root", not "*" or an object',
            ),
        )
        self.assertEqual(s[6].actions, ("s3:GetObject", "1.5"))
        self.assertEqual(
            s[7].problems,
            (
                "condition Null is a string, not an object",
                'unknown principal type "Aws"',
                'Principal AWS holds {"a":true}, not a string',
            ),
        )
        self.assertEqual(statements({"Version": "2012-10-17"}), [])
        self.assertEqual(statements({"Statement": "x"}), [])
        self.assertEqual(statements("{not json kept as text"), [])
        self.assertEqual(statements(None), [])

    def test_condition_operators(self) -> None:
        self.assertTrue(is_known_operator("ForAnyValue:StringLikeIfExists"))
        self.assertTrue(is_known_operator("forallvalues:ArnLike"))
        self.assertTrue(is_known_operator("Null"))
        self.assertFalse(is_known_operator("NullIfExists"))
        self.assertFalse(is_known_operator("ForAnyValue:Null"))
        self.assertFalse(is_known_operator("stringequals"))
        self.assertFalse(is_known_operator("Maybe:StringEquals"))


class TextTest(unittest.TestCase):
    def test_values_are_written_as_serde_json_and_rust_write_them(self) -> None:
        self.assertEqual(
            [number(x) for x in (3600, 1.0, 1.5, 0.00001, 1e-6, 1e15, 1e16, 1.5e-7, -2.5e20)],
            ["3600", "1.0", "1.5", "0.00001", "1e-6", "1000000000000000.0", "1e+16", "1.5e-7", "-2.5e+20"],
        )
        self.assertEqual(json_text({"a": [1, None, "é\n"], "b": False}), '{"a":[1,null,"é\\n"],"b":false}')
        self.assertEqual(debug_str('a"b\\c\n\u200bé'), '"a\\"b\\\\c\\n\\u{200b}é"')


class BackendTest(unittest.TestCase):
    def test_the_helpers_need_a_host(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "answered by bbscan's host"):
            iam.statements({"Statement": []})
        with self.assertRaisesRegex(RuntimeError, "answered by bbscan's host"):
            iam.access_level("s3:GetObject")
        # Matching needs no host: it is the SDK's own.
        self.assertTrue(iam.action_matches("s3:*", "s3:GetObject"))

    def test_the_native_host_answers_the_helpers(self) -> None:
        with native_host():
            [s] = iam.statements({"Statement": {"Effect": "Allow", "Action": "s3:Put*", "Resource": "*"}})
            self.assertTrue(iam.covers_action(s, "s3:PutObject"))
            self.assertTrue(iam.covers_resource(s, "arn:aws:s3:::any/thing"))
            self.assertTrue(iam.action_matches("S3:get*", "s3:GetObject"))
            self.assertFalse(iam.resource_matches("arn:aws:s3:::B/*", "arn:aws:s3:::b/k"))

    def test_access_levels_come_from_the_catalogue(self) -> None:
        import os
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
            f.write("# header\ns\ts3\na\tGetObject\tR\t\t\na\tPutObject\tW\t\t\na\tPutBucketPolicy\tP\t\t\n")
            f.write("s\tiam\na\tListRoles\tL\t\t\n")
        try:
            with native_host(f.name):
                self.assertEqual(iam.access_level("S3:getobject"), "read")
                self.assertEqual(iam.access_level("s3:PutObject"), "write")
                self.assertEqual(iam.access_level("s3:PutBucketPolicy"), "permissions-management")
                self.assertEqual(iam.access_level("iam:ListRoles"), "list")
                self.assertIsNone(iam.access_level("nothing:Here"))
                self.assertIsNone(iam.access_level("s3"))
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()

"""The glue inside a component, against stand-ins for the bindings componentize-py generates
(`wit_world`, `componentize_py_types`): the records are converted both ways as the contract says."""

import sys
import types
import unittest
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bbscan_policy import Context, Policy, Report, Resource, Rule, Severity, iam, settings
from bbscan_policy.component import world_class


@dataclass(frozen=True)
class Err(Exception):
    value: Any


def record(name: str) -> type:
    return type(name, (), {"__init__": lambda self, **kw: self.__dict__.update(kw)})


@dataclass
class WitResource:
    kind: str
    arn: str
    name: str
    account: str
    region: str
    tags: list
    config: str
    unknown: list = field(default_factory=list)


@dataclass
class WitGap:
    service: str
    operation: str
    region: str
    resource: Any
    field: Any
    reason: str
    kinds: list
    message: str


@dataclass
class WitStatement:
    pointer: str
    sid: Any
    effect: Any
    actions: list
    not_actions: list
    resources: list
    not_resources: list
    principal: Any
    not_principal: Any
    conditions: list
    problems: list


def install_bindings(lookups: dict[str, WitResource], calls: list) -> None:
    wit_types = types.ModuleType("wit_world.imports.types")
    wit_types.Severity = Enum("Severity", "INFO LOW MEDIUM HIGH CRITICAL")
    wit_types.Status = Enum("Status", "FAIL WARNING MANUAL NOT_ASSESSED")
    for name in ("PolicyInfo", "Rule", "ComplianceRef", "Finding", "Action", "Tally", "Evaluation"):
        setattr(wit_types, name, record(name))
    snapshot = types.ModuleType("wit_world.imports.snapshot")
    snapshot.resource_by_arn = lambda arn: (calls.append(("resource_by_arn", arn)), lookups.get(arn))[1]
    snapshot.resources_of_kind = lambda kind: [r for r in lookups.values() if r.kind == kind]
    host_iam = types.ModuleType("wit_world.imports.iam")
    host_iam.Effect = Enum("Effect", "ALLOW DENY")
    host_iam.Statement = WitStatement
    host_iam.Principals = record("Principals")
    host_iam.Condition = record("Condition")

    def statements(document: str) -> list:
        calls.append(("statements", document))
        if document == '"bad"':
            raise Err("the document is not JSON")
        return [WitStatement("/Statement", None, host_iam.Effect.ALLOW, ["s3:*"], [], ["*"], [], None, None, [], [])]

    host_iam.statements = statements
    imports = types.ModuleType("wit_world.imports")
    imports.types, imports.snapshot, imports.iam = wit_types, snapshot, host_iam
    world = types.ModuleType("wit_world")
    world.imports = imports
    world.WitWorld = type("WitWorld", (), {})
    runtime = types.ModuleType("componentize_py_types")
    runtime.Err = Err
    sys.modules.update(
        {
            "wit_world": world,
            "wit_world.imports": imports,
            "wit_world.imports.types": wit_types,
            "wit_world.imports.snapshot": snapshot,
            "wit_world.imports.iam": host_iam,
            "componentize_py_types": runtime,
        }
    )


def evaluate(ctx: Context, resources: list[Resource], report: Report) -> None:
    if ctx.settings.get("explode"):
        raise ValueError("boom")
    for r in resources:
        if r.kind != "iam.role":
            continue
        # A lookup sees what the evaluation was given (the policy's kinds): no host call.
        other = ctx.resource("arn:aws:iam::1:policy/p")
        assert other is not None and other.config == {"document": None}
        [s] = iam.statements(r.config["document"])
        assert iam.covers_action(s, "s3:PutObject")
        report.passed("Z.LAST")
        report.fail("A.FIRST", r, f"{r.name}: {r.tags['team']}").evidence("/tags").action(
            "tags.add_tags", 1, {"tags": {"é": 1e16}}
        ).severity(Severity.CRITICAL)
    report.not_assessed("M.MIDDLE", resources[0], "gap: " + (ctx.unlisted_reason("iam.role") or "none"))


def validate(s: dict) -> None:
    settings.only_keys(s, ["explode"])


POLICY = Policy(
    name="glue",
    version="1.2.3",
    validate_settings=validate,
    evaluate=evaluate,
    rules=[
        Rule("A.FIRST", "t", "d", Severity.HIGH, ["iam.role"], help_text="h", not_flagged="n"),
        Rule("Z.LAST", "t", "d", Severity.LOW, ["iam.role", "iam.policy"]),
        Rule("M.MIDDLE", "t", "d", Severity.INFO, ["iam.role"]),
    ],
)


class ComponentTest(unittest.TestCase):
    def setUp(self) -> None:
        self.saved = {
            k: sys.modules.get(k)
            for k in (
                "wit_world",
                "wit_world.imports",
                "wit_world.imports.types",
                "wit_world.imports.snapshot",
                "wit_world.imports.iam",
                "componentize_py_types",
            )
        }
        self.calls: list = []
        self.policy_resource = policy_resource = WitResource(
            "iam.policy", "arn:aws:iam::1:policy/p", "p", "1", "global", [], '{"document": null}'
        )
        install_bindings({policy_resource.arn: policy_resource}, self.calls)
        iam.use_backend(None)
        self.world = world_class(POLICY)()

    def tearDown(self) -> None:
        iam.use_backend(None)
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v

    def test_describe(self) -> None:
        info = self.world.describe()
        self.assertEqual((info.name, info.version), ("glue", "1.2.3"))
        self.assertEqual([r.id for r in info.rules], ["A.FIRST", "Z.LAST", "M.MIDDLE"])
        self.assertEqual(info.rules[0].default_severity.name, "HIGH")
        self.assertEqual(
            (info.rules[0].help_text, info.rules[0].not_flagged, info.rules[1].not_flagged), ("h", "n", "")
        )

    def test_validate_settings(self) -> None:
        self.world.validate_settings("")
        self.world.validate_settings('{"explode": false}')
        with self.assertRaises(Err) as e:
            self.world.validate_settings('{"explod": 1}')
        self.assertEqual(e.exception.value, 'unknown setting "explod"; the settings are: explode')
        with self.assertRaises(Err) as e:
            self.world.validate_settings("{")
        self.assertTrue(e.exception.value.startswith("settings are not JSON: "))

    def test_evaluate_converts_both_ways(self) -> None:
        role = WitResource(
            "iam.role",
            "arn:aws:iam::1:role/r",
            "r",
            "1",
            "global",
            [("team", "web")],
            '{"document": {"Statement": []}}',
            ["trust_policy"],
        )
        gap = WitGap("iam", "ListRoles", "global", None, None, "access_denied", ["iam.role"], "denied")
        evaluation = self.world.evaluate([role, self.policy_resource], [gap], "")
        [failed, not_assessed] = evaluation.findings
        self.assertEqual((failed.rule_id, failed.resource_arn, failed.status.name), ("A.FIRST", role.arn, "FAIL"))
        self.assertEqual((failed.message, failed.severity.name, failed.evidence), ("r: web", "CRITICAL", ["/tags"]))
        self.assertEqual((failed.actions[0].kind, failed.actions[0].version), ("tags.add_tags", 1))
        self.assertEqual(failed.actions[0].params, '{"tags":{"é":1e+16}}')
        self.assertEqual(not_assessed.status.name, "NOT_ASSESSED")
        self.assertIsNone(not_assessed.severity)
        self.assertEqual(not_assessed.message, "gap: iam:ListRoles in global (access_denied)")
        self.assertEqual(
            [(t.rule_id, t.evaluated, t.passed) for t in evaluation.tallies],
            [("A.FIRST", 1, 0), ("M.MIDDLE", 0, 0), ("Z.LAST", 1, 1)],
        )
        self.assertNotIn("resource_by_arn", [c[0] for c in self.calls])
        # The document is read by the host; its statement's coverage is matched inside the policy.
        self.assertEqual(self.calls, [("statements", '{"Statement": []}')])

    def test_a_policy_that_raises_is_an_error_result(self) -> None:
        role = WitResource("iam.role", "arn:aws:iam::1:role/r", "r", "1", "global", [], "{}")
        with self.assertRaises(Err) as e:
            self.world.evaluate([role], [], '{"explode": true}')
        self.assertRegex(e.exception.value, r"^ValueError: boom \(at .*test_component\.py:\d+\)$")
        bad = WitResource("iam.role", "arn:aws:iam::1:role/r", "r", "1", "global", [], "{")
        with self.assertRaises(Err) as e:
            # The config is parsed when the rule reads it: then the error names the resource.
            self.world.evaluate([bad, self.policy_resource], [], "")
        self.assertRegex(e.exception.value, r"^arn:aws:iam::1:role/r: the config the host sent is not JSON")

    def test_host_errors_reach_the_policy(self) -> None:
        iam.use_backend(None)
        with self.assertRaisesRegex(iam.IamError, "not JSON"):
            iam.statements("bad")


if __name__ == "__main__":
    unittest.main()

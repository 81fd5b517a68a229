import unittest

from bbscan_policy import Report, Resource, Severity, Status, Tally
from bbscan_policy.report import MAX_EVIDENCE, MAX_MESSAGE_BYTES

BUCKET = Resource(kind="s3.bucket", arn="arn:aws:s3:::b", name="b", account="1", region="us-east-1")


class ReportTest(unittest.TestCase):
    def test_tallies_count_as_the_rust_sdk_does(self) -> None:
        report = Report()
        report.passed("A")
        report.fail("A", BUCKET, "broken")
        report.warn("B", BUCKET, "soon")
        report.manual("B", BUCKET, "look")
        report.not_assessed("C", BUCKET, "not read")
        self.assertEqual(report.tallies, {"A": Tally(2, 1), "B": Tally(2, 0), "C": Tally(0, 0)})
        self.assertEqual(
            [f.status for f in report.findings], [Status.FAIL, Status.WARNING, Status.MANUAL, Status.NOT_ASSESSED]
        )
        self.assertEqual([f.message for f in report.of_rule("B")], ["soon", "look"])

    def test_the_builder_adds_to_the_finding_just_reported(self) -> None:
        report = Report()
        (
            report.fail("A", BUCKET, "m")
            .evidence("/tags")
            .evidence("/config/a", "/config/b")
            .action("tags.add_tags", 1, {"tags": {"k": "v"}})
            .severity(Severity.LOW)
        )
        [f] = report.findings
        self.assertEqual(f.resource_arn, "arn:aws:s3:::b")
        self.assertEqual(f.evidence, ["/tags", "/config/a", "/config/b"])
        self.assertEqual(
            (f.actions[0].kind, f.actions[0].version, f.actions[0].params), ("tags.add_tags", 1, {"tags": {"k": "v"}})
        )
        self.assertEqual(f.severity, Severity.LOW)

    def test_findings_are_bounded(self) -> None:
        report = Report()
        report.fail("A", BUCKET, "é" * MAX_MESSAGE_BYTES).evidence(*[f"/p/{i}" for i in range(MAX_EVIDENCE + 3)])
        report.bound()
        [f] = report.findings
        self.assertEqual(len(f.evidence), MAX_EVIDENCE)
        # The first 4096 bytes (of two-byte characters), then what was cut: the rest of the
        # message and the note on the evidence dropped.
        cut = 2 * MAX_MESSAGE_BYTES + len(" [3 more evidence pointers not listed]") - MAX_MESSAGE_BYTES
        self.assertEqual(f.message, "é" * (MAX_MESSAGE_BYTES // 2) + f" … [{cut} more bytes cut]")
        report = Report()
        report.fail("A", BUCKET, "a" * (MAX_MESSAGE_BYTES - 1) + "é")
        report.bound()
        # A character is never split: the two-byte one that crosses the limit goes whole.
        self.assertEqual(report.findings[0].message, "a" * (MAX_MESSAGE_BYTES - 1) + " … [2 more bytes cut]")


if __name__ == "__main__":
    unittest.main()

"""The compliance frameworks the built-in rules cite, named the same way everywhere (the report's
compliance summary groups by these names)."""

CIS = "CIS AWS Foundations Benchmark v3.0.0"
FSBP = "AWS Foundational Security Best Practices"
SOC2 = "SOC 2"

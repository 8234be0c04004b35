"""Evidence checks: pure functions from plain batch data to check results."""

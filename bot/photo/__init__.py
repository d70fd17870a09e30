"""Photo checks: safe loading, measurements, verdicts and a suggested crop."""

"""The pricing wing: price table, kernel, estimates, scenarios, summaries, usage logs."""

"""`make bench`: the figures behind SPEC.md's performance budgets."""

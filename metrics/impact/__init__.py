"""Business impact: warehouse datasets mapped to semantic roles, launch cohorts from mops,
figures computed inside the warehouse and stored as reproducible, certified snapshots."""

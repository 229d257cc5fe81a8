"""Data-health and watch pages: `datasets` (datasets, contracts, warehouses, runs) and
`incidents` (incidents, monitors, runbooks, the heartbeat endpoint)."""

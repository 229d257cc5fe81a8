"""Data contracts: the contract spec (pure), its YAML codec (ODCS) and drafts from a table."""

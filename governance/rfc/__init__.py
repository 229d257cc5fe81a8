"""RFC change control: RFCs, approvals, approval policies, scheduling against freezes."""

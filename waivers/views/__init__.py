"""Public pages of the waiver record, one module per page family."""

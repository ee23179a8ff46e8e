"""The public read-only JSON/CSV API (/api/v1/), its keys and its documentation."""

"""The staff admin for waivers, split by concern:

- waiver.py: the waiver change list and form (scoped, service-backed, versioned)
- forms.py / inlines.py: the content form and the per-type detail inlines
- transitions.py: lifecycle buttons with a confirmation page
- actions.py: bulk actions (CSV export, start review, recorded deletion)
- queue.py: the reviewers' queue
- audit.py: the read-only audit trail
- codes.py: NAICS and PSC reference lists

Who sees and may do what is decided in waivers.scope. The API key admin lives
in its own app (waivers/api/admin.py).
"""

from . import audit, codes, queue, waiver  # noqa: F401  (registers the admins)

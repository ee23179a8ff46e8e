from django.core.management.base import CommandError

from agencies import roles
from agencies.management.commands.grant_role import RoleCommand


class Command(RoleCommand):
    help = "Remove a user's staff role (for the given agencies, or all of them)."

    def handle(self, *args, **options):
        user, role, agencies = self.parse(options)
        removed = roles.revoke_role(user=user, role=role, agencies=agencies)
        if not removed:
            where = ", ".join(a.code for a in agencies) or "any agency"
            raise CommandError(f"{user.username} does not hold {role} for {where}.")
        user.refresh_from_db()
        staff = "still staff" if user.is_staff else "no longer staff"
        self.stdout.write(
            f"Revoked {removed} {role} membership{'s' if removed > 1 else ''} "
            f"from {user.username} ({staff})."
        )

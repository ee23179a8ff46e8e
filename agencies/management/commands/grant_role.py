from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies import roles
from agencies.models import AgencyMembership


class RoleCommand(BaseCommand):
    verb = ""

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help=f"One of: {', '.join(AgencyMembership.Role.values)}.")
        parser.add_argument(
            "--agency",
            action="append",
            default=[],
            metavar="CODE",
            help="Department (CGAC) or sub-tier (FPDS) code; repeat for several. "
            "A department covers its sub-tiers. Not used for miao_reviewer.",
        )

    def parse(self, options):
        try:
            user = roles.find_user(options["username"])
            role = roles.parse_role(options["role"])
            agencies = roles.find_agencies(options["agency"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return user, role, agencies


class Command(RoleCommand):
    help = "Give a user a staff role (agency_submitter, agency_viewer, miao_reviewer)."

    def handle(self, *args, **options):
        user, role, agencies = self.parse(options)
        try:
            created = roles.grant_role(user=user, role=role, agencies=agencies)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        where = ", ".join(a.code for a in agencies) or "all agencies"
        if created:
            self.stdout.write(f"Granted {role} to {user.username} for {where}.")
        else:
            self.stdout.write(f"{user.username} already had {role} for {where}.")

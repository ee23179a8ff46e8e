"""factory_boy factories. Waivers are built as drafts; use `post()` to move a
waiver through the lifecycle services, so history rows are real."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Agency
from waivers import services
from waivers.models import NaicsCode, PscCode, Waiver


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@agency.gov")
    password = factory.django.Password("correct-horse-battery-staple")
    is_staff = True


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{900 + n % 100:03d}")
    kind = Agency.Kind.DEPARTMENT
    name = factory.Sequence(lambda n: f"Test Department {n}")
    slug = factory.Sequence(lambda n: f"test-department-{n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Z{n % 1000:03d}")
    kind = Agency.Kind.SUBTIER
    parent = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"Test Agency {n}")
    slug = factory.Sequence(lambda n: f"test-agency-{n}")


def agency(code: str) -> Agency:
    """A real agency from the reference list loaded in conftest."""
    return Agency.objects.get(code=code)


class WaiverFactory(factory.django.DjangoModelFactory):
    """A complete draft nonavailability waiver, ready to submit."""

    class Meta:
        model = Waiver

    waiver_type = Waiver.Type.NONAVAILABILITY
    contracting_agency = factory.LazyFunction(lambda: agency("1341"))
    funding_agency = factory.LazyAttribute(lambda w: w.contracting_agency)
    naics = factory.LazyFunction(lambda: NaicsCode.objects.get(code="334516"))
    psc = factory.LazyFunction(lambda: PscCode.objects.get(code="6640"))
    procurement_title = factory.Sequence(lambda n: f"Purchase of laser system {n}")
    summary = "A high-power, spectrally narrow tunable laser for atomic physics research."
    rationale = "No domestic manufacturer offers a laser that meets the specification."
    procurement_stage = Waiver.ProcurementStage.POST_SOLICITATION
    coverage = Waiver.Coverage.INDIVIDUAL
    expected_duration = Waiver.Duration.INSTANT
    sources_sought = True
    price_preference_included = False
    piids = factory.Sequence(lambda n: [f"1333ND22PNB{n:06d}"])
    solicitation_id = factory.Sequence(lambda n: f"1333ND22QNB{n:06d}")
    countries = factory.LazyFunction(lambda: ["FR"])


def post(
    waiver: Waiver, *, to: str = Waiver.Status.SUBMITTED, actor=None, at: dt.datetime | None = None
) -> Waiver:
    """Move a draft through the services until it reaches status `to`."""
    at = at or timezone.now()
    Status = Waiver.Status
    services.submit(waiver, actor=actor, at=at)
    if to == Status.SUBMITTED:
        return waiver
    if to == Status.IN_REVIEW:
        return services.start_review(waiver, actor=actor, at=at)
    if to == Status.REVIEW_WAIVED:
        return services.waive_review(waiver, actor=actor, at=at)
    if to == Status.WITHDRAWN:
        return services.withdraw(waiver, actor=actor, at=at)
    services.record_determination(
        waiver, actor=actor, determination=Waiver.Determination.CONSISTENT, at=at
    )
    if to == Status.REVIEWED:
        return waiver
    return services.record_final_decision(
        waiver,
        actor=actor,
        decision=Waiver.FinalDecision.GRANTED,
        decided_on=timezone.localdate(at),
        at=at,
    )

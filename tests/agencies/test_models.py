"""agencies.models: the department rule of AgencyQuerySet.counted."""

from agencies.models import Agency, AgencyName


def _shape(departments) -> list:
    return [
        (row.agency.code, row.agency.display_name, row.count)
        + tuple((sub.agency.code, sub.agency.parent.code, sub.count) for sub in row.subtiers)
        for row in departments
    ]


def test_counted_rolls_sub_tiers_up_to_their_departments(db):
    commerce, nist, census = (Agency.objects.get(code=c) for c in ("013", "1341", "1323"))
    defense = Agency.objects.get(code="097")
    counts = {nist.pk: 3, census.pk: 2, commerce.pk: 1, defense.pk: 4}
    departments = Agency.objects.counted(counts)
    by_code = {row.agency.code: row for row in departments}
    assert set(by_code) == {"013", "097"}
    assert by_code["013"].count == 6  # its own and its two sub-tiers'
    assert sorted((s.agency.code, s.count) for s in by_code["013"].subtiers) == [
        ("1323", 2),
        ("1341", 3),
    ]
    assert by_code["097"].count == 4 and by_code["097"].subtiers == []
    assert [row.agency.display_name.lower() for row in departments] == sorted(
        row.agency.display_name.lower() for row in departments
    )


def test_names_only_gives_the_same_list_without_model_instances(db, django_assert_num_queries):
    counts = {
        agency.pk: n for n, agency in enumerate(Agency.objects.order_by("code")[:400:7], start=1)
    }
    full = Agency.objects.counted(counts)
    with django_assert_num_queries(1):
        names = Agency.objects.counted(counts, names_only=True)
    assert _shape(names) == _shape(full)
    assert all(isinstance(row.agency, AgencyName) for row in names)
    assert all(isinstance(row.agency, Agency) for row in full)
    # A sub-tier counted without its department still lists the department
    # (fetched apart when the queryset leaves it out).
    subtier = Agency.objects.filter(kind=Agency.Kind.SUBTIER).first()
    only = Agency.objects.filter(pk=subtier.pk)
    (department,) = only.counted({subtier.pk: 5}, names_only=True)
    assert (department.agency.pk, department.count) == (subtier.parent_id, 5)

"""The fixed sample (the waivers whose id is a multiple of 100) with every
column the filters and facets read.

At 500,000 waivers and more, a figure that cannot finish within its budget
(a result count, a facet's counts) is estimated over a 1 % sample
(waivers.counting). Keyword searches read it through waiver_sample_search_gin
(0012); every other figure read 1 % of the table's pages (TABLESAMPLE
SYSTEM), about 11 ms a statement at a million waivers, several a filtered
page. This partial index holds the sample's filter and facet columns (2 MB,
built in about a second), so such a figure is an index-only scan of its
~10,000 entries: 3.5 ms cold, about 1 ms warm. Issue 19; docs/decisions/0025.
"""

import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_agency_name_index"),
        ("waivers", "0012_sample_search_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="waiver",
            index=models.Index(
                condition=models.Q(
                    django.db.models.lookups.Exact(
                        django.db.models.functions.math.Mod("id", 100), 0
                    )
                ),
                fields=["id"],
                include=(
                    "status",
                    "is_test_record",
                    "waiver_type",
                    "source_id",
                    "determination",
                    "final_decision",
                    "contracting_agency",
                    "psc",
                    "naics",
                    "procurement_stage",
                    "coverage",
                    "countries",
                    "submitted_at",
                    "expires",
                    "supplier_response_count",
                ),
                name="waiver_sample_cover_idx",
            ),
        ),
    ]

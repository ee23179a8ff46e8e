"""A keyword index of the fixed sample: the waivers whose id is a multiple of 100.

At a million waivers and more, a keyword search whose count cannot finish
within its budget is estimated over a 1 % sample (waivers.counting). Over a
TABLESAMPLE of pages, PostgreSQL read every sampled waiver's search vector
to find the word: about 25 ms for 10,000 waivers, on most searches. The
keyword sample is instead the waivers whose id is a multiple of 100, and
this partial index holds their vectors only (8 MB at a million waivers,
built in about a second), so a word's matches in the sample are found
through it: under 1 ms. Issue 19; docs/decisions/0025.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_agency_name_index"),
        ("waivers", "0011_search_vector_statistics"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="waiver",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(
                    django.db.models.lookups.Exact(
                        django.db.models.functions.math.Mod("id", 100), 0
                    )
                ),
                fields=["search_vector"],
                name="waiver_sample_search_gin",
            ),
        ),
    ]

"""Estimated figures other than keyword searches read a sample of their own.

Migration 0013 gave the keyword sample (the waivers whose id is a multiple
of 100) a second index, with the filter and facet columns. Once ANALYZE had
seen it, PostgreSQL preferred it for keyword searches too: it then read each
of the 10,000 sampled waivers' search vectors from the table to match a word
(about 100 ms, where the keyword index took under 1 ms). This index covers
another 1 in 100 instead, the waivers whose id leaves 1 divided by 100, and
figures without a keyword read that sample (waivers.counting): no keyword
query can use it. Issue 19; docs/decisions/0025.
"""

import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0004_agency_name_index'),
        ('waivers', '0013_sample_cover_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='waiver',
            name='waiver_sample_cover_idx',
        ),
        migrations.AddIndex(
            model_name='waiver',
            index=models.Index(condition=models.Q(django.db.models.lookups.Exact(django.db.models.functions.math.Mod('id', 100), 1)), fields=['id'], include=('status', 'is_test_record', 'waiver_type', 'source_id', 'determination', 'final_decision', 'contracting_agency', 'psc', 'naics', 'procurement_stage', 'coverage', 'countries', 'submitted_at', 'expires', 'supplier_response_count'), name='waiver_figure_sample_idx'),
        ),
    ]

"""The search vector's statistics target: 300 instead of the default 100.

PostgreSQL keeps, for a tsvector column, the frequencies of its most common
lexemes (ten times the statistics target of them) and estimates any other
word at a low default. At a million waivers most of the vocabulary fell
outside the 1,000 kept by default: words matching 8,000 to 24,000 waivers
were all estimated at 5,200, so counts that could not finish within the
budget were tried anyway (waivers.counting.countable_rows). With 3,000
lexemes kept, those estimates follow the real counts (steady: 29,000 for
23,597). ANALYZE reads 90,000 rows instead of 30,000 (22 s instead of 15 s
at a million waivers). Issue 19; docs/decisions/0025.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("waivers", "0010_related_waiver_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE waivers_waiver ALTER COLUMN search_vector SET STATISTICS 300",
            reverse_sql="ALTER TABLE waivers_waiver ALTER COLUMN search_vector SET STATISTICS -1",
        ),
    ]

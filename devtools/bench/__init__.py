"""`manage.py bench`: the site's speed at 10k, 100k and 1M waivers, measured
against its floors (the same SQL run directly through psycopg, and a bare
Django view) in the same run. See docs/performance.md."""

"""Development tooling, apart from the domain: the synthetic-data generator
(`generate_waivers`), the benchmark (`bench`) and the demonstration data
(`seed_demo`). Nothing in waivers/ or agencies/ imports it; it uses the
domain's own definitions and services. See
docs/decisions/0011-development-tooling-apart.md."""

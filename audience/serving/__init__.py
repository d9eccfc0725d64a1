"""Serving: the tested result of a dbt build, published atomically where BI tools read it.

`audience publish` (audience.serving.publish) copies the published tables of the last successful
`dbt build` into a new DuckDB file and a new Parquet folder, then swaps each into place with one
rename. Decision record: docs/decisions/0008-serving-database-published-after-the-build.md.
"""

"""Ad-hoc SQL: a read-only `sql` command, the self-describing schema, exports.

- ``query.run_sql(con, sql, params=…, write=False, timeout=…)`` -> Arrow result
- ``guard.check_statements`` / ``guard.sandbox`` — what read-only mode allows
- ``output`` — table, CSV, JSON lines, Markdown, Parquet renderers
- ``schema_doc.schema_frame(con)`` / ``render_markdown`` — the schema from the catalog
- ``export.export_database(con, out, format=…)`` / ``export.import_export(con, dir)``
"""

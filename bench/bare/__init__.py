"""A plain Django project, served by the benchmark next to the portal (docs/performance.md):
what the framework alone costs on the same machine, database and gunicorn settings."""

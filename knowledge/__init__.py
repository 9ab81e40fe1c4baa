"""The structured knowledge base: facts and regimens as data, built into SQLite, rendered with Jinja2."""

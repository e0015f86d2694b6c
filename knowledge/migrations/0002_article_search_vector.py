"""Full-text search of the articles on PostgreSQL: a stored tsvector (title weighted A, tags B,
text D) for the page's search, and one of the title and tags alone for the suggestions while a DI
is typed, in the ``fr_unaccent`` configuration, each behind a GIN index (knowledge.search). The
configuration is the one of support's migration 0004, created here too if it is missing so that
this migration stands on its own. SQLite searches the stems the application stores instead."""

from django.db import migrations

FTS_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION fr_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END $$;
ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('fr_unaccent'::regconfig, title), 'A')
    || setweight(to_tsvector('fr_unaccent'::regconfig, tags), 'B')
    || to_tsvector('fr_unaccent'::regconfig, body)
) STORED;
CREATE INDEX knowledge_article_search_gin ON knowledge_article USING gin (search_vector);
ALTER TABLE knowledge_article ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('fr_unaccent'::regconfig, title || ' ' || tags)
) STORED;
CREATE INDEX knowledge_article_title_gin ON knowledge_article USING gin (title_vector);
"""

FTS_REVERSE_SQL = """
DROP INDEX IF EXISTS knowledge_article_title_gin;
ALTER TABLE knowledge_article DROP COLUMN IF EXISTS title_vector;
DROP INDEX IF EXISTS knowledge_article_search_gin;
ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_files_and_counts")]

    operations = [migrations.RunPython(_on_postgresql(FTS_SQL), _on_postgresql(FTS_REVERSE_SQL))]

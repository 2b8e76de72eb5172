"""The text search's index (midas.catalog.search_index): on SQLite an FTS5 table kept in step
with the assets by triggers, on PostgreSQL a GIN index on the weighted search vector."""

from django.db import migrations

from midas.catalog import search_index


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        search_index.ensure_sqlite_index(connection)
    elif connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("catalog", "Asset"), search_index.postgres_index())


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        search_index.drop_sqlite_index(connection)
    elif connection.vendor == "postgresql":
        schema_editor.remove_index(
            apps.get_model("catalog", "Asset"), search_index.postgres_index()
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_photos")]

    operations = [migrations.RunPython(create, drop)]

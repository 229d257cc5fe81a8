"""A psycopg connection string for the test database, for tests that talk to PostgreSQL
outside Django's connection (committed data, a warehouse built beside the app's tables)."""

import psycopg


def database_conninfo() -> str:
    """The test database (after django_db_setup) as Django reaches it: the parts its settings
    leave empty are left to libpq's defaults."""
    from django.db import connection

    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), db["NAME"]
    parts = {
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "dbname": db["NAME"],
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})

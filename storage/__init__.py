"""The database: connection, migrations and one repository per aggregate.

Nothing in this package knows about Telegram.
"""

from storage.db import Database, open_database

__all__ = ["Database", "open_database"]

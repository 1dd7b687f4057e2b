"""One pynamodb connection for all the tables a configuration binds.

pynamodb gives each model class a connection of its own, and each connection a botocore session of its own
(pynamodb issues 876 and 1245). A fresh session reads botocore's endpoint data (about 20 ms of JSON) and the
DynamoDB service model again, so a cold queue worker that touched three tables and wrote one transaction read them
four times. Here the models one `build_models` call binds, and the transactions written over them, share one
connection: one session per thread, one client, and the process's one botocore data loader (adapters/aws.py).
A configuration built again (tests, a changed environment) gets a connection of its own, as it got clients.
"""

from __future__ import annotations

from threading import Lock
from typing import Any, ClassVar

from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import TableError

from chalicelib.adapters.aws import share_data_loader


class SharedConnection(Connection):
    """A pynamodb connection whose botocore sessions read botocore's data through the process's one loader."""

    @property
    def session(self) -> Any:
        return share_data_loader(super().session)


class OnSharedConnection:
    """Mixed into each bound model, ahead of pynamodb's Model: its table connection talks through the
    configuration's shared connection, which learns the table's schema (a table name it knows by another schema
    keeps a connection of its own)."""

    shared_connection: ClassVar[Connection]

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table: TableConnection = super()._get_connection()  # type: ignore[misc]
        if table.connection is not cls.shared_connection and _same_schema(cls.shared_connection, table):
            table.connection = cls.shared_connection
        return table


_LEARNING = Lock()  # two threads first using one table (chalice local serves each request on its own)


def _same_schema(shared: Connection, table: TableConnection) -> bool:
    meta = table.get_meta_table()
    with _LEARNING:
        try:
            known: Any = shared.get_meta_table(table.table_name)
        except TableError:
            shared.add_meta_table(meta)
            return True
    return bool(known.data == meta.data)

"""created is stored as a DATETIME in the session time zone and read back as UTC."""
import calendar
import json
import time
from datetime import datetime, timedelta, timezone
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service, SqliteStore  # noqa: E402

KIND = "fault"
RATIONALE = ("The row keeps created_at as a zone-less DATETIME written by a connection whose "
             "session time_zone is '+08:00' (Asia/Shanghai servers), while the read path "
             "converts it to epoch seconds as UTC: every stored view reports created 8 hours "
             "(28800 s) later than the create answer did.")
SOURCE = "https://dev.mysql.com/doc/refman/8.0/en/datetime.html (DATETIME is stored without time zone conversion)"
VIOLATES = "The Unix timestamp (in seconds) of when the chat completion was created."

SESSION_TZ = timezone(timedelta(hours=8))


class DatetimeStore(SqliteStore):
    SCHEMA = SqliteStore.SCHEMA.replace("messages TEXT NOT NULL,",
                                        "messages TEXT NOT NULL, created_at TEXT,")

    def insert(self, tenant, obj, messages):
        super().insert(tenant, obj, messages)
        local = datetime.fromtimestamp(obj["created"], SESSION_TZ).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            self.db.execute("UPDATE completions SET created_at=? WHERE tenant=? AND id=?",
                            (local, tenant, obj["id"]))

    def _obj(self, body, metadata, created_at):
        obj = self._row_obj(body, metadata)
        obj["created"] = calendar.timegm(time.strptime(created_at, "%Y-%m-%d %H:%M:%S"))
        return obj

    def get(self, tenant, cid):
        with self.lock:
            row = self.db.execute("SELECT body, metadata, created_at FROM completions WHERE "
                                  "tenant=? AND id=?", (tenant, cid)).fetchone()
        return self._obj(*row) if row else None

    def list(self, tenant):
        with self.lock:
            rows = self.db.execute("SELECT body, metadata, created_at FROM completions WHERE "
                                   "tenant=? ORDER BY created, seq", (tenant,)).fetchall()
        return [self._obj(*r) for r in rows]


class DatetimeService(Service):
    store_class = DatetimeStore


def create_app(api_keys):
    return DatetimeService(api_keys).app()

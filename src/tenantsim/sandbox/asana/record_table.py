"""Every live record of the tenant by gid, with what makes listing them cost what the list holds rather
than what the workspace holds: their list order (``list_order.py``) and buckets of records filed by type
and by what they link to (``record_links.py``).

``RecordTable`` is a dict, so lookups by gid are plain dict lookups. Adding, replacing and removing a
record keep the buckets and the order up to date; a change to a field a record is filed under goes in a
``relinking`` block. A bucket holds its records in list order, sorted when read after a record joined it
out of order or moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from tenantsim.sandbox.asana.list_order import ListOrder
from tenantsim.sandbox.asana.record_links import FilingKey, filing_keys

Record = dict[str, Any]


class Bucket(dict[str, Record]):
    """The records filed under one key, by gid; in list order unless ``unsorted``."""

    __slots__ = ("unsorted",)

    def __init__(self) -> None:
        super().__init__()
        self.unsorted = False


class RecordTable(dict[str, Record]):
    def __init__(self, records: Iterable[Record] = ()) -> None:
        super().__init__()
        self.order = ListOrder()
        self._buckets: dict[FilingKey, Bucket] = {}
        for record in records:
            self[str(record["gid"])] = record

    # -- changes ----------------------------------------------------------------------------------
    def __setitem__(self, gid: str, record: Record) -> None:
        old = super().get(gid)
        if old is None:
            self.order.append(gid)
        else:  # replaced: the new record keeps the old one's place in the list
            self._unfile(old, filing_keys(old))
        super().__setitem__(gid, record)
        self._file(record, filing_keys(record))

    def __delitem__(self, gid: str) -> None:
        record = self[gid]
        self._unfile(record, filing_keys(record))
        self.order.remove(gid)
        super().__delitem__(gid)

    def pop(self, gid: str, *default: Any) -> Any:
        if gid not in self:
            if default:
                return default[0]
            raise KeyError(gid)
        record = self[gid]
        del self[gid]
        return record

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("RecordTable changes one record at a time (its buckets and order follow)")

    clear = update = setdefault = popitem = __ior__ = _refuse

    @contextmanager
    def relinking(self, record: Record) -> Iterator[Record]:
        """Change what a live ``record`` is filed under (a task's parent, assignee, memberships, tags or
        dependencies) inside this block; its buckets follow when the block ends."""
        before = filing_keys(record)
        try:
            yield record
        finally:
            if super().get(record["gid"]) is record:
                after = filing_keys(record)
                self._unfile(record, before - after)
                self._file(record, after - before)

    def move(self, record: Record, *, before: str | None = None, after: str | None = None) -> None:
        """``record`` to just before ``before``, just after ``after``, or (neither given) to the end."""
        gid = record["gid"]
        if before is not None:
            self.order.move_before(gid, before)
        elif after is not None:
            self.order.move_after(gid, after)
        else:
            self.order.move_to_end(gid)
        for key in filing_keys(record):
            self._buckets[key].unsorted = True

    def _file(self, record: Record, keys: Iterable[FilingKey]) -> None:
        gid = record["gid"]
        order = self.order.key
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = Bucket()
            elif bucket and not bucket.unsorted and order[next(reversed(bucket))] > order[gid]:
                bucket.unsorted = True  # an older record joined (a task tagged, given a parent...)
            bucket[gid] = record

    def _unfile(self, record: Record, keys: Iterable[FilingKey]) -> None:
        gid = record["gid"]
        for key in keys:
            bucket = self._buckets[key]
            del bucket[gid]
            if not bucket:
                del self._buckets[key]

    # -- reading ----------------------------------------------------------------------------------
    def _bucket(self, key: FilingKey) -> Bucket | None:
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.unsorted:
            order = self.order.key
            ordered = sorted(bucket.items(), key=lambda item: order[item[0]])
            dict.clear(bucket)
            dict.update(bucket, ordered)
            bucket.unsorted = False
        return bucket

    def filed(self, *key: str) -> list[Record]:
        """The records filed under ``key``, in list order: ``filed("task", "parent", gid)``."""
        bucket = self._bucket(key)
        return list(bucket.values()) if bucket is not None else []

    def first(self, *key: str) -> Record | None:
        bucket = self._bucket(key)
        return next(iter(bucket.values())) if bucket else None

    def last(self, *key: str) -> Record | None:
        bucket = self._bucket(key)
        return next(reversed(bucket.values())) if bucket else None

    def count(self, *key: str) -> int:
        return len(self._buckets.get(key, ()))

    def in_order(self) -> list[Record]:
        """Every record, in list order (what iterating the dict gave when its order was the list's)."""
        order = self.order.key
        return sorted(self.values(), key=lambda record: order[record["gid"]])

"""Where each record stands in the tenant's one list order.

Asana lists (a project's tasks, a task's subtasks, a workspace's tags...) show records in the order they
were made, except where a call moved one: a task to the top of a section or next to another task, a
section before another, a subtask after its siblings. The emulator keeps this as one order over all
records (a task in two projects has one place, seen in both lists), as it did when the order was that of
the records dict itself; but moving a record then meant rebuilding that dict, a cost that grew with the
whole workspace.

Here each gid has an integer key and lists sort by it. A new record gets a key past the last one; a
moved record gets a key between its new neighbours, found by bisecting the sorted keys, so a move
changes one key. Keys start ``GAP`` apart; when two neighbours have no integer left between them (after
about 32 moves into the same gap) every key is spaced out again, in the same order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

GAP = 1 << 32


class ListOrder:
    def __init__(self) -> None:
        self.key: dict[str, int] = {}
        self._sorted: list[int] = []  # every key, ascending: a key's neighbours are found by bisection

    def __len__(self) -> int:
        return len(self.key)

    def append(self, gid: str) -> None:
        """``gid`` goes last (a new record)."""
        key = (self._sorted[-1] if self._sorted else 0) + GAP
        self.key[gid] = key
        self._sorted.append(key)

    def remove(self, gid: str) -> None:
        key = self.key.pop(gid)
        del self._sorted[bisect_left(self._sorted, key)]

    def move_to_end(self, gid: str) -> None:
        self.remove(gid)
        self.append(gid)

    def move_before(self, gid: str, anchor: str) -> None:
        """``gid`` just before ``anchor``: after whatever came before ``anchor``."""
        self.remove(gid)
        while True:
            high = self.key[anchor]
            index = bisect_left(self._sorted, high)
            low = self._sorted[index - 1] if index else high - 2 * GAP
            if high - low > 1:
                self._place(gid, (low + high) // 2, index)
                return
            self._space_out()

    def move_after(self, gid: str, anchor: str) -> None:
        """``gid`` just after ``anchor``: before whatever came after ``anchor``."""
        self.remove(gid)
        while True:
            low = self.key[anchor]
            index = bisect_right(self._sorted, low)
            high = self._sorted[index] if index < len(self._sorted) else low + 2 * GAP
            if high - low > 1:
                self._place(gid, (low + high) // 2, index)
                return
            self._space_out()

    def _place(self, gid: str, key: int, index: int) -> None:
        self.key[gid] = key
        self._sorted.insert(index, key)

    def _space_out(self) -> None:
        """Every key ``GAP`` apart again, in the same order (rare: see the module's docstring)."""
        ordered = sorted(self.key, key=self.key.__getitem__)
        for index, gid in enumerate(ordered):
            self.key[gid] = (index + 1) * GAP
        self._sorted = [(index + 1) * GAP for index in range(len(ordered))]

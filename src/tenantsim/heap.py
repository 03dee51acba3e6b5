"""How the server process's garbage collector runs.

The cyclic collector runs on whichever thread allocates, for a server mostly the event loop's, and a
full collection walks every live object with the loop stopped. A thousand jobs hold millions of objects
(companies, ledgers, clients), so each full collection stops every job for a good fraction of a second.
Starting jobs makes many objects that live a while (calls in flight, records waiting for the writer), and
with CPython's default of a full collection after every tenth middle-generation one, starting the scale
benchmark's 1,000 jobs ran 29 of them, up to 1.3 s each. Young collections stay as they are (short
pauses); full ones come ten times less often, and what start-up made is never walked again.
"""

from __future__ import annotations

import gc

# A full collection after this many middle-generation ones (CPython: 10). CPython's own rule still
# holds one back until the objects waiting for it are a quarter of those that survived the last.
FULL_EVERY = 100


def settle_for_serving() -> None:
    """Call once the server is built, before it takes jobs: what exists now (modules, the app) lives as
    long as the process, so it is set aside from every later collection; full collections become rare."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_EVERY)

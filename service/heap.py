"""What a long-running process (a server, the scheduler) does with the objects it starts with.

Such a process holds some 260,000 objects that live as long as it does (modules, routes, models,
compiled statements, rules, catalogs). Python's cyclic garbage collector would walk all of them
again in every full collection, which the work's own garbage triggers every so often: a seventh
of a receipt's server CPU, and a pause of about 0.1 s landing in whichever scheduler job ran then.
"""

from __future__ import annotations

import gc

_settled: list[bool] = []  # whether this process has settled its heap


def settle_heap() -> None:
    """Once per process, when it starts its work: collect start-up's garbage, then take
    everything alive out of the collector's sight (`gc.freeze`). What is frozen is still freed
    by reference counting; only cycles among it would wait for the exit."""
    if _settled:
        return
    _settled.append(True)
    gc.collect()
    gc.freeze()

"""delta-rs loading a table's snapshot on request, in one warm process (the bench interleaves its
loads with ours, so both see the same machine load).

    python bench/peers/deltars_snapshot.py        (then one table path per line on stdin)

For each path: DeltaTable(path) - list _delta_log, read _last_checkpoint, the checkpoint and the
JSON commits after it into delta-rs's state of the active add actions (paths, partition values,
stats) - and file_uris(), the active file list out to Python. Prints one JSON line per load: its
milliseconds, the version and the number of active files. Imports and process start are not timed.
"""
import json
import sys
import time

from deltalake import DeltaTable

for line in sys.stdin:
    path = line.strip()
    if not path:
        continue
    t = time.perf_counter()
    dt = DeltaTable(path)
    files = len(dt.file_uris())
    ms = (time.perf_counter() - t) * 1000
    print(json.dumps({"ms": ms, "version": dt.version(), "files": files}), flush=True)

"""delta-rs loading a table's snapshot (log replay, file list materialised), repeated.

    python bench/peers/deltars_snapshot.py <table-path> <repeat>
Prints one JSON line: per-load milliseconds, the version and the number of live files.
"""
import json
import sys
import time

from deltalake import DeltaTable

path, repeat = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(repeat):
    t = time.perf_counter()
    dt = DeltaTable(path)
    files = len(dt.file_uris())
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": times, "version": dt.version(), "files": files}))

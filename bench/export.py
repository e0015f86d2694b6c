"""« Exporter » at scale: ``python -m bench.export SCALE``, run by bench.run with the server's
environment (same settings, same database). Streams the desk's export (CSV, then XLSX) of the
100,000 most recent DIs (all of them below that) through the export's own functions
(``support.exports``), as a worker streams the answer, and measures the time, the bytes and the
growth of the process's resident memory (sampled every 20 ms). Prints JSON on its last line."""

import json
import sys
import threading
import time
from pathlib import Path

ROWS = 100_000


def rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(chunks):
    before = peak = rss_kb()
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    size = 0
    for chunk in chunks:
        size += len(chunk)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    return {"seconds": round(seconds, 2), "bytes": size, "rss_growth_mb": round((peak - before) / 1024, 1)}


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from accounts.models import Role, User
    from support import exports
    from support.access import tickets_for

    staff = User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True).first()
    newest = tickets_for(staff).order_by("-created_at", "-pk")
    rows = newest[:ROWS].count()
    tickets = newest[:ROWS]
    # Warm-up: the first rows read load what any worker has loaded before (modules, connection).
    for _chunk in exports.csv_chunks(tickets_for(staff).order_by("-pk")[:10], exports.COLUMNS):
        pass
    results = {"rows": rows}
    for fmt in ("csv", "xlsx"):
        chunks, _content_type = exports.FORMATS[fmt]
        results[fmt] = measure(chunks(tickets, exports.COLUMNS))
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""Benchmark: a burst of form submissions on the embedded default.

Prints the receipt latency (form POST through the real Flask app, CSRF included) and
what the next sync does with the burst. Run: python bench/intake_burst.py [COUNT]
"""
from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pondok_sheets import create_app  # noqa: E402
from pondok_sheets.config import Settings  # noqa: E402
from pondok_sheets.flow.sync import sync  # noqa: E402
from tests.conftest import LETTER_ANSWERS  # noqa: E402  (the built-in services' own fields)


def main(count: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), secret_key="bench", settle_minutes=0, quiet_hours=None)
        app = create_app(settings)
        office = app.extensions["pondok"]
        office.messenger.stream = open("/dev/null", "w")  # keep the console quiet
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/ajukan/SKD").get_data(as_text=True)).group(1)
        fields = {"nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812-3456-7801",
                  "keterangan": "bench", "setuju": "ya", "csrf_token": token, **LETTER_ANSWERS}
        latencies = []
        for i in range(count):
            start = time.perf_counter()  # each from its own phone: the per-IP limit is not what is measured
            # distinct residents: the same answers twice within a minute would be one request
            response = client.post("/ajukan/SKD", data={**fields, "keterangan": f"bench {i}"},
                                   environ_base={"REMOTE_ADDR": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"})
            latencies.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 303
        cpu = time.process_time()
        start = time.perf_counter()
        report = sync(office)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        latencies.sort()
        print(f"submissions:          {count}")
        print(f"receipt p50 / p95:    {statistics.median(latencies):.1f} ms / "
              f"{latencies[int(len(latencies) * 0.95) - 1]:.1f} ms")
        print(f"flush+sync of burst:  {wall:.2f} s wall, {cpu:.2f} s CPU -> {report.summary()}")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

"""HTTP cache benchmark: a cache-hit load_catalog against a fresh network load, and revalidation bytes.

Runs against a CatalogServer on 127.0.0.1 serving the bundled 804-model catalog, with a temporary
cache directory. Figures are ratios against the network load measured in the same process (best of
several alternating rounds). Exits non-zero when a target is missed.

    python benchmarks/bench_http.py
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_of

import aihubmix_frame as ahf
from aihubmix_frame.http.cache import close_sessions
from aihubmix_frame.loader import forget_converted_frames
from aihubmix_frame.testing import CatalogServer

ROUNDS = 7
#: A cache hit (the same body converted before in this process) against a fresh network load.
TARGET_HIT_RATIO = 0.5
#: A cache hit in a fresh process (the JSON is parsed and converted again) against a network load.
#: On loopback the network is almost free, so this only has to be cheaper; on a real link the
#: network load adds a round trip and ~340 kB of transfer.
TARGET_COLD_HIT_RATIO = 1.0


def best(function, rounds):
    return best_of(rounds, function)[0]


def main() -> int:
    warnings.simplefilter("error", ahf.StaleCatalogWarning)
    failures = []
    with CatalogServer() as server, tempfile.TemporaryDirectory() as tmp:

        def network():
            forget_converted_frames()  # a fresh load: the body is parsed and converted
            frame = ahf.load_catalog(base_url=server.url, cache_dir=tmp, force_refresh=True)
            assert frame.attrs["aihubmix"]["source"] == "network", frame.attrs["aihubmix"]["source"]

        def hit():
            frame = ahf.load_catalog(base_url=server.url, cache_dir=tmp)
            assert frame.attrs["aihubmix"]["source"] == "cache", frame.attrs["aihubmix"]["source"]

        def cold_hit():
            forget_converted_frames()  # as in a new kernel: parse and convert the cached body
            hit()

        def frame_only():
            ahf.catalog_to_frame(payload)

        payload = ahf.fetch_catalog(base_url=server.url, cache_dir=tmp).payload
        network(), hit(), cold_hit(), frame_only()  # warm up imports, connections and the SQLite file
        times = {"network": [], "hit": [], "cold": [], "frame": []}
        for _ in range(ROUNDS):  # alternate so that machine noise hits all alike
            times["network"].append(best(network, 1))
            times["hit"].append(best(hit, 1))
            times["cold"].append(best(cold_hit, 1))
            times["frame"].append(best(frame_only, 1))
        network_s, hit_s, cold_s, frame_s = (min(times[k]) for k in ("network", "hit", "cold", "frame"))
        ratio, cold_ratio = hit_s / network_s, cold_s / network_s
        requests_during_hits = server.count()

        server.reset()
        revalidated = ahf.load_catalog(base_url=server.url, cache_dir=tmp, refresh=True)
        conditional = server.requests
        body_bytes = sum(r.body_bytes for r in conditional)
        full_bytes = len(server.catalog_body()[1])
        close_sessions()

    print(f"catalog: {len(payload['data'])} models, {full_bytes:,} body bytes")
    print(f"network load (force_refresh, 200 + parse + store + frame): {network_s * 1e3:8.1f} ms  (baseline 1.00)")
    print(
        f"cache-hit load (no request, frame of this body reused):   {hit_s * 1e3:8.1f} ms  ratio {ratio:.2f}"
        f"  (target <= {TARGET_HIT_RATIO})"
    )
    print(
        f"cache-hit load in a new process (parse + convert again):  {cold_s * 1e3:8.1f} ms  ratio {cold_ratio:.2f}"
        f"  (target <= {TARGET_COLD_HIT_RATIO})"
    )
    print(
        f"  of which catalog_to_frame alone:                        {frame_s * 1e3:8.1f} ms  ratio {frame_s / network_s:.2f}"
    )
    print(
        f"revalidation: {len(conditional)} request(s), statuses {[r.status for r in conditional]}, "
        f"body bytes {body_bytes} (target 0), source {revalidated.attrs['aihubmix']['source']!r}"
    )
    if ratio > TARGET_HIT_RATIO:
        failures.append(f"cache-hit ratio {ratio:.2f} > {TARGET_HIT_RATIO}")
    if cold_ratio > TARGET_COLD_HIT_RATIO:
        failures.append(f"cold cache-hit ratio {cold_ratio:.2f} > {TARGET_COLD_HIT_RATIO}")
    if body_bytes != 0 or [r.status for r in conditional] != [304]:
        failures.append(f"revalidation sent {body_bytes} body bytes in {len(conditional)} request(s)")
    expected_requests = 2 + ROUNDS  # fetch_catalog, warm-up network(), one per network round
    print(f"requests during the run: {requests_during_hits} (expected {expected_requests}: hits send none)")
    if requests_during_hits != expected_requests:
        failures.append(f"{requests_during_hits} requests, expected {expected_requests}")
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU and wall time of API requests in-process, through the whole WSGI handler, as gunicorn calls it.

    python benchmarks/api_request_cpu.py [--tree ../main] [--database-url URL] [--requests 500]
        [--profile] /api/v1/projects?limit=50 /api/v1/projects/6906 ...

Anonymous GET requests with the benchmark's settings (DEBUG=false, no HTTPS redirect); each URL is
warmed, then called `--requests` times in 5 rounds; the best round's CPU and wall time per request
are printed (the machine is shared: the best round is the least disturbed). `--profile` prints a
cProfile of the last URL by internal time. No HTTP, no gunicorn: what is left is Grappe's own work
and the database round trips. `--tree` measures another checkout (e.g. main) with this script:
run both one after the other to compare them; for req/s against the raw baseline use
`bench_api_vs_raw.py`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/grappe_bench_api"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the Grappe checkout to measure")
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "grappe.settings",
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "ERROR",
            "SECURE_SSL_REDIRECT": "false",
        }
    )
    os.chdir(args.tree)
    sys.path.insert(0, str(args.tree.resolve()))
    from grappe.wsgi import application

    def call(url: str) -> str:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
            status.append(line)

        result = application(environ, start_response)
        b"".join(result)
        result.close()  # type: ignore[attr-defined]  # request_finished, as gunicorn does
        return status[0]

    for url in args.urls:
        answer = call(url)
        if not answer.startswith("200"):
            sys.exit(f"{url} answered {answer}")
        for _ in range(50):
            call(url)
        rounds = []
        for _ in range(5):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                call(url)
            rounds.append(
                (
                    (time.process_time() - cpu) / args.requests * 1000,
                    (time.perf_counter() - wall) / args.requests * 1000,
                )
            )
        cpu_ms = min(r[0] for r in rounds)
        wall_ms = min(r[1] for r in rounds)
        print(f"{url:50} cpu {cpu_ms:6.3f} ms  wall {wall_ms:6.3f} ms")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            call(args.urls[-1])
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()

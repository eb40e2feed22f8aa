#!/usr/bin/env python3
"""The two commands of the README, with nothing but Python 3.11+ installed.

    python3 dev.py start   install into .venv, migrate, load the demo, serve http://127.0.0.1:8000
    python3 dev.py test    install dev tools, then every check and test (what CI runs)

`python3 dev.py test --pytest-only [PYTEST ARGS]` skips the static checks (CI uses it for the
second, PostgreSQL, pass).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("GRAPPE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    cmd = [str(a) for a in args]
    print("$ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)  # noqa: S603 -- our own tools
    if result.returncode != 0:
        sys.exit(f"\nFAILED ({result.returncode}): {' '.join(cmd)}")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 -- dev.py may run on an older system Python
        sys.exit("Grappe needs Python 3.11 or newer.")
    if not PY.exists():
        say(f"Creating a virtual environment in {VENV}")
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".grappe-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("Installing Grappe and its pinned dependencies")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def grappe(*args: str, env: dict[str, str] | None = None) -> None:
    run(PY, "-m", "grappe", *args, env=env)


def start(args: argparse.Namespace) -> None:
    ensure_venv("")
    say("Preparing the database (SQLite unless DATABASE_URL is set)")
    grappe("migrate", "--no-input", "-v", "0")
    grappe("compile_translations")
    say("Loading the demo data")
    grappe("load_demo")
    say(f"Serving Grappe at http://{args.addr}/  (Ctrl+C to stop)")
    grappe("runserver", args.addr, *(["--noreload"] if args.noreload else []))


def test(args: argparse.Namespace) -> None:
    ensure_venv("dev")
    if not args.pytest_only:
        say("ruff (lint and format)")
        run(BIN / "ruff", "check", ".")
        run(BIN / "ruff", "format", "--check", ".")
        say("mypy")
        run(BIN / "mypy", "grappe")
        say("import-linter (domain packages stay pure)")
        run(BIN / "lint-imports")
        say("migrations are up to date")
        grappe("makemigrations", "--check", "--dry-run", "-v", "1")
        say("translation catalogue compiled and complete")
        grappe("compile_translations", "--check")
    database = os.environ.get("DATABASE_URL", "SQLite")
    say(f"pytest on {database.split('@')[-1]}")
    run(BIN / "pytest", "--create-db", *args.pytest_args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="install, migrate, load the demo and serve")
    p_start.add_argument("--addr", default="127.0.0.1:8000")
    p_start.add_argument("--noreload", action="store_true")
    p_start.set_defaults(func=start)
    p_test = sub.add_parser("test", help="run every check and the whole test suite")
    p_test.add_argument("--pytest-only", action="store_true")
    p_test.add_argument("pytest_args", nargs="*")
    p_test.set_defaults(func=test)
    # Options meant for pytest (`-k api`, `-x`) pass through without a `--` before them.
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.pytest_args = [*args.pytest_args, *extra]
    args.func(args)


if __name__ == "__main__":
    main()

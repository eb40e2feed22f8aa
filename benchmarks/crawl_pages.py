"""A user's-eye crawl of the site: every internal link, breadth-first, as each demo login.

    DATABASE_URL=sqlite:////tmp/qa.sqlite3 python benchmarks/crawl_pages.py
    DATABASE_URL=... python benchmarks/crawl_pages.py --per-pattern 3 --budget 3000 --json out.json

Point DATABASE_URL at a database that holds the demo and, for the real-data figures, the
shared CORDIS and ANR files, e.g.:

    export DATABASE_URL=sqlite:////tmp/qa.sqlite3
    grappe migrate && grappe load_demo
    grappe import cordis ../shared/data/cordis-h2020-2016
    grappe import anr ../shared/data/anr-dos-partners

For anonymous and each demo login (`admin`, `officer`, `manager`, `member`, `evaluator`,
`applicant`; logged in with `force_login`, so the passwords do not matter), in /en/ and /fr/,
the crawler starts from the home page, "My area", the lists and a few searches, and follows every
internal link (`href`) it finds, breadth-first, GET only (never the logout or the language
switch). URLs are grouped by the URL name Django resolves them to: at most `--per-pattern` pages
of each name per login and language, `--budget` requests in all. It then calls the API's GET
endpoints with real ids and with bad parameters (as anonymous and as `applicant`).

It records, per request: status, CPU time (process time, the machine being shared), the number
of SQL queries; and it flags:

- every status >= 500 and any exception raised by the view (with its traceback's last line);
- pages over `--slow` seconds of CPU;
- in the visible text of a page: a lone `None` or `nan`, a raw ISO date (`2026-12-07` or
  `2026-12-07T10:00`), a server path (`/work/`, `/tmp/`, `site-packages`, `/home/`);
- on /fr/ pages: text nodes equal to an English msgid of the French catalogue whose French
  translation differs (untranslated English, a sample).

It prints a summary table (URL name, requests, worst status, p95 CPU ms, max queries) and the
findings, and `--json FILE` writes them all. The crawl only reads: GET requests do not write.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
import traceback
from collections import Counter, defaultdict, deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOGINS = [None, "admin", "officer", "manager", "member", "evaluator", "applicant"]
SEARCHES = ["énergie", "CNRS", "Paris 11e", "hydrogène", "", "a", "%", "<script>"]
SKIP = re.compile(
    r"^/(static|media)/|/logout/|/i18n/|/accounts/password_reset|/admin/(logout|jsi18n)"
)
HREF = re.compile(r"""href\s*=\s*["']([^"'#]+)""")
SCRIPT = re.compile(r"<(script|style|textarea)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?![\d-])")
LONE = re.compile(r"(?:^|\s)(None|nan|NaN)(?:\s|$)")
SERVER_PATH = re.compile(r"(/work/|/tmp/|site-packages|/home/\w+/|Traceback)")


def text_nodes(body: str) -> list[str]:
    body = SCRIPT.sub(" ", body)
    return [" ".join(html.unescape(chunk).split()) for chunk in TAG.split(body) if chunk.strip()]


def english_msgids() -> set[str]:
    """msgids of the French catalogue whose msgstr differs (and is not trivially short)."""
    po = ROOT / "grappe" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    found: set[str] = set()
    msgid = msgstr = None
    mode = ""
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            if msgid and msgstr and msgid != msgstr:
                found.add(msgid)
            msgid, msgstr, mode = line[7:-1], None, "id"
        elif line.startswith("msgstr "):
            msgstr, mode = line[8:-1], "str"
        elif line.startswith('"') and mode == "id" and msgid is not None:
            msgid += line[1:-1]
        elif line.startswith('"') and mode == "str" and msgstr is not None:
            msgstr += line[1:-1]
        elif not line.strip():
            if msgid and msgstr and msgid != msgstr:
                found.add(msgid)
            msgid = msgstr = None
            mode = ""
    return {
        m.replace('\\"', '"')
        for m in found
        if len(m) >= 6 and "%" not in m and "{" not in m and re.search(r"[a-z]{3}", m)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-pattern", type=int, default=3)
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--slow", type=float, default=2.0, help="CPU seconds")
    parser.add_argument("--logins", default=",".join(str(u) for u in LOGINS))
    parser.add_argument("--languages", default="en,fr")
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    import logging

    # 4xx answers are expected (bad parameters); 5xx are recorded with their traceback.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve
    from django.utils import translation

    english = english_msgids()
    languages = args.languages.split(",")
    records: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    seen_findings: set[tuple[str, str, str]] = set()

    def flag(kind: str, name: str, url: str, who: str, detail: str) -> None:
        key = (kind, name, detail[:80])
        if key in seen_findings:
            return
        seen_findings.add(key)
        findings.append(
            {"kind": kind, "url_name": name, "url": url, "login": who, "detail": detail}
        )

    def url_name(path: str) -> str | None:
        # i18n_patterns resolve only the active language's prefix.
        prefix = path.split("/")[1] if path.count("/") > 1 else ""
        try:
            with translation.override(prefix if prefix in languages else None):
                match = resolve(urlsplit(path).path)
        except Resolver404:
            return None
        if match.url_name is None:
            return "api" if path.startswith("/api/") else match.route
        return match.view_name

    def fetch(client: Client, url: str, who: str, name: str) -> tuple[int, str]:
        started = time.process_time()
        wall = time.perf_counter()
        error = ""
        queries: list[str] = []

        def count(execute: Any, sql: str, *rest: Any) -> Any:
            queries.append(sql)
            return execute(sql, *rest)

        # An execute wrapper, not CaptureQueriesContext: the latter reads the connection's
        # query log, which a connection closed and reopened between requests loses.
        with connection.execute_wrapper(count):
            try:
                response = client.get(url)
                status = response.status_code
                body = (
                    response.content.decode("utf-8", "replace")
                    if "html" in response.get("Content-Type", "")
                    or "json" in response.get("Content-Type", "")
                    else ""
                )
            except Exception as exc:
                status, body = 599, ""
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                tb = traceback.extract_tb(exc.__traceback__)
                where = next(
                    (f"{f.filename}:{f.lineno}" for f in reversed(tb) if "/grappe/" in f.filename),
                    "",
                )
                error = f"{error} at {where}"
        cpu = time.process_time() - started
        records.append(
            {
                "url_name": name,
                "url": url,
                "login": who,
                "status": status,
                "cpu_ms": round(cpu * 1000, 1),
                "wall_ms": round((time.perf_counter() - wall) * 1000, 1),
                "queries": len(queries),
            }
        )
        if status >= 500:
            flag("5xx", name, url, who, error or f"status {status}")
        if cpu > args.slow:
            flag("slow", name, url, who, f"{cpu:.2f}s CPU, {len(queries)} queries")
        if body and "html" in response.get("Content-Type", "") and status < 400:
            check_text(body, url, who, name)
        return status, body

    def check_text(body: str, url: str, who: str, name: str) -> None:
        french = url.startswith("/fr/")
        for node in text_nodes(body):
            if LONE.search(node):
                flag("None/nan", name, url, who, node[:120])
            match = ISO_DATE.search(node)
            if match:
                flag("iso-date", name, url, who, node[:120])
            if SERVER_PATH.search(node):
                flag("server-path", name, url, who, node[:160])
            if french and node in english:
                flag("untranslated", name, url, who, node[:120])

    user_model = get_user_model()
    logins = [None if u == "None" else u for u in args.logins.split(",")]
    budget = args.budget
    per_login = max(1, budget // max(1, len(logins) * len(languages)))
    for who in logins:
        client = Client()
        if who:
            user = user_model.objects.filter(username=who).first()
            if user is None:
                print(f"no user {who}: skipped", file=sys.stderr)
                continue
            client.force_login(user)
        label = who or "anonymous"
        for lang in languages:
            seeds = [
                f"/{lang}/",
                f"/{lang}/me/",
                f"/{lang}/organisations/",
                f"/{lang}/projects/",
                f"/{lang}/clusters/",
                f"/{lang}/calls/",
                f"/{lang}/labelling/",
                f"/{lang}/grants/",
                f"/{lang}/evaluation/",
            ]
            seeds += [f"/{lang}/search/?q={q}" for q in SEARCHES]
            queue: deque[str] = deque(seeds)
            queued = set(seeds)
            per_name: Counter[str] = Counter()
            done = 0
            while queue and done < per_login:
                url = queue.popleft()
                name = url_name(url)
                if name is None:
                    continue
                if per_name[name] >= args.per_pattern and url not in seeds:
                    continue
                per_name[name] += 1
                status, body = fetch(client, url, label, name)
                done += 1
                if not body or status >= 400 or url.startswith("/api/"):
                    continue
                for href in HREF.findall(body):
                    href = html.unescape(href).strip()
                    if not href.startswith("/") or href.startswith("//") or SKIP.search(href):
                        continue
                    if href.startswith("/api/"):
                        pass
                    elif not href.startswith(f"/{lang}/"):
                        continue
                    if href not in queued:
                        queued.add(href)
                        queue.append(href)

    if not args.no_api:
        crawl_api(fetch, user_model, Client, url_name)

    print_summary(records, findings)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"records": records, "findings": findings}, indent=1, ensure_ascii=False)
        )
    return 0


def crawl_api(fetch: Any, user_model: Any, client_class: Any, url_name: Any) -> None:
    """The API's GET routes (from its OpenAPI schema) with real ids and bad parameters."""
    from grappe.api import api

    schema = api.get_openapi_schema()
    paths = [p for p, ops in schema["paths"].items() if "get" in ops]
    ids: dict[str, list[str]] = defaultdict(list)
    for who in (None, "applicant"):
        client = client_class()
        if who:
            client.force_login(user_model.objects.get(username=who))
        label = who or "anonymous"
        for path in sorted(paths, key=lambda p: p.count("{")):
            if "{" not in path:
                urls = [
                    path,
                    path + "?limit=2",
                    path + "?limit=-1",
                    path + "?offset=abc",
                    path + "?limit=100000",
                    path + "?q=%00",
                    path + "?page=0",
                ]
                for url in urls:
                    status, body = fetch(client, url, label, f"api {path}")
                    if url == path and status == 200 and body:
                        try:
                            data = json.loads(body)
                        except ValueError:
                            continue
                        items = data.get("items", data) if isinstance(data, dict) else data
                        if isinstance(items, list):
                            for item in items[:3]:
                                if isinstance(item, dict):
                                    for key in ("id", "slug", "pk", "reference"):
                                        if key in item:
                                            ids[path.rstrip("/")].append(str(item[key]))
                continue
            base = path.split("{")[0].rstrip("/")
            real = ids.get(base, [])
            fills = [*real[:2], "0", "999999999", "not-an-id", "%20"]
            for fill in fills:
                url = re.sub(r"\{[^}]+\}", fill, path)
                fetch(client, url, label, f"api {path}")


def print_summary(records: list[dict[str, Any]], findings: list[dict[str, Any]]) -> None:
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_name[record["url_name"]].append(record)
    statuses = Counter(r["status"] for r in records)
    print(
        f"{len(records)} requests, {len(by_name)} URL names, "
        f"{len({r['url'] for r in records})} distinct URLs; statuses {dict(sorted(statuses.items()))}"
    )
    print(f"{'URL name':<48} {'req':>5} {'worst':>5} {'p95 ms':>8} {'max q':>6}")
    rows = []
    for name, group in by_name.items():
        cpu = sorted(r["cpu_ms"] for r in group)
        p95 = cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))]
        rows.append(
            (
                name,
                len(group),
                max(r["status"] for r in group),
                p95,
                max(r["queries"] for r in group),
            )
        )
    for row in sorted(rows, key=lambda r: -r[3]):
        print(f"{row[0][:48]:<48} {row[1]:>5} {row[2]:>5} {row[3]:>8.0f} {row[4]:>6}")
    print(f"\n{len(findings)} findings")
    for finding in sorted(findings, key=lambda f: (f["kind"], f["url_name"])):
        print(
            f"[{finding['kind']}] {finding['url_name']} {finding['url']} "
            f"({finding['login']}): {finding['detail']}"
        )


if __name__ == "__main__":
    raise SystemExit(main())

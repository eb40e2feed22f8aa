"""Web hygiene: the Content-Security-Policy and templates that pass it, HTTPS settings and the
secret key with DEBUG=false (`check --deploy`), password reset only when mail is configured."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from grappe.core.tests.factories import UserFactory

GRAPPE = Path(settings.BASE_DIR)
PROJECT = GRAPPE.parent
GOOD_KEY = secrets.token_urlsafe(64)


# --------------------------------------------------------------------------- CSP


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/en/", "/fr/accounts/login/", "/en/admin/login/", "/api/v1/docs"]
)
def test_every_answer_carries_the_strict_policy(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_policy_built_once_follows_the_settings_and_a_views_own_policy() -> None:
    """`core/csp.py` keeps the site policy's text: a changed setting is a new text, and an
    answer carrying its own policy (django-csp's decorators) still gets that one."""
    from csp.decorators import csp_update
    from django.http import HttpResponse
    from django.test import RequestFactory

    from grappe.core.csp import SitePolicyCSPMiddleware

    assert "img-src 'self' data:" in Client().get("/api/v1/clusters")["Content-Security-Policy"]
    changed = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://tiles.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        policy = Client().get("/api/v1/clusters")["Content-Security-Policy"]
        assert "img-src https://tiles.example" in policy
    assert "img-src 'self' data:" in Client().get("/api/v1/clusters")["Content-Security-Policy"]

    @csp_update({"img-src": "https://maps.example"})
    def view(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    request = RequestFactory().get("/x")
    middleware = SitePolicyCSPMiddleware(view)
    response = middleware(request)
    assert "https://maps.example" in response["Content-Security-Policy"]


def _templates() -> list[Path]:
    return sorted(GRAPPE.glob("**/templates/**/*.html"))


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "style element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style() -> None:
    """The policy allows no inline script or style: none may come back in a template."""
    assert len(_templates()) > 20
    found = [
        f"{path.relative_to(PROJECT)}: {what}"
        for path in _templates()
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_inline_check_catches_what_it_looks_for() -> None:
    samples = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<p style="color: red">',
        "<style>p{}</style>",
        '<a href="javascript:go()">',
    ]
    for sample, (pattern, what) in zip(samples, INLINE, strict=True):
        assert pattern.search(sample), what
    assert not INLINE[0][0].search('<script src="/static/x.js"></script>')


# --------------------------------------------------------------------------- settings


def _environment() -> dict[str, str]:
    """This process's environment without the variables the tests set themselves."""
    ours = (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SECURE_",
        "EMAIL_",
        "PASSWORD_RESET_",
        "DJANGO_",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
    return env


def settings_under(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter with these environment variables; print the
    named settings as JSON."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    clean = _environment()
    clean.update(env)
    return subprocess.run(  # noqa: S603 -- our own interpreter, code built from literals
        [sys.executable, "-c", code],
        env=clean,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def values(env: dict[str, str], *names: str) -> dict[str, Any]:
    done = settings_under(env, *names)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "grappe.example.org"}


def test_with_debug_false_https_is_required_and_cookies_are_secure() -> None:
    got = values(
        PRODUCTION,
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert got == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_behind_a_tls_proxy_the_redirect_can_go_and_the_proxy_header_be_trusted() -> None:
    got = values(
        {
            **PRODUCTION,
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO=https",
            "SECURE_HSTS_SECONDS": "3600",
        },
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
    )
    assert got == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 3600,
    }
    bad = settings_under({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "DEBUG")
    assert bad.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in bad.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("dev-only-insecure-secret-key-change-me", "is the placeholder"),
        ("short", "is 5 characters long: it needs at least 50"),
        ("ab" * 30, "has 2 distinct characters: it needs at least 5"),
    ],
)
def test_with_debug_false_a_weak_secret_key_is_refused_at_startup(key: str, why: str) -> None:
    done = settings_under({**PRODUCTION, "SECRET_KEY": key}, "DEBUG")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and why in done.stderr
    assert "secrets.token_urlsafe" in done.stderr  # how to make a good one
    assert key not in done.stderr or key == "dev-only-insecure-secret-key-change-me"


def test_the_deploy_checks_pass_with_a_production_environment() -> None:
    env = _environment()
    env.update(PRODUCTION, SECURE_HSTS_PRELOAD="true")
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


# --------------------------------------------------------------------------- password reset


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, False),  # console mail: printed, never sent
        ({"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}, True),
        (
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "PASSWORD_RESET_ENABLED": "false",
            },
            False,
        ),
        ({"PASSWORD_RESET_ENABLED": "true"}, True),
    ],
)
def test_password_reset_follows_the_mail_configuration(env: dict[str, str], enabled: bool) -> None:
    assert values(env, "PASSWORD_RESET_ENABLED") == {"PASSWORD_RESET_ENABLED": enabled}


@pytest.mark.django_db
@override_settings(PASSWORD_RESET_ENABLED=False)
def test_without_mail_the_reset_pages_are_404_and_the_login_page_offers_no_link() -> None:
    client = Client()
    for path in (
        "/en/accounts/password_reset/",
        "/en/accounts/password_reset/done/",
        "/en/accounts/reset/MQ/set-password/",
        "/en/accounts/reset/done/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/en/accounts/password_reset/", {"email": "a@b.fr"}).status_code == 404
    assert len(mail.outbox) == 0
    login = client.get("/en/accounts/login/").content.decode()
    assert "password_reset" not in login and "Forgot your password?" not in login


@pytest.mark.django_db
@override_settings(PASSWORD_RESET_ENABLED=True)
def test_with_mail_the_reset_works_and_does_not_tell_who_has_an_account() -> None:
    user = UserFactory(email="lea@example.org")
    client = Client()
    login = client.get("/fr/accounts/login/").content.decode()
    assert "/fr/accounts/password_reset/" in login and "Mot de passe oublié ?" in login

    unknown = client.post("/en/accounts/password_reset/", {"email": "nobody@example.org"})
    known = client.post("/en/accounts/password_reset/", {"email": "lea@example.org"})
    # The same answer for an address with an account and one without.
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/en/accounts/password_reset/done/"
    done = client.get(known["Location"]).content.decode()
    assert "If an account has this address" in done
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lea@example.org"]

    link = re.search(r"http://testserver(/en/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    saved = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    assert saved.status_code == 302 and saved["Location"] == "/en/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 42")
    # The link works once.
    again = client.get(link.group(1), follow=True).content.decode()
    assert "This link is not valid" in again

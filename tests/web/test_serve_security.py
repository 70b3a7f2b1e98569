"""`gpqi serve --trusted-proxy` as it runs in production, attacked over real HTTP: a real server
process (waitress), a real socket, the workspace's own SQLite database.

- Behind the TLS proxy, requests the proxy marks HTTPS are secure: HSTS is sent, cookies are
  Secure (`__Host-` names), and plain HTTP is redirected to HTTPS; X-Forwarded-* headers from
  anyone but the proxy are ignored. `django check --deploy` is clean in this configuration.
- Log-in is throttled per account and per client address (django-axes): 50 wrong passwords, then
  the right one, is refused with a clear message, and each lock-out is recorded.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from gpqi.workspace import init_workspace

HOST = "gpqi.example.nhs.uk"
PASSWORD = "correct horse battery staple"
USERS = ("alice", "bob", "carol")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(ws: Path) -> dict[str, str]:
    drop = ("DATABASE_URL", "GPQI_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "GPQI_ALLOWED_HOSTS": HOST, "GPQI_WORKSPACE": str(ws)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # noqa: ANN201
    ws = tmp_path_factory.mktemp("serve-ws")
    init_workspace(ws)
    make_users = (
        "import sys, gpqi.web; gpqi.web.setup(sys.argv[1]);"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth.models import User;"
        f"[User.objects.create_user(u, password={PASSWORD!r}) for u in {USERS!r}];"
        "from gpqi.web.accounts.models import Profile, Role;"
        f"Profile.objects.create(user=User.objects.create_user('iglead', password={PASSWORD!r}), role=Role.IG_LEAD)"
    )
    subprocess.run([sys.executable, "-c", make_users, str(ws)], check=True, env=_env(ws))
    port = _free_port()
    cmd = [sys.executable, "-c", "from gpqi.cli import app; app()", "serve", "-w", str(ws)]
    cmd += ["--port", str(port), "--trusted-proxy", "127.0.0.1"]
    log = ws / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=_env(ws))
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.3)
    yield port, ws, log
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _request(port, method, path, *, client="203.0.113.1", https=True, body=None, cookies=None, source=None):  # noqa: ANN001, ANN202
    """One request as the TLS proxy would pass it on (or, with `source`, from another machine)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=source)
    headers = {"Host": HOST, "X-Forwarded-For": client, "X-Forwarded-Host": HOST}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"https://{HOST}"
        body = urllib.parse.urlencode(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def _cookies(response) -> dict[str, str]:  # noqa: ANN001
    jar = SimpleCookie()
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {k: m.value for k, m in jar.items()}


def _log_in(port, username, password, client):  # noqa: ANN001, ANN202
    page = _request(port, "GET", "/accounts/login/", client=client)
    cookies = _cookies(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": ""}
    return _request(port, "POST", "/accounts/login/", client=client, body=form, cookies=cookies)


def test_https_through_the_proxy_gets_hsts_and_secure_cookies(server):
    port, _, _ = server
    r = _request(port, "GET", "/accounts/login/")
    assert r.status == 200
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    set_cookie = " ".join(r.headers.get_all("Set-Cookie"))
    assert "__Host-csrftoken=" in set_cookie and "Secure" in set_cookie and "HttpOnly" in set_cookie


def test_plain_http_is_redirected_and_forged_headers_are_ignored(server):
    port, _, _ = server
    r = _request(port, "GET", "/accounts/login/", https=False)
    assert (r.status, r.headers["Location"]) == (301, f"https://{HOST}/accounts/login/")
    assert "Strict-Transport-Security" not in r.headers
    # the same "https" header from a machine that is not the proxy is not believed
    forged = _request(port, "GET", "/accounts/login/", source=("127.0.0.2", 0))
    assert forged.status == 301


def test_a_good_login_works_and_the_session_cookie_is_secure(server):
    port, _, _ = server
    r = _log_in(port, "carol", PASSWORD, "203.0.113.50")
    assert (r.status, r.headers["Location"]) == (302, "/")
    set_cookie = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("__Host-sessionid=")]
    assert set_cookie and "Secure" in set_cookie[0] and "HttpOnly" in set_cookie[0]


def test_login_is_throttled_per_account_and_per_address_and_lock_outs_are_recorded(server):
    port, ws, log = server
    for _ in range(50):  # the attack: 50 wrong passwords in a row (no timing asserted) ...
        _log_in(port, "alice", "wrong password", "203.0.113.1")
    refused = _log_in(port, "alice", PASSWORD, "203.0.113.1")  # ... then the right one
    assert refused.status == 429
    text = " ".join(refused.body.decode().split())
    assert "Too many failed log-in attempts" in text and "paused for 15 minutes" in text
    assert "__Host-sessionid" not in " ".join(refused.headers.get_all("Set-Cookie") or [])
    # per account: alice stays locked from a fresh address ...
    assert _log_in(port, "alice", PASSWORD, "203.0.113.2").status == 429
    # ... per address: five failures for other names lock the address, even for bob's right password
    statuses = [_log_in(port, name, "nope", "198.51.100.7").status for name in ("x1", "x2", "x3", "x4", "x5")]
    assert statuses == [200, 200, 200, 200, 429]  # the form with its error, then the fifth locks
    assert _log_in(port, "bob", PASSWORD, "198.51.100.7").status == 429
    assert _log_in(port, "bob", PASSWORD, "198.51.100.8").status == 302  # bob is not locked

    db = sqlite3.connect(ws / "app" / "gpqi.sqlite3")
    locked = db.execute(
        "SELECT username, ip_address FROM axes_accessfailurelog WHERE locked_out ORDER BY id"
    ).fetchall()
    db.close()
    assert ("alice", "203.0.113.1") in locked
    assert any(ip == "198.51.100.7" for _, ip in locked)
    assert "login locked out: account 'alice' from address 203.0.113.1" in log.read_text()
    assert "wrong password" not in log.read_text()

    # the information governance lead sees each lock-out on the audit page
    ig = _log_in(port, "iglead", PASSWORD, "192.0.2.10")
    assert ig.status == 302
    page = _request(port, "GET", "/audit/", client="192.0.2.10", cookies=_cookies(ig))
    assert page.status == 200
    html = page.body.decode()
    section = html[html.index('id="lockouts"') :]
    rows = re.findall(
        r"<tr class=\"nhsuk-table__row\"><td[^>]*>([^<]+)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>",
        section,
    )
    assert ("alice", "203.0.113.1") in {(user, ip) for _, user, ip in rows}
    assert any(ip == "198.51.100.7" for _, _, ip in rows)
    # bob's attempt from the locked address was refused (listed); his log-in elsewhere was not
    assert ("bob", "198.51.100.7") in {(user, ip) for _, user, ip in rows}
    assert ("bob", "198.51.100.8") not in {(user, ip) for _, user, ip in rows}
    assert "locked for 15 minutes" in " ".join(section.split())
    # and the search's user filter applies to them
    alice = _request(port, "GET", "/audit/?user=alice", client="192.0.2.10", cookies=_cookies(ig))
    narrowed = alice.body.decode()
    assert "203.0.113.1" in narrowed and "198.51.100.7" not in narrowed[narrowed.index('id="lockouts"') :]


def test_django_deploy_check_is_clean_behind_the_proxy(tmp_path):
    init_workspace(tmp_path)
    env = {**_env(tmp_path), "GPQI_TRUSTED_PROXY": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "gpqi.web.settings"}
    cmd = [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout

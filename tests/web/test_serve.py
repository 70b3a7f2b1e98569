"""`gpqi serve --workers 2`: a real server, two waitress processes on one port, stopped cleanly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a reaped child is gone; an unreaped one is a zombie
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_serve_with_two_worker_processes(workspace_root: Path, tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(workspace_root, ws)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the workspace's own SQLite
    code = "from gpqi.cli import app; app()"
    cmd = [sys.executable, "-c", code, "serve", "--workspace", str(ws), "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.3)
        assert status == 200
        for _ in range(6):  # both processes answer on the one port
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as r:
                assert r.status == 200
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    m = re.search(r"2 server processes: (\d+), (\d+)", out)
    assert m, out
    assert proc.returncode == 0, out
    time.sleep(0.5)
    assert not any(_alive(int(pid)) for pid in m.groups())  # the workers stopped with the parent

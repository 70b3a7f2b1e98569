"""CPU time of every Spark process on this machine while a command runs, by role.

    .venv/bin/python scripts/spark-cpu.py OUT.json spark://127.0.0.1:7077 -- gpqi bench ...

runs the command and samples /proc every second: for each process, the latest user + system
time seen (so a process that ends loses at most its last second). Roles: `driver_python`
(the command and its Python descendants), `driver_jvm` (SparkSubmit, the JVM the driver
talks to), `executors` (CoarseGrainedExecutorBackend JVMs), `python_workers` (pyspark.daemon
processes the executors start), and `cluster` (the standalone Master and Worker daemons). Only
the command's own processes and those of the cluster whose master URL is given count, so
another cluster on the same machine is left out. It
writes those sums, the executors seen with their cores, the load average every sample, and the
command's wall time; a SIGTERM stops the command and still writes the report. Linux only; for measuring, not for the library.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system seconds) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _under(pid: int, parents: dict[int, int], roots: set[int]) -> bool:
    while pid > 1:
        if pid in roots:
            return True
        pid = parents.get(pid, 1)
    return False


def _role(args: list[str], pid: int, parents: dict[int, int], root: int, daemons: set[int]) -> str | None:
    if not _under(pid, parents, daemons | {root}):
        return None
    text = " ".join(args)
    if "CoarseGrainedExecutorBackend" in text:
        return "executors"
    if "pyspark.daemon" in text or "pyspark/daemon" in text:
        return "python_workers"
    if "org.apache.spark.deploy.SparkSubmit" in text:
        return "driver_jvm"
    if "org.apache.spark.deploy.master.Master" in text or "org.apache.spark.deploy.worker.Worker" in text:
        return "cluster"
    return "driver_python" if _under(pid, parents, {root}) else None


def main() -> int:
    out, master, command = sys.argv[1], sys.argv[2], sys.argv[sys.argv.index("--") + 1 :]
    started = time.time()
    child = subprocess.Popen(command)
    seen: dict[int, dict] = {}
    loads: list[list[float]] = []
    stopped = []
    # SIGTERM (a run stopped early): still write what was used until then.
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(time.time()))
    while not stopped:
        stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
        parents = {pid: s[0] for pid, s in stats.items()}
        # The standalone daemons (and their launchers) of this cluster: their URL is in the
        # command line (the master's host and port, or the master URL the workers join).
        host, port = master.removeprefix("spark://").rsplit(":", 1)
        daemons = {
            pid
            for pid in stats
            if (text := " ".join(_cmdline(pid)))
            and "org.apache.spark.deploy." in text
            and (master in text or f"--port {port}" in text and host in text)
            and "SparkSubmit" not in text
        }
        for pid, (_, cpu) in stats.items():
            entry = seen.get(pid)
            if entry is None:
                args = _cmdline(pid)
                role = _role(args, pid, parents, child.pid, daemons)
                if role is None:
                    continue
                cores = args[args.index("--cores") + 1] if "--cores" in args else None
                entry = seen[pid] = {"role": role, "cores": cores, "cpu": cpu, "start": cpu}
            entry["cpu"] = max(entry["cpu"], cpu)
        loads.append([round(time.time() - started, 1), *os.getloadavg()])
        if child.poll() is not None:
            break
        time.sleep(1)
    if stopped:
        child.terminate()
        child.wait()
    roles: dict[str, float] = {}
    for entry in seen.values():
        # The cluster daemons were running before: count only what they used meanwhile.
        used = entry["cpu"] - entry["start"] if entry["role"] == "cluster" else entry["cpu"]
        roles[entry["role"]] = roles.get(entry["role"], 0.0) + used
    report = {
        "command": command,
        "returncode": child.returncode,
        "stopped_early": bool(stopped),
        "wall_seconds": time.time() - started,
        "cpu_seconds_by_role": {k: round(v, 2) for k, v in sorted(roles.items())},
        "executors": [
            {"pid": pid, "cores": e["cores"], "cpu_seconds": e["cpu"]}
            for pid, e in seen.items()
            if e["role"] == "executors"
        ],
        "load_average_samples": loads,
    }
    Path(out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())

"""Copy the current snapshot's practices and networks into the app database.

New practices get the next unused pseudonym from a random order of labels ("Practice A" ...
"Practice ZZ", then numbered), so a pseudonym says nothing about the practice's code or name;
existing practices keep theirs. Practices that left the snapshot are kept (their agreements are
history) and simply have no results. Agreements are never created or changed here.
"""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass

import duckdb
from django.db import transaction

from gpqi.web.governance.models import Network, Practice
from gpqi.workspace import Workspace


@dataclass(frozen=True)
class SyncReport:
    networks_added: int
    practices_added: int
    practices_updated: int
    practices_total: int


def _labels() -> list[str]:
    letters = list(string.ascii_uppercase)
    return [f"Practice {a}" for a in letters] + [f"Practice {a}{b}" for a in letters for b in letters]


def _fresh_pseudonyms(taken: set[str], n: int) -> list[str]:
    pool = [label for label in _labels() if label not in taken]
    random.Random(secrets.randbits(64)).shuffle(pool)
    out = pool[:n]
    k = 1
    while len(out) < n:  # beyond 702 labels: numbered, also shuffled by the random start
        label = f"Practice {k:04d}"
        if label not in taken and label not in out:
            out.append(label)
        k += 1
    if len(pool) < n:
        tail = out[len(pool) :]
        random.Random(secrets.randbits(64)).shuffle(tail)
        out[len(pool) :] = tail
    return out


def sync_organisations(ws: Workspace) -> SyncReport:
    snap = ws.current_snapshot()
    prac_files = [str(p) for p in ws.table_files("practices", snap)]
    org_files = [str(p) for p in ws.table_files("organisations", snap)]
    con = duckdb.connect()
    practices = con.execute(
        "SELECT practice_code, name, network_code, sub_icb_code, closed FROM read_parquet(?) ORDER BY practice_code",
        [prac_files],
    ).fetchall()
    orgs = {}
    if org_files:
        orgs = {
            code: (name, typ)
            for code, name, typ in con.execute(
                "SELECT org_code, name, type FROM read_parquet(?)", [org_files]
            ).fetchall()
        }
    con.close()

    with transaction.atomic():
        networks = {n.code: n for n in Network.objects.all()}
        net_added = 0
        for _code, _name, net, sub, _closed in practices:
            if net not in networks:
                networks[net] = Network.objects.create(
                    code=net,
                    name=orgs.get(net, (net, ""))[0],
                    sub_icb_code=sub,
                    sub_icb_name=orgs.get(sub, (sub, ""))[0],
                )
                net_added += 1
            else:
                n = networks[net]
                name, sub_name = orgs.get(net, (n.name, ""))[0], orgs.get(sub, (n.sub_icb_name, ""))[0]
                if (n.name, n.sub_icb_code, n.sub_icb_name) != (name, sub, sub_name):
                    n.name, n.sub_icb_code, n.sub_icb_name = name, sub, sub_name
                    n.save()
        existing = {p.code: p for p in Practice.objects.all()}
        new_codes = [row for row in practices if row[0] not in existing]
        pseudonyms = _fresh_pseudonyms(
            set(Practice.objects.values_list("pseudonym", flat=True)), len(new_codes)
        )
        Practice.objects.bulk_create(
            [
                Practice(code=code, name=name, network=networks[net], pseudonym=pseudonyms[i], closed=closed)
                for i, (code, name, net, _sub, closed) in enumerate(new_codes)
            ],
            batch_size=500,
        )
        updated = 0
        for code, name, net, _sub, closed in practices:
            p = existing.get(code)
            if p is not None and (p.name, p.network_id, p.closed) != (name, networks[net].id, closed):
                p.name, p.network, p.closed = name, networks[net], closed
                p.save()
                updated += 1
    return SyncReport(net_added, len(new_codes), updated, Practice.objects.count())

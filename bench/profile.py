"""Where one page's time goes: ``python -m bench.profile ENDPOINT [--scale S] [--seconds N]``.

Starts the portal's server as ``bench.run`` does (production settings, the benchmark's data set
of that scale, which must exist: run the benchmark once), with **one** gunicorn worker, signs the
endpoint's persona in, loads the page with ``wrk -t1 -c4`` and samples the worker with py-spy
(``py-spy record -r 200 -f raw``). Prints the share of the samples taken inside a request spent in
each function (inclusive), the largest first, then the functions that held the CPU themselves.
ENDPOINT is one of ``bench.run``'s keys (``ceiling_fixed``, ``dashboard``, ``desk_team``…); ``create``
posts « Déposer une DI » as ``bench.run`` does, and deletes what it added afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/espace_clients \\
        .venv/bin/python -m bench.profile ceiling_fixed --scale 0.0005

py-spy needs the right to read another process's memory (root, or ptrace allowed).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from bench.paths import BIN, ROOT, folder, server_env
from bench.run import Server, endpoints, login, post_once


def shares(raw_lines, *, top=60, threshold=0.01):
    """(inclusive, own) shares of the samples inside gunicorn's ``handle_request``, by function."""
    inclusive, own, total = collections.Counter(), collections.Counter(), 0
    for line in raw_lines:
        line = line.rstrip()
        if not line or " " not in line:
            continue
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        if not any("handle_request" in frame for frame in frames):
            continue
        count = int(count)
        total += count
        names = [_name(frame) for frame in frames]
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
    if not total:
        return 0, [], []

    def table(counter):
        return [(n / total, name) for name, n in counter.most_common(top) if n / total >= threshold]

    return total, table(inclusive), table(own)


def _name(frame):
    """``function (path/to/module.py)``, without the line number and the site-packages prefix."""
    frame = re.sub(r":\d+\)$", ")", frame)
    return re.sub(r"\((?:.*/site-packages/|" + re.escape(str(ROOT)) + "/)", "(", frame)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("endpoint")
    parser.add_argument("--scale", type=float, default=0.0005)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args(argv)
    env = server_env(args.scale)
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.prepare", str(args.scale)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    facts = json.loads(prepared.stdout.strip().splitlines()[-1])
    chosen = {key: (persona, path) for key, _label, persona, path, _status, _marker in endpoints(facts)}
    if args.endpoint not in chosen:
        raise SystemExit(f"Point inconnu ou non profilable : {args.endpoint} (parmi {', '.join(chosen)})")
    persona, path = chosen[args.endpoint]
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = Server("gunicorn (profil)", "config.wsgi", env, folder(args.scale) / "profile.log", workers=1)
    raw = Path(folder(args.scale)) / f"profile-{args.endpoint}.txt"
    cleanup_since = datetime.now(UTC).isoformat()
    try:
        server.wait("/sante/pret/")
        session = login(server, facts[persona], facts["password"], facts.get("totp_key"))
        script, wrk_env = None, {}
        if args.endpoint == "create":  # the POST, as bench.run sends it (its DIs deleted afterwards)
            _check, script, wrk_env = post_once(session, path, folder(args.scale))
        else:
            session.get(path)
        # The login's own change of the account (last_login) is forgotten by a 2 s tombstone.
        time.sleep(3)
        worker = server.workers()[0]
        duration = args.seconds + 4
        wrk = subprocess.Popen(
            [
                "wrk",
                "-t1",
                "-c4",
                f"-d{duration}s",
                "-H",
                f"Cookie: {session.cookie_header()}",
                "-H",
                "X-Forwarded-Proto: https",
                "-H",
                f"Origin: https://{urllib.parse.urlsplit(server.url(path)).netloc}",
                *(["-s", str(script)] if script else []),
                server.url(path),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **wrk_env},
        )
        time.sleep(2)
        subprocess.run(
            [
                str(BIN / "py-spy"),
                "record",
                "-p",
                str(worker),
                "-r",
                "200",
                "-d",
                str(args.seconds),
                "-f",
                "raw",
                "-o",
                str(raw),
            ],
            check=True,
            capture_output=True,
        )
        output = wrk.communicate()[0]
    finally:
        server.stop()
        if args.endpoint == "create":
            subprocess.run(
                [sys.executable, "-m", "bench.prepare", str(args.scale), "--cleanup", cleanup_since],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total, inclusive, own = shares(raw.read_text().splitlines(), top=args.top)
    print(
        f"{args.endpoint} ({path}), échelle {args.scale:g}: {rps.group(1) if rps else '?'} req/s sur un worker "
        f"sous l'échantillonneur, {total} échantillons dans les requêtes ({raw})"
    )
    print("\nInclusif :")
    for share, name in inclusive:
        print(f"{share:6.1%}  {name}")
    print("\nPropre :")
    for share, name in own[:25]:
        print(f"{share:6.1%}  {name}")


if __name__ == "__main__":
    main()

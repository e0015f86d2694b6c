"""One page of two checkouts under load, in interleaved bursts:
``python -m bench.ab ENDPOINT --against DIR [--scale S] [--rounds N] [--seconds T]``.

The machine's speed moves by a third within an hour (docs/performance.md): two benchmark runs
one after the other compare the machine as much as the code. This starts two gunicorns (production
settings, ``bench.run``'s workers, the same data set and database): this checkout's code and the
code of DIR, another checkout (``git worktree add /tmp/before <commit>``), run with this checkout's
Python environment. wrk loads one and then the other in short bursts, the order alternating, so
both meet the same machine; each burst gives its requests per second and the CPU time its workers
spent per request (from ``/proc``). Prints each burst, each side's medians and the median of the
rounds' ratios (this checkout ÷ DIR). GET endpoints of ``bench.run`` only (not ``create``).

    git worktree add /tmp/before HEAD~1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/espace_clients \\
        .venv/bin/python -m bench.ab desk_detail --against /tmp/before --scale 1
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.paths import BIN, ROOT, folder, server_env
from bench.run import WORKERS, Server, endpoints, free_port, login, run_wrk

# The other checkout's server keeps its cache apart (its keys may differ from this checkout's).
AGAINST_REDIS_URL = "redis://127.0.0.1:6379/12"


class CheckoutServer(Server):
    """``bench.run``'s gunicorn, started in the given checkout (its code, this environment)."""

    def __init__(self, name, root, env, logfile):
        self.port = free_port()
        self.log = open(logfile, "ab")  # noqa: SIM115 (closed in stop)
        command = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(WORKERS), "--timeout", "120", "--graceful-timeout", "5"]
        self.proc = subprocess.Popen(
            command, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.name = name


def cpu_ms(pids):
    """The CPU time (user and system) the processes ``pids`` have used, in milliseconds."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def summary(bursts):
    """Each side's median requests per second and CPU ms per request, and the rounds' ratios
    (``bursts``: {"this": [(rps, cpu_ms_per_request), …], "against": […]}, one pair per round)."""
    ratios = [mine[0] / theirs[0] for mine, theirs in zip(bursts["this"], bursts["against"], strict=True)]
    return {
        side: {
            "rps": statistics.median(rps for rps, _cpu in values),
            "cpu_ms": statistics.median(cpu for _rps, cpu in values),
        }
        for side, values in bursts.items()
    } | {"ratios": ratios, "ratio": statistics.median(ratios)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("endpoint")
    parser.add_argument("--against", required=True, type=Path, help="another checkout of the portal")
    parser.add_argument("--scale", type=float, default=0.0005)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    if not (args.against / "config" / "wsgi.py").is_file():
        raise SystemExit(f"{args.against} n'est pas une copie du portail (config/wsgi.py introuvable).")
    env = server_env(args.scale)
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.prepare", str(args.scale)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    facts = json.loads(prepared.stdout.strip().splitlines()[-1])
    chosen = {e[0]: e for e in endpoints(facts) if e[0] != "create"}
    if args.endpoint not in chosen:
        raise SystemExit(f"Point inconnu ou non comparable : {args.endpoint} (parmi {', '.join(chosen)})")
    _key, label, persona, path, expected, marker = chosen[args.endpoint]
    import redis

    against_env = {**env, "REDIS_URL": AGAINST_REDIS_URL}
    for url in (env["REDIS_URL"], AGAINST_REDIS_URL):
        redis.Redis.from_url(url).flushdb()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    base = folder(args.scale)
    servers = {
        "this": CheckoutServer("ce code", ROOT, env, base / "ab-this.log"),
        "against": CheckoutServer(str(args.against), args.against, against_env, base / "ab-against.log"),
    }
    try:
        sessions = {}
        for side, server in servers.items():
            server.wait("/sante/pret/")
            sessions[side] = login(server, facts[persona], facts["password"], facts.get("totp_key"))
            check = sessions[side].get(path)
            if check.status_code != expected or (marker and marker not in check.text):
                raise SystemExit(f"{label} ({server.name}) : {check.status_code} (attendu {expected})")

        def burst(side, seconds):
            server, cookie = servers[side], sessions[side].cookie_header()
            workers = server.workers()
            before = cpu_ms(workers)
            measured, _output = run_wrk(
                server.url(path), cookie=cookie, duration=seconds, connections=args.connections, threads=2
            )
            return measured, (cpu_ms(workers) - before) / max(measured["requests"], 1)

        for side in servers:  # each worker warmed up before the first measure
            burst(side, 2)
        bursts = {"this": [], "against": []}
        print(f"{label} ({path}), échelle {args.scale:g}, {args.rounds} tours de {args.seconds} s")
        for round_number in range(args.rounds):
            order = ("against", "this") if round_number % 2 == 0 else ("this", "against")
            for side in order:
                measured, cpu = burst(side, args.seconds)
                bursts[side].append((measured["rps"], cpu))
                print(
                    f"  tour {round_number + 1} {servers[side].name:>20}: {measured['rps']:7.1f} req/s, "
                    f"{cpu:5.2f} ms de CPU des workers par requête, p99 {measured['p99_ms']} ms "
                    f"(charge {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
        result = summary(bursts)
        for side, server in servers.items():
            print(
                f"{server.name:>22}: médianes {result[side]['rps']:.1f} req/s, {result[side]['cpu_ms']:.2f} ms/requête"
            )
        print(f"  ce code ÷ l'autre, par tour : {' '.join(f'{r:.2f}' for r in result['ratios'])}")
        print(f"  médiane : {result['ratio']:.3f}")
        (base / f"ab-{args.endpoint}.json").write_text(json.dumps({"against": str(args.against), **result}, indent=1))
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()

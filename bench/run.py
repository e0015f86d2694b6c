"""``make bench`` (``python -m bench.run``): the whole benchmark of issue 6.

1. The data set of the scale (``BENCH_SCALE``, 1 = a million DIs) in its own PostgreSQL
   database, generated with COPY the first time and kept (bench.prepare).
2. gunicorn with the production settings, 2 workers, persistent connections, sessions as in
   production (cached_db on Redis), behind a pretend reverse proxy (``X-Forwarded-Proto``).
3. Each user logs in through the real login form (captcha solved here, TOTP code for the
   vendor's staff); wrk then loads each endpoint (``-t2 -c16 -d20s --latency``) with that
   session, the two ceilings (a fixed 2 KB page, one row by primary key in a small template)
   in the same run, served twice: by the portal (its whole middleware, the session read) and by
   a bare Django project (``bench/bare/``: Django's default middleware, same database, same
   gunicorn settings).
4. SQL queries per request: each endpoint once more through Django's test client against the
   same database (bench.queries).
5. The package download against gunicorn serving the same file through wsgi.file_wrapper
   without Django (bench.rawfile), and the worker's memory growth.
6. A table printed and saved (bench/out/latest.json, latest.md).

Options (environment or command line): BENCH_SCALE (1), BENCH_DURATION (20 s per endpoint),
BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_ONLY (comma-separated endpoint keys).
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import html
import json
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import requests

from .paths import BIN, OUT, ROOT, folder, server_env

WORKERS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average():
    return round(os.getloadavg()[0], 2)


# --- Server ---------------------------------------------------------------------------------------


class Server:
    """A gunicorn started in its own process group, stopped at the end of the run."""

    def __init__(self, name, app, env, logfile, workers=WORKERS):
        self.port = free_port()
        self.log = open(logfile, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.name = name

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, path, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} s'est arrêté au démarrage (voir {self.log.name}).")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url(path), timeout=5, headers=PROXY).status_code == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"{self.name} ne répond pas sur {path} après {timeout} s.")

    def workers(self):
        """The pids of the gunicorn workers (children of the master)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        pids.append(int(entry.name))
        return pids

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


PROXY = {"X-Forwarded-Proto": "https"}


# --- Logging in as a user would ---------------------------------------------------------------------


def solve_captcha(page_text):
    import altcha

    challenge = json.loads(html.unescape(re.search(r'challengejson="([^"]+)"', page_text).group(1)))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def totp(key_hex, at=None, step=30, digits=6):
    """RFC 6238, as an authenticator app computes it."""
    counter = int((at or time.time()) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def csrf_of(page_text):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_text).group(1)


class Browser:
    """A user agent for the pretend HTTPS of the benchmark: the portal's cookies are Secure, so
    they are kept here and sent by hand over the loopback's plain HTTP."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def request(self, method, path, **kwargs):
        url = path if path.startswith("http") else self.server.url(path)
        headers = {
            **PROXY,
            "Referer": f"https://127.0.0.1:{self.server.port}/",
            "Origin": f"https://127.0.0.1:{self.server.port}",
            "Cookie": self.cookie_header(),
            **kwargs.pop("headers", {}),
        }
        timeout = kwargs.pop("timeout", 60)
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=timeout, **kwargs)
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def login(server, email, password, totp_key=None):
    """A Browser signed in through /connexion/ (and the code page when 2FA applies)."""
    browser = Browser(server)
    page = browser.get("/connexion/")
    data = {
        "csrfmiddlewaretoken": csrf_of(page.text),
        "username": email,
        "password": password,
        "captcha": solve_captcha(page.text),
    }
    response = browser.post("/connexion/", data=data)
    if response.status_code != 302:
        raise SystemExit(f"Connexion refusée pour {email} : {response.status_code}")
    location = response.headers["Location"]
    if "/verification/" in location:
        if not totp_key:
            raise SystemExit(f"{email} : un code de vérification est demandé, le jeu de données n'en a pas.")
        path = urllib.parse.urlsplit(location)
        page = browser.get(path.path + (f"?{path.query}" if path.query else ""))
        response = browser.post(page.url, data={"csrfmiddlewaretoken": csrf_of(page.text), "code": totp(totp_key)})
        if response.status_code == 200:
            # A code is accepted once (django-otp refuses a replay): a run started within 30 s of
            # the previous one waits for the next code, as the person at the keyboard would.
            time.sleep(30 - time.time() % 30 + 1)
            page = browser.get(page.url)
            response = browser.post(page.url, data={"csrfmiddlewaretoken": csrf_of(page.text), "code": totp(totp_key)})
        if response.status_code != 302:
            raise SystemExit(f"Code de vérification refusé pour {email} : {response.status_code}")
    home = browser.get("/")
    if home.status_code != 200:
        raise SystemExit(f"{email} : l'accueil répond {home.status_code} après la connexion.")
    return browser


# --- wrk --------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return round(float(number) * UNITS[unit], 2)


def parse_wrk(output):
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": 0,
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["errors"] = (int(bad.group(1)) if bad else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return result


def run_wrk(url, *, cookie, duration, connections, threads, script=None, env=None):
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    args += ["-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https"]
    parsed = urllib.parse.urlsplit(url)
    args += ["-H", f"Referer: https://{parsed.netloc}/", "-H", f"Origin: https://{parsed.netloc}"]
    if script:
        args += ["-s", str(script)]
    args.append(url)
    output = subprocess.run(args, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}).stdout
    return parse_wrk(output), output


# --- The endpoints ------------------------------------------------------------------------------------


BARE_ENDPOINTS = (
    ("bare_fixed", "Django nu : page fixe de 2 Ko", "/banc-essai/fixe/", "banc"),
    ("bare_row", "Django nu : une ligne par clé primaire + gabarit", "/banc-essai/une-ligne/{pk}/", "DI-"),
)
CEILINGS = ("bare_fixed", "bare_row", "ceiling_fixed", "ceiling_row")
AGAIN = "_fin"  # the key of a ceiling measured again at the end of the run


def bare_endpoints(facts):
    """The bare Django project's two pages (bench/bare/), in the shape of ``endpoints``; persona
    « bare »: the agent's cookie is sent, and never read."""
    return [
        (key, label, "bare", path.format(pk=facts["ceiling_pk"]), 200, marker)
        for key, label, path, marker in BARE_ENDPOINTS
    ]


def endpoints(facts):
    """(key, label, persona, path, expected status, a text the page must hold)."""
    number = facts["detail_number"]
    client_q = urllib.parse.quote(facts["search"]["client"])
    desk_q = urllib.parse.quote(facts["search"]["desk"])
    kb = facts["kb"]
    kb_suggest = urllib.parse.urlencode({"subject": kb["subject"], "contract": kb["contract"]})
    return [
        ("ceiling_fixed", "Plafond : page fixe de 2 Ko", "agent", "/banc-essai/fixe/", 200, "banc"),
        (
            "ceiling_row",
            "Plafond : une ligne par clé primaire + gabarit",
            "agent",
            f"/banc-essai/une-ligne/{facts['ceiling_pk']}/",
            200,
            "DI-",
        ),
        ("dashboard", "Tableau de bord (accueil)", "agent", "/", 200, "dashboard-tiles"),
        ("vendor_home", "Accueil du support : son travail et celui de l'équipe", "support", "/", 200, "worklist-table"),
        ("list_default", "Liste des DIs (défaut)", "agent", "/support/dis/", 200, "ticket-list"),
        ("list_status", "Liste, filtrée par statut", "agent", "/support/dis/?statut=closed", 200, "ticket-list"),
        (
            "list_activity",
            "Liste, triée par dernière activité",
            "agent",
            "/support/dis/?clotures=1&tri=activite",
            200,
            "ticket-list",
        ),
        ("list_page50", "Liste, page 50", "agent", "/support/dis/?clotures=1&page=50", 200, "ticket-list"),
        (
            "list_search",
            "Liste, recherche plein texte",
            "agent",
            f"/support/dis/?clotures=1&q={client_q}",
            200,
            "ticket-list",
        ),
        (
            "list_search_open",
            "Liste, recherche plein texte dans les DIs ouvertes (défaut)",
            "agent",
            f"/support/dis/?q={client_q}",
            200,
            "ticket-list",
        ),
        ("detail", "DI de 30 messages avec pièces jointes", "agent", f"/support/dis/{number}/", 200, number),
        ("api_list", "API : liste des DIs (curseur)", "agent", "/api/v1/dis/?clotures=true", 200, "resultats"),
        ("api_detail", "API : DI de 30 messages", "agent", f"/api/v1/dis/{number}/", 200, number),
        ("create", "Dépôt d'une DI + PJ de 100 Ko (POST)", "agent", "/support/deposer/", 302, None),
        (
            "kb_search",
            "Base de connaissances : recherche plein texte",
            "agent",
            f"/base-de-connaissances/?q={urllib.parse.quote(kb['search'])}",
            200,
            "kb-list",
        ),
        (
            "kb_suggest",
            "Suggestions d'articles pendant la saisie d'une DI",
            "agent",
            f"/base-de-connaissances/suggestions/?{kb_suggest}",
            200,
            "kb-suggestion",
        ),
        (
            "desk_team",
            "Guichet : une équipe, toutes les DIs, par âge",
            "support",
            "/guichet/?equipe=software&statut=toutes&tri=anciennete",
            200,
            "desk-table",
        ),
        (
            "desk_due",
            "Guichet : une équipe, DIs ouvertes, par échéance",
            "support",
            "/guichet/?equipe=software&tri=echeance",
            200,
            "desk-table",
        ),
        (
            "desk_detail",
            "Guichet : DI de 30 messages (support)",
            "support",
            f"/guichet/dis/{number}/",
            200,
            number,
        ),
        (
            "report",
            "Rapports : 12 mois, toutes les équipes",
            "support",
            "/rapports/",
            200,
            "report-table",
        ),
        (
            "desk_search",
            "Guichet : recherche dans tous les messages",
            "support",
            f"/guichet/?equipe=toutes&statut=toutes&tri=recentes&q={desk_q}",
            200,
            "desk-table",
        ),
    ]


def post_once(session, path, run_dir):
    """« Déposer une DI » posted once through ``session`` (the check), and what wrk needs to post
    it again: (the response, the Lua script, its environment)."""
    form = session.get(path)
    contract = re.search(r'<option value="(\d+)"[^>]*data-product-kind="software"', form.text) or re.search(
        r'<option value="(\d+)"', form.text
    )
    body, content_type = multipart_body(csrf_of(form.text), contract.group(1), run_dir)
    check = session.post(path, data=body.read_bytes(), headers={"Content-Type": content_type})
    return check, ROOT / "bench" / "post.lua", {"BENCH_BODY": str(body), "BENCH_CONTENT_TYPE": content_type}


def multipart_body(csrf, contract_id, run_dir):
    """The body of « Déposer une DI » with a 100 KB PDF, written once for wrk's Lua script."""
    boundary = "----banc-essai-" + hashlib.sha256(csrf.encode()).hexdigest()[:16]
    fields = {
        "csrfmiddlewaretoken": csrf,
        "contract": str(contract_id),
        "subject": "[banc d'essai] Bulletins de paie bloqués à l'édition",
        "description": "Depuis la mise à jour, l'édition des bulletins de paie reste bloquée pour tous les agents.",
        "module": "Paie",
        "version": "2026.4",
        "environment": "production",
    }
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    pdf = b"%PDF-1.4\n" + b"% banc d'essai\n" * ((100 * 1024) // 16) + b"%%EOF\n"
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="capture.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + pdf
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    path = run_dir / "post-body.bin"
    path.write_bytes(b"".join(parts))
    return path, f"multipart/form-data; boundary={boundary}"


# --- The download ---------------------------------------------------------------------------------------


def rss_kb(pid):
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure_download(server, url, cookie, repeats=3):
    """Throughput (MB/s, median of ``repeats`` curl runs) and the largest RSS growth of a worker."""
    workers = server.workers()
    before = {pid: rss_kb(pid) for pid in workers}
    peak = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    speeds, sizes, codes = [], [], []
    for _ in range(repeats):
        args = ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{http_code}"]
        args += ["-H", "X-Forwarded-Proto: https"]
        if cookie:
            args += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout.split()
        speeds.append(float(out[0]) / 1e6)
        sizes.append(int(out[1]))
        codes.append(int(out[2]))
    done.set()
    sampler.join()
    growth = max((peak[pid] - before[pid]) for pid in workers) / 1024 if workers else 0
    return {
        "mb_per_s": round(statistics.median(speeds), 1),
        "runs_mb_per_s": [round(s, 1) for s in speeds],
        "bytes": sizes[0],
        "status": codes[0],
        "rss_growth_mb": round(growth, 1),
    }


DOWNLOAD_PAIRS = 9
# Each member of a pair: the median of this many transfers in a row (one transfer of 1 GiB takes
# 0.25–0.4 s and varies by ±40 % on a shared machine).
DOWNLOAD_REPEATS = 3


def combine_downloads(runs):
    """One figure from single runs: the median speed, the largest memory growth."""
    speeds = [run["mb_per_s"] for run in runs]
    return {
        "mb_per_s": round(statistics.median(speeds), 1),
        "runs_mb_per_s": speeds,
        "bytes": runs[0]["bytes"],
        "status": runs[0]["status"],
        "rss_growth_mb": max(run["rss_growth_mb"] for run in runs),
    }


def pair_ratios(django_runs, raw_runs):
    """Each pair's Django speed as a share of gunicorn alone, in the order of the pairs."""
    return [
        round(d["mb_per_s"] / r["mb_per_s"], 3) for d, r in zip(django_runs, raw_runs, strict=True) if r["mb_per_s"]
    ]


# --- Report -------------------------------------------------------------------------------------------------


def ceilings_of(results):
    """The req/s of the four ceilings measured in this run (None where not measured)."""
    rps = {r["key"]: r["rps"] for r in results}
    return {key: rps.get(key) for key in CEILINGS}


def ceilings_for(results):
    """{key: the four ceilings for that row}: each page against the ceilings measured before and
    after the pages, interpolated to the page's place in the run (the k-th of n pages at
    (k + ½) / n of the way); the first and last measures of the ceilings against themselves. With
    the ceilings measured only once, every row gets those."""
    start = ceilings_of(results)
    end = {key: next((r["rps"] for r in results if r["key"] == key + AGAIN), None) for key in CEILINGS}
    pages = [r["key"] for r in results if r["key"] not in CEILINGS and not r["key"].endswith(AGAIN)]
    at = dict.fromkeys(CEILINGS, start)
    at.update({key + AGAIN: {k: end[k] or start[k] for k in CEILINGS} for key in CEILINGS})
    for k, key in enumerate(pages):
        share = (k + 0.5) / len(pages)
        at[key] = {c: start[c] + (end[c] - start[c]) * share if start[c] and end[c] else start[c] for c in CEILINGS}
    return at


def _ratio(rps, ceiling):
    return rps / ceiling if ceiling else None


def table(results, ceilings):
    """Every endpoint against both ceilings of both servers: the bare Django project's and the
    portal's own (docs/performance.md, « Two pairs of ceilings »); ``ceilings``: ``ceilings_for``."""
    header = (
        "| endpoint | req/s | p50 (ms) | p99 (ms) | SQL/req | × bare fixed | × bare one-row "
        "| × portal fixed | × portal one-row | errors | load |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratios = []
        for key in CEILINGS:
            ratio = _ratio(r["rps"], ceilings[r["key"]].get(key))
            ratios.append("—" if ratio is None else f"{ratio:.2f}")
        queries = "—" if r.get("queries") is None else str(r["queries"])
        lines.append(
            f"| {r['label']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {queries} | "
            + " | ".join(ratios)
            + f" | {r['errors']} | {r['load_before']:.1f} |"
        )
    return "\n".join(lines)


def goals(results, ceilings, download):
    """Each goal of issue 18, met or missed and by how much: the portal's fixed page at least 0.5×
    the bare one; every page at least 0.15× the bare one-row page and 0.30× the portal's; p99."""
    checks = []
    for key in ("ceiling_fixed", "ceiling_fixed" + AGAIN):
        fixed = next((r for r in results if r["key"] == key), None)
        if fixed and ceilings[key].get("bare_fixed"):
            share = fixed["rps"] / ceilings[key]["bare_fixed"]
            checks.append(
                {"endpoint": fixed["label"], "share_of_bare_fixed": round(share, 2), "fixed_ok": share >= 0.5}
            )
    for r in results:
        if r["key"] in CEILINGS or r["key"].endswith(AGAIN):
            continue
        ratio = _ratio(r["rps"], ceilings[r["key"]].get("ceiling_row")) or 0
        bare_ratio = _ratio(r["rps"], ceilings[r["key"]].get("bare_row"))
        p99_goal = 150 if "search" in r["key"] else 100
        check = {
            "endpoint": r["label"],
            "ratio": round(ratio, 2),
            "ratio_ok": ratio >= 0.30,
            "p99_ms": r["p99_ms"],
            "p99_goal_ms": p99_goal,
            "p99_ok": r["p99_ms"] <= p99_goal,
            "queries_ok": r.get("queries") is None or r["queries"] <= 10,
        }
        if bare_ratio is not None:
            check["bare_ratio"] = round(bare_ratio, 2)
            check["bare_ratio_ok"] = bare_ratio >= 0.15
        checks.append(check)
    if download:
        ratios = download.get("pair_ratios")
        if ratios:
            share = statistics.median(ratios)
        else:
            share = download["django"]["mb_per_s"] / download["raw"]["mb_per_s"] if download["raw"]["mb_per_s"] else 0
        checks.append(
            {
                "endpoint": "download",
                "share_of_raw": round(share, 2),
                "pair_ratios": ratios,
                "share_ok": share >= 0.85,
                "rss_growth_mb": download["django"]["rss_growth_mb"],
                "rss_ok": download["django"]["rss_growth_mb"] < 50,
            }
        )
    return checks


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql_client": pg,
        "kernel": platform.release(),
    }


# --- Main -------------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "20")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "16")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="endpoint keys, comma-separated")
    parser.add_argument("--no-download", action="store_true", default=os.environ.get("BENCH_DOWNLOAD") == "0")
    args = parser.parse_args(argv)
    scale = args.scale
    run_dir = folder(scale)
    OUT.mkdir(parents=True, exist_ok=True)
    env = server_env(scale)
    started_at = datetime.now(UTC)
    log(f"== Banc d'essai, échelle {scale:g} ({env['DATABASE_URL'].rsplit('/', 1)[1]}), charge {load_average()}")

    # 1. The data set.
    t = time.monotonic()
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.prepare", str(scale)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    if prepared.returncode != 0:
        raise SystemExit("La préparation du jeu de données a échoué.")
    facts = json.loads(prepared.stdout.strip().splitlines()[-1])
    prepare_seconds = round(time.monotonic() - t, 1)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()

    # 2. The server.
    server = Server("gunicorn", "config.wsgi", env, run_dir / "gunicorn.log")
    # The bare Django project (bench/bare/): same gunicorn settings, same database.
    bare = Server(
        "gunicorn (Django nu)",
        "bench.bare.wsgi",
        {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"},
        run_dir / "gunicorn-bare.log",
    )
    raw = None
    results = []
    download = None
    export = None
    cleanup_since = datetime.now(UTC).isoformat()
    try:
        server.wait("/sante/pret/")
        bare.wait("/banc-essai/fixe/")
        sessions = {
            "agent": login(server, facts["agent"], facts["password"]),
            "support": login(server, facts["support"], facts["password"], facts.get("totp_key")),
        }
        # The bare pages get the same request as the portal's ceilings, the agent's cookie included.
        sessions["bare"] = Browser(bare)
        sessions["bare"].cookies = dict(sessions["agent"].cookies)
        # 3. SQL queries per request (and the search terms' match counts), through the test client.
        counted = subprocess.run(
            [sys.executable, "-m", "bench.queries", str(scale)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        if counted.returncode != 0:
            raise SystemExit("Le comptage des requêtes SQL a échoué.")
        queries = json.loads(counted.stdout.strip().splitlines()[-1])
        only = {k for k in args.only.split(",") if k}
        if only:
            only.update(CEILINGS)  # every figure is also a ratio to them
        planned = [e for e in bare_endpoints(facts) + endpoints(facts) if not only or e[0] in only]
        # The four ceilings again once every page is measured: the machine drifts during a run
        # (±20 % seen within one), and each page is given against the ceilings interpolated to its
        # place in the run (``ceilings_for``), not only against those of its start.
        planned += [(f"{e[0]}{AGAIN}", f"{e[1]} (fin du passage)", *e[2:]) for e in planned if e[0] in CEILINGS]
        for key, label, persona, path, expected, marker in planned:
            session = sessions[persona]
            cookie = session.cookie_header()
            script = None
            wrk_env = {}
            if key == "create":
                check, script, wrk_env = post_once(session, path, run_dir)
            else:
                check = session.get(path)
            if check.status_code != expected or (marker and marker not in check.text):
                raise SystemExit(
                    f"{label} : {check.status_code} (attendu {expected}) ou contenu inattendu :\n{check.text[:800]}"
                )
            load = load_average()
            measured, _output = run_wrk(
                session.server.url(path),
                cookie=cookie,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                script=script,
                env=wrk_env,
            )
            row = {
                "key": key,
                "label": label,
                "path": path,
                **measured,
                "queries": queries["queries"].get(key.removesuffix(AGAIN)),
            }
            row["load_before"] = load
            results.append(row)
            log(
                f"  {label:<48} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
                f"  SQL {row['queries']}  erreurs {row['errors']}  (charge {load})"
            )

        # 4. « Exporter »: the desk's export of 100,000 DIs, time and memory growth (bench.export).
        if not only or "export" in only:
            exported = subprocess.run(
                [sys.executable, "-m", "bench.export", str(scale)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
            if exported.returncode != 0:
                raise SystemExit("La mesure de l'export a échoué.")
            export = json.loads(exported.stdout.strip().splitlines()[-1])
            for fmt in ("csv", "xlsx"):
                log(
                    f"  Export {fmt.upper()} de {export['rows']} DIs : {export[fmt]['seconds']} s, "
                    f"{export[fmt]['bytes'] / 2**20:.1f} Mio, mémoire +{export[fmt]['rss_growth_mb']} Mo"
                )

        # 5. The download, against gunicorn + wsgi.file_wrapper without Django.
        if not args.no_download and (not only or "download" in only):
            url = server.url(f"/telechargements/{facts['download_uuid']}/")
            probe = sessions["agent"].get(url, stream=True)
            probe.close()
            if probe.status_code != 200:
                raise SystemExit(f"Téléchargement : {probe.status_code} pour {url}")
            raw = Server(
                "gunicorn (fichier brut)",
                "bench.rawfile:application",
                {**env, "BENCH_RAW_FILE": facts["download_path"]},
                run_dir / "gunicorn-raw.log",
            )
            raw.wait("/")

            # Alternated, one run of each at a time: on a shared machine a block of runs of one
            # then a block of the other measures the machine's drift as much as the two servers.
            # One unmeasured run of each first: the first read of the file from the disk would
            # otherwise fall on whichever server goes first. Then each pair in turn starts with
            # the other server, and each pair gives its own ratio.
            def django_run():
                return measure_download(server, url, sessions["agent"].cookie_header(), repeats=DOWNLOAD_REPEATS)

            def raw_run():
                return measure_download(raw, raw.url("/fichier"), None, repeats=DOWNLOAD_REPEATS)

            django_run(), raw_run()
            django_runs, raw_runs = [], []
            for pair in range(DOWNLOAD_PAIRS):
                if pair % 2:
                    raw_runs.append(raw_run())
                    django_runs.append(django_run())
                else:
                    django_runs.append(django_run())
                    raw_runs.append(raw_run())
            django_dl, raw_dl = combine_downloads(django_runs), combine_downloads(raw_runs)
            ratios = pair_ratios(django_runs, raw_runs)
            download = {"django": django_dl, "raw": raw_dl, "size": django_dl["bytes"], "pair_ratios": ratios}
            log(
                f"  Téléchargement de {django_dl['bytes'] / 2**20:.0f} Mio : Django {django_dl['mb_per_s']} Mo/s, "
                f"gunicorn seul {raw_dl['mb_per_s']} Mo/s, rapport par paire {min(ratios):.0%} à {max(ratios):.0%} "
                f"(médiane {statistics.median(ratios):.0%}), mémoire du worker +{django_dl['rss_growth_mb']} Mo"
            )
    finally:
        server.stop()
        bare.stop()
        if raw is not None:
            raw.stop()
        subprocess.run(
            [sys.executable, "-m", "bench.prepare", str(scale), "--cleanup", cleanup_since],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )

    ceilings = ceilings_for(results)
    report = {
        "date": started_at.isoformat(timespec="seconds"),
        "scale": scale,
        "machine": machine(),
        "load_average_at_start": facts.get("load"),
        "settings": {
            "duration_s": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "workers": WORKERS,
            "bare_project": "bench.bare.settings",
        },
        "data_set": facts,
        "prepare_seconds": prepare_seconds,
        "search_matches": queries.get("matches"),
        "results": results,
        "ceilings_by_row": ceilings,
        "download": download,
        "export": export,
        "goals": goals(results, ceilings, download),
    }
    markdown = table(results, ceilings)
    if download:
        d, r = download["django"], download["raw"]
        markdown += (
            f"\n\nDownload of a {download['size'] / 2**20:.0f} MiB package: Django {d['mb_per_s']} MB/s, "
            f"gunicorn + wsgi.file_wrapper alone {r['mb_per_s']} MB/s "
            f"({d['mb_per_s'] / r['mb_per_s']:.0%}; pair by pair, alternated: "
            f"{', '.join(f'{x:.0%}' for x in download['pair_ratios'])}); worker RSS growth {d['rss_growth_mb']} MB."
        )
    if export:
        markdown += (
            "\n\n"
            + "; ".join(
                f"Export {fmt.upper()} of {export['rows']} DIs: {export[fmt]['seconds']} s, "
                f"{export[fmt]['bytes'] / 2**20:.1f} MiB, memory growth {export[fmt]['rss_growth_mb']} MB"
                for fmt in ("csv", "xlsx")
            )
            + "."
        )
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    for name in (f"results-{stamp}-scale{scale:g}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (OUT / "latest.md").write_text(markdown + "\n")
    print(markdown)
    missed = [g for g in report["goals"] if not all(v for k, v in g.items() if k.endswith("_ok"))]
    print(f"\n{len(report['goals']) - len(missed)} of {len(report['goals'])} endpoints meet every goal.")
    for g in missed:
        print("  missed:", json.dumps(g, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()

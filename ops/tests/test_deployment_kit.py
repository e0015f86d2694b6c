"""The deployment kit is consistent: the compose file parses, every engine is there, and the
systemd units run the same programs as the compose services (which the scale-out test runs)."""

import configparser
import shlex
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_describes_the_whole_fleet():
    """M10"""
    services = compose()["services"]
    assert {"db", "redis", "objects", "web", "worker", "scheduler", "proxy", "migrate"} <= set(services)
    for name in ("web", "worker", "scheduler", "migrate"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["environment"]["ESPACE_PRODUCTION"] == "1"
        assert service["environment"]["FILE_STORAGE"] == "s3"
        assert isinstance(service["command"], list)


def unit_command(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / "systemd" / f"espace-clients-{name}.service")
    argv = shlex.split(parser["Service"]["ExecStart"])
    return [Path(argv[0]).name, *argv[1:]]


def strip_values(argv, *options):
    """The command without the values of options that differ by host (bind address, schedule file)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        out.append(arg)
        if arg in options:
            skip = True
    return out


def test_systemd_units_run_the_compose_commands():
    """M10"""
    services = compose()["services"]
    for unit, service in (("web", "web"), ("worker", "worker"), ("scheduler", "scheduler")):
        assert strip_values(unit_command(unit), "--bind", "--schedule") == strip_values(
            services[service]["command"], "--bind", "--schedule"
        )


def test_dockerfile_runs_the_web_command_by_default():
    """M10"""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert yaml.safe_load(cmd[4:])[:5] == compose()["services"]["web"]["command"][:5]


# --- The kit as documented (M16.1) ----------------------------------------------------------------

APP_SERVICES = ("web", "uploads", "worker", "scheduler")


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / f"espace-clients-{name}.service")
    return parser


def test_compose_starts_the_portal_after_the_migrations_and_the_bucket():
    """M16.1: one-shot jobs for the schema and the bucket, which web, uploads, worker and scheduler
    wait for (completed successfully), after a healthy database, Redis and object store"""
    services = compose()["services"]
    for job in ("migrate", "objects-init"):
        assert services[job]["restart"] == "no"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["objects-init"]["depends_on"] == {"objects": {"condition": "service_healthy"}}
    for name in ("db", "redis", "objects"):
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
            "objects-init": {"condition": "service_completed_successfully"},
        }, name
        assert "migrate" not in " ".join(services[name]["command"])
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_compose_healthcheck_asks_readiness_as_the_proxy_would():
    """M16.1: an allowed host name and X-Forwarded-Proto, so neither the host check nor the HTTPS
    redirect answers in the portal's place (tests/test_reverse_proxy.py runs it for real)"""
    test = compose()["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "/sante/pret/" in test[3] and "ALLOWED_HOSTS" in test[3] and "'X-Forwarded-Proto': 'https'" in test[3]


def test_compose_signs_download_urls_for_a_public_endpoint_and_trusts_only_its_proxy():
    """M16.1 M16.2"""
    services = compose()["services"]
    env = services["web"]["environment"]
    assert env["S3_ENDPOINT_URL"] == "http://objects:9000"
    assert env["S3_PUBLIC_ENDPOINT_URL"] == "${S3_PUBLIC_ENDPOINT_URL}" and env["FILE_SERVE_MODE"] == "s3"
    proxy_address = services["proxy"]["networks"]["espace"]["ipv4_address"]
    assert env["TRUSTED_PROXIES"] == proxy_address and env["PROXY_COUNT"] == "1"
    import ipaddress

    subnet = compose()["networks"]["espace"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for name in APP_SERVICES:
        assert services[name]["environment"] == env


def test_every_variable_compose_interpolates_is_in_env_example():
    """M16.1"""
    import re

    names = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "compose.yaml").read_text()))
    assert names <= set(env_example_by("dotenv")), names - set(env_example_by("dotenv"))


def test_the_upload_server_uses_threaded_workers_in_compose_and_systemd():
    """M16.1: a long upload does not hit a sync worker's timeout"""
    command = compose()["services"]["uploads"]["command"]
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert strip_values(unit_command("uploads"), "--bind") == strip_values(command, "--bind")


def test_systemd_runs_the_migrations_as_their_own_one_shot_unit():
    """M16.1: not at every start of every server"""
    migrate = unit("migrate")
    assert migrate["Service"]["Type"] == "oneshot"
    assert shlex.split(migrate["Service"]["ExecStart"])[1:] == ["manage.py", "migrate", "--noinput"]
    assert "Install" not in migrate  # started once per release, by hand, not at boot
    for name in ("web", "uploads", "worker", "scheduler"):
        service = unit(name)["Service"]
        assert "ExecStartPre" not in service, name
        assert "migrate" not in service["ExecStart"], name
        assert service["EnvironmentFile"] == "/etc/espace-clients/env"
    for name in ("web", "uploads"):
        assert "espace-clients-migrate.service" in unit(name)["Unit"]["After"]


# --- nginx --------------------------------------------------------------------------------------------


def test_nginx_accepts_what_the_portal_accepts_and_no_more():
    """M16.1: a DI's five attachments and its fields; the back office's packages (DOWNLOAD_MAX_SIZE)
    only on their upload location, streamed to the threaded server"""
    from django.conf import settings

    from testing import nginx

    server = nginx.shipped().all("server")[1]
    mib = 1024 * 1024
    portal_limit = settings.ATTACHMENT_MAX_SIZE * settings.ATTACHMENT_MAX_COUNT + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert nginx.size_in_bytes(server.value("client_max_body_size")) == -(-portal_limit // mib) * mib
    assert server.value("proxy_request_buffering") == "on"
    (uploads,) = [loc for loc in server.all("location") if loc.args[0] == "~"]
    for path in ("/back-office/downloads/downloadfile/add/", "/back-office/downloads/downloadfile/12/change/"):
        assert __import__("re").match(uploads.args[1], path)
    limit = nginx.size_in_bytes(uploads.value("client_max_body_size"))
    assert settings.DOWNLOAD_MAX_SIZE < limit <= settings.DOWNLOAD_MAX_SIZE + 64 * mib
    assert uploads.value("proxy_request_buffering") == "off"
    assert uploads.value("proxy_pass") == "http://espace_uploads"


def test_nginx_upstreams_are_the_compose_services_and_their_ports():
    """M16.1"""
    from testing import nginx

    services = compose()["services"]
    upstreams = {u.args[0]: u.one("server").args[0] for u in nginx.shipped().all("upstream")}

    def bound(service):
        command = services[service]["command"]
        return service + ":" + command[command.index("--bind") + 1].rsplit(":", 1)[1]

    assert upstreams == {
        "espace_portal": bound("web"),
        "espace_uploads": bound("uploads"),
        "espace_objects": "objects:9000",
    }


def test_nginx_timeouts_cover_the_application_servers():
    """M16.1: nginx waits at least as long as gunicorn lets a request run, and bounds every phase"""
    from testing import nginx

    server = nginx.shipped().all("server")[1]
    command = compose()["services"]["web"]["command"]
    gunicorn_timeout = int(command[command.index("--timeout") + 1])
    assert nginx.seconds(server.value("proxy_read_timeout")) >= gunicorn_timeout
    for name in ("client_body_timeout", "send_timeout", "proxy_connect_timeout", "proxy_send_timeout"):
        assert 0 < nginx.seconds(server.value(name)) <= 120, name


def test_nginx_passes_the_scheme_and_the_clients_address_and_serves_french_error_pages():
    """M16.1 M16.2"""
    from django.conf import settings

    from testing import nginx

    redirect, portal, _objects = nginx.shipped().all("server")
    assert redirect.value("return") == "301 https://$host$request_uri"
    headers = {d.args[0]: d.args[1] for d in portal.all("proxy_set_header")}
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["Host"] == "$host"
    pages = {d.args[-1]: d.args[:-1] for d in portal.all("error_page")}
    assert pages["/erreurs/413.html"] == ["413"]
    errors = [loc for loc in portal.all("location") if loc.args == ["/erreurs/"]][0]
    root = Path(errors.value("root").replace("/srv/espace-clients/app", str(DEPLOY.parent)))
    for page in pages:
        html = (root / page.lstrip("/")).read_text()
        assert '<html lang="fr">' in html and "<script" not in html
    protected = [loc for loc in portal.all("location") if loc.args == [settings.FILE_X_ACCEL_PREFIX + "/"]][0]
    assert protected.all("internal")


# --- env.example ------------------------------------------------------------------------------------


def _systemd_environment_file(text):
    """systemd's EnvironmentFile= rules for the lines env.example uses: KEY=VALUE, # comments,
    a value in double quotes is unquoted."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        values[key.strip()] = value
    return values


def env_example_by(reader):
    path = DEPLOY / "env.example"
    if reader == "shell":
        import subprocess

        script = f'set -a && . "{path}" && set +a && env -0'
        out = subprocess.run(["sh", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, check=True)
        before = subprocess.run(["sh", "-c", "env -0"], env={"PATH": "/usr/bin:/bin"}, capture_output=True).stdout
        skip = {item.split(b"=", 1)[0] for item in before.split(b"\0") if item}
        pairs = [item.decode().split("=", 1) for item in out.stdout.split(b"\0") if item]
        return {k: v for k, v in pairs if k.encode() not in skip}
    if reader == "systemd":
        return _systemd_environment_file(path.read_text())
    from dotenv import dotenv_values  # docker compose's env_file reading, for these lines

    return dict(dotenv_values(path, interpolate=False))


def test_env_example_reads_the_same_in_a_shell_in_systemd_and_in_compose():
    """M16.1: the documented `set -a && . /etc/espace-clients/env` no longer breaks on it"""
    shell, systemd, dotenv = env_example_by("shell"), env_example_by("systemd"), env_example_by("dotenv")
    assert shell == systemd == dotenv
    assert shell["DEFAULT_FROM_EMAIL"] == "Espace Clients <noreply@espaceclients.example>"
    assert not any("$" in value or "`" in value for value in shell.values())


def test_the_production_settings_start_from_env_example():
    """M16.1: every variable it sets is accepted (check --deploy passes)"""
    from testing.production import run_in_production

    values = env_example_by("dotenv")
    values.pop("DATABASE_URL")  # keep the test's database name, which nobody creates
    result = run_in_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **values)
    assert result.returncode == 0, result.stdout + result.stderr

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

"""compose.yaml (no Docker engine here, so it is checked as data): two API replicas, two
projector replicas, PostgreSQL, consistent with the Dockerfile and the `tvaers` command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from api.cli import build_parser
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return document


def _built(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if "build" in s}


def test_the_stack_has_two_api_replicas_two_projector_replicas_and_postgresql() -> None:
    services = _compose()["services"]
    apis = {n: s for n, s in services.items() if s.get("command", [None, None])[1:2] == ["serve"]}
    projectors = {
        n: s for n, s in services.items() if s.get("command", [])[1:3] == ["project", "run"]
    }
    assert len(apis) == 2, sorted(services)
    replicas = sum(s.get("deploy", {}).get("replicas", 1) for s in projectors.values())
    assert replicas == 2
    assert services["postgres"]["image"].startswith("postgres:")

    # The API replicas: one database, views kept by the projector, one session key,
    # each on its own host port.
    for service in apis.values():
        environment = service["environment"]
        assert environment["TVAERS_PROJECTIONS"] == "external"
        assert environment["TVAERS_SECRET_KEY"].startswith("${TVAERS_SECRET_KEY:?")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    host_ports = [port.split(":")[0] for s in apis.values() for port in s["ports"]]
    assert len(set(host_ports)) == len(host_ports) == 2
    urls = {s["environment"]["TVAERS_DATABASE_URL"] for s in (*apis.values(), *projectors.values())}
    assert len(urls) == 1
    (url,) = urls
    assert Settings(database_url=url).store == "postgresql"
    # The projector publishes nothing: it only talks to PostgreSQL.
    assert all("ports" not in s for s in projectors.values())


def test_every_built_service_runs_a_tvaers_command_the_image_has() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    exposed = set(re.findall(r"^EXPOSE (\d+)", dockerfile, re.MULTILINE))
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'tvaers = "api.cli:main"' in pyproject  # the entry point `pip install .` makes
    services = _built(_compose()["services"])
    assert services
    for name, service in services.items():
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (ROOT / service["build"]["context"] / "Dockerfile").exists()
        command = service["command"]
        assert command[0] == "tvaers", name
        build_parser().parse_args(command[1:])  # a command the CLI knows (exits if not)
        if "--port" in command:
            assert command[command.index("--port") + 1] in exposed, name
            assert all(
                port.endswith(f":{command[command.index('--port') + 1]}")
                for port in service["ports"]
            )
        test = service.get("healthcheck", {}).get("test", [])
        for port in re.findall(r"127\.0\.0\.1:(\d+)", " ".join(test)):
            assert port in exposed, name

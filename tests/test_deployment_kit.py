"""The deployment kit stays in step with the code: compose names every service, .env.example names
every setting config/settings.py reads, and the gunicorn timeout outlasts the PDF limit."""

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent


def _settings_env_vars() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"env(?:\.[a-z]+)?\(\s*\"([A-Z0-9_]+)\"", source))


def _example_env_vars() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_env_example_names_every_setting_the_settings_module_reads():
    read = _settings_env_vars()
    assert len(read) > 40  # the regex found them (it cannot pass by finding nothing)
    assert sorted(read - _example_env_vars()) == []


def test_compose_names_every_service_and_they_are_wired():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "db", "redis", "proxy"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][-1] == "run_worker"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert services["db"]["image"].startswith("postgres:15")


def test_proxy_allows_10_mb_uploads_and_outwaits_gunicorn_which_outwaits_pdfs():
    from reports.pdf import TIME_LIMIT_SECONDS

    caddy = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"max_size 12MB", caddy)
    read_timeout = int(re.search(r"read_timeout (\d+)s", caddy).group(1))
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert read_timeout > namespace["timeout"] > TIME_LIMIT_SECONDS


def test_dockerfile_runs_gunicorn_with_its_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]' in dockerfile

"""The command line starts without loading what its commands do not use."""
from __future__ import annotations

import subprocess
import sys

HEAVY = ("flask", "sqlalchemy", "alembic", "mailchimp_marketing", "salesforce_bulk",
         "email_validator", "py3langid", "requests", "yaml", "waitress")


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {m.split(".")[0] for m in out}


def test_connector_help_loads_no_framework_or_vendor_client():
    loaded = _loaded_after("from click.testing import CliRunner\nfrom connector.cli import cli\n"
                           "assert CliRunner().invoke(cli, ['--help']).exit_code == 0")
    assert not loaded & set(HEAVY)


def test_importing_the_package_loads_nothing():
    assert not _loaded_after("import connector") & set(HEAVY + ("click",))


def test_token_reads_no_database_layer(tmp_path):
    loaded = _loaded_after(
        "from click.testing import CliRunner\nfrom connector.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['token'], env={{'CONNECTOR_WEBHOOK_TOKEN': 'x' * 20, "
        f"'CONNECTOR_DATA_DIR': {str(tmp_path)!r}}})\nassert r.output == 'x' * 20 + '\\n', r.output")
    assert not loaded & set(HEAVY)

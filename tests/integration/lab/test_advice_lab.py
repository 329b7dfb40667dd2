"""Every command the checks' details and the docs tell an operator to run exists in each release's tool.

The commands are extracted from the text (``tests/advice.py``): the details of
every outcome of every check, and the code spans of ``docs/*.md``. Each one's
``--help`` (the subcommand's own help: ``nova-manage libvirt
list_unset_machine_type --help``) is run from the venv of every release the lab
builds (2024.1 ... 2026.2) that holds the tool: it must exit 0, and list every
``--option`` the advice names. A command ``_checks.advice`` bounds with
``since``/``until`` is run only for those releases. No lab is started: only the
venvs are needed (``labctl install``, a no-op when cached).

Tools the lab does not install cannot be run; :data:`NOT_IN_LAB` names them and
why, and the test fails when a recommended tool is in no venv and not listed
(or when a listed one appears in the lab: then it must be run).
"""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import LabDriver

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import ADVICE
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import series
from ansible_collections.osops.lifecycle.tests.advice import detail_commands, doc_commands, every_outcome

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.paths import LabPaths  # noqa: E402
from osops_lab.releases import RELEASES, venvs_for  # noqa: E402
sys.dont_write_bytecode = _bytecode

NOT_IN_LAB = {
    "openstack": "the lab has no python-openstackclient; docs name its commands as what a module replaces",
    "cloudkitty-storage-init": "the lab has no cloudkitty; _checks.advice records where it was verified",
}


def recommended():
    """``{argv: (options, sources)}`` of every command of the checks' details and the docs."""
    found = {}
    for _check, command in list(detail_commands(every_outcome())) + list(doc_commands()):
        options, sources = found.setdefault(command.argv, (set(), set()))
        options.update(command.options)
        sources.add(command.source)
    return found


def _bounds():
    return {advice.argv: (advice.since, advice.until) for commands in ADVICE.values() for advice in commands}


def applies(argv, release):
    since, until = _bounds().get(argv, (None, None))
    return (since is None or series(since) <= series(release)) and (until is None or series(release) <= series(until))


def tool_path(release, tool):
    """The tool in ``release``'s venvs: the venv of the project it is named after first."""
    venvs = LabPaths.from_env().venvs
    specs = sorted(venvs_for(RELEASES[release]), key=lambda spec: not tool.startswith(spec.service + "-"))
    return next((venvs / spec.name / "bin" / tool for spec in specs if (venvs / spec.name / "bin" / tool).exists()), None)


def run_help(path, argv, options):
    """A problem with ``<argv> --help`` from ``path``, or None.

    A tool named alone is proven by its file (keystone-status exits 1 on
    ``--help`` where /etc/keystone/fernet-keys/ is missing).
    """
    if len(argv) == 1 and not options:
        return None
    res = subprocess.run([str(path), *argv[1:], "--help"], capture_output=True, text=True, timeout=300, check=False,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"))
    output = res.stdout + res.stderr
    if res.returncode != 0:
        return "exit %d: %s" % (res.returncode, (res.stderr.strip().splitlines() or ["no output"])[-1])
    missing = [o for o in sorted(options) if o not in output]
    return "its help lists no %s" % ", ".join(missing) if missing else None


@pytest.fixture(scope="module")
def venvs_installed():
    driver = LabDriver()
    for release in RELEASES:
        driver.labctl("install", "--release", release)
    return list(RELEASES)


def test_every_recommended_command_exists_in_each_release(venvs_installed):
    commands = recommended()
    assert ("nova-manage", "cell_v2", "simple_cell_setup") in commands  # the extraction finds what it must
    runs, absent = [], {}
    for release in venvs_installed:
        for argv, (options, sources) in sorted(commands.items()):
            if not applies(argv, release):
                continue
            path = tool_path(release, argv[0])
            if path is None:
                absent.setdefault(argv[0], set()).add(release)
            else:
                runs.append((release, argv, options, sources, path))
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = list(pool.map(lambda run: run_help(run[4], run[1], run[2]), runs))
    failed = ["%s: `%s` (%s): %s" % (release, " ".join(argv), "; ".join(sorted(sources)), problem)
              for (release, argv, _options, sources, _path), problem in zip(runs, problems) if problem]
    assert not failed, "recommended commands that do not exist:\n" + "\n".join(failed)
    unexplained = sorted(tool for tool in absent if tool not in NOT_IN_LAB)
    assert not unexplained, "recommended tools in no venv of the lab: %s (in %s)" % (
        ", ".join(unexplained), ", ".join(sorted(set().union(*(absent[t] for t in unexplained)))))
    present = sorted(tool for tool in NOT_IN_LAB if tool in {argv[0] for _r, argv, *_rest in runs})
    assert not present, "now in the lab, remove from NOT_IN_LAB: %s" % ", ".join(present)
    assert len(runs) >= 5 * len(venvs_installed)

"""Every command the checks' details and the docs tell an operator to run exists in each release's tool.

The commands are extracted from the text (``tests/advice.py``): the details of
every outcome of every check, the code spans of ``docs/*.md`` and the ``C(...)`` of every plugin's
documentation. Each one's
``--help`` (the subcommand's own help: ``nova-manage libvirt
list_unset_machine_type --help``) is run from the venv of every release the lab
builds (2024.1 ... 2026.2) that holds the tool: it must exit 0, and list every
``--option`` the advice names. A tool named alone (``keystone-status``) is
proven by its file (keystone-status exits 1 on ``--help`` without
/etc/keystone/fernet-keys/). Each tool is imported once per release and
forked per command line, to keep the test to a minute or two. A command ``_checks.advice`` bounds with
``since``/``until`` is run only for those releases. No lab is started: only the
venvs are needed (``labctl install``, a no-op when cached).

Tools the lab does not install cannot be run; :data:`NOT_IN_LAB` names them and
why, and the test fails when a recommended tool is in no venv and not listed
(or when a listed one appears in the lab: then it must be run).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from labdriver import LabDriver

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
    "cloudkitty-status": "the lab has no cloudkitty; check_cloudkitty_storage's documentation names the tool it mirrors",
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


# Run with the venv's python: import the console script's entry point once, then fork one child per
# command line, so a tool's imports (3-5 s for nova-manage) are paid once per release, not per command.
DRIVER = r"""
import json, os, re, sys
script, commands = sys.argv[1], json.loads(sys.argv[2])
module, name = re.search(r"^from (\S+) import (\w+)", open(script).read(), re.M).groups()
main = getattr(__import__(module, fromlist=[name]), name)
results = []
for argv in commands:
    sys.stdout.flush(); sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read); os.dup2(write, 1); os.dup2(write, 2)
        sys.argv = [os.path.basename(script)] + argv + ["--help"]
        try:
            code = main()
        except SystemExit as exc:
            code = exc.code
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))
    os.close(write)
    with os.fdopen(read) as out:
        output = out.read()
    results.append([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), output])
print("\n@@RESULTS@@" + json.dumps(results))
"""


def run_helps(path, commands):
    """``[(exit code, output)]`` of ``<argv> --help`` for each ``(argv, options)``, from the tool at ``path``."""
    res = subprocess.run([str(path.parent / "python"), "-c", DRIVER, str(path), json.dumps([list(a[1:]) for a, _o in commands])],
                         capture_output=True, text=True, timeout=600, check=False, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert "@@RESULTS@@" in res.stdout, "%s could not be driven (exit %d): %s" % (path, res.returncode, res.stderr[-2000:])
    return json.loads(res.stdout.rsplit("@@RESULTS@@", 1)[1])


def problem(argv, options, code, output):
    """What is wrong with ``<argv> --help``'s answer, or None."""
    if code != 0:
        return "exit %d: %s" % (code, (output.strip().splitlines() or ["no output"])[-1])
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
            elif len(argv) > 1 or options:  # a tool named alone is proven by its file
                runs.append((release, argv, options, sources, path))
    by_tool = {}
    for run in runs:
        by_tool.setdefault((run[0], run[4]), []).append(run)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(zip(by_tool, pool.map(lambda key: run_helps(key[1], [(r[1], r[2]) for r in by_tool[key]]), by_tool)))
    failed = []
    for key, tool_runs in by_tool.items():
        for (release, argv, options, sources, _path), (code, output) in zip(tool_runs, answers[key]):
            found = problem(argv, options, code, output)
            if found:
                failed.append("%s: `%s` (%s): %s" % (release, " ".join(argv), "; ".join(sorted(sources)), found))
    assert not failed, "recommended commands that do not exist:\n" + "\n".join(failed)
    unexplained = sorted(tool for tool in absent if tool not in NOT_IN_LAB)
    assert not unexplained, "recommended tools in no venv of the lab: %s (in %s)" % (
        ", ".join(unexplained), ", ".join(sorted(set().union(*(absent[t] for t in unexplained)))))
    present = sorted(tool for tool in NOT_IN_LAB if any(tool_path(release, tool) for release in venvs_installed))
    assert not present, "now in the lab, remove from NOT_IN_LAB: %s" % ", ".join(present)
    assert len(runs) >= 5 * len(venvs_installed)

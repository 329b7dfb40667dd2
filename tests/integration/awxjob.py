"""An AWX job, run the way AWX runs one: ansible-runner over a private data directory.

What AWX's task manager prepares for a job of a job template, here without AWX:

* ``project/`` - the project's checkout: the collection's example project ``awx/project`` (its
  ``ansible.cfg`` enables the check_table callback for every job template);
* ``requirements_collections/`` - the collections of the project's ``collections/requirements.yml``
  (this checkout, linked in as osops.lifecycle), on ``ANSIBLE_COLLECTIONS_PATH``;
* ``inventory/hosts`` - the inventory as an executable script printing its JSON, as AWX writes it;
* ``env/extravars`` - the job template's extra vars, then the survey's answers (checked against the
  survey spec as AWX checks them: required, type, choices, bounds; unanswered questions take their
  default), then AWX's ``awx_*`` variables;
* ``env/envvars`` - what the job's credentials inject: the OpenStack credential's clouds.yaml with the
  one cloud ``devstack`` (a file in ``env/``, mode 0600, named by ``OS_CLIENT_CONFIG_FILE``), and the
  collection's state store credential type (``awx/credential_types/osops_store.json``: the URL as
  ``OSOPS_STORE_URL``, never an extra var);
* ``artifacts/<ident>/`` - what ansible-runner writes: the job events (``job_events/*.json``, what AWX
  stores and shows), ``stdout``, ``rc``, ``status``.

The set_stats data a job publishes is, for AWX, the ``artifact_data`` of its ``playbook_on_stats``
event.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import ansible_runner
import yaml

ROOT = Path(__file__).resolve().parents[2]
AWX = ROOT / "awx"


class SurveyError(ValueError):
    """An answer AWX would refuse."""


def survey_extra_vars(name: str, answers: dict) -> dict:
    """The extra vars of survey ``awx/surveys/NAME.json`` for ``answers``, validated as AWX validates them."""
    spec = json.loads((AWX / "surveys" / f"{name}.json").read_text())["spec"]
    known = {question["variable"] for question in spec}
    unknown = set(answers) - known
    if unknown:
        raise SurveyError(f"survey {name} asks no {sorted(unknown)}")
    result = {}
    for question in spec:
        var = question["variable"]
        if var not in answers:
            if question["required"] and question.get("default") in (None, ""):
                raise SurveyError(f"survey {name}: {var} is required")
            if question.get("default") not in (None, ""):
                result[var] = question["default"]
            continue
        value = answers[var]
        if question["type"] == "integer":
            if not isinstance(value, int) or not question.get("min", value) <= value <= question.get("max", value):
                raise SurveyError(f"survey {name}: {var} must be an integer in [{question.get('min')}, {question.get('max')}]")
        elif question["type"] == "multiplechoice":
            if value not in question["choices"]:
                raise SurveyError(f"survey {name}: {var} must be one of {question['choices']}")
        elif not isinstance(value, str) or not question.get("min", 0) <= len(value) <= question.get("max", len(value)):
            raise SurveyError(f"survey {name}: {var} must be text of {question.get('min')}-{question.get('max')} characters")
        result[var] = value
    return result


def openstack_credential(clouds_yaml: str, cloud: str) -> dict:
    """The inputs of an AWX OpenStack credential for cloud ``cloud`` of ``clouds_yaml`` (host, username, ...)."""
    auth = yaml.safe_load(Path(clouds_yaml).read_text())["clouds"][cloud]["auth"]
    return {"host": auth["auth_url"], "username": auth["username"], "password": auth["password"],
            "project": auth["project_name"], "domain": auth.get("user_domain_name") or auth.get("project_domain_name"),
            "verify_ssl": False}


def inject_openstack(credential: dict, private_data_dir: Path) -> str:
    """AWX's OpenStack credential injector: a clouds.yaml with the cloud ``devstack`` in ``env/``; its path."""
    auth = {"auth_url": credential["host"], "username": credential["username"], "password": credential["password"],
            "project_name": credential["project"]}
    if credential.get("domain"):
        auth["domain_name"] = credential["domain"]
    data = {"clouds": {"devstack": {"auth": auth, "verify": credential.get("verify_ssl", True)}}}
    path = private_data_dir / "env" / "tmp_openstack_clouds.yaml"
    path.write_text(yaml.safe_dump(data, default_flow_style=False, allow_unicode=True))
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return str(path)


class Job:
    """One job: ``runner`` (ansible_runner's Runner), ``events``, ``stdout``, ``artifacts`` (set_stats)."""

    def __init__(self, runner, private_data_dir: Path):
        self.runner, self.private_data_dir = runner, private_data_dir

    @property
    def status(self) -> str:
        return self.runner.status

    @property
    def events(self) -> list[dict]:
        return list(self.runner.events)

    @property
    def stdout(self) -> str:
        return self.runner.stdout.read()

    @property
    def artifacts(self) -> dict:
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        return stats[-1]["event_data"].get("artifact_data", {}) if stats else {}

    def task_messages(self, task: str) -> list:
        """The ``msg`` of every ok result of the tasks named ``task``, in the order the events came."""
        return [e["event_data"]["res"]["msg"] for e in self.events
                if e.get("event") == "runner_on_ok" and e["event_data"].get("task") == task
                and "msg" in e["event_data"].get("res", {})]

    def everything_written(self) -> str:
        """What AWX keeps and shows of the job: its events and its output, as text (not ansible-runner's own
        record of the command line and environment, ``artifacts/<ident>/command``, which AWX does not show)."""
        artifacts = self.private_data_dir / "artifacts" / self.runner.config.ident
        paths = sorted((artifacts / "job_events").glob("*.json")) + [artifacts / "stdout"]
        return "\n".join(path.read_text(errors="replace") for path in paths if path.is_file())


def awx_job(work: Path, ident: str, template: str, inventory: dict, openstack: dict, store_url: str,
            survey: dict | None = None, extra_vars: dict | None = None, background: bool = False):
    """Run job template ``template`` (``awx/project/TEMPLATE.yml``) as AWX would; a Job, or (thread, Job)."""
    private_data_dir = work / f"job-{ident}"
    shutil.rmtree(private_data_dir, ignore_errors=True)
    shutil.copytree(AWX / "project", private_data_dir / "project")
    link = private_data_dir / "requirements_collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT)
    (private_data_dir / "inventory").mkdir()
    script = private_data_dir / "inventory" / "hosts"
    script.write_text("#!/usr/bin/env python3\nimport sys\nsys.stdout.write(%r)\n" % json.dumps(inventory))
    script.chmod(0o700)
    (private_data_dir / "env").mkdir()
    answers = survey_extra_vars(template, survey or {}) if (AWX / "surveys" / f"{template}.json").exists() else {}
    extravars = {**(extra_vars or {}), **answers, "awx_job_id": int(ident), "awx_job_template_name": template,
                 "awx_job_launch_type": "manual", "awx_user_name": "admin", "awx_project_revision": "main",
                 "tower_job_id": int(ident), "tower_job_template_name": template}
    (private_data_dir / "env" / "extravars").write_text(json.dumps(extravars))
    envvars = {"OS_CLIENT_CONFIG_FILE": inject_openstack(openstack, private_data_dir), "OSOPS_STORE_URL": store_url,
               "ANSIBLE_COLLECTIONS_PATH": str(private_data_dir / "requirements_collections"),
               "ANSIBLE_HOST_KEY_CHECKING": "True", "PYTHONWARNINGS": "ignore",
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    (private_data_dir / "env" / "envvars").write_text(json.dumps(envvars))
    settings = {"suppress_ansible_output": True, "job_timeout": 1800}
    (private_data_dir / "env" / "settings").write_text(json.dumps(settings))
    kwargs = dict(private_data_dir=str(private_data_dir), playbook=f"{template}.yml", ident=ident, quiet=True)
    if background:
        thread, runner = ansible_runner.run_async(**kwargs)
        return thread, Job(runner, private_data_dir)
    return Job(ansible_runner.run(**kwargs), private_data_dir)

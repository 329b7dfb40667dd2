"""The commands the checks and the docs tell an operator to run, extracted from their text.

Shared by the unit test (every extracted command is declared in ``_checks.advice``)
and the lab test (every extracted command exists in each release's tool).

What counts as a command: an OpenStack administration tool - a project's tool
ending in ``-manage``, ``-status``, ``-dbsync`` or ``-storage-init``, ``oslopolicy-*``, or
``openstack`` followed by a subcommand - written in a code span (backticks, or
single quotes as nova-status writes them), with the subcommand words after it.
Every ``--option`` of the span is kept, to be found in the command's help.
A tool named outside a code span is reported by :func:`bare_tools` so the
details can be refused (the words after it could not be told from prose).
URLs are removed first (``.../cli/oslopolicy-convert-json-to-yaml.html`` names
a page, not a command). Fenced code blocks of the docs are examples of this
collection's playbooks, not advice; they are skipped.

Every outcome of every check: :data:`SCENARIOS` runs each check function
against stand-ins of what it reads (config, nova's databases, the cloud), one
scenario per branch; :func:`outcome_lines` lists the source lines that build an
outcome (``success(...)``, ``warning(...)``, ``failure(...)``, ``raise
OsopsError(...)``) so a test proves each one ran.
"""

from __future__ import annotations

import ast
import copy
import re
import sys
from collections import namedtuple
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import api, config, nova, schema
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import result_name, run_check
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import CELL0_UUID

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'
# docs describing the lab's own bring-up and the test tiers: what the lab runs, not advice to operators
NOT_ADVICE_DOCS = ('lab.md', 'testing.md')

# the projects whose administration tools the docs and checks may name (nova-manage, neutron-db-manage ...)
PROJECTS = ('aodh', 'barbican', 'ceilometer', 'cinder', 'cloudkitty', 'designate', 'glance', 'gnocchi', 'heat', 'ironic',
            'keystone', 'magnum', 'manila', 'masakari', 'neutron', 'nova', 'octavia', 'placement', 'swift', 'trove')
TOOL = (r'(?:%s)(?:-[a-z0-9]+)*-(?:manage|status|dbsync|storage-init)|oslopolicy-[a-z0-9-]+|openstack(?= [a-z])'
        % '|'.join(PROJECTS))
TOOL_RE = re.compile(r'(?<![\w./<>-])(%s)(?![\w-])' % TOOL)
URL_RE = re.compile(r'https?://\S+')
SPAN_RE = re.compile(r"`([^`\n]+)`|'([^'\n]+)'")
WORD_RE = re.compile(r'[a-z0-9][a-z0-9_-]*$')
OPTION_RE = re.compile(r'--[a-z0-9][a-z0-9-]*')

Command = namedtuple('Command', 'argv options source')


def commands_in(text, source):
    """The commands of ``text``'s code spans: ``Command(argv, options, source)``."""
    found = []
    for match in SPAN_RE.finditer(URL_RE.sub('', text or '')):
        span = match.group(1) or match.group(2)
        for tool in TOOL_RE.finditer(span):
            words = span[tool.start():].split()
            argv = [words[0]]
            for word in words[1:]:
                if not WORD_RE.match(word):
                    break
                argv.append(word)
            options = tuple(sorted(set(OPTION_RE.findall(span[tool.end():]))))
            found.append(Command(tuple(argv), options, source))
    return found


def bare_tools(text):
    """Tools named outside any code span of ``text`` (URLs removed)."""
    return [m.group(1) for m in TOOL_RE.finditer(SPAN_RE.sub('', URL_RE.sub('', text or '')))]


def doc_sections():
    """``(doc name, check module or None, text)`` per section: a ``### ... (`check_x`)`` heading names its check."""
    for path in sorted(DOCS.glob('*.md')):
        if path.name in NOT_ADVICE_DOCS:
            continue
        text = re.sub(r'^```.*?^```', '', path.read_text(), flags=re.S | re.M)
        check = None
        for block in re.split(r'^(?=#)', text, flags=re.M):
            heading = re.match(r'#+ .*?\(`(check_\w+)`\)', block)
            if block.startswith('#'):
                check = heading.group(1) if heading and path.name == 'checks.md' else None
            yield path.name, check, block


def plugin_doc_sections():
    """``(plugin path, check module or None, text)`` of every plugin's DOCUMENTATION, EXAMPLES and RETURN, their
    ``C(...)`` markup as code spans: ``ansible-doc`` shows operators these too (the hw_machine_type check's
    ``seealso`` named ``nova-manage machine_type update``, which no nova has)."""
    for path in sorted((ROOT / 'plugins').glob('*/*.py')):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ('DOCUMENTATION', 'EXAMPLES', 'RETURN')
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                # code spans are C(...) here; an apostrophe is prose (YAML text), not nova-status's quoting
                text = re.sub(r'\bC\(([^()\n]*)\)', r'`\1`', node.value.value.replace("'", '\u2019'))
                check = path.stem if path.parent.name == 'modules' and path.stem.startswith('check_') else None
                yield str(path.relative_to(ROOT)), check, text


def doc_commands():
    """``(check module or None, Command)`` of every command of the docs and of the plugins' documentation."""
    for name, check, text in doc_sections():
        for command in commands_in(text, 'docs/%s' % name):
            yield check, command
    for name, check, text in plugin_doc_sections():
        for command in commands_in(text, name):
            yield check, command


# --- every outcome of every check ----------------------------------------------------

class Config:
    """A service config: ``{(section, key): value}``; ``files`` the policy files it finds."""

    def __init__(self, values=None, files=None):
        self.values, self.files = values or {}, files or {}

    def get(self, section, key, default=None):
        return self.values.get((section, key), default)

    def get_bool(self, section, key):
        return str(self.values.get((section, key), '')).lower() == 'true'

    def get_int(self, section, key, default):
        return int(self.values.get((section, key), default))

    def find_file(self, name):
        return self.files.get(name)


class Database:
    """nova's databases: what each query returns (or raises)."""

    def __init__(self, cells=(), host_mappings=0, compute_nodes=0, services=(), unset=(), versions=None, migrations=()):
        self._cells, self._host_mappings, self._compute_nodes = list(cells), host_mappings, compute_nodes
        self.online_migrations = [dict(m) for m in migrations]
        self._services, self._unset, self._versions = list(services), list(unset), versions

    def cell_mappings(self):
        return self._cells

    def host_mapping_count(self):
        return self._host_mappings

    def compute_node_count(self):
        return self._compute_nodes

    def services(self, binaries):
        return [s for s in self._services if s['binary'] in binaries]

    def instances_without_machine_type(self):
        return self._unset

    def service_versions(self):
        if isinstance(self._versions, Exception):
            raise self._versions
        return self._versions


def _service(binary, host, version, cell='cell1'):
    return dict(binary=binary, host=host, version=version, cell=cell, forced_down=False)


class Conn:
    """openstacksdk's connection: services, agents and servers (the catalog and versions are patched)."""

    def __init__(self, compute=(), agents=(), volume=(), servers=()):
        self.compute = SimpleNamespace(services=lambda: list(compute), servers=lambda **kw: list(servers))
        self.network = SimpleNamespace(agents=lambda: list(agents))
        self.block_storage = SimpleNamespace(services=lambda: list(volume))


def _nova_service(host, state='up', status='enabled', reason=None):
    return SimpleNamespace(binary='nova-compute', host=host, state=state, status=status, disabled_reason=reason)


def _server(status, task_state=None):
    return SimpleNamespace(id='s-%s' % status.lower(), status=status, task_state=task_state)


Scenario = namedtuple('Scenario', 'check label params config database conn catalog maximum is_json project down tool')


def _scenario(check, label, params=None, config=None, database=None, conn=None,
              catalog='http://api.example:8778', maximum=('1.39', None), is_json=False, project=None, down=(), tool=None):
    return Scenario(check, label, params or {}, config or Config(), database or Database(), conn or Conn(),
                    catalog, maximum, is_json, project, down, tool or {})


CELLS = [dict(name='cell0', uuid=CELL0_UUID), dict(name='cell1', uuid='c1')]
CONTROL = [_service('nova-conductor', 'ctl', 72), _service('nova-scheduler', 'ctl', 72)]
PATH = dict(project='nova', version=None, from_nova_database=None, current_release=None,
            current_release_source=None, target_release='2026.1')

PENDING = dict(migration='populate_instance_compute_id', database='cell1', pending=2, stuck=0, why=None)
STUCK = dict(migration='populate_user_id', database='api', pending=0, stuck=1, why='instance mappings without a cell')

BACKENDS = Config({('database', 'connection'): 'mysql+pymysql://nova:pw@db/nova',
                   ('DEFAULT', 'transport_url'): 'rabbit://nova:pw@mq1:5672,nova:pw@mq2:5672/'})
BACKENDS_OPTIONS = dict(project='nova', timeout=5)


def _schema(project, label, tool, venv='/openstack/venvs/%s-29.1.0', files=None):
    """A scenario of check_schema_migrations: ``tool`` maps a command's last word to its ``(rc, stdout, stderr)``;
    its key ``heads``, what ``heads_held`` finds (the heads of the scripts and the database's revisions) when the
    database is at them (else the tool is asked)."""
    return _scenario('check_schema_migrations', label, project=project, tool=tool,
                     params=dict(project=project, venv=venv % project, config_files=files, config_dir=None, ask_tool=False))


# one revision's entry in ``neutron-db-manage current --verbose`` (after a ``Running current for neutron ...`` line)
NEUTRON_RUNNING = 'Running current for neutron ...\n'
NEUTRON_CURRENT = 'Rev: %s\nParent: 000000000000\nBranch names: %s\nPath: /v/neutron/db/migration/x.py\n\n'

SCENARIOS = (
    _scenario('check_cells_v2', 'no cell mapping'),
    _scenario('check_cells_v2', 'no cell0', database=Database(cells=[dict(name='a', uuid='a'), dict(name='b', uuid='b')])),
    _scenario('check_cells_v2', 'computes without host mappings', database=Database(cells=CELLS, compute_nodes=2)),
    _scenario('check_cells_v2', 'fresh install', database=Database(cells=CELLS)),
    _scenario('check_cells_v2', 'healthy', database=Database(cells=CELLS, host_mappings=1, compute_nodes=1)),
    _scenario('check_hw_machine_type', 'every type recorded'),
    _scenario('check_hw_machine_type', 'one instance without a type', database=Database(unset=['i1'])),
    _scenario('check_hw_machine_type', 'two instances without a type', database=Database(unset=['i1', 'i2'])),
    _scenario('check_online_migrations', 'all done'),
    _scenario('check_online_migrations', 'rows left', database=Database(migrations=[PENDING, STUCK])),
    _scenario('check_online_migrations', 'only rows nova cannot migrate', database=Database(migrations=[STUCK])),
    _scenario('check_old_computes', 'no compute too old', params=dict(target_release='2026.1'),
              database=Database(services=[_service('nova-compute', 'c1', 72)])),
    _scenario('check_old_computes', 'a compute too old', params=dict(target_release='2026.1'),
              database=Database(services=[_service('nova-compute', 'c1', 67)])),
    _scenario('check_rpc_pin', 'pinned', config=Config({('upgrade_levels', 'compute'): 'auto'})),
    _scenario('check_rpc_pin', 'computes behind', database=Database(services=CONTROL + [_service('nova-compute', 'c1', 70)])),
    _scenario('check_rpc_pin', 'not pinned yet', database=Database(services=CONTROL + [_service('nova-compute', 'c1', 72)])),
    _scenario('check_upgrade_path', 'allowed', params=dict(PATH, current_release='2025.1')),
    _scenario('check_upgrade_path', 'refused', params=dict(PATH, current_release='2024.1')),
    _scenario('check_upgrade_path', 'from the database', params=dict(PATH, from_nova_database=True),
              database=Database(versions=CONTROL)),
    _scenario('check_upgrade_path', 'the database tells nothing, a version does',
              params=dict(PATH, from_nova_database=True, version='31.3.1', current_release_source='given'),
              database=Database(versions=OsopsError('cannot read'))),
    _scenario('check_upgrade_path', 'the database tells nothing, nothing else does', params=dict(PATH, from_nova_database=True),
              database=Database(versions=[])),
    _scenario('check_placement_api', 'no endpoint', params=dict(required_microversion='1.36', interface='public'), catalog=None),
    _scenario('check_placement_api', 'no answer', params=dict(required_microversion='1.36', interface='public'),
              maximum=(None, 'no answer from http://api.example:8778')),
    _scenario('check_placement_api', 'too old', params=dict(required_microversion='1.36', interface='public'),
              maximum=('1.30', None)),
    _scenario('check_placement_api', 'recent', params=dict(required_microversion='1.36', interface='public')),
    _scenario('check_cinder_api', 'not in the catalog', params=dict(required_microversion='3.44'), catalog=None),
    _scenario('check_cinder_api', 'too old', params=dict(required_microversion='3.44'), maximum=('3.40', None)),
    _scenario('check_cinder_api', 'recent', params=dict(required_microversion='3.44'), maximum=('3.70', None)),
    _scenario('check_services', 'not in the catalog', catalog=None, project='nova'),
    _scenario('check_services', 'a service down', conn=Conn(compute=[_nova_service('c1', state='down')]), project='nova'),
    _scenario('check_services', 'a service disabled', conn=Conn(compute=[_nova_service('c1', status='disabled', reason='x')]),
              project='nova'),
    _scenario('check_services', 'all up', project='neutron', conn=Conn(agents=[
        SimpleNamespace(binary='neutron-ovs-agent', host='c1', is_alive=True, is_admin_state_up=True)])),
    _scenario('check_services', 'cinder up', project='cinder', conn=Conn(volume=[
        SimpleNamespace(binary='cinder-volume', host='v1', state='up', status='enabled', disabled_reason=None)])),
    _scenario('check_instance_states', 'in flight', params=dict(list_limit=5), conn=Conn(servers=[_server('BUILD', 'spawning')])),
    _scenario('check_instance_states', 'waiting', params=dict(list_limit=5), conn=Conn(servers=[_server('ERROR')])),
    _scenario('check_instance_states', 'quiet', params=dict(list_limit=5), conn=Conn(servers=[_server('ACTIVE')])),
    _scenario('check_policy_json', 'a JSON policy file', params=dict(project='nova'),
              config=Config(files={'policy.yaml': '/etc/nova/policy.yaml'}), is_json=True),
    _scenario('check_policy_json', 'a YAML policy file', params=dict(project='nova'),
              config=Config(files={'policy.yaml': '/etc/nova/policy.yaml'})),
    _scenario('check_policy_json', 'no policy file', params=dict(project='nova')),
    _scenario('check_service_user_token', 'sent', config=Config({('service_user', 'send_service_user_token'): 'true'})),
    _scenario('check_service_user_token', 'not sent'),
    _scenario('check_backends', 'nothing configured', params=BACKENDS_OPTIONS),
    _scenario('check_backends', 'all reached', params=BACKENDS_OPTIONS, config=BACKENDS),
    _scenario('check_backends', 'one queue host down', params=BACKENDS_OPTIONS, config=BACKENDS, down=('mq2',)),
    _scenario('check_backends', 'database down', params=BACKENDS_OPTIONS, config=BACKENDS, down=('db',)),
    _scenario('check_cloudkitty_storage', 'v1', config=Config({('storage', 'version'): '1'})),
    _scenario('check_cloudkitty_storage', 'v2'),
    _scenario('check_cloudkitty_storage', 'neither', config=Config({('storage', 'version'): '3'})),
    _schema('keystone', 'done', {'--check': (0, '', '')}),
    _schema('keystone', 'done, read in alembic_version', {'heads': (
        {'742c857f1dfb': 'expand', 'c88cdce8f248': 'contract'}, {'742c857f1dfb', 'c88cdce8f248'})}),
    _schema('keystone', 'expand left', {'--check': (2, '', '')}),
    _schema('keystone', 'contract left', {'--check': (4, '', '')}),
    _schema('keystone', 'no answer', {'--check': (1, '', 'Traceback ...\nDBConnectionError: mysql://ks:pw@db/keystone')}),
    _schema('neutron', 'database ahead', {'--verbose': (
        255, "Running current for neutron ...\nFAILED: Can't locate revision identified by 'b1bca967e19d'\n", '')}),
    _schema('glance', 'migrate left', {'check': (4, 'Your next step is to run `glance-manage db migrate`.', '')}),
    _schema('neutron', 'done', {'--verbose': (
        0, NEUTRON_RUNNING + NEUTRON_CURRENT % ('b1bca967e19d (head)', 'expand')
        + NEUTRON_CURRENT % ('5c85685d616d (head)', 'contract'), '')}),
    _schema('neutron', 'both branches left', {'--verbose': (
        0, NEUTRON_RUNNING + NEUTRON_CURRENT % ('ad80a9f07c5c', 'expand')
        + NEUTRON_CURRENT % ('5c85685d616c', 'contract'), '')}),
    _schema('neutron', 'no tool in the venv', {}, venv='/nonexistent/%s'),
    _schema('keystone', 'no config file', {}, files=['/nonexistent/keystone.conf']),
)

Outcome = namedtuple('Outcome', 'check label code details')


def run_scenario(scenario):
    """Run ``scenario``'s check function as ``check_batch`` does: ``Outcome`` with the details (an Error's too)."""
    check = CHECKS[scenario.check]
    ctx = SimpleNamespace(params=scenario.params, project=scenario.project or 'nova', found=copy.deepcopy(check.returns),
                          config=scenario.config, database=scenario.database, conn=scenario.conn)
    function = check.function(check.run)
    args = (scenario.project,) if check.projects else ()
    with mock.patch.object(api, 'catalog_endpoint', lambda conn, service_type: scenario.catalog), \
            mock.patch.object(schema, 'run_tool', lambda ctx, argv: scenario.tool[argv[-1]]), \
            mock.patch.object(schema, 'heads_held', lambda ctx: scenario.tool.get('heads')), \
            mock.patch.object(schema.os, 'access', lambda path, mode: not path.startswith('/nonexistent/')), \
            mock.patch.object(schema.os.path, 'isfile', lambda path: not path.startswith('/nonexistent/')), \
            mock.patch.object(api, 'api_max_microversion', lambda *a: _maximum(scenario.maximum)), \
            mock.patch.object(config, 'is_json', lambda path: scenario.is_json), \
            mock.patch.object(nova, 'pending_online_migrations', lambda database: database.online_migrations), \
            mock.patch.object(config, 'reach_database', lambda url, timeout: 'refused' if '@db/' in url and 'db' in scenario.down else None), \
            mock.patch.object(config, 'reach_amqp', lambda host, timeout: 'refused' if host['host'] in scenario.down else None):
        result = run_check(check.name, lambda: function(ctx, *args))
    return Outcome(scenario.check, scenario.label, result.code, result.details)


def _maximum(maximum):
    from packaging.version import Version
    version, problem = maximum
    return (Version(version) if version else None), problem


def every_outcome():
    """The outcome of every scenario."""
    return [run_scenario(s) for s in SCENARIOS]


CHECK_FILES = (api, nova, config, schema)


def outcome_lines():
    """``{(file, line)}`` of every outcome a check builds, and every OsopsError it raises (an Error's details)."""
    validators = set(c.validate for c in CHECKS.values() if c.validate)
    lines = set()
    for module in CHECK_FILES:
        tree = ast.parse(Path(module.__file__).read_text())
        for function in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name not in validators):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, 'id', None) in ('success', 'warning', 'failure'):
                    lines.add((module.__file__, node.lineno))
                elif isinstance(node, ast.Raise) and 'OsopsError' in ast.unparse(node.exc or node):
                    lines.add((module.__file__, node.lineno))
    return lines


def traced(run):
    """``(run(), {(file, line)} executed in the check files)``."""
    files = set(m.__file__ for m in CHECK_FILES)
    executed = set()

    def tracer(frame, event, arg):
        if frame.f_code.co_filename not in files:
            return None

        def lines(frame, event, arg):
            if event == 'line':
                executed.add((frame.f_code.co_filename, frame.f_lineno))
            return lines
        return lines(frame, event, arg)

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = run()
    finally:
        sys.settrace(previous)
    return result, executed


def detail_commands(outcomes):
    """``(check, Command)`` of every outcome's details."""
    for outcome in outcomes:
        source = '%s, %s: %s' % (outcome.check, outcome.label, result_name(outcome.code))
        for command in commands_in(outcome.details, source):
            yield outcome.check, command

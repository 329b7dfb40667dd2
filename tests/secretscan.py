"""Secrets never shown: the secret scan of the integration and lab tiers (pytest plugin).

``--secret-scan`` (``make integration`` and ``make lab`` pass it) makes the session:

* log every Ansible run to ``ANSIBLE_LOG_PATH``: a file in the session's scan directory (one per xdist
  worker), set in the environment every ``ansible-playbook``, ``ansible-runner`` job and ``molecule`` run of
  the tests inherits;
* keep the captured output (stdout and stderr) of every ``ansible*``, ``openstack-ansible``, ``molecule`` and
  ``podman`` command the tests run through ``subprocess`` (``Popen.communicate``, which ``subprocess.run``
  uses), one file each in the scan directory;
* dump every row of the PostgreSQL store before a test empties it and before the server stops
  (``tests/conftest.py``'s ``postgres`` fixture calls :func:`dump_postgres`);
* at the end, search the outputs under the session's base temporary directory (every test's ``tmp_path``,
  every worker's) for the known passwords and tokens (:func:`known_secrets`), and fail the session when one
  is found, naming the file and the secret's kind, never the secret.

What is an output, and so scanned (:func:`is_output`): every file of a scan directory (the Ansible logs, the
captured outputs, the PostgreSQL rows), JSON and HTML files (check reports, the upgrade's HTML report,
ansible-runner's job events, results the tests' playbooks write), ``*.log`` and ``*.out`` files,
everything ansible-runner writes under a job's ``artifacts/`` (its stdout, job events, status) except
``artifacts/<ident>/command``, Ansible's fact caches (``fact_cache/``, ``ansible_facts/``), and every
SQLite database (by its header, whatever its name: every row of every table). What is excluded, by rule:
the inputs a test writes for Ansible - YAML, INI, config files
(playbooks, inventories, ``clouds.yaml``, ``nova.conf``), ansible-runner's ``env/`` (the job's credentials
and extra vars, which AWX keeps encrypted) and ``artifacts/<ident>/command`` (ansible-runner's record of
the command line and environment, which AWX does not show) - and installed code (``site-packages``,
``ansible_collections`` copies, symbolic links). The lab's own configuration lives in its home, outside the
base temporary directory, and the PostgreSQL server's data directory too: neither is scanned.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.parse

import pytest

# The known secrets of the tests, distinctive enough that finding one is a leak, not a word.
PG_PASSWORD = 'pg-Secret-4711'              # the PostgreSQL store's password (tests/conftest.py's server)
KEYSTONE_PASSWORD = 'Keystone-Secret-17'    # the AWX OpenStack credential's password (test_awx.py)
STORE_URL_PASSWORD = 'Sup3r-s3cret'         # a store URL's password in a module's options (test_in_process_actions.py)

SCAN_ENV = 'OSOPS_SECRET_SCAN_DIR'
SCAN_DIRNAME = 'secret-scan'
SQLITE_HEADER = b'SQLite format 3\x00'
OUTPUT_SUFFIXES = ('.json', '.html', '.htm', '.log', '.out')
COMMANDS = ('ansible', 'openstack-ansible', 'molecule', 'podman')  # a captured output kept when argv[0] starts so
PRUNED = ('site-packages', 'dist-packages', 'ansible_collections', '__pycache__', '.git', 'node_modules')
# How a weak password (a word such as the lab's) shows when it leaks: a URL's userinfo, a key and value,
# a command line's option; the word alone elsewhere is no finding.
WEAK_FORMS = (r'://[^\s:/@"\']*:{v}@', r'(?i:pass(?:word|wd)?)["\']?\s*[:=]\s*["\']?{v}(?![\w-])',
              r'(?<![\w-])-p{v}(?![\w-])', r'(?i:--[\w-]*password)[= ]["\']?{v}(?![\w-])',
              r"(?i:identified by) ['\"]{v}['\"]")


class Secret:
    """A known secret: its kind (what is shown), and how it is found (its value, or the forms of a weak one)."""

    def __init__(self, kind, value=None, pattern=None):
        self.kind = kind
        self.value = value
        if pattern is None and not distinctive(value):
            pattern = '|'.join(form.format(v=re.escape(value)) for form in WEAK_FORMS)
        self.pattern = re.compile(pattern) if pattern else None

    def found_in(self, text):
        if self.pattern is not None:
            return self.pattern.search(text) is not None
        return self.value in text


def distinctive(value):
    """True for a value long and mixed enough to be searched as itself (no false positive on a word)."""
    classes = set()
    for char in value:
        classes.add('lower' if char.islower() else 'upper' if char.isupper() else 'digit' if char.isdigit() else 'other')
    return len(value) >= 10 and len(classes) >= 2


def lab_secrets():
    """The lab's passwords, read from its own code (tests/lab/osops_lab/services.py): MariaDB's service user,
    keystone's admin and every service user (one password), RabbitMQ's user; or [] without the lab's code."""
    lab = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lab')
    if lab not in sys.path:
        sys.path.insert(0, lab)
    try:
        from osops_lab import services  # pylint: disable=import-outside-toplevel
    except (ImportError, SystemExit):
        return []
    rabbit = urllib.parse.urlsplit(services.transport_url())
    found = [Secret('lab password (MariaDB, keystone admin and service users)', services.PASSWORD),
             Secret('lab RabbitMQ password', rabbit.password)]
    database = urllib.parse.urlsplit(services.db_url('nova'))
    if database.password != services.PASSWORD:
        found.append(Secret('lab MariaDB password', database.password))
    return found


def known_secrets():
    """Every secret the scan looks for."""
    return [Secret('PostgreSQL store password', PG_PASSWORD),
            Secret('keystone password (AWX OpenStack credential)', KEYSTONE_PASSWORD),
            Secret('store URL password (module option)', STORE_URL_PASSWORD),
            Secret('keystone Fernet token', pattern=r'gAAAAA[A-Za-z0-9_-]{60,}')] + lab_secrets()


def is_output(relpath):
    """Whether the file at ``relpath`` (relative to the base temporary directory) is an output (scanned)."""
    parts = relpath.split(os.sep)
    if SCAN_DIRNAME in parts[:-1]:
        return True
    if 'artifacts' in parts[:-1]:  # ansible-runner's: everything it writes but its record of the command line
        return parts[-1] != 'command'
    if 'fact_cache' in parts[:-1] or 'ansible_facts' in parts[:-1]:  # Ansible's fact caches (jsonfile)
        return True
    return parts[-1].endswith(OUTPUT_SUFFIXES)


def category(relpath):
    """What kind of output a scanned file is, for the summary's counts."""
    parts = relpath.split(os.sep)
    if SCAN_DIRNAME in parts[:-1]:
        if parts[-1] == 'ansible.log':
            return 'ANSIBLE_LOG_PATH logs'
        return 'PostgreSQL row dumps' if parts[-1].startswith('postgres-') else 'captured command outputs'
    if 'artifacts' in parts[:-1]:
        return 'ansible-runner job artifacts'
    if 'fact_cache' in parts[:-1] or 'ansible_facts' in parts[:-1]:
        return 'fact caches'
    suffix = os.path.splitext(parts[-1])[1].lower()
    return {'.json': 'JSON files', '.html': 'HTML files', '.htm': 'HTML files'}.get(suffix, 'other logs')


def _runner_input(dirpath, name):
    """ansible-runner's ``env/`` of a private data directory (beside ``project/`` or ``artifacts/``)."""
    return name == 'env' and (os.path.isdir(os.path.join(dirpath, 'project'))
                              or os.path.isdir(os.path.join(dirpath, 'artifacts')))


class Scan:
    """One scan of a tree: counts and findings (path, kind, where), never the secret itself."""

    def __init__(self, secrets):
        self.secrets = secrets
        self.files = 0
        self.sqlite_rows = 0
        self.postgres_rows = 0
        self.categories = {}
        self.findings = []

    def _count(self, what):
        self.files += 1
        self.categories[what] = self.categories.get(what, 0) + 1

    def _text(self, path, text, where='text'):
        for secret in self.secrets:
            if secret.found_in(text):
                self.findings.append((path, secret.kind, where))

    def _sqlite(self, path):
        try:
            connection = sqlite3.connect('file:%s?mode=ro' % urllib.parse.quote(path), uri=True)
        except sqlite3.Error:
            return False
        try:
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for number, row in enumerate(connection.execute('SELECT * FROM "%s"' % table.replace('"', '""'))):
                    self.sqlite_rows += 1
                    text = '\t'.join(value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)
                                     for value in row)
                    self._text(path, text, 'table %s, row %d' % (table, number + 1))
        except sqlite3.Error:  # a corrupt store (a bad input test's): its bytes are scanned instead
            return False
        finally:
            connection.close()
        return True

    def file(self, path, relpath):
        """Scan one file if it is an output; SQLite databases whatever their name."""
        try:
            with open(path, 'rb') as handle:
                head = handle.read(len(SQLITE_HEADER))
                if head == SQLITE_HEADER:
                    self._count('SQLite databases')
                    if self._sqlite(path):
                        return
                elif not is_output(relpath):
                    return
                else:
                    self._count(category(relpath))
                data = head + handle.read()
        except OSError:
            return
        text = data.decode('utf-8', 'replace')
        if os.path.basename(path).startswith('postgres-'):
            self.postgres_rows += text.count('\nrow\t')
        self._text(path, text)

    def tree(self, root):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [name for name in dirnames if name not in PRUNED and not _runner_input(dirpath, name)
                           and not os.path.islink(os.path.join(dirpath, name))]
            for name in filenames:
                path = os.path.join(dirpath, name)
                if not os.path.islink(path):
                    self.file(path, os.path.relpath(path, root))
        return self


# --- capture of the commands' outputs --------------------------------------------------------------------------

_ORIGINAL_COMMUNICATE = subprocess.Popen.communicate
_LOCK = threading.Lock()
_COUNT = [0]


def _command_name(args):
    first = args if isinstance(args, (str, bytes)) else (list(args) or [''])[0]
    first = os.fsdecode(first)
    if isinstance(args, (str, bytes)):
        first = first.split()[0] if first.split() else ''
    return os.path.basename(first)


def _keep(args, outputs):
    directory = os.environ.get(SCAN_ENV)
    name = _command_name(args)
    if not directory or not name.startswith(COMMANDS) or not any(outputs):
        return
    with _LOCK:
        _COUNT[0] += 1
        number = _COUNT[0]
    path = os.path.join(directory, 'outputs', '%05d-%s.out' % (number, re.sub(r'[^\w.-]', '_', name)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # the test that ran it, never the command line (its -e may hold a store URL: an input)
    header = '# %s\n' % os.environ.get('PYTEST_CURRENT_TEST', '')
    with open(path, 'w', encoding='utf-8', errors='replace') as handle:
        handle.write(header)
        for output in outputs:
            if output:
                handle.write(output.decode('utf-8', 'replace') if isinstance(output, bytes) else output)


def _communicate(self, *args, **kwargs):
    outputs = _ORIGINAL_COMMUNICATE(self, *args, **kwargs)
    try:
        _keep(self.args, outputs)
    except OSError:
        pass
    return outputs


# --- the PostgreSQL store's rows -------------------------------------------------------------------------------

def dump_postgres(url, label):
    """Every row of every table of the database at ``url`` into the scan directory (nothing without a scan)."""
    directory = os.environ.get(SCAN_ENV)
    if not directory:
        return
    import sqlalchemy as sa  # pylint: disable=import-outside-toplevel
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            meta = sa.MetaData()
            meta.reflect(bind=connection)
            lines = []
            for table in meta.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    lines.append('row\t%s\t%s' % (table.name, '\t'.join(str(value) for value in row)))
    finally:
        engine.dispose()
    if lines:
        with _LOCK:
            _COUNT[0] += 1
            number = _COUNT[0]
        path = os.path.join(directory, 'postgres-%05d-%s.txt' % (number, re.sub(r'[^\w.-]', '_', label)))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('# %s\n%s\n' % (os.environ.get('PYTEST_CURRENT_TEST', ''), '\n'.join(lines)))


# --- pytest hooks (tests/conftest.py binds them) ----------------------------------------------------------------

def pytest_addoption(parser):
    parser.addoption('--secret-scan', action='store_true', default=False,
                     help='log every Ansible run, keep every output, then scan them and the stores for the '
                          "tests' passwords and tokens; a secret found fails the session (tests/secretscan.py)")


def pytest_sessionstart(session):
    config = session.config
    if not config.getoption('secret_scan'):
        return
    basetemp = config._tmp_path_factory.getbasetemp()  # pylint: disable=protected-access
    directory = os.path.join(str(basetemp), SCAN_DIRNAME)
    os.makedirs(directory, exist_ok=True)
    config.stash[_SAVED] = dict((name, os.environ.get(name)) for name in (SCAN_ENV, 'ANSIBLE_LOG_PATH'))
    os.environ[SCAN_ENV] = directory
    os.environ['ANSIBLE_LOG_PATH'] = os.path.join(directory, 'ansible.log')
    subprocess.Popen.communicate = _communicate


_SAVED = pytest.StashKey()
_RESULT = pytest.StashKey()


def _restore(config):
    saved = config.stash.get(_SAVED, None)
    if saved is None:
        return
    subprocess.Popen.communicate = _ORIGINAL_COMMUNICATE
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    del config.stash[_SAVED]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    config = session.config
    if not config.getoption('secret_scan'):
        return
    _restore(config)
    if hasattr(config, 'workerinput'):  # an xdist worker: the controller scans every worker's tree
        return
    root = str(config._tmp_path_factory.getbasetemp())  # pylint: disable=protected-access
    scan = Scan(known_secrets()).tree(root)
    config.stash[_RESULT] = (root, scan)
    with open(os.path.join(root, 'secret-scan.json'), 'w', encoding='utf-8') as handle:
        json.dump({'files': scan.files, 'by_kind': scan.categories, 'sqlite_rows': scan.sqlite_rows, 'postgres_rows': scan.postgres_rows,
                   'kinds': [secret.kind for secret in scan.secrets],
                   'found': [{'path': path, 'kind': kind, 'where': where} for path, kind, where in scan.findings]},
                  handle, indent=1)
    if scan.findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config):
    _restore(config)


def pytest_terminal_summary(terminalreporter, config):
    result = config.stash.get(_RESULT, None)
    if result is None:
        return
    root, scan = result
    terminalreporter.section('secret scan')
    terminalreporter.write_line('%d output files and databases under %s, %d SQLite rows, %d PostgreSQL rows; '
                                '%d kinds of secret looked for'
                                % (scan.files, root, scan.sqlite_rows, scan.postgres_rows, len(scan.secrets)))
    terminalreporter.write_line('files: ' + ', '.join('%s %d' % (what, count) for what, count in sorted(scan.categories.items())))
    for path, kind, where in scan.findings:
        terminalreporter.write_line('SECRET FOUND: %s in %s (%s)' % (kind, path, where), red=True, bold=True)
    terminalreporter.write_line('secrets found: %d' % len(scan.findings),
                                red=bool(scan.findings), green=not scan.findings)

"""The venv driver's text work on the files openstack-ansible and supervisord really hold."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import venv_driver as vd

OLD, NEW = '/openstack/venvs/nova-31.1.0', '/openstack/venvs/nova-33.0.2'

# What openstack-ansible's systemd_service role writes for nova-compute (os_nova, 2025.1).
OSA_COMPUTE_UNIT = """# Ansible managed

[Unit]
Description=nova-compute service
After=network-online.target
Wants=network-online.target
After=libvirtd.service
Requires=libvirtd.service

[Service]
Type=simple
User=nova
Group=nova

ExecStart=/openstack/venvs/nova-31.1.0/bin/nova-compute
ExecReload=/bin/kill -HUP $MAINPID

# Give a reasonable amount of time for the server to start up/shut down
TimeoutSec=120
Restart=on-failure
RestartSec=2

# This creates a specific slice to operate from. The accounting options give us the ability to see
# resource usage through the `systemd-cgtop` command.
Slice=nova.slice

# Set Accounting
CPUAccounting=True
BlockIOAccounting=True
MemoryAccounting=True
TasksAccounting=True

# Set Sandboxing
PrivateTmp=False
PrivateDevices=False
PrivateNetwork=False
PrivateUsers=False
Environment="PATH=/openstack/venvs/nova-31.1.0/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

[Install]
WantedBy=multi-user.target
"""

# openstack-ansible's uWSGI APIs: the unit starts uWSGI from its own venv, the ini names the service's venv.
OSA_API_UNIT = """[Unit]
Description=nova-api-os-compute service

[Service]
Type=notify
User=nova
Group=nova
ExecStart=/openstack/venvs/uwsgi-31.1.0-python3/bin/uwsgi --autoload --ini /etc/uwsgi/nova-api-os-compute.ini
Environment="PATH=/openstack/venvs/uwsgi-31.1.0-python3/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
KillSignal=SIGQUIT

[Install]
WantedBy=multi-user.target
"""

OSA_API_INI = """# Ansible managed

[uwsgi]
uid = nova
gid = nova

virtualenv = /openstack/venvs/nova-31.1.0
wsgi-file = /openstack/venvs/nova-31.1.0/bin/nova-api-wsgi
http-socket = 127.0.0.2:8774

master = true
enable-threads = true
processes = 4
lazy-apps = true
"""

# The lab's supervisord: three programs from one nova venv, nova-api under uWSGI.
SUPERVISORD = """[supervisord]
nodaemon = true

[program:nova-conductor]
command = /openstack/venvs/nova-31.1.0/bin/nova-conductor --config-file /etc/nova/nova.conf
autostart = false

[program:nova-api]
command = /openstack/venvs/nova-31.1.0/bin/uwsgi --ini /etc/nova/nova-api-uwsgi.ini
environment = PYTHONWARNINGS="ignore"

[program:nova-compute]
command = /openstack/venvs/nova-31.1.0/bin/nova-compute
  --config-file /etc/nova/nova.conf
environment = PATH="/openstack/venvs/nova-31.1.0/bin:/usr/bin"
"""

LAB_API_INI = """[uwsgi]
http-socket = 127.0.0.2:8774
virtualenv = /openstack/venvs/nova-31.1.0
module = nova.wsgi.osapi_compute:application
env = OS_NOVA_CONFIG_DIR=/etc/nova
env = OS_NOVA_CONFIG_FILES=/openstack/venvs/nova-31.1.0/etc/nova/api-paste.ini;nova.conf;nova-api.conf
master = true
"""


def test_osa_compute_unit_switches_execstart_and_path():
    assert vd.unit_exec_start([OSA_COMPUTE_UNIT]) == '/openstack/venvs/nova-31.1.0/bin/nova-compute'
    words = vd.command_words(vd.unit_exec_start([OSA_COMPUTE_UNIT]))
    assert vd.program_venv(words) == OLD and vd.uwsgi_ini(words) is None
    after, changes = vd.replace_venv(OSA_COMPUTE_UNIT, OLD, NEW)
    assert [line for line, _before, _after in changes] == [15, 38]
    assert changes[0][2] == 'ExecStart=/openstack/venvs/nova-33.0.2/bin/nova-compute'
    assert changes[1][2].startswith('Environment="PATH=/openstack/venvs/nova-33.0.2/bin:/usr/local/sbin')
    assert OLD not in after and after.count(NEW) == 2
    # everything else is byte for byte the same
    assert after.replace(NEW, OLD) == OSA_COMPUTE_UNIT
    assert vd.replace_venv(after, OLD, NEW) == (after, [])  # idempotent


def test_osa_uwsgi_api_venv_is_the_ini_one_and_uwsgi_venv_stays():
    words = vd.command_words(vd.unit_exec_start([OSA_API_UNIT]))
    assert vd.uwsgi_ini(words) == '/etc/uwsgi/nova-api-os-compute.ini'
    assert vd.uwsgi_venv(OSA_API_INI) == OLD
    assert vd.replace_venv(OSA_API_UNIT, OLD, NEW) == (OSA_API_UNIT, [])
    after, changes = vd.replace_venv(OSA_API_INI, OLD, NEW)
    assert [c[2] for c in changes] == ['virtualenv = /openstack/venvs/nova-33.0.2',
                                       'wsgi-file = /openstack/venvs/nova-33.0.2/bin/nova-api-wsgi']
    assert vd.venv_references(after, NEW) == [NEW, NEW + '/bin/nova-api-wsgi']


def test_supervisord_only_the_programs_own_section_changes():
    start, end = vd.program_section(SUPERVISORD, 'nova-compute')
    assert vd.supervisord_command(SUPERVISORD, 'nova-compute') == (
        '/openstack/venvs/nova-31.1.0/bin/nova-compute --config-file /etc/nova/nova.conf')
    after, changes = vd.replace_venv(SUPERVISORD, OLD, NEW, start, end)
    assert [c[0] for c in changes] == [13, 15]
    assert '[program:nova-conductor]\ncommand = /openstack/venvs/nova-31.1.0/bin/nova-conductor' in after
    assert 'command = /openstack/venvs/nova-31.1.0/bin/uwsgi' in after
    assert vd.supervisord_command(after, 'nova-compute').startswith(NEW + '/bin/nova-compute')
    assert vd.program_section(SUPERVISORD, 'nova-scheduler') is None
    assert vd.supervisord_command(SUPERVISORD, 'nova-scheduler') is None


def test_lab_api_ini_paths_inside_the_venv_move_too():
    assert vd.uwsgi_venv(LAB_API_INI) == OLD
    assert vd.uwsgi_modules(LAB_API_INI) == ['nova.wsgi.osapi_compute']
    after, changes = vd.replace_venv(LAB_API_INI, OLD, NEW)
    assert len(changes) == 2
    assert vd.venv_references(after, NEW) == [NEW, NEW + '/etc/nova/api-paste.ini']


@pytest.mark.parametrize('text,expected', [
    # a whole path only: neighbours and longer names stay
    ('a=/openstack/venvs/nova-31.1.0-python3/bin', 'a=/openstack/venvs/nova-31.1.0-python3/bin'),
    ('a=/openstack/venvs/nova-31.1.0.bak', 'a=/openstack/venvs/nova-31.1.0.bak'),
    ('a=/openstack/venvs/nova-31.1.00/bin', 'a=/openstack/venvs/nova-31.1.00/bin'),
    ('a=/x/openstack/venvs/nova-31.1.0/bin', 'a=/x/openstack/venvs/nova-31.1.0/bin'),
    # ends of a path: end of line, slash, quote, list separators, spaces
    ('home = /openstack/venvs/nova-31.1.0', 'home = /openstack/venvs/nova-33.0.2'),
    ('home = /openstack/venvs/nova-31.1.0/', 'home = /openstack/venvs/nova-33.0.2/'),
    ('E="VIRTUAL_ENV=/openstack/venvs/nova-31.1.0"', 'E="VIRTUAL_ENV=/openstack/venvs/nova-33.0.2"'),
    ('P=/openstack/venvs/nova-31.1.0/bin:/openstack/venvs/nova-31.1.0/lib;x',
     'P=/openstack/venvs/nova-33.0.2/bin:/openstack/venvs/nova-33.0.2/lib;x'),
])
def test_replace_whole_paths_only(text, expected):
    assert vd.replace_venv(text + '\n', OLD, NEW)[0] == expected + '\n'


def test_drop_in_execstart_wins_and_an_empty_one_resets():
    drop_in = '[Service]\nExecStart=\nExecStart=/openstack/venvs/nova-33.0.2/bin/nova-compute --debug\n'
    assert vd.unit_exec_start([OSA_COMPUTE_UNIT, drop_in]) == '/openstack/venvs/nova-33.0.2/bin/nova-compute --debug'
    assert vd.unit_exec_start([OSA_COMPUTE_UNIT, '[Service]\nExecStart=\n']) is None
    assert vd.unit_exec_start(['[Service]\nExecStart=/v/bin/x \\\n  --a b\n']) == '/v/bin/x --a b'
    assert vd.unit_exec_start(['[Unit]\nExecStart=/v/bin/x\n']) is None


@pytest.mark.parametrize('command,venv,ini', [
    ('/openstack/venvs/nova-31.1.0/bin/nova-compute --config-file x', OLD, None),
    ('-/openstack/venvs/nova-31.1.0/bin/nova-compute', OLD, None),
    ('/openstack/venvs/nova-31.1.0/bin/python3 -u /openstack/venvs/nova-31.1.0/bin/nova-compute', OLD, None),
    ('/v/bin/uwsgi --ini=/etc/k.ini', '/v', '/etc/k.ini'),
    ('/v/bin/uwsgi /etc/k.ini', '/v', '/etc/k.ini'),
    ('/usr/bin/nova-compute', '/usr', None),
    ('nova-compute --config-file x', None, None),
    ('/opt/nova/nova-compute', None, None),
])
def test_program_venv_and_ini(command, venv, ini):
    words = vd.command_words(command)
    assert vd.program_venv(words) == venv
    assert vd.uwsgi_ini(words) == ini


def test_duplicate_program_sections_are_refused():
    with pytest.raises(vd.LayoutError, match=r'names \[program:a\] 2 times'):
        vd.program_section('[program:a]\ncommand=x\n[program:a]\ncommand=y\n', 'a')


def test_unsplittable_command_is_refused():
    with pytest.raises(vd.LayoutError, match='cannot split'):
        vd.command_words('/v/bin/x "unterminated')


@pytest.mark.parametrize('venv,version,expected', [
    ('/openstack/venvs/nova-31.3.1', '33.0.2', '/openstack/venvs/nova-33.0.2'),
    ('/openstack/venvs/nova-31.3.1/', '33.0.2', '/openstack/venvs/nova-33.0.2'),
    ('/srv/venvs/openstack-placement-13.0.1', '15.0.0', '/srv/venvs/openstack-placement-15.0.0'),
])
def test_venv_for_version(venv, version, expected):
    assert vd.venv_for_version(venv, version) == expected


def test_venv_for_version_needs_a_versioned_name():
    with pytest.raises(vd.LayoutError, match='not named <name>-<version>'):
        vd.venv_for_version('/openstack/venvs/uwsgi-31.1.0-python3', '33.0.2')
    assert vd.versioned_name('/opt/venv') is None


def test_uwsgi_keys_only_in_the_uwsgi_section():
    assert vd.uwsgi_venv('[other]\nhome = /a\n[uwsgi]\nprocesses = 1\n') is None
    assert vd.uwsgi_venv('[uwsgi]\nhome=/a/\n') == '/a'
    assert vd.uwsgi_venv('[uwsgi]\npyhome = /b\n') == '/b'
    assert vd.uwsgi_modules('[uwsgi]\nwsgi = keystone.wsgi.api:application\n') == ['keystone.wsgi.api']

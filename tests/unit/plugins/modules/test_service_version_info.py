"""service_version_info on fake /proc trees."""

import os

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.osops.lifecycle.plugins.module_utils._service import processes as _processes
from ansible_collections.osops.lifecycle.plugins.modules import service_version_info

VENVS = '/openstack/venvs'
OWN_NS = 'mnt:[4026531840]'


class FakeProc:
    """A directory shaped like /proc: <pid>/cmdline and <pid>/ns/mnt."""

    def __init__(self, root):
        self.root = root
        self.namespace('self', OWN_NS)

    def process(self, pid, *args, raw=None, ns=OWN_NS):
        directory = self.root / str(pid)
        directory.mkdir()
        (directory / 'cmdline').write_bytes(raw if raw is not None else b''.join(a.encode() + b'\0' for a in args))
        if ns is not None:
            self.namespace(str(pid), ns)
        return directory

    def namespace(self, pid, ns):
        directory = self.root / pid / 'ns'
        directory.mkdir(parents=True)
        os.symlink(ns, directory / 'mnt')

    def args(self, **kwargs):
        return dict(proc_path=str(self.root), **kwargs)


@pytest.fixture
def proc(tmp_path):
    root = tmp_path / 'proc'
    root.mkdir()
    return FakeProc(root)


def nova(version, binary):
    return '%s/nova-%s/bin/%s' % (VENVS, version, binary)


def test_a_controller_and_a_compute(proc, run_module):
    proc.process(1, '/sbin/init')
    proc.process(2, raw=b'')  # a kernel thread
    proc.process(100, nova('32.2.1', 'python3'), nova('32.2.1', 'nova-conductor'), '--config-file',
                 '/etc/nova/nova.conf')
    proc.process(101, nova('32.2.1', 'python3'), nova('32.2.1', 'nova-scheduler'))
    proc.process(102, nova('32.2.1', 'uwsgi'), '--ini', '/etc/nova/nova-api-uwsgi.ini')
    proc.process(103, nova('32.2.1', 'uwsgi'), '--ini', '/etc/nova/nova-api-uwsgi.ini')  # a worker
    proc.process(110, VENVS + '/keystone-27.0.0/bin/uwsgi', '--ini', '/etc/keystone/keystone-uwsgi.ini')
    proc.process(120, VENVS + '/neutron-27.0.1/bin/neutron-server', '--config-file', '/etc/neutron/neutron.conf')
    proc.process(130, '/usr/bin/python3', VENVS + '/placement-14.0.0/bin/placement-api')
    proc.process(140, '/usr/sbin/mariadbd', '--defaults-file=/etc/mysql/my.cnf')  # not from a venv
    proc.process(141, '/usr/bin/python3', '/root/.ansible/tmp/AnsiballZ_setup.py')  # not a service
    proc.process(142, nova('32.2.1', 'python3'), '-c', 'import nova')  # the venv's python, no service
    proc.process(143, '/bin/sh', '-c', nova('31.3.1', 'nova-compute'))  # a shell, not the service
    result = run_module(service_version_info.main, proc.args(venvs_dir=VENVS))
    assert (result['_rc'], result['changed']) == (0, False)
    assert result['projects'] == {'keystone': ['27.0.0'], 'neutron': ['27.0.1'], 'nova': ['32.2.1'],
                                  'placement': ['14.0.0']}
    assert result['host_versions_entry'] == {'keystone': '27.0.0', 'neutron': '27.0.1', 'nova': '32.2.1',
                                             'placement': '14.0.0'}
    assert [(p['pid'], p['project'], p['version'], p['binary']) for p in result['processes']] == [
        (100, 'nova', '32.2.1', 'nova-conductor'), (101, 'nova', '32.2.1', 'nova-scheduler'),
        (102, 'nova', '32.2.1', 'uwsgi'), (103, 'nova', '32.2.1', 'uwsgi'),
        (110, 'keystone', '27.0.0', 'uwsgi'), (120, 'neutron', '27.0.1', 'neutron-server'),
        (130, 'placement', '14.0.0', 'placement-api')]
    assert result['processes'][0]['venv'] == VENVS + '/nova-32.2.1'
    assert (result['notes'], result['unreadable']) == ([], 0)
    assert 'warnings' not in result


def test_two_versions_of_nova_report_the_lowest(proc, run_module, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    proc.process(200, nova('32.2.1', 'nova-compute'))
    proc.process(201, nova('31.3.1', 'python3.12'), '-u', nova('31.3.1', 'nova-compute'))
    proc.process(202, nova('32.2.1', 'nova-api-metadata'))
    result = run_module(service_version_info.main, proc.args(), check_mode=True)
    assert result['projects'] == {'nova': ['31.3.1', '32.2.1']}
    assert result['host_versions_entry'] == {'nova': '31.3.1'}
    assert result['notes'] == [
        'nova runs 2 versions on this host (31.3.1: nova-compute; 32.2.1: nova-api-metadata, nova-compute); '
        'host_versions_entry reports the lowest, 31.3.1: restart the services still on the old venv or '
        'finish the upgrade.']
    assert warned == result['notes']


def test_versions_order_as_versions_not_text(proc, run_module):
    proc.process(1, nova('9.0.0', 'nova-compute'))
    proc.process(2, nova('10.0.0', 'nova-compute'))
    proc.process(3, nova('10.0.0.0rc1', 'nova-compute'))
    result = run_module(service_version_info.main, proc.args())
    assert result['projects'] == {'nova': ['9.0.0', '10.0.0.0rc1', '10.0.0']}
    assert result['host_versions_entry'] == {'nova': '9.0.0'}


@pytest.mark.parametrize('raw', [
    b'\xff\xfe\x00garbage\x00',
    b'\x00\x00\x00',
    b'/openstack/venvs/nova/bin/nova-compute\x00',  # no version in the venv name
    b'/openstack/venvs/nova-latest/bin/nova-compute\x00',  # not a version
    b'/openstack/venvs/nova-32.2.1/nova-compute\x00',  # not in bin/
    b'/openstack/venvs/nova-32.2.1/bin/sub/nova-compute\x00',
    b'/openstack/venvs/nova-32.2.1/bin/\x00',
    b'/openstack/venvs/32.2.1/bin/nova-compute\x00',  # no project
    b'/other/venvs/nova-32.2.1/bin/nova-compute\x00',  # another directory
    b'openstack/venvs/nova-32.2.1/bin/nova-compute\x00',  # relative
    b'/openstack/venvs/nova-32.2.1/../nova-33.0.0/bin/x/../../../../etc/passwd\x00',
    b'/usr/bin/python3\x00-m\x00/openstack/venvs/nova-32.2.1/bin/nova-compute\x00',
    b'/usr/bin/python3\x00',
])
def test_garbage_and_other_command_lines_are_ignored(proc, run_module, raw):
    proc.process(300, raw=raw)
    result = run_module(service_version_info.main, proc.args())
    assert (result['_rc'], result['projects'], result['processes'], result['unreadable']) == (0, {}, [], 0)


def test_a_retitled_process_is_split_on_spaces(proc, run_module):
    proc.process(400, raw=b'/openstack/venvs/neutron-27.0.1/bin/python3 '
                          b'/openstack/venvs/neutron-27.0.1/bin/neutron-server --config-file x\x00')
    result = run_module(service_version_info.main, proc.args())
    assert result['processes'] == [{'pid': 400, 'project': 'neutron', 'version': '27.0.1',
                                    'binary': 'neutron-server', 'venv': VENVS + '/neutron-27.0.1'}]


def test_vanished_and_unreadable_processes_are_skipped(proc, run_module):
    proc.process(500, nova('32.2.1', 'nova-compute'))
    (proc.root / '501').mkdir()  # ended between the listing and the read: no cmdline any more
    unreadable = proc.process(502, nova('31.3.1', 'nova-compute'))
    (unreadable / 'cmdline').unlink()
    (unreadable / 'cmdline').mkdir()  # reading it fails (EISDIR), as a permission error would
    (proc.root / 'self' / 'cmdline').write_bytes(nova('30.0.0', 'nova-compute').encode() + b'\0')
    (proc.root / 'sys').mkdir()  # not a process
    result = run_module(service_version_info.main, proc.args())
    assert result['projects'] == {'nova': ['32.2.1']}
    assert result['unreadable'] == 2


def test_processes_of_other_mount_namespaces_are_not_this_hosts(proc, run_module):
    proc.process(600, nova('32.2.1', 'nova-compute'))
    proc.process(601, nova('31.3.1', 'nova-compute'), ns='mnt:[4026532000]')  # a container, another lab host
    proc.process(602, VENVS + '/glance-31.0.0/bin/glance-api', ns=None)  # namespace unreadable: counted
    result = run_module(service_version_info.main, proc.args())
    assert result['projects'] == {'glance': ['31.0.0'], 'nova': ['32.2.1']}
    every = run_module(service_version_info.main, proc.args(same_mount_namespace=False))
    assert every['projects'] == {'glance': ['31.0.0'], 'nova': ['31.3.1', '32.2.1']}


def test_a_proc_path_that_cannot_be_listed_fails_clearly(tmp_path, run_module):
    result = run_module(service_version_info.main, {'proc_path': str(tmp_path / 'nope')})
    assert result['failed'] is True
    assert result['msg'] == 'Cannot list the processes in %s: No such file or directory.' % (tmp_path / 'nope')


def test_a_trailing_slash_in_venvs_dir(proc, run_module):
    proc.process(700, nova('32.2.1', 'nova-compute'))
    result = run_module(service_version_info.main, proc.args(venvs_dir=VENVS + '/'))
    assert result['projects'] == {'nova': ['32.2.1']}


def test_the_real_proc_of_this_machine(run_module):
    if not os.path.isdir('/proc/self'):
        pytest.skip('no /proc here')
    result = run_module(service_version_info.main, {'venvs_dir': '/nonexistent/venvs'})
    assert (result['_rc'], result['projects'], result['processes']) == (0, {}, [])


@pytest.mark.parametrize('versions', [
    ['9.0.0', '10.0.0.0rc1', '10.0.0', '10.0.1.dev3', '10.0.1', '10.0.1.post1', '10.1', '2025.1'],
    ['31.0.0a1', '31.0.0b2', '31.0.0rc1', '31.0.0'],
])
def test_without_packaging_versions_order_the_same(monkeypatch, versions):
    with_packaging = sorted(reversed(versions), key=_processes.version_key)
    monkeypatch.setattr(_processes, 'Version', None)
    assert sorted(reversed(versions), key=_processes.version_key) == with_packaging == versions
    assert _processes.version_key('latest') is None
    assert _processes.version_key('32.2.1-1ubuntu') is None


def test_without_packaging_the_module_works(proc, run_module, monkeypatch):
    monkeypatch.setattr(_processes, 'Version', None)
    proc.process(1, nova('32.2.1', 'nova-compute'))
    proc.process(2, nova('31.3.1', 'nova-compute'))
    proc.process(3, VENVS + '/nova-latest/bin/nova-compute')
    result = run_module(service_version_info.main, proc.args())
    assert result['host_versions_entry'] == {'nova': '31.3.1'}


def test_installed_lists_the_venvs_whether_they_run_or_not(proc, run_module, tmp_path):
    venvs = tmp_path / 'venvs'
    for name in ('nova-33.0.2', 'nova-31.3.1', 'nova-32.2.1', 'keystone-29.1.0', 'neutron-fwaas-22.0.0'):
        (venvs / name / 'bin').mkdir(parents=True)
    (venvs / 'glance-31.0.0').write_text('a file, not a venv')
    (venvs / 'nova-latest').mkdir()  # no version
    (venvs / 'Nova-1.0.0').mkdir()  # not a project name
    (tmp_path / 'placement-15.0.0').mkdir()
    os.symlink(tmp_path / 'placement-15.0.0', venvs / 'placement-15.0.0')  # a link to a venv counts
    proc.process(1, str(venvs / 'nova-32.2.1' / 'bin' / 'nova-compute'))
    result = run_module(service_version_info.main, proc.args(venvs_dir=str(venvs)))
    assert result['projects'] == {'nova': ['32.2.1']}
    assert [(v['project'], v['version'], v['path']) for v in result['installed']] == [
        ('keystone', '29.1.0', str(venvs / 'keystone-29.1.0')),
        ('neutron-fwaas', '22.0.0', str(venvs / 'neutron-fwaas-22.0.0')),
        ('nova', '31.3.1', str(venvs / 'nova-31.3.1')),
        ('nova', '32.2.1', str(venvs / 'nova-32.2.1')),
        ('nova', '33.0.2', str(venvs / 'nova-33.0.2')),
        ('placement', '15.0.0', str(venvs / 'placement-15.0.0'))]


def test_installed_is_empty_without_the_venvs_dir_and_an_unreadable_one_fails(proc, run_module, tmp_path, monkeypatch):
    result = run_module(service_version_info.main, proc.args(venvs_dir=str(tmp_path / 'none')))
    assert (result['_rc'], result['installed']) == (0, [])

    def refuse(path):
        raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(_processes.os, 'scandir', refuse)
    result = run_module(service_version_info.main, proc.args(venvs_dir=str(tmp_path)))
    assert result['failed'] is True
    assert result['msg'] == ('Cannot list the venvs in %s: Permission denied. Give venvs_dir a directory this user '
                             'can read.' % tmp_path)

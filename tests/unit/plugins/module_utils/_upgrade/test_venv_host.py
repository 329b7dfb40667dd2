"""Venvs on disk, the venvs of processes, and finding the host's supervisord (on made-up /proc trees)."""

import os

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import process_managers, venv_host


def venv(root, name, dist=None):
    path = root / name
    (path / 'bin').mkdir(parents=True)
    (path / 'pyvenv.cfg').write_text('home = /usr/bin\n')
    if dist:
        (path / 'lib' / 'python3.11' / 'site-packages' / dist).mkdir(parents=True)
    return path


def proc(root, pid, cmdline, mnt='mnt:[1]', maps='', cwd='/', ppid=1):
    entry = root / str(pid)
    (entry / 'ns').mkdir(parents=True)
    (entry / 'cmdline').write_bytes('\0'.join(cmdline).encode() + b'\0')
    (entry / 'maps').write_text(maps)
    (entry / 'stat').write_text('%d (x y) S %d 0 0\n' % (pid, ppid))
    os.symlink(mnt, entry / 'ns' / 'mnt')
    os.symlink(cwd, entry / 'cwd')
    return entry


@pytest.fixture
def procfs(tmp_path):
    root = tmp_path / 'proc'
    (root / 'self' / 'ns').mkdir(parents=True)
    os.symlink('mnt:[1]', root / 'self' / 'ns' / 'mnt')
    return root


def test_versions_from_dist_info_then_the_name(tmp_path):
    assert venv_host.venv_version(str(venv(tmp_path, 'nova-31.3.1', 'nova-31.3.1.dist-info'))) == '31.3.1'
    # placement's distribution is openstack-placement; openstack-ansible tags venvs with its own version
    assert venv_host.venv_version(str(venv(tmp_path, 'placement-31.0.0', 'openstack_placement-13.0.1.dist-info'))) \
        == '13.0.1'
    assert venv_host.venv_version(str(venv(tmp_path, 'keystone-27.1.0'))) == '27.1.0'
    assert venv_host.venv_version(str(venv(tmp_path, 'tools'))) is None
    assert venv_host.venv_version('/nowhere/glance-30.2.0') == '30.2.0'


def test_same_venv_through_a_symlink(tmp_path):
    real = venv(tmp_path, 'nova-31.3.1')
    os.symlink(real, tmp_path / 'link')
    assert venv_host.same_venv(str(tmp_path / 'link'), str(real))
    assert not venv_host.same_venv(str(real), str(venv(tmp_path, 'nova-33.0.2')))
    assert venv_host.same_venv('/nowhere/a/', '/nowhere/a') and not venv_host.same_venv('/nowhere/a', '/nowhere/b')


def test_process_venvs_from_command_lines_and_maps(tmp_path, procfs):
    nova = venv(tmp_path, 'nova-31.3.1')
    uwsgi = venv(tmp_path, 'uwsgi-31.1.0-python3')
    keystone = venv(tmp_path, 'keystone-27.1.0')
    proc(procfs, 10, ['/usr/bin/python3.11', '%s/bin/nova-compute' % nova, '--config-file', '/etc/nova/nova.conf'])
    # openstack-ansible's uWSGI: the master names uWSGI's venv, the worker maps the application's
    proc(procfs, 20, ['%s/bin/uwsgi' % uwsgi, '--ini', '/etc/uwsgi/keystone.ini'])
    proc(procfs, 21, ['%s/bin/uwsgi' % uwsgi], ppid=20, maps=(
        '7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n'
        '7f02-7f03 r-xp 00000000 08:01 43 %s/lib/python3.11/site-packages/_cffi_backend.so\n'
        '7f04-7f05 rw-p 00000000 00:00 0 [heap]\n' % keystone))
    proc(procfs, 22, ['sleep', '1'], ppid=21)
    # a title set with setproctitle: one argument with spaces
    proc(procfs, 30, ['nova-scheduler: master process [%s/bin/nova-scheduler --config-file x]' % nova])
    assert venv_host.process_venvs([30], str(procfs)) == [str(nova)]
    assert venv_host.descendants(20, str(procfs)) == [20, 21, 22]
    assert venv_host.process_venvs([10], str(procfs)) == [str(nova)]
    found = venv_host.process_venvs(venv_host.descendants(20, str(procfs)), str(procfs))
    assert found == [str(uwsgi), str(keystone)]
    assert venv_host.runs_venv(found, str(keystone)) and not venv_host.runs_venv(found, str(nova))
    assert venv_host.process_venvs([99], str(procfs)) == []  # gone: nothing, no error
    # the lab: the interpreter shows the venv's real path, the script the path the service's files name
    (tmp_path / 'view').mkdir()
    os.symlink(nova, tmp_path / 'view' / 'nova-31.3.1')
    view = tmp_path / 'view' / 'nova-31.3.1'
    proc(procfs, 11, ['%s/bin/python3.11' % nova, '%s/bin/nova-compute' % view])
    assert venv_host.process_venvs([11], str(procfs)) == [str(view)]


def test_venv_command(tmp_path):
    keystone = venv(tmp_path, 'keystone-29.1.0')
    manage = keystone / 'bin' / 'keystone-manage'
    manage.write_text('#!/bin/sh\n')
    manage.chmod(0o755)
    assert venv_host.venv_command(str(keystone), ['keystone-manage', 'db_sync', '--expand'],
                                  ['/etc/keystone/keystone.conf']) == (
        [str(manage), '--config-file', '/etc/keystone/keystone.conf', 'db_sync', '--expand'], None)
    command, problem = venv_host.venv_command(str(keystone), ['glance-manage'])
    assert command == [str(keystone / 'bin' / 'glance-manage')] and 'is not an executable' in problem
    command, problem = venv_host.venv_command(str(tmp_path / 'nova-1'), ['/bin/true'])
    assert command == ['/bin/true'] and problem.startswith('venv %s does not exist' % (tmp_path / 'nova-1'))


def test_running_supervisord_of_this_mount_namespace(tmp_path, procfs):
    conf = tmp_path / 'etc' / 'supervisord.conf'
    conf.parent.mkdir()
    conf.write_text('')
    # another lab host's supervisord: another mount namespace
    proc(procfs, 5, ['/opt/tools/bin/python', '/opt/tools/bin/supervisord', '-n', '-c', '/other.conf'], mnt='mnt:[2]')
    assert process_managers.running_supervisord(str(procfs)) is None
    proc(procfs, 7, ['/usr/bin/python3', '/usr/bin/supervisord', '-n', '-c', 'supervisord.conf'], cwd=str(conf.parent))
    assert process_managers.running_supervisord(str(procfs)) == (str(conf), '/usr/bin/supervisorctl')


def test_supervisord_program_in_an_included_file(tmp_path):
    (tmp_path / 'conf.d').mkdir()
    (tmp_path / 'conf.d' / 'nova.conf').write_text('[program:nova-compute]\ncommand = /v/bin/nova-compute\n')
    main = tmp_path / 'supervisord.conf'
    main.write_text('[supervisord]\nnodaemon = true\n\n[include]\nfiles = conf.d/*.conf other/*.conf\n')
    manager = process_managers.Supervisord(None, 'nova-compute', str(main), '/usr/bin/supervisorctl')
    ((path, _text, first, end),) = manager.files()
    assert (path, first, end) == (str(tmp_path / 'conf.d' / 'nova.conf'), 0, 2)
    assert manager.command() == '/v/bin/nova-compute'


def test_manager_errors_name_the_command(tmp_path):
    manager = process_managers.Supervisord(lambda args: (2, '', 'refused connection\n'), 'x', '/c', '/bin/ctl')
    with pytest.raises(process_managers.ManagerError, match=r"^/bin/ctl -c /c reread failed on .* \(rc 2\): refused"):
        manager.reload()
    with pytest.raises(process_managers.ManagerError, match=r'status x failed on .* \(rc 2\)'):
        manager.status()


def test_process_age(tmp_path, procfs):
    assert 0 <= venv_host.process_age(os.getpid()) < 24 * 3600 * 365
    (procfs / 'uptime').write_text('1000.50 1900.00\n')
    entry = proc(procfs, 40, ['x'])
    ticks = os.sysconf('SC_CLK_TCK')
    (entry / 'stat').write_text('40 (a) b) S 1' + ' 0' * 17 + ' %d 0 0\n' % (990 * ticks))
    assert venv_host.process_age(40, str(procfs)) == pytest.approx(10.5)
    assert venv_host.process_age(41, str(procfs)) is None
    (entry / 'stat').write_text('40 (a) S 1\n')
    assert venv_host.process_age(40, str(procfs)) is None


class Ctl:
    """supervisorctl answers in order: (verb, rc, output); ``status`` answers come from ``states``."""

    def __init__(self, answers, states):
        self.answers, self.states, self.verbs = list(answers), list(states), []

    def __call__(self, args):
        verb = args[3]
        self.verbs.append(verb)
        if verb == 'status':
            state, pid = self.states.pop(0)
            return (0 if state == 'RUNNING' else 3), 'x %s   pid %s, uptime 0:00:01\n' % (state, pid), ''
        if verb == 'tail':
            return 0, 'Address already in use\n', ''
        expected, rc, out = self.answers.pop(0)
        assert verb == expected, (verb, expected)
        return rc, out, ''


def supervisord(ctl):
    manager = process_managers.Supervisord(ctl, 'x', '/c', '/bin/ctl')
    manager.sleep = lambda seconds: ctl.verbs.append('sleep %s' % seconds)
    return manager


def test_a_spawn_error_right_after_the_stop_is_started_again():
    ctl = Ctl([('update', 0, ''), ('restart', 7, 'x: stopped\nx: ERROR (spawn error)\n'), ('start', 0, 'x: started\n')],
              [('RUNNING', 10), ('RUNNING', 10), ('FATAL', None), ('RUNNING', 12)])
    assert supervisord(ctl).restart()['pid'] == 12
    assert ctl.verbs == ['status', 'update', 'status', 'restart', 'status', 'sleep 2.0', 'start', 'status']


def test_a_program_that_never_starts_fails_naming_the_attempts():
    spawn = 'x: ERROR (spawn error)\n'
    ctl = Ctl([('update', 0, ''), ('restart', 7, spawn), ('start', 7, spawn), ('start', 7, spawn)],
              [('RUNNING', 10), ('RUNNING', 10), ('FATAL', None), ('FATAL', None), ('FATAL', None)])
    with pytest.raises(process_managers.ManagerError) as raised:
        supervisord(ctl).restart()
    assert 'did not start x (FATAL) in 3 attempts: x: ERROR (spawn error)' in raised.value.msg
    assert raised.value.msg.endswith('its output ends with: Address already in use')
    assert ctl.verbs.count('sleep 2.0') == 2

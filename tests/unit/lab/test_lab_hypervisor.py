"""The lab's hypervisor (osops_lab/hypervisor.py): written into a nova venv once, and its driver taking the
host's guests from nova's records at start. nova itself is not installed here: the driver's code runs
against stand-ins of the four nova names it uses; the lab tier runs it in the real nova-compute."""

import sys
import types

import pytest

from osops_lab import hypervisor, services
from osops_lab.hosts import Host
from osops_lab.paths import LabPaths

NOSTATE, RUNNING, SHUTDOWN = 0, 1, 4


def nova_venv(tmp_path):
    virt = tmp_path / 'venv' / 'lib' / 'python3.11' / 'site-packages' / 'nova' / 'virt'
    virt.mkdir(parents=True)
    return tmp_path / 'venv', virt


def test_written_once_into_nova_virt(tmp_path):
    venv, virt = nova_venv(tmp_path)
    assert hypervisor.install(venv) is True
    assert (virt / 'osops_lab_fake.py').read_text() == hypervisor.SOURCE
    assert hypervisor.install(venv) is False  # already there: nothing written
    (virt / 'osops_lab_fake.py').write_text('# an older driver\n')
    assert hypervisor.install(venv) is True and (virt / 'osops_lab_fake.py').read_text() == hypervisor.SOURCE
    assert hypervisor.COMPUTE_DRIVER == 'osops_lab_fake.GuestsKeptDriver'  # nova.virt.<module>.<class>


def test_a_venv_without_nova_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match='holds no nova/virt package'):
        hypervisor.install(tmp_path)


def test_every_compute_runs_it(tmp_path):
    paths = LabPaths(home=tmp_path / 'run', cache=tmp_path / 'cache')
    compute = Host('compute1', services.host_address(1), ('compute',), paths)
    conf = services.nova_conf(compute, {'log_file': 'nova-compute.log'})
    assert f'compute_driver = {hypervisor.COMPUTE_DRIVER}' in conf


@pytest.fixture
def fake_nova(monkeypatch):
    """Stand-ins of nova.context, nova.objects, nova.compute.power_state and nova.virt.fake."""
    records = []

    class FakeInstance:
        def __init__(self, name, state, uuid):
            self.name, self.state, self.uuid = name, state, uuid

    class FakeDriverWithoutFakeNodes:
        def __init__(self):
            self.instances = {}
            self.hosts = []

        def init_host(self, host):
            self.hosts.append(host)

    class InstanceList:
        @staticmethod
        def get_by_host(context, host):
            assert context == 'admin-context'
            return [r for r in records if r.host == host]

    modules = {
        'nova': types.ModuleType('nova'),
        'nova.context': types.SimpleNamespace(get_admin_context=lambda: 'admin-context'),
        'nova.objects': types.SimpleNamespace(InstanceList=InstanceList),
        'nova.compute': types.ModuleType('nova.compute'),
        'nova.compute.power_state': types.SimpleNamespace(NOSTATE=NOSTATE),
        'nova.virt': types.ModuleType('nova.virt'),
        'nova.virt.fake': types.SimpleNamespace(FakeInstance=FakeInstance,
                                                FakeDriverWithoutFakeNodes=FakeDriverWithoutFakeNodes),
    }
    modules['nova'].context = modules['nova.context']
    modules['nova'].objects = modules['nova.objects']
    modules['nova.compute'].power_state = modules['nova.compute.power_state']
    modules['nova.virt'].fake = modules['nova.virt.fake']
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    namespace = {}
    exec(compile(hypervisor.SOURCE, hypervisor.MODULE, 'exec'), namespace)  # pylint: disable=exec-used
    return namespace['GuestsKeptDriver'], records, FakeInstance


def record(uuid, host, power_state):
    return types.SimpleNamespace(uuid=uuid, name=f'instance-{uuid}', host=host, power_state=power_state)


def test_the_guests_of_the_host_come_back_in_their_power_state(fake_nova):
    driver_class, records, fake_instance = fake_nova
    records += [record('a', 'compute1', RUNNING), record('b', 'compute1', SHUTDOWN),
                record('c', 'compute1', NOSTATE), record('d', 'compute2', RUNNING), record('e', 'compute1', RUNNING)]
    driver = driver_class()
    driver.instances['e'] = fake_instance('instance-e', SHUTDOWN, 'e')  # one the driver already runs: kept as is
    driver.init_host('compute1')
    assert driver.hosts == ['compute1']  # nova's own init_host ran first
    assert {uuid: (i.name, i.state) for uuid, i in driver.instances.items()} == {
        'a': ('instance-a', RUNNING), 'b': ('instance-b', SHUTDOWN), 'e': ('instance-e', SHUTDOWN)}
    # NOSTATE (nova saw no guest): none is made up; another host's: not this one's


def test_a_nova_venv_without_nova_is_a_clear_install_error(tmp_path):
    from osops_lab import install
    from osops_lab.releases import RELEASES

    paths = LabPaths(home=tmp_path / 'run', cache=tmp_path / 'cache')
    spec = RELEASES['2025.1'].nova
    venv = install.venv_path(paths, spec)
    venv.mkdir(parents=True)
    (venv / install.MARKER).write_text(install._digest(spec) + '\n')  # pylint: disable=protected-access
    with pytest.raises(install.InstallError, match=r'holds no nova/virt package: remove .* and run `labctl install` again'):
        install.ensure_venvs(paths, (spec,), log=lambda message: None)

"""The lab's hypervisor: nova's fake virt driver, whose guests outlive a restart of nova-compute.

``nova.virt.fake`` keeps its guests in the memory of the nova-compute process. Restarted (a rolling
upgrade, a rollback, a crash), it finds none, and nova's power state sync then records every instance
of the host as NOSTATE ("pending"): nova refuses to live-migrate them, which no real cloud shows after
an upgrade of nova-compute, since a real hypervisor keeps running its guests. ``GuestsKeptDriver`` takes
the host's guests from nova's records when nova-compute starts, each in the power state nova last saw.

nova loads a ``compute_driver`` from ``nova.virt`` only, so the driver is written into ``nova/virt/`` of
every nova venv the lab installs (``labctl up``/``install``); nova.conf names it
``osops_lab_fake.GuestsKeptDriver``. It uses what every nova of the lab's releases has (2024.1-2026.2):
``FakeDriverWithoutFakeNodes``, ``FakeInstance(name, state, uuid)`` and ``InstanceList.get_by_host``.
"""
from __future__ import annotations

from pathlib import Path

COMPUTE_DRIVER = "osops_lab_fake.GuestsKeptDriver"
MODULE = "osops_lab_fake.py"

SOURCE = '''"""The osops lab's hypervisor (written by labctl): nova's fake driver whose guests outlive a
restart of nova-compute, taken from nova's records in the power state nova last saw."""
from nova import context as nova_context
from nova import objects
from nova.compute import power_state
from nova.virt import fake


class GuestsKeptDriver(fake.FakeDriverWithoutFakeNodes):

    def init_host(self, host):
        super().init_host(host)
        ctxt = nova_context.get_admin_context()
        for instance in objects.InstanceList.get_by_host(ctxt, host):
            if instance.uuid not in self.instances and instance.power_state != power_state.NOSTATE:
                self.instances[instance.uuid] = fake.FakeInstance(
                    instance.name, instance.power_state, instance.uuid)
'''


def install(venv: Path) -> bool:
    """Write the driver into the nova venv at ``venv`` unless it is there already; True when written."""
    packages = sorted(venv.glob("lib/python3*/site-packages/nova/virt"))
    if not packages:
        raise FileNotFoundError(f"{venv} holds no nova/virt package")
    target = packages[0] / MODULE
    if target.is_file() and target.read_text() == SOURCE:
        return False
    target.write_text(SOURCE)
    return True

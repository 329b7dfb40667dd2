"""Make ``ansible_collections.osops.lifecycle`` importable; shared fixtures.

The collection is exposed through a link tree under ``.cache/collections``
(git-ignored), so unit tests import it by its real name without installing it.
"""

import os
import sys

import pytest
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'osops', 'lifecycle')


def _link_tree():
    # When the checkout itself sits at .../ansible_collections/osops/lifecycle
    # (ansible-test's layout), use that tree.
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:
        return os.sep.join(parts[:-3])
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(ROOT, LINK)
        except FileExistsError:
            pass
    return COLLECTIONS


sys.path.insert(0, _link_tree())

CELL0 = '00000000-0000-0000-0000-000000000000'


def _tables(meta):
    def table(name, *columns):
        sa.Table(name, meta, sa.Column('id', sa.Integer, primary_key=True), *columns,
                 sa.Column('deleted', sa.Integer, server_default='0'))

    def text(*names):
        return [sa.Column(name, sa.String(255)) for name in names]

    table('services', *text('host', 'binary'), sa.Column('version', sa.Integer),
          sa.Column('forced_down', sa.Boolean, default=False))
    table('compute_nodes', *text('host', 'hypervisor_hostname'),
          *[sa.Column(name, sa.Float, server_default='1.0') for name in ('ram_allocation_ratio', 'cpu_allocation_ratio', 'disk_allocation_ratio')])
    table('instances', *text('uuid', 'host', 'node', 'availability_zone', 'display_name'),
          sa.Column('compute_id', sa.Integer), sa.Column('created_at', sa.DateTime))
    # the JSON columns of serialized nova objects (nova.db.main.models.InstanceExtra)
    table('instance_extra', *text('instance_uuid'), *[sa.Column(name, sa.Text) for name in (
        'numa_topology', 'pci_requests', 'flavor', 'vcpu_model', 'migration_context', 'keypairs', 'device_metadata',
        'trusted_certs', 'resources')])
    table('instance_system_metadata', *text('instance_uuid', 'key'), sa.Column('value', sa.Text))
    # what nova's online data migrations read (nova/cmd/manage.py online_migrations)
    for name in ('quotas', 'project_user_quotas', 'quota_classes'):
        table(name, *text('project_id', 'resource'))
    for name in ('migrations', 'block_device_mapping', 'pci_devices'):
        table(name, *text('uuid'))
    table('virtual_interfaces', *text('uuid', 'instance_uuid', 'tag'), sa.Column('created_at', sa.DateTime))
    table('instance_info_caches', *text('instance_uuid'), sa.Column('network_info', sa.Text))


class NovaDatabases:
    """An API database, cell0 and cell1, and a nova.conf naming them."""

    def __init__(self, path):
        self.path = path
        self.api = 'sqlite:///%s' % (path / 'nova_api.sqlite')
        self.cell0 = 'sqlite:///%s' % (path / 'nova_cell0.sqlite')
        self.cell1 = 'sqlite:///%s' % (path / 'nova.sqlite')
        api_meta = sa.MetaData()
        sa.Table('cell_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('uuid', sa.String(36)), sa.Column('name', sa.String(255)),
                 sa.Column('database_connection', sa.Text))
        sa.Table('host_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('host', sa.String(255)))
        sa.Table('instance_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('instance_uuid', sa.String(36)), sa.Column('cell_id', sa.Integer),
                 sa.Column('project_id', sa.String(255)), sa.Column('user_id', sa.String(255)),
                 sa.Column('queued_for_delete', sa.Boolean))
        sa.Table('request_specs', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('instance_uuid', sa.String(36)), sa.Column('spec', sa.Text))
        api_meta.create_all(sa.create_engine(self.api))
        for url in (self.cell0, self.cell1):
            meta = sa.MetaData()
            _tables(meta)
            meta.create_all(sa.create_engine(url))
        self.conf = path / 'nova.conf'
        self.conf.write_text('[api_database]\nconnection = %s\n[database]\nconnection = %s\n'
                             '[upgrade_levels]\n' % (self.api, self.cell1))
        self.cell1_mapping = self.cell1

    def insert(self, url, table, **values):
        engine = sa.create_engine(url)
        meta = sa.MetaData()
        tbl = sa.Table(table, meta, autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(tbl.insert().values(**values))

    def map_cells(self, cell0=True, cell1=True):
        if cell0:
            self.insert(self.api, 'cell_mappings', uuid=CELL0, name='cell0', database_connection=self.cell0)
        if cell1:
            self.insert(self.api, 'cell_mappings', uuid='c1c1c1c1-0000-0000-0000-000000000001',
                        name='cell1', database_connection=self.cell1_mapping)

    def args(self, **extra):
        args = {'config_files': [str(self.conf)]}
        args.update(extra)
        return args


@pytest.fixture
def nova(tmp_path):
    return NovaDatabases(tmp_path)


@pytest.fixture(scope='session')
def kolla_inventory():
    """Path of an inventory (``multinode``, ``all-in-one``) that the installed kolla-ansible ships.

    kolla-ansible is installed from PyPI without its dependencies (test-requirements-nodeps.txt):
    the test reads kolla's own files, never a copy.
    """
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        dist = distribution('kolla-ansible')
    except PackageNotFoundError:
        pytest.fail('kolla-ansible is not installed: run make setup (test-requirements-nodeps.txt)')
    shipped = dict((str(f).rsplit('/', 1)[-1], str(dist.locate_file(f))) for f in dist.files
                   if '/ansible/inventory/' in str(f))

    def path(name):
        assert name in shipped, 'kolla-ansible %s ships no inventory %s (it has %s)' % (
            dist.version, name, ', '.join(sorted(shipped)))
        return shipped[name]
    return path

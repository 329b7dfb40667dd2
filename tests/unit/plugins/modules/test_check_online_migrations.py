"""check_online_migrations on SQLite databases shaped like nova's: each migration's rows counted, nothing written."""

import datetime
import json
import os

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_migrations import MARKER_UUID, ONLINE_MIGRATIONS
from ansible_collections.osops.lifecycle.plugins.modules import check_online_migrations

NAME = 'Online data migrations'


def run(nova, run_module):
    result = run_module(check_online_migrations.main, nova.args())
    assert result['changed'] is False, result
    (check,) = result['upgrade_checks']
    assert (check['project'], check['name']) == ('nova', NAME)
    return check, result['online_migrations']


def test_nova_manage_list_is_the_one_of_every_known_release():
    """nova/cmd/manage.py online_migrations, nova 29.x to 34.x (the same eleven, in this order)."""
    assert [m.name for m in ONLINE_MIGRATIONS] == [
        'migrate_quota_limits_to_api_db', 'migrate_quota_classes_to_api_db', 'migration_migrate_to_uuid', 'populate_uuids',
        'populate_missing_availability_zones', 'populate_queued_for_delete', 'migrate_empty_ratio',
        'fill_virtual_interface_list', 'populate_user_id', 'populate_dev_uuids', 'populate_instance_compute_id']


def test_nothing_left_is_success(nova, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'compute_nodes', host='compute1', hypervisor_hostname='compute1')
    nova.insert(nova.cell1, 'instances', uuid='i1', host='compute1', node='compute1', availability_zone='nova', compute_id=1)
    nova.insert(nova.cell1, 'instances', uuid='shelved', host=None, node=None, availability_zone='nova', compute_id=None)
    nova.insert(nova.api, 'instance_mappings', instance_uuid='i1', cell_id=2, project_id='p', user_id='u', queued_for_delete=False)
    nova.insert(nova.cell1, 'quotas', project_id='p', resource='cores', deleted=5)  # migrated: soft-deleted
    check, found = run(nova, run_module)
    assert (check['result'], check['details'], found) == ('Success', None, [])


# One row each migration would migrate, in cell1 or the API database.
PENDING = {
    'migrate_quota_limits_to_api_db': [('cell1', 'quotas', dict(project_id='p', resource='cores')),
                                       ('cell1', 'project_user_quotas', dict(project_id='p', resource='ram'))],
    'migrate_quota_classes_to_api_db': [('cell1', 'quota_classes', dict(resource='cores'))],
    'migration_migrate_to_uuid': [('cell1', 'migrations', dict(uuid=None))],
    'populate_uuids': [('cell1', 'block_device_mapping', dict(uuid=None))],
    'populate_missing_availability_zones': [
        ('cell1', 'instances', dict(uuid='i2', host='compute1', node='compute1', availability_zone=None, compute_id=1))],
    'populate_queued_for_delete': [
        ('api', 'instance_mappings', dict(instance_uuid='i2', cell_id=2, project_id='p', user_id='u', queued_for_delete=None))],
    'migrate_empty_ratio': [('cell1', 'compute_nodes', dict(host='compute2', hypervisor_hostname='compute2', ram_allocation_ratio=0.0))],
    'populate_user_id': [('api', 'instance_mappings', dict(instance_uuid='i3', cell_id=2, project_id='p', queued_for_delete=False))],
    'populate_dev_uuids': [('cell1', 'pci_devices', dict(uuid=None))],
    'populate_instance_compute_id': [
        ('cell1', 'instances', dict(uuid='i4', host='compute1', node='compute1', availability_zone='nova', compute_id=None))],
}


@pytest.mark.parametrize('migration', sorted(PENDING))
def test_each_migration_left_is_a_failure_naming_it(nova, run_module, migration):
    nova.map_cells()
    nova.insert(nova.cell1, 'compute_nodes', host='compute1', hypervisor_hostname='compute1')
    for database, table, values in PENDING[migration]:
        nova.insert(nova.api if database == 'api' else nova.cell1, table, **values)
    check, found = run(nova, run_module)
    rows = len(PENDING[migration])
    assert found == [dict(migration=migration, database=PENDING[migration][0][0], pending=rows, stuck=0, why=None)]
    assert check['result'] == 'Failure'
    assert check['details'].startswith('%d row%s of the online data migrations of nova are not done: %s: %d row%s in %s.'
                                       % (rows, 's' if rows > 1 else '', migration, rows, 's' if rows > 1 else '',
                                          PENDING[migration][0][0]))
    assert '`nova-manage db online_data_migrations`' in check['details']


def test_virtual_interfaces_fewer_or_out_of_order_after_the_marker(nova, run_module):
    nova.map_cells()
    day = datetime.datetime(2026, 1, 1)

    def instance(uuid, minutes, vifs_cached, vifs_in_db):
        nova.insert(nova.cell1, 'instances', uuid=uuid, host='compute1', node='compute1', availability_zone='nova',
                    compute_id=1, created_at=day + datetime.timedelta(minutes=minutes))
        nova.insert(nova.cell1, 'instance_info_caches', instance_uuid=uuid,
                    network_info=json.dumps([{'id': vif, 'address': 'fa:16:3e:00:00:01'} for vif in vifs_cached]))
        for index, vif in enumerate(vifs_in_db):
            nova.insert(nova.cell1, 'virtual_interfaces', uuid=vif, instance_uuid=uuid,
                        created_at=day + datetime.timedelta(minutes=minutes, seconds=index))

    nova.insert(nova.cell1, 'compute_nodes', host='compute1', hypervisor_hostname='compute1')
    instance('checked-before', 1, ['a', 'b'], ['a'])  # before the marker: the tool does not look again
    instance('marker-instance', 2, ['c'], ['c'])
    nova.insert(nova.cell1, 'virtual_interfaces', uuid=MARKER_UUID, instance_uuid=MARKER_UUID, tag='marker-instance')
    instance('same', 3, ['d', 'e'], ['d', 'e'])
    instance('fewer', 4, ['f', 'g'], ['f'])
    instance('other-order', 5, ['h', 'i'], ['i', 'h'])
    instance('more-in-db', 6, ['j'], ['j', 'k'])  # the tool leaves these alone
    check, found = run(nova, run_module)
    assert found == [dict(migration='fill_virtual_interface_list', database='cell1', pending=2, stuck=0, why=None)]
    assert check['result'] == 'Failure'


def test_rows_nova_cannot_migrate_are_a_warning(nova, run_module):
    nova.map_cells()
    # an instance whose host and node have no compute node record; a mapping without a cell
    nova.insert(nova.cell1, 'instances', uuid='orphan', host='gone', node='gone', availability_zone='nova', compute_id=None)
    nova.insert(nova.api, 'instance_mappings', instance_uuid='building', cell_id=None, project_id='p', queued_for_delete=False)
    nova.insert(nova.api, 'instance_mappings', instance_uuid='vif-marker', cell_id=None, project_id=MARKER_UUID,
                queued_for_delete=False)  # the marker's mapping: skipped by nova as well
    check, found = run(nova, run_module)
    assert [(f['migration'], f['database'], f['pending'], f['stuck']) for f in found] == [
        ('populate_user_id', 'api', 0, 1), ('populate_instance_compute_id', 'cell1', 0, 1)]
    assert check['result'] == 'Warning'
    assert check['details'].startswith('The online data migrations of nova are done, but 2 rows cannot be migrated (')
    assert 'populate_user_id: 1 row in api; populate_instance_compute_id: 1 row in cell1.' in check['details']


def test_failure_also_names_the_rows_nova_cannot_migrate(nova, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'compute_nodes', host='compute1', hypervisor_hostname='compute1', deleted=3)  # deleted: still found
    nova.insert(nova.cell1, 'instances', uuid='a', host='compute1', node='compute1', availability_zone='nova', compute_id=None)
    nova.insert(nova.cell1, 'instances', uuid='b', host='compute1', node='compute1', availability_zone='nova', compute_id=None)
    nova.insert(nova.cell1, 'instances', uuid='c', host='gone', node='gone', availability_zone='nova', compute_id=None)
    check, found = run(nova, run_module)
    assert found == [dict(migration='populate_instance_compute_id', database='cell1', pending=2, stuck=1,
                          why='instances whose host and node have no compute node record '
                              '(nova logs "Unable to migrate instance" for each)')]
    assert check['result'] == 'Failure'
    assert check['details'].endswith('1 row cannot be migrated (instances whose host and node have no compute node record '
                                     '(nova logs "Unable to migrate instance" for each)): populate_instance_compute_id: 1 row in cell1.')


def test_cell0_is_counted_and_named(nova, run_module):
    nova.map_cells()
    nova.insert(nova.cell0, 'block_device_mapping', uuid=None)
    _check, found = run(nova, run_module)
    assert [(f['migration'], f['database']) for f in found] == [('populate_uuids', 'cell0')]


def test_a_missing_table_is_an_error_without_the_password(tmp_path, run_module):
    pytest.importorskip('pymysql')
    conf = tmp_path / 'nova.conf'
    conf.write_text('[api_database]\nconnection = mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:9/nova_api\n')
    result = run_module(check_online_migrations.main, {'config_files': [str(conf)]})
    (check,) = result['upgrade_checks']
    assert check['result'] == 'Error' and 'mysql+pymysql://nova:***@127.0.0.1:9/nova_api' in check['details']
    assert 's3cr3t-pw' not in str(result)
    assert result['online_migrations'] == []


def test_read_only(nova, run_module):
    nova.map_cells()
    for migration in PENDING.values():
        for database, table, values in migration:
            nova.insert(nova.api if database == 'api' else nova.cell1, table, **values)
    before = {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)}
    check, _found = run(nova, run_module)
    assert check['result'] == 'Failure'
    assert {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)} == before

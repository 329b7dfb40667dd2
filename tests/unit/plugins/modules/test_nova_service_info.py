"""nova_service_info on SQLite databases shaped like nova's."""

import os

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.modules import nova_service_info


def service(nova, host, binary, version, url=None, **kwargs):
    values = dict(deleted=0, forced_down=False)
    values.update(kwargs)
    nova.insert(url or nova.cell1, 'services', host=host, binary=binary, version=version, **values)


def control(nova, version, host='controller'):
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-osapi_compute'):
        service(nova, host, binary, version)


def test_a_2025_1_cloud(nova, run_module):
    nova.map_cells()
    control(nova, 68)
    service(nova, 'compute1', 'nova-compute', 68)
    service(nova, 'compute2', 'nova-compute', 67)
    result = run_module(nova_service_info.main, nova.args())
    assert (result['_rc'], result['changed']) == (0, False)
    assert result['control'] == {
        'binaries': ['nova-conductor', 'nova-scheduler', 'nova-osapi_compute'], 'count': 3,
        'min': {'version': 68, 'release': '2025.1',
                'note': "service version 68 is 2025.1's (measured); 2024.2's is not measured "
                        'and may be the same number'},
        'max': {'version': 68, 'release': '2025.1',
                'note': "service version 68 is 2025.1's (measured); 2024.2's is not measured "
                        'and may be the same number'},
    }
    assert (result['computes']['count'], result['computes']['min']['version'],
            result['computes']['min']['release'], result['computes']['max']['release']) == (2, 67, '2024.1', '2025.1')
    assert [(s['cell'], s['host'], s['binary'], s['version'], s['release']) for s in result['services']] == [
        ('cell1', 'compute1', 'nova-compute', 68, '2025.1'),
        ('cell1', 'compute2', 'nova-compute', 67, '2024.1'),
        ('cell1', 'controller', 'nova-conductor', 68, '2025.1'),
        ('cell1', 'controller', 'nova-osapi_compute', 68, '2025.1'),
        ('cell1', 'controller', 'nova-scheduler', 68, '2025.1'),
    ]
    assert 'sqlite' not in str(result)


def test_mid_upgrade_control_plane_min_and_max(nova, run_module):
    nova.map_cells()
    control(nova, 70, host='ctl1')
    control(nova, 72, host='ctl2')
    result = run_module(nova_service_info.main, nova.args())
    assert result['control']['min'] == {'version': 70, 'release': '2025.2', 'note': None}
    assert result['control']['max'] == {'version': 72, 'release': '2026.1', 'note': None}
    assert result['control']['count'] == 6


@pytest.mark.parametrize('version, release, note', [
    (74, '2026.2', None),
    (73, '2026.1', 'service version 73 lies between 2026.1 (72) and 2026.2 (74): taken as the older, 2026.1'),
    (71, '2025.2', 'service version 71 lies between 2025.2 (70) and 2026.1 (72): taken as the older, 2025.2'),
    (99, None, 'service version 99 is newer than any release this collection has measured'),
    (60, None, 'service version 60 is older than any release this collection has measured'),
    (0, None, 'service version 0: the service never recorded a version'),
])
def test_version_to_release(nova, run_module, version, release, note):
    nova.map_cells()
    service(nova, 'controller', 'nova-conductor', version)
    got = run_module(nova_service_info.main, nova.args())['control']['min']
    assert (got['version'], got['release']) == (version, release)
    assert (got['note'] or '').startswith(note or '') and (note is None) == (got['note'] is None)


def test_deleted_forced_down_and_unset_versions(nova, run_module):
    nova.map_cells()
    service(nova, 'controller', 'nova-conductor', 72)
    service(nova, 'old', 'nova-conductor', 60, deleted=3)           # deleted: not listed
    service(nova, 'down', 'nova-scheduler', 61, forced_down=True)   # listed, not counted
    service(nova, 'fresh', 'nova-scheduler', None)                  # listed, not counted
    result = run_module(nova_service_info.main, nova.args())
    assert [(s['host'], s['forced_down'], s['version'], s['release']) for s in result['services']] == [
        ('controller', False, 72, '2026.1'), ('down', True, 61, None), ('fresh', False, None, None)]
    assert result['control']['count'] == 1
    assert result['control']['min'] == result['control']['max'] == {
        'version': 72, 'release': '2026.1', 'note': None}


def test_services_of_every_cell(nova, run_module, tmp_path):
    nova.map_cells()
    cell2 = 'sqlite:///%s' % (tmp_path / 'cell2.sqlite')
    meta = sa.MetaData()
    sa.Table('services', meta, sa.Column('id', sa.Integer, primary_key=True),
             sa.Column('host', sa.String(255)), sa.Column('binary', sa.String(255)),
             sa.Column('version', sa.Integer), sa.Column('deleted', sa.Integer),
             sa.Column('forced_down', sa.Boolean))
    meta.create_all(sa.create_engine(cell2))
    nova.insert(nova.api, 'cell_mappings', uuid='c2', name='cell2', database_connection=cell2)
    control(nova, 72)
    service(nova, 'compute9', 'nova-compute', 70, url=cell2)
    result = run_module(nova_service_info.main, nova.args())
    assert result['computes']['min'] == {'version': 70, 'release': '2025.2', 'note': None}
    assert {s['cell'] for s in result['services']} == {'cell1', 'cell2'}


def test_no_services_yet(nova, run_module):
    nova.map_cells()
    result = run_module(nova_service_info.main, nova.args())
    assert result['services'] == []
    for part, binaries in (('control', 'nova-conductor, nova-scheduler, nova-osapi_compute'),
                           ('computes', 'nova-compute')):
        assert result[part]['count'] == 0
        assert result[part]['min'] == {
            'version': None, 'release': None,
            'note': 'no live %s service with a version in the database' % binaries}


def test_unreadable_database_fails_without_the_password(tmp_path, run_module):
    pytest.importorskip('pymysql')
    conf = tmp_path / 'nova.conf'
    conf.write_text('[api_database]\nconnection = mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:9/nova_api\n')
    result = run_module(nova_service_info.main, {'config_files': [str(conf)]})
    assert result['failed'] is True
    assert 'Cannot read cell_mappings from mysql+pymysql://nova:***@127.0.0.1:9/nova_api' in result['msg']
    assert 's3cr3t-pw' not in str(result)


def test_not_a_control_host_fails_with_the_reason(tmp_path, run_module):
    conf = tmp_path / 'nova.conf'
    conf.write_text('[DEFAULT]\nhost = compute1\n')
    result = run_module(nova_service_info.main, {'config_files': [str(conf)]})
    assert result['failed'] is True and '[api_database] connection is not set' in result['msg']


def test_read_only_and_check_mode(nova, run_module):
    nova.map_cells()
    control(nova, 68)
    before = {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)}
    normal = run_module(nova_service_info.main, nova.args())
    checked = run_module(nova_service_info.main, nova.args(), check_mode=True)
    assert {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)} == before
    for result in (normal, checked):
        result.pop('_rc')
        result.pop('invocation', None)
    assert checked == normal and normal['changed'] is False

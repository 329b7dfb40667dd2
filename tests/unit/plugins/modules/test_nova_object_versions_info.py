"""nova_object_versions_info finds, in nova's databases, the records an older nova cannot read (per server).

nova itself is not in the project's venv: the registry of the release to go back to is given here (the lab
test runs the module with 2025.1's real nova venv); without nova the module says which interpreter to use.
"""

import json
import os

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import nova_object_versions_info

KNOWN = {'RequestSpec': ['1.15'], 'ImageMeta': ['1.8'], 'ImageMetaProps': ['1.39'], 'Flavor': ['1.2'],
         'KeyPair': ['1.4'], 'KeyPairList': ['1.3']}
NEW = '11111111-0000-0000-0000-000000000001'      # created by the new control plane
OLD = '11111111-0000-0000-0000-000000000002'      # from before the upgrade
GONE = '11111111-0000-0000-0000-000000000003'     # created by the new code, deleted since
BUILDING = '11111111-0000-0000-0000-000000000004'  # no instance row yet (a build request)


def obj(name, version, **data):
    return {'nova_object.name': name, 'nova_object.namespace': 'nova', 'nova_object.version': version,
            'nova_object.data': data}


def spec(uuid, props):
    return json.dumps(obj('RequestSpec', '1.15', instance_uuid=uuid,
                          image=obj('ImageMeta', '1.8', properties=obj('ImageMetaProps', props))))


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(nova_object_versions_info, 'nova_registry', lambda: (KNOWN, '31.3.1'))


@pytest.fixture
def cloud(nova):
    nova.map_cells()
    for uuid, name, deleted, props in ((NEW, 'mixed', 0, '1.42'), (OLD, 'old', 0, '1.39'), (GONE, 'gone', 3, '1.42')):
        nova.insert(nova.cell1, 'instances', uuid=uuid, display_name=name, deleted=deleted)
        nova.insert(nova.api, 'request_specs', instance_uuid=uuid, spec=spec(uuid, props))
    nova.insert(nova.api, 'request_specs', instance_uuid=BUILDING, spec=spec(BUILDING, '1.40'))
    return nova


def test_finds_the_servers_the_old_code_cannot_read(cloud, registry, run_module):
    cloud.insert(cloud.cell1, 'instance_extra', instance_uuid=OLD, keypairs=json.dumps(obj('KeyPairList', '1.3', objects=[
        obj('KeyPair', '1.4')])), flavor=json.dumps({'cur': obj('Flavor', '1.3'), 'old': None, 'new': None}))
    cloud.insert(cloud.cell1, 'instance_extra', instance_uuid=GONE, flavor=json.dumps({'cur': obj('Flavor', '1.3')}),
                 deleted=3)
    before = {name: os.path.getmtime(cloud.path / name) for name in os.listdir(cloud.path)}
    result = run_module(nova_object_versions_info.main, cloud.args(), check_mode=True)
    assert not result['changed'] and result['_rc'] == 0
    assert result['servers'] == [NEW, OLD, BUILDING]
    assert [(r['instance_uuid'], r['name'], r['cell'], r['table'], r['column']) for r in result['records']] == [
        (NEW, 'mixed', 'cell1', 'request_specs', 'spec'),
        (OLD, 'old', 'cell1', 'instance_extra', 'flavor'),
        (BUILDING, None, None, 'request_specs', 'spec'),
    ]
    assert result['records'][0]['objects'] == [{'object': 'ImageMetaProps', 'version': '1.42', 'known_version': '1.39',
                                                'reason': 'newer', 'path': 'spec.image.properties'}]
    assert result['records'][1]['summary'] == ('server %s (old, cell1) instance_extra.flavor: Flavor 1.3 at flavor.cur '
                                               '(nova 31.3.1 reads up to 1.2)' % OLD)
    assert result['counts'] == {'request_specs': 4, 'instance_extra': 1, 'deleted_left_out': 1}
    assert result['nova_version'] == '31.3.1'
    assert result['msg'].startswith('nova 31.3.1 cannot read the records of 3 server(s): server %s (mixed, cell1) '
                                    'request_specs.spec: ImageMetaProps 1.42 at spec.image.properties' % NEW)
    assert before == {name: os.path.getmtime(cloud.path / name) for name in os.listdir(cloud.path)}
    assert 'sqlite' not in json.dumps(result)


def test_all_readable(nova, registry, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'instances', uuid=OLD, display_name='old', deleted=0)
    nova.insert(nova.api, 'request_specs', instance_uuid=OLD, spec=spec(OLD, '1.12'))
    result = run_module(nova_object_versions_info.main, nova.args())
    assert result['records'] == [] and result['servers'] == []
    assert result['msg'] == 'nova 31.3.1 reads every record of 1 request specs and 0 instance_extra rows.'


def test_many_rows_are_read_in_pages(nova, registry, run_module, monkeypatch):
    from ansible_collections.osops.lifecycle.plugins.module_utils._service import nova_objects
    monkeypatch.setattr(nova_objects, 'PAGE', 3)
    nova.map_cells()
    uuids = ['22222222-0000-0000-0000-%012d' % i for i in range(8)]
    for i, uuid in enumerate(uuids):
        nova.insert(nova.cell1, 'instances', uuid=uuid, display_name='s%d' % i, deleted=0)
        nova.insert(nova.api, 'request_specs', instance_uuid=uuid, spec=spec(uuid, '1.42' if i % 3 == 0 else '1.39'))
        nova.insert(nova.cell1, 'instance_extra', instance_uuid=uuid, flavor=json.dumps({'cur': obj('Flavor', '1.2')}))
    result = run_module(nova_object_versions_info.main, nova.args())
    assert result['servers'] == [uuids[0], uuids[3], uuids[6]]
    assert result['counts'] == {'request_specs': 8, 'instance_extra': 8, 'deleted_left_out': 0}


def test_malformed_json_fails_naming_the_record(cloud, registry, run_module):
    cloud.insert(cloud.api, 'request_specs', instance_uuid='bad-1', spec='{"nova_object.name": ')
    result = run_module(nova_object_versions_info.main, cloud.args())
    assert result['failed'] and 'Traceback' not in result['msg']
    assert result['msg'].startswith('request_specs.spec of instance bad-1 is not JSON (')


def test_malformed_instance_extra_fails_naming_the_record(nova, registry, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'instances', uuid=OLD, display_name='old', deleted=0)
    nova.insert(nova.cell1, 'instance_extra', instance_uuid=OLD, numa_topology='not json')
    result = run_module(nova_object_versions_info.main, nova.args())
    assert result['failed']
    assert result['msg'].startswith('instance_extra.numa_topology of instance %s in cell cell1 is not JSON (' % OLD)


def test_without_nova_it_says_which_interpreter(nova, run_module):
    # the project's venv has no nova: the real registry loader fails with the way out
    nova.map_cells()
    result = run_module(nova_object_versions_info.main, nova.args())
    assert result['failed'] and "nova's objects cannot be loaded by" in result['msg']
    assert 'nova venv of the release' in result['msg']


def test_not_a_control_host_and_unreadable_database(tmp_path, registry, run_module):
    conf = tmp_path / 'nova.conf'
    conf.write_text('[DEFAULT]\nhost = compute1\n')
    result = run_module(nova_object_versions_info.main, {'config_files': [str(conf)]})
    assert result['failed'] and '[api_database] connection is not set' in result['msg']
    conf.write_text('[api_database]\nconnection = postgresql+psycopg://nova:s3cr3t-pw@127.0.0.1:9/nova_api\n')
    result = run_module(nova_object_versions_info.main, {'config_files': [str(conf)]})
    assert result['failed'] and 'Cannot read request_specs from postgresql+psycopg://nova:***@127.0.0.1:9/nova_api' \
        in result['msg']
    assert 's3cr3t-pw' not in json.dumps(result)

"""nova_service_version lowers one service record (a rollback), predicts it, and never raises one."""

import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.modules import nova_service_version


def versions(nova):
    with sa.create_engine(nova.cell1).connect() as conn:
        return dict(((r.binary, r.host, r.deleted), r.version) for r in conn.execute(sa.text(
            'SELECT binary, host, deleted, version FROM services')))


def test_lowers_only_the_named_live_record(nova, run_module):
    nova.map_cells()
    for binary in ('nova-conductor', 'nova-osapi_compute'):
        nova.insert(nova.cell1, 'services', host='controller', binary=binary, version=72, deleted=0, forced_down=False)
    nova.insert(nova.cell1, 'services', host='controller', binary='nova-conductor', version=80, deleted=1,
                forced_down=False)
    args = nova.args(host='controller', binary='nova-osapi_compute', version=68)
    before = versions(nova)
    predicted = run_module(nova_service_version.main, args, check_mode=True)
    assert predicted['changed'] and versions(nova) == before
    assert predicted['changes'] == [{'cell': 'cell1', 'host': 'controller', 'binary': 'nova-osapi_compute',
                                     'before': 72, 'after': 68}]
    done = run_module(nova_service_version.main, args)
    assert done['changed'] and done['msg'] == 'lowered nova-osapi_compute on controller from 72 to 68'
    assert versions(nova) == {**before, ('nova-osapi_compute', 'controller', 0): 68}
    again = run_module(nova_service_version.main, args)
    assert not again['changed'] and again['changes'] == []
    # never raises one: the service does that itself when it starts
    up = run_module(nova_service_version.main, nova.args(host='controller', binary='nova-osapi_compute', version=72))
    assert not up['changed'] and versions(nova)[('nova-osapi_compute', 'controller', 0)] == 68
    assert 'sqlite' not in str(done)


def test_bad_version_and_no_nova_config(nova, run_module, tmp_path):
    nova.map_cells()
    result = run_module(nova_service_version.main, nova.args(host='h', binary='nova-compute', version=0))
    assert result['failed'] and 'is not a nova service version' in result['msg']
    conf = tmp_path / 'compute.conf'
    conf.write_text('[DEFAULT]\n')
    result = run_module(nova_service_version.main, {'config_files': [str(conf)], 'host': 'h',
                                                    'binary': 'nova-compute', 'version': 68})
    assert result['failed'] and 'this host is not a nova control host' in result['msg']

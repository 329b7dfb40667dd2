"""The walk over serialized nova objects: which ones a release's registry cannot read, at any depth."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_objects import (
    decode,
    summary,
    unreadable_objects,
    why_unreadable,
)

# 2025.1's versions of what a request spec holds (nova 31.3.1's registry)
KNOWN = {'RequestSpec': ['1.15'], 'ImageMeta': ['1.8'], 'ImageMetaProps': ['1.39'], 'Flavor': ['1.2'],
         'KeyPair': ['1.4'], 'KeyPairList': ['1.3'], 'RequestGroup': ['1.3'], 'Old': ['2.1', '1.9']}


def obj(object_name, version, **data):
    return {'nova_object.name': object_name, 'nova_object.namespace': 'nova', 'nova_object.version': version,
            'nova_object.data': data, 'nova_object.changes': sorted(data)}


@pytest.mark.parametrize('name, version, reason', [
    ('ImageMetaProps', '1.39', None),            # the same version
    ('ImageMetaProps', '1.12', None),            # older: the newer class reads it
    ('ImageMetaProps', '1.42', 'newer'),         # 2026.1's
    ('ImageMetaProps', '1.100', 'newer'),        # 100 > 39 (numbers, not strings)
    ('ImageMetaProps', '2.0', 'newer'),          # another major version, newer
    ('Old', '1.9', None),                        # one of several registered classes
    ('Old', '2.2', 'newer'),
    ('ImageMeta', '0.9', 'other major version'),
    ('ShinyNew', '1.0', 'unknown object'),       # an object the old code never had
    ('Flavor', None, 'not a version'),
    ('Flavor', '1.x', 'not a version'),
    ('Flavor', 1.2, 'not a version'),
])
def test_why_unreadable(name, version, reason):
    assert why_unreadable(name, version, KNOWN) == reason


def spec(props_version='1.39', group_version='1.3'):
    return obj('RequestSpec', '1.15',
               image=obj('ImageMeta', '1.8', name='cirros', properties=obj('ImageMetaProps', props_version)),
               flavor=obj('Flavor', '1.2', extra_specs={}),
               requested_resources=[obj('RequestGroup', '1.3'), obj('RequestGroup', group_version)],
               scheduler_hints={'group': ['g1']}, instance_uuid='u1')


def test_a_readable_spec_has_nothing():
    assert unreadable_objects(spec(), KNOWN, 'spec') == []


def test_nested_objects_and_lists_are_found_with_their_path():
    found = unreadable_objects(spec('1.42', '1.4'), KNOWN, 'spec')
    assert found == [
        {'object': 'ImageMetaProps', 'version': '1.42', 'known_version': '1.39', 'reason': 'newer',
         'path': 'spec.image.properties'},
        {'object': 'RequestGroup', 'version': '1.4', 'known_version': '1.3', 'reason': 'newer',
         'path': 'spec.requested_resources[1]'},
    ]


def test_the_outer_object_and_its_nested_ones_are_all_reported():
    record = obj('RequestSpec', '1.16', image=obj('ImageMeta', '1.8', properties=obj('ImageMetaProps', '1.42')))
    assert [(o['object'], o['path']) for o in unreadable_objects(record, KNOWN, 'spec')] == [
        ('RequestSpec', 'spec'), ('ImageMetaProps', 'spec.image.properties')]


def test_plain_json_around_objects_and_unknown_names():
    # instance_extra.flavor: {"cur": Flavor, "old": null, "new": Flavor}; keypairs: an object list
    flavor = {'cur': obj('Flavor', '1.2'), 'old': None, 'new': obj('Flavor', '1.3')}
    assert unreadable_objects(flavor, KNOWN, 'flavor') == [
        {'object': 'Flavor', 'version': '1.3', 'known_version': '1.2', 'reason': 'newer', 'path': 'flavor.new'}]
    keypairs = obj('KeyPairList', '1.3', objects=[obj('KeyPair', '1.4'), obj('ShinyNew', '1.0')])
    assert unreadable_objects(keypairs, KNOWN, 'keypairs') == [
        {'object': 'ShinyNew', 'version': '1.0', 'known_version': None, 'reason': 'unknown object',
         'path': 'keypairs.objects[1]'}]
    # JSON that holds no object at all (a legacy pci_requests list), and scalars
    assert unreadable_objects([{'count': 1, 'spec': [{'vendor_id': '8086'}]}], KNOWN, 'pci_requests') == []
    assert unreadable_objects('text', KNOWN) == unreadable_objects(None, KNOWN) == []


def test_an_object_without_data_or_with_other_namespaces():
    # no data, or data that is not a dict: the object itself is still judged
    assert unreadable_objects({'nova_object.name': 'Flavor', 'nova_object.version': '1.9'}, KNOWN, 'x') == [
        {'object': 'Flavor', 'version': '1.9', 'known_version': '1.2', 'reason': 'newer', 'path': 'x'}]
    # another library's objects (os-vif's versioned_object.*) are not nova's to judge; nova objects inside are
    other = {'versioned_object.name': 'VIFOpenVSwitch', 'versioned_object.version': '9.9',
             'versioned_object.data': {'inner': obj('Flavor', '1.5')}}
    assert [o['path'] for o in unreadable_objects(other, KNOWN, 'vif')] == ['vif.versioned_object.data.inner']


def test_malformed_json_is_a_clear_error():
    assert decode('{"a": 1}', 'request_specs.spec of instance u1') == {'a': 1}
    with pytest.raises(OsopsError) as error:
        decode('{"nova_object.name": "RequestSpec", ', 'request_specs.spec of instance u1')
    assert error.value.msg.startswith('request_specs.spec of instance u1 is not JSON (')
    assert 'repair or delete that record' in error.value.msg


def test_summary_names_the_server_object_and_versions():
    record = {'instance_uuid': 'u1', 'name': 'web-1', 'cell': 'cell1', 'table': 'request_specs', 'column': 'spec',
              'objects': unreadable_objects(spec('1.42'), KNOWN, 'spec')}
    assert summary(record, '31.3.1') == ('server u1 (web-1, cell1) request_specs.spec: ImageMetaProps 1.42 at '
                                         'spec.image.properties (nova 31.3.1 reads up to 1.39)')
    record = dict(record, name=None, cell=None, objects=[
        {'object': 'ShinyNew', 'version': '1.0', 'known_version': None, 'reason': 'unknown object', 'path': 'spec.x'}])
    assert summary(record) == 'server u1 request_specs.spec: ShinyNew 1.0 at spec.x (this nova: unknown object)'

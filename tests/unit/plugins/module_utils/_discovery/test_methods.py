"""The discovery methods' parameters: what is documented is what is accepted."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import api as discovery_api
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import methods as discovery_methods
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError


@pytest.mark.parametrize('method, params, message', [
    ('ssh', {}, "Option method: got 'ssh', expected one of ansible_inventory, kolla_ansible, openstack_ansible, openstack_api."),
    ('openstack_ansible', {}, 'Option params.inventory: got None, expected a path (required by method openstack_ansible).'),
    ('openstack_ansible', {'inventory': 3}, 'Option params.inventory: got 3, expected a path.'),
    ('openstack_ansible', {'inventory': 'x', 'group': 'y'},
     "Option params.group: got 'y', expected one of the parameters of method openstack_ansible: "
     'fact_cache, host_versions, inventory, versions.'),
    ('openstack_api', {'versions': {'nova': 'thirty'}}, "Option params.versions.nova: got 'thirty', expected a version such as 31.3.1."),
    ('openstack_api', {'host_versions': {'c1': []}}, 'Option params.host_versions.c1: got [], expected a dict'),
    ('ansible_inventory', {'inventory': 'x', 'groups': {'web': []}},
     "Option params.groups.web: got [], expected a service binary such as nova-compute, or a list of them."),
    ('kolla_ansible', {'inventory': 'x', 'openstack_release': 'zz'}, "Option params.openstack_release: got 'zz'"),
    ('kolla_ansible', {'inventory': 'x', 'globals': '/etc/kolla/globals.yml'},
     "Option params.globals: got '/etc/kolla/globals.yml', expected a dict."),
    ('openstack_api', {'hypervisors': 'sometimes'},
     "Option params.hypervisors: got 'sometimes', expected one of auto, always, never."),
    ('openstack_api', {'hypervisors': True}, 'Option params.hypervisors: got True, expected one of auto, always, never.'),
    ('openstack_ansible', {'inventory': 'x', 'hypervisors': 'never'},
     "Option params.hypervisors: got 'never', expected one of the parameters of method openstack_ansible:"),
])
def test_bad_parameters_name_the_parameter(method, params, message):
    with pytest.raises(OptionError) as error:
        discovery_methods.validate_params(method, params)
    assert error.value.msg.startswith(message)


METHODS = discovery_methods.method_list()
# A value each parameter type accepts (a series id is a valid string for every str parameter,
# openstack_release included).
SAMPLES = {'str': '2025.1', 'path': '/etc/openstack_deploy/openstack_inventory.json',
           'path_or_dict': '/etc/ansible/hosts', 'dict': {}}
CHOICES = [(m['name'], p['name'], choice) for m in METHODS for p in m['parameters'] for choice in p.get('choices', ())]


def _sample(parameter):
    return parameter['choices'][0] if 'choices' in parameter else SAMPLES[parameter['type']]


def _required(method):
    """A sample of each required parameter of ``method``."""
    return dict((p['name'], _sample(p)) for m in METHODS if m['name'] == method
                for p in m['parameters'] if p['required'])


def test_every_listed_method_is_accepted_and_no_other():
    names = [m['name'] for m in METHODS]
    assert names and names == sorted(set(names))
    for name in names:
        assert set(discovery_methods.validate_params(name, _required(name))) == set(_required(name))
    with pytest.raises(OptionError) as error:
        discovery_methods.validate_params('ssh', {})
    assert error.value.msg == "Option method: got 'ssh', expected one of %s." % ', '.join(names)


@pytest.mark.parametrize('method', METHODS, ids=[m['name'] for m in METHODS])
def test_the_documented_parameters_are_exactly_the_accepted_ones(method):
    documented = dict((p['name'], p) for p in method['parameters'])
    for parameter in method['parameters']:
        assert set(parameter) - {'choices', 'default'} == {'name', 'type', 'required', 'description'}
        assert parameter['description']
    every = dict((name, _sample(p)) for name, p in documented.items())
    assert set(discovery_methods.validate_params(method['name'], every)) == set(documented)
    with pytest.raises(OptionError) as error:
        discovery_methods.validate_params(method['name'], dict(every, undocumented=1))
    assert error.value.msg == ('Option params.undocumented: got 1, expected one of the parameters of method %s: %s.'
                               % (method['name'], ', '.join(sorted(documented))))
    for name, parameter in documented.items():
        without = dict((other, value) for other, value in every.items() if other != name)
        if parameter['required']:
            with pytest.raises(OptionError) as error:
                discovery_methods.validate_params(method['name'], without)
            assert error.value.msg.startswith('Option params.%s: got None, expected ' % name)
        else:
            assert set(discovery_methods.validate_params(method['name'], without)) == set(without)


@pytest.mark.parametrize('method, name, choice', CHOICES)
def test_every_documented_choice_is_accepted_and_kept(method, name, choice):
    assert discovery_methods.validate_params(method, dict(_required(method), **{name: choice}))[name] == choice


@pytest.mark.parametrize('method, parameter', [(m['name'], p) for m in METHODS for p in m['parameters'] if 'choices' in p])
def test_a_default_is_one_of_the_choices_and_other_values_are_refused(method, parameter):
    assert parameter['default'] in parameter['choices'] and not parameter['required']
    with pytest.raises(OptionError) as error:
        discovery_methods.validate_params(method, dict(_required(method), **{parameter['name']: 'not-a-choice'}))
    assert error.value.msg == "Option params.%s: got 'not-a-choice', expected one of %s." % (
        parameter['name'], ', '.join(parameter['choices']))


def test_the_hypervisors_description_names_the_limit_auto_applies():
    limit = discovery_methods.HYPERVISORS_AUTO_LIMIT
    assert discovery_api.hypervisors_skipped('auto', limit) is None
    assert discovery_api.hypervisors_skipped('auto', limit + 1) is not None
    hypervisors = [p for m in METHODS if m['name'] == 'openstack_api' for p in m['parameters']
                   if p['name'] == 'hypervisors'][0]
    assert 'at most %d nova-compute services' % limit in hypervisors['description']

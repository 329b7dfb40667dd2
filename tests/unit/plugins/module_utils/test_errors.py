"""Typed errors: one message that says what was wrong and what was expected, plus fields to return."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils import _errors


def test_an_error_keeps_its_message_and_the_fields_a_module_returns():
    error = _errors.OsopsError('Store x cannot be opened.', upgrade_id='u1', status='paused')
    assert (error.msg, str(error)) == ('Store x cannot be opened.', 'Store x cannot be opened.')
    assert error.result == {'upgrade_id': 'u1', 'status': 'paused'}
    assert _errors.OsopsError('no fields').result == {}


@pytest.mark.parametrize('value, hint, message', [
    (3, None, 'Option params.inventory: got 3, expected a path.'),
    ('x', None, "Option params.inventory: got 'x', expected a path."),
    (None, 'Set it to the file openstack-ansible wrote.',
     'Option params.inventory: got None, expected a path. Set it to the file openstack-ansible wrote.'),
])
def test_an_option_error_names_the_option_the_value_and_what_was_expected(value, hint, message):
    error = _errors.OptionError('params.inventory', value, 'a path', hint)
    assert isinstance(error, _errors.OsopsError)
    assert error.msg == str(error) == message
    assert error.result == {'option': 'params.inventory'}


def test_every_error_of_the_collection_is_an_osops_error():
    assert issubclass(_errors.OptionError, _errors.OsopsError)
    assert issubclass(_errors.CloudError, _errors.OsopsError)

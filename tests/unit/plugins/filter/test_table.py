"""The table filter: records as a text table an operator reads."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.table import FilterModule, table


def test_cells_as_an_operator_reads_them():
    rows = [{'name': 'nova-compute', 'hosts': ['compute1', 'compute2'], 'mixed': False, 'reason': None,
             'params': [{'name': 'inventory', 'type': 'path'}, {'name': 'globals'}], 'extra': {'zone': 'nova'}}]
    assert table(rows, ['name', 'hosts', 'mixed', 'reason', 'params', 'extra', 'missing']) == [
        '+--------------+--------------------+-------+--------+--------------------+------------+---------+',
        '| name         | hosts              | mixed | reason | params             | extra      | missing |',
        '+--------------+--------------------+-------+--------+--------------------+------------+---------+',
        '| nova-compute | compute1, compute2 | no    | -      | inventory, globals | zone: nova | -       |',
        '+--------------+--------------------+-------+--------+--------------------+------------+---------+',
    ]


def test_headers_wrapping_and_no_rows():
    lines = table([{'release': '2026.2', 'reason': 'skips 2026.1 (SLURP): only N to N+1 or SLURP to the next SLURP'}],
                  ['release', 'reason'], headers=['release', 'why'], max_width=30)
    assert lines[1] == '| release | why                            |'
    assert lines[3:5] == ['| 2026.2  | skips 2026.1 (SLURP): only N   |',
                          '|         | to N+1 or SLURP to the next    |']
    assert table([], ['release']) == ['(none)']
    assert table([], ['release'], empty='No upgrade version.') == ['No upgrade version.']


@pytest.mark.parametrize('rows, columns, headers, message', [
    ('text', ['a'], None, 'expected a list of dicts, got str'),
    ([1, 2], ['a'], None, 'expected a list of dicts, got list'),
    ([{'a': 1}], [], None, 'columns must name at least one key'),
    ([{'a': 1}], ['a', 'b'], ['only one'], '1 headers for 2 columns'),
])
def test_bad_input_is_named(rows, columns, headers, message):
    with pytest.raises(AnsibleFilterError) as raised:
        table(rows, columns, headers=headers)
    assert message in str(raised.value)


def test_the_filter_is_registered_by_its_name():
    assert FilterModule().filters() == {'table': table}

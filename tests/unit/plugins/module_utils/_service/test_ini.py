"""One oslo.config option edited in place: the other lines never move."""

import configparser

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._service.ini import get_option, set_option

NOVA = """[DEFAULT]
# the transport
transport_url = rabbit://nova:secret@127.0.0.2:5672/

[upgrade_levels]
# pinned by hand
compute = 6.0

[database]
connection = mysql+pymysql://nova:secret@127.0.0.2/nova
"""


def parsed(text):
    parser = configparser.RawConfigParser(strict=False)
    parser.read_string(text)
    return parser


def test_replaces_the_line_and_keeps_the_rest():
    out = set_option(NOVA, 'upgrade_levels', 'compute', 'auto')
    assert out == NOVA.replace('compute = 6.0', 'compute = auto')
    assert get_option(out, 'upgrade_levels', 'compute') == 'auto'
    assert set_option(out, 'upgrade_levels', 'compute', 'auto') == out


@pytest.mark.parametrize('text', [NOVA.replace('compute = 6.0\n', ''), NOVA.replace('[upgrade_levels]\n# pinned by hand\ncompute = 6.0\n\n', '')])
def test_adds_the_option_or_the_section(text):
    out = set_option(text, 'upgrade_levels', 'compute', 'auto')
    assert parsed(out).get('upgrade_levels', 'compute') == 'auto'
    assert parsed(out).get('database', 'connection') == parsed(NOVA).get('database', 'connection')
    # only lines were added: every line of the original is still there, in order
    kept = iter(out.splitlines())
    assert all(line in kept for line in text.splitlines())
    assert len(out.splitlines()) - len(text.splitlines()) in (1, 3)


def test_last_value_wins_and_other_sections_are_not_read():
    text = '[a]\ncompute = 1\n[upgrade_levels]\ncompute = 2\ncompute = 3\n[b]\ncompute = 4\n'
    assert get_option(text, 'upgrade_levels', 'compute') == '3'
    assert get_option(text, 'upgrade_levels', 'scheduler') is None
    assert get_option(text, 'missing', 'compute') is None
    out = set_option(text, 'upgrade_levels', 'compute', 'auto')
    assert out == '[a]\ncompute = 1\n[upgrade_levels]\ncompute = 2\ncompute = auto\n[b]\ncompute = 4\n'


def test_empty_file_and_no_final_newline():
    assert set_option('', 'upgrade_levels', 'compute', 'auto') == '[upgrade_levels]\ncompute = auto\n'
    assert set_option('[DEFAULT]\ndebug = true', 'DEFAULT', 'debug', 'false') == '[DEFAULT]\ndebug = false\n'

"""Credentials: found under the keys that name them, and masked in every URL of a text."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils import _secrets


@pytest.mark.parametrize('url, password', [
    ('postgresql+psycopg://osops:s3cret@db.example.org:5432/osops', 's3cret'),
    ('mysql+pymysql://osops:p@ss@db/osops', 'p@ss'),            # an unencoded @: up to the last @
    ('mysql+pymysql://osops:p@s@s:w@db/osops', 'p@s@s:w'),
    ('postgresql://osops:p%40ss%2Fw%3A@db/osops', 'p%40ss%2Fw%3A'),  # as written, still encoded
    ('postgresql://osops:pw@db', 'pw'),                         # no path
    ('postgresql://osops@db/osops', None),                      # a user, no password
    ('postgresql://osops:@db/osops', None),                     # an empty password
    ('http://127.0.0.2:5000/v3', None),                         # a port is no password
    ('sqlite:////var/lib/osops/store.db', None),
    ('', None),
    (None, None),
])
def test_url_password(url, password):
    assert _secrets.url_password(url) == password


@pytest.mark.parametrize('text, masked', [
    ('Cannot open postgresql+psycopg://osops:s3cret@db:5432/osops: refused',
     'Cannot open postgresql+psycopg://osops:***@db:5432/osops: refused'),
    ('mysql+pymysql://osops:p@ss@db/osops', 'mysql+pymysql://osops:***@db/osops'),
    ('postgresql://osops:p%40ss%2Fw@db/osops', 'postgresql://osops:***@db/osops'),
    ('from postgresql://a:one@h1/x to mysql://b:two@h2/y, then http://c:three@h3:80',
     'from postgresql://a:***@h1/x to mysql://b:***@h2/y, then http://c:***@h3:80'),
    ('postgresql://a:one@h1/x,mysql://b:two@h2/y', 'postgresql://a:***@h1/x,mysql://b:***@h2/y'),
    ('postgresql://a:one@h1 mysql://b:two@h2', 'postgresql://a:***@h1 mysql://b:***@h2'),
])
def test_mask_url_masks_every_password_and_keeps_the_rest(text, masked):
    assert _secrets.mask_url(text) == masked


@pytest.mark.parametrize('text', [
    'Cannot parse the store URL not a url at all',
    'postgresql://osops@db/osops and http://127.0.0.2:5000/v3',
    'mail admin@example.org: user:pw@host is no URL',
    'sqlite:////var/lib/osops/store.db',
    '',
])
def test_mask_url_leaves_a_text_without_a_url_password_alone(text):
    assert _secrets.mask_url(text) == text


def test_mask_url_hides_what_url_password_finds():
    url = 'mysql+pymysql://osops:p@s@s:w@db/osops'
    assert _secrets.url_password(url) not in _secrets.mask_url(url)
    assert _secrets.url_password(_secrets.mask_url(url)) == '***'


def test_secret_values_are_found_under_secret_keys_at_any_depth():
    data = {'cloud': 'lab', 'auth': {'auth_url': 'http://127.0.0.2:5000/v3', 'username': 'admin',
                                     'password': 'pw1', 'application_credential_secret': 'pw2'},
            'hosts': [{'name': 'a', 'ssh_passwd': 'pw3'}, {'name': 'b', 'api_token': 'pw4'}],
            'client_key': 'pw5', 'API_KEY': 'pw6', 'credentials': {'user': 'x', 'token': 'pw7'},
            'keystone': 'not a secret', 'monkey': 'not a secret', 'db_password': '', 'token': None}
    assert _secrets.secret_values(data) == {'pw1', 'pw2', 'pw3', 'pw4', 'pw5', 'pw6', 'pw7'}


@pytest.mark.parametrize('data', [None, 'password', ['password'], 3, {}])
def test_no_secret_values_without_secret_keys(data):
    assert _secrets.secret_values(data) == set()


@pytest.mark.parametrize('text,password,expected', [
    ('FATAL: password authentication failed for "Kq9%40zz"', 'Kq9%40zz',
     'FATAL: password authentication failed for "***"'),
    ('driver says Kq9@zz is wrong', 'Kq9%40zz', 'driver says *** is wrong'),
    ('connect to mysql://nova:Kq9zz@127.0.0.2/nova failed', None, 'connect to mysql://nova:***@127.0.0.2/nova failed'),
    ('nothing secret here', 'Kq9zz', 'nothing secret here'),
])
def test_hide_password_hides_both_forms_and_every_url_password(text, password, expected):
    assert _secrets.hide_password(text, password) == expected

# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A service's database and message queue, reached from its host with its own configuration.

Run with the interpreter of the service's own environment: SQLAlchemy and
its database driver, and kombu (under oslo.messaging), are the ones the
service uses.  A database is reached when ``SELECT 1`` answers; a message
queue host when the AMQP connection is open (protocol handshake and login,
on the virtual host).  Every text that leaves here has its passwords masked.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import hide_password, mask_url

# The options naming a database, per section (nova's API database, placement's own).
DATABASE_OPTIONS = (('database', 'connection'), ('api_database', 'connection'), ('placement_database', 'connection'))
# The options naming a message queue: RPC, and notifications when they go elsewhere.
TRANSPORT_OPTIONS = (('DEFAULT', 'transport_url'), ('oslo_messaging_notifications', 'transport_url'))
AMQP_PORT = 5672
TRUE = ('1', 'true', 'yes', 'on')


def transport_hosts(url):
    """The hosts of an oslo.messaging transport URL: dicts of host, port, user, password, vhost, ssl, url (masked).

    ``rabbit://user:pass@host1:5672,user2:pass2@host2:5672/vhost?ssl=1``; a
    host without credentials takes the previous host's, as oslo.messaging does.
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise OsopsError('transport_url %s is not a URL of the form rabbit://user:password@host:port/vhost.' % mask_url(url))
    if parts.scheme.split('+')[0] not in ('rabbit', 'amqp', 'kombu'):
        raise OsopsError('transport_url %s uses driver %s; this check reaches RabbitMQ (rabbit://) only.'
                         % (mask_url(url), parts.scheme))
    query = dict(item.partition('=')[::2] for item in parts.query.split('&') if item)
    vhost = unquote(parts.path[1:]) if parts.path not in ('', '/') else '/'
    hosts, user, password = [], None, None
    for entry in parts.netloc.split(','):
        credentials, _at, address = entry.rpartition('@')
        if credentials:
            name, _colon, secret = credentials.partition(':')
            user, password = unquote(name), unquote(secret)
        host, _colon, port = address.rpartition(':') if address.count(':') == 1 else (address, '', '')
        try:
            port = int(port) if port else AMQP_PORT
        except ValueError:
            raise OsopsError('transport_url %s: port %s of %s is not a number.' % (mask_url(url), port, host))
        hosts.append(dict(host=host, port=port, user=user, password=password, vhost=vhost,
                          ssl=query.get('ssl', '').lower() in TRUE,
                          url='%s://%s%s:%d/%s' % (parts.scheme, '%s:***@' % user if user else '', host, port,
                                                   parts.path[1:])))
    return hosts


def drivers_missing(config):
    """What this interpreter lacks to reach the databases and message queues ``config`` names, by name; [] when nothing.

    ``config`` is the service's parsed configuration (``_service.config``):
    SQLAlchemy and the driver of each database URL's dialect, kombu and amqp
    when a ``transport_url`` is set.  A URL SQLAlchemy cannot read is not a
    missing driver: reaching it says what is wrong with it.
    """
    missing = []
    urls = [url for url in (config.get(section, option) for section, option in DATABASE_OPTIONS) if url]
    if urls:
        try:
            from sqlalchemy.engine import make_url
        except ImportError:
            missing.append('sqlalchemy')
        else:
            for url in urls:
                try:
                    dialect = make_url(url).get_dialect()
                    (getattr(dialect, 'import_dbapi', None) or dialect.dbapi)()  # SQLAlchemy 2, else 1.4
                except ImportError:
                    missing.append('the driver of %s' % make_url(url).drivername)
                except Exception:  # pylint: disable=broad-except
                    pass  # not a driver that is missing: reach_database says what is wrong with the URL
    if any(config.get(section, option) for section, option in TRANSPORT_OPTIONS):
        for module in ('kombu', 'amqp'):
            try:
                __import__(module)
            except ImportError:
                missing.append(module)
    return missing


def reach_database(url, timeout):
    """None when ``SELECT 1`` answers on the database at ``url``, else the reason (passwords masked)."""
    try:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool
    except ImportError:
        raise OsopsError('SQLAlchemy cannot be imported here: run this check with the interpreter of the '
                         "service's environment (/openstack/venvs/<project>-<version>/bin/python).")
    try:
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=timeout_args(url, timeout))
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise OsopsError('Cannot use database URL %s: %s' % (mask_url(url), hide_password(str(exc), _password(url))))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text('SELECT 1'))
    except sa.exc.SQLAlchemyError as exc:
        return hide_password(str(getattr(exc, 'orig', None) or exc).splitlines()[0], engine.url.password)
    return None


def timeout_args(url, timeout):
    """SQLAlchemy's ``connect_args`` that bound the connection's opening to ``timeout`` seconds, where the driver can."""
    scheme = urlsplit(url).scheme
    return {'connect_timeout': int(timeout)} if scheme.startswith(('mysql', 'postgresql')) else {}


def _password(url):
    return urlsplit(url).password


def reach_amqp(host, timeout):
    """None when an AMQP connection to ``host`` (a :func:`transport_hosts` entry) opens, else the reason."""
    try:
        import kombu
    except ImportError:
        raise OsopsError('kombu cannot be imported here: run this check with the interpreter of the '
                         "service's environment (/openstack/venvs/<project>-<version>/bin/python).")
    conn = kombu.Connection(hostname=host['host'], port=host['port'], userid=host['user'], password=host['password'],
                            virtual_host=host['vhost'], ssl=host['ssl'], connect_timeout=timeout, transport='pyamqp')
    try:
        conn.connect()
    except Exception as exc:  # pylint: disable=broad-except
        # socket errors, amqp's AccessRefused/NotAllowed, kombu's OperationalError: the reason is the answer.
        text = str(exc).strip() or type(exc).__name__
        return hide_password(text.splitlines()[0], host['password'])
    finally:
        conn.release()
    return None

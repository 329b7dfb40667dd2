# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retries of idempotent OpenStack API requests, and the error when they run out.

The retrying itself is keystoneauth's (``connect_retries``,
``status_code_retries``, ``retriable_status_codes``: exponential backoff
from 0.5 s, doubling, a ``Retry-After`` header honoured up to
``MAX_RETRY_AFTER``).  :func:`install` turns it on, per request, for the
methods that can be sent twice without doing twice what they ask (GET,
HEAD, OPTIONS, PUT, and keystone's token request), never for POST, PATCH
or DELETE, and records what every try met, so that a request that still
fails raises :class:`ApiUnavailable` naming the method, the URL, the
service and what happened each time.
"""

from __future__ import annotations

import http
import threading
import time
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import DEFAULT_RETRIES
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import mask_url

try:
    import requests
    from keystoneauth1 import exceptions as ksa_exceptions
except ImportError:  # OpenStackModule reports openstacksdk (and its keystoneauth) missing
    requests = ksa_exceptions = None

# Seconds an answer may take (each try) when neither api_timeout nor clouds.yaml sets one.
DEFAULT_TIMEOUT = 60
# Statuses of a service (or of the load balancer in front of it) that is not ready yet.
RETRIABLE_STATUSES = (429, 502, 503, 504)
# The longest wait a Retry-After header may ask for, in seconds.
MAX_RETRY_AFTER = 10
SAFE_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT'))

_ADVICE = {
    'status': 'The service, or the load balancer in front of it, is not ready: check its API processes '
              'and the load balancer\'s backends, then run again (api_retries allows more tries).',
    'reset': 'Check the service and the load balancer in front of it, then run again '
             '(api_retries allows more tries).',
    'refused': 'Is the service running, and is this its address?',
    'timeout': 'Check the service; if it is only slow, raise api_timeout.',
    'failed': 'Check the service and the network to it, then run again.',
}


def retriable(method, url):
    """Whether a request may be sent again: an idempotent method, or keystone's token request (a POST)."""
    method = (method or '').upper()
    return method in SAFE_METHODS or (method == 'POST' and urlsplit(url or '').path.rstrip('/').endswith('/auth/tokens'))


def shown_url(url):
    """``url`` as an error shows it: no query, no password."""
    parts = urlsplit(url or '')
    return mask_url(urlunsplit((parts.scheme, parts.netloc, parts.path, '', '')))


def fault_of(exc):
    """What a try that raised met, in a word: ``timeout``, ``refused``, ``reset`` or ``failed``."""
    if requests is not None and isinstance(exc, requests.exceptions.Timeout):
        return 'timeout'
    text = str(exc)
    if 'refused' in text or 'NewConnectionError' in text:
        return 'refused'
    if requests is not None and isinstance(exc, requests.exceptions.ConnectionError):
        return 'reset'
    return 'failed'


def _times(count):
    return 'once' if count == 1 else 'twice' if count == 2 else '%d times' % count


def _what(outcome, count, timeout):
    if isinstance(outcome, int):
        try:
            phrase = http.HTTPStatus(outcome).phrase
        except ValueError:
            phrase = 'HTTP %d' % outcome
        return 'answered %d %s %s' % (outcome, phrase, _times(count))
    return {
        'timeout': 'gave no answer within %g s %s' % (timeout, _times(count)),
        'refused': 'refused the connection %s' % _times(count),
        'reset': 'closed or reset the connection without an answer %s' % _times(count),
    }.get(outcome, 'failed %s' % _times(count))


def describe(where, tries, elapsed, retries, timeout):
    """The message of a request that failed every try: ``where`` (what was asked of whom), what each try met,
    what to do.

    ``tries`` lists what each try met: an HTTP status, or a word of :func:`fault_of`.
    """
    seen = []
    for outcome in tries:
        if outcome not in seen:
            seen.append(outcome)
    happened = ', '.join(_what(outcome, tries.count(outcome), timeout) for outcome in seen)
    last = tries[-1] if tries else 'failed'
    kind = 'status' if isinstance(last, int) else last
    retried = ('retried %s with backoff' % _times(len(tries) - 1)) if len(tries) > 1 else 'not retried'
    return '%s %s in %.1f s (%s, api_retries is %d). %s' % (
        where, happened, elapsed, retried, retries, _ADVICE.get(kind, _ADVICE['failed']))


class ApiUnavailable(CloudError):
    """A request that failed every try: our message, and keystoneauth's class (see :func:`unavailable`)."""


def unavailable(message, last, response=None):
    """An :class:`ApiUnavailable` that is also the keystoneauth exception of its last try.

    Callers that catch keystoneauth's errors (openstacksdk, keystoneauth's
    own version discovery, which then tries the catalog's URL) keep working;
    the collection's catch it as a :class:`CloudError` and show ``message``.
    """
    base = ksa_exceptions.HttpError if isinstance(last, int) else (
        ksa_exceptions.ConnectTimeout if last == 'timeout' else ksa_exceptions.ConnectFailure)
    error = type('ApiUnavailable', (ApiUnavailable, base), {})(message)
    # keystoneauth's attributes beside CloudError's msg; str() is the message alone.
    error.args, error.message = (message,), message
    if isinstance(last, int):
        error.http_status, error.response, error.details = last, response, message
    return error


def install(conn, retries=DEFAULT_RETRIES, default_timeout=DEFAULT_TIMEOUT, clock=time.monotonic):
    """Retry the idempotent requests of ``conn`` (an openstacksdk connection) ``retries`` times; a timeout
    when the cloud sets none.

    Wraps the keystoneauth session's ``request`` (what every openstacksdk
    proxy and keystoneauth itself call) and its requests.Session's
    ``request`` (one call per try, where each try's outcome is recorded, per
    thread).  Returns the keystoneauth session.
    """
    session = conn.session
    if getattr(session, '_osops_retries', None) is not None:
        return session
    session._osops_retries = retries
    if session.timeout is None:
        session.timeout = default_timeout
    local = threading.local()
    original, send_original = session.request, session.session.request

    def send(method, url, *args, **kwargs):
        tries = getattr(local, 'stack', None)
        try:
            response = send_original(method, url, *args, **kwargs)
        except Exception as exc:
            if tries:
                tries[-1].append((url, fault_of(exc)))
            raise
        if tries:
            tries[-1].append((url, response.status_code))
        _bound_retry_after(response)
        return response

    def request(url, method, **kwargs):
        if not retriable(method, url):
            return original(url, method, **kwargs)
        for key in ('connect_retries', 'status_code_retries'):
            kwargs[key] = max(kwargs.get(key) or 0, retries)
        kwargs['retriable_status_codes'] = sorted(set(kwargs.get('retriable_status_codes') or ()) | set(RETRIABLE_STATUSES))
        stack = local.__dict__.setdefault('stack', [])
        stack.append([])
        start = clock()
        try:
            response = original(url, method, **kwargs)
        except (ksa_exceptions.RetriableConnectionFailure, ksa_exceptions.HttpError) as exc:
            answer = getattr(exc, 'response', None)
            tries = stack[-1]
            if not tries or (answer is not None and answer.status_code not in RETRIABLE_STATUSES):
                raise
            raise _error(session, method, kwargs, tries, clock() - start, answer) from None
        finally:
            tries = stack.pop()
        if response.status_code in RETRIABLE_STATUSES and tries:
            raise _error(session, method, kwargs, tries, clock() - start, response)
        return response

    session.session.request = send
    session.request = request
    return session


def where_of(method, url, service_type=None, auth_url=None):
    """What was asked of whom: ``GET http://nova:8774/v2.1/servers/detail (compute API)``.

    A request to keystone's ``auth_url`` says so: Ansible shows the value of
    the no_log ``auth`` option as ``********``.
    """
    if auth_url and (url or '').startswith(auth_url.rstrip('/')):
        service_type = 'identity API, the auth_url'
    return '%s %s%s' % (method.upper(), shown_url(url), ' (%s)' % service_type if service_type else '')


def _error(session, method, kwargs, tries, elapsed, response=None):
    service_type = (kwargs.get('endpoint_filter') or {}).get('service_type')
    where = where_of(method, tries[-1][0], service_type and '%s API' % service_type, getattr(session.auth, 'auth_url', None))
    outcomes = [outcome for _url, outcome in tries]
    return unavailable(describe(where, outcomes, elapsed, session._osops_retries, session.timeout),
                       outcomes[-1], response)


def _bound_retry_after(response):
    """Keep a ``Retry-After`` of a retriable answer within ``MAX_RETRY_AFTER`` seconds (keystoneauth sleeps what it says)."""
    value = response.headers.get('Retry-After') if response.status_code in RETRIABLE_STATUSES else None
    if value is None:
        return
    try:
        if int(value) > MAX_RETRY_AFTER:
            response.headers['Retry-After'] = str(MAX_RETRY_AFTER)
    except ValueError:  # an HTTP date: keystoneauth then uses its own backoff
        pass

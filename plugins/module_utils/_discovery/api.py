# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery through the OpenStack APIs (the ``openstack_api`` method), with openstacksdk.

Every listing is one paginated request, never one per host; nova's compute
service listing, the slowest, runs in a thread while the others are read.
openstacksdk and keystoneauth are imported only when this method runs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import threading
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.inference import release_from_microversion
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.methods import HYPERVISORS_AUTO_LIMIT
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.topology import API_BINARIES, SERVICE_PROJECTS, host_roles, role_of
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import release_from_version

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # _releases reports it first
    Version = None


@contextlib.contextmanager
def counting_requests(session):
    """Count every HTTP request made through a keystoneauth session (auth included)."""
    counter = {'calls': 0}
    original = session.request
    lock = threading.Lock()  # discovery lists the compute services in a thread of its own

    def request(*args, **kwargs):
        with lock:
            counter['calls'] += 1
        return original(*args, **kwargs)

    session.request = request
    try:
        yield counter
    finally:
        session.request = original


def _openstack():
    """keystoneauth's and openstacksdk's exceptions and ``describe_api_error``, imported when first needed.

    Only the openstack_api method needs them (OpenStackModule reports when they are missing); the
    info modules and the inventory plugin import this module too, and importing openstacksdk takes
    about half a second.
    """
    # pylint: disable=import-outside-toplevel
    from keystoneauth1 import exceptions as ksa_exceptions
    from openstack import exceptions as sdk_exceptions

    from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import describe_api_error
    return ksa_exceptions, sdk_exceptions, describe_api_error


def _api_errors():
    ksa_exceptions, sdk_exceptions = _openstack()[:2]
    return (ksa_exceptions.ClientException, sdk_exceptions.SDKException)


def read_catalog(conn, interface, region):
    """``{service type: {'url', 'region', 'name'}}`` from the token's catalog (no extra API call).

    A service's endpoint override of clouds.yaml (``compute_endpoint_override``, ...) replaces
    its catalog URL, as it does for every openstacksdk call.
    """
    ksa_exceptions, describe_api_error = _openstack()[::2]
    try:
        access = conn.session.auth.get_access(conn.session)
    except ksa_exceptions.DiscoveryFailure as exc:
        if isinstance(exc.__context__, CloudError):  # every try of keystone's version document failed
            raise CloudError(_sentence('Cannot authenticate to read the service catalog: %s'
                                       % describe_api_error(exc, 'the identity service (auth_url)'))) from None
        # keystoneauth wraps a refused connection in its version discovery error.
        reason = ('cannot connect to the identity service (auth_url): is the service running?'
                  if 'Unable to establish connection' in str(exc) else
                  'the identity service (auth_url) answered no version document; check auth_url')
        raise CloudError(_sentence('Cannot authenticate to read the service catalog: %s' % reason)) from None
    except _api_errors() as exc:
        raise CloudError(_sentence('Cannot authenticate to read the service catalog: %s'
                                   % describe_api_error(exc, 'the identity service (auth_url)'))) from None
    catalog = {}
    for entry in access.service_catalog.catalog or []:
        for endpoint in entry.get('endpoints') or []:
            if endpoint.get('interface') != interface:
                continue
            where = endpoint.get('region_id') or endpoint.get('region')
            if region and where != region:
                continue
            catalog.setdefault(entry.get('type'), {'url': endpoint.get('url'), 'region': where,
                                                   'name': entry.get('name')})
    for service_type, entry in catalog.items():
        if service_type != 'identity':
            entry['url'] = conn.config.get_endpoint(service_type) or entry['url']
    return catalog


def version_document(conn, url):
    """``(api_version, max_microversion, problem)`` read from an endpoint's version document."""
    describe_api_error = _openstack()[2]
    try:
        response = conn.session.get(url, raise_exc=False, authenticated=True)
    except _api_errors() as exc:
        return None, None, describe_api_error(exc, url)
    if response.status_code not in (200, 300):
        return None, None, 'GET %s answered HTTP %s' % (url, response.status_code)
    try:
        body = response.json()
        entries = body['versions'] if 'versions' in body else [body['version']]
        if isinstance(entries, dict):  # keystone: {"versions": {"values": [...]}}
            entries = entries['values']
        current = [e for e in entries if str(e.get('status', '')).upper() in ('CURRENT', 'STABLE', 'SUPPORTED')]
        entry = max(current or entries, key=lambda e: Version(str(e['id']).lstrip('v')))
    except (ValueError, KeyError, TypeError, AttributeError, InvalidVersion):
        return None, None, 'the document at %s is not an OpenStack version document' % url
    return str(entry['id']), (entry.get('max_version') or entry.get('version') or None), None


# From 2.88 each hypervisor of GET /os-hypervisors/detail carries an uptime that
# nova-api asks that host's nova-compute for, one RPC call per hypervisor
# (waiting up to rpc_response_timeout for every unreachable one).  2.87 has
# every field discovery reads (type, version, host_ip, service host) and pages.
HYPERVISORS_MICROVERSION = '2.87'


def hypervisor_microversion(maximum):
    """Microversion to list hypervisors at: the server's maximum, capped at 2.87 (None: the SDK's choice)."""
    try:
        return min(Version(str(maximum)), Version(HYPERVISORS_MICROVERSION)).base_version if maximum else None
    except InvalidVersion:
        return None


_NOT_READ = 'hypervisor details (type, version, host address) not read'


def hypervisors_skipped(choice, computes):
    """Why hypervisors are not listed with ``params.hypervisors`` ``choice`` and ``computes`` nova-compute
    services, or None when they are."""
    if choice == 'always' or (choice == 'auto' and computes <= HYPERVISORS_AUTO_LIMIT):
        return None
    if choice == 'never':
        return 'params.hypervisors is never: %s.' % _NOT_READ
    return ('{:,} nova-compute services > {:,}: {}; nova-api looks each hypervisor up one by one; pass '
            'params.hypervisors: always to read them.'.format(computes, HYPERVISORS_AUTO_LIMIT, _NOT_READ))


def _sentence(text):
    return text if text.endswith(('.', '?', '!')) else text + '.'


def in_background(work):
    """Start ``work()`` in a thread now; a ``concurrent.futures.Future`` of what it returns or raises.

    The thread is a daemon: a module that fails in the meantime (a store
    that cannot be opened) exits at once instead of waiting for an API.
    """
    future = concurrent.futures.Future()

    def run():
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(work())
            except Exception as exc:  # pylint: disable=broad-exception-caught  # raised by future.result()
                future.set_exception(exc)

    threading.Thread(target=run, name='osops-discovery', daemon=True).start()
    return future


def _listing(what, proxy, path, key, endpoint, microversion=None):
    """Every item of a listing as plain dicts, one request per page.

    The JSON is read as it is: building an openstacksdk resource per item
    costs about a millisecond each, which at thousands of hosts was most of
    discovery's own time.  A next page (``<key>_links``, rel next) is asked of
    ``path`` with the link's query only, so a link naming another host or
    scheme (a proxy in front of the API) is not followed elsewhere.  A
    listing the service does not have (HTTP 404) is empty.
    """
    ksa_exceptions, sdk_exceptions, describe_api_error = _openstack()
    items, params = [], None
    while True:
        try:
            response = proxy.get(path, params=params, microversion=microversion)
            sdk_exceptions.raise_from_response(response)  # the proxy does not raise on HTTP errors
            body = response.json()
        except sdk_exceptions.NotFoundException:
            return items
        except ksa_exceptions.NotFound:
            return items
        except _api_errors() as exc:
            raise CloudError(_sentence('Cannot list %s: %s' % (what, describe_api_error(exc, endpoint)))) from None
        except ValueError:
            raise CloudError('Cannot list %s: GET %s%s did not answer JSON.' % (what, endpoint, path)) from None
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise CloudError('Cannot list %s: GET %s%s has no %s list.' % (what, endpoint, path, key))
        items.extend(page)
        following = [link.get('href') for link in body.get(key + '_links') or []
                     if isinstance(link, dict) and link.get('rel') == 'next' and link.get('href')]
        if not following or not page:
            return items
        params = dict(parse_qsl(urlsplit(following[0]).query, keep_blank_values=True))


def _state(up, enabled):
    return ('up' if up else 'down') + ('' if enabled else ' (disabled)')


def discover_openstack_api(conn, params, interface, region):
    """Read the cloud through openstacksdk.  Every listing is one paginated call, never per host.

    Besides ``region``, ``hosts`` and ``components``, returns ``notes`` (what was not read and why)
    and ``warnings`` (the notes the operator did not ask for, such as hypervisors skipped by
    ``params.hypervisors: auto`` above ``HYPERVISORS_AUTO_LIMIT`` computes).
    """
    catalog = read_catalog(conn, interface, region)
    if not catalog:
        raise CloudError('The service catalog has no %s endpoint%s; check interface and region_name.'
                         % (interface, ' in region %s' % region if region else ''))
    found = []  # (project, binary, host, state, extra)
    api = {}
    for service_type in sorted(catalog):
        project = SERVICE_PROJECTS.get(service_type, catalog[service_type]['name'] or service_type)
        if project in api:  # cinder is in the catalog under several types
            continue
        url = catalog[service_type]['url']
        api_version, maximum, problem = version_document(conn, url)
        api[project] = {'service_type': service_type, 'endpoint': url, 'api_version': api_version,
                        'max_microversion': maximum}
        extra = dict(api[project])
        if problem:
            extra['problem'] = problem
        binary = API_BINARIES.get(project, '%s-api' % project)
        found.append((project, binary, '', 'up' if not problem else 'down', extra))
    # nova-api takes longest to answer (about 3 s for 5,000 compute services): its listing runs in
    # a thread while the other services' listings are read.
    compute_services = None
    if 'compute' in catalog:
        compute_services = in_background(functools.partial(_listing, 'compute services', conn.compute,
                                                           '/os-services', 'services', catalog['compute']['url']))
    versions = params.get('versions') or {}
    host_versions = params.get('host_versions') or {}
    providers, agents = {}, []  # agents: neutron's agents and cinder's services, listed after nova's
    if 'placement' in catalog:
        url = catalog['placement']['url']
        for p in _listing('placement resource providers', conn.placement, '/resource_providers',
                          'resource_providers', url):
            providers[p.get('name')] = p.get('uuid')
    if 'network' in catalog:
        for a in _listing('network agents', conn.network, '/agents', 'agents', catalog['network']['url']):
            agents.append(('neutron', a.get('binary'), a.get('host'),
                           _state(bool(a.get('alive')), bool(a.get('admin_state_up'))),
                           {'agent_type': a.get('agent_type')}))
    volume_url = (catalog.get('block-storage') or catalog.get('volumev3') or {}).get('url')
    if volume_url:
        for s in _listing('volume services', conn.block_storage, '/os-services', 'services', volume_url):
            host = s.get('host') or ''
            agents.append(('cinder', s.get('binary'), host.split('@')[0],
                           _state(s.get('state') == 'up', s.get('status') == 'enabled'),
                           {'zone': s.get('zone'), 'backend_host': host}))
    addresses, hypervisors, notes, warnings = {}, {}, [], []
    if compute_services is not None:
        url = catalog['compute']['url']
        computes = 0
        for s in compute_services.result():
            found.append(('nova', s.get('binary'), s.get('host'),
                          _state(s.get('state') == 'up', s.get('status') == 'enabled'),
                          {'zone': s.get('zone'), 'disabled_reason': s.get('disabled_reason')}))
            computes += s.get('binary') == 'nova-compute'
        choice = params.get('hypervisors') or 'auto'
        skipped = hypervisors_skipped(choice, computes)
        if skipped:
            notes.append(skipped)
            if choice == 'auto':  # not asked for: also a warning
                warnings.append(skipped)
        microversion = hypervisor_microversion(api.get('nova', {}).get('max_microversion'))
        for h in [] if skipped else _listing('hypervisors', conn.compute, '/os-hypervisors/detail', 'hypervisors',
                                             url, microversion):
            name = (h.get('service') or {}).get('host') or h.get('hypervisor_hostname')
            hypervisors[name] = {'hypervisor_type': h.get('hypervisor_type'),
                                 'hypervisor_version': h.get('hypervisor_version')}
            if h.get('host_ip'):
                addresses[name] = h['host_ip']
    components, binaries = [], {}
    control_hosts = set(host for _project, binary, host, _state, _extra in found + agents
                        if host and role_of(binary) == 'control')
    for project, binary, host, state, extra in found + agents:
        if binary == 'nova-compute':
            extra.update(hypervisors.get(host, {}))
            if host in providers:
                extra['resource_provider'] = providers[host]
        version = host_versions.get(host, {}).get(project) or versions.get(project)
        if not host and not version:
            version, extra['version_from'] = _control_version(project, host_versions, control_hosts)
        component = {'service': project, 'binary': binary, 'host': host, 'state': state, 'version': version}
        if component['version']:
            component['release'], reason = release_from_version(project, component['version'])
        else:
            component['release'], reason = release_from_microversion(project, api.get(project, {}).get('max_microversion'))
            if binary != API_BINARIES.get(project, '%s-api' % project) or host:
                component['release'], reason = None, None
            reason = reason or ('the %s API does not tell which version %s runs; pass params.versions '
                                'or params.host_versions (from host facts)' % (project, binary))
        extra['release_reason'] = reason
        component['extra'] = dict((k, v) for k, v in extra.items() if v is not None)
        components.append(component)
        if host:
            binaries.setdefault(host, set()).add(binary)
    hosts = [{'name': host, 'address': addresses.get(host), 'roles': host_roles(found)}
             for host, found in sorted(binaries.items())]
    regions = sorted(set(entry['region'] for entry in catalog.values() if entry['region']))
    return {'region': ','.join(regions) or None, 'hosts': hosts, 'components': components,
            'notes': notes, 'warnings': warnings}


def _control_version(project, host_versions, control_hosts):
    """The version of an API the catalog names without a host: the one the control hosts of
    ``params.host_versions`` report for its project (``(version, where)``), when they agree.

    Host facts name what runs on each host (``{controller: {keystone: 27.1.0, ...}}``); the
    API itself runs on the control hosts, whatever version the computes' agents are at.
    """
    reported = dict((host, entry[project]) for host, entry in host_versions.items()
                    if host in control_hosts and entry.get(project))
    if len(set(reported.values())) != 1:
        return None, None
    return list(reported.values())[0], 'params.host_versions of %s' % ', '.join(sorted(reported))

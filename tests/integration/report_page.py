"""What an upgrade's HTML report shows in a real headless Chromium, against what the store holds.

Debian's chromium and chromedriver (``make setup`` installs them), driven by
Selenium with the driver's path given, so nothing is downloaded.  The store
is read with plain SQL here, not with the collection's report code: the page
is compared with the rows, not with the code that drew it.
"""

import json
import os
import shutil

import sqlalchemy as sa
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

# the project's tests/output (the tiers run from the project's root), not the installed collection's copy
SCREENSHOTS = os.path.join(os.getcwd(), 'tests', 'output', 'reports')
COLOURS = {'done': 'rgba(46, 125, 50, 1)', 'failed': 'rgba(198, 40, 40, 1)', 'reverted': 'rgba(106, 27, 154, 1)',
           'running': 'rgba(21, 101, 192, 1)', 'pending': 'rgba(158, 158, 158, 1)'}
MARKED = ('paused', 'failed', 'cancelling', 'cancelled', 'rolling_back', 'rolled_back', 'completed')


def browser():
    """A headless Chromium (Debian's), through its own chromedriver."""
    chromium = shutil.which('chromium') or '/usr/bin/chromium'
    driver = shutil.which('chromedriver') or '/usr/bin/chromedriver'
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                 '--window-size=1400,1000', '--no-first-run', '--disable-extensions'):
        options.add_argument(flag)
    os.environ.setdefault('SE_OFFLINE', 'true')  # Selenium Manager: never look for a driver online
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def shown(path, screenshot):
    """What the page at ``path`` shows: per row its host, bars and marks; the versions; the check counts."""
    driver = browser()
    try:
        driver.get('file://%s' % path)
        page = {'title': driver.title, 'status': driver.find_element(By.ID, 'status').text, 'rows': []}
        for row in driver.find_elements(By.CSS_SELECTOR, '#timeline .row'):
            track = row.find_element(By.CLASS_NAME, 'track').rect
            bars = []
            for element in row.find_elements(By.CLASS_NAME, 'bar'):
                rect = element.rect
                bars.append({'position': int(element.get_attribute('data-position')),
                             'colour': element.value_of_css_property('background-color'),
                             'displayed': element.is_displayed() and rect['width'] >= 2 and rect['height'] > 0,
                             'inside': track['x'] - 0.5 <= rect['x']
                             and rect['x'] + rect['width'] <= track['x'] + track['width'] + 3.5})
            marks = [m.get_attribute('data-mark') for m in row.find_elements(By.CLASS_NAME, 'mark')
                     if m.is_displayed()]
            page['rows'].append({'host': row.get_attribute('data-host'), 'bars': bars, 'marks': marks})
        page['versions'] = {}
        for row in driver.find_elements(By.CSS_SELECTOR, '#versions tr[data-service]'):
            cells = row.find_elements(By.TAG_NAME, 'td')
            page['versions'][row.get_attribute('data-service')] = {'before': cells[1].text, 'after': cells[2].text}
        page['checks'] = {}
        for row in driver.find_elements(By.CSS_SELECTOR, '#checks tr[data-when]'):
            cells = row.find_elements(By.CSS_SELECTOR, 'td[data-result]')
            page['checks'][row.get_attribute('data-when')] = dict(
                (cell.get_attribute('data-result'), int(cell.text)) for cell in cells) or row.text
        os.makedirs(os.path.dirname(screenshot), exist_ok=True)
        height = driver.execute_script('return document.body.scrollHeight')
        driver.set_window_size(1400, min(max(height + 40, 600), 4000))
        driver.save_screenshot(screenshot)
        return page
    finally:
        driver.quit()


def stored(url, upgrade_id):
    """The same from the store's rows: steps that ran per host, the marked statuses, versions, readiness counts."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            cluster, status = conn.execute(sa.text(
                'SELECT c.name, u.status FROM upgrades u JOIN clusters c ON c.id = u.cluster_id WHERE u.id = :id'),
                {'id': upgrade_id}).one()
            steps = conn.execute(sa.text(
                'SELECT position, phase, service, host, action, status, started_at, from_version, to_version, detail '
                'FROM upgrade_steps WHERE upgrade_id = :id ORDER BY position'), {'id': upgrade_id}).mappings().all()
            events = [row[0] for row in conn.execute(sa.text(
                'SELECT to_status FROM upgrade_events WHERE upgrade_id = :id ORDER BY id'), {'id': upgrade_id})]
    finally:
        engine.dispose()
    ran = {}
    for step in steps:
        if step['started_at'] is not None:
            ran.setdefault(step['host'] or cluster, []).append((step['position'], step['status']))
    before, after, units = {}, {}, {}
    for step in steps:
        if step['phase'] in ('control', 'compute'):
            unit = units.setdefault((step['service'], step['host']), {'done': True})
            unit['done'] = unit['done'] and step['status'] == 'done'
            if step['action'] == 'switch':
                unit['from'], unit['to'] = step['from_version'], step['to_version']
    for (service, _host), unit in units.items():
        for table, version in ((before, unit['from']), (after, unit['to'] if unit['done'] else unit['from'])):
            table.setdefault(service, {})
            table[service][version] = table[service].get(version, 0) + 1
    readiness = {}
    for step in steps:
        detail = step['detail'] if isinstance(step['detail'], dict) else json.loads(step['detail'] or '{}')
        if step['action'] == 'readiness' and detail.get('counts'):
            readiness[detail['when']] = detail['counts']
    return {'cluster': cluster, 'status': status, 'ran': ran, 'marks': [e for e in events if e in MARKED],
            'versions': {'before': before, 'after': after}, 'readiness': readiness}


def versions_text(counts):
    return ', '.join('%s × %d' % (version, hosts) for version, hosts in sorted(counts.items()))


def assert_page_matches_store(path, url, upgrade_id, name):
    """Open the report at ``path`` in Chromium and compare what it shows with the store at ``url``."""
    screenshot = os.path.join(SCREENSHOTS, '%s.png' % name)
    page = shown(path, screenshot)
    print('screenshot of the report: %s' % screenshot)
    truth = stored(url, upgrade_id)
    assert upgrade_id in page['title'] and page['status'] == truth['status'].replace('_', ' ')
    hosts = [row['host'] for row in page['rows']]
    assert hosts[0] == truth['cluster'] and set(hosts) >= set(truth['ran'])
    for row in page['rows']:
        expected = truth['ran'].get(row['host'], [])
        assert [b['position'] for b in row['bars']] == [p for p, _s in expected], row['host']
        assert [b['colour'] for b in row['bars']] == [COLOURS[s] for _p, s in expected], row['host']
        assert all(b['displayed'] and b['inside'] for b in row['bars']), row
        assert row['marks'] == truth['marks'], row['host']
    for when in ('before', 'after'):
        assert dict((s, v[when]) for s, v in page['versions'].items()) == dict(
            (s, versions_text(counts)) for s, counts in truth['versions'][when].items()), when
    for when, counts in truth['readiness'].items():
        assert page['checks'][when] == dict((r, counts.get(r, 0)) for r in ('Success', 'Warning', 'Failure', 'Error'))
    return page, truth

"""The layout of module_utils: dependencies point one way, no cycles, no oversized file.

docs/architecture.md draws the same layers; a change here is a change there.
"""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULE_UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
PREFIX = 'ansible_collections.osops.lifecycle.plugins.'

# A package may import its own files and the packages of lower layers, never a higher or equal one.
LAYERS = {
    '_errors': 0, '_secrets': 0,
    '_base': 1,
    '_releases': 2,
    '_service': 3, '_store': 3,
    '_checks': 4, '_discovery': 4,
    '_maintenance': 5,
    '_upgrade': 6,
}
MAX_LINES = 400


def module_name(path):
    """``_store.engine`` for plugins/module_utils/_store/engine.py, ``_errors`` for _errors.py."""
    relative = os.path.relpath(path, MODULE_UTILS)[:-len('.py')]
    parts = relative.split(os.sep)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def sources():
    for directory, _dirs, files in os.walk(MODULE_UTILS):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(directory, name)


def imports(path):
    """The collection modules ``path`` imports (anywhere in it, lazy imports included), as dotted names.

    Plugins outside module_utils are returned with their ``plugins.`` path (``plugins.modules.x``).
    """
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError('%s: relative import of %s; use the full collection path' % (path, node.module))
            names = [node.module + '.' + alias.name for alias in node.names]
            modules = [node.module] + names
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if module.startswith(PREFIX + 'module_utils.'):
                found.add(module[len(PREFIX + 'module_utils.'):])
            elif module.startswith(PREFIX):
                found.add('plugins.' + module[len(PREFIX):])
    return found


def graph():
    """``{module: {imported module_utils modules}}`` over every file of module_utils."""
    known = dict((module_name(path), path) for path in sources())
    edges = {}
    for name, path in known.items():
        targets = set()
        for imported in imports(path):
            if imported.startswith('plugins.'):
                targets.add(imported)
                continue
            # ``from _store import migrations`` names the module _store.migrations; keep what exists,
            # without the (empty) package __init__ files.
            while imported and imported not in known:
                imported = imported.rpartition('.')[0]
            if imported and imported != name and not known[imported].endswith('__init__.py'):
                targets.add(imported)
        edges[name] = targets
    return edges


def wrong_directions(edges):
    """Every edge that points to a higher or equal layer, or out of module_utils, as readable text."""
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if target.startswith('plugins.'):
                problems.append('%s imports %s: module_utils import nothing of the other plugin types'
                                % (source, target))
                continue
            src_pkg, dst_pkg = source.split('.')[0], target.split('.')[0]
            if src_pkg == dst_pkg:
                continue
            if src_pkg not in LAYERS or dst_pkg not in LAYERS:
                problems.append('%s imports %s: %s has no layer; add it to LAYERS and docs/architecture.md'
                                % (source, target, src_pkg if src_pkg not in LAYERS else dst_pkg))
            elif LAYERS[dst_pkg] >= LAYERS[src_pkg]:
                problems.append('%s (layer %d) imports %s (layer %d): dependencies point to lower layers only'
                                % (source, LAYERS[src_pkg], target, LAYERS[dst_pkg]))
    return problems


def cycles(edges):
    """Import cycles between files, each as ``a -> b -> a``."""
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in edges:
                continue
            if state.get(target) == 'open':
                found.append(' -> '.join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 'done'

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_dependencies_point_to_lower_layers():
    assert wrong_directions(graph()) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_every_package_has_a_layer():
    packages = set(name.split('.')[0] for name in graph())
    assert packages - set(LAYERS) == set()


def test_no_file_over_the_size_limit():
    long_files = []
    for path in sources():
        with open(path, encoding='utf-8') as handle:
            count = sum(1 for _line in handle)
        if count > MAX_LINES:
            long_files.append('%s: %d lines' % (os.path.relpath(path, ROOT), count))
    assert long_files == []


def test_the_store_does_not_know_discovery():
    assert [(name, sorted(t for t in targets if t.startswith('_discovery')))
            for name, targets in graph().items()
            if name.startswith('_store') and any(t.startswith('_discovery') for t in targets)] == []


def test_the_layout_is_documented():
    with open(os.path.join(ROOT, 'docs', 'architecture.md'), encoding='utf-8') as handle:
        text = handle.read()
    assert [package for package in LAYERS if '`%s' % package not in text] == []


# The checker itself, on made-up graphs: it must catch what it is for.

@pytest.mark.parametrize('edges,expected', [
    ({'_base.module': {'_checks.model'}}, ['_base.module (layer 1) imports _checks.model (layer 4)']),
    ({'_store.engine': {'_discovery.api'}}, ['_store.engine (layer 3) imports _discovery.api (layer 4)']),
    ({'_checks.api': {'_discovery.api'}}, ['_checks.api (layer 4) imports _discovery.api (layer 4)']),
    ({'_checks.api': {'plugins.modules.check_x'}}, ['_checks.api imports plugins.modules.check_x']),
    ({'_new.thing': {'_base.module'}}, ['_new.thing imports _base.module: _new has no layer']),
    ({'_checks.api': {'_base.openstack', '_checks.model'}, '_upgrade.plan': {'_store.upgrades'}}, []),
])
def test_wrong_directions_are_named(edges, expected):
    problems = wrong_directions(edges)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


def test_cycles_are_named():
    edges = {'_a.x': {'_a.y'}, '_a.y': {'_a.z'}, '_a.z': {'_a.x'}, '_a.w': {'_a.x'}}
    assert cycles(edges) == ['_a.x -> _a.y -> _a.z -> _a.x']
    assert cycles({'_a.x': {'_a.y'}, '_a.y': set()}) == []


def test_lazy_imports_count(tmp_path):
    source = tmp_path / 'lazy.py'
    source.write_text('def f():\n    from %smodule_utils._store.engine import open_store\n' % PREFIX)
    assert imports(str(source)) == {'_store.engine', '_store.engine.open_store'}


def test_the_graph_sees_real_imports():
    edges = graph()
    assert '_service.nova_db' in edges['_checks.nova']
    assert '_store.clusters' in edges['_discovery.summary']  # a lazy import, inside cluster_status
    assert '_store.migrations' in edges['_store.engine']  # from _store import migrations

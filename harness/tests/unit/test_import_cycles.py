"""The library imports without cycles, counting imports inside functions.

An import inside a function is how a cycle hides: the module loads, and
the cycle bites later, at the first call.  So every ``import`` and
``from ... import`` of the library's syntax tree counts, wherever it
sits.  Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``
first, so a module also depends on the packages above what it imports.

The library is ``harness/`` without the reference service, the tests and
the benchmark (each imports the library, never the reverse).
"""

import ast
import os
import sys

import fixtures
import testtools

import harness

ROOT = os.path.dirname(os.path.abspath(harness.__file__))
#: Not the library: its users, or the service (which imports only
#: ``harness.errors``, ``harness.contract`` and ``harness.agent.hooks``).
OUTSIDE = ('service', 'tests', 'bench')


def library_modules(root=ROOT):
    """``{dotted name: path}`` of every module of the library."""
    found = {}
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        parts = [] if rel == '.' else rel.split(os.sep)
        if parts and parts[0] in OUTSIDE:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in files:
            if not name.endswith('.py'):
                continue
            stem = name[:-3]
            leaf = [] if stem == '__init__' else [stem]
            dotted = ['harness'] + parts + leaf
            found['.'.join(dotted)] = os.path.join(folder, name)
    return found


def _imported(tree, module, is_package, known):
    """The library modules *tree* (of *module*) imports, anywhere."""
    package = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')
                anchor = anchor[:len(anchor) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = '%s.%s' % (base, alias.name)
                yield candidate if candidate in known else base


def import_graph(modules=None):
    """``{module: set of library modules it needs loaded}``."""
    modules = modules or library_modules()
    graph = {}
    for name, path in modules.items():
        with open(path, encoding='utf-8') as handle:
            tree = ast.parse(handle.read(), path)
        needs = set()
        for target in _imported(tree, name,
                                path.endswith('__init__.py'), modules):
            parts = target.split('.')
            # a.b.c loads a, a.b, then a.b.c.
            for depth in range(1, len(parts) + 1):
                prefix = '.'.join(parts[:depth])
                if prefix in modules and prefix != name:
                    needs.add(prefix)
        graph[name] = needs
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (or a
    module importing itself), each as a sorted list: the import cycles."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(start):
        # Iterative Tarjan: deep import chains must not hit the recursion
        # limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


class ImportCycleTest(testtools.TestCase):

    def test_the_library_has_no_import_cycle(self):
        self.assertEqual([], cycles(import_graph()))

    def test_a_cycle_through_a_function_is_found(self):
        # The detector itself: a cycle closed by an import inside a
        # function counts.
        folder = _write_tree(self.useFixture(fixtures.TempDir()).path, {
            '__init__.py': '',
            'a.py': 'from harness import b\n',
            'b.py': 'def f():\n    from harness import a\n',
            'c.py': 'import harness.a\n',
        })
        graph = import_graph(library_modules(folder))
        self.assertEqual([['harness.a', 'harness.b']], cycles(graph))

    def test_a_package_init_counts(self):
        folder = _write_tree(self.useFixture(fixtures.TempDir()).path, {
            '__init__.py': '',
            'p/__init__.py': 'from harness import q\n',
            'p/m.py': '',
            'q.py': 'from harness.p import m\n',
        })
        graph = import_graph(library_modules(folder))
        self.assertEqual([['harness.p', 'harness.q']], cycles(graph))


def _write_tree(folder, files):
    """A throwaway source tree in *folder*: ``{relative path: text}``."""
    for rel, text in files.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(text)
    return folder


if __name__ == '__main__':
    for cycle in cycles(import_graph()):
        print(' <-> '.join(cycle))
    sys.exit(0)

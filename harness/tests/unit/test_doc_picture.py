"""The committed picture of the processes matches its Graphviz source.

``doc/source/explanation/processes.svg`` is generated from
``processes.dot`` beside it (``dot -Tsvg processes.dot -o
processes.svg``) and committed, so that building the docs needs no
Graphviz.  An edit of the ``.dot`` that is not followed by a new SVG
would leave the docs showing the old picture: these tests catch it.

Graphviz writes each node's id and each edge (``a->b``) as the
``<title>`` of its SVG group, whatever its version, so the titles are
compared without Graphviz; the labels are compared too where Graphviz
is installed (a fresh SVG's text against the committed one's).
"""

import html
import os
import re
import shutil
import subprocess
import tempfile

import testtools

import harness

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(harness.__file__)))
FOLDER = os.path.join(ROOT, 'doc', 'source', 'explanation')
DOT = os.path.join(FOLDER, 'processes.dot')
SVG = os.path.join(FOLDER, 'processes.svg')

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_EDGE = re.compile(r'^(\w+)\s*->\s*(\w+)')
_NODE = re.compile(r'^(\w+)\s*\[')
_CLUSTER = re.compile(r'^subgraph\s+(cluster\w*)')
_KEYWORDS = {'graph', 'node', 'edge', 'subgraph', 'digraph'}
_TITLE = re.compile(r'<title>(.*?)</title>')
_TEXT = re.compile(r'<text\b[^>]*>(.*?)</text>')


def dot_elements(source):
    """``(nodes, edges)`` declared in Graphviz *source*: node and
    cluster ids (Graphviz draws both), and edges as ``'a->b'``; the
    graph's own attributes are neither."""
    nodes, edges = set(), set()
    for line in _STRING.sub('""', source).splitlines():
        line = line.strip()
        cluster = _CLUSTER.match(line)
        if cluster:
            nodes.add(cluster.group(1))
            continue
        edge = _EDGE.match(line)
        if edge:
            nodes.update(edge.groups())
            edges.add('%s->%s' % edge.groups())
            continue
        node = _NODE.match(line)
        if node and node.group(1) not in _KEYWORDS:
            nodes.add(node.group(1))
    return nodes, edges


def svg_titles(svg):
    """The ``<title>`` texts of *svg*, unescaped, without the graph's."""
    titles = {html.unescape(title) for title in _TITLE.findall(svg)}
    titles.discard('processes')
    return titles


def svg_texts(svg):
    """The label lines *svg* draws, in order, unescaped."""
    return [html.unescape(text) for text in _TEXT.findall(svg)]


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


class TestProcessesPicture(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(DOT):
            self.skipTest('no doc/source beside the package (an installed '
                          'copy): the picture is checked in a checkout')

    def test_parser_sees_nodes_and_edges(self):
        # The check below is only as good as this parser.
        nodes, edges = dot_elements(
            'digraph g {\n graph [label="a -> b [x]"];\n'
            '  a [label="x\\n\\"y\\" [z]"];\n  b;\n  a -> b [dir=back];\n'
            '  c -> a;\n  subgraph cluster_x { d; }\n  subgraph s { e; }\n}\n')
        self.assertEqual({'a', 'b', 'c', 'cluster_x'}, nodes)
        self.assertEqual({'a->b', 'c->a'}, edges)

    def test_svg_has_every_node_and_edge_of_the_dot(self):
        nodes, edges = dot_elements(_read(DOT))
        self.assertGreater(len(nodes), 10)
        titles = svg_titles(_read(SVG))
        self.assertEqual(
            sorted(nodes | edges), sorted(titles),
            'processes.svg is not the picture of processes.dot: run '
            '"dot -Tsvg processes.dot -o processes.svg" in %s' % FOLDER)

    def test_svg_labels_are_the_dots(self):
        dot = shutil.which('dot')
        if dot is None:
            self.skipTest('Graphviz is not installed (no "dot" on PATH): '
                          'the labels of processes.svg are not compared '
                          'with a fresh rendering')
        with tempfile.TemporaryDirectory() as scratch:
            fresh = os.path.join(scratch, 'processes.svg')
            subprocess.run([dot, '-Tsvg', DOT, '-o', fresh], check=True,
                           timeout=60)
            expected = svg_texts(_read(fresh))
        self.assertEqual(
            expected, svg_texts(_read(SVG)),
            'the labels of processes.svg are stale: run "dot -Tsvg '
            'processes.dot -o processes.svg" in %s' % FOLDER)

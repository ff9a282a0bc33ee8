"""Module attributes imported on first use (:mod:`harness.lazy`)."""

import sys
import types

import testtools

from harness import lazy


class LazyTest(testtools.TestCase):

    def make_module(self):
        module = types.ModuleType('harness_lazy_probe')
        sys.modules[module.__name__] = module
        self.addCleanup(sys.modules.pop, module.__name__)
        module.__getattr__, module.__dir__ = lazy.attributes(
            module.__name__, {'dumps': 'json'})
        return module

    def test_imported_on_first_use_then_kept(self):
        import json
        module = self.make_module()
        self.assertNotIn('dumps', vars(module))
        self.assertIs(json.dumps, module.dumps)
        self.assertIs(json.dumps, vars(module)['dumps'])

    def test_unknown_name_is_an_attribute_error(self):
        module = self.make_module()
        exc = self.assertRaises(AttributeError, getattr, module, 'nope')
        self.assertEqual("module 'harness_lazy_probe' has no attribute "
                         "'nope'", str(exc))

    def test_dir_lists_names_not_yet_imported(self):
        self.assertIn('dumps', dir(self.make_module()))

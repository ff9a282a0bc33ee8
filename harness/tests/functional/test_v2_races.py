"""Racing v2 requests against a launched stack (issue 13): real
concurrent requests from threads, a bounded number of rounds, each round
ending in one of the outcomes the requests have when run one after the
other -- never a mix, a duplicate row or a stray file."""

import json
import threading

from harness.tests.functional import test_v2_data
from harness.tests.functional import v2_support as v2

ROUNDS = 8
#: Racing requests per round.
RACERS = 4


def race(*calls):
    """Run *calls* at once (released together); return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(v2.TIMEOUT)
            results[index] = call()
        except Exception as exc:  # reported by the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index, call))
               for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(v2.TIMEOUT * 2)
    if errors:
        raise errors[0]
    return results


class TestV2Races(test_v2_data.V2DataTest):

    def status_of(self, method, path, body=None, headers=None, api=None):
        def call():
            return (api or self.owner).request(method, path, body,
                                               headers)[0]
        return call

    def test_member_adds(self):
        for _ in range(ROUNDS):
            image_id = self.new_image()
            path = '/images/%s/members' % image_id
            statuses = race(*[self.status_of('POST', path,
                                             {'member': 'tenant2'})] * RACERS)
            self.assertEqual([200] + [409] * (RACERS - 1), sorted(statuses))
            members = self.owner.json('GET', path)['members']
            self.assertEqual(['tenant2'],
                             [m['member_id'] for m in members])
            self.assertEqual(204, self.owner.request(
                'DELETE', '%s/tenant2' % path)[0])
            self.assertEqual([], self.owner.json('GET', path)['members'])
            self.assertEqual(404, self.other.request(
                'GET', '/images/%s' % image_id)[0])

    def test_same_tag_adds(self):
        for _ in range(ROUNDS):
            image_id = self.new_image()
            statuses = race(*[self.status_of(
                'PUT', '/images/%s/tags/t' % image_id)] * RACERS)
            self.assertEqual([204] * RACERS, statuses)
            self.assertEqual(['t'], self.image(image_id)['tags'])

    def test_different_tag_adds(self):
        for _ in range(ROUNDS):
            image_id = self.new_image(tags=['old'])
            tags = ['t%d' % index for index in range(RACERS)]
            statuses = race(*[self.status_of(
                'PUT', '/images/%s/tags/%s' % (image_id, tag))
                for tag in tags])
            self.assertEqual([204] * RACERS, statuses)
            self.assertEqual(sorted(['old'] + tags),
                             sorted(self.image(image_id)['tags']))

    def test_patches_end_in_one_order(self):
        a = [{'op': 'replace', 'path': '/tags', 'value': ['a1', 'a2']},
             {'op': 'add', 'path': '/pa', 'value': 'a'},
             {'op': 'replace', 'path': '/min_disk', 'value': 1},
             {'op': 'replace', 'path': '/name', 'value': 'A'}]
        b = [{'op': 'replace', 'path': '/tags', 'value': ['b']},
             {'op': 'add', 'path': '/pb', 'value': 'b'},
             {'op': 'replace', 'path': '/min_disk', 'value': 2},
             {'op': 'replace', 'path': '/min_ram', 'value': 2}]
        keys = ('tags', 'pa', 'pb', 'min_disk', 'min_ram', 'name')
        a_then_b = (['b'], 'a', 'b', 2, 2, 'A')
        b_then_a = (['a1', 'a2'], 'a', 'b', 1, 2, 'A')
        for _ in range(ROUNDS):
            image_id = self.new_image(name='start')

            def patcher(ops):
                return lambda: self.owner.patch(image_id, ops)[0]
            self.assertEqual([200, 200], race(patcher(a), patcher(b)))
            image = self.image(image_id)
            self.assertIn(tuple(image.get(key) for key in keys),
                          (a_then_b, b_then_a), image)

    def test_delete_wins_over_a_starting_upload(self):
        for _ in range(ROUNDS * 2):
            image_id = self.new_image()
            path = '/images/%s' % image_id
            upload = self.status_of(
                'PUT', path + '/file', b'd' * 65536,
                {'Content-Type': 'application/octet-stream'})
            deleted, uploaded = race(self.status_of('DELETE', path), upload)
            # Serial: upload then delete (204, 204), or delete first (the
            # upload finds no image, 404, or loses it under way, 410).
            self.assertEqual(204, deleted)
            self.assertIn(uploaded, (204, 404, 410))
            self.assertEqual(404, self.owner.request('GET', path)[0])
            self.assertEqual([], self.files())

    def test_tag_add_races_a_patch_of_tags(self):
        for _ in range(ROUNDS):
            image_id = self.new_image(tags=['x'])
            patch = [{'op': 'replace', 'path': '/tags', 'value': ['p']}]
            statuses = race(
                lambda: self.owner.patch(image_id, patch)[0],
                self.status_of('PUT', '/images/%s/tags/t' % image_id))
            self.assertEqual([200, 204], statuses)
            tags = sorted(self.image(image_id)['tags'])
            # PATCH then PUT: p, t.  PUT then PATCH: p.
            self.assertIn(tags, (['p', 't'], ['p']), json.dumps(tags))


class TestV2RacesThroughRegistry(TestV2Races):
    """The same races with the v2 data path through the registry's
    ``/rpc`` (the compare-and-set travels as RPC arguments)."""

    conf_lines = 'data_api = glance.db.registry.api\n'

"""Corpus cases that show defects issue 13's part A fixes.

:data:`PART_A` names each known defect; a case showing one carries its
key as ``known=``.  Until part A is merged the runner skips the cases
whose key is in :data:`SKIPPED` (reported as a test detail).  After the
merge: empty :data:`SKIPPED`, and they must pass like every other case.
"""

#: The known v2 defects of issue 13, part A.
PART_A = {
    'date_filter': 'a date-time filter whose value is not a date-time '
                   'answers 500 (want 400 naming the filter)',
    'task_body': 'POST /v2/tasks with a body that is not a JSON object '
                 'answers 500 (want 400)',
    'locations_403': 'v2 locations PATCH answers 403 "locations are '
                     'invisible" with show_multiple_locations off (want '
                     'icehouse: the change is checked, a bad index 400)',
    'race_members': 'two concurrent member adds both answer 200 and leave '
                    'two live rows (want one row, the loser 409)',
    'race_tags': 'concurrent adds of one tag duplicate it, of two tags '
                 'may lose one',
    'race_patches': 'two concurrent PATCHes end in a mix of both',
    'location_scheme': 'v2 location add/replace with a restricted scheme '
                       '(file, filesystem, swift+config) (want 400 '
                       '"Invalid location")',
}

#: Keys of :data:`PART_A` whose cases are skipped for now.
SKIPPED = dict(PART_A)

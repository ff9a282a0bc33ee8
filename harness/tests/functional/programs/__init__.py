"""Small server programs the functional tests launch as user servers."""

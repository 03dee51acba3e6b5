"""What the emulators share beyond ``sandbox/common.py``: one module per piece (admin routes and wiring,
deterministic keys, OAuth error bodies, request bodies, seeding helpers).

Like the emulators, nothing here imports the rest of tenantsim.
"""

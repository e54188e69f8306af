# Loaded for every test under this folder, wherever it lives: the database clock follows
# time_machine (see tests/database_clock.py).
pytest_plugins = ["tests.database_clock"]

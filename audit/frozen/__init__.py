"""SQL as reviewed and installed by migrations, frozen: a module here is never edited.

A change to what the database runs is a new version (a new module) and a new migration
that installs it; old migrations keep installing exactly what they installed.
"""

"""``python -m hankekg``: the same as the ``hankekg`` command."""

from hankekg.cli import main

main()

"""``python -m fupin_tui`` runs the ``fupin`` command line."""

from fupin_tui.cli import main

main()

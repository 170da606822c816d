"""``python -m skill``: see ``skill.cli``."""

from skill.cli import main

raise SystemExit(main())

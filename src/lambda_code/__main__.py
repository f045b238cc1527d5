"""``python -m lambda_code``: the ``lambda-code`` command."""

from ._cli import main

raise SystemExit(main())

"""`python -m audit.verify EXPORT.jsonl [--public-key KEY.pem]... [--witness JOURNAL]...`"""

from __future__ import annotations

import sys

from audit.verify.cli import main

sys.exit(main())

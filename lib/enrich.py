"""`python -m lib.enrich`: look up arXiv ids for papers that have none (the work is in lib.cleaning.enrich)."""

import sys

from lib.cleaning.enrich import main

if __name__ == "__main__":
    sys.exit(main())

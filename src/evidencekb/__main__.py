import sys

from evidencekb.cli import main

sys.exit(main())

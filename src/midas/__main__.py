import sys

from midas.cli import main

sys.exit(main())

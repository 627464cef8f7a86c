import sys

from nlentry.cli.main import main

sys.exit(main())

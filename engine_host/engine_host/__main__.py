import sys

from engine_host.service import main

sys.exit(main())

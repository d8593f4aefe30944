"""`python -m s3proxy_client ls|cp|rm|mb|rb|head ...` (see `s3proxy_client.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

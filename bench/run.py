"""Script entry: python bench/run.py [--quick] [--only S1,T2] (same as python -m bench)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Put the project root, not bench/ itself, first: bench/tensor.py must not shadow anything.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from bench.__main__ import main

    main()

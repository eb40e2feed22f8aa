#!/usr/bin/env python
"""Django's command-line utility; `grappe` (the console script) is the same thing."""

from grappe.__main__ import main

if __name__ == "__main__":
    main()

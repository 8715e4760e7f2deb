"""`python -m bench` (what `make bench` runs): the whole suite, see bench/suite.py."""

from bench.suite import main

main()

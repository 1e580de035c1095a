"""Runs a Python unittest module and ends with the summary lines GoogleTest prints, so that
scripts/test counts its results like the C++ suites'."""
import sys
import unittest


def run(module) -> int:
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    total = result.testsRun
    bad = len(result.failures) + len(result.errors)
    print(f"[==========] {total} tests from 1 test suite ran.")
    print(f"[  PASSED  ] {total - bad} tests.")
    if bad:
        print(f"[  FAILED  ] {bad} tests, listed below:")
        for test, _ in result.failures + result.errors:
            print(f"[  FAILED  ] {test.id()}")
    return 0 if result.wasSuccessful() else 1

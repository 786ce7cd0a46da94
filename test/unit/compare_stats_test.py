#!/usr/bin/env python3
"""Unit tests of the statistics and per-message rates behind apps/bench/compare.py's verdicts."""

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "apps" / "bench"))
import compare  # noqa: E402


def runs(ours, theirs, key="requests_per_s"):
    """A by_server table of one grid point: per-round figures of us and of one peer."""
    return {compare.OURS: [{key: v} for v in ours], "peer": [{key: v} for v in theirs]}


class MedianRankTest(unittest.TestCase):
    def test_too_few_values_have_no_interval(self):
        for n in range(6):
            self.assertIsNone(compare.median_rank(n))

    def test_ranks_and_coverage_match_the_binomial_tails(self):
        # k = 1 at n = 6: the interval is [min, max], missing only when all six fall on one side.
        self.assertEqual(compare.median_rank(6), (1, 1 - 2 / 64))
        rank, coverage = compare.median_rank(12)
        self.assertEqual(rank, 3)
        self.assertAlmostEqual(coverage, 1 - 2 * (1 + 12 + 66) / 4096)
        # One rank further would fall under 95%.
        self.assertLess(1 - 2 * sum(math.comb(12, i) for i in range(4)) / 4096, 0.95)

    def test_interval_is_the_order_statistics(self):
        values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10, 11, 12]
        self.assertEqual(compare.median_interval(values), (3, 10))


class ComparisonTest(unittest.TestCase):
    def test_paired_ratios_divide_within_each_round(self):
        by_server = runs([100, 50, 200], [50, 100, 100])
        self.assertEqual(compare.paired_ratios(by_server, "peer", "requests_per_s"), [2, 0.5, 2])

    def test_faster_in_every_round_is_met(self):
        check = compare.compare_to(runs([110] * 6, [100] * 6), "peer", "requests_per_s", 1.0, True)
        self.assertEqual(check.verdict(), "met")

    def test_slower_in_every_round_is_not_met(self):
        check = compare.compare_to(runs([90] * 6, [100] * 6), "peer", "requests_per_s", 1.0, True)
        self.assertEqual(check.verdict(), "**not met**")

    def test_slower_median_with_an_interval_reaching_the_bound_is_a_tie(self):
        ours = [95, 96, 97, 98, 99, 103]
        check = compare.compare_to(runs(ours, [100] * 6), "peer", "requests_per_s", 1.0, True)
        self.assertLess(check.ratio, 1.0)
        self.assertEqual(check.verdict(), "tie: not resolvable")

    def test_lower_is_better_for_latency(self):
        lower = compare.compare_to(runs([90] * 6, [100] * 6, "p99"), "peer", "p99", 1.0, False)
        higher = compare.compare_to(runs([110] * 6, [100] * 6, "p99"), "peer", "p99", 1.0, False)
        self.assertEqual(lower.verdict(), "met")
        self.assertEqual(higher.verdict(), "**not met**")

    def test_without_an_interval_a_miss_is_not_met(self):
        check = compare.compare_to(runs([98, 99], [100, 100]), "peer", "requests_per_s", 1.0, True)
        self.assertIsNone(check.interval)
        self.assertEqual(check.verdict(), "**not met**")

    def test_combined_verdict_is_the_worst(self):
        met = compare.compare_to(runs([110] * 6, [100] * 6), "peer", "requests_per_s", 1.0, True)
        tie = compare.compare_to(runs([95, 96, 97, 98, 99, 103], [100] * 6), "peer",
                                 "requests_per_s", 1.0, True)
        missed = compare.compare_to(runs([90] * 6, [100] * 6), "peer", "requests_per_s", 1.0, True)
        self.assertEqual(compare.combined_verdict([met, met]), "met")
        self.assertEqual(compare.combined_verdict([met, tie]), "tie: not resolvable")
        self.assertEqual(compare.combined_verdict([tie, missed, met]), "**not met**")


class RoundOrderTest(unittest.TestCase):
    def test_every_server_takes_every_position_once_in_as_many_rounds(self):
        servers = ["a", "b", "c"]
        orders = [compare.round_order(servers, r) for r in range(3)]
        self.assertEqual(orders, [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]])
        self.assertEqual(compare.round_order(servers, 3), servers)


class SyscallsSectionTest(unittest.TestCase):
    def test_rates_are_the_difference_of_two_runs_per_message_and_are_logged_by_call(self):
        counts = {20: {"recvfrom": 25, "sendto": 25, "epoll_wait": 3},
                  60: {"recvfrom": 65, "sendto": 65, "epoll_wait": 4}}
        settings = type("Settings", (), {"servers": [compare.OURS], "strace_requests": (20, 60)})
        logged = []
        saved = compare.shutil.which, compare.traced_counts, compare.log
        try:
            compare.shutil.which = lambda name: "/usr/bin/" + name
            compare.traced_counts = lambda _settings, _name, requests: counts[requests]
            compare.log = logged.append
            results = compare.measure_syscalls(settings)
        finally:
            compare.shutil.which, compare.traced_counts, compare.log = saved
        self.assertEqual(results[compare.OURS]["by_call"],
                         {"recvfrom": 1.0, "sendto": 1.0, "epoll_wait": 0.025})
        self.assertAlmostEqual(results[compare.OURS]["total"], 2.025)
        self.assertIn("epoll_wait=0.025 recvfrom=1.000 sendto=1.000", logged[-1])


if __name__ == "__main__":
    unittest.main()

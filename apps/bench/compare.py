#!/usr/bin/env python3
"""Benchmarks echo_server against the peer echo servers and writes docs/benchmarks.md.

Every server runs single-threaded, pinned to one core, with the load generator pinned to the
other. Measured, for our echo_server and every peer that was built:
  throughput  echo_bench ping-pong at 100 and 1000 connections x 64 B and 4 KiB messages,
              servers interleaved in rounds (A B C, B C A, C A B ...: drift hits all alike,
              and no server always runs first); medians over the rounds, and our ratio to each
              peer as the median of the per-round ratios with its confidence interval
  ab          ab -k -c 1000 -n N against each (the echoed request is ab's response), in
              interleaved rounds too
  instructions  user-space instructions per echoed message under callgrind
  syscalls    system calls per round trip, counted by strace -c
  memory      server RSS per idle connection with 10,000 connections that each echoed once
The deterministic figures (instructions, syscalls) come from two runs of different lengths: the
difference divided by the difference in messages, so start-up, connecting and shutting down cancel
out. Python 3 standard library only; needs taskset, and ab, valgrind, strace, gnuplot for their
sections.

  apps/bench/compare.sh              the full run (about 20 minutes on 2 cores)
  apps/bench/compare.sh --quick      a short run of everything, written under the build directory
  apps/bench/compare.sh --sections instructions,syscalls --servers reactor,epoll
"""

import argparse
import datetime
import json
import math
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# (name, path in the build directory, description). The first is ours; ratios are peer / ours.
SERVERS = [
    ("reactor", "bin/echo_server", "this library's echo_server"),
    ("epoll", "apps/bench/peers/epoll_echo", "hand-written epoll loop, no framework (the floor)"),
    ("libev", "apps/bench/peers/libev_echo", "libev"),
    ("libuv", "apps/bench/peers/libuv_echo", "libuv"),
    ("asio", "apps/bench/peers/asio_echo", "standalone Asio, completion callbacks"),
    ("libevent", "apps/bench/peers/libevent_echo", "libevent"),
]
OURS = "reactor"
FLOOR = "epoll"
GRID = [(100, 64), (100, 4096), (1000, 64), (1000, 4096)]
SECTIONS = ["throughput", "ab", "instructions", "syscalls", "memory"]

# The deterministic workload: 26-byte ping-pong over 50 connections.
DETERMINISTIC_CONNECTIONS = 50
DETERMINISTIC_MESSAGE = 26

TARGETS = {
    "instructions": 150,  # user-space instructions per round trip, at most
    "syscalls": 2.10,  # per round trip, at most
    "memory": 256,  # bytes of RSS per idle connection, at most
    "floor_ratio": 0.95,  # our median throughput over plain epoll's, at least
}

# gnuplot settings of a clustered bar chart (one cluster per workload, one bar per server).
HISTOGRAM_STYLE = """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set yrange [0:*]
"""

GENERATED_BEGIN = "<!-- compare.py: generated from here -->"
GENERATED_END = "<!-- compare.py: generated up to here -->"


@dataclass
class Settings:
    build_dir: Path
    servers: list
    sections: list
    rounds: int
    duration_s: float
    warmup_s: float
    ab_requests: int
    ab_rounds: int
    idle_connections: int
    callgrind_requests: tuple
    strace_requests: tuple
    server_cpu: int
    load_cpu: int
    doc: Path
    quick: bool
    commands: dict = field(default_factory=dict)  # kind -> an example command line, for the doc


def log(message):
    print(message, file=sys.stderr, flush=True)


def tool(name, build_dir):
    path = build_dir / name
    if not path.exists():
        sys.exit(f"compare: {path} is missing; build it first (cmake --build {build_dir})")
    return str(path)


def pinned(cpu, command):
    return ["taskset", "-c", str(cpu)] + command


def shell_words(command):
    """The command as the report shows it: paths relative to the repository, and the port and
    process id of the run replaced by PORT and SERVER_PID."""
    text = " ".join(command).replace(str(REPO) + "/", "")
    text = re.sub(r"--port [1-9]\d*", "--port PORT", text)
    text = re.sub(r"-p \d+", "-p SERVER_PID", text)
    return re.sub(r"127\.0\.0\.1:\d+/", "127.0.0.1:PORT/", text)


def remember(settings, kind, command):
    settings.commands.setdefault(kind, shell_words(command))


class Server:
    """One server process: started with an optional wrapper (taskset, valgrind), waited for until
    it prints "Listening on HOST:PORT", stopped with SIGTERM (SIGKILL after 30 s)."""

    def __init__(self, command, log_path):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"Listening on (.+):(\d+)$", line.strip())
        if not match:
            self.stop()
            sys.exit(f"compare: {command} printed {line!r}; see {log_path}")
        self.port = int(match.group(2))

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def echo_bench(settings, port, connections, size, *, duration_s=None, requests=None,
               warmup_s=0.0):
    command = [tool("apps/bench/echo_bench/echo_bench", settings.build_dir), "--port", str(port),
               "--connections", str(connections), "--message_size", str(size), "--json"]
    if requests is not None:
        command += ["--requests", str(requests)]
        timeout = 600
    else:
        command += ["--duration_s", str(duration_s), "--warmup_s", str(warmup_s)]
        timeout = duration_s + warmup_s + 120
    command = pinned(settings.load_cpu, command)
    remember(settings, "echo_bench requests" if requests else "echo_bench", command)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    lines = [l for l in result.stdout.splitlines() if l.startswith("JSON ")]
    if result.returncode != 0 or not lines:
        sys.exit(f"compare: echo_bench failed ({result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(lines[-1][5:])
    if report["errors"] != 0:
        sys.exit(f"compare: echo_bench reported errors: {lines[-1]}")
    return report


def start_server(settings, name, wrapper=None, kind=None):
    path = tool(dict((n, p) for n, p, _ in SERVERS)[name], settings.build_dir)
    command = (wrapper or []) + [path, "--port", "0"]
    if kind:
        remember(settings, kind, command)
    return Server(command, settings.build_dir / f"compare-{name}.log")


# ---------------------------------------------------------------------------------------------
# Throughput: echo_bench grid and ab, interleaved in rounds.


def round_order(servers, round_index):
    """The servers in the order round `round_index` runs them: rotated by one each round, so no
    server always runs first (after the previous load's teardown) or last."""
    shift = round_index % len(servers)
    return servers[shift:] + servers[:shift]


def measure_throughput(settings):
    """{(connections, size): {server: [report per round]}}"""
    results = {point: {name: [] for name in settings.servers} for point in GRID}
    for round_index in range(settings.rounds):
        for connections, size in GRID:
            for name in round_order(settings.servers, round_index):
                with start_server(settings, name, pinned(settings.server_cpu, []),
                                  "server") as server:
                    report = echo_bench(settings, server.port, connections, size,
                                        duration_s=settings.duration_s,
                                        warmup_s=settings.warmup_s)
                results[(connections, size)][name].append(report)
                log(f"round {round_index + 1}/{settings.rounds} {connections}x{size} B "
                    f"{name:9} {report['requests_per_s']:>10.0f} req/s "
                    f"p99 {report['latency_p99_us']:.0f} us")
    return results


def run_ab(settings, port):
    command = pinned(settings.load_cpu, ["ab", "-k", "-c", "1000", "-n", str(settings.ab_requests),
                                         f"http://127.0.0.1:{port}/"])
    remember(settings, "ab", command)
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)

    def field_of(label, cast=float):
        match = re.search(rf"^{re.escape(label)}:\s+([\d.]+)", result.stdout, re.MULTILINE)
        return cast(match.group(1)) if match else None

    report = {
        "complete": field_of("Complete requests", int),
        "failed": field_of("Failed requests", int),
        "non_2xx": field_of("Non-2xx responses", int) or 0,
        "keep_alive": field_of("Keep-Alive requests", int),
        "requests_per_s": field_of("Requests per second"),
    }
    p99 = re.search(r"^\s*99%\s+(\d+)", result.stdout, re.MULTILINE)
    report["p99_ms"] = int(p99.group(1)) if p99 else None
    if (result.returncode != 0 or report["failed"] != 0
            or report["complete"] != settings.ab_requests):
        sys.exit(f"compare: ab failed ({result.returncode}): {result.stdout[-1500:]}"
                 f"{result.stderr[-1500:]}")
    return report


def measure_ab(settings):
    results = {name: [] for name in settings.servers}
    for round_index in range(settings.ab_rounds):
        for name in round_order(settings.servers, round_index):
            with start_server(settings, name, pinned(settings.server_cpu, []), "server") as server:
                report = run_ab(settings, server.port)
            results[name].append(report)
            log(f"ab round {round_index + 1}/{settings.ab_rounds} {name:9} "
                f"{report['requests_per_s']:>10.0f} req/s, failed {report['failed']}, "
                f"non-2xx {report['non_2xx']}")
    return results


# ---------------------------------------------------------------------------------------------
# Deterministic figures: two runs of different lengths, the difference per message.


def per_message(counts, requests):
    (low_n, high_n), (low, high) = requests, counts
    return (high - low) / (high_n - low_n)


def callgrind_total(path):
    for line in Path(path).read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    sys.exit(f"compare: no totals in {path}")


def measure_instructions(settings):
    if not shutil.which("valgrind"):
        log("instructions: valgrind not found, skipped")
        return {}
    results = {}
    for name in settings.servers:
        totals = []
        for requests in settings.callgrind_requests:
            out = settings.build_dir / f"compare-{name}.callgrind"
            wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            with start_server(settings, name, wrapper, "callgrind") as server:
                echo_bench(settings, server.port, DETERMINISTIC_CONNECTIONS,
                           DETERMINISTIC_MESSAGE, requests=requests)
            totals.append(callgrind_total(out))
        results[name] = per_message(totals, settings.callgrind_requests)
        log(f"instructions {name:9} {results[name]:.1f} per echoed message")
    return results


def strace_counts(path):
    """{syscall: calls} from an `strace -c` summary."""
    counts = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and re.match(r"^[\d.]+$", fields[0]) and fields[-1] != "total":
            counts[fields[-1]] = int(fields[3])
    return counts


def strace_during(settings, pid, out, load):
    """{syscall: calls} of process `pid` (and its threads) while load() runs, from `strace -c`."""
    command = ["strace", "-c", "-f", "-o", str(out), "-p", str(pid)]
    remember(settings, "strace", command)
    tracer = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    attached = tracer.stderr.readline()  # "strace: Process N attached"
    if "attached" not in attached:
        sys.exit(f"compare: strace did not attach: {attached}")
    load()
    time.sleep(0.5)  # lets the server finish closing the connections, in every run alike
    tracer.send_signal(signal.SIGINT)  # detaches and writes the summary
    tracer.wait(timeout=30)
    tracer.stderr.close()
    return strace_counts(out)


def traced_counts(settings, name, requests):
    out = settings.build_dir / f"compare-{name}.strace"
    with start_server(settings, name, pinned(settings.server_cpu, []), "server") as server:
        return strace_during(settings, server.pid, out, lambda: echo_bench(
            settings, server.port, DETERMINISTIC_CONNECTIONS, DETERMINISTIC_MESSAGE,
            requests=requests))


def syscall_rates(low, high, requests):
    """System calls per message from the counts of two runs of `requests` messages:
    {"total": calls, "by_call": {syscall: calls}}, leaving out calls under 0.005 per message."""
    by_call = {call: per_message((low.get(call, 0), high.get(call, 0)), requests)
               for call in set(low) | set(high)}
    by_call = {call: rate for call, rate in by_call.items() if rate >= 0.005}
    return {"total": sum(by_call.values()), "by_call": by_call}


def measure_syscalls(settings):
    if not shutil.which("strace"):
        log("syscalls: strace not found, skipped (third_party/install_deps.sh --peers)")
        return {}
    results = {}
    for name in settings.servers:
        low, high = (traced_counts(settings, name, n) for n in settings.strace_requests)
        results[name] = syscall_rates(low, high, settings.strace_requests)
        log(f"syscalls {name:9} {results[name]['total']:.3f} per round trip "
            + " ".join(f"{c}={r:.3f}" for c, r in sorted(results[name]["by_call"].items())))
    return results


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    sys.exit(f"compare: no VmRSS for {pid}")


def hold_idle(settings, port, connections):
    """Starts idle_clients; returns it once every connection has echoed once."""
    command = pinned(settings.load_cpu, [
        tool("apps/bench/idle_clients/idle_clients", settings.build_dir), "--port", str(port),
        "--connections", str(connections), "--message_size", str(DETERMINISTIC_MESSAGE)])
    remember(settings, "idle_clients", command)
    clients = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = clients.stdout.readline()
    if not line.startswith("Ready"):
        clients.kill()
        sys.exit(f"compare: idle_clients failed against port {port}")
    return clients


def release(clients):
    clients.stdin.close()
    clients.wait(timeout=60)
    clients.stdout.close()


def measure_memory(settings):
    results = {}
    for name in settings.servers:
        with start_server(settings, name, pinned(settings.server_cpu, []), "server") as server:
            # A first batch warms up what a server allocates once (read buffers, tables), and
            # is closed again before the baseline is read.
            release(hold_idle(settings, server.port, 100))
            time.sleep(0.5)
            before = rss_bytes(server.pid)
            clients = hold_idle(settings, server.port, settings.idle_connections)
            time.sleep(0.5)
            after = rss_bytes(server.pid)
            release(clients)
        results[name] = (after - before) / settings.idle_connections
        log(f"memory {name:9} {results[name]:.0f} B per idle connection")
    return results


# ---------------------------------------------------------------------------------------------
# Report.


def median(values):
    return statistics.median(values) if values else float("nan")


def median_rank(n, confidence=0.95):
    """For a distribution-free confidence interval of the median of n values, [x(k), x(n+1-k)]
    in sorted order: the largest k whose two binomial tails (each value lies below the median
    with probability 1/2) leave at least `confidence`. Returns (k, coverage), or None when n is
    too small (under 6 for 95%)."""
    below = 0.0  # P(fewer than k of the n values lie below the median)
    best = None
    for k in range(1, n // 2 + 1):
        below += math.comb(n, k - 1) / 2**n
        if 1 - 2 * below < confidence:
            break
        best = (k, 1 - 2 * below)
    return best


def median_interval(values):
    """(low, high) of the median's confidence interval (see median_rank), or None."""
    rank = median_rank(len(values))
    if rank is None:
        return None
    ordered = sorted(values)
    return ordered[rank[0] - 1], ordered[len(values) - rank[0]]


def paired_ratios(by_server, name, key):
    """Per round, ours over `name`'s figure `key` from the same round: the servers of one round
    run back to back, so the machine's drift between rounds cancels out of each ratio."""
    return [ours[key] / theirs[key] for ours, theirs in zip(by_server[OURS], by_server[name])]


@dataclass
class Comparison:
    """Our median per-round ratio to one peer, with its confidence interval, against a bound."""
    peer: str
    ratio: float
    interval: tuple  # (low, high) at 95% or more, or None with too few rounds
    bound: float
    higher_is_better: bool

    def verdict(self):
        sign = 1 if self.higher_is_better else -1
        if sign * (self.ratio - self.bound) >= 0:
            return "met"
        if self.interval is None:
            return "**not met**"
        edge = self.interval[1] if self.higher_is_better else self.interval[0]
        if sign * (edge - self.bound) >= 0:
            return "tie: not resolvable"
        return "**not met**"

    def figures(self):
        spread = (f" [{self.interval[0]:.2f}-{self.interval[1]:.2f}]" if self.interval else "")
        return f"{self.ratio:.2f}x{spread}"

    def text(self):
        return f"{self.peer} {self.figures()}"


def compare_to(by_server, name, key, bound, higher_is_better):
    ratios = paired_ratios(by_server, name, key)
    return Comparison(name, median(ratios), median_interval(ratios), bound, higher_is_better)


def combined_verdict(comparisons):
    verdicts = [c.verdict() for c in comparisons]
    for worst in ("**not met**", "tie: not resolvable"):
        if worst in verdicts:
            return worst
    return "met"


def machine_description(settings):
    def output(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    lscpu = output(["lscpu"])
    keep = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "Hypervisor vendor", "L1d cache", "L2 cache", "L3 cache", "CPU max MHz")
    cpu = [l for l in lscpu.splitlines() if l.split(":")[0].strip() in keep]
    cache = (settings.build_dir / "CMakeCache.txt").read_text()

    def cached(key):
        match = re.search(rf"^{key}:\w+=(.*)$", cache, re.MULTILINE)
        return match.group(1) if match else "?"

    compiler = output([cached("CMAKE_CXX_COMPILER"), "--version"]).splitlines()
    commit = output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = output(["git", "-C", str(REPO), "status", "--porcelain", "--", "reactor", "apps"])
    return {
        "cpu": cpu,
        "kernel": output(["uname", "-srvmo"]),
        "compiler": compiler[0] if compiler else "?",
        "build": f"CMAKE_BUILD_TYPE={cached('CMAKE_BUILD_TYPE')} "
                 f"CMAKE_CXX_FLAGS='{cached('CMAKE_CXX_FLAGS')}'",
        "commit": commit + (" (with uncommitted changes in reactor/ or apps/)" if dirty else ""),
    }


def size_label(size):
    return f"{size // 1024} KiB" if size % 1024 == 0 else f"{size} B"


def fmt_rate(value):
    return f"{value / 1000:.1f}k"


def verdict(ok):
    return "met" if ok else "**not met**"


def throughput_rows(results, servers):
    rows = []
    for (connections, size), by_server in results.items():
        cells = []
        for name in servers:
            rates = [r["requests_per_s"] for r in by_server[name]]
            p99 = median([r["latency_p99_us"] for r in by_server[name]])
            ratio = ""
            if name != OURS:
                ratio = f" ({1 / median(paired_ratios(by_server, name, 'requests_per_s')):.2f}x)"
            cells.append(f"{fmt_rate(median(rates))}{ratio}<br>p99 {p99:.0f} us")
        rows.append((f"{connections} x {size_label(size)}", cells))
    return rows


def write_chart(settings, throughput, ab, png):
    """Draws the medians as a clustered bar chart; returns `png`, or None without gnuplot."""
    if not shutil.which("gnuplot"):
        log("chart: gnuplot not found, skipped")
        return None
    data = png.with_suffix(".dat")
    lines = ["point " + " ".join(settings.servers)]
    for (connections, size), by_server in throughput.items():
        lines.append(f"{connections}x{size_label(size).replace(' ', '')}" + " " + " ".join(
            f"{median([r['requests_per_s'] for r in by_server[n]]) / 1000:.1f}"
            for n in settings.servers))
    if ab:
        lines.append("ab-c1000 " + " ".join(
            f"{median([r['requests_per_s'] for r in ab[n]]) / 1000:.1f}" for n in settings.servers))
    data.write_text("\n".join(lines) + "\n")
    script = f"""
set terminal pngcairo size 1100,560 font ',10'
set output '{png}'
set title 'Echo throughput, one server thread (median of interleaved rounds)'
set ylabel 'thousand requests per second'
{HISTOGRAM_STYLE}plot for [i=2:{len(settings.servers) + 1}] '{data}' using i:xtic(1) title columnheader(i)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    data.unlink()
    return png


def render(settings, measured, machine, load_before, load_after, started, elapsed_s, chart):
    servers = settings.servers
    out = []
    add = out.append
    add(f"Generated by `apps/bench/compare.sh{' --quick' if settings.quick else ''}` on "
        f"{started:%Y-%m-%d %H:%M} UTC in {elapsed_s / 60:.1f} minutes, at commit "
        f"{machine['commit']}.\n")
    add("## Machine\n")
    add("```")
    add("\n".join(machine["cpu"]))
    add(f"Kernel:    {machine['kernel']}")
    add(f"Compiler:  {machine['compiler']}")
    add(f"Build:     {machine['build']}")
    add(f"Load average before: {load_before}; after: {load_after}")
    add("```\n")
    add("Servers (each one thread, pinned to CPU "
        f"{settings.server_cpu}; load generators pinned to CPU {settings.load_cpu}):\n")
    for name, path, description in SERVERS:
        if name in servers:
            add(f"- **{name}**: `{path}`, {description}")
    add("")

    add("## Targets\n")
    add("| target | measured | |")
    add("|---|---|---|")
    instructions = measured.get("instructions", {})
    syscalls = measured.get("syscalls", {})
    memory = measured.get("memory", {})
    throughput = measured.get("throughput", {})
    if OURS in instructions:
        add(f"| user-space instructions per round trip <= {TARGETS['instructions']} | "
            f"{instructions[OURS]:.0f} | {verdict(instructions[OURS] <= TARGETS['instructions'])} |")
    if OURS in syscalls:
        value = syscalls[OURS]["total"]
        add(f"| syscalls per round trip <= {TARGETS['syscalls']:.2f} | {value:.3f} | "
            f"{verdict(value <= TARGETS['syscalls'])} |")
    if OURS in memory:
        add(f"| RSS per idle connection <= {TARGETS['memory']} B | {memory[OURS]:.0f} B | "
            f"{verdict(memory[OURS] <= TARGETS['memory'])} |")
    for (connections, size), by_server in throughput.items():
        checks = [compare_to(by_server, name, "requests_per_s",
                             TARGETS["floor_ratio"] if name == FLOOR else 1.0, True)
                  for name in servers if name != OURS]
        add(f"| throughput {connections} x {size_label(size)}: >= {TARGETS['floor_ratio']}x {FLOOR}, "
            f">= 1.00x each framework | {', '.join(c.text() for c in checks)} | "
            f"{combined_verdict(checks)} |")
    for (connections, size), by_server in throughput.items():
        # Against every peer rather than the one with the lowest median: picking the lowest of
        # several noisy medians would pick the luckiest run as much as the best server.
        checks = [compare_to(by_server, name, "latency_p99_us", 1.0, False)
                  for name in servers if name != OURS]
        ours = median([r["latency_p99_us"] for r in by_server[OURS]])
        add(f"| p99 latency {connections} x {size_label(size)}: <= each peer's | {ours:.0f} us; "
            f"{', '.join(c.text() for c in checks)} | {combined_verdict(checks)} |")
    add("")
    if throughput:
        rounds = len(next(iter(throughput.values()))[OURS])
        rank = median_rank(rounds)
        coverage = f"{rank[1] * 100:.1f}%" if rank else "(none: too few rounds)"
        add("A ratio here is ours over the peer's: the median over the rounds of the ratio of the "
            "two runs in the same round (throughput: above 1 is ours faster; p99: below 1 is ours "
            f"lower). In brackets, the {coverage} confidence interval of that median (distribution-"
            f"free, from the order statistics of the {rounds} rounds). \"tie: not resolvable\" "
            "means the median misses the bound but the interval reaches it: this machine cannot "
            "tell the difference from noise.\n")

    if throughput:
        add("## Throughput: echo_bench\n")
        add(f"Median requests/s over {settings.rounds} interleaved rounds of "
            f"{settings.duration_s:g} s (after {settings.warmup_s:g} s warm-up); in brackets the "
            "peer's throughput over ours (the median of the per-round ratios); below, the median "
            "p99 round-trip latency. A fresh server process per run.\n")
        add("| connections x message | " + " | ".join(servers) + " |")
        add("|---|" + "---|" * len(servers))
        for label, cells in throughput_rows(throughput, servers):
            add(f"| {label} | " + " | ".join(cells) + " |")
        add("")
        add("All runs, requests/s:\n")
        add("```")
        for (connections, size), by_server in throughput.items():
            for name in servers:
                rates = " ".join(f"{r['requests_per_s']:.0f}" for r in by_server[name])
                add(f"{connections:>5} x {size:>4} B  {name:9} {rates}")
        add("```\n")

    ab = measured.get("ab", {})
    if ab:
        add("## Throughput: ab\n")
        add(f"`ab -k -c 1000 -n {settings.ab_requests}`, {settings.ab_rounds} interleaved "
            "round(s), median. The server echoes ab's request back; ab reads it as a response "
            "with an unknown status (\"Non-2xx responses\") and no body, and since it contains "
            "`Connection: Keep-Alive` the connection is reused. Every run ended with "
            "`Failed requests: 0` and all requests complete (checked). Ours over the peer's is "
            "the median of the per-round ratios, with its confidence interval as above.\n")
        add("| server | requests/s | ours over the peer's | p99 (ms) | non-2xx |")
        add("|---|---|---|---|---|")
        for name in servers:
            rate = median([r["requests_per_s"] for r in ab[name]])
            ratio = "-"
            if name != OURS:
                check = compare_to(ab, name, "requests_per_s", 1.0, True)
                ratio = f"{check.figures()} ({check.verdict()})"
            p99 = median([r["p99_ms"] for r in ab[name]])
            add(f"| {name} | {fmt_rate(rate)} | {ratio} | {p99:g} | {ab[name][0]['non_2xx']} |")
        add("")

    if chart:
        add(f"![Median requests/s per server and load]({chart.name})\n")

    if instructions or syscalls or memory:
        add("## Cost per message and per connection\n")
        add(f"Deterministic workload: {DETERMINISTIC_CONNECTIONS} connections, "
            f"{DETERMINISTIC_MESSAGE}-byte ping-pong. Instructions and syscalls are the difference "
            "between two runs of different lengths, divided by the difference in messages, so "
            "start-up, connecting and shutdown cancel out.\n")
        add("| server | instructions / message | syscalls / round trip | "
            "RSS / idle connection |")
        add("|---|---|---|---|")
        for name in servers:
            cells = [f"{instructions[name]:.0f}" if name in instructions else "-"]
            if name in syscalls:
                calls = syscalls[name]
                detail = ", ".join(f"{c} {r:.2f}" for c, r in
                                   sorted(calls["by_call"].items(), key=lambda kv: -kv[1]))
                cells.append(f"{calls['total']:.3f} ({detail})")
            else:
                cells.append("-")
            cells.append(f"{memory[name]:.0f} B" if name in memory else "-")
            add(f"| {name} | " + " | ".join(cells) + " |")
        add("")
        add(f"- Instructions: `valgrind --tool=callgrind` on the server (user space only: "
            f"the program, libc, the event library), {settings.callgrind_requests[0]} and "
            f"{settings.callgrind_requests[1]} requests. Under valgrind the server is the "
            "bottleneck, so every wait returns all connections: this is the cost per message of "
            "a busy server, with `epoll_wait` amortised over a full batch.")
        add(f"- Syscalls: `strace -c -f` attached to the server for {settings.strace_requests[0]} "
            f"and {settings.strace_requests[1]} requests; calls under 0.005 per round trip (the "
            "connections' set-up and close, which mostly cancel out) are not listed. strace "
            "slows every call, which also fills the batches.")
        add(f"- Memory: VmRSS of the server with {settings.idle_connections} connections held by "
            "`idle_clients`, each having echoed one message, minus VmRSS after a warm-up batch of "
            "100 such connections was opened and closed, divided by the connections. Kernel "
            "socket memory is not in RSS and not counted, for any server.")
        add("")

    if settings.commands:
        add("## Commands\n")
        add("```")
        for kind, command in settings.commands.items():
            add(f"# {kind}\n{command}")
        add("```\n")
    return "\n".join(out)


def write_doc(settings, body):
    preserved_head, preserved_tail = "# Benchmarks\n\n", ""
    if settings.doc.exists():
        text = settings.doc.read_text()
        if GENERATED_BEGIN in text and GENERATED_END in text:
            preserved_head = text.split(GENERATED_BEGIN)[0]
            preserved_tail = text.split(GENERATED_END)[1]
    settings.doc.write_text(f"{preserved_head}{GENERATED_BEGIN}\n{body}\n"
                            f"{GENERATED_END}{preserved_tail}")
    log(f"wrote {settings.doc}")


# ---------------------------------------------------------------------------------------------


def parse_settings():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build_dir", type=Path, default=REPO / "build" / "perf",
                        help="a Release build of the project (default build/perf)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs of everything; the report goes under the build dir")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 12, quick 2)")
    parser.add_argument("--duration_s", type=float,
                        help="measured seconds per echo_bench run (default 2, quick 1)")
    parser.add_argument("--warmup_s", type=float, help="warm-up per run (default 0.5, quick 0.2)")
    parser.add_argument("--ab_requests", type=int, help="ab -n (default 1000000, quick 100000)")
    parser.add_argument("--ab_rounds", type=int, help="ab rounds (default 6, quick 1)")
    parser.add_argument("--idle_connections", type=int,
                        help="connections held for the memory figure (default 10000, quick 2000)")
    parser.add_argument("--servers", help="comma-separated subset of: "
                        + ", ".join(n for n, _, _ in SERVERS))
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="comma-separated subset of: " + ", ".join(SECTIONS))
    parser.add_argument("--server_cpu", type=int, default=0)
    parser.add_argument("--load_cpu", type=int, default=1)
    parser.add_argument("--doc", type=Path,
                        help="report to write (default docs/benchmarks.md; quick: under build dir)")
    args = parser.parse_args()

    def pick(value, full, quick):
        return value if value is not None else (quick if args.quick else full)

    build_dir = args.build_dir.resolve()
    built = [n for n, p, _ in SERVERS if (build_dir / p).exists()]
    wanted = args.servers.split(",") if args.servers else built
    unknown = set(wanted) - {n for n, _, _ in SERVERS}
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    missing = [n for n in wanted if n not in built]
    if missing:
        parser.error(f"not built in {build_dir}: {', '.join(missing)}")
    if OURS not in wanted:
        parser.error(f"{OURS} must be among the servers: the ratios are relative to it")
    sections = args.sections.split(",")
    if set(sections) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(set(sections) - set(SECTIONS)))}")
    doc = args.doc or (build_dir / "benchmarks.md" if args.quick else REPO / "docs/benchmarks.md")
    return Settings(
        build_dir=build_dir,
        servers=[n for n, _, _ in SERVERS if n in wanted],
        sections=sections,
        rounds=pick(args.rounds, 12, 2),
        duration_s=pick(args.duration_s, 2.0, 1.0),
        warmup_s=pick(args.warmup_s, 0.5, 0.2),
        ab_requests=pick(args.ab_requests, 1000000, 100000),
        ab_rounds=pick(args.ab_rounds, 6, 1),
        idle_connections=pick(args.idle_connections, 10000, 2000),
        callgrind_requests=(20000, 100000) if not args.quick else (5000, 25000),
        strace_requests=(20000, 60000) if not args.quick else (5000, 15000),
        server_cpu=args.server_cpu,
        load_cpu=args.load_cpu,
        doc=doc.resolve(),
        quick=args.quick,
    )


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    settings = parse_settings()
    for needed in ["taskset"] + (["ab"] if "ab" in settings.sections else []):
        if not shutil.which(needed):
            sys.exit(f"compare: {needed} not found (third_party/install_deps.sh --peers)")
    started = now_utc()
    load_before = load_average()
    log(f"servers: {', '.join(settings.servers)}; sections: {', '.join(settings.sections)}; "
        f"load average {load_before}")
    measure = {
        "throughput": measure_throughput,
        "ab": measure_ab,
        "instructions": measure_instructions,
        "syscalls": measure_syscalls,
        "memory": measure_memory,
    }
    measured = {section: measure[section](settings) for section in SECTIONS
                if section in settings.sections}
    elapsed_s = (now_utc() - started).total_seconds()
    load_after = load_average()
    settings.doc.parent.mkdir(parents=True, exist_ok=True)
    chart = None
    if measured.get("throughput") or measured.get("ab"):
        chart = write_chart(settings, measured.get("throughput", {}), measured.get("ab", {}),
                            settings.doc.with_suffix(".png"))
    body = render(settings, measured, machine_description(settings), load_before, load_after,
                  started, elapsed_s, chart)
    write_doc(settings, body)
    print(body)


if __name__ == "__main__":
    main()

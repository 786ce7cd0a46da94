#!/usr/bin/env python3
"""Benchmarks apps/tcp_proxy against HAProxy and writes the "## TCP proxy" section of
docs/benchmarks.md (and its chart, docs/proxy_benchmark.png).

Both proxies relay echo_bench's connections to one echo upstream (this repository's echo_server).
Each proxy runs single-threaded, pinned to one core; echo_bench and the upstream are pinned to the
other. HAProxy is Debian's haproxy with a generated configuration (mode tcp, nbthread 1, balance
roundrobin, no stats), run in the foreground (-db) from a temporary directory. Measured:
  throughput    echo_bench ping-pong through each proxy at 50 and 1000 connections x 26 B, and
                10 connections x 64 KiB (bulk MB/s), proxies interleaved in rounds (rotated
                each round); medians over the rounds, and our ratio to HAProxy as the median of
                the per-round ratios with its confidence interval. "direct" is echo_bench
                straight to an echo_server pinned where the proxies run: the ceiling
  instructions  user-space instructions per relayed round trip under callgrind
  syscalls      system calls per relayed round trip, counted by strace -c on the proxy
The deterministic figures come from two runs of different lengths (50 connections x 26 B), the
difference divided by the difference in round trips, as apps/bench/compare.py does.

  apps/bench/proxy_compare.py --build_dir build/release            the full run (about 10 min)
  apps/bench/proxy_compare.py --build_dir build/release --quick    a short one, under the build dir
"""

import argparse
import datetime
import socket
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (the shared benchmark helpers, next to this script)

OURS = "tcp_proxy"
PEER = "haproxy"
DIRECT = "direct"
PROXIES = [OURS, PEER, DIRECT]
# (connections, message size): round trips per second at 26 B; MB/s at 64 KiB.
WORKLOADS = [(50, 26), (1000, 26), (10, 65536)]
BULK = (10, 65536)
TARGETS = {
    "instructions": 600,  # user-space instructions per relayed round trip, at most
    "syscalls": 4.2,  # per relayed round trip, at most
    "throughput_ratio": 1.0,  # our round trips (and bulk MB/s) over HAProxy's, at least
    "p99_ratio": 1.0,  # our p99 over HAProxy's, at most
}
SECTION = "## TCP proxy"
HAPROXY_CONFIG = """global
    nbthread 1
    maxconn 5000
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
frontend relay
    bind 127.0.0.1:{port}
    default_backend upstreams
backend upstreams
    balance roundrobin
    server echo 127.0.0.1:{upstream}
"""


@dataclass
class Settings:
    build_dir: Path
    rounds: int
    duration_s: float
    warmup_s: float
    callgrind_requests: tuple
    strace_requests: tuple
    server_cpu: int
    load_cpu: int
    doc: Path
    chart: Path
    quick: bool
    workdir: Path = None
    upstream_port: int = 0
    commands: dict = field(default_factory=dict)  # as compare.Settings: for the report


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_connectable(port, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Haproxy(compare.Server):
    """HAProxy in the foreground on a free port with the generated configuration; stopped like
    compare.Server (SIGTERM)."""

    def __init__(self, settings, wrapper, log_path):
        self.port = free_port()
        config = settings.workdir / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=self.port, upstream=settings.upstream_port))
        command = wrapper + ["haproxy", "-db", "-f", str(config)]
        compare.remember(settings, "haproxy", command)
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True)
        if not wait_connectable(self.port, 120):
            self.stop()
            sys.exit(f"proxy_compare: haproxy did not start; see {log_path}")


class Direct(compare.Server):
    """No proxy: echo_bench straight to an echo_server of its own, pinned where the proxy runs, as
    apps/bench/compare.py pins it (the upstream shares the load generator's CPU, which would
    make a poor ceiling)."""

    def __init__(self, settings, wrapper, log_path):
        command = wrapper + [compare.tool("bin/echo_server", settings.build_dir), "--port", "0"]
        compare.remember(settings, "direct", command)
        super().__init__(command, log_path)


def start(settings, name, wrapper):
    log_path = settings.build_dir / f"proxy-compare-{name}.log"
    if name == OURS:
        command = wrapper + [compare.tool("bin/tcp_proxy", settings.build_dir), "--port", "0",
                             "--upstream", f"127.0.0.1:{settings.upstream_port}"]
        compare.remember(settings, "tcp_proxy", command)
        return compare.Server(command, log_path)
    if name == PEER:
        return Haproxy(settings, wrapper, log_path)
    return Direct(settings, wrapper, log_path)


def cpu_ticks(cpu):
    """(busy, total) jiffies of one CPU since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if fields[0] == f"cpu{cpu}":
            ticks = [int(f) for f in fields[1:]]
            idle = ticks[3] + ticks[4]  # idle and iowait
            return sum(ticks) - idle, sum(ticks)
    sys.exit(f"proxy_compare: no cpu{cpu} in /proc/stat")


def busy_share(before, after):
    return (after[0] - before[0]) / max(after[1] - before[1], 1)


def measure_throughput(settings):
    """{workload: {proxy: [echo_bench report per round]}}; each report also carries how busy the
    proxy's CPU and the load's CPU were during the run (proxy_cpu, load_cpu: 0 to 1)."""
    results = {w: {name: [] for name in PROXIES} for w in WORKLOADS}
    for round_index in range(settings.rounds):
        for connections, size in WORKLOADS:
            for name in compare.round_order(PROXIES, round_index):
                with start(settings, name, compare.pinned(settings.server_cpu, [])) as proxy:
                    before = cpu_ticks(settings.server_cpu), cpu_ticks(settings.load_cpu)
                    report = compare.echo_bench(settings, proxy.port, connections, size,
                                                duration_s=settings.duration_s,
                                                warmup_s=settings.warmup_s)
                    after = cpu_ticks(settings.server_cpu), cpu_ticks(settings.load_cpu)
                report["proxy_cpu"] = busy_share(before[0], after[0])
                report["load_cpu"] = busy_share(before[1], after[1])
                results[(connections, size)][name].append(report)
                compare.log(f"round {round_index + 1}/{settings.rounds} {connections}x{size} B "
                            f"{name:9} {report['requests_per_s']:>10.0f} rt/s "
                            f"{report['mb_per_s_sent_plus_received']:>8.1f} MB/s "
                            f"p99 {report['latency_p99_us']:.0f} us")
    return results


def measure_instructions(settings):
    results = {}
    for name in (OURS, PEER):
        totals = []
        for requests in settings.callgrind_requests:
            out = settings.build_dir / f"proxy-compare-{name}.callgrind"
            wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            with start(settings, name, wrapper) as proxy:
                compare.echo_bench(settings, proxy.port, compare.DETERMINISTIC_CONNECTIONS,
                                   compare.DETERMINISTIC_MESSAGE, requests=requests)
            totals.append(compare.callgrind_total(out))
        results[name] = compare.per_message(totals, settings.callgrind_requests)
        compare.log(f"instructions {name:9} {results[name]:.1f} per relayed round trip")
    return results


def traced_counts(settings, name, requests):
    out = settings.build_dir / f"proxy-compare-{name}.strace"
    with start(settings, name, compare.pinned(settings.server_cpu, [])) as proxy:
        command = ["strace", "-c", "-f", "-o", str(out), "-p", str(proxy.pid)]
        compare.remember(settings, "strace", command)
        tracer = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        attached = tracer.stderr.readline()
        if "attached" not in attached:
            sys.exit(f"proxy_compare: strace did not attach: {attached}")
        compare.echo_bench(settings, proxy.port, compare.DETERMINISTIC_CONNECTIONS,
                           compare.DETERMINISTIC_MESSAGE, requests=requests)
        time.sleep(0.5)  # lets the proxy finish closing the connections, in every run alike
        tracer.send_signal(2)  # SIGINT: detaches and writes the summary
        tracer.wait(timeout=30)
        tracer.stderr.close()
    return compare.strace_counts(out)


def measure_syscalls(settings):
    results = {}
    for name in (OURS, PEER):
        low, high = (traced_counts(settings, name, n) for n in settings.strace_requests)
        by_call = {call: compare.per_message((low.get(call, 0), high.get(call, 0)),
                                             settings.strace_requests)
                   for call in set(low) | set(high)}
        by_call = {call: rate for call, rate in by_call.items() if rate >= 0.005}
        results[name] = {"total": sum(by_call.values()), "by_call": by_call}
        compare.log(f"syscalls {name:9} {results[name]['total']:.3f} per relayed round trip "
                    + " ".join(f"{c}={r:.3f}" for c, r in sorted(by_call.items())))
    return results


def ratio_to_peer(by_proxy, key, higher_is_better, bound):
    ratios = [ours[key] / theirs[key] for ours, theirs in zip(by_proxy[OURS], by_proxy[PEER])]
    return compare.Comparison(PEER, compare.median(ratios), compare.median_interval(ratios),
                              bound, higher_is_better)


def write_chart(settings, throughput):
    data = settings.chart.with_suffix(".dat")
    lines = ["workload " + " ".join(PROXIES)]
    for connections, size in WORKLOADS:
        key, scale = (("mb_per_s_sent_plus_received", 1.0) if (connections, size) == BULK
                      else ("requests_per_s", 1000.0))
        label = f"{connections}x{compare.size_label(size).replace(' ', '')}"
        lines.append(label + " " + " ".join(
            f"{compare.median([r[key] for r in throughput[(connections, size)][n]]) / scale:.1f}"
            for n in PROXIES))
    data.write_text("\n".join(lines) + "\n")
    script = f"""
set terminal pngcairo noenhanced size 1100,480 font ',10'
set output '{settings.chart}'
set multiplot layout 1,2 title 'TCP proxy: echo through one proxy thread (median of interleaved rounds)'
{compare.HISTOGRAM_STYLE}set key below horizontal
set title 'round trips, 26 B messages'
set ylabel 'thousand round trips per second'
plot for [i=2:4] '< head -3 {data}' using i:xtic(1) title columnheader(i)
set title 'bulk, 64 KiB messages'
set ylabel 'MB/s (sent + received)'
plot for [i=2:4] '< sed 2,3d {data}' using i:xtic(1) title columnheader(i)
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    data.unlink()


def render(settings, measured, machine, started, elapsed_s):
    throughput = measured["throughput"]
    instructions = measured["instructions"]
    syscalls = measured["syscalls"]
    out = []
    add = out.append
    add(SECTION + "\n")
    add(f"Generated by `apps/bench/proxy_compare.py{' --quick' if settings.quick else ''}` on "
        f"{started:%Y-%m-%d %H:%M} UTC in {elapsed_s / 60:.1f} minutes, at commit "
        f"{machine['commit']}, on the machine described above ({machine['kernel']}; "
        f"{machine['build']}).\n")
    add("Each proxy relays echo_bench's connections to one upstream, this repository's "
        "echo_server, with one proxy thread pinned to one CPU and echo_bench and the upstream "
        "pinned to the other. HAProxy is Debian's "
        f"`{subprocess.run(['haproxy', '-v'], capture_output=True, text=True).stdout.splitlines()[0]}` "
        "in `mode tcp`, `nbthread 1`, `balance roundrobin`, no stats, in the foreground. "
        "**direct** is echo_bench straight to an echo_server pinned to the proxies' CPU, with "
        "no proxy: the ceiling. "
        f"{settings.rounds} interleaved rounds of {settings.duration_s:g} s each "
        f"(after {settings.warmup_s:g} s of warm-up); medians over the rounds; the ratio is ours "
        "over HAProxy's, the median of per-round ratios with its 95% confidence interval. "
        "\"CPUs busy\" is the share of the run (warm-up included) the proxy's CPU and the "
        "other one (echo_bench and the upstream) were busy, from /proc/stat.\n")
    add(f"![TCP proxy throughput]({settings.chart.name})\n")
    add("| workload | tcp_proxy | haproxy | direct | tcp_proxy / haproxy |")
    add("|---|---|---|---|---|")
    for connections, size in WORKLOADS:
        by_proxy = throughput[(connections, size)]
        bulk = (connections, size) == BULK
        key = "mb_per_s_sent_plus_received" if bulk else "requests_per_s"
        cells = []
        for name in PROXIES:
            value = compare.median([r[key] for r in by_proxy[name]])
            p99 = compare.median([r["latency_p99_us"] for r in by_proxy[name]])
            shown = f"{value:.0f} MB/s" if bulk else f"{compare.fmt_rate(value)} rt/s"
            busy = [compare.median([r[k] for r in by_proxy[name]])
                    for k in ("proxy_cpu", "load_cpu")]
            cells.append(f"{shown}<br>p99 {p99:.0f} us<br>CPUs busy {busy[0]:.0%} / "
                         f"{busy[1]:.0%}")
        ratio = ratio_to_peer(by_proxy, key, True, TARGETS["throughput_ratio"])
        add(f"| {connections} x {compare.size_label(size)} | " + " | ".join(cells)
            + f" | {ratio.figures()} |")
    add("")
    add("| proxy | user-space instructions / relayed round trip | syscalls / relayed round trip "
        "| syscalls by call |")
    add("|---|---|---|---|")
    for name in (OURS, PEER):
        calls = ", ".join(f"{c} {r:.2f}" for c, r in sorted(syscalls[name]["by_call"].items()))
        add(f"| {name} | {instructions[name]:.0f} | {syscalls[name]['total']:.2f} | {calls} |")
    add("")
    add("| target | measured | verdict |")
    add("|---|---|---|")
    add(f"| instructions per relayed round trip <= {TARGETS['instructions']} | "
        f"{instructions[OURS]:.0f} | "
        f"{compare.verdict(instructions[OURS] <= TARGETS['instructions'])} |")
    add(f"| syscalls per relayed round trip <= {TARGETS['syscalls']} | "
        f"{syscalls[OURS]['total']:.2f} | "
        f"{compare.verdict(syscalls[OURS]['total'] <= TARGETS['syscalls'])} |")
    for connections, size in WORKLOADS:
        by_proxy = throughput[(connections, size)]
        bulk = (connections, size) == BULK
        what = "bulk MB/s" if bulk else "round trips/s"
        key = "mb_per_s_sent_plus_received" if bulk else "requests_per_s"
        ratio = ratio_to_peer(by_proxy, key, True, TARGETS["throughput_ratio"])
        add(f"| {what} >= 1.0x HAProxy, {connections} x {compare.size_label(size)} | "
            f"{ratio.figures()} | {ratio.verdict()} |")
        p99 = ratio_to_peer(by_proxy, "latency_p99_us", False, TARGETS["p99_ratio"])
        add(f"| p99 <= HAProxy's, {connections} x {compare.size_label(size)} | "
            f"{p99.figures()} | {p99.verdict()} |")
    add("")
    add(f"Where the time goes: both proxies make the same system calls per relayed round trip, a "
        f"recv and a send in each direction plus a share of epoll_wait (HAProxy adds "
        f"clock_gettime), and on the loopback the kernel work behind them (the TCP send and "
        f"receive paths, and delivery to the receiving socket) is most of a round trip. "
        f"tcp_proxy's user-space part is {instructions[OURS]:.0f} instructions, "
        f"{instructions[OURS] / instructions[PEER]:.0%} of HAProxy's {instructions[PEER]:.0f}: "
        f"the relay forwards the bytes it read straight into the other socket's send(), with no "
        f"buffer of its own in between, no copy and no allocation. The difference is well under a "
        f"microsecond per round trip, so where the proxy's CPU is saturated by kernel work the "
        f"two are close, and the spread between rounds can leave a ratio's interval across 1.0 "
        f"(a tie the run cannot resolve). Where the other CPU (echo_bench and the upstream) is "
        f"busy all the time, it is the limit for both proxies: the ratio then measures how each "
        f"proxy's timing loads that CPU (how much work each of its wake-ups finds), not what the "
        f"proxy itself costs. "
        f"splice() through a pipe for bulk transfers has not been measured yet: the "
        f"relay copies each byte into the per-thread 64 KiB buffer and out again, which splice() "
        f"would avoid at the price of a pipe (two more fds) per direction and the same number of "
        f"system calls.\n")
    load_bound = [f"{connections} x {compare.size_label(size)}" for connections, size in WORKLOADS
                  if all(compare.median([r["load_cpu"] for r in throughput[(connections, size)][n]])
                         >= 0.97 for n in (OURS, PEER))]
    if load_bound:
        add(f"In this run the other CPU was busy all the time with both proxies at "
            f"{', '.join(load_bound)}: there it set the pace, not the proxies (the proxies' own "
            f"CPU, in the table above, was not always busy).\n")
    add("How to reproduce: a Release build with `tcp_proxy`, `echo_server` and `echo_bench` "
        "(`cmake --build build/release --target tcp_proxy echo_server echo_bench`), haproxy, "
        "valgrind and strace installed, then "
        "`python3 apps/bench/proxy_compare.py --build_dir build/release`. Commands as run:\n")
    add("```")
    for kind, command in sorted(settings.commands.items()):
        command = command.replace(f"127.0.0.1:{settings.upstream_port}", "127.0.0.1:UPSTREAM_PORT")
        add(f"{kind}: {command.replace(str(settings.workdir), 'TMPDIR')}")
    add("```\n")
    add("TMPDIR/haproxy.cfg:\n")
    add("```")
    add(HAPROXY_CONFIG.format(port="PORT", upstream="UPSTREAM_PORT").rstrip())
    add("```")
    return "\n".join(out) + "\n"


def write_section(doc, body):
    """Replaces the section from its heading to the next "## " heading, or appends it."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if SECTION + "\n" in text:
        head, rest = text.split(SECTION + "\n", 1)
        following = rest.find("\n## ")
        tail = rest[following + 1:] if following >= 0 else ""
        text = head + body + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    doc.write_text(text)
    compare.log(f"wrote {doc}")


def parse_settings():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build_dir", type=Path, default=compare.REPO / "build" / "release")
    parser.add_argument("--quick", action="store_true",
                        help="short runs of everything; the report goes under the build dir")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 6, quick 2)")
    parser.add_argument("--duration_s", type=float, help="seconds per run (default 2, quick 1)")
    parser.add_argument("--warmup_s", type=float, help="warm-up per run (default 0.5, quick 0.2)")
    parser.add_argument("--server_cpu", type=int, default=0, help="the proxy's CPU")
    parser.add_argument("--load_cpu", type=int, default=1, help="echo_bench's and the upstream's")
    parser.add_argument("--doc", type=Path, help="default docs/benchmarks.md; quick: build dir")
    args = parser.parse_args()

    def pick(value, full, quick):
        return value if value is not None else (quick if args.quick else full)

    build_dir = args.build_dir.resolve()
    doc = (args.doc or (build_dir / "benchmarks.md" if args.quick
                        else compare.REPO / "docs/benchmarks.md")).resolve()
    return Settings(
        build_dir=build_dir,
        rounds=pick(args.rounds, 6, 2),
        duration_s=pick(args.duration_s, 2.0, 1.0),
        warmup_s=pick(args.warmup_s, 0.5, 0.2),
        callgrind_requests=(20000, 60000) if not args.quick else (5000, 15000),
        strace_requests=(20000, 60000) if not args.quick else (5000, 15000),
        server_cpu=args.server_cpu,
        load_cpu=args.load_cpu,
        doc=doc,
        chart=doc.parent / "proxy_benchmark.png",
        quick=args.quick,
    )


def main():
    settings = parse_settings()
    for needed in ("taskset", "haproxy", "valgrind", "strace", "gnuplot"):
        if not shutil.which(needed):
            sys.exit(f"proxy_compare: {needed} not found (third_party/install_deps.sh --peers)")
    started = datetime.datetime.now(datetime.timezone.utc)
    echo_server = compare.tool("bin/echo_server", settings.build_dir)
    with tempfile.TemporaryDirectory(prefix="proxy-compare-") as workdir, \
            compare.Server(compare.pinned(settings.load_cpu, [echo_server, "--port", "0"]),
                           settings.build_dir / "proxy-compare-upstream.log") as upstream:
        settings.workdir = Path(workdir)
        settings.upstream_port = upstream.port
        compare.log(f"upstream echo_server on port {upstream.port}; "
                    f"load average {compare.load_average()}")
        measured = {
            "throughput": measure_throughput(settings),
            "instructions": measure_instructions(settings),
            "syscalls": measure_syscalls(settings),
        }
    elapsed_s = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    settings.doc.parent.mkdir(parents=True, exist_ok=True)
    write_chart(settings, measured["throughput"])
    body = render(settings, measured, compare.machine_description(settings), started, elapsed_s)
    write_section(settings.doc, body)
    print(body)


if __name__ == "__main__":
    main()

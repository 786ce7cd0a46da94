#!/usr/bin/env python3
"""Benchmarks http_server against nginx and writes the "HTTP server" section of docs/benchmarks.md.

Both servers run one worker thread pinned to one core (taskset), with the load on the other; nginx
is Debian's nginx-light with one worker, master_process off, access log off, keep-alive without a
request cap and `return 200 "Hello, World!"`, its configuration, pid file and error log in a
temporary directory. Measured:
  wrk           wrk -t1 on /plaintext at 50 and 1000 connections: req/s and p99, in interleaved
                rounds (ours, nginx, nginx, ours, ...); our ratio is the median of the per-round
                ratios, with its confidence interval
  ab            ab -k -c 1000 on /, interleaved too
  instructions  user-space instructions per request under callgrind: exactly N keep-alive requests
                (ab -k -n N -c 50), two runs of different N, the difference per request, so that
                start-up and shutdown cancel out
  syscalls      system calls per request under strace -c, by the same difference
Reuses apps/bench/compare.py (server process, ab, statistics, callgrind and strace parsing).

  apps/bench/http_compare.py --build_dir build/release            the full run (about 3 minutes)
  apps/bench/http_compare.py --build_dir build/release --quick    a short run, report under the
                                                                  build directory
"""

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare as bench  # noqa: E402

OURS = bench.OURS  # "reactor": the ratios of compare.py are ours over a peer's
PEER = "nginx"
SERVERS = [OURS, PEER]
WRK_CONNECTIONS = [50, 1000]
DETERMINISTIC_CONNECTIONS = 50
SECTIONS = ["wrk", "ab", "instructions", "syscalls"]
TARGETS = {"instructions": 2500, "syscalls": 2.10, "ratio": 1.0}

BEGIN = "<!-- http_compare.py: generated from here -->"
END = "<!-- http_compare.py: generated up to here -->"

NGINX_CONFIG = """
worker_processes 1;
master_process off;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 75s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            default_type text/plain;
            return 200 "Hello, World!";
        }}
    }}
}}
"""


@dataclass
class Settings:
    """What compare.py's helpers read (build_dir, load_cpu, ab_requests, commands), and ours."""
    build_dir: Path
    sections: list
    rounds: int
    duration_s: float
    ab_requests: int
    ab_rounds: int
    callgrind_requests: tuple
    strace_requests: tuple
    server_cpu: int
    load_cpu: int
    doc: Path
    quick: bool
    commands: dict = field(default_factory=dict)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Nginx:
    """nginx on a free port with its configuration in a temporary directory; the same interface
    as compare.Server (port, pid, stop, a context manager)."""

    def __init__(self, settings, wrapper):
        self.dir = tempfile.TemporaryDirectory(prefix="http-compare-nginx-")
        self.port = free_port()
        config = Path(self.dir.name) / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(dir=self.dir.name, port=self.port))
        command = wrapper + ["nginx", "-p", self.dir.name, "-c", str(config)]
        bench.remember(settings, f"nginx {wrapper[0] if wrapper else ''}".strip(), command)
        self.log = open(settings.build_dir / "http-compare-nginx.log", "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"http_compare: nginx exited; see {self.log.name}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit("http_compare: nginx did not start listening")

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        self.dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(settings, name, wrapper):
    if name == PEER:
        return Nginx(settings, wrapper)
    command = wrapper + [bench.tool("bin/http_server", settings.build_dir), "--port", "0"]
    bench.remember(settings, f"reactor {wrapper[0] if wrapper else ''}".strip(), command)
    return bench.Server(command, settings.build_dir / "http-compare-reactor.log")


def pinned_server(settings, name):
    return start(settings, name, bench.pinned(settings.server_cpu, []))


def microseconds(text):
    value, unit = float(text[:-2] if text.endswith(("us", "ms")) else text[:-1]), text[-2:]
    return value * {"us": 1, "ms": 1000}.get(unit, 1e6)


def run_wrk(settings, port, connections):
    command = bench.pinned(settings.load_cpu, [
        "wrk", "-t1", f"-c{connections}", f"-d{settings.duration_s:g}s", "--latency",
        f"http://127.0.0.1:{port}/plaintext"])
    bench.remember(settings, "wrk", command)
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=settings.duration_s + 120)
    out = result.stdout
    rate = next((l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec:")), None)
    p99 = next((l.split()[1] for l in out.splitlines() if l.strip().startswith("99%")), None)
    bad = [l for l in out.splitlines() if "Non-2xx" in l or "Socket errors" in l]
    if result.returncode != 0 or rate is None or p99 is None:
        sys.exit(f"http_compare: wrk failed ({result.returncode}): {out[-1500:]}{result.stderr}")
    return {"requests_per_s": float(rate), "p99_us": microseconds(p99), "errors": bad}


def measure_wrk(settings):
    """{connections: {server: [report per round]}}"""
    results = {c: {name: [] for name in SERVERS} for c in WRK_CONNECTIONS}
    for round_index in range(settings.rounds):
        for connections in WRK_CONNECTIONS:
            for name in bench.round_order(SERVERS, round_index):
                with pinned_server(settings, name) as server:
                    report = run_wrk(settings, server.port, connections)
                results[connections][name].append(report)
                bench.log(f"wrk round {round_index + 1}/{settings.rounds} c{connections} "
                          f"{name:7} {report['requests_per_s']:>10.0f} req/s "
                          f"p99 {report['p99_us']:.0f} us {' '.join(report['errors'])}")
    return results


def measure_ab(settings):
    results = {name: [] for name in SERVERS}
    for round_index in range(settings.ab_rounds):
        for name in bench.round_order(SERVERS, round_index):
            with pinned_server(settings, name) as server:
                report = bench.run_ab(settings, server.port)
            results[name].append(report)
            bench.log(f"ab round {round_index + 1}/{settings.ab_rounds} {name:7} "
                      f"{report['requests_per_s']:>10.0f} req/s, non-2xx {report['non_2xx']}")
    return results


def exact_requests(settings, port, requests):
    """ab -k -n `requests`: exactly that many keep-alive requests, all answered 200."""
    command = bench.pinned(settings.load_cpu, [
        "ab", "-q", "-k", "-n", str(requests), "-c", str(DETERMINISTIC_CONNECTIONS),
        f"http://127.0.0.1:{port}/plaintext"])
    bench.remember(settings, "ab exact", command)
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if (result.returncode != 0 or f"Complete requests:      {requests}" not in result.stdout
            or "Failed requests:        0" not in result.stdout or "Non-2xx" in result.stdout):
        sys.exit(f"http_compare: ab -n {requests} failed: {result.stdout[-1500:]}")


def measure_instructions(settings):
    results = {}
    for name in SERVERS:
        totals = []
        for requests in settings.callgrind_requests:
            out = settings.build_dir / f"http-compare-{name}.callgrind"
            wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            with start(settings, name, wrapper) as server:
                exact_requests(settings, server.port, requests)
            totals.append(bench.callgrind_total(out))
        results[name] = bench.per_message(totals, settings.callgrind_requests)
        bench.log(f"instructions {name:7} {results[name]:.0f} per request")
    return results


def measure_syscalls(settings):
    results = {}
    for name in SERVERS:
        counts = []
        for requests in settings.strace_requests:
            out = settings.build_dir / f"http-compare-{name}.strace"
            with pinned_server(settings, name) as server:
                counts.append(bench.strace_during(
                    settings, server.pid, out,
                    lambda port=server.port, n=requests: exact_requests(settings, port, n)))
        results[name] = bench.syscall_rates(counts[0], counts[1], settings.strace_requests)
        bench.log(f"syscalls {name:7} {results[name]['total']:.3f} per request " + " ".join(
            f"{c}={r:.3f}" for c, r in sorted(results[name]["by_call"].items())))
    return results


def medians(reports, key):
    return bench.median([r[key] for r in reports])


def write_chart(settings, measured, png):
    """ours and nginx, k req/s, per load; returns the path, or None without gnuplot."""
    if not shutil.which("gnuplot"):
        bench.log("chart: gnuplot not found, skipped")
        return None
    rows = [f"wrk-c{c} " + " ".join(f"{medians(by[n], 'requests_per_s') / 1000:.1f}"
                                    for n in SERVERS)
            for c, by in measured.get("wrk", {}).items()]
    if measured.get("ab"):
        rows.append("ab-k-c1000 " + " ".join(
            f"{medians(measured['ab'][n], 'requests_per_s') / 1000:.1f}" for n in SERVERS))
    data = png.with_suffix(".dat")
    data.write_text("load http_server nginx\n" + "\n".join(rows) + "\n")
    script = f"""
set terminal pngcairo size 900,480 font ',10' noenhanced
set output '{png}'
set title '"Hello, World!" over keep-alive HTTP/1.1, one server thread (median of interleaved rounds)'
set ylabel 'thousand requests per second'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set yrange [0:*]
plot for [i=2:3] '{data}' using i:xtic(1) title columnheader(i)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    data.unlink()
    return png


def render(settings, measured, machine, started, elapsed_s, load, chart):
    out = []
    add = out.append
    add(f"Generated by `apps/bench/http_compare.py{' --quick' if settings.quick else ''}` on "
        f"{started:%Y-%m-%d %H:%M} UTC in {elapsed_s / 60:.1f} minutes, at commit "
        f"{machine['commit']}, on the machine described above (load average before and after: "
        f"{load[0]}; {load[1]}). `http_server` (one thread, epoll) against nginx "
        f"{nginx_version()} (nginx-light: one worker, `master_process off`, access log off, "
        "`keepalive_requests 1000000000`, `return 200 \"Hello, World!\"`), each pinned to CPU "
        f"{settings.server_cpu} with the load on CPU {settings.load_cpu}.\n")
    add("### Targets\n")
    add("| Target | Bound | Measured | Verdict |")
    add("|---|---|---|---|")
    comparisons = []
    for c, by in measured.get("wrk", {}).items():
        rate = bench.compare_to(by, PEER, "requests_per_s", TARGETS["ratio"], True)
        p99 = bench.compare_to(by, PEER, "p99_us", 1.0, False)
        comparisons += [rate, p99]
        add(f"| req/s, wrk -t1 -c{c} | >= 1.00x nginx | {rate.figures()} | {rate.verdict()} |")
        add(f"| p99, wrk -t1 -c{c} | <= 1.00x nginx | {p99.figures()} | {p99.verdict()} |")
    if measured.get("ab"):
        rate = bench.compare_to(measured["ab"], PEER, "requests_per_s", TARGETS["ratio"], True)
        add(f"| req/s, ab -k -c 1000 | >= 1.00x nginx | {rate.figures()} | {rate.verdict()} |")
    if "instructions" in measured:
        ours = measured["instructions"][OURS]
        add(f"| user-space instructions per request | <= {TARGETS['instructions']:,} | "
            f"{ours:,.0f} | {bench.verdict(ours <= TARGETS['instructions'])} |")
    if "syscalls" in measured:
        ours = measured["syscalls"][OURS]["total"]
        add(f"| system calls per request | <= {TARGETS['syscalls']:.2f} | {ours:.3f} | "
            f"{bench.verdict(ours <= TARGETS['syscalls'])} |")
    add("| heap allocations per request (steady state) | 0 | 0 | met "
        "(`http_allocation_test`, in CI) |")
    add("\nRatios are ours over nginx's, the median of per-round ratios with its 95% interval in "
        "brackets (none with fewer than 6 rounds). A p99 ratio under 1 is a lower latency.\n")
    if measured.get("wrk") or measured.get("ab"):
        add("### Throughput\n")
        add("| Load | http_server | nginx |")
        add("|---|---|---|")
        for c, by in measured.get("wrk", {}).items():
            add(f"| wrk -t1 -c{c} /plaintext | " + " | ".join(
                f"{bench.fmt_rate(medians(by[n], 'requests_per_s'))} req/s, "
                f"p99 {medians(by[n], 'p99_us'):.0f} us" for n in SERVERS) + " |")
        if measured.get("ab"):
            add("| ab -k -c 1000 / | " + " | ".join(
                f"{bench.fmt_rate(medians(measured['ab'][n], 'requests_per_s'))} req/s, "
                f"p99 {medians(measured['ab'][n], 'p99_ms'):.0f} ms" for n in SERVERS) + " |")
        if chart:
            add(f"\n![HTTP throughput]({chart.name})\n")
    if "instructions" in measured or "syscalls" in measured:
        add("### Cost per request\n")
        add("| | http_server | nginx |")
        add("|---|---|---|")
        if "instructions" in measured:
            add("| user-space instructions (callgrind) | " + " | ".join(
                f"{measured['instructions'][n]:,.0f}" for n in SERVERS) + " |")
        if "syscalls" in measured:
            add("| system calls (strace -c) | " + " | ".join(
                f"{measured['syscalls'][n]['total']:.3f} (" + ", ".join(
                    f"{c} {r:.3f}" for c, r in sorted(measured["syscalls"][n]["by_call"].items()))
                + ")" for n in SERVERS) + " |")
        add(f"\nDifferences of two runs of {settings.callgrind_requests[0]:,} and "
            f"{settings.callgrind_requests[1]:,} requests (callgrind) and "
            f"{settings.strace_requests[0]:,} and {settings.strace_requests[1]:,} (strace), "
            f"ab -k -c {DETERMINISTIC_CONNECTIONS} on /plaintext.\n")
    add("### Commands\n")
    add("```")
    for kind, command in settings.commands.items():
        add(f"{kind + ':':16} {command}")
    add("```")
    return "\n".join(out)


def nginx_version():
    result = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return (result.stderr.strip().split("/")[-1]) or "?"


def write_doc(doc, body):
    """Replaces the generated block in place, or appends it (with a "## HTTP server" section
    around it) at the end of `doc`; prose outside the block is kept."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{body}\n{END}"
    if BEGIN in text and END in text:
        text = text.split(BEGIN)[0] + block + text.split(END)[1]
    else:
        text = text.rstrip("\n") + f"\n\n## HTTP server\n\n{block}\n"
    doc.write_text(text)
    bench.log(f"wrote {doc}")


def parse_settings():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build_dir", type=Path, default=bench.REPO / "build" / "release")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, help="wrk rounds (default 8, quick 2)")
    parser.add_argument("--duration_s", type=float, help="per wrk run (default 3, quick 1)")
    parser.add_argument("--ab_requests", type=int, help="ab -n (default 300000, quick 100000)")
    parser.add_argument("--ab_rounds", type=int, help="ab rounds (default 12, quick 1)")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--server_cpu", type=int, default=0)
    parser.add_argument("--load_cpu", type=int, default=1)
    parser.add_argument("--doc", type=Path,
                        help="report (default docs/benchmarks.md; quick: under the build dir)")
    args = parser.parse_args()
    sections = args.sections.split(",")
    if set(sections) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(set(sections) - set(SECTIONS)))}")

    def pick(value, full, quick):
        return value if value is not None else (quick if args.quick else full)

    build_dir = args.build_dir.resolve()
    doc = args.doc or (build_dir / "benchmarks.md" if args.quick
                       else bench.REPO / "docs/benchmarks.md")
    return Settings(
        build_dir=build_dir,
        sections=sections,
        rounds=pick(args.rounds, 8, 2),
        duration_s=pick(args.duration_s, 3.0, 1.0),
        ab_requests=pick(args.ab_requests, 300000, 100000),
        ab_rounds=pick(args.ab_rounds, 12, 1),
        callgrind_requests=(20000, 60000) if not args.quick else (5000, 15000),
        strace_requests=(20000, 60000) if not args.quick else (5000, 15000),
        server_cpu=args.server_cpu,
        load_cpu=args.load_cpu,
        doc=doc.resolve(),
        quick=args.quick,
    )


def main():
    settings = parse_settings()
    needed = {"wrk": ["wrk"], "ab": ["ab"], "instructions": ["valgrind", "ab"],
              "syscalls": ["strace", "ab"]}
    for tool in ["taskset", "nginx"] + sum((needed[s] for s in settings.sections), []):
        if not shutil.which(tool):
            sys.exit(f"http_compare: {tool} not found (third_party/install_deps.sh --peers)")
    started = bench.now_utc()
    load_before = bench.load_average()
    measure = {"wrk": measure_wrk, "ab": measure_ab, "instructions": measure_instructions,
               "syscalls": measure_syscalls}
    measured = {s: measure[s](settings) for s in SECTIONS if s in settings.sections}
    elapsed_s = (bench.now_utc() - started).total_seconds()
    settings.doc.parent.mkdir(parents=True, exist_ok=True)
    chart = None
    if measured.get("wrk") or measured.get("ab"):
        chart = write_chart(settings, measured, settings.doc.parent / "benchmarks_http.png")
    body = render(settings, measured, bench.machine_description(settings), started, elapsed_s,
                  (load_before, bench.load_average()), chart)
    write_doc(settings.doc, body)
    print(body)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs a program for a long time and watches it from outside.

    monitor.py NAME [--interval S] [--counter REGEX | --rate REGEX]
               [--rate-unit UNIT] -- PROGRAM [ARGS...]

Every S seconds (default 60) it prints the program's resident memory,
thread count and open file descriptors (from /proc), and its throughput:
with --counter, the increase of the number REGEX's first group last matched
in the program's output, per second; with --rate, the last value REGEX's
first group matched. The program's own output passes through.

At the end it prints `BENCH NAME_... VALUE UNIT` lines and three verdicts:
memory flat (the median resident memory of the last quarter of the run is
less than 2% or 4 MB above that of the second quarter), no thread or fd leak (the counts in the last
quarter come back down to the second quarter's highest), throughput steady (the last
quarter's median is within 15% of the second quarter's). It exits non-zero
when the program fails or a verdict is "no".
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time


def proc_sample(pid):
    rss_kb = threads = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss_kb = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None
    if rss_kb is None or threads is None:
        return None
    return rss_kb / 1024.0, threads, fds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--counter")
    ap.add_argument("--rate")
    ap.add_argument("--rate-unit", default="/s")
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("no program given (put it after --)")
    split = argv.index("--")
    args = ap.parse_args(argv[:split])
    cmd = argv[split + 1:]
    if not cmd:
        ap.error("no program given (put it after --)")
    pattern = re.compile(args.counter or args.rate) if (
        args.counter or args.rate) else None

    latest = {"value": None}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)

    def pump():
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if pattern:
                m = pattern.search(line)
                if m:
                    latest["value"] = float(m.group(1))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()

    start = time.monotonic()
    samples = []  # (t, rss MB, threads, fds, throughput or None)
    last_t, last_count = start, None
    while True:
        try:
            proc.wait(timeout=args.interval)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        s = proc_sample(proc.pid)
        if s is None:
            continue
        value = latest["value"]
        tput = None
        if args.counter and value is not None:
            if last_count is not None:
                tput = (value - last_count) / (now - last_t)
            last_count, last_t = value, now
        elif args.rate:
            tput = value
        samples.append((now - start, *s, tput))
        rate = f"  {tput:.1f} {args.rate_unit}" if tput is not None else ""
        print(f"[{now - start:7.0f}s] rss {s[0]:.1f} MB  threads {s[1]}  "
              f"fds {s[2]}{rate}", flush=True)
    reader.join(timeout=10)
    rc = proc.returncode
    elapsed = time.monotonic() - start
    n = args.name
    print(f"BENCH {n}_seconds {elapsed:.0f} s")
    print(f"BENCH {n}_exit_status {rc} code")
    ok = rc == 0
    if len(samples) < 4:
        print(f"{n}: only {len(samples)} samples; run longer than 4 intervals",
              file=sys.stderr)
        return 1
    q = len(samples) // 4
    end = samples[-1]
    # Compare the medians of the second and last quarters: a sample taken
    # while the program briefly holds more (S1's evaluation of the test set)
    # is not growth, a floor that keeps rising is.
    second_q, last_q = samples[q:2 * q], samples[-q:]
    rss_second = statistics.median(x[1] for x in second_q)
    rss_last = statistics.median(x[1] for x in last_q)
    growth = rss_last - rss_second
    flat = growth < max(4.0, 0.02 * rss_second)
    print(f"BENCH {n}_rss_median_second_quarter {rss_second:.1f} MB")
    print(f"BENCH {n}_rss_median_last_quarter {rss_last:.1f} MB")
    print(f"BENCH {n}_rss_min {min(x[1] for x in samples):.1f} MB")
    print(f"BENCH {n}_rss_end {end[1]:.1f} MB")
    print(f"BENCH {n}_rss_max {max(x[1] for x in samples):.1f} MB")
    print(f"BENCH {n}_threads_end {end[2]} threads")
    print(f"BENCH {n}_fds_end {end[3]} fds")
    # Threads and fds come and go (a reader's read-ahead thread lives as long
    # as its file): a leak is a last quarter that never gets back down to
    # the most the second quarter had.
    leak = any(min(x[i] for x in last_q) > max(x[i] for x in second_q)
               for i in (2, 3))
    verdicts = [
        ("memory flat", flat,
         f"median RSS {rss_second:.1f} MB in the second quarter, "
         f"{rss_last:.1f} MB in the last ({growth:+.1f} MB)"),
        ("no thread or fd leak", not leak,
         f"threads {min(x[2] for x in second_q)}..{max(x[2] for x in second_q)}"
         f" -> {min(x[2] for x in last_q)}..{max(x[2] for x in last_q)}, "
         f"fds {min(x[3] for x in second_q)}..{max(x[3] for x in second_q)}"
         f" -> {min(x[3] for x in last_q)}..{max(x[3] for x in last_q)}"),
    ]
    tputs = [(t, x) for t, *_, x in samples if x is not None]
    if pattern and len(tputs) >= 4:
        k = len(tputs) // 4
        second = statistics.median(x for _, x in tputs[k:2 * k])
        last = statistics.median(x for _, x in tputs[-k:])
        print(f"BENCH {n}_throughput_second_quarter {second:.1f} "
              f"{args.rate_unit}")
        print(f"BENCH {n}_throughput_last_quarter {last:.1f} {args.rate_unit}")
        ratio = last / second if second > 0 else 0.0
        print(f"RATIO {n}_throughput_last_vs_second_quarter "
              f"{ratio:.3f} (higher is better)")
        verdicts.append(("throughput steady", abs(ratio - 1) <= 0.15,
                         f"median {second:.1f} -> {last:.1f} "
                         f"{args.rate_unit}"))
    for what, good, detail in verdicts:
        print(f"LONGRUN {n} {what}: {'yes' if good else 'no'} ({detail})")
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

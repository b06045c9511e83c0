#!/usr/bin/env python3
"""experiments/serving/fit.py — fit hetsim's serving model from mixed-load runs.

Usage:
  python3 experiments/serving/fit.py DATA.csv.gz --runs 1-3 [--experiments E,...]
      [--base profiles/data/heet.json] -o DIR

DATA is in the layout of ../shared/data/heet_mixed_exp2.csv.gz (columns
experiment, n_t2_large, n_c5_2xlarge, n_g4dn_xlarge, run, task_id, task_type,
machine, instance, arrival_ms, inference_ms, completion_ms). Only the rows of
the runs named by --runs (and the experiments named by --experiments, default
all) are read. Writes:

  DIR/profile.json   the base profile's machine and task types with, per (task
                     type, machine type), an empirical model of the measured
                     inference_ms under mixed load (1001 quantiles of the
                     training rows, unit ms)
  DIR/serving.json   the "serving" model of sim/serving.h:
    hold          the time an instance stays taken after a request's own
                  round trip: for each request that had waited (it arrived
                  before the previous response of its instance by at least
                  the median client-side time of a request that found its
                  instance free: no longer in its own client delay),
                  completion - previous completion on the instance -
                  inference_ms (clipped at 0): their median (a constant;
                  their tail is the client's dispatch in lightly loaded
                  pools, not time the instance is taken)
    client_delay  the rest of a request's client-side time, which does not
                  occupy the instance: for each request that found its
                  instance free, completion - arrival - inference_ms, less
                  the hold (clipped at 0), 1001 quantiles
    queue         "random" when waiting requests are served out of arrival
                  order: over 5% of the requests that waited were overtaken
                  (a request that arrived more than the median client-side
                  time later started more than that much earlier), which
                  FIFO never does
    mix           per (machine type, previous task type on the instance or
                  none, task type): mean inference_ms after that previous
                  type / mean inference_ms of the pair (the service order on
                  an instance is its completion order)

Every number comes from the training rows; nothing is tuned by hand. The same
inputs give byte-identical outputs. Errors: one line naming the file (and
line), exit status 1.
"""
import argparse
import bisect
import csv
import gzip
import json
import os
import sys
from collections import defaultdict

NQ = 1001  # quantiles kept per distribution


def die(msg):
    print("fit.py: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_runs(text):
    runs = set()
    for part in text.split(","):
        try:
            if "-" in part:
                a, b = part.split("-", 1)
                runs.update(range(int(a), int(b) + 1))
            else:
                runs.add(int(part))
        except ValueError:
            die("--runs: \"%s\" is not a run list like 1-3 or 1,4" % text)
    if not runs:
        die("--runs: no run named")
    return runs


def quantiles(values):
    """NQ evenly spaced order statistics (nearest rank) of values."""
    v = sorted(values)
    n = len(v)
    return [v[min(n - 1, (i * (n - 1) + (NQ - 1) // 2) // (NQ - 1))]
            for i in range(NQ)]


def read_rows(path, runs, experiments):
    """{(experiment, pool, run): [(task_id, type, machine, instance, a, inf, c)]}"""
    need = ["experiment", "n_t2_large", "n_c5_2xlarge", "n_g4dn_xlarge", "run",
            "task_id", "task_type", "machine", "instance", "arrival_ms",
            "inference_ms", "completion_ms"]
    out = defaultdict(list)
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", newline="") as f:
            r = csv.reader(f)
            head = next(r, None)
            if head is None or any(c not in head for c in need):
                die("%s:1: header must name %s" % (path, ", ".join(need)))
            col = [head.index(c) for c in need]
            for line, row in enumerate(r, start=2):
                try:
                    x = [row[i] for i in col]
                    run = int(x[4])
                    if run not in runs or (experiments and x[0] not in experiments):
                        continue
                    key = (x[0], (int(x[1]), int(x[2]), int(x[3])), run)
                    a, inf, c = int(x[9]), int(x[10]), int(x[11])
                except (ValueError, IndexError):
                    die("%s:%d: a row needs integer pool, run and times" % (path, line))
                if inf < 0 or c < a:
                    die("%s:%d: negative inference_ms or completion before arrival"
                        % (path, line))
                out[key].append((int(x[5]), x[6], x[7], x[8], a, inf, c))
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    except (EOFError, gzip.BadGzipFile, csv.Error) as e:
        die("%s: %s" % (path, e))
    return out


def fit(rows):
    service = defaultdict(list)           # (type, machine) -> [ms]
    after = defaultdict(lambda: [0.0, 0])  # (machine, prev, type) -> [sum, n]
    waited, free = [], []
    for rs in rows.values():
        by = defaultdict(list)
        for t in rs:
            by[t[3]].append(t)
        for inst in sorted(by):
            prev_c, prev_t = None, None
            for t in sorted(by[inst], key=lambda t: (t[6], t[0])):
                _, ty, m, _, a, inf, c = t
                service[(ty, m)].append(inf)
                s = after[(m, prev_t, ty)]
                s[0] += inf
                s[1] += 1
                if prev_c is not None and a < prev_c:
                    waited.append((prev_c - a, max(0, c - prev_c - inf)))
                else:
                    free.append(c - a - inf)
                prev_c, prev_t = c, ty
    if not free:
        die("the training runs have no request that found its instance free")
    # service order of waiting requests: the share of the requests that
    # waited (as below) that were overtaken, i.e. some request that arrived
    # more than margin0 ms after them started more than margin0 ms before
    # them (start = completion - inference_ms). FIFO overtakes none.
    margin0 = sorted(free)[len(free) // 2]
    inverted = pairs = 0
    for rs in rows.values():
        last = {}
        queued = []
        for t in sorted(rs, key=lambda t: (t[6], t[0])):
            pc = last.get(t[3])
            if pc is not None and t[4] < pc - margin0:
                queued.append(t)
            last[t[3]] = t[6]
        starts = sorted((t[6] - t[5], t[4]) for t in rs)
        keys, latest, m = [], [], -1
        for st, arr in starts:
            m = max(m, arr)
            keys.append(st)
            latest.append(m)  # latest arrival among those started by st
        for t in queued:
            i = bisect.bisect_left(keys, t[6] - t[5] - margin0)
            pairs += 1
            inverted += i > 0 and latest[i - 1] > t[4] + margin0
    inv_share = inverted / pairs if pairs else 0.0
    # a request that arrived shortly before its instance freed may still be
    # in its own client delay: only those that had waited at least the
    # median client-side time of a free request measure the hold
    margin = sorted(free)[len(free) // 2]
    gaps = sorted(g for w, g in waited if w >= margin)
    if not gaps:
        die("the training runs have no request that waited long enough")
    # the hold is their median: their tail (tens of ms in lightly loaded
    # pools, where few requests wait) is the client's dispatch, not the
    # instance's, and a hold that long would take capacity that saturated
    # pools show they have (their gaps: median 2 ms)
    hold = gaps[len(gaps) // 2]
    delay = [max(0, x - hold) for x in free]
    mix = []
    for (m, prev, ty), (tot, n) in sorted(after.items(),
                                          key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        pair = service[(ty, m)]
        mix.append({"machine": m, "task": ty, "after": prev,
                    "factor": round((tot / n) / (sum(pair) / len(pair)), 6),
                    "n": n})
    return service, hold, len(gaps), delay, mix, len(free), margin, inv_share, pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--runs", required=True)
    ap.add_argument("--experiments", default="")
    ap.add_argument("--base", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "profiles", "data", "heet.json"))
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    runs = parse_runs(a.runs)
    exps = set(e for e in a.experiments.split(",") if e)
    try:
        base = json.load(open(a.base))
    except (OSError, ValueError) as e:
        die("%s: %s" % (a.base, e))
    rows = read_rows(a.data, runs, exps)
    if not rows:
        die("%s: no row of runs %s" % (a.data, a.runs))
    service, hold, n_gaps, delay, mix, n_free, margin, inv, pairs = fit(rows)
    src = "%s, runs %s%s (%d runs)" % (os.path.basename(a.data), a.runs,
                                       ", " + a.experiments if exps else "", len(rows))
    known_m = {m["name"] for m in base["machine_types"]}
    known_t = {t["name"] for t in base["task_types"]}
    for (ty, m) in service:
        if m not in known_m or ty not in known_t:
            die("%s: task type %s or machine type %s is not in %s" % (a.data, ty, m, a.base))
    prof = {
        "source": "Mixed-load service times fitted by experiments/serving/fit.py from "
                  + src + "; machine facts from " + os.path.basename(a.base),
        "machine_types": base["machine_types"],
        "task_types": base["task_types"],
        "exec": [{"task": ty, "machine": m, "model": "empirical", "unit": "ms",
                  "samples": quantiles(v), "source": "%s, n=%d" % (src, len(v))}
                 for (ty, m), v in sorted(service.items())],
    }
    serving = {
        "source": "experiments/serving/fit.py on " + src,
        "hold": {"unit": "ms", "samples": [hold],
                 "source": "median of n=%d requests that waited at least %d ms (the "
                           "median client-side time of a free request)" % (n_gaps, margin)},
        "client_delay": {"unit": "ms", "samples": quantiles(delay),
                         "source": "n=%d requests that found their instance free, "
                                   "less the hold" % n_free},
        "queue": "random" if inv > 0.05 else "fifo",
        "queue_source": "of %d requests that waited, %.3f were overtaken by one that "
                        "arrived over %d ms later (FIFO: none; random when over 0.05)"
                        % (pairs, inv, margin),
        "mix": mix,
    }
    os.makedirs(a.out, exist_ok=True)
    for name, doc in (("profile.json", prof), ("serving.json", serving)):
        with open(os.path.join(a.out, name), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")
    print("fit.py: %d runs, %d requests -> %s/profile.json, %s/serving.json"
          % (len(rows), sum(len(v) for v in rows.values()), a.out, a.out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""experiments/serving/validate.py — replay held-out mixed-load runs through
`hetsim run` and compare p50 / p95 response time and makespan with the
recorded ones.

Usage:
  python3 experiments/serving/validate.py DATA.csv.gz --fit DIR --runs 4-5
      [--experiments E,...] [--hetsim build/hetsim] [--pools N]
      [--work DIR] [-o experiments/serving/VALIDATION.md]

DIR holds the profile.json and serving.json that `hetsim fit --serving` wrote
from OTHER runs.
For every held-out run (experiment, pool a_b_c, run) the script writes the
run's real arrivals and task types as a trace, an experiment with its pool (a
t2.large, b c5.2xlarge, c g4dn.xlarge, one slot each) and runs it under each
model below (seed = the run number). Recorded metrics: p50 and p95 of
completion_ms - arrival_ms and the makespan max(completion_ms), per run.
Error = (simulated - recorded) / recorded. Models:

  today      profiles/data/heet.json (single-model service times), fcfs,
             no "serving": hetsim before this model existed
  profile    + the mixed-load profile (hetsim fit --serving)
  +client    + client_delay and hold
  +lb random + fcfs_random (a random free instance)
  +lb rr     + rr with no local queues (the next free instance in rotation)
  +queue     + the fitted "queue" order of waiting requests
  +retry     +lb rr and the retrying client ("retry") instead of "queue"
             (it replaces the hold as well)
  full       + mix (service time after the instance's previous type): the
             whole serving.json, "retry" included

--pools N keeps every N-th pool (a quicker, smaller check). Writes the
markdown table to -o and prints it.
"""
import argparse
import csv
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MACHINES = ("t2.large", "c5.2xlarge", "g4dn.xlarge")
SLOW_MS = 40  # median client-side time (ms) of a run whose client was slow


def die(msg):
    print("validate.py: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_runs(text):
    runs = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        try:
            runs.update(range(int(a), int(b or a) + 1))
        except ValueError:
            die("--runs: \"%s\" is not a run list like 4-5" % text)
    return runs


def pct(v, q):
    """Python statistics.quantiles(n=100)[q-1] (the 'exclusive' method)."""
    return statistics.quantiles(v, n=100)[q - 1]


def read_runs(path, runs, exps):
    out = defaultdict(list)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", newline="") as f:
            r = csv.DictReader(f)
            for line, row in enumerate(r, start=2):
                try:
                    run = int(row["run"])
                    if run not in runs or (exps and row["experiment"] not in exps):
                        continue
                    pool = (int(row["n_t2_large"]), int(row["n_c5_2xlarge"]),
                            int(row["n_g4dn_xlarge"]))
                    out[(row["experiment"], pool, run)].append(
                        (int(row["task_id"]), row["task_type"], int(row["arrival_ms"]),
                         int(row["completion_ms"]), int(row["inference_ms"]),
                         row["instance"]))
                except (KeyError, ValueError, TypeError):
                    die("%s:%d: bad row" % (path, line))
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    return out


def models(fit_dir):
    prof_today = os.path.join(ROOT, "profiles", "data", "heet.json")
    prof_mixed = os.path.abspath(os.path.join(fit_dir, "profile.json"))
    srv = os.path.abspath(os.path.join(fit_dir, "serving.json"))
    srv_doc = json.load(open(srv))
    client = {"client_delay": srv_doc["client_delay"], "hold": srv_doc["hold"]}
    rr = {"queue": {"capacity": 0}}  # rr over free instances only
    return [
        ("today", prof_today, "fcfs", None, None),
        ("profile", prof_mixed, "fcfs", None, None),
        ("+client", prof_mixed, "fcfs", client, None),
        ("+lb random", prof_mixed, "fcfs_random", client, None),
        ("+lb rr", prof_mixed, "rr", client, rr),
        ("+queue", prof_mixed, "rr", dict(client, queue=srv_doc["queue"]), rr),
        ("+retry", prof_mixed, "rr", dict(client, retry=srv_doc["retry"]), rr),
        ("full", prof_mixed, "rr", {"file": srv}, rr),
    ]


def simulate(hetsim, work, key, rows, model):
    name, prof, policy, serving, extra = model
    exp, pool, run = key
    tag = "%s_%d_%d_%d_r%d" % (exp, pool[0], pool[1], pool[2], run)
    trace = os.path.join(work, tag + ".csv")
    if not os.path.exists(trace):
        with open(trace, "w") as f:
            f.write("arrival_s,task_type\n")
            for _, ty, a, _, _, _ in sorted(rows, key=lambda t: (t[2], t[0])):
                f.write("%.3f,%s\n" % (a / 1000.0, ty))
    x = {"name": tag, "profile": prof,
         "machines": [{"type": m, "count": n} for m, n in zip(MACHINES, pool) if n],
         "workload": {"arrival": "trace", "file": trace},
         "policies": [policy], "seed": run,
         "output": {"dir": os.path.join(work, "out"), "tasks_csv": False}}
    if serving:
        x["serving"] = serving
    if extra:
        x.update(extra)
    path = os.path.join(work, "x.json")
    with open(path, "w") as f:
        json.dump(x, f)
    p = subprocess.run([hetsim, "run", path, "--quiet", "--no-tasks-csv"],
                       capture_output=True, text=True)
    if p.returncode:
        die("hetsim run failed for %s (%s): %s" % (tag, name, p.stderr.strip()))
    s = json.load(open(os.path.join(work, "out", policy, "summary.json")))
    return s["response_s"]["p50"], s["response_s"]["p95"], s["makespan_s"]


def free_overheads(rows):
    """completion - arrival - inference of the requests that arrived after
    their instance's previous completion (in completion order)."""
    by = defaultdict(list)
    for r in rows:
        by[r[5]].append(r)
    out = []
    for reqs in by.values():
        reqs.sort(key=lambda r: (r[3], r[0]))
        prev = None
        for _, _, a, c, i, _ in reqs:
            if prev is None or a >= prev:
                out.append(c - a - i)
            prev = c
    return out or [0]


HEAD = ("| model | p50 mean | median | max | signed | p95 mean | median | max | signed "
        "| makespan mean | median | max | signed |")
SEP = "|---|" + "---:|" * 12


def summary(errs):
    a = [abs(e) for e in errs]
    return "%.1f | %.1f | %.1f | %+.1f" % (100 * statistics.mean(a), 100 * statistics.median(a),
                                          100 * max(a), 100 * statistics.mean(errs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--fit", required=True)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--experiments", default="")
    ap.add_argument("--hetsim", default=os.path.join(ROOT, "build", "hetsim"))
    ap.add_argument("--pools", type=int, default=1)
    ap.add_argument("--work", default="")
    ap.add_argument("--train", default="", help="the training runs, for the report")
    ap.add_argument("-o", "--out", default=os.path.join(HERE, "VALIDATION.md"))
    ap.add_argument("--csv", default="", help="also write every run's numbers here")
    a = ap.parse_args()
    exps = set(e for e in a.experiments.split(",") if e)
    a.hetsim = os.path.abspath(a.hetsim)
    if not os.access(a.hetsim, os.X_OK):
        die("%s: not an executable hetsim (make first)" % a.hetsim)
    data = read_runs(a.data, parse_runs(a.runs), exps)
    if not data:
        die("%s: no row of runs %s" % (a.data, a.runs))
    pools = sorted(set(k[1] for k in data))[::max(1, a.pools)]
    keys = sorted(k for k in data if k[1] in pools)
    ms = models(a.fit)
    work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="hetsim-serving-"))
    os.makedirs(work, exist_ok=True)
    errs = {m[0]: ([], [], []) for m in ms}
    errs_fast = {m[0]: ([], [], []) for m in ms}
    slow_keys = set()
    per_exp = defaultdict(lambda: {m[0]: ([], [], []) for m in ms})
    per_run = []
    for key in keys:
        rows = data[key]
        resp = [r[3] - r[2] for r in rows]
        rec = (pct(resp, 50) / 1000.0, pct(resp, 95) / 1000.0,
               max(r[3] for r in rows) / 1000.0)
        # a run whose client was slow throughout: the median client-side
        # time (completion - arrival - inference) of the requests that found
        # their instance free is over SLOW_MS; no model of the servers or of
        # the client's order can tell such runs apart
        slow = statistics.median(free_overheads(rows)) > SLOW_MS
        if slow:
            slow_keys.add(key)
        for m in ms:
            sim = simulate(a.hetsim, work, key, rows, m)
            per_run.append((key, m[0], rec, sim))
            for i in range(3):
                e = (sim[i] - rec[i]) / rec[i]
                errs[m[0]][i].append(e)
                per_exp[key[0]][m[0]][i].append(e)
                if not slow:
                    errs_fast[m[0]][i].append(e)
    lines = ["# Serving model: held-out validation",
             "",
             "Written by `experiments/serving/validate.py` (`make serving-validate`): "
             "the models were fitted by `hetsim fit --serving` on runs %s and replayed on the "
             "held-out runs %s of `%s` (%d runs: %d pools x experiments x runs%s). "
             "Error = (simulated - recorded) / recorded, per run; columns: mean, "
             "median and max |error| and the mean signed error, in percent. Goal: "
             "p50 and p95 within 15%%, makespan within 10%%."
             % (a.train or "(see --fit)", a.runs, os.path.basename(a.data), len(keys),
                len(pools), ", every %d-th pool" % a.pools if a.pools > 1 else ""),
             "",
             HEAD, SEP]
    for m in ms:
        e = errs[m[0]]
        lines.append("| %s | %s | %s | %s |" % (m[0], summary(e[0]), summary(e[1]), summary(e[2])))
    lines += ["", "Share of the held-out runs within the goal (|error| of p50 <= 15%, of p95 "
              "<= 15%, of makespan <= 10%; all three):", "",
              "| model | p50 | p95 | makespan | all three |", "|---|---:|---:|---:|---:|"]
    for m in ms:
        e = errs[m[0]]
        ok = [(abs(a_) <= .15, abs(b) <= .15, abs(c) <= .10) for a_, b, c in zip(*e)]
        n = len(ok)
        lines.append("| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% |" % (
            m[0], 100.0 * sum(o[0] for o in ok) / n, 100.0 * sum(o[1] for o in ok) / n,
            100.0 * sum(o[2] for o in ok) / n, 100.0 * sum(all(o) for o in ok) / n))
    nfast = len(errs_fast[ms[0][0]][0])
    if nfast and nfast < len(keys):
        lines += ["", "The %d runs whose client was fast (%d of the %d held-out runs had a "
                  "median client-side time (completion - arrival - inference_ms) of the requests "
                  "that found their instance free over %d ms: "
                  "a client slow for the whole run, which no model here can foresee):"
                  % (nfast, len(keys) - nfast, len(keys), SLOW_MS), "", HEAD, SEP]
        for m in ms:
            e = errs_fast[m[0]]
            lines.append("| %s | %s | %s | %s |" % (m[0], summary(e[0]), summary(e[1]),
                                                    summary(e[2])))
        lines += ["", "| model | p50 | p95 | makespan | all three |",
                  "|---|---:|---:|---:|---:|"]
        for m in ms:
            e = errs_fast[m[0]]
            ok = [(abs(a_) <= .15, abs(b) <= .15, abs(c) <= .10) for a_, b, c in zip(*e)]
            n = len(ok)
            lines.append("| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% |" % (
                m[0], 100.0 * sum(o[0] for o in ok) / n, 100.0 * sum(o[1] for o in ok) / n,
                100.0 * sum(o[2] for o in ok) / n, 100.0 * sum(all(o) for o in ok) / n))
    for exp in sorted(per_exp):
        lines += ["", "Runs of %s only:" % exp, "",
                  HEAD, SEP]
        for m in ms:
            e = per_exp[exp][m[0]]
            lines.append("| %s | %s | %s | %s |" % (m[0], summary(e[0]), summary(e[1]),
                                                    summary(e[2])))
    lines += ["", "Models: `today` = profiles/data/heet.json (heet_single service times), "
              "`fcfs`, no `serving`; `profile` = the mixed-load profile fitted on the "
              "training runs; `+client` adds `client_delay` and `hold`; `+lb random` the "
              "`fcfs_random` load balancer, `+lb rr` instead `rr` over free instances "
              "(`\"queue\": {\"capacity\": 0}`); `+queue` the fitted order of waiting requests; "
              "`+retry` the `+lb rr` model with the retrying client (`retry`, which replaces "
              "`queue` and `hold`) instead; `full` adds the `mix` factors (the whole "
              "fitted serving.json, `retry` included).", ""]
    text = "\n".join(lines)
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("experiment,pool,run,model,p50_rec_s,p50_sim_s,p95_rec_s,p95_sim_s,"
                    "makespan_rec_s,makespan_sim_s\n")
            for (exp, pool, run), name, rec, sim in per_run:
                f.write("%s,%d_%d_%d,%d,%s,%.4f,%.4f,%.4f,%.4f,%.3f,%.3f\n"
                        % (exp, pool[0], pool[1], pool[2], run, name, rec[0], sim[0],
                           rec[1], sim[1], rec[2], sim[2]))
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

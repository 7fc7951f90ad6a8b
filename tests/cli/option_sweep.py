"""Random combinations of every command's options, as a new user types them (option_sweep.sh).

Each run picks a command, its required arguments and 2-6 further options with values that are
mostly valid and sometimes not, on a small generated world. A run fails the test when it
crashes or is killed, exits with a code other than 0, 1, 2 or 3, exits non-zero without a
message, prints a sanitizer report, or takes longer than the time limit. Every option a
command's --help lists must have a pool here (or the test fails naming it), so a new option
joins the sweep when it is added. Usage: option_sweep.py PATRON WORLD RUNS SEED
"""
import os
import random
import re
import shutil
import subprocess
import sys

PATRON, W, RUNS, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
OUT = os.path.join(W, "out")
LIMIT_S = 240
rng = random.Random(SEED)

INPUT = {
    "--customers": [f"{W}/customers.csv"],
    "--events": [f"{W}/events.csv"],
    "--map": ["amount=amount", "orders.amount=amount", "nosuch=amount", "x"],
    "--delimiter": ["comma", "comma", "tab", ";", "whitespace"],
    "--no-header": None,
    "--columns": ["customer_id,order_id,order_time,amount", "a,b"],
    "--date-format": ["%Y-%m-%d %H:%M:%S", "%Y%m%d"],
    "--order-per-row": None,
    "--strict": None,
    "--as-of": ["2025-11-01", "2025-06-15", "2030-01-01", "2025-02-30", "1990-01-01"],
    "--threads": ["1", "2", "3", "0"],
    "--max-field-lines": ["0", "1", "100"],
    "--max-field-bytes": ["1", "65536", "2000000"],
    "--encoding": ["latin1", "gbk", "orders=utf-8", "nosuch"],
    "--cache": [f"{W}/cache"],
}
TAGS = {
    "--tag-window": ["30", "0", "365"],
    "--price-bands": ["10,50,100", "5", "x", "100,10"],
    "--stage-days": ["30", "0"],
    "--tags": [f"{W}/tags.txt", f"{W}/bad_rule.txt"],
    "--segments": [f"{W}/segs.txt"],
    "--segments-name": ["s"],
}
OUTOPT = {"--excel": None, "--csv-formula-guard": None}
WHERE = ["frequency >= 2", "lifecycle = 'active'", "monetary > 100 and events('view', 30) >= 1",
         "recency <", "previous(lifecycle) = 'active'", "moved(lifecycle)", "true"]
KM = {"--k": ["3", "auto", "1", "0"], "--k-range": ["2-5", "5-2"],
      "--features": ["recency,frequency,monetary", "recency,frequency", "nosuch"],
      "--n-init": ["1", "3"], "--max-iter": ["5"], "--tol": ["0.1"], "--seed": ["3"],
      "--silhouette-sample": ["100", "0"]}
CLV = {"--summary": [f"{W}/summary.csv"], "--calibration-end": ["2025-06-01", "2020-01-01"],
       "--holdout-end": ["2025-10-01"], "--unit": ["days", "weeks", "x"],
       "--zero-value-purchases": None, "--model": ["bgnbd", "mbgnbd", "paretonbd", "bgbb"],
       "--spend": ["gammagamma", "none"], "--penalizer": ["0.001", "-1"],
       "--horizon": ["90d,365d", "2w", "0d"], "--discount-rate": ["0.1"], "--margin": ["0.3"],
       "--range-sims": ["0", "10"], "--seed": ["5"], "--lifetime-years": ["3"],
       "--cost": ["10"], "--quiet": None}
CHURN = {"--cutoffs": ["2025-06-01,2025-09-01"], "--horizon": ["60d", "4w", "0d"],
         "--learner": ["logistic", "xgboost"], "--rounds": ["5"], "--eta": ["0.3"],
         "--max-depth": ["2"], "--l2": ["0.5"], "--balanced": None, "--folds": ["3"],
         "--no-clv": None, "--refit": None, "--max-levels": ["3"], "--seed": ["1"],
         "--dump-features": [f"{OUT}/features.csv"], "--quiet": None}

# command: (required arguments as option, values pairs; the option pool)
CMDS = {
    "analyze": ([], {**INPUT, **TAGS, **OUTOPT, **KM,
        "--bins": ["3", "5", "1"], "--threshold": ["0.8", "2"], "--abc": ["0.7,0.9", "x"],
        "--new-days": ["30"], "--active-days": ["60"], "--silent-days": ["120"],
        "--dormant-days": ["365"], "--spec-only": None, "--stream": None, "--no-clv": None,
        "--stages": ["rfm,clv", "tags", "cluster", "churn", "nosuch", "default"],
        "--clv-model": ["bgnbd", "paretonbd", "mbgnbd", "bgbb"], "--penalizer": ["0.01"],
        "--due-days": ["7"], "--cycle-fallback": None, "--churn-model": [f"{W}/churn"],
        "--db": [f"{OUT}/run.db"], "--review-days": ["30"],
        "--validate-loyalty": ["2025-06-01"], "--quiet": None, "--mpi": None,
        "--index": ["rfm", "x"], "--weights": ["1,1,1", "x"], "--tiers": ["3", "x"],
        "--levels": ["x"]}),
    "audience": (["--where", WHERE], {**INPUT, **TAGS, **OUTOPT,
        "--columns": ["customer_id,monetary", "nosuch"], "--order-by": ["monetary", "-recency", "x"],
        "--limit": ["10", "0", "-1"], "--exclude": [f"{W}/seed.csv"], "--channel": ["sms", "email"],
        "--by": ["lifecycle"], "--recommend": ["3"], "--db": [f"{W}/s.db"], "--unmask": None,
        "--quiet": None}),
    "portrait": (["--where", WHERE], {**INPUT, **TAGS, **OUTOPT,
        "--by": ["gender", "city", "lifecycle", "nosuch"], "--name": ["g"], "--top": ["3", "0"],
        "--lang": ["en", "zh", "fr"], "--db": [f"{W}/s.db"], "--quiet": None}),
    "lookalike": (["--seed", [f"{W}/seed.csv"]], {**INPUT, **TAGS, **OUTOPT,
        "--seed-where": WHERE, "--size": ["10", "0", "100000"], "--top": ["5"],
        "--holdout": ["0.2", "1.5"], "--rng-seed": ["4"], "--eval-out": [f"{OUT}/eval.csv"],
        "--db": [f"{W}/s.db"], "--quiet": None}),
    "recommend": ([], {**INPUT, **OUTOPT, "--level": ["item", "category", "brand", "x"],
        "--k": ["3", "0"], "--min-support": ["2", "50", "0"], "--min-confidence": ["0.1", "2"],
        "--exclude-days": ["30"], "--view-days": ["30"], "--evaluate-days": ["30"],
        "--quiet": None}),
    "plan": (["--matrix", [f"{W}/matrix.json"]], {**INPUT, **OUTOPT, "--quiet": None}),
    "repurchase": ([], {**INPUT, **OUTOPT, "--due-days": ["7", "-1"],
        "--fallback": ["30", "median", "x"], "--no-categories": None, "--quiet": None}),
    "cluster": ([], {**INPUT, **OUTOPT, **KM, "--quiet": None}),
    "report": ([], {**INPUT, "--db": [f"{W}/s.db"], "--lang": ["en", "zh"],
        "--compare-days": ["0", "30"], "--quiet": None}),
    "clv fit": ([], {**INPUT, **CLV}),
    "clv predict": (["--model", [f"{W}/clv/model.json"]],
                    {**INPUT, **{k: v for k, v in CLV.items() if k != "--model"}}),
    "churn train": (["--cutoff", ["2025-09-01"]], {**INPUT, **CHURN}),
    "churn score": (["--model", [f"{W}/churn"]], {**INPUT, "--quiet": None}),
    "experiment assign": (["--where", WHERE, "--name", ["e"]], {**INPUT, **TAGS,
        "--arms": ["a:1,b:1", "x"], "--salt": ["s"], "--db": [f"{OUT}/exp.db"],
        "--ids": [f"{W}/seed.csv"], "--quiet": None}),
    "experiment evaluate": (["--assignments", [f"{W}/assign.csv"], "--start", ["2025-09-01"]], {
        "--window": ["30", "0"], "--name": ["e1"], "--arms": ["control:1,treatment:1"],
        "--cap-percentile": ["99", "101"], "--cuped": None, "--pre-days": ["60"],
        "--alpha": ["0.05", "2"], "--min-lift": ["0.05"], "--power": ["0.8"],
        "--segments": [f"{W}/a2/profiles.csv"], "--by": ["segment"], "--quiet": None,
        "--rules": [f"{W}/rules.json"], "--db": [f"{W}/s.db"], "--apply": None}),
    "experiment size": (["--mde", ["0.01", "0"]], {"--baseline": ["0.1", "1.5"], "--sd": ["3"],
        "--alpha": ["0.05"], "--power": ["0.8"], "--arms": ["2", "3"]}),
    "trigger run": (["--rules", [f"{W}/rules.json"],
                     "--as-of", ["2025-12-01T10:00", "2026-02-01T23:30", "2025-13-01T00:00"],
                     "--db", [f"{OUT}/trigger.db"]],
                    {**INPUT, **OUTOPT, "--dry-run": None, "--quiet": None}),
    "movements": (["--db", [f"{W}/s.db"], "--from", ["2025-11-01"], "--to", ["2025-12-01", "2026-02-13"],
                   "--by", ["lifecycle", "segment", "nosuch"]], {}),
    "monitor": (["--db", [f"{W}/s.db"]], {"--rules": [f"{W}/alerts.json"],
                "--since": ["2025-01-01"], "--quiet": None}),
    "snapshots": (["--db", [f"{W}/s.db"]], {"--as-of": ["2025-11-01", "2020-01-01"]}),
}
# options that mostly end in a usage error or reread the input another way: drawn less often
RARE = {"--no-header", "--columns", "--mpi", "--stream", "--encoding", "--delimiter",
        "--max-field-bytes", "--max-field-lines", "--date-format", "--map", "--order-per-row",
        "--ids", "--rules", "--summary"}
NO_ORDERS = {"experiment size", "movements", "monitor", "snapshots"}
FILE_OUT = {"audience", "lookalike", "churn score", "report", "experiment assign"}
ALWAYS = {"--out", "--orders", "--help", "--config"}


def help_options(cmd):
    text = subprocess.run([PATRON] + cmd.split() + ["--help"], capture_output=True,
                          text=True).stdout
    return set(re.findall(r"^\s+(--[a-z][a-z0-9-]*)", text, re.M))


def coverage():
    missing = []
    for cmd, (base, pool) in CMDS.items():
        family = [c for c in CMDS if c.split()[0] == cmd.split()[0]]
        known = set(ALWAYS)
        for c in family:
            known |= set(CMDS[c][1]) | set(CMDS[c][0][0::2])
        missing += [f"{cmd} {o}" for o in sorted(help_options(cmd) - known)]
    return missing


def pick(cmd):
    base, pool = CMDS[cmd]
    argv = cmd.split()
    for i in range(0, len(base), 2):
        argv += [base[i], rng.choice(base[i + 1])]
    if cmd not in NO_ORDERS:
        argv += ["--orders", f"{W}/orders.csv"]
    opts = sorted(pool)
    for _ in range(rng.randint(min(2, len(opts)), min(6, len(opts)))):
        opt = rng.choices(opts, [0.15 if o in RARE else 1 for o in opts])[0]
        opts.remove(opt)
        vals = pool[opt]  # the first value is a valid one: taken most often
        argv += [opt] if vals is None else [opt, vals[0] if rng.random() < 0.6 else rng.choice(vals)]
    if cmd != "experiment size":
        argv += ["--out", f"{OUT}/x.html" if cmd == "report" else
                 f"{OUT}/x.csv" if cmd in FILE_OUT else f"{OUT}/x"]
    return argv


def main():
    missing = coverage()
    for m in missing:
        print(f"FAIL: option {m} (in --help) has no pool in option_sweep.py")
    bad = len(missing)
    env = dict(os.environ, UBSAN_OPTIONS="print_stacktrace=1")
    codes = {}
    log = open(os.environ["SWEEP_LOG"], "w") if os.environ.get("SWEEP_LOG") else None
    for i in range(RUNS):
        argv = pick(rng.choice(sorted(CMDS)))
        shutil.rmtree(OUT, ignore_errors=True)
        os.makedirs(OUT)
        try:
            r = subprocess.run([PATRON] + argv, capture_output=True, text=True, errors="replace",
                               timeout=LIMIT_S, env=env)
            rc, err = r.returncode, r.stderr
        except subprocess.TimeoutExpired:
            rc, err = f"timeout after {LIMIT_S} s", ""
        codes[rc] = codes.get(rc, 0) + 1
        if log:
            last = err.strip().splitlines()[-1] if err.strip() else ""
            log.write(f"exit {rc}: patron {' '.join(argv)}\n  {last}\n")
        quiet_alert = rc == 3 and argv[0] == "monitor"  # alerts fired: its one silent exit
        why = ("exit code" if rc not in (0, 1, 2, 3) else
               "sanitizer report" if "Sanitizer" in err or "runtime error" in err else
               "no message" if rc != 0 and not err.strip() and not quiet_alert else None)
        if why:
            bad += 1
            print(f"FAIL ({why}, exit {rc}): patron {' '.join(argv)}\n{err[-2000:]}")
    print(f"{RUNS} runs (seed {SEED}), exit codes {sorted(codes.items(), key=str)}")
    sys.exit(1 if bad else 0)


main()

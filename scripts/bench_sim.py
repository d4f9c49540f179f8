#!/usr/bin/env python3
"""Time cortexview's engine and NEST 3.10 (run_nest_sonata.py --mode h5py) on the same V1-like
files and print both with the ratio.

usage: bench_sim.py [--n 50000 ...] [--threads 1 2] [--nest-threads 1] [--skip-nest]
Networks are built with ../shared/peers/build_v1_like.py --edges fast into
$PEERS_DIR/nets/engine_bench_v1_<model>_n<N> when absent. Run with the peers venv python.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEERS = os.path.join(REPO, "..", "shared", "peers")
PEERS_DIR = os.environ.get("PEERS_DIR", os.path.expanduser("~/.cache/cortexview-peers"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[50000])
    ap.add_argument("--model", default="iaf")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--nest-threads", type=int, default=1)
    ap.add_argument("--skip-nest", action="store_true")
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "cortexview"))
    args = ap.parse_args()
    for n in args.n:
        net = os.path.join(PEERS_DIR, "nets", f"engine_bench_v1_{args.model}_n{n}")
        if not os.path.exists(os.path.join(net, "config.json")):
            subprocess.run([sys.executable, os.path.join(PEERS, "build_v1_like.py"), "--n", str(n), "--model",
                            args.model, "--edges", "fast", "--out", net], check=True)
        ours = {}
        for t in args.threads:
            r = subprocess.run([args.bin, "simulate", os.path.join(net, "config.json"), "--threads", str(t), "--json"],
                               check=True, capture_output=True, text=True)
            ours[t] = json.loads(r.stdout)
            d = ours[t]
            print(f"N={n} cortexview threads={t}: load {d['load_s']:.2f} s, simulate {d['simulate_s']:.2f} s, "
                  f"total {d['load_s'] + d['simulate_s'] + d['write_s']:.2f} s, spikes {d['spikes']}, "
                  f"peak {d['peak_rss_bytes'] / 1e9:.2f} GB", flush=True)
        if args.skip_nest:
            continue
        r = subprocess.run([sys.executable, os.path.join(PEERS, "run_nest_sonata.py"), net, "--mode", "h5py",
                            "--threads", str(args.nest_threads)], check=True, capture_output=True, text=True)
        nest = json.loads([l for l in r.stdout.splitlines() if l.startswith("RESULT ")][-1][7:])
        print(f"N={n} NEST {nest['nest']} threads={args.nest_threads}: load {nest['load_s']:.2f} s, "
              f"simulate {nest['sim_s']:.2f} s, spikes {nest['n_spikes']}", flush=True)
        for t, d in ours.items():
            print(f"N={n} ratio NEST/cortexview (threads={t}): simulate {nest['sim_s'] / d['simulate_s']:.1f}x, "
                  f"load {nest['load_s'] / d['load_s']:.1f}x, total "
                  f"{(nest['load_s'] + nest['sim_s']) / (d['load_s'] + d['simulate_s']):.1f}x, "
                  f"same spike count: {nest['n_spikes'] == d['spikes']}", flush=True)


if __name__ == "__main__":
    main()

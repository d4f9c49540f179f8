#!/usr/bin/env python3
"""Per-model NEST 3.10 references for cortexview's engine (tests/sim_models_vs_nest.rs).

Each case is a small network built directly with nest.Create / nest.Connect: a few neurons of one
model (one parameter set per neuron), spike_generators with fixed spike times (excitatory and
inhibitory weights, several delays, several receptor ports for glif_psc), step_current_generators,
recurrent connections between the neurons; spikes recorded with a spike_recorder and V_m of some
neurons with a multimeter. Every case is written to tests/data/nest_refs/models/<case>.json with
the exact network description (so the Rust test builds the same network through
cortexview::sim::Network) and NEST's results:

  {"case", "nest_version", "dt", "tstop",
   "populations": [{"name", "model", "params": [dict per neuron]}],
   "sources": [{"name", "trains": [[ms, ...] per generator]}],   # allow_offgrid_times: true
   "projections": [{"name", "source": ["sources" | "neurons", index], "target",
                    "src": [...], "tgt": [...], "weight": [...], "delay": [...], "receptor": [...]}],
   "clamps": [{"name", "population", "rows", "times", "amps", "delay"}],
   "spikes": {"<population>": [[row, step], ...]},     # step = NEST's spike stamp (time / dt)
   "v_m": [{"population", "row", "steps": [...], "values": [...]}]}  # multimeter, after the step

Weights are integers or halves so that the order in which spikes arriving in the same step are
summed does not matter.

usage: make_model_refs.py [--out DIR] [--only CASE ...]
Run with the peers venv: ~/.cache/cortexview-peers/venv/bin/python (nest-simulator 3.10, h5py).
"""
import argparse
import json
import os

import h5py  # noqa: F401  (import before nest, as the peers' venv needs)
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def trains(seed, n, rate_hz, tstop, dt, offgrid=()):
    """n spike trains on the dt grid (Poisson-like, fixed by the seed), plus off-grid times."""
    rng = np.random.RandomState(seed)
    out = []
    for i in range(n):
        t, ts = 0.0, []
        while True:
            t += rng.exponential(1000.0 / rate_hz)
            if t >= tstop - 5:
                break
            k = int(round(t / dt))
            if k >= 1:
                ts.append(round(k * dt, 6))
        out.append(sorted(set(ts)))
    for i, t in offgrid:
        out[i] = sorted(set(out[i] + [t]))
    return out


def edges(seed, n_src, n_tgt, per_tgt, weights, delays, receptors=(0,), no_self=False):
    """per_tgt random sources per target with weights / delays / receptors drawn from lists."""
    rng = np.random.RandomState(seed)
    src, tgt, w, d, r = [], [], [], [], []
    for t in range(n_tgt):
        cands = [s for s in range(n_src) if not (no_self and s == t)]
        for s in rng.choice(cands, size=min(per_tgt, len(cands)), replace=False):
            src.append(int(s))
            tgt.append(t)
            w.append(float(weights[rng.randint(len(weights))]))
            d.append(float(delays[rng.randint(len(delays))]))
            r.append(int(receptors[rng.randint(len(receptors))]))
    return {"src": src, "tgt": tgt, "weight": w, "delay": d, "receptor": r}


def proj(name, source, target, e):
    return dict(name=name, source=source, target=target, **e)


# ---------------------------------------------------------------- parameter sets

IAF_PSC_EXP = [
    {},
    {"I_e": 380.0},
    {"tau_m": 20.0, "C_m": 200.0, "tau_syn_ex": 1.5, "tau_syn_in": 4.0, "E_L": -65.0, "V_th": -52.0,
     "V_reset": -68.0, "t_ref": 1.5, "I_e": 120.0},
    {"V_m": -60.0, "t_ref": 2.35, "tau_syn_ex": 0.5, "I_e": 200.0},
    {"tau_m": 8.0, "I_e": 500.0, "V_reset": -75.0, "tau_syn_in": 6.0},
    {"C_m": 100.0, "tau_m": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 5.0, "I_e": 250.0},  # tau_syn == tau_m
]

IAF_PSC_ALPHA = [
    {"tau_m": 15.0, "C_m": 200.0, "tau_syn_ex": 0.5, "tau_syn_in": 3.0, "E_L": -60.0, "V_th": -48.0,
     "V_reset": -65.0, "t_ref": 3.3, "I_e": 100.0},
    {"I_e": 390.0, "V_min": -72.0},
    {"tau_m": 20.0, "C_m": 300.0, "tau_syn_ex": 1.0, "tau_syn_in": 1.0, "t_ref": 0.55, "I_e": 240.0},
    {"V_m": -55.1, "E_L": -68.0, "V_th": -53.5, "V_reset": -70.0, "I_e": 50.0},
    {"tau_m": 4.0, "C_m": 80.0, "tau_syn_ex": 4.0, "tau_syn_in": 2.0, "I_e": 310.0},  # tau_syn == tau_m
    {"tau_m": 10.0, "C_m": 250.0, "t_ref": 1.25, "I_e": 0.0},
]

IAF_PSC_DELTA = [
    {},
    {"I_e": 380.0},
    {"tau_m": 20.0, "C_m": 200.0, "E_L": -65.0, "V_th": -52.0, "V_reset": -68.0, "t_ref": 1.5,
     "I_e": 120.0, "V_min": -70.0},
    {"refractory_input": True, "I_e": 400.0, "t_ref": 4.0},
    {"V_m": -58.0, "tau_m": 8.0, "I_e": 450.0, "t_ref": 2.35},
    {"refractory_input": True, "tau_m": 5.0, "C_m": 100.0, "I_e": 320.0, "t_ref": 3.0},
]

IZHIKEVICH = [
    {"I_e": 10.0},                                             # regular spiking
    {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0, "I_e": 6.0},     # fast spiking
    {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0, "I_e": 10.0},   # chattering
    {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0, "I_e": 5.0},    # intrinsically bursting
    {"a": 0.02, "b": 0.25, "c": -65.0, "d": 0.05, "I_e": 0.5, "V_m": -70.0, "U_m": -14.0},
    {"consistent_integration": False, "I_e": 8.0, "V_min": -80.0},
]

# Allen-style GLIF parameters (cell_models/*_glif_lif_asc_psc.json of the bmtk examples)
GLIF_BASE = [
    {"V_m": -76.1691640218099, "V_th": -40.8824438029048, "g": 3.93819351064843,
     "E_L": -76.1691640218099, "C_m": 68.14035162092856, "t_ref": 2.4000000000000004,
     "V_reset": -76.1691640218099, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1],
     "asc_amps": [-13.00889622, -200.00774016], "asc_r": [1.0, 1.0]},
    {"V_m": -70.45950889587401, "V_th": -44.23152364988978, "g": 9.195230009748064,
     "E_L": -70.45950889587401, "C_m": 81.21058405283176, "t_ref": 1.5,
     "V_reset": -70.45950889587401, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.3],
     "asc_amps": [-4.08182729, -291.97668209], "asc_r": [1.0, 1.0]},
    {"V_m": -73.30062357584633, "V_th": -37.57837016608795, "g": 6.846284605100222,
     "E_L": -73.30062357584633, "C_m": 52.353697808027725, "t_ref": 3.2,
     "V_reset": -73.30062357584633, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1],
     "asc_amps": [-10.17435274, -119.53883788], "asc_r": [0.5, 0.8]},
    {"V_m": -72.08961296081546, "V_th": -45.793386052222445, "g": 7.5964352092785585,
     "E_L": -72.08961296081546, "C_m": 64.02349624649017, "t_ref": 1.4,
     "V_reset": -72.08961296081546, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.3],
     "asc_amps": [-3.28747057, 63.80635645], "asc_r": [1.0, 1.0]},
]
GLIF_SPIKE_TH = [  # spike-dependent threshold and voltage reset rule (GLIF2, 4, 5)
    {"th_spike_add": 0.37, "th_spike_decay": 0.009, "voltage_reset_fraction": 0.2, "voltage_reset_add": 18.51},
    {"th_spike_add": 2.5, "th_spike_decay": 0.05, "voltage_reset_fraction": 0.6, "voltage_reset_add": 4.0},
    {"th_spike_add": 1.2, "th_spike_decay": 0.03, "voltage_reset_fraction": 0.35, "voltage_reset_add": 9.0},
    {"th_spike_add": 5.0, "th_spike_decay": 0.1, "voltage_reset_fraction": 0.8, "voltage_reset_add": 1.5},
]
GLIF_VOLT_TH = [  # adapting (voltage-dependent) threshold (GLIF5)
    {"th_voltage_index": 0.005, "th_voltage_decay": 0.09},
    {"th_voltage_index": 0.02, "th_voltage_decay": 0.2},
    {"th_voltage_index": 0.01, "th_voltage_decay": 0.15},
    {"th_voltage_index": 0.05, "th_voltage_decay": 0.5},
]
TAU_SYN = [5.5, 8.5, 2.8, 5.8]
GLIF_FLAGS = {  # (spike_dependent_threshold, after_spike_currents, adapting_threshold)
    1: (False, False, False),
    2: (True, False, False),
    3: (False, True, False),
    4: (True, True, False),
    5: (True, True, True),
}


def glif_params(variant):
    s, a, v = GLIF_FLAGS[variant]
    out = []
    for i, base in enumerate(GLIF_BASE):
        p = dict(base)
        p["tau_syn"] = TAU_SYN
        p["spike_dependent_threshold"] = s
        p["after_spike_currents"] = a
        p["adapting_threshold"] = v
        if s:
            p.update(GLIF_SPIKE_TH[i])
        if v:
            p.update(GLIF_VOLT_TH[i])
        out.append(p)
    return out


# ---------------------------------------------------------------- cases

def generic_case(name, model, params, dt, tstop, w_ex, w_in, i_amp, seed, mm_rows=(0, 1), mm_interval=None,
                 receptors=(0,), rate=60.0, w_rec=None):
    n = len(params)
    n_gen = 4
    tr = trains(seed, n_gen, rate, tstop, dt, offgrid=[(0, 23.456), (2, 101.2345)])
    delays = [dt, 1.0, 1.5, 2.3, 0.75, 1.25]
    ff_ex = edges(seed + 1, 2, n, 2, w_ex, delays, receptors)
    ff_in = edges(seed + 2, 2, n, 1, w_in, delays, receptors)
    ff_in["src"] = [s + 2 for s in ff_in["src"]]
    ff = {k: ff_ex[k] + ff_in[k] for k in ff_ex}
    rec = edges(seed + 3, n, n, 2, w_rec or (list(w_ex) + list(w_in)), [1.0, 0.5, 2.0, 1.5, 3.05],
                receptors, no_self=True)
    case = {
        "case": name, "dt": dt, "tstop": tstop,
        "populations": [{"name": "cells", "model": model, "params": params}],
        "sources": [{"name": "gens", "trains": tr}],
        "projections": [proj("gens_to_cells", ["sources", 0], 0, ff),
                        proj("cells_to_cells", ["neurons", 0], 0, rec)],
        "clamps": [
            {"name": "steps_a", "population": 0, "rows": list(range(0, n, 2)),
             "times": [20.0, 60.0, 110.0, 150.0], "amps": [i_amp, 0.0, -0.5 * i_amp, 1.5 * i_amp], "delay": dt},
            {"name": "steps_b", "population": 0, "rows": [1, n - 1],
             "times": [35.5, 90.0], "amps": [0.8 * i_amp, 0.0], "delay": 1.0},
        ],
        "multimeter": [{"population": 0, "row": r} for r in mm_rows],
        "mm_interval": mm_interval or dt,
    }
    return case


def mixed_case(name, dt, tstop, mmi):
    """All models in one network: five populations (glif_psc mixing GLIF3 and GLIF5), two
    generator populations, projections between every pair of populations."""
    glif = [glif_params(5)[0], glif_params(3)[2], glif_params(5)[3]]
    pops = [("alpha", "iaf_psc_alpha", IAF_PSC_ALPHA[:3], [150.0, 250.0], [-300.0], (0,)),
            ("exp", "iaf_psc_exp", IAF_PSC_EXP[1:4], [300.0, 450.0], [-400.0], (0,)),
            ("delta", "iaf_psc_delta", IAF_PSC_DELTA[2:5], [1.5, 3.0], [-2.0], (0,)),
            ("izh", "izhikevich", IZHIKEVICH[:3], [2.0, 4.0], [-3.0], (0,)),
            ("glif", "glif_psc", glif, [30.0, 60.0], [-40.0], (1, 2, 3, 4))]
    tr_a = trains(71, 3, 70.0, tstop, dt, offgrid=[(1, 42.0421)])
    tr_b = trains(72, 2, 40.0, tstop, dt)
    projections = []
    seed = 700
    for ti, (tname, _, prm, w_ex, w_in, rec) in enumerate(pops):
        n = len(prm)
        for si, (sname, tr) in enumerate((("gen_a", tr_a), ("gen_b", tr_b))):
            seed += 1
            e = edges(seed, len(tr), n, 2, w_ex + w_in if si else w_ex, [dt, 1.0, 2.5, 0.75], rec)
            projections.append(proj(f"{sname}_to_{tname}", ["sources", si], ti, e))
        for si, (sname, sprm) in enumerate((p[0], p[2]) for p in pops):
            seed += 1
            e = edges(seed, len(sprm), n, 1, w_ex + w_in, [1.0, 1.5, 2.0, 0.5], rec, no_self=si == ti)
            projections.append(proj(f"{sname}_to_{tname}", ["neurons", si], ti, e))
    amps = {"alpha": 200.0, "exp": 200.0, "delta": 200.0, "izh": 6.0, "glif": 180.0}
    clamps = [{"name": f"steps_{p[0]}", "population": i, "rows": [0, 2], "times": [30.0, 80.0, 140.0],
               "amps": [amps[p[0]], 0.0, 0.5 * amps[p[0]]], "delay": dt} for i, p in enumerate(pops)]
    return {
        "case": name, "dt": dt, "tstop": tstop,
        "populations": [{"name": p[0], "model": p[1], "params": p[2]} for p in pops],
        "sources": [{"name": "gen_a", "trains": tr_a}, {"name": "gen_b", "trains": tr_b}],
        "projections": projections,
        "clamps": clamps,
        "multimeter": [{"population": 0, "row": 1}, {"population": 4, "row": 1}],
        "mm_interval": mmi,
    }


def glif_state_case(name, dt, tstop, mmi):
    """glif_psc with initial state set: ASCurrents, threshold_spike, threshold_voltage, V_m, and a
    non-zero asc_init (a parameter: NEST builds the state before setting it, so it does not reach
    ASCurrents)."""
    g4, g5 = glif_params(4), glif_params(5)
    params = [
        dict(g4[0], ASCurrents=[20.0, -50.0], threshold_spike=1.5),
        dict(g4[1], asc_init=[5.0, -10.0]),
        dict(g5[2], ASCurrents=[-5.0, 80.0], threshold_spike=-0.5, threshold_voltage=2.0),
        dict(g5[3], V_m=-60.0, asc_init=[1.0, 2.0], ASCurrents=[3.0, 4.0]),
    ]
    case = generic_case(name, "glif_psc", params, dt, tstop, [30.0, 60.0, 90.0], [-40.0, -80.0], 180.0, 61,
                        mm_interval=mmi, receptors=(1, 2, 3, 4), rate=80.0, mm_rows=(0, 2))
    return case


def all_cases():
    cases = [glif_state_case("glif_state_init_dt0.1", 0.1, 200.0, 0.1)]
    for dt, tstop, tag, mmi in ((0.1, 300.0, "dt0.1", 0.3), (0.01, 120.0, "dt0.01", 0.1)):
        cases.append(generic_case(f"iaf_psc_exp_{tag}", "iaf_psc_exp", IAF_PSC_EXP, dt, tstop,
                                  [300.0, 450.0, 600.0], [-400.0, -800.0], 200.0, 11, mm_interval=mmi,
                                  mm_rows=(1, 5)))
        cases.append(generic_case(f"iaf_psc_alpha_{tag}", "iaf_psc_alpha", IAF_PSC_ALPHA, dt, tstop,
                                  [150.0, 250.0, 400.0], [-300.0, -500.0], 200.0, 21, mm_interval=mmi,
                                  mm_rows=(1, 4)))
        cases.append(generic_case(f"iaf_psc_delta_{tag}", "iaf_psc_delta", IAF_PSC_DELTA, dt, tstop,
                                  [1.5, 3.0, 4.5], [-2.0, -5.0], 200.0, 31, mm_interval=mmi,
                                  mm_rows=(2, 3)))
        cases.append(generic_case(f"izhikevich_{tag}", "izhikevich", IZHIKEVICH, dt, tstop,
                                  [2.0, 4.0, 8.0], [-3.0, -6.0], 6.0, 41, mm_interval=mmi, mm_rows=(1, 5)))
        for v in range(1, 6):
            cases.append(generic_case(f"glif{v}_psc_{tag}", "glif_psc", glif_params(v), dt, tstop,
                                      [30.0, 60.0, 90.0], [-40.0, -80.0], 180.0, 50 + v, mm_interval=mmi,
                                      receptors=(1, 2, 3, 4), rate=80.0, mm_rows=(0, 2)))
        cases.append(mixed_case(f"mixed_{tag}", dt, tstop, mmi))
    return cases


def run_case(nest, case):
    dt = case["dt"]
    nest.ResetKernel()
    nest.set(resolution=dt, local_num_threads=1)
    pops = []
    for p in case["populations"]:
        ids = []
        for prm in p["params"]:
            nc = nest.Create(p["model"], 1)
            if prm:
                nc.set(prm)
            ids.append(nc)
        pops.append(ids)
    gens = []
    for s in case["sources"]:
        ids = []
        for tr in s["trains"]:
            ids.append(nest.Create("spike_generator", params={"spike_times": tr, "allow_offgrid_times": True}))
        gens.append(ids)
    for pr in case["projections"]:
        kind, idx = pr["source"]
        pre = gens[idx] if kind == "sources" else pops[idx]
        post = pops[pr["target"]]
        for s, t, w, d, r in zip(pr["src"], pr["tgt"], pr["weight"], pr["delay"], pr["receptor"]):
            syn = {"weight": w, "delay": d}
            if r:
                syn["receptor_type"] = r
            nest.Connect(pre[s], post[t], "one_to_one", syn)
    for c in case["clamps"]:
        scg = nest.Create("step_current_generator",
                          params={"amplitude_times": c["times"], "amplitude_values": c["amps"]})
        for r in c["rows"]:
            nest.Connect(scg, pops[c["population"]][r], syn_spec={"delay": c["delay"]})
    srs = []
    for ids in pops:
        sr = nest.Create("spike_recorder")
        for nc in ids:
            nest.Connect(nc, sr)
        srs.append(sr)
    mms = []
    for m in case["multimeter"]:
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": case["mm_interval"]})
        nest.Connect(mm, pops[m["population"]][m["row"]])
        mms.append(mm)
    nest.Simulate(case["tstop"])
    spikes = {}
    for p, ids, sr in zip(case["populations"], pops, srs):
        row_of = {nc.global_id: r for r, nc in enumerate(ids)}
        ev = sr.get("events")
        sp = sorted((row_of[int(s)], int(round(t / dt))) for s, t in zip(ev["senders"], ev["times"]))
        spikes[p["name"]] = [list(x) for x in sp]
    vm = []
    for m, mm in zip(case["multimeter"], mms):
        ev = mm.get("events")
        vm.append({"population": m["population"], "row": m["row"],
                   "steps": [int(round(t / dt)) for t in ev["times"]],
                   "values": [float(v) for v in ev["V_m"]]})
    return spikes, vm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "data", "nest_refs", "models"))
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    import nest
    nest.set_verbosity("M_ERROR")
    os.makedirs(args.out, exist_ok=True)
    for case in all_cases():
        if args.only and case["case"] not in args.only:
            continue
        spikes, vm = run_case(nest, case)
        case["nest_version"] = nest.__version__
        case["spikes"] = spikes
        case["v_m"] = vm
        with open(os.path.join(args.out, case["case"] + ".json"), "w") as f:
            json.dump(case, f, separators=(",", ":"))
        counts = {p: len(v) for p, v in spikes.items()}
        per = {}
        for p, v in spikes.items():
            for r, _ in v:
                per[r] = per.get(r, 0) + 1
        print(case["case"], counts, "per neuron", dict(sorted(per.items())), flush=True)


if __name__ == "__main__":
    main()

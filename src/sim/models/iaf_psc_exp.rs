//! `iaf_psc_exp`: leaky integrate-and-fire with exponential synaptic currents, exact integration
//! as in NEST 3.10 (models/iaf_psc_exp.cpp; deterministic threshold, delta == 0).
use super::{CHUNK, Window, propagator};
use crate::sim::error::SimResult;
use crate::sim::params::Dict;
use crate::sim::time::Resolution;

pub const KNOWN: &[&str] = &[
    "V_m",
    "E_L",
    "C_m",
    "tau_m",
    "t_ref",
    "V_th",
    "V_reset",
    "tau_syn_ex",
    "tau_syn_in",
    "I_e",
    "rho",
    "delta",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub tau_m: f64,
    pub c_m: f64,
    pub t_ref: f64,
    pub e_l: f64,
    pub i_e: f64,
    pub theta: f64,
    pub v_reset: f64,
    pub tau_ex: f64,
    pub tau_in: f64,
    pub v_init: f64,
}

impl Params {
    pub fn from_dict(d: &Dict) -> SimResult<Self> {
        let mut p = Params {
            tau_m: 10.0,
            c_m: 250.0,
            t_ref: 2.0,
            e_l: -70.0,
            i_e: 0.0,
            theta: -55.0 - -70.0,
            v_reset: 0.0,
            tau_ex: 2.0,
            tau_in: 2.0,
            v_init: 0.0,
        };
        let el_old = p.e_l;
        d.update("E_L", &mut p.e_l)?;
        let delta_el = p.e_l - el_old;
        for (name, x) in [("V_reset", &mut p.v_reset), ("V_th", &mut p.theta)] {
            if d.update(name, x)? {
                *x -= p.e_l;
            } else {
                *x -= delta_el;
            }
        }
        d.update("I_e", &mut p.i_e)?;
        d.update("C_m", &mut p.c_m)?;
        d.update("tau_m", &mut p.tau_m)?;
        d.update("tau_syn_ex", &mut p.tau_ex)?;
        d.update("tau_syn_in", &mut p.tau_in)?;
        d.update("t_ref", &mut p.t_ref)?;
        d.check(
            p.v_reset < p.theta,
            "Reset potential must be smaller than threshold.",
        )?;
        d.check(p.c_m > 0.0, "Capacitance must be strictly positive.")?;
        d.check(
            p.tau_m > 0.0 && p.tau_ex > 0.0 && p.tau_in > 0.0,
            "Membrane and synapse time constants must be strictly positive.",
        )?;
        d.check(p.t_ref >= 0.0, "Refractory time must not be negative.")?;
        let mut delta = 0.0;
        d.update("delta", &mut delta)?;
        d.check(
            delta < 1e-10,
            "stochastic threshold (delta > 0) is not supported",
        )?;
        if d.update("V_m", &mut p.v_init)? {
            p.v_init -= p.e_l;
        } else {
            p.v_init -= delta_el;
        }
        Ok(p)
    }
}

#[derive(Debug, Clone)]
struct Props {
    p11ex: f64,
    p11in: f64,
    p22: f64,
    p21ex: f64,
    p21in: f64,
    p20: f64,
    refractory_counts: u32,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub p: Params,
    v: Props,
    pub row0: usize,
    pub neuron0: usize,
    i_0: Vec<f64>,
    i_syn_ex: Vec<f64>,
    i_syn_in: Vec<f64>,
    v_m: Vec<f64>,
    r: Vec<u32>,
}

impl Block {
    pub const CHANNELS: usize = 2;

    pub fn new(p: Params, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Self {
        let h = res.dt();
        let p22 = (-h / p.tau_m).exp();
        let v = Props {
            p11ex: (-h / p.tau_ex).exp(),
            p11in: (-h / p.tau_in).exp(),
            p22,
            p21ex: propagator::exp(p.tau_ex, p.tau_m, p.c_m, h),
            p21in: propagator::exp(p.tau_in, p.tau_m, p.c_m, h),
            p20: p.tau_m / p.c_m * (1.0 - p22),
            refractory_counts: res.ms_to_steps(p.t_ref).max(0) as u32,
        };
        let v_m = vec![p.v_init; n];
        Self {
            p,
            v,
            row0,
            neuron0,
            i_0: vec![0.0; n],
            i_syn_ex: vec![0.0; n],
            i_syn_in: vec![0.0; n],
            v_m,
            r: vec![0; n],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.v_m.len()
    }

    pub fn v_m(&self, i: usize) -> f64 {
        self.v_m[i] + self.p.e_l
    }

    pub fn set_v_m(&mut self, i: usize, v: f64) {
        self.v_m[i] = v - self.p.e_l;
    }

    pub fn update(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        let n = self.len();
        let v = &self.v;
        let (i_e, theta, v_reset) = (self.p.i_e, self.p.theta, self.p.v_reset);
        let mut c0 = 0;
        while c0 < n {
            let c1 = (c0 + CHUNK).min(n);
            let m = c1 - c0;
            let i0 = &mut self.i_0[c0..c1];
            let sex = &mut self.i_syn_ex[c0..c1];
            let sin = &mut self.i_syn_in[c0..c1];
            let vm = &mut self.v_m[c0..c1];
            let r = &mut self.r[c0..c1];
            for lag in 0..w.len {
                let base = lag * w.rows + self.row0;
                let (ex, rest) = w.spk[base..base + 2 * n].split_at_mut(n);
                let ex = &mut ex[c0..c1];
                let inh = &mut rest[c0..c1];
                for i in 0..m {
                    let mut y = vm[i];
                    let mut ri = r[i];
                    if ri == 0 {
                        y = y * v.p22 + sex[i] * v.p21ex + sin[i] * v.p21in + (i_e + i0[i]) * v.p20;
                    } else {
                        ri -= 1;
                    }
                    // i_1 (current port 1) is not supported: its term (1 - P11ex) * 0 is 0.
                    sex[i] = sex[i] * v.p11ex + ex[i];
                    sin[i] = sin[i] * v.p11in + inh[i];
                    ex[i] = 0.0;
                    inh[i] = 0.0;
                    if y >= theta {
                        ri = v.refractory_counts;
                        y = v_reset;
                        spikes.push((lag as u32, (self.neuron0 + c0 + i) as u32));
                    }
                    vm[i] = y;
                    r[i] = ri;
                }
                w.take_currents(lag, self.neuron0 + c0, i0);
            }
            c0 = c1;
        }
    }
}

//! `iaf_psc_alpha`: leaky integrate-and-fire with alpha-shaped synaptic currents, exact
//! integration as in NEST 3.10 (models/iaf_psc_alpha.cpp). Voltages are kept relative to E_L.
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
    "V_min",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub tau_m: f64,
    pub c_m: f64,
    pub t_ref: f64,
    pub e_l: f64,
    pub i_e: f64,
    pub v_reset: f64,
    pub theta: f64,
    pub lower_bound: f64,
    pub tau_ex: f64,
    pub tau_in: f64,
    /// initial V_m relative to E_L
    pub y3_init: f64,
}

impl Params {
    pub fn from_dict(d: &Dict) -> SimResult<Self> {
        let mut p = Params {
            tau_m: 10.0,
            c_m: 250.0,
            t_ref: 2.0,
            e_l: -70.0,
            i_e: 0.0,
            v_reset: 0.0,
            theta: -55.0 - -70.0,
            lower_bound: f64::NEG_INFINITY,
            tau_ex: 2.0,
            tau_in: 2.0,
            y3_init: 0.0,
        };
        let el_old = p.e_l;
        d.update("E_L", &mut p.e_l)?;
        let delta_el = p.e_l - el_old;
        for (name, x) in [
            ("V_reset", &mut p.v_reset),
            ("V_th", &mut p.theta),
            ("V_min", &mut p.lower_bound),
        ] {
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
        d.check(p.c_m > 0.0, "Capacitance must be > 0.")?;
        d.check(p.tau_m > 0.0, "Membrane time constant must be > 0.")?;
        d.check(
            p.tau_ex > 0.0 && p.tau_in > 0.0,
            "All synaptic time constants must be > 0.",
        )?;
        d.check(
            p.t_ref >= 0.0,
            "The refractory time t_ref can't be negative.",
        )?;
        d.check(
            p.v_reset < p.theta,
            "Reset potential must be smaller than threshold.",
        )?;
        if d.update("V_m", &mut p.y3_init)? {
            p.y3_init -= p.e_l;
        } else {
            p.y3_init -= delta_el;
        }
        Ok(p)
    }
}

#[derive(Debug, Clone)]
struct Props {
    p11_ex: f64,
    p21_ex: f64,
    p22_ex: f64,
    p31_ex: f64,
    p32_ex: f64,
    p11_in: f64,
    p21_in: f64,
    p22_in: f64,
    p31_in: f64,
    p32_in: f64,
    p30: f64,
    expm1_tau_m: f64,
    epsc: f64,
    ipsc: f64,
    refractory_counts: u32,
}

/// State of a run of neurons with the same parameters (structure of arrays).
#[derive(Debug, Clone)]
pub struct Block {
    pub p: Params,
    v: Props,
    pub row0: usize,
    pub neuron0: usize,
    y0: Vec<f64>,
    di_ex: Vec<f64>,
    i_ex: Vec<f64>,
    di_in: Vec<f64>,
    i_in: Vec<f64>,
    y3: Vec<f64>,
    r: Vec<u64>,
}

impl Block {
    pub const CHANNELS: usize = 2;

    pub fn new(p: Params, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Self {
        let h = res.dt();
        let p11_ex = (-h / p.tau_ex).exp();
        let p11_in = (-h / p.tau_in).exp();
        let (p31_ex, p32_ex) = propagator::alpha(p.tau_ex, p.tau_m, p.c_m, h);
        let (p31_in, p32_in) = propagator::alpha(p.tau_in, p.tau_m, p.c_m, h);
        let v = Props {
            p11_ex,
            p21_ex: h * p11_ex,
            p22_ex: p11_ex,
            p31_ex,
            p32_ex,
            p11_in,
            p21_in: h * p11_in,
            p22_in: p11_in,
            p31_in,
            p32_in,
            p30: -p.tau_m / p.c_m * (-h / p.tau_m).exp_m1(),
            expm1_tau_m: (-h / p.tau_m).exp_m1(),
            epsc: std::f64::consts::E / p.tau_ex,
            ipsc: std::f64::consts::E / p.tau_in,
            refractory_counts: res.ms_to_steps(p.t_ref).max(0) as u32,
        };
        let y3 = vec![p.y3_init; n];
        Self {
            p,
            v,
            row0,
            neuron0,
            y0: vec![0.0; n],
            di_ex: vec![0.0; n],
            i_ex: vec![0.0; n],
            di_in: vec![0.0; n],
            i_in: vec![0.0; n],
            y3,
            r: vec![0; n],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.y3.len()
    }

    pub fn v_m(&self, i: usize) -> f64 {
        self.y3[i] + self.p.e_l
    }

    pub fn set_v_m(&mut self, i: usize, v: f64) {
        self.y3[i] = v - self.p.e_l;
    }

    pub fn update(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked above); the kernel is plain safe Rust
                // compiled with wider vectors, and Rust never fuses multiply-adds on its own, so
                // the arithmetic (and so every spike) is the same as without AVX2.
                unsafe { self.update_avx2(w, spikes) };
                return;
            }
        }
        self.update_kernel(w, spikes);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn update_avx2(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        self.update_kernel(w, spikes);
    }

    #[inline(always)]
    fn update_kernel(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        let n = self.len();
        let v = &self.v;
        let k = StepConsts {
            i_e: self.p.i_e,
            theta: self.p.theta,
            v_reset: self.p.v_reset,
            lb: self.p.lower_bound,
            refr: v.refractory_counts as u64,
        };
        // one lane-wide flag per neuron: narrowing vector compares to bytes costs more than the
        // wider stores
        let mut spiked = [0u64; CHUNK];
        let mut c0 = 0;
        while c0 < n {
            let c1 = (c0 + CHUNK).min(n);
            let m = c1 - c0;
            let y0 = &mut self.y0[c0..c1];
            let di_ex = &mut self.di_ex[c0..c1];
            let i_ex = &mut self.i_ex[c0..c1];
            let di_in = &mut self.di_in[c0..c1];
            let i_in = &mut self.i_in[c0..c1];
            let y3 = &mut self.y3[c0..c1];
            let r = &mut self.r[c0..c1];
            let spiked = &mut spiked[..m];
            for lag in 0..w.len {
                // the next step's inputs: this chunk's, or after the last step the next chunk's
                let (nlag, a, b) = if lag + 1 < w.len {
                    (lag + 1, c0, c1)
                } else {
                    (0, c1, (c1 + CHUNK).min(n))
                };
                w.prefetch(nlag, self.row0 + a..self.row0 + b);
                w.prefetch(nlag, self.row0 + n + a..self.row0 + n + b);
                let base = lag * w.rows + self.row0;
                let (ex, rest) = w.spk[base..base + 2 * n].split_at_mut(n);
                let ex = &mut ex[c0..c1];
                let inh = &mut rest[c0..c1];
                let any = step(v, &k, y0, di_ex, i_ex, di_in, i_in, y3, r, ex, inh, spiked);
                w.take_currents(lag, self.neuron0 + c0, y0);
                if any != 0 {
                    push_spikes(spiked, lag as u32, (self.neuron0 + c0) as u32, spikes);
                }
            }
            c0 = c1;
        }
    }
}

/// Parameters of a step besides the propagators.
struct StepConsts {
    i_e: f64,
    theta: f64,
    v_reset: f64,
    lb: f64,
    refr: u64,
}

/// One step of a chunk of neurons; flags the neurons that spike and returns non-zero if any did.
/// Every slice is a parameter of its own, so the compiler knows that they do not overlap and
/// vectorizes the loop without runtime overlap checks (with them it has kept the loop scalar).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step(
    v: &Props,
    k: &StepConsts,
    y0: &[f64],
    di_ex: &mut [f64],
    i_ex: &mut [f64],
    di_in: &mut [f64],
    i_in: &mut [f64],
    y3: &mut [f64],
    r: &mut [u64],
    ex: &mut [f64],
    inh: &mut [f64],
    spiked: &mut [u64],
) -> u64 {
    let m = y3.len();
    let (y0, di_ex, i_ex, di_in, i_in) = (
        &y0[..m],
        &mut di_ex[..m],
        &mut i_ex[..m],
        &mut di_in[..m],
        &mut i_in[..m],
    );
    let (r, ex, inh, spiked) = (&mut r[..m], &mut ex[..m], &mut inh[..m], &mut spiked[..m]);
    let mut any = 0u64;
    for i in 0..m {
        let y = y3[i];
        let ri = r[i];
        let yn = v.p30 * (y0[i] + k.i_e)
            + v.p31_ex * di_ex[i]
            + v.p32_ex * i_ex[i]
            + v.p31_in * di_in[i]
            + v.p32_in * i_in[i]
            + v.expm1_tau_m * y
            + y;
        let yn = if yn < k.lb { k.lb } else { yn };
        let y = if ri == 0 { yn } else { y };
        let ri = if ri == 0 { 0 } else { ri - 1 };
        i_ex[i] = v.p21_ex * di_ex[i] + v.p22_ex * i_ex[i];
        di_ex[i] = di_ex[i] * v.p11_ex + v.epsc * ex[i];
        ex[i] = 0.0;
        i_in[i] = v.p21_in * di_in[i] + v.p22_in * i_in[i];
        di_in[i] = di_in[i] * v.p11_in + v.ipsc * inh[i];
        inh[i] = 0.0;
        let spike = y >= k.theta;
        y3[i] = if spike { k.v_reset } else { y };
        r[i] = if spike { k.refr } else { ri };
        spiked[i] = spike as u64;
        any |= spike as u64;
    }
    any
}

/// Append `(lag, first + i)` for every flagged `spiked[i]`, in order. A chunk with a spike has
/// usually one or two: look at eight flags (one cache line) at a time.
#[inline(always)]
fn push_spikes(spiked: &[u64], lag: u32, first: u32, spikes: &mut Vec<(u32, u32)>) {
    for (j, line) in spiked.chunks(8).enumerate() {
        if line.iter().fold(0, |a, &s| a | s) == 0 {
            continue;
        }
        for (k, &s) in line.iter().enumerate() {
            if s != 0 {
                spikes.push((lag, first + (j * 8 + k) as u32));
            }
        }
    }
}

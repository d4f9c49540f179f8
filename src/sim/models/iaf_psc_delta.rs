//! `iaf_psc_delta`: leaky integrate-and-fire with delta synapses (voltage jumps), as in NEST 3.10
//! (models/iaf_psc_delta.cpp). Spikes arriving while refractory are dropped unless
//! `refractory_input` is set.
use super::{CHUNK, Window};
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
    "I_e",
    "V_min",
    "refractory_input",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub tau_m: f64,
    pub c_m: f64,
    pub t_ref: f64,
    pub e_l: f64,
    pub i_e: f64,
    pub v_th: f64,
    pub v_min: f64,
    pub v_reset: f64,
    pub with_refr_input: bool,
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
            v_th: -55.0 - -70.0,
            v_min: -f64::MAX,
            v_reset: 0.0,
            with_refr_input: false,
            y3_init: 0.0,
        };
        let el_old = p.e_l;
        d.update("E_L", &mut p.e_l)?;
        let delta_el = p.e_l - el_old;
        for (name, x) in [
            ("V_reset", &mut p.v_reset),
            ("V_th", &mut p.v_th),
            ("V_min", &mut p.v_min),
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
        d.update("t_ref", &mut p.t_ref)?;
        d.check(
            p.v_reset < p.v_th,
            "Reset potential must be smaller than threshold.",
        )?;
        d.check(p.c_m > 0.0, "Capacitance must be >0.")?;
        d.check(p.t_ref >= 0.0, "Refractory time must not be negative.")?;
        d.check(p.tau_m > 0.0, "Membrane time constant must be > 0.")?;
        d.update_bool("refractory_input", &mut p.with_refr_input)?;
        if d.update("V_m", &mut p.y3_init)? {
            p.y3_init -= p.e_l;
        } else {
            p.y3_init -= delta_el;
        }
        Ok(p)
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub p: Params,
    p33: f64,
    p30: f64,
    h: f64,
    refractory_counts: u32,
    pub row0: usize,
    pub neuron0: usize,
    y0: Vec<f64>,
    y3: Vec<f64>,
    refr_buf: Vec<f64>,
    r: Vec<u32>,
}

impl Block {
    pub const CHANNELS: usize = 1;

    pub fn new(p: Params, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Self {
        let h = res.dt();
        let p33 = (-h / p.tau_m).exp();
        let p30 = 1.0 / p.c_m * (1.0 - p33) * p.tau_m;
        let y3 = vec![p.y3_init; n];
        Self {
            refractory_counts: res.ms_to_steps(p.t_ref).max(0) as u32,
            p,
            p33,
            p30,
            h,
            row0,
            neuron0,
            y0: vec![0.0; n],
            y3,
            refr_buf: vec![0.0; n],
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
        let n = self.len();
        let (p33, p30, i_e, v_th, v_min, v_reset) = (
            self.p33,
            self.p30,
            self.p.i_e,
            self.p.v_th,
            self.p.v_min,
            self.p.v_reset,
        );
        let with_refr = self.p.with_refr_input;
        let (h, tau_m) = (self.h, self.p.tau_m);
        let mut c0 = 0;
        while c0 < n {
            let c1 = (c0 + CHUNK).min(n);
            let m = c1 - c0;
            let y0 = &mut self.y0[c0..c1];
            let y3 = &mut self.y3[c0..c1];
            let rb = &mut self.refr_buf[c0..c1];
            let r = &mut self.r[c0..c1];
            for lag in 0..w.len {
                let base = lag * w.rows + self.row0 + c0;
                let sp = &mut w.spk[base..base + m];
                for i in 0..m {
                    let mut y = y3[i];
                    let s = sp[i];
                    sp[i] = 0.0;
                    if r[i] == 0 {
                        y = p30 * (y0[i] + i_e) + p33 * y + s;
                        if with_refr && rb[i] != 0.0 {
                            y += rb[i];
                            rb[i] = 0.0;
                        }
                        y = if y < v_min { v_min } else { y };
                    } else {
                        if with_refr {
                            rb[i] += s * (-(r[i] as f64) * h / tau_m).exp();
                        }
                        r[i] -= 1;
                    }
                    if y >= v_th {
                        r[i] = self.refractory_counts;
                        y = v_reset;
                        spikes.push((lag as u32, (self.neuron0 + c0 + i) as u32));
                    }
                    y3[i] = y;
                }
                w.take_currents(lag, self.neuron0 + c0, y0);
            }
            c0 = c1;
        }
    }
}

//! `izhikevich`: Izhikevich (2003) model as in NEST 3.10 (models/izhikevich.cpp), forward Euler
//! with NEST's `consistent_integration` switch.
use super::{CHUNK, Window};
use crate::sim::error::SimResult;
use crate::sim::params::Dict;
use crate::sim::time::Resolution;

pub const KNOWN: &[&str] = &[
    "V_m",
    "U_m",
    "a",
    "b",
    "c",
    "d",
    "I_e",
    "V_th",
    "V_min",
    "consistent_integration",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub i_e: f64,
    pub v_th: f64,
    pub v_min: f64,
    pub consistent: bool,
    pub v_init: f64,
    pub u_init: f64,
}

impl Params {
    pub fn from_dict(dict: &Dict) -> SimResult<Self> {
        let mut p = Params {
            a: 0.02,
            b: 0.2,
            c: -65.0,
            d: 8.0,
            i_e: 0.0,
            v_th: 30.0,
            v_min: -f64::MAX,
            consistent: true,
            v_init: -65.0,
            u_init: 0.2 * -65.0,
        };
        dict.update("V_th", &mut p.v_th)?;
        dict.update("V_min", &mut p.v_min)?;
        dict.update("I_e", &mut p.i_e)?;
        dict.update("a", &mut p.a)?;
        dict.update("b", &mut p.b)?;
        dict.update("c", &mut p.c)?;
        dict.update("d", &mut p.d)?;
        dict.update_bool("consistent_integration", &mut p.consistent)?;
        dict.update("U_m", &mut p.u_init)?;
        dict.update("V_m", &mut p.v_init)?;
        Ok(p)
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub p: Params,
    h: f64,
    pub row0: usize,
    pub neuron0: usize,
    v: Vec<f64>,
    u: Vec<f64>,
    i: Vec<f64>,
}

impl Block {
    pub const CHANNELS: usize = 1;

    pub fn new(p: Params, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Self {
        Self {
            h: res.dt(),
            v: vec![p.v_init; n],
            u: vec![p.u_init; n],
            i: vec![0.0; n],
            p,
            row0,
            neuron0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.v.len()
    }

    pub fn v_m(&self, i: usize) -> f64 {
        self.v[i]
    }

    pub fn set_v_m(&mut self, i: usize, v: f64) {
        self.v[i] = v;
    }

    pub fn update(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        let n = self.len();
        let p = &self.p;
        let h = self.h;
        let mut c0 = 0;
        while c0 < n {
            let c1 = (c0 + CHUNK).min(n);
            let m = c1 - c0;
            let vv = &mut self.v[c0..c1];
            let uu = &mut self.u[c0..c1];
            let ii = &mut self.i[c0..c1];
            for lag in 0..w.len {
                let base = lag * w.rows + self.row0 + c0;
                let sp = &mut w.spk[base..base + m];
                for k in 0..m {
                    let s = sp[k];
                    sp[k] = 0.0;
                    let (mut v, mut u) = (vv[k], uu[k]);
                    if p.consistent {
                        let (v_old, u_old) = (v, u);
                        v += h
                            * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + ii[k] + p.i_e)
                            + s;
                        u += h * p.a * (p.b * v_old - u_old);
                    } else {
                        v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + ii[k] + p.i_e + s);
                        v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + ii[k] + p.i_e + s);
                        u += h * p.a * (p.b * v - u);
                    }
                    v = if v < p.v_min { p.v_min } else { v };
                    if v >= p.v_th {
                        v = p.c;
                        u += p.d;
                        spikes.push((lag as u32, (self.neuron0 + c0 + k) as u32));
                    }
                    vv[k] = v;
                    uu[k] = u;
                }
                w.take_currents(lag, self.neuron0 + c0, ii);
            }
            c0 = c1;
        }
    }
}

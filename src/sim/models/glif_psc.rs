//! `glif_psc`: the Allen Institute GLIF models 1-5 with alpha-shaped currents on receptor ports
//! 1..=n (one per `tau_syn` entry), as in NEST 3.10 (models/glif_psc.cpp). Voltages relative to E_L.
use super::{CHUNK, Window, propagator};
use crate::sim::error::SimResult;
use crate::sim::params::Dict;
use crate::sim::time::Resolution;

pub const KNOWN: &[&str] = &[
    "V_m",
    "V_th",
    "g",
    "E_L",
    "C_m",
    "t_ref",
    "V_reset",
    "th_spike_add",
    "th_spike_decay",
    "voltage_reset_fraction",
    "voltage_reset_add",
    "th_voltage_index",
    "th_voltage_decay",
    "asc_init",
    "asc_decay",
    "asc_amps",
    "asc_r",
    "tau_syn",
    "spike_dependent_threshold",
    "after_spike_currents",
    "adapting_threshold",
    "ASCurrents",
    "threshold_spike",
    "threshold_voltage",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub g: f64,
    pub e_l: f64,
    pub th_inf: f64,
    pub c_m: f64,
    pub t_ref: f64,
    pub v_reset: f64,
    pub th_spike_add: f64,
    pub th_spike_decay: f64,
    pub voltage_reset_fraction: f64,
    pub voltage_reset_add: f64,
    pub th_voltage_index: f64,
    pub th_voltage_decay: f64,
    pub asc_init: Vec<f64>,
    pub asc_decay: Vec<f64>,
    pub asc_amps: Vec<f64>,
    pub asc_r: Vec<f64>,
    pub tau_syn: Vec<f64>,
    pub has_theta_spike: bool,
    pub has_asc: bool,
    pub has_theta_voltage: bool,
    pub u_init: f64,
    pub asc_state_init: Vec<f64>,
    pub threshold_spike_init: f64,
    pub threshold_voltage_init: f64,
}

impl Params {
    pub fn from_dict(d: &Dict) -> SimResult<Self> {
        let mut p = Params {
            g: 9.43,
            e_l: -78.85,
            th_inf: -51.68 - -78.85,
            c_m: 58.72,
            t_ref: 3.75,
            v_reset: 0.0,
            th_spike_add: 0.37,
            th_spike_decay: 0.009,
            voltage_reset_fraction: 0.20,
            voltage_reset_add: 18.51,
            th_voltage_index: 0.005,
            th_voltage_decay: 0.09,
            asc_init: vec![0.0; 2],
            asc_decay: vec![0.003, 0.1],
            asc_amps: vec![-9.18, -198.94],
            asc_r: vec![1.0; 2],
            tau_syn: vec![2.0],
            has_theta_spike: false,
            has_asc: false,
            has_theta_voltage: false,
            u_init: 0.0,
            // the state is built from the default parameters before set_status: asc_init of a
            // dictionary does not reach the state (only "ASCurrents" does)
            asc_state_init: vec![0.0; 2],
            threshold_spike_init: 0.0,
            threshold_voltage_init: 0.0,
        };
        let el_old = p.e_l;
        d.update("E_L", &mut p.e_l)?;
        let delta_el = p.e_l - el_old;
        for (name, x) in [("V_reset", &mut p.v_reset), ("V_th", &mut p.th_inf)] {
            if d.update(name, x)? {
                *x -= p.e_l;
            } else {
                *x -= delta_el;
            }
        }
        d.update("g", &mut p.g)?;
        d.update("C_m", &mut p.c_m)?;
        d.update("t_ref", &mut p.t_ref)?;
        d.update("th_spike_add", &mut p.th_spike_add)?;
        d.update("th_spike_decay", &mut p.th_spike_decay)?;
        d.update("voltage_reset_fraction", &mut p.voltage_reset_fraction)?;
        d.update("voltage_reset_add", &mut p.voltage_reset_add)?;
        d.update("th_voltage_index", &mut p.th_voltage_index)?;
        d.update("th_voltage_decay", &mut p.th_voltage_decay)?;
        d.update_vec("asc_init", &mut p.asc_init)?;
        d.update_vec("asc_decay", &mut p.asc_decay)?;
        d.update_vec("asc_amps", &mut p.asc_amps)?;
        d.update_vec("asc_r", &mut p.asc_r)?;
        d.update_bool("spike_dependent_threshold", &mut p.has_theta_spike)?;
        d.update_bool("after_spike_currents", &mut p.has_asc)?;
        d.update_bool("adapting_threshold", &mut p.has_theta_voltage)?;
        let (s, a, v) = (p.has_theta_spike, p.has_asc, p.has_theta_voltage);
        d.check(
            !v || (s && a),
            "Incorrect model mechanism combination setting (spike_dependent_threshold, after_spike_currents, adapting_threshold).",
        )?;
        if p.has_asc {
            let k = p.asc_decay.len();
            d.check(
                p.asc_init.len() == k && p.asc_amps.len() == k && p.asc_r.len() == k,
                "All after spike current parameters (i.e., asc_init, k, asc_amps, r) must have the same size.",
            )?;
            for a in 0..k {
                d.check(p.asc_decay[a] > 0.0, "asc_decay must be greater than zero.")?;
                d.check(
                    (0.0..=1.0).contains(&p.asc_r[a]),
                    "asc_r must be >= 0 and <= 1.",
                )?;
            }
        }
        d.check(
            p.v_reset < p.th_inf,
            "Reset potential must be smaller than threshold.",
        )?;
        d.check(p.c_m > 0.0, "Capacitance must be strictly positive.")?;
        d.check(p.g > 0.0, "Membrane conductance must be strictly positive.")?;
        d.check(
            p.t_ref > 0.0,
            "Refractory time constant must be strictly positive.",
        )?;
        if p.has_theta_voltage {
            d.check(
                p.th_voltage_decay > 0.0,
                "th_voltage_decay must be greater than zero.",
            )?;
        }
        if p.has_theta_spike {
            d.check(
                p.th_spike_decay > 0.0,
                "th_spike_decay must be greater than zero.",
            )?;
            d.check(
                (0.0..=1.0).contains(&p.voltage_reset_fraction),
                "voltage_reset_fraction must be >= 0 and <= 1.",
            )?;
        }
        d.update_vec("tau_syn", &mut p.tau_syn)?;
        for t in &p.tau_syn {
            d.check(
                *t > 0.0,
                "All synaptic time constants must be strictly positive.",
            )?;
        }
        if d.update("V_m", &mut p.u_init)? {
            p.u_init -= p.e_l;
        } else {
            p.u_init -= delta_el;
        }
        let given = d.update_vec("ASCurrents", &mut p.asc_state_init)?;
        d.check(
            !given || p.has_asc,
            "After spike currents are not supported or settable in the current model mechanisms.",
        )?;
        if p.has_asc {
            d.check(
                p.asc_state_init.len() == p.asc_decay.len(),
                "ASCurrents must have the size of asc_decay (set ASCurrents when asc_decay does not have 2 entries)",
            )?;
        }
        let given = d.update("threshold_spike", &mut p.threshold_spike_init)?;
        d.check(
            !given || p.has_theta_spike,
            "Threshold spike component is not supported or settable in the current model mechanisms.",
        )?;
        let given = d.update("threshold_voltage", &mut p.threshold_voltage_init)?;
        d.check(
            !given || p.has_theta_voltage,
            "Threshold voltage component is not supported or settable in the current model mechanisms.",
        )?;
        Ok(p)
    }

    pub fn n_receptors(&self) -> usize {
        self.tau_syn.len()
    }
}

#[derive(Debug, Clone)]
struct Props {
    theta_spike_decay_rate: f64,
    theta_spike_refractory_decay_rate: f64,
    asc_decay_rates: Vec<f64>,
    asc_stable_coeff: Vec<f64>,
    asc_refractory_decay_rates: Vec<f64>,
    potential_decay_rate: f64,
    theta_voltage_decay_rate_inverse: f64,
    phi: f64,
    abpara_ratio_voltage: f64,
    p11: Vec<f64>,
    p21: Vec<f64>,
    p22: Vec<f64>,
    p31: Vec<f64>,
    p32: Vec<f64>,
    psc_initial: Vec<f64>,
    p33: f64,
    p30: f64,
    refractory_counts: u32,
}

impl Props {
    fn new(p: &Params, res: &Resolution) -> Self {
        let h = res.dt();
        let mut v = Props {
            theta_spike_decay_rate: 0.0,
            theta_spike_refractory_decay_rate: 0.0,
            asc_decay_rates: vec![],
            asc_stable_coeff: vec![],
            asc_refractory_decay_rates: vec![],
            potential_decay_rate: 0.0,
            theta_voltage_decay_rate_inverse: 0.0,
            phi: 0.0,
            abpara_ratio_voltage: 0.0,
            p11: vec![],
            p21: vec![],
            p22: vec![],
            p31: vec![],
            p32: vec![],
            psc_initial: vec![],
            p33: 0.0,
            p30: 0.0,
            refractory_counts: res.ms_to_steps(p.t_ref).max(0) as u32,
        };
        if p.has_theta_spike {
            v.theta_spike_decay_rate = (-p.th_spike_decay * h).exp();
            v.theta_spike_refractory_decay_rate = (-p.th_spike_decay * p.t_ref).exp();
        }
        if p.has_asc {
            for a in 0..p.asc_decay.len() {
                let rate = (-p.asc_decay[a] * h).exp();
                v.asc_decay_rates.push(rate);
                v.asc_stable_coeff
                    .push(((1.0 / p.asc_decay[a]) / h) * (1.0 - rate));
                v.asc_refractory_decay_rates
                    .push(p.asc_r[a] * (-p.asc_decay[a] * p.t_ref).exp());
            }
        }
        if p.has_theta_voltage {
            v.potential_decay_rate = (-p.g * h / p.c_m).exp();
            v.theta_voltage_decay_rate_inverse = 1.0 / (p.th_voltage_decay * h).exp();
            v.phi = p.th_voltage_index / (p.th_voltage_decay - p.g / p.c_m);
            v.abpara_ratio_voltage = p.th_voltage_index / p.th_voltage_decay;
        }
        let tau = p.c_m / p.g;
        v.p33 = (-h / tau).exp();
        v.p30 = 1.0 / p.c_m * (1.0 - v.p33) * tau;
        for &ts in &p.tau_syn {
            let p11 = (-h / ts).exp();
            v.p11.push(p11);
            v.p22.push(p11);
            v.p21.push(h * p11);
            let (p31, p32) = propagator::alpha(ts, tau, p.c_m, h);
            v.p31.push(p31);
            v.p32.push(p32);
            v.psc_initial.push(std::f64::consts::E / ts);
        }
        v
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub p: Params,
    v: Props,
    pub row0: usize,
    pub neuron0: usize,
    n: usize,
    u: Vec<f64>,
    th_spike: Vec<f64>,
    th_volt: Vec<f64>,
    i: Vec<f64>,
    asc_sum: Vec<f64>,
    /// [asc][neuron]
    asc: Vec<f64>,
    /// [receptor][neuron]
    y1: Vec<f64>,
    y2: Vec<f64>,
    r: Vec<u32>,
}

impl Block {
    pub fn channels(p: &Params) -> usize {
        p.n_receptors()
    }

    pub fn new(p: Params, res: &Resolution, n: usize, row0: usize, neuron0: usize) -> Self {
        let v = Props::new(&p, res);
        let nasc = p.asc_state_init.len();
        let nrec = p.n_receptors();
        let mut asc = Vec::with_capacity(nasc * n);
        for a in 0..nasc {
            asc.extend(std::iter::repeat_n(p.asc_state_init[a], n));
        }
        let sum0: f64 = p.asc_state_init.iter().fold(0.0, |s, x| s + x);
        Self {
            v,
            row0,
            neuron0,
            n,
            u: vec![p.u_init; n],
            th_spike: vec![p.threshold_spike_init; n],
            th_volt: vec![p.threshold_voltage_init; n],
            i: vec![0.0; n],
            asc_sum: vec![sum0; n],
            asc,
            y1: vec![0.0; nrec * n],
            y2: vec![0.0; nrec * n],
            r: vec![0; n],
            p,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn v_m(&self, i: usize) -> f64 {
        self.u[i] + self.p.e_l
    }

    pub fn set_v_m(&mut self, i: usize, v: f64) {
        self.u[i] = v - self.p.e_l;
    }

    pub fn update(&mut self, w: &mut Window, spikes: &mut Vec<(u32, u32)>) {
        let n = self.n;
        let p = &self.p;
        let v = &self.v;
        let nrec = p.n_receptors();
        let nasc = if p.has_asc {
            v.asc_decay_rates.len()
        } else {
            0
        };
        let mut c0 = 0;
        while c0 < n {
            let c1 = (c0 + CHUNK).min(n);
            for lag in 0..w.len {
                let base = lag * w.rows + self.row0;
                for k in c0..c1 {
                    let v_old = self.u[k];
                    let mut u;
                    if self.r[k] == 0 {
                        if p.has_theta_spike {
                            self.th_spike[k] *= v.theta_spike_decay_rate;
                        }
                        let mut asc_sum = 0.0;
                        for a in 0..nasc {
                            let x = &mut self.asc[a * n + k];
                            asc_sum += v.asc_stable_coeff[a] * *x;
                            *x *= v.asc_decay_rates[a];
                        }
                        self.asc_sum[k] = asc_sum;
                        let ii = self.i[k];
                        u = v_old * v.p33 + (ii + asc_sum) * v.p30;
                        for rr in 0..nrec {
                            let j = rr * n + k;
                            u += v.p31[rr] * self.y1[j] + v.p32[rr] * self.y2[j];
                        }
                        if p.has_theta_voltage {
                            let beta = (ii + asc_sum) / p.g;
                            self.th_volt[k] = v.phi * (v_old - beta) * v.potential_decay_rate
                                + v.theta_voltage_decay_rate_inverse
                                    * (self.th_volt[k]
                                        - v.phi * (v_old - beta)
                                        - v.abpara_ratio_voltage * beta)
                                + v.abpara_ratio_voltage * beta;
                        }
                        let threshold = self.th_spike[k] + self.th_volt[k] + p.th_inf;
                        if u > threshold {
                            self.r[k] = v.refractory_counts;
                            for a in 0..nasc {
                                let x = &mut self.asc[a * n + k];
                                *x = p.asc_amps[a] + *x * v.asc_refractory_decay_rates[a];
                            }
                            if !p.has_theta_spike {
                                u = p.v_reset;
                            } else {
                                u = p.voltage_reset_fraction * v_old + p.voltage_reset_add;
                                self.th_spike[k] = self.th_spike[k]
                                    * v.theta_spike_refractory_decay_rate
                                    + p.th_spike_add;
                            }
                            spikes.push((lag as u32, (self.neuron0 + k) as u32));
                        }
                    } else {
                        self.r[k] -= 1;
                        u = v_old;
                    }
                    for rr in 0..nrec {
                        let j = rr * n + k;
                        let sidx = base + j;
                        self.y2[j] = v.p21[rr] * self.y1[j] + v.p22[rr] * self.y2[j];
                        self.y1[j] = self.y1[j] * v.p11[rr] + v.psc_initial[rr] * w.spk[sidx];
                        w.spk[sidx] = 0.0;
                    }
                    self.u[k] = u;
                }
                w.take_currents(lag, self.neuron0 + c0, &mut self.i[c0..c1]);
            }
            c0 = c1;
        }
    }
}

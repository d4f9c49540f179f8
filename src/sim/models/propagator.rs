//! The exact-integration propagator elements of NEST's `IAFPropagatorAlpha`/`IAFPropagatorExp`
//! (libnestutil/iaf_propagator.cpp), including the singular case tau_m == tau_syn.

const NUMERICAL_STABILITY_FACTOR: f64 = 1e-7;

struct Propagator {
    h_min_regular: f64,
    beta: f64,
    gamma: f64,
    inv_tau_syn: f64,
    inv_tau_m: f64,
    inv_c_m: f64,
    inv_beta: f64,
}

impl Propagator {
    fn new(tau_syn: f64, tau_m: f64, c_m: f64) -> Self {
        let beta = tau_syn * tau_m / (tau_m - tau_syn);
        Self {
            h_min_regular: NUMERICAL_STABILITY_FACTOR * tau_m * tau_m / (tau_m - tau_syn).abs(),
            beta,
            gamma: beta / c_m,
            inv_tau_syn: 1.0 / tau_syn,
            inv_tau_m: 1.0 / tau_m,
            inv_c_m: 1.0 / c_m,
            inv_beta: (tau_m - tau_syn) / (tau_syn * tau_m),
        }
    }

    /// (P32, exp(-h/tau_syn), expm1(h/beta), exp(-h/tau_m) or NaN)
    fn p32(&self, h: f64) -> (f64, f64, f64, f64) {
        let exp_h_tau_syn = (-h * self.inv_tau_syn).exp();
        let expm1_h_tau = (h * self.inv_beta).exp_m1();
        let p32 = self.gamma * exp_h_tau_syn * expm1_h_tau;
        if p32.is_normal() && p32 > 0.0 {
            (p32, exp_h_tau_syn, expm1_h_tau, f64::NAN)
        } else {
            let exp_h_tau = (-h * self.inv_tau_m).exp();
            (
                h * self.inv_c_m * exp_h_tau,
                exp_h_tau_syn,
                expm1_h_tau,
                exp_h_tau,
            )
        }
    }
}

/// (P31, P32) of an alpha-shaped current (`IAFPropagatorAlpha::evaluate`).
pub fn alpha(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> (f64, f64) {
    let p = Propagator::new(tau_syn, tau_m, c_m);
    let (p32, exp_h_tau_syn, expm1_h_tau, mut exp_h_tau) = p.p32(h);
    if h > p.h_min_regular {
        let p31 = p.gamma * exp_h_tau_syn * (p.beta * expm1_h_tau - h);
        return (p31, p32);
    }
    if exp_h_tau.is_nan() {
        exp_h_tau = (-h * p.inv_tau_m).exp();
    }
    (0.5 * h * h * p.inv_c_m * exp_h_tau, p32)
}

/// P21 of an exponential current (`IAFPropagatorExp::evaluate`).
pub fn exp(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    Propagator::new(tau_syn, tau_m, c_m).p32(h).0
}

#[cfg(test)]
mod tests {
    #[test]
    fn singular_case_is_finite() {
        let (p31, p32) = super::alpha(10.0, 10.0, 250.0, 0.1);
        assert!(p31.is_finite() && p32.is_finite() && p31 > 0.0 && p32 > 0.0);
        let (q31, q32) = super::alpha(10.0 + 1e-9, 10.0, 250.0, 0.1);
        assert!((p31 - q31).abs() < 1e-12 && (p32 - q32).abs() < 1e-12);
    }
}

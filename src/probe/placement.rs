//! Where a probe sits in the circuit: its tip, its insertion direction and its roll.

use super::geometry::{ProbeGeometry, Site};

/// A probe placed in the circuit's coordinates (µm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    /// The tip point of shank 0.
    pub tip: [f64; 3],
    /// Insertion direction: from the brain surface toward the tip (normalised on use).
    pub direction: [f64; 3],
    /// Rotation of the probe's face about its axis, radians.
    pub roll: f64,
}

fn norm(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n == 0.0 {
        [0.0, -1.0, 0.0]
    } else {
        [v[0] / n, v[1] / n, v[2] / n]
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl Placement {
    /// Straight down (-y, as SONATA circuits put pia at the top) with the tip at `tip`.
    pub fn vertical(tip: [f64; 3]) -> Self {
        Self {
            tip,
            direction: [0.0, -1.0, 0.0],
            roll: 0.0,
        }
    }

    /// The probe's frame: `up` along the shank toward the base, `across` along its width
    /// (local x), `normal` out of the electrode face.
    pub fn frame(&self) -> ([f64; 3], [f64; 3], [f64; 3]) {
        let down = norm(self.direction);
        let up = [-down[0], -down[1], -down[2]];
        // A reference not parallel to the shank gives the width axis before roll.
        let reference = if up[2].abs() < 0.9 {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let normal0 = norm(cross(up, reference));
        let across0 = norm(cross(normal0, up));
        let (s, c) = self.roll.sin_cos();
        let across = [
            c * across0[0] + s * normal0[0],
            c * across0[1] + s * normal0[1],
            c * across0[2] + s * normal0[2],
        ];
        let normal = norm(cross(across, up));
        (up, across, normal)
    }

    /// World position of a point given in a shank's local x/y (µm; y from the bottom row).
    pub fn world_from_local(
        &self,
        geometry: &ProbeGeometry,
        shank: usize,
        x: f64,
        y: f64,
    ) -> [f64; 3] {
        let (up, across, _) = self.frame();
        let along = geometry.tip_length + y;
        let side = x - geometry.shank_width / 2.0 + geometry.shank_pitch * shank as f64;
        [
            self.tip[0] + up[0] * along + across[0] * side,
            self.tip[1] + up[1] * along + across[1] * side,
            self.tip[2] + up[2] * along + across[2] * side,
        ]
    }

    pub fn site_position(&self, geometry: &ProbeGeometry, site: &Site) -> [f64; 3] {
        self.world_from_local(geometry, site.shank, site.x, site.y)
    }

    /// World positions of the recording channels' sites, in channel order.
    pub fn channel_positions(&self, geometry: &ProbeGeometry) -> Vec<[f64; 3]> {
        geometry
            .channels
            .iter()
            .map(|&s| self.site_position(geometry, &geometry.sites[s]))
            .collect()
    }
}

//! The Neuropixels probe in the viewer, without Bevy: where it sits, which neurons each channel
//! hears, its 3D mesh (shank with tapered tip, electrode sites), and what it records over a
//! time window (events by channel, activity by depth), linked to the scene's instances.
use crate::probe::{
    Neighbourhood, Placement, ProbeGeometry, ProbeKind, RecordedEvent, RecordingParams,
};

use crate::view::render::meshes::{LayerMesh, MeshInstance};
use crate::view::scene::Scene;

/// A probe placed in a scene, with the neurons its channels hear.
#[derive(Clone, Debug)]
pub struct ProbeView {
    pub geometry: ProbeGeometry,
    /// Where the probe enters the circuit (µm): the insertion point on the surface.
    pub entry: [f64; 3],
    /// Angle of the shank from the vertical (degrees) and its azimuth about y (degrees).
    pub tilt_deg: f64,
    pub azimuth_deg: f64,
    /// Tip distance from the entry point along the shank (µm).
    pub depth_um: f64,
    pub params: RecordingParams,
    /// Units are scene instances.
    pub neighbourhood: Neighbourhood,
}

impl ProbeView {
    /// A probe through the middle of what the scene draws: entering at the top (largest y,
    /// pia up in SONATA circuits) at `offset` (x, z) from the centre, straight down, its tip
    /// 50 µm below the lowest neuron.
    pub fn through(scene: &Scene, kind: ProbeKind, offset: [f64; 2]) -> Self {
        let (lo, hi) = extent(scene);
        let centre = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[2] + hi[2])];
        let mut v = Self {
            geometry: ProbeGeometry::new(kind),
            entry: [centre[0] + offset[0], hi[1], centre[1] + offset[1]],
            tilt_deg: 0.0,
            azimuth_deg: 0.0,
            depth_um: hi[1] - lo[1] + 50.0,
            params: RecordingParams::default(),
            neighbourhood: Neighbourhood::default(),
        };
        v.update(scene);
        v
    }

    /// The default placement: down through the circuit, halfway from its centre to its front
    /// (+z, toward the default camera), where the spheres in front hide little of it.
    pub fn default_for(scene: &Scene, kind: ProbeKind) -> Self {
        let (lo, hi) = extent(scene);
        Self::through(scene, kind, [0.0, 0.55 * 0.5 * (hi[2] - lo[2])])
    }

    /// How much each recording channel glows at `t`: 1 for a spike heard just now, fading to 0
    /// over `glow_ms`.
    pub fn glow(&self, scene: &Scene, t: f64, glow_ms: f64) -> Vec<f32> {
        let mut glow = vec![0.0f32; self.geometry.channels.len()];
        for e in self.events(scene, t - glow_ms, t) {
            let age = ((t - e.time_ms) / glow_ms) as f32;
            if let Some(g) = glow.get_mut(e.channel as usize) {
                *g = g.max(1.0 - age);
            }
        }
        glow
    }

    /// Insertion direction (unit vector from the entry toward the tip).
    pub fn direction(&self) -> [f64; 3] {
        let (t, a) = (self.tilt_deg.to_radians(), self.azimuth_deg.to_radians());
        [t.sin() * a.cos(), -t.cos(), t.sin() * a.sin()]
    }

    pub fn placement(&self) -> Placement {
        let d = self.direction();
        Placement {
            tip: [
                self.entry[0] + d[0] * self.depth_um,
                self.entry[1] + d[1] * self.depth_um,
                self.entry[2] + d[2] * self.depth_um,
            ],
            direction: d,
            roll: 0.0,
        }
    }

    /// Recomputes which instances each channel hears (after a move or a new scene). Virtual
    /// populations are not recorded.
    pub fn update(&mut self, scene: &Scene) {
        let channels = self.placement().channel_positions(&self.geometry);
        let units: Vec<[f64; 3]> = scene
            .positions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if scene.is_virtual_instance(i) {
                    [f64::NAN; 3]
                } else {
                    [p[0] as f64, p[1] as f64, p[2] as f64]
                }
            })
            .collect();
        self.neighbourhood = Neighbourhood::new(&channels, &units, &self.params);
    }

    /// The events of the scene's spikes in `[t0, t1)` on every channel (time order).
    pub fn events(&self, scene: &Scene, t0: f64, t1: f64) -> Vec<RecordedEvent> {
        let mut spikes = Vec::new();
        for s in &scene.spikes {
            for k in s.index.window(t0, t1) {
                if let Some(&inst) = s.instance_of.get(s.index.node_ids[k] as usize)
                    && inst != u32::MAX
                {
                    spikes.push((inst, s.index.times[k]));
                }
            }
        }
        crate::probe::record_events(&self.neighbourhood, spikes)
    }

    /// Instances channel `c` hears, nearest first.
    pub fn units_of_channel(&self, c: usize) -> Vec<u32> {
        self.neighbourhood
            .by_channel
            .get(c)
            .map(|l| l.iter().map(|u| u.0).collect())
            .unwrap_or_default()
    }

    /// Channels that hear instance `i`, strongest first.
    pub fn channels_of_unit(&self, i: usize) -> Vec<u16> {
        self.neighbourhood
            .by_unit
            .get(i)
            .map(|l| l.iter().map(|c| c.0).collect())
            .unwrap_or_default()
    }

    /// Depth order of the channels: distance of each channel's site from the tip (µm).
    pub fn channel_heights(&self) -> Vec<f64> {
        self.geometry
            .channels
            .iter()
            .map(|&s| self.geometry.tip_length + self.geometry.sites[s].y)
            .collect()
    }

    /// The probe as triangles in world coordinates: the shank (outline extruded by its
    /// thickness) in steel grey, and every electrode site as a small square on its face;
    /// recording channels lit by `channel_glow` (0..1 each, e.g. recent activity), highlighted
    /// channels in white. Sites are 12 µm: visible when the camera is close.
    pub fn mesh(&self, channel_glow: &[f32], highlighted: &[u16]) -> LayerMesh {
        let g = &self.geometry;
        let pl = self.placement();
        let (_, _, normal) = pl.frame();
        let half = 0.5 * g.shank_thickness;
        let mut m = LayerMesh::default();
        let steel = [0.55, 0.58, 0.62, 1.0];
        let outline = g.shank_outline();
        for shank in 0..g.shanks {
            let face = |side: f64, x: f64, y: f64| -> [f32; 3] {
                let p = pl.world_from_local(g, shank, x, y);
                [
                    (p[0] + normal[0] * side) as f32,
                    (p[1] + normal[1] * side) as f32,
                    (p[2] + normal[2] * side) as f32,
                ]
            };
            // front and back faces: a fan over the convex outline
            for (side, n) in [(half, normal), (-half, normal.map(|v| -v))] {
                let base = m.positions.len() as u32;
                for p in &outline {
                    m.positions.push(face(side, p[0], p[1]));
                    m.normals.push(n.map(|v| v as f32));
                    m.colors.push(steel);
                }
                for k in 1..outline.len() as u32 - 1 {
                    if side > 0.0 {
                        m.indices.extend([base, base + k, base + k + 1]);
                    } else {
                        m.indices.extend([base, base + k + 1, base + k]);
                    }
                }
            }
            // the edges: one quad per outline segment
            for k in 0..outline.len() {
                let (a, b) = (outline[k], outline[(k + 1) % outline.len()]);
                let pa = pl.world_from_local(g, shank, a[0], a[1]);
                let pb = pl.world_from_local(g, shank, b[0], b[1]);
                let along = [pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]];
                let mut n = cross(along, normal);
                let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt().max(1e-9);
                n = n.map(|v| v / len);
                // outward: away from the shank's middle
                let mid = pl.world_from_local(g, shank, g.shank_width / 2.0, a[1].max(0.0));
                let out = [pa[0] - mid[0], pa[1] - mid[1], pa[2] - mid[2]];
                if n[0] * out[0] + n[1] * out[1] + n[2] * out[2] < 0.0 {
                    n = n.map(|v| -v);
                }
                let base = m.positions.len() as u32;
                for (p, side) in [(a, half), (b, half), (b, -half), (a, -half)] {
                    m.positions.push(face(side, p[0], p[1]));
                    m.normals.push(n.map(|v| v as f32));
                    m.colors.push(steel);
                }
                m.indices
                    .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
            }
        }
        // sites, just in front of the face
        let mut channel_of_site = vec![None; g.sites.len()];
        for (c, &s) in g.channels.iter().enumerate() {
            channel_of_site[s] = Some(c);
        }
        let e = 0.5 * g.electrode_size;
        let n32 = normal.map(|v| v as f32);
        for (s, site) in g.sites.iter().enumerate() {
            let color = match channel_of_site[s] {
                Some(c) if highlighted.contains(&(c as u16)) => [1.0, 1.0, 1.0, 1.0],
                Some(c) => {
                    let glow = channel_glow.get(c).copied().unwrap_or(0.0).clamp(0.0, 1.0);
                    [
                        0.85 + 0.15 * glow,
                        0.62 + 0.38 * glow,
                        0.18 + 0.6 * glow,
                        1.0,
                    ]
                }
                None => [0.32, 0.30, 0.26, 1.0],
            };
            let base = m.positions.len() as u32;
            for (dx, dy) in [(-e, -e), (e, -e), (e, e), (-e, e)] {
                let p = pl.world_from_local(g, site.shank, site.x + dx, site.y + dy);
                let o = half + 0.5;
                m.positions.push([
                    (p[0] + normal[0] * o) as f32,
                    (p[1] + normal[1] * o) as f32,
                    (p[2] + normal[2] * o) as f32,
                ]);
                m.normals.push(n32);
                m.colors.push(color);
            }
            m.indices
                .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
        m.instances = vec![MeshInstance {
            transform: bevy::math::Mat4::IDENTITY,
            color: [1.0; 4],
        }];
        m
    }
}

/// Bounding box of the non-virtual instances (zero when there are none).
pub fn extent(scene: &Scene) -> ([f64; 3], [f64; 3]) {
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for (i, p) in scene.positions.iter().enumerate() {
        if scene.is_virtual_instance(i) {
            continue;
        }
        for k in 0..3 {
            lo[k] = lo[k].min(p[k] as f64);
            hi[k] = hi[k].max(p[k] as f64);
        }
    }
    if !lo[0].is_finite() {
        return ([0.0; 3], [0.0; 3]);
    }
    (lo, hi)
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Events per channel and time bin over `[t0, t1)`: `counts[c * bins + b]`.
pub fn activity_by_depth(
    events: &[RecordedEvent],
    channels: usize,
    t0: f64,
    t1: f64,
    bins: usize,
) -> Vec<u32> {
    let mut counts = vec![0u32; channels * bins];
    let span = (t1 - t0).max(1e-9);
    for e in events {
        let b = (((e.time_ms - t0) / span) * bins as f64) as usize;
        if b < bins && (e.channel as usize) < channels {
            counts[e.channel as usize * bins + b] += 1;
        }
    }
    counts
}

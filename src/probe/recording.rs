//! A virtual recording: which neurons each channel hears, and the events their spikes make.
//!
//! Point-source model (as HNN-core's `ExtracellularArray` 'psa'): a spike's peak
//! transmembrane current `I` at the soma gives `V = -I / (4 π σ r)` at distance `r` in a
//! homogeneous medium of conductivity `σ` (0.3 S/m), with `r` clamped below at 0.5 µm.
//! `I` is a parameter (default 10 nA, which puts a unit 20 µm away at about -130 µV, the size
//! of well isolated units in Neuropixels recordings); amplitudes are the extracellular trough,
//! so they are negative.

use std::io::Write as _;
use std::path::Path;

use kiddo::{ImmutableKdTree, SquaredEuclidean};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordingParams {
    /// A channel hears neurons within this distance of its site, µm.
    pub radius_um: f64,
    pub conductivity_s_per_m: f64,
    pub peak_current_na: f64,
    pub min_distance_um: f64,
}

impl Default for RecordingParams {
    fn default() -> Self {
        Self {
            radius_um: 50.0,
            conductivity_s_per_m: 0.3,
            peak_current_na: 10.0,
            min_distance_um: 0.5,
        }
    }
}

impl RecordingParams {
    /// Extracellular peak (µV, negative) at `distance_um` from a spiking soma.
    pub fn amplitude_uv(&self, distance_um: f64) -> f64 {
        let r_m = distance_um.max(self.min_distance_um) * 1e-6;
        let i_a = self.peak_current_na * 1e-9;
        -i_a / (4.0 * std::f64::consts::PI * self.conductivity_s_per_m * r_m) * 1e6
    }
}

/// Channels and the neurons ("units", indices into the positions given) they hear.
#[derive(Clone, Debug, Default)]
pub struct Neighbourhood {
    /// For each channel: (unit, distance µm), nearest first.
    pub by_channel: Vec<Vec<(u32, f64)>>,
    /// For each unit: (channel, amplitude µV), strongest first.
    pub by_unit: Vec<Vec<(u16, f32)>>,
}

impl Neighbourhood {
    /// Finds, for every channel site, the units within `params.radius_um` (a k-d tree over
    /// the units, one radius query per channel).
    pub fn new(
        channel_positions: &[[f64; 3]],
        unit_positions: &[[f64; 3]],
        params: &RecordingParams,
    ) -> Self {
        let mut by_unit: Vec<Vec<(u16, f32)>> = vec![Vec::new(); unit_positions.len()];
        let finite: Vec<usize> = (0..unit_positions.len())
            .filter(|&i| unit_positions[i].iter().all(|v| v.is_finite()))
            .collect();
        let points: Vec<[f64; 3]> = finite.iter().map(|&i| unit_positions[i]).collect();
        let mut by_channel = vec![Vec::new(); channel_positions.len()];
        let r2 = params.radius_um * params.radius_um;
        // The tree refuses some inputs (e.g. more units with one coordinate than a bucket
        // holds); a scan of every unit then gives the same neighbours, only slower.
        let tree = ImmutableKdTree::new_from_slice(&points).ok();
        for (c, site) in channel_positions.iter().enumerate() {
            let mut list: Vec<(u32, f64)> = match &tree {
                Some(tree) => tree
                    .query(site)
                    .within::<SquaredEuclidean<f64>>(r2)
                    .execute()
                    .iter()
                    .map(|h| (finite[h.item as usize] as u32, h.distance.sqrt()))
                    .collect(),
                None => units_within_by_scan(&points, &finite, site, r2),
            };
            list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            for &(u, d) in &list {
                by_unit[u as usize].push((c as u16, params.amplitude_uv(d) as f32));
            }
            by_channel[c] = list;
        }
        for list in &mut by_unit {
            list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        Self {
            by_channel,
            by_unit,
        }
    }

    /// Units heard by at least one channel.
    pub fn n_units_heard(&self) -> usize {
        self.by_unit.iter().filter(|l| !l.is_empty()).count()
    }
}

/// Units within `sqrt(r2)` of `site` by a scan of every point (what the k-d tree finds).
fn units_within_by_scan(
    points: &[[f64; 3]],
    unit_of_point: &[usize],
    site: &[f64; 3],
    r2: f64,
) -> Vec<(u32, f64)> {
    points
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let d2: f64 = (0..3).map(|a| (p[a] - site[a]).powi(2)).sum();
            (d2 <= r2).then(|| (unit_of_point[k] as u32, d2.sqrt()))
        })
        .collect()
}

/// One spike seen on one channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordedEvent {
    pub channel: u16,
    pub time_ms: f64,
    pub unit: u32,
    pub amplitude_uv: f32,
}

/// Events of `spikes` (unit, time ms) on every channel that hears the unit, ordered by time,
/// then channel, then unit.
pub fn record_events(
    neighbourhood: &Neighbourhood,
    spikes: impl IntoIterator<Item = (u32, f64)>,
) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    for (unit, t) in spikes {
        let Some(heard) = neighbourhood.by_unit.get(unit as usize) else {
            continue;
        };
        events.extend(heard.iter().map(|&(channel, amplitude_uv)| RecordedEvent {
            channel,
            time_ms: t,
            unit,
            amplitude_uv,
        }));
    }
    events.sort_by(|a, b| {
        a.time_ms
            .total_cmp(&b.time_ms)
            .then(a.channel.cmp(&b.channel))
            .then(a.unit.cmp(&b.unit))
    });
    events
}

/// Writes `channel,time_ms,node_id,population,amplitude_uv`, whole or not at all (a temporary
/// file beside `path` renamed over it). `unit_names[u]` is (population, node id) of unit `u`.
pub fn write_events_csv(
    path: &Path,
    events: &[RecordedEvent],
    unit_names: &[(String, u64)],
) -> std::io::Result<()> {
    crate::atomic_file::write_atomically(
        path,
        |tmp| {
            let mut out = std::io::BufWriter::new(std::fs::File::create(tmp)?);
            writeln!(out, "channel,time_ms,node_id,population,amplitude_uv")?;
            for e in events {
                let (pop, node) = unit_names
                    .get(e.unit as usize)
                    .map(|(p, n)| (p.as_str(), *n))
                    .unwrap_or(("", u64::from(e.unit)));
                writeln!(
                    out,
                    "{},{},{},{},{:.3}",
                    e.channel, e.time_ms, node, pop, e.amplitude_uv
                )?;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        },
        |_, e| e,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_what_the_tree_finds() {
        let mut x = 12345u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64 * 400.0
        };
        let points: Vec<[f64; 3]> = (0..2000).map(|_| [next(), next(), next()]).collect();
        let ids: Vec<usize> = (0..points.len()).collect();
        let tree = ImmutableKdTree::new_from_slice(&points).unwrap();
        let r2 = 60.0 * 60.0;
        for site in [
            [200.0, 200.0, 200.0],
            [0.0, 10.0, 390.0],
            [100.0, 300.0, 50.0],
        ] {
            let mut by_tree: Vec<(u32, f64)> = tree
                .query(&site)
                .within::<SquaredEuclidean<f64>>(r2)
                .execute()
                .iter()
                .map(|h| (h.item, h.distance.sqrt()))
                .collect();
            let mut by_scan = units_within_by_scan(&points, &ids, &site, r2);
            by_tree.sort_by_key(|h| h.0);
            by_scan.sort_by_key(|h| h.0);
            assert!(!by_scan.is_empty());
            assert_eq!(by_tree.len(), by_scan.len());
            for (a, b) in by_tree.iter().zip(&by_scan) {
                assert_eq!(a.0, b.0);
                assert!((a.1 - b.1).abs() < 1e-9);
            }
        }
    }
}

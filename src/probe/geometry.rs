//! Neuropixels site layouts (µm), from probeinterface's `neuropixels_probe_features.json`
//! (Bill Karsh / Jennifer Colonell's ProbeTable), summarised in ../shared/docs/peers-and-probes.md.
//!
//! Local coordinates of a shank: x from the shank's left edge (0..70), y upward from the centre
//! of the bottom electrode row (SpikeGLX's convention); the tip point lies `tip_length` below
//! the bottom row.

/// The probes cortexview knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// Neuropixels 1.0 (NP1000/NP1001): 960 sites in a staggered 4-column checkerboard.
    Np1,
    /// Neuropixels 2.0 single shank (NP2003/NP2004): 1280 sites, 2 columns.
    Np2,
    /// Neuropixels 2.0 four shank (NP2013/NP2014): 4 x 1280 sites, shanks 250 µm apart.
    Np2FourShank,
}

impl ProbeKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .to_ascii_lowercase()
            .replace(['.', '_', ' '], "-")
            .as_str()
        {
            "np1" | "np1-0" | "neuropixels-1" | "neuropixels-1-0" => Some(Self::Np1),
            "np2" | "np2-0" | "np2-1shank" | "neuropixels-2" => Some(Self::Np2),
            "np2-4shank" | "np2-0-4shank" | "np2-4" | "neuropixels-2-4shank" => {
                Some(Self::Np2FourShank)
            }
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Np1 => "Neuropixels 1.0",
            Self::Np2 => "Neuropixels 2.0 (single shank)",
            Self::Np2FourShank => "Neuropixels 2.0 (four shanks)",
        }
    }
}

/// One electrode site.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Site {
    /// Electrode index on its shank (0 = bottom row, left).
    pub electrode: usize,
    pub shank: usize,
    /// From the shank's left edge, µm.
    pub x: f64,
    /// From the bottom electrode row's centre, µm.
    pub y: f64,
}

/// A probe's sites, outline and recording channels.
#[derive(Clone, Debug)]
pub struct ProbeGeometry {
    pub kind: ProbeKind,
    pub sites: Vec<Site>,
    pub shanks: usize,
    /// Centre-to-centre distance of shanks, µm (0 for one shank).
    pub shank_pitch: f64,
    pub shank_width: f64,
    pub shank_thickness: f64,
    /// Tip to base, µm.
    pub shank_length: f64,
    /// From the tip point to the bottom electrode row, µm.
    pub tip_length: f64,
    /// Square electrode side, µm.
    pub electrode_size: f64,
    pub rows_per_shank: usize,
    pub row_pitch: f64,
    /// Indices into `sites` of the 384 recording channels (channel i records `sites[channels[i]]`).
    pub channels: Vec<usize>,
}

/// Readout channels of every Neuropixels 1.0 and 2.0 probe.
pub const N_CHANNELS: usize = 384;

impl ProbeGeometry {
    /// The probe with its default channel map: bank 0 of shank 0 (the bottom 384 electrodes),
    /// as SpikeGLX selects when nothing else is asked for.
    pub fn new(kind: ProbeKind) -> Self {
        let (shanks, pitch, rows, row_pitch, tip_length) = match kind {
            ProbeKind::Np1 => (1, 0.0, 480, 20.0, 209.0),
            ProbeKind::Np2 => (1, 0.0, 640, 15.0, 206.0),
            ProbeKind::Np2FourShank => (4, 250.0, 640, 15.0, 206.0),
        };
        let mut sites = Vec::with_capacity(shanks * rows * 2);
        for shank in 0..shanks {
            for row in 0..rows {
                for col in 0..2 {
                    // NP1: even rows start 27 µm from the left edge, odd rows 11 µm (staggered);
                    // NP2: both at 27. Horizontal pitch 32.
                    let first = match kind {
                        ProbeKind::Np1 if row % 2 == 1 => 11.0,
                        _ => 27.0,
                    };
                    sites.push(Site {
                        electrode: row * 2 + col,
                        shank,
                        x: first + 32.0 * col as f64,
                        y: row_pitch * row as f64,
                    });
                }
            }
        }
        Self {
            kind,
            sites,
            shanks,
            shank_pitch: pitch,
            shank_width: 70.0,
            shank_thickness: 24.0,
            shank_length: 10_000.0,
            tip_length,
            electrode_size: 12.0,
            rows_per_shank: rows,
            row_pitch,
            channels: (0..N_CHANNELS).collect(),
        }
    }

    /// Chooses which electrodes the 384 channels record: `bank` on `shank` (bank b holds
    /// electrodes 384 b .. 384 (b+1) of that shank; the last bank is partial, as on the probe).
    pub fn select_bank(&mut self, shank: usize, bank: usize) {
        let per_shank = self.rows_per_shank * 2;
        let shank = shank.min(self.shanks - 1);
        let first = (bank * N_CHANNELS).min(per_shank.saturating_sub(N_CHANNELS));
        self.channels = (0..N_CHANNELS)
            .map(|c| shank * per_shank + first + c)
            .collect();
    }

    /// The shank outline in local x/y (µm, y from the bottom row as for sites): base corners,
    /// then down the right edge to the tapered tip and up the left edge.
    pub fn shank_outline(&self) -> Vec<[f64; 2]> {
        let w = self.shank_width;
        let top = self.shank_length - self.tip_length;
        vec![
            [0.0, top],
            [w, top],
            [w, 0.0],
            [w / 2.0, -self.tip_length],
            [0.0, 0.0],
        ]
    }

    /// Total sites on the probe.
    pub fn n_sites(&self) -> usize {
        self.sites.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn np1_checkerboard() {
        let p = ProbeGeometry::new(ProbeKind::Np1);
        assert_eq!(p.n_sites(), 960);
        let xs: std::collections::BTreeSet<i64> = p.sites.iter().map(|s| s.x as i64).collect();
        assert_eq!(xs.into_iter().collect::<Vec<_>>(), vec![11, 27, 43, 59]);
        assert_eq!(p.sites[0].x, 27.0);
        assert_eq!(p.sites[2].x, 11.0);
        assert_eq!(p.sites[959].y, 20.0 * 479.0);
    }
}

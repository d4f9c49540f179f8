//! Extracellular potential reports as BMTK writes them (`module: extracellular`, SONATA's
//! `lfp`/`ecp`): `/ecp/data` (time x channel, mV), `/ecp/channel_id`, `/ecp/time`
//! (start, stop, dt in ms); the electrode positions come from the CSV the config names in
//! `electrode_positions` (space separated: `channel x_pos y_pos z_pos`).
//!
//! Only the layout is read on open; traces are read from disk by channel.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::{Result, SonataError};
use super::h5util;
use super::reports::read_time_axis;
use super::text_file;
use super::types_csv::split_fields;

#[derive(Clone, Debug)]
pub struct EcpReport {
    /// The report's key in the simulation config.
    pub name: String,
    pub file: PathBuf,
    pub channel_ids: Vec<u64>,
    /// Per channel (in `channel_ids` order), when the electrode CSV was given and read.
    pub electrode_positions: Option<Vec<[f64; 3]>>,
    pub electrodes_file: Option<PathBuf>,
    /// start, stop, dt (ms).
    pub time: (f64, f64, f64),
    pub n_frames: usize,
    pub units: Option<String>,
    handle: hdf5::File,
}

/// Whether an h5 file holds BMTK's `/ecp` group.
pub fn is_ecp_file(path: &Path) -> bool {
    h5util::open_file(path).is_ok_and(|f| f.group("ecp").is_ok())
}

impl EcpReport {
    /// Opens the report `name` in `path`, with electrode positions from `electrodes` if given.
    pub fn open(name: &str, path: &Path, electrodes: Option<&Path>) -> Result<Self> {
        let file = h5util::open_file(path)?;
        let ecp = file.group("ecp").map_err(|_| {
            SonataError::invalid(path, "no '/ecp' group: not an extracellular report")
        })?;
        let data = h5util::dataset(path, &ecp, "data")?;
        h5util::check_declared_size(path, &data)?;
        let (n_frames, n_channels) = match data.shape().as_slice() {
            [t, c] => (*t, *c),
            _ => {
                return Err(SonataError::invalid(
                    path,
                    "'/ecp/data' must be 2-D (time x channel)",
                ));
            }
        };
        let channel_ids = match h5util::optional_dataset(path, &ecp, "channel_id")? {
            Some(ds) => h5util::read_u64s(path, &ds)?,
            None => (0..n_channels as u64).collect(),
        };
        if channel_ids.len() != n_channels {
            return Err(SonataError::invalid(
                path,
                format!(
                    "'/ecp/channel_id' has {} channels but '/ecp/data' has {n_channels} columns",
                    channel_ids.len()
                ),
            ));
        }
        let time = read_time_axis(path, &h5util::dataset(path, &ecp, "time")?)?;
        let electrode_positions = electrodes
            .map(|csv| electrode_positions(csv, &channel_ids))
            .transpose()?;
        Ok(Self {
            name: name.to_owned(),
            file: path.to_owned(),
            channel_ids,
            electrode_positions,
            electrodes_file: electrodes.map(Path::to_owned),
            time,
            n_frames,
            units: h5util::attr_text(path, &data, "units")?,
            handle: file,
        })
    }

    pub fn n_channels(&self) -> usize {
        self.channel_ids.len()
    }

    /// The trace of channel column `column` over `frames`, read from disk.
    pub fn read_trace(&self, column: usize, frames: Range<usize>) -> Result<Vec<f32>> {
        if column >= self.n_channels() {
            return Err(SonataError::invalid(
                &self.file,
                format!(
                    "channel column {column} is beyond the report's {} channels",
                    self.n_channels()
                ),
            ));
        }
        let end = frames.end.min(self.n_frames);
        let start = frames.start.min(end);
        let object = "/ecp/data";
        let ds = self
            .handle
            .dataset(object)
            .map_err(|e| h5util::h5err(&self.file, object, e))?;
        ds.read_slice_1d::<f32, _>(ndarray::s![start..end, column])
            .map(|a| a.to_vec())
            .map_err(|e| h5util::h5err(&self.file, object, e))
    }
}

/// Positions of `channels` from BMTK's electrode CSV (`channel x_pos y_pos z_pos`, space
/// separated). A channel the CSV lacks is an error naming it.
pub fn electrode_positions(csv: &Path, channels: &[u64]) -> Result<Vec<[f64; 3]>> {
    let lines = text_file::read_lines(csv)?;
    let mut lines = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let csv_err = |line: usize, message: String| SonataError::Csv {
        path: csv.to_owned(),
        line,
        message,
    };
    let Some((_, header)) = lines.next() else {
        return Err(csv_err(1, "empty file: a header row is required".into()));
    };
    let header = split_fields(header).map_err(|m| csv_err(1, m))?;
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(ch), Some(x), Some(y), Some(z)) = (
        column("channel"),
        column("x_pos"),
        column("y_pos"),
        column("z_pos"),
    ) else {
        return Err(csv_err(
            1,
            format!(
                "the header must name channel, x_pos, y_pos, z_pos (found: {})",
                header.join(" ")
            ),
        ));
    };
    let mut by_channel = std::collections::HashMap::new();
    for (i, line) in lines {
        let fields = split_fields(line).map_err(|m| csv_err(i + 1, m))?;
        if fields.len() != header.len() {
            return Err(csv_err(
                i + 1,
                format!(
                    "{} fields, but the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let number = |k: usize| -> Result<f64> {
            fields[k]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| csv_err(i + 1, format!("'{}' is not a finite number", fields[k])))
        };
        let channel = fields[ch]
            .parse::<u64>()
            .map_err(|_| csv_err(i + 1, format!("channel '{}' is not an integer", fields[ch])))?;
        by_channel.insert(channel, [number(x)?, number(y)?, number(z)?]);
    }
    channels
        .iter()
        .map(|c| {
            by_channel.get(c).copied().ok_or_else(|| {
                SonataError::invalid(csv, format!("has no row for channel {c} of the report"))
            })
        })
        .collect()
}

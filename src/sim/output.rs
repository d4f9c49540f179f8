//! SONATA spikes output, written whole or not at all (temporary file, then rename).
use std::path::Path;

use super::error::{SimError, SimResult};

/// How the spikes of a population are ordered in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    ByTime,
    ById,
    None,
}

impl SortOrder {
    /// From SONATA's `spikes_sort_order` ("time"/"by_time", "id"/"by_id", "none").
    pub fn parse(s: &str) -> Self {
        match s {
            "time" | "by_time" => SortOrder::ByTime,
            "id" | "by_id" | "node_id" => SortOrder::ById,
            _ => SortOrder::None,
        }
    }

    fn attr(self) -> &'static str {
        match self {
            SortOrder::ByTime => "by_time",
            SortOrder::ById => "by_id",
            SortOrder::None => "none",
        }
    }
}

/// Spikes of one population.
#[derive(Debug, Clone, Default)]
pub struct PopulationSpikes {
    pub name: String,
    pub node_ids: Vec<u64>,
    pub timestamps: Vec<f64>,
}

impl PopulationSpikes {
    /// Sort in place (ties broken by the other key).
    pub fn sort(&mut self, order: SortOrder) {
        let mut idx: Vec<usize> = (0..self.node_ids.len()).collect();
        match order {
            SortOrder::ByTime => idx.sort_by(|&a, &b| {
                self.timestamps[a]
                    .total_cmp(&self.timestamps[b])
                    .then(self.node_ids[a].cmp(&self.node_ids[b]))
            }),
            SortOrder::ById => idx.sort_by(|&a, &b| {
                self.node_ids[a]
                    .cmp(&self.node_ids[b])
                    .then(self.timestamps[a].total_cmp(&self.timestamps[b]))
            }),
            SortOrder::None => return,
        }
        self.node_ids = idx.iter().map(|&i| self.node_ids[i]).collect();
        self.timestamps = idx.iter().map(|&i| self.timestamps[i]).collect();
    }
}

fn h5err(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Write `/spikes/<population>/{node_ids,timestamps}` (SONATA 0.1, as BMTK writes it).
pub fn write_spikes(path: &Path, pops: &[PopulationSpikes], order: SortOrder) -> SimResult<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| h5err(path, e))?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "spikes.h5".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = write_to(&tmp, pops, order);
    match result {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| h5err(path, e)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn write_to(path: &Path, pops: &[PopulationSpikes], order: SortOrder) -> SimResult<()> {
    let e = |x: hdf5::Error| h5err(path, x);
    let f = hdf5::File::create(path).map_err(e)?;
    f.new_attr::<u32>()
        .create("magic")
        .and_then(|a| a.write_scalar(&0x0A7Au32))
        .map_err(e)?;
    f.new_attr::<u32>()
        .shape(2)
        .create("version")
        .and_then(|a| a.write(&[0u32, 1]))
        .map_err(e)?;
    let root = f.create_group("spikes").map_err(e)?;
    for p in pops {
        let mut p = p.clone();
        p.sort(order);
        let g = root.create_group(&p.name).map_err(e)?;
        let s: hdf5::types::VarLenUnicode = order
            .attr()
            .parse()
            .map_err(|x| h5err(path, format!("{x:?}")))?;
        g.new_attr::<hdf5::types::VarLenUnicode>()
            .create("sorting")
            .and_then(|a| a.write_scalar(&s))
            .map_err(e)?;
        g.new_dataset_builder()
            .with_data(&p.node_ids)
            .create("node_ids")
            .map_err(e)?;
        let ts = g
            .new_dataset_builder()
            .with_data(&p.timestamps)
            .create("timestamps")
            .map_err(e)?;
        let ms: hdf5::types::VarLenUnicode =
            "ms".parse().map_err(|x| h5err(path, format!("{x:?}")))?;
        ts.new_attr::<hdf5::types::VarLenUnicode>()
            .create("units")
            .and_then(|a| a.write_scalar(&ms))
            .map_err(e)?;
    }
    f.flush().map_err(e)?;
    Ok(())
}

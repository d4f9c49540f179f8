//! Writing SONATA frame reports of point neurons (one element, the soma, per node) block of
//! frames by block of frames, so a simulation can stream a report larger than memory; the file
//! appears whole (on [`FrameReportWriter::finish`]) or not at all.
//!
//! Layout per population (SONATA spec; what libsonata's `ElementReportReader`, BMTK's
//! `CompartmentReport` and our [`super::FrameReport`] read):
//! `/report/<pop>/data` f32 [frames x nodes] (attrs `units`, `variable`),
//! `mapping/node_ids` u64 (attr `sorted`), `mapping/index_pointers` u64 [nodes + 1] (also linked
//! as `index_pointer`, the name BMTK's reader looks up), `mapping/element_ids` u32 (0: the soma),
//! `mapping/element_pos` f64, `mapping/time` f64 [start, stop, dt] (right-open, attr `units`).
use std::path::Path;

use hdf5::types::VarLenUnicode;

use super::error::{Result, SonataError};
use super::h5util;
use crate::atomic_file::PendingFile;

/// One population of a report: its node ids, ascending.
#[derive(Debug, Clone)]
pub struct ReportPopulation {
    pub name: String,
    pub node_ids: Vec<u64>,
}

/// The time axis: `frames` frames at `start + i * dt` ms.
#[derive(Debug, Clone, Copy)]
pub struct ReportTimes {
    pub start: f64,
    pub dt: f64,
    pub frames: usize,
}

/// A report being written; dropped before `finish`, it leaves nothing behind.
pub struct FrameReportWriter {
    pending: PendingFile,
    file: hdf5::File,
    /// per population: the data set, its nodes, frames written so far
    data: Vec<(hdf5::Dataset, usize, usize)>,
    frames: usize,
}

fn text_attr(loc: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|_| hdf5::Error::from(format!("attribute {name}: not text")))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

/// Chunks of about 256 KiB, whole rows where the rows are short: a frame (all nodes at one
/// time) and a trace (one node over time) both read few chunks.
fn chunk_shape(frames: usize, nodes: usize) -> (usize, usize) {
    let cols = nodes.clamp(1, 4096);
    let rows = (65_536 / cols).clamp(1, frames.max(1));
    (rows, cols)
}

impl FrameReportWriter {
    /// Creates the report (under a temporary name) with its mappings and empty data.
    pub fn create(
        path: &Path,
        populations: &[ReportPopulation],
        times: ReportTimes,
        variable: &str,
        units: &str,
    ) -> Result<Self> {
        let pending = PendingFile::new(path).map_err(|e| SonataError::io(path, e))?;
        let tmp = pending.path().to_owned();
        let err = |object: &str, e: hdf5::Error| h5util::h5err(path, object, e);
        if populations.is_empty() {
            return Err(SonataError::invalid(path, "a report needs a population"));
        }
        let file = hdf5::File::create(&tmp).map_err(|e| err("/", e))?;
        let mut data = Vec::with_capacity(populations.len());
        for pop in populations {
            let g = format!("/report/{}", pop.name);
            let n = pop.node_ids.len();
            if pop.name.is_empty() || n == 0 {
                return Err(SonataError::invalid(
                    path,
                    format!("report population '{}' has no name or no node", pop.name),
                ));
            }
            let sorted = pop.node_ids.windows(2).all(|w| w[0] < w[1]);
            let group = file.create_group(&g).map_err(|e| err(&g, e))?;
            let mapping = group.create_group("mapping").map_err(|e| err(&g, e))?;
            let m = |what: &str, e: hdf5::Error| err(&format!("{g}/mapping/{what}"), e);
            let ids = mapping
                .new_dataset_builder()
                .with_data(&pop.node_ids)
                .create("node_ids")
                .map_err(|e| m("node_ids", e))?;
            ids.new_attr::<u8>()
                .create("sorted")
                .and_then(|a| a.write_scalar(&u8::from(sorted)))
                .map_err(|e| m("node_ids", e))?;
            let pointers: Vec<u64> = (0..=n as u64).collect();
            mapping
                .new_dataset_builder()
                .with_data(&pointers)
                .create("index_pointers")
                .map_err(|e| m("index_pointers", e))?;
            mapping
                .link_hard("index_pointers", "index_pointer")
                .map_err(|e| m("index_pointer", e))?;
            mapping
                .new_dataset_builder()
                .with_data(&vec![0u32; n])
                .create("element_ids")
                .map_err(|e| m("element_ids", e))?;
            mapping
                .new_dataset_builder()
                .with_data(&vec![0f64; n])
                .create("element_pos")
                .map_err(|e| m("element_pos", e))?;
            let stop = times.start + times.dt * times.frames as f64;
            let time = mapping
                .new_dataset_builder()
                .with_data(&[times.start, stop, times.dt])
                .create("time")
                .map_err(|e| m("time", e))?;
            text_attr(&time, "units", "ms").map_err(|e| m("time", e))?;
            let builder = group.new_dataset::<f32>().shape((times.frames, n));
            let builder = if times.frames > 0 {
                builder.chunk(chunk_shape(times.frames, n))
            } else {
                builder
            };
            let ds = builder
                .create("data")
                .map_err(|e| err(&format!("{g}/data"), e))?;
            text_attr(&ds, "units", units).map_err(|e| err(&format!("{g}/data"), e))?;
            text_attr(&ds, "variable", variable).map_err(|e| err(&format!("{g}/data"), e))?;
            data.push((ds, n, 0));
        }
        Ok(Self {
            pending,
            file,
            data,
            frames: times.frames,
        })
    }

    /// Appends frames to population `population`: `values` holds whole frames, one value per
    /// node in the order of its node ids.
    pub fn append(&mut self, population: usize, values: &[f32]) -> Result<()> {
        let path = self.pending.target().to_owned();
        let Some((ds, n, written)) = self.data.get_mut(population) else {
            return Err(SonataError::invalid(
                &path,
                format!("no report population {population}"),
            ));
        };
        if values.is_empty() {
            return Ok(());
        }
        let k = values.len() / *n;
        if k * *n != values.len() || *written + k > self.frames {
            return Err(SonataError::invalid(
                &path,
                format!(
                    "{} values are not whole frames of {n} nodes within the report's {} frames ({} written)",
                    values.len(),
                    self.frames,
                    written
                ),
            ));
        }
        let block = ndarray::ArrayView2::from_shape((k, *n), values)
            .map_err(|e| SonataError::invalid(&path, e.to_string()))?;
        ds.write_slice(block, ndarray::s![*written..*written + k, ..])
            .map_err(|e| h5util::h5err(&path, &ds.name(), e))?;
        *written += k;
        Ok(())
    }

    /// Checks that every frame was written, closes the file and puts it in place.
    pub fn finish(self) -> Result<()> {
        let path = self.pending.target().to_owned();
        self.close()?
            .commit()
            .map_err(|e| SonataError::io(&path, e))
    }

    /// Checks that every frame was written and closes the file, still under its temporary
    /// name: the caller commits it (with the other outputs of the same run).
    pub fn close(self) -> Result<PendingFile> {
        let path = self.pending.target().to_owned();
        if let Some((ds, _, written)) = self.data.iter().find(|(_, _, w)| *w != self.frames) {
            return Err(SonataError::invalid(
                &path,
                format!("{}: {written} of {} frames written", ds.name(), self.frames),
            ));
        }
        self.file
            .flush()
            .map_err(|e| h5util::h5err(&path, "/", e))?;
        drop(self.data);
        drop(self.file);
        Ok(self.pending)
    }
}

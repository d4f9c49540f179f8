//! Frame reports (compartment and soma): `/report/<population>/data` (time x element) with
//! `mapping/{node_ids, index_pointers | index_pointer, element_ids, time}`, and BMTK's older
//! "cellvar" layout (`/mapping/{gids, index_pointer, element_id}` + `/<variable>/data`).
//!
//! Only the mapping is read on open; frames are read by time index or window from disk, so a
//! report larger than memory can be played.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::{Result, SonataError};
use super::h5util;

#[derive(Clone, Debug)]
pub struct FrameReport {
    pub file: PathBuf,
    /// The report's name: its key in the simulation config's `reports`, else the file's stem.
    pub name: String,
    /// The `variable_name` the simulation config gives the report, if any.
    pub variable_name: Option<String>,
    pub population: String,
    /// Name of the recorded variable when the file says (`variable` attribute or old-layout
    /// group name).
    pub variable: Option<String>,
    pub units: Option<String>,
    pub node_ids: Vec<u64>,
    /// CSR offsets into the elements: node i has elements `index_pointers[i]..index_pointers[i+1]`
    /// (always N+1 entries here, whatever the file held).
    pub index_pointers: Vec<u64>,
    pub element_ids: Vec<u64>,
    /// Each element's position along its section (0..1, NEURON's `x`); empty when the file
    /// has none.
    pub element_pos: Vec<f64>,
    /// start, stop, dt (ms) when the file has `mapping/time`.
    pub time: Option<(f64, f64, f64)>,
    pub n_frames: usize,
    data_path: String,
    handle: hdf5::File,
}

/// Opens every report population in a file (malformed ones skipped with a warning while
/// another one opens).
pub fn read_reports(path: &Path) -> Result<(Vec<FrameReport>, Vec<String>)> {
    let file = h5util::open_file(path)?;
    if let Ok(report) = file.group("report") {
        let names = h5util::subgroup_names(&report);
        if names.is_empty() {
            return Err(SonataError::invalid(path, "'/report' holds no population"));
        }
        let (reports, mut warnings) = super::tolerant::load_tolerant(
            names
                .iter()
                .map(|name| FrameReport::open_population(path, &file, name)),
        )?;
        warnings.extend(h5util::unreadable_members_warning(path, &report));
        return Ok((reports, warnings));
    }
    if file.group("ecp").is_ok() {
        return Err(SonataError::invalid(
            path,
            "an extracellular (ecp) report, not a frame report: open it through the simulation config that names its electrode_positions",
        ));
    }
    if file.group("mapping").is_ok() {
        return Ok((vec![FrameReport::open_cellvar(path, &file)?], Vec::new()));
    }
    Err(SonataError::invalid(
        path,
        "no '/report' or '/mapping' group: not a frame report",
    ))
}

/// The name of a report opened by itself: its file's stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A report's `start, stop, dt` (ms), checked: finite, dt > 0, stop >= start. A time axis
/// that is none of these would place every frame wrongly, so it is an error naming the dataset.
pub fn read_time_axis(path: &Path, ds: &hdf5::Dataset) -> Result<(f64, f64, f64)> {
    let t = h5util::read_f64s(path, ds)?;
    let object = ds.name();
    let [start, stop, dt] = t[..] else {
        return Err(SonataError::invalid(
            path,
            format!(
                "'{object}' must hold start, stop, dt (found {} values)",
                t.len()
            ),
        ));
    };
    let problem = if !(start.is_finite() && stop.is_finite() && dt.is_finite()) {
        Some("is not finite")
    } else if dt <= 0.0 {
        Some("has dt <= 0")
    } else if stop < start {
        Some("runs backwards (stop before start)")
    } else {
        None
    };
    match problem {
        Some(p) => Err(SonataError::invalid(
            path,
            format!("the time axis '{object}' = [{start}, {stop}, {dt}] {p}"),
        )),
        None => Ok((start, stop, dt)),
    }
}

/// The 2-D (or 1-D) shape of a report's data as (frames, elements), its declared size
/// checked against what the file stores.
fn frames_and_elements(path: &Path, data: &hdf5::Dataset) -> Result<(usize, usize)> {
    h5util::check_declared_size(path, data)?;
    match data.shape().as_slice() {
        [t, e] => Ok((*t, *e)),
        [t] => Ok((*t, 1)),
        _ => Err(SonataError::invalid(
            path,
            format!("'{}' must be 1-D or 2-D", data.name()),
        )),
    }
}

fn normalise_pointers(
    path: &Path,
    mut ptr: Vec<u64>,
    n_nodes: usize,
    n_elements: usize,
) -> Result<Vec<u64>> {
    if ptr.len() == n_nodes {
        ptr.push(n_elements as u64);
    }
    if ptr.len() != n_nodes + 1 {
        return Err(SonataError::invalid(
            path,
            format!(
                "index_pointers has {} entries for {n_nodes} nodes (expected N or N+1)",
                ptr.len()
            ),
        ));
    }
    if ptr.windows(2).any(|w| w[0] > w[1]) || ptr.last().is_some_and(|&l| l as usize > n_elements) {
        return Err(SonataError::invalid(
            path,
            "index_pointers are not ascending within the elements",
        ));
    }
    Ok(ptr)
}

impl FrameReport {
    fn open_population(path: &Path, file: &hdf5::File, name: &str) -> Result<Self> {
        let group = file
            .group(&format!("report/{name}"))
            .map_err(|e| h5util::h5err(path, &format!("/report/{name}"), e))?;
        let mapping = group.group("mapping").map_err(|_| {
            SonataError::invalid(path, format!("'/report/{name}' has no 'mapping'"))
        })?;
        let data = h5util::dataset(path, &group, "data")?;
        let (n_frames, n_elements) = frames_and_elements(path, &data)?;
        let node_ids = h5util::read_u64s(path, &h5util::dataset(path, &mapping, "node_ids")?)?;
        let ptr_ds =
            h5util::optional_dataset_of(path, &mapping, &["index_pointers", "index_pointer"])?
                .ok_or_else(|| {
                    SonataError::invalid(
                        path,
                        format!("'/report/{name}/mapping' has no index_pointers"),
                    )
                })?;
        let element_ids =
            match h5util::optional_dataset_of(path, &mapping, &["element_ids", "element_id"])? {
                Some(ds) => h5util::read_u64s(path, &ds)?,
                None => Vec::new(),
            };
        if !element_ids.is_empty() && element_ids.len() != n_elements {
            return Err(SonataError::invalid(
                path,
                format!(
                    "{} element_ids but data has {n_elements} columns",
                    element_ids.len()
                ),
            ));
        }
        let index_pointers = normalise_pointers(
            path,
            h5util::read_u64s(path, &ptr_ds)?,
            node_ids.len(),
            n_elements,
        )?;
        let element_pos = match h5util::optional_dataset(path, &mapping, "element_pos")? {
            Some(ds) => h5util::read_f64s(path, &ds)?,
            None => Vec::new(),
        };
        if !element_pos.is_empty() && element_pos.len() != n_elements {
            return Err(SonataError::invalid(
                path,
                format!(
                    "{} element_pos but data has {n_elements} columns",
                    element_pos.len()
                ),
            ));
        }
        let time = h5util::optional_dataset(path, &mapping, "time")?
            .map(|ds| read_time_axis(path, &ds))
            .transpose()?;
        Ok(Self {
            file: path.to_owned(),
            name: stem(path),
            variable_name: None,
            population: name.to_owned(),
            variable: h5util::attr_text(path, &data, "variable")?,
            units: h5util::attr_text(path, &data, "units")?,
            node_ids,
            index_pointers,
            element_ids,
            element_pos,
            time,
            n_frames,
            data_path: format!("report/{name}/data"),
            handle: file.clone(),
        })
    }

    fn open_cellvar(path: &Path, file: &hdf5::File) -> Result<Self> {
        let mapping = file
            .group("mapping")
            .map_err(|e| h5util::h5err(path, "/mapping", e))?;
        let node_ids = h5util::read_u64s(path, &h5util::dataset(path, &mapping, "gids")?)?;
        let element_ids =
            match h5util::optional_dataset_of(path, &mapping, &["element_id", "element_ids"])? {
                Some(ds) => h5util::read_u64s(path, &ds)?,
                None => Vec::new(),
            };
        let variable = h5util::subgroup_names(file)
            .into_iter()
            .find(|g| g != "mapping" && file.dataset(&format!("{g}/data")).is_ok())
            .ok_or_else(|| {
                SonataError::invalid(
                    path,
                    "old report layout without a '<variable>/data' dataset",
                )
            })?;
        let data = h5util::dataset(
            path,
            &file
                .group(&variable)
                .map_err(|e| h5util::h5err(path, &variable, e))?,
            "data",
        )?;
        let (n_frames, n_elements) = frames_and_elements(path, &data)?;
        let ptr = h5util::read_u64s(path, &h5util::dataset(path, &mapping, "index_pointer")?)?;
        let index_pointers = normalise_pointers(path, ptr, node_ids.len(), n_elements)?;
        // The old layout's `time` is not always start, stop, dt: only that form is read.
        let time = match h5util::optional_dataset(path, &mapping, "time")? {
            Some(ds) if ds.size() == 3 => Some(read_time_axis(path, &ds)?),
            _ => None,
        };
        Ok(Self {
            file: path.to_owned(),
            name: stem(path),
            variable_name: None,
            population: String::new(),
            variable: Some(variable.clone()),
            units: None,
            node_ids,
            index_pointers,
            element_ids,
            element_pos: Vec::new(),
            time,
            n_frames,
            data_path: format!("{variable}/data"),
            handle: file.clone(),
        })
    }

    pub fn n_nodes(&self) -> usize {
        self.node_ids.len()
    }

    pub fn n_elements(&self) -> usize {
        self.index_pointers.last().copied().unwrap_or(0) as usize
    }

    /// Element columns of a node, if the report holds it.
    pub fn elements_of(&self, node_id: u64) -> Option<Range<usize>> {
        let i = self.node_ids.iter().position(|&n| n == node_id)?;
        Some(self.index_pointers[i] as usize..self.index_pointers[i + 1] as usize)
    }

    /// Time (ms) of frame `i`.
    pub fn frame_time(&self, i: usize) -> Option<f64> {
        self.time.map(|(start, _, dt)| start + dt * i as f64)
    }

    /// The frame at or just before time `t` (ms), clamped to the report.
    pub fn frame_at(&self, t: f64) -> Option<usize> {
        let (start, _, dt) = self.time?;
        if self.n_frames == 0 || dt <= 0.0 {
            return None;
        }
        let i = ((t - start) / dt + 1e-9).floor();
        Some((i.max(0.0) as usize).min(self.n_frames - 1))
    }

    fn dataset(&self) -> Result<hdf5::Dataset> {
        self.handle
            .dataset(&self.data_path)
            .map_err(|e| h5util::h5err(&self.file, &self.data_path, e))
    }

    /// Frames `frames` (rows of data), each with every element; read from disk.
    pub fn read_frames(&self, frames: Range<usize>) -> Result<Vec<Vec<f32>>> {
        let end = frames.end.min(self.n_frames);
        if frames.start >= end {
            return Ok(Vec::new());
        }
        let ds = self.dataset()?;
        let err = |e: hdf5::Error| h5util::h5err(&self.file, &self.data_path, e);
        if ds.ndim() == 1 {
            let v = ds
                .read_slice_1d::<f32, _>(ndarray::s![frames.start..end])
                .map_err(err)?;
            return Ok(v.iter().map(|&x| vec![x]).collect());
        }
        let block = ds
            .read_slice_2d::<f32, _>(ndarray::s![frames.start..end, ..])
            .map_err(err)?;
        Ok(block.outer_iter().map(|row| row.to_vec()).collect())
    }

    pub fn read_frame(&self, i: usize) -> Result<Vec<f32>> {
        self.read_frames(i..i + 1)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                SonataError::invalid(
                    &self.file,
                    format!("frame {i} is beyond the report's {} frames", self.n_frames),
                )
            })
    }

    /// One element column over `frames`, every `step`-th frame (a trace: `step` > 1 thins a
    /// long report to what a plot can show); read from disk.
    pub fn read_column(
        &self,
        frames: Range<usize>,
        step: usize,
        column: usize,
    ) -> Result<Vec<f32>> {
        let end = frames.end.min(self.n_frames);
        if frames.start >= end {
            return Ok(Vec::new());
        }
        if column >= self.n_elements().max(1) {
            return Err(SonataError::invalid(
                &self.file,
                format!(
                    "column {column} is beyond the report's {} elements",
                    self.n_elements()
                ),
            ));
        }
        let step = step.max(1);
        let ds = self.dataset()?;
        let err = |e: hdf5::Error| h5util::h5err(&self.file, &self.data_path, e);
        let v = if ds.ndim() == 1 {
            ds.read_slice_1d::<f32, _>(ndarray::s![frames.start..end;step])
                .map_err(err)?
        } else {
            ds.read_slice_1d::<f32, _>(ndarray::s![frames.start..end;step, column])
                .map_err(err)?
        };
        Ok(v.to_vec())
    }

    /// The frames with `t0 <= t < t1`.
    pub fn read_window(&self, t0: f64, t1: f64) -> Result<(Range<usize>, Vec<Vec<f32>>)> {
        let (start, _, dt) = self.time.ok_or_else(|| {
            SonataError::invalid(&self.file, "the report has no time axis (mapping/time)")
        })?;
        let a = ((t0 - start) / dt).ceil().max(0.0) as usize;
        let b = (((t1 - start) / dt).ceil().max(0.0) as usize).min(self.n_frames);
        let frames = a.min(b)..b;
        Ok((frames.clone(), self.read_frames(frames)?))
    }
}

//! MorphIO HDF5 v1 reader (`morphologyHDF5.cpp`): `/points` (x, y, z, diameter),
//! `/structure` (first point, type, parent structure row), the soma as structure row 0.
//! `/perimeters` (v1.1) is read when present. Soma kinds as MorphIO: no points undefined,
//! one point an error, two points undefined, three or more a contour.

use std::path::Path;

use ndarray::Array2;

use super::error::{MorphologyError, Result};
use super::{Morphology, Section, SectionType, Soma, SomaKind};

/// Whether an HDF5 file looks like a MorphIO morphology (`/points` and `/structure`).
pub fn is_morphology_h5(path: &Path) -> bool {
    hdf5::File::open(path)
        .map(|f| f.link_exists("points") && f.link_exists("structure"))
        .unwrap_or(false)
}

/// Reads a MorphIO H5 v1 morphology.
pub fn read(path: &Path) -> Result<Morphology> {
    if !path.exists() {
        return Err(MorphologyError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
        });
    }
    let file = hdf5::File::open(path).map_err(|e| MorphologyError::hdf5(path, "/", e))?;
    if !file.link_exists("points") || !file.link_exists("structure") {
        let hint = if file.link_exists("neuron1") {
            " (this is the older H5 v2 layout, which is not supported)"
        } else {
            ""
        };
        return Err(MorphologyError::invalid(
            path,
            format!("no /points and /structure datasets: not a MorphIO H5 v1 morphology{hint}"),
        ));
    }
    let points = read_2d::<f64>(path, &file, "points", 4)?;
    let structure = read_2d::<i64>(path, &file, "structure", 3)?;
    let perimeters = if file.link_exists("perimeters") {
        Some(
            file.dataset("perimeters")
                .and_then(|d| d.read_raw::<f64>())
                .map_err(|e| MorphologyError::hdf5(path, "perimeters", e))?,
        )
    } else {
        None
    };
    build(path, &points, &structure, perimeters.as_deref())
}

fn read_2d<T: hdf5::H5Type + Clone>(
    path: &Path,
    file: &hdf5::File,
    name: &str,
    columns: usize,
) -> Result<Array2<T>> {
    let ds = file
        .dataset(name)
        .map_err(|e| MorphologyError::hdf5(path, name, e))?;
    let shape = ds.shape();
    if shape.len() != 2 || shape[1] != columns {
        return Err(MorphologyError::invalid(
            path,
            format!("/{name} has shape {shape:?}, expected N x {columns}"),
        ));
    }
    ds.read_2d::<T>()
        .map_err(|e| MorphologyError::hdf5(path, name, e))
}

fn build(
    path: &Path,
    points: &Array2<f64>,
    structure: &Array2<i64>,
    perimeters: Option<&[f64]>,
) -> Result<Morphology> {
    let n_points = points.nrows();
    if let Some(p) = perimeters
        && p.len() != n_points
    {
        return Err(MorphologyError::invalid(
            path,
            format!("/perimeters has {} values for {n_points} points", p.len()),
        ));
    }
    let rows = structure.nrows();
    let has_soma = rows > 0 && structure[[0, 1]] == i64::from(SectionType::SOMA.0);
    // Point ranges of each structure row.
    let offset = |row: usize| -> Result<usize> {
        let v = structure[[row, 0]];
        usize::try_from(v)
            .ok()
            .filter(|&o| o <= n_points)
            .ok_or_else(|| {
                MorphologyError::invalid(
                    path,
                    format!("/structure row {row}: offset {v} outside 0..={n_points}"),
                )
            })
    };
    let end_of = |row: usize| -> Result<usize> {
        if row + 1 < rows {
            offset(row + 1)
        } else {
            Ok(n_points)
        }
    };
    let point = |i: usize| [points[[i, 0]], points[[i, 1]], points[[i, 2]]].map(|v| v as f32);
    let radius = |i: usize| (points[[i, 3]] / 2.0) as f32;

    let mut warnings = Vec::new();
    let soma = if has_soma {
        let (start, end) = (offset(0)?, end_of(0)?);
        let pts: Vec<[f32; 3]> = (start..end).map(point).collect();
        let kind = match pts.len() {
            0 | 2 => SomaKind::Undefined,
            1 => {
                return Err(MorphologyError::invalid(
                    path,
                    "soma contour with a single point is not valid (MorphIO refuses it too)",
                ));
            }
            _ => SomaKind::SimpleContour,
        };
        Soma {
            kind,
            radii: (start..end).map(radius).collect(),
            points: pts,
        }
    } else {
        Soma {
            kind: SomaKind::Undefined,
            points: Vec::new(),
            radii: Vec::new(),
        }
    };
    if soma.points.is_empty() {
        warnings.push(format!("{}: no soma found", path.display()));
    }

    let first = usize::from(has_soma);
    let mut sections = Vec::with_capacity(rows.saturating_sub(first));
    for row in first..rows {
        let raw_type = structure[[row, 1]];
        let section_type = SectionType::from_raw(raw_type)
            .filter(|t| *t != SectionType::SOMA)
            .ok_or_else(|| {
                MorphologyError::invalid(
                    path,
                    format!("/structure row {row}: section type {raw_type} (soma must be row 0 and alone; types 2..=19)"),
                )
            })?;
        let raw_parent = structure[[row, 2]];
        let parent = if raw_parent < 0 || (has_soma && raw_parent == 0) {
            None
        } else {
            let p = raw_parent as usize;
            if p >= row || p < first {
                return Err(MorphologyError::invalid(
                    path,
                    format!("/structure row {row}: parent {raw_parent} does not come before it"),
                ));
            }
            Some(p - first)
        };
        let (start, end) = (offset(row)?, end_of(row)?);
        if end < start {
            return Err(MorphologyError::invalid(
                path,
                format!("/structure row {row}: offsets are not increasing"),
            ));
        }
        sections.push(Section {
            section_type,
            parent,
            points: (start..end).map(point).collect(),
            radii: (start..end).map(radius).collect(),
        });
    }
    Ok(Morphology {
        soma,
        sections,
        warnings,
    })
}

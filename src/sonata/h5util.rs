//! Typed reads of HDF5 datasets and attributes whatever their stored width, sign or string kind.
//!
//! SONATA writers disagree on dtypes (uint16 to int64, f32 or f64, fixed or variable length
//! strings, enums or strings for `sorting`), so every read goes through here and comes out as
//! `i64`, `u64`, `f64` or `String`.

use std::path::Path;

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};

use super::error::{Result, SonataError};

/// Values of one dataset, widened to a few types.
#[derive(Clone, Debug)]
pub enum RawValues {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<String>),
}

impl RawValues {
    pub fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Float(v) => v.len(),
            Self::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Opens an HDF5 file for reading, with an error that says what is wrong with it.
pub fn open_file(path: &Path) -> Result<hdf5::File> {
    if !path.exists() {
        return Err(SonataError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
        ));
    }
    hdf5::File::open(path).map_err(|err| {
        SonataError::invalid(
            path,
            format!(
                "not a readable HDF5 file (truncated or not HDF5?): {}",
                first_line(&err)
            ),
        )
    })
}

fn first_line(err: &impl std::fmt::Display) -> String {
    err.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub fn h5err(path: &Path, object: &str, err: impl std::fmt::Display) -> SonataError {
    SonataError::hdf5(path, object, first_line(&err))
}

/// Logical sizes above this are compared with what the file stores before anything is read.
const CHECKED_ABOVE_BYTES: u64 = 64 << 20;

/// No compression HDF5 offers shrinks data by more than this (zlib's bound is about 1032:1):
/// a dataset declaring more is claiming rows the file does not hold.
const MAX_COMPRESSION_RATIO: u64 = 1100;

/// Refuses a dataset whose declared size the file cannot hold (a few kB declaring 10^9 rows)
/// before memory is allocated for it.
pub fn check_declared_size(path: &Path, ds: &hdf5::Dataset) -> Result<()> {
    let rows = ds.shape().first().copied().unwrap_or(1) as u64;
    let element = ds.dtype().map(|t| t.size() as u64).unwrap_or(8).max(1);
    let declared = (ds.size() as u64).saturating_mul(element);
    if declared <= CHECKED_ABOVE_BYTES {
        return Ok(());
    }
    let stored = ds.storage_size();
    if declared / MAX_COMPRESSION_RATIO > stored {
        return Err(SonataError::invalid(
            path,
            format!(
                "dataset '{}' declares {rows} rows ({}) but the file stores only {} for it",
                ds.name(),
                human_bytes(declared),
                human_bytes(stored)
            ),
        ));
    }
    Ok(())
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Reads a 1-D (or scalar) dataset of any numeric or string type.
pub fn read_values(path: &Path, ds: &hdf5::Dataset) -> Result<RawValues> {
    let name = ds.name();
    let desc = ds
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(|e| h5err(path, &name, e))?;
    check_declared_size(path, ds)?;
    if ds.ndim() > 1 {
        return Err(SonataError::invalid(
            path,
            format!("dataset '{name}' has {} dimensions, expected 1", ds.ndim()),
        ));
    }
    read_with_descriptor(path, ds, &name, &desc)
}

fn read_with_descriptor(
    path: &Path,
    ds: &hdf5::Container,
    name: &str,
    desc: &TypeDescriptor,
) -> Result<RawValues> {
    let err = |e: hdf5::Error| h5err(path, name, e);
    Ok(match desc {
        TypeDescriptor::Integer(_) | TypeDescriptor::Boolean => {
            RawValues::Int(ds.read_raw::<i64>().map_err(err)?)
        }
        TypeDescriptor::Unsigned(_) => {
            let values = ds.read_raw::<u64>().map_err(err)?;
            RawValues::Int(u64s_to_i64s(path, name, values)?)
        }
        TypeDescriptor::Enum(enum_type) => {
            // Numeric conversion of enums is supported by HDF5 (enum -> integer).
            let codes = if enum_type.signed {
                ds.as_reader()
                    .conversion(hdf5::datatype::Conversion::Soft)
                    .read_raw::<i64>()
                    .map_err(err)?
            } else {
                ds.as_reader()
                    .conversion(hdf5::datatype::Conversion::Soft)
                    .read_raw::<u64>()
                    .map_err(err)?
                    .into_iter()
                    .map(|v| v as i64)
                    .collect()
            };
            let names = codes
                .iter()
                .map(|&c| {
                    enum_type
                        .members
                        .iter()
                        .find(|m| m.value as i64 == c)
                        .map(|m| m.name.clone())
                        .unwrap_or_else(|| c.to_string())
                })
                .collect();
            RawValues::Text(names)
        }
        TypeDescriptor::Float(_) => RawValues::Float(ds.read_raw::<f64>().map_err(err)?),
        TypeDescriptor::VarLenUnicode => RawValues::Text(
            ds.read_raw::<VarLenUnicode>()
                .map_err(err)?
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        ),
        TypeDescriptor::VarLenAscii => RawValues::Text(
            ds.read_raw::<VarLenAscii>()
                .map_err(err)?
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        ),
        TypeDescriptor::FixedAscii(n) => {
            RawValues::Text(fixed_strings(ds, *n, false).map_err(err)?)
        }
        TypeDescriptor::FixedUnicode(n) => {
            RawValues::Text(fixed_strings(ds, *n, true).map_err(err)?)
        }
        other => {
            return Err(SonataError::invalid(
                path,
                format!("dataset '{name}' has an unsupported type {other:?}"),
            ));
        }
    })
}

fn u64s_to_i64s(path: &Path, name: &str, values: Vec<u64>) -> Result<Vec<i64>> {
    if let Some(bad) = values.iter().find(|&&v| v > i64::MAX as u64) {
        return Err(SonataError::invalid(
            path,
            format!("dataset '{name}' holds {bad}, larger than any node or edge id can be"),
        ));
    }
    Ok(values.into_iter().map(|v| v as i64).collect())
}

/// Fixed-length strings of any length: read into the smallest fixed buffer that holds them
/// (HDF5 converts between fixed string lengths of the same character set).
fn fixed_strings(c: &hdf5::Container, n: usize, unicode: bool) -> hdf5::Result<Vec<String>> {
    fn clean(s: &str) -> String {
        s.trim_end_matches('\0').to_owned()
    }
    macro_rules! try_sizes {
        ($($size:literal),*) => {
            $(
                if n <= $size {
                    return if unicode {
                        Ok(c.read_raw::<FixedUnicode<$size>>()?.iter().map(|s| clean(s.as_str())).collect())
                    } else {
                        Ok(c.read_raw::<FixedAscii<$size>>()?.iter().map(|s| clean(s.as_str())).collect())
                    };
                }
            )*
        };
    }
    try_sizes!(8, 16, 32, 64, 128, 256, 1024, 4096, 65536);
    Err(hdf5::Error::from(format!(
        "fixed-length strings of {n} bytes are longer than supported"
    )))
}

/// Reads an attribute of `obj` as text (strings of any kind, enums by member name, numbers
/// formatted). `Ok(None)` when the attribute does not exist.
pub fn attr_text(path: &Path, obj: &hdf5::Location, name: &str) -> Result<Option<String>> {
    let Ok(attr) = obj.attr(name) else {
        return Ok(None);
    };
    let object = format!("{}@{name}", obj.name());
    let desc = attr
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(|e| h5err(path, &object, e))?;
    let values = read_with_descriptor(path, &attr, &object, &desc)?;
    Ok(match values {
        RawValues::Text(v) => v.into_iter().next(),
        RawValues::Int(v) => v.first().map(|x| x.to_string()),
        RawValues::Float(v) => v.first().map(|x| x.to_string()),
    })
}

/// Reads a 1-D integer dataset as `u64` (ids, counts, offsets), rejecting negative values.
pub fn read_u64s(path: &Path, ds: &hdf5::Dataset) -> Result<Vec<u64>> {
    // Unsigned integers need no check: read them straight into u64.
    if ds.ndim() <= 1
        && let Ok(TypeDescriptor::Unsigned(_)) = ds.dtype().and_then(|t| t.to_descriptor())
    {
        check_declared_size(path, ds)?;
        return ds.read_raw::<u64>().map_err(|e| h5err(path, &ds.name(), e));
    }
    match read_values(path, ds)? {
        RawValues::Int(v) => {
            if let Some(bad) = v.iter().find(|&&x| x < 0) {
                return Err(SonataError::invalid(
                    path,
                    format!(
                        "dataset '{}' holds the negative value {bad} where ids are expected",
                        ds.name()
                    ),
                ));
            }
            Ok(v.into_iter().map(|x| x as u64).collect())
        }
        _ => Err(SonataError::invalid(
            path,
            format!("dataset '{}' should hold integers", ds.name()),
        )),
    }
}

/// Reads a numeric dataset as `f64`.
pub fn read_f64s(path: &Path, ds: &hdf5::Dataset) -> Result<Vec<f64>> {
    match read_values(path, ds)? {
        RawValues::Float(v) => Ok(v),
        RawValues::Int(v) => Ok(v.into_iter().map(|x| x as f64).collect()),
        RawValues::Text(_) => Err(SonataError::invalid(
            path,
            format!(
                "dataset '{}' holds strings where numbers are expected",
                ds.name()
            ),
        )),
    }
}

/// Opens a dataset, with an error that names the file and the dataset.
pub fn dataset(path: &Path, group: &hdf5::Group, name: &str) -> Result<hdf5::Dataset> {
    optional_dataset(path, group, name)?.ok_or_else(|| {
        SonataError::invalid(
            path,
            format!(
                "missing dataset '{}/{name}'",
                group.name().trim_end_matches('/')
            ),
        )
    })
}

/// A dataset that may be absent: `Ok(None)` when no link of that name exists, an error when
/// one exists but cannot be opened (a dangling soft or external link, an I/O error), so an
/// unreadable dataset is never taken for an absent one.
pub fn optional_dataset(
    path: &Path,
    group: &hdf5::Group,
    name: &str,
) -> Result<Option<hdf5::Dataset>> {
    if !link_exists(group, name) {
        return Ok(None);
    }
    group.dataset(name).map(Some).map_err(|e| {
        SonataError::invalid(
            path,
            format!(
                "'{}/{name}' exists but cannot be read (a broken link?): {}",
                group.name().trim_end_matches('/'),
                first_line(&e)
            ),
        )
    })
}

/// Whether a link exists at `name` (a path of one or more parts), dangling or not.
fn link_exists(group: &hdf5::Group, name: &str) -> bool {
    // H5Lexists needs every intermediate part to exist.
    let mut prefix = String::new();
    for part in name.split('/').filter(|p| !p.is_empty()) {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if !group.link_exists(&prefix) {
            return false;
        }
    }
    !prefix.is_empty()
}

/// The first of `names` that exists as a dataset, under the same rule as `optional_dataset`.
pub fn optional_dataset_of(
    path: &Path,
    group: &hdf5::Group,
    names: &[&str],
) -> Result<Option<hdf5::Dataset>> {
    for name in names {
        if let Some(ds) = optional_dataset(path, group, name)? {
            return Ok(Some(ds));
        }
    }
    Ok(None)
}

/// Members of a group that are neither a readable group nor a readable dataset: dangling soft
/// links, external links to missing files, ... (sorted). Such a member is never dropped silently.
pub fn unreadable_members(group: &hdf5::Group) -> Vec<String> {
    let mut names: Vec<String> = group
        .member_names()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| group.group(n).is_err() && group.dataset(n).is_err())
        .collect();
    names.sort();
    names
}

/// What is wrong with a group's unreadable members, if it has any.
pub fn unreadable_members_text(group: &hdf5::Group) -> Option<String> {
    let broken = unreadable_members(group);
    if broken.is_empty() {
        return None;
    }
    let base = group.name();
    let base = base.trim_end_matches('/');
    let listed: Vec<String> = broken.iter().map(|n| format!("'{base}/{n}'")).collect();
    Some(format!(
        "{} cannot be opened (broken soft or external link?)",
        listed.join(", ")
    ))
}

/// The warning for a group's unreadable members (they are skipped), if it has any.
pub fn unreadable_members_warning(path: &Path, group: &hdf5::Group) -> Option<String> {
    unreadable_members_text(group).map(|text| format!("{}: {text}: skipped", path.display()))
}

/// Populations under `/<kind>` (`nodes` or `edges`) of a SONATA file, sorted.
pub fn population_names(path: &Path, kind: &str) -> Result<Vec<String>> {
    let file = open_file(path)?;
    let group = file.group(kind).map_err(|_| {
        SonataError::invalid(
            path,
            format!("no '/{kind}' group: not a SONATA {kind} file"),
        )
    })?;
    Ok(subgroup_names(&group))
}

/// The population `name` under `/{kind}` of an open file, or an error listing the ones there.
pub fn population_group(
    file: &hdf5::File,
    path: &Path,
    kind: &str,
    name: &str,
) -> Result<hdf5::Group> {
    file.group(&format!("{kind}/{name}"))
        .map_err(|_| SonataError::NoPopulation {
            path: path.to_owned(),
            name: name.to_owned(),
            available: file
                .group(kind)
                .map(|g| subgroup_names(&g).join(", "))
                .unwrap_or_default(),
        })
}

/// Names of the members of a group that are groups (sorted).
pub fn subgroup_names(group: &hdf5::Group) -> Vec<String> {
    let mut names: Vec<String> = group
        .member_names()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| group.group(n).is_ok())
        .collect();
    names.sort();
    names
}

/// Names of the members of a group that are datasets (sorted).
pub fn dataset_names(group: &hdf5::Group) -> Vec<String> {
    let mut names: Vec<String> = group
        .member_names()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| group.dataset(n).is_ok())
        .collect();
    names.sort();
    names
}

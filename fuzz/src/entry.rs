//! The fuzzing entry points: each takes arbitrary bytes, feeds them to one parser (as text, or as
//! an HDF5 file whose structure the bytes choose) and goes on through what uses the parsed
//! result. Errors are the expected outcome; a panic, an abort, a hang or a blow-up is a bug.
//!
//! Shared by the libFuzzer targets (`fuzz/fuzz_targets/`) and by `tests/fuzz_regressions.rs`,
//! which replays the committed crashers through these same functions without the fuzzer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cortexview::morphology::mesh::{TubeOptions, line_mesh, tube_mesh};
use cortexview::morphology::simplify::simplified;
use cortexview::morphology::{Morphology, h5 as morphology_h5, swc};
use cortexview::sonata::config::read_configs;
use cortexview::sonata::reports::read_reports;
use cortexview::sonata::selection_language;
use cortexview::sonata::spikes::{read_spikes_csv, read_spikes_h5};
use cortexview::sonata::{Circuit, NodePopulation, NodeSets, SortOrder, SpikeIndex, TypesTable};

/// A fuzz target: arbitrary bytes in, nothing out (it must return).
pub type Target = fn(&[u8]);

/// Every entry point by its target name, for the regression replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("config", config),
    ("types_csv", types_csv),
    ("node_sets", node_sets),
    ("selection", selection),
    ("swc", swc),
    ("morphology_h5", morphology_h5),
    ("spikes_h5", spikes_h5),
    ("spikes_csv", spikes_csv),
    ("report_h5", report_h5),
];

// ---------------------------------------------------------------------------------------------
// Text inputs

/// A SONATA config (circuit, simulation or BMTK's `config.json`) with its manifest expansion.
pub fn config(data: &[u8]) {
    let path = scratch_file("circuit_config.json", data);
    let _ = read_configs(&path);
    // The same text as a folder's config, found and opened as the viewer opens it.
    let _ = Circuit::open(&path);
}

/// A node or edge types CSV.
pub fn types_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("node_types.csv");
    for id_column in ["node_type_id", "edge_type_id"] {
        if let Ok(table) = TypesTable::parse(path, text, id_column) {
            for col in 0..table.columns.len() {
                let column = table.column(col);
                for row in 0..column.len() {
                    let _ = column.get(row).as_f64();
                }
            }
            for (&id, name) in table.ids.iter().zip(&table.columns) {
                let _ = table.cell(id, name);
            }
        }
    }
}

/// A `node_sets.json`, every set evaluated on a small population.
pub fn node_sets(data: &[u8]) {
    let path = scratch_file("node_sets.json", data);
    let Ok(sets) = NodeSets::from_file(&path) else {
        return;
    };
    let names: Vec<String> = sets.names().map(str::to_owned).collect();
    for population in fixture_populations() {
        for name in &names {
            let _ = sets.evaluate(name, population);
        }
    }
}

/// The selection language, parsed and evaluated on a small population with node sets.
pub fn selection(data: &[u8]) {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = selection_language::parse(expr) {
        for population in fixture_populations() {
            let _ = selection_language::evaluate(&parsed, population, Some(fixture_node_sets()));
        }
    }
}

/// An SWC file, and what the viewer computes from it.
pub fn swc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(morphology) = swc::parse(Path::new("cell.swc"), text) {
        use_morphology(&morphology);
    }
}

/// A BMTK spikes CSV.
pub fn spikes_csv(data: &[u8]) {
    let path = scratch_file("spikes.csv", data);
    if let Ok(populations) = read_spikes_csv(&path) {
        use_spikes(populations);
    }
}

// ---------------------------------------------------------------------------------------------
// HDF5 inputs: the bytes choose the structure (groups, dataset shapes and types, values)

/// A MorphIO H5 v1 morphology: `/points`, `/structure`, optional `/perimeters`.
pub fn morphology_h5(data: &[u8]) {
    let mut input = Input::new(data);
    let path = scratch_path("cell.h5");
    let written = write_h5(&path, |file| {
        let n_points = input.below(24);
        let point_columns = [4, 4, 4, 3, 5][input.below(5)];
        let points: Vec<f64> = (0..n_points * point_columns)
            .map(|_| input.coordinate())
            .collect();
        if input.below(8) != 0 {
            write_numbers(
                file,
                "points",
                &points,
                &[n_points, point_columns],
                input.dtype(),
            )?;
        }
        let n_rows = input.below(8);
        let structure_columns = [3, 3, 3, 2, 4][input.below(5)];
        let structure: Vec<f64> = (0..n_rows * structure_columns)
            .map(|_| f64::from(input.small_int()))
            .collect();
        if input.below(8) != 0 {
            write_numbers(
                file,
                "structure",
                &structure,
                &[n_rows, structure_columns],
                input.dtype(),
            )?;
        }
        if input.below(4) == 0 {
            let n = if input.below(2) == 0 {
                n_points
            } else {
                input.below(8)
            };
            let perimeters: Vec<f64> = (0..n).map(|_| input.coordinate()).collect();
            write_numbers(file, "perimeters", &perimeters, &[n], input.dtype())?;
        }
        Ok(())
    });
    if written
        && morphology_h5::is_morphology_h5(&path)
        && let Ok(morphology) = morphology_h5::read(&path)
    {
        use_morphology(&morphology);
    }
}

/// A SONATA spikes file: `/spikes/<population>/{timestamps,node_ids}` or the old
/// `/spikes/{gids,timestamps}`, with a `sorting` attribute.
pub fn spikes_h5(data: &[u8]) {
    let mut input = Input::new(data);
    let path = scratch_path("spikes.h5");
    let written = write_h5(&path, |file| {
        if input.below(8) == 0 {
            return Ok(());
        }
        let spikes = file.create_group("spikes")?;
        let old_layout = input.below(4) == 0;
        let populations = if old_layout { 1 } else { input.below(4) };
        for p in 0..populations {
            let group = if old_layout {
                spikes.clone()
            } else {
                spikes.create_group(["v1", "lgn", "x", "a b"][p])?
            };
            let n = input.below(16);
            let ids: Vec<f64> = (0..n).map(|_| input.id()).collect();
            let m = if input.below(6) == 0 {
                input.below(16)
            } else {
                n
            };
            let times: Vec<f64> = (0..m).map(|_| input.time()).collect();
            let ids_name = ["node_ids", "gids", "node_id"][input.below(3)];
            if input.below(8) != 0 {
                write_numbers(&group, ids_name, &ids, &[n], input.dtype())?;
            }
            if input.below(8) != 0 {
                write_numbers(&group, "timestamps", &times, &[m], input.dtype())?;
            }
            if input.below(2) == 0 {
                let sorting = ["by_time", "by_id", "none", "time", ""][input.below(5)];
                write_text_attr(&group, "sorting", sorting)?;
            }
        }
        Ok(())
    });
    if written && let Ok(populations) = read_spikes_h5(&path) {
        use_spikes(populations);
    }
}

/// A SONATA frame report: `/report/<population>/data` and its `mapping` (node ids, index
/// pointers, element ids, time axis), or the older top-level `/mapping` and `/data`.
pub fn report_h5(data: &[u8]) {
    let mut input = Input::new(data);
    let path = scratch_path("report.h5");
    let written = write_h5(&path, |file| {
        let top_level = input.below(6) == 0;
        let populations = if top_level { 1 } else { input.below(3) };
        let report = if top_level {
            None
        } else {
            Some(file.create_group("report")?)
        };
        for p in 0..populations {
            let group = match &report {
                Some(report) => report.create_group(["v1", "lgn", "x"][p])?,
                None => file.group("/")?,
            };
            let n_frames = input.below(6);
            let n_elements = input.below(6);
            let values: Vec<f64> = (0..n_frames * n_elements)
                .map(|_| input.coordinate())
                .collect();
            let shape = match input.below(4) {
                0 => vec![n_frames * n_elements],
                1 => vec![n_frames, n_elements, 1],
                _ => vec![n_frames, n_elements],
            };
            if input.below(8) != 0 {
                write_numbers(&group, "data", &values, &shape, input.dtype())?;
            }
            if input.below(10) == 0 {
                continue;
            }
            let mapping = group.create_group("mapping")?;
            let n_nodes = input.below(5);
            let node_ids: Vec<f64> = (0..n_nodes).map(|_| input.id()).collect();
            write_numbers(&mapping, "node_ids", &node_ids, &[n_nodes], input.dtype())?;
            let n_pointers = n_nodes + input.below(3);
            let pointers: Vec<f64> = (0..n_pointers)
                .map(|_| f64::from(input.small_int()))
                .collect();
            if input.below(8) != 0 {
                let name = ["index_pointers", "index_pointer"][input.below(2)];
                write_numbers(&mapping, name, &pointers, &[n_pointers], input.dtype())?;
            }
            if input.below(2) == 0 {
                let n = if input.below(3) == 0 {
                    input.below(6)
                } else {
                    n_elements
                };
                let elements: Vec<f64> = (0..n).map(|_| f64::from(input.small_int())).collect();
                write_numbers(&mapping, "element_ids", &elements, &[n], input.dtype())?;
            }
            if input.below(8) != 0 {
                let n = [3, 3, 3, 2, 4][input.below(5)];
                let time: Vec<f64> = (0..n).map(|_| input.time()).collect();
                write_numbers(&mapping, "time", &time, &[n], input.dtype())?;
            }
        }
        Ok(())
    });
    if !written {
        return;
    }
    let Ok((reports, _warnings)) = read_reports(&path) else {
        return;
    };
    for report in &reports {
        let _ = (report.n_nodes(), report.n_elements());
        let _ = report.frame_time(0);
        let _ = report.frame_at(input.time());
        let _ = report.read_frame(0);
        let _ = report.read_frames(0..2);
        let _ = report.read_column(0..4, 2, 0);
        let _ = report.read_window(input.time(), input.time());
        for node in 0..4 {
            let _ = report.elements_of(node);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the rest of the program does with a parsed result

fn use_morphology(morphology: &Morphology) {
    let _ = morphology.stats().to_text();
    let _ = morphology.point_count();
    let _ = simplified(morphology, 0.5);
    let _ = line_mesh(morphology);
    let _ = tube_mesh(morphology, TubeOptions::default());
}

fn use_spikes(populations: Vec<cortexview::sonata::PopulationSpikes>) {
    for mut spikes in populations {
        let _ = spikes.time_range();
        let index = SpikeIndex::new(&spikes);
        let _ = index.window(0.0, 100.0);
        let _ = index.node_spikes(0);
        let _ = index.last_spike_before(1, 50.0);
        spikes.sort(SortOrder::ById);
        spikes.sort(SortOrder::ByTime);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures and scratch files

fn repository_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if here.ends_with("fuzz") {
        here.parent().unwrap_or(here).to_path_buf()
    } else {
        here.to_path_buf()
    }
}

fn fixture_circuit() -> &'static Circuit {
    static CIRCUIT: OnceLock<Circuit> = OnceLock::new();
    CIRCUIT.get_or_init(|| {
        let path = repository_root().join("tests/data/v1_like_n300_none");
        Circuit::open(&path).unwrap_or_else(|e| panic!("the fixture {} opens: {e}", path.display()))
    })
}

fn fixture_populations() -> &'static [NodePopulation] {
    &fixture_circuit().nodes
}

/// Node sets for the selection language to refer to: basic, compound and nested ones.
fn fixture_node_sets() -> &'static NodeSets {
    static SETS: OnceLock<NodeSets> = OnceLock::new();
    SETS.get_or_init(|| {
        let json = serde_json::json!({
            "v1": {"population": "v1"},
            "exc": {"ei": "e"},
            "some": {"node_id": [0, 1, 2, 50]},
            "both": ["v1", "exc"],
            "nested": ["both", "some"]
        });
        let sets = json
            .as_object()
            .map(|m| m.clone().into_iter().collect::<BTreeMap<_, _>>())
            .unwrap_or_default();
        NodeSets {
            path: PathBuf::from("node_sets.json"),
            sets,
        }
    })
}

/// A folder of this process for the files the targets write (in memory where /dev/shm is).
fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("cortexview-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
        dir
    })
}

fn scratch_path(name: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    scratch_dir().join(format!("{thread}-{name}"))
}

fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_path(name);
    std::fs::write(&path, data).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// Writes an HDF5 file with `build`; false when the structure could not be written (the bytes
/// asked for something HDF5 itself refuses, which is not what is being tested).
fn write_h5(path: &Path, build: impl FnOnce(&hdf5::File) -> hdf5::Result<()>) -> bool {
    match hdf5::File::create(path) {
        Ok(file) => build(&file).is_ok(),
        Err(_) => false,
    }
}

/// The element types a dataset may be written with.
#[derive(Clone, Copy)]
enum Dtype {
    F64,
    F32,
    I64,
    I32,
    U64,
    U32,
    U8,
    Text,
}

fn write_numbers(
    group: &hdf5::Group,
    name: &str,
    values: &[f64],
    shape: &[usize],
    dtype: Dtype,
) -> hdf5::Result<()> {
    fn write<T: hdf5::H5Type>(
        group: &hdf5::Group,
        name: &str,
        values: Vec<T>,
        shape: &[usize],
    ) -> hdf5::Result<()> {
        let ds = group.new_dataset::<T>().shape(shape).create(name)?;
        if !values.is_empty() {
            ds.write_raw(&values)?;
        }
        Ok(())
    }
    match dtype {
        Dtype::F64 => write(group, name, values.to_vec(), shape),
        Dtype::F32 => write(
            group,
            name,
            values.iter().map(|&v| v as f32).collect(),
            shape,
        ),
        Dtype::I64 => write(
            group,
            name,
            values.iter().map(|&v| v as i64).collect(),
            shape,
        ),
        Dtype::I32 => write(
            group,
            name,
            values.iter().map(|&v| v as i32).collect(),
            shape,
        ),
        Dtype::U64 => write(
            group,
            name,
            values.iter().map(|&v| v as u64).collect(),
            shape,
        ),
        Dtype::U32 => write(
            group,
            name,
            values.iter().map(|&v| v as u32).collect(),
            shape,
        ),
        Dtype::U8 => write(
            group,
            name,
            values.iter().map(|&v| v as u8).collect(),
            shape,
        ),
        Dtype::Text => {
            let text: Vec<hdf5::types::VarLenUnicode> = values
                .iter()
                .filter_map(|v| v.to_string().parse().ok())
                .collect();
            if text.len() != values.len() {
                return Err(hdf5::Error::from("text conversion"));
            }
            write(group, name, text, shape)
        }
    }
}

fn write_text_attr(group: &hdf5::Group, name: &str, value: &str) -> hdf5::Result<()> {
    let value: hdf5::types::VarLenUnicode = value
        .parse()
        .map_err(|_| hdf5::Error::from("text attribute"))?;
    group
        .new_attr::<hdf5::types::VarLenUnicode>()
        .create(name)?
        .write_scalar(&value)
}

/// The fuzz bytes read as a stream of choices; past the end every choice is 0.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// Small integers, negatives and a few extremes (ids, offsets, parents).
    fn small_int(&mut self) -> i32 {
        let b = self.byte();
        Self::small_int_of(b)
    }

    fn small_int_of(b: u8) -> i32 {
        match b {
            250 => i32::MAX,
            251 => i32::MIN,
            252 => -1,
            253 => 1 << 20,
            b => i32::from(b) - 8,
        }
    }

    /// Node ids: small ones, negatives and ids far beyond any population (2^40, u64::MAX).
    fn id(&mut self) -> f64 {
        match self.byte() {
            248 => (1u64 << 40) as f64,
            249 => u64::MAX as f64,
            b => f64::from(Self::small_int_of(b)),
        }
    }

    /// Coordinates, radii and values, with NaN, infinities and extremes among them.
    fn coordinate(&mut self) -> f64 {
        match self.byte() {
            250 => f64::NAN,
            251 => f64::INFINITY,
            252 => f64::NEG_INFINITY,
            253 => 1e300,
            254 => -0.0,
            b => (f64::from(b) - 100.0) / 4.0,
        }
    }

    /// Times: mostly ascending small values, some NaN or negative.
    fn time(&mut self) -> f64 {
        match self.byte() {
            250 => f64::NAN,
            251 => f64::INFINITY,
            252 => -1.0,
            253 => 1e12,
            254 => 0.0,
            b => f64::from(b) * 0.5,
        }
    }

    fn dtype(&mut self) -> Dtype {
        match self.below(16) {
            0..=5 => Dtype::F64,
            6..=8 => Dtype::I64,
            9 => Dtype::F32,
            10 => Dtype::I32,
            11 => Dtype::U64,
            12 => Dtype::U32,
            13 => Dtype::U8,
            _ => Dtype::Text,
        }
    }
}

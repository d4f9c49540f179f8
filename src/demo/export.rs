//! [`Demo`] -> SONATA, in the layout BMTK's NetworkBuilder writes and both BMTK PointNet and
//! NEST (`nest.SonataNetwork`, or the peers' h5py loader) read:
//!
//! ```text
//! network/{v1,lgn,bkg}_nodes.h5 + _node_types.csv
//! network/{v1_v1,lgn_v1,bkg_v1}_edges.h5 + _edge_types.csv   (sorted by target, with indices)
//! components/cell_models/*.json, components/synaptic_models/*.json
//! inputs/{lgn,bkg}_spikes.h5
//! node_sets.json, circuit_config.json, simulation_config.json, config.json (BMTK, one file)
//! ```
use std::path::{Path, PathBuf};

use hdf5::types::VarLenUnicode;
use serde_json::{Value, json};

use super::connect::EdgeSet;
use super::layout::{LAYERS, Nodes};
use super::{Demo, DemoError, DemoResult};
use crate::sonata::{PopulationSpikes, SortOrder, write_spikes};

/// What was written.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub files: Vec<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn h5(path: &Path, object: &str) -> impl FnOnce(hdf5::Error) -> DemoError {
    let path = path.to_path_buf();
    let object = object.to_string();
    move |source| DemoError::Hdf5 {
        path,
        object,
        source,
    }
}

fn write_text(path: &Path, text: &str) -> DemoResult<()> {
    std::fs::write(path, text).map_err(io(path))
}

fn write_json(path: &Path, v: &Value) -> DemoResult<()> {
    let text = serde_json::to_string_pretty(v).map_err(|source| DemoError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_text(path, &(text + "\n"))
}

/// An h5 file with SONATA's root attributes.
fn create_h5(path: &Path) -> DemoResult<hdf5::File> {
    let file = hdf5::File::create(path).map_err(h5(path, "/"))?;
    file.new_attr::<u32>()
        .create("magic")
        .and_then(|a| a.write_scalar(&0x0A7Au32))
        .map_err(h5(path, "/magic"))?;
    file.new_attr::<u32>()
        .shape(2)
        .create("version")
        .and_then(|a| a.write_raw(&[0u32, 1]))
        .map_err(h5(path, "/version"))?;
    Ok(file)
}

fn dataset<T: hdf5::H5Type>(
    path: &Path,
    group: &hdf5::Group,
    name: &str,
    data: &[T],
    level: u8,
) -> DemoResult<hdf5::Dataset> {
    let builder = group.new_dataset_builder().with_data(data);
    let builder = if level > 0 && !data.is_empty() {
        builder.chunk(data.len().min(1 << 16)).deflate(level)
    } else {
        builder
    };
    builder
        .create(name)
        .map_err(h5(path, &format!("{}/{name}", group.name())))
}

fn string_attr(path: &Path, ds: &hdf5::Dataset, name: &str, value: &str) -> DemoResult<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|_| DemoError::Invalid(format!("attribute {name}: not a valid string")))?;
    ds.new_attr::<VarLenUnicode>()
        .create(name)
        .and_then(|a| a.write_scalar(&v))
        .map_err(h5(path, &format!("{}@{name}", ds.name())))
}

/// nodes/<population> with ids, types, one group holding x, y, z.
fn write_nodes(
    path: &Path,
    population: &str,
    nodes: &Nodes,
    type_ids: &[u64],
    gzip: u8,
) -> DemoResult<()> {
    let file = create_h5(path)?;
    let g = file
        .create_group(&format!("nodes/{population}"))
        .map_err(h5(path, population))?;
    let n = nodes.len();
    let ids: Vec<u64> = (0..n as u64).collect();
    let types: Vec<u64> = nodes
        .type_of
        .iter()
        .map(|&t| type_ids[t as usize])
        .collect();
    dataset(path, &g, "node_id", &ids, gzip)?;
    dataset(path, &g, "node_type_id", &types, gzip)?;
    dataset(path, &g, "node_group_id", &vec![0u32; n], gzip)?;
    dataset(path, &g, "node_group_index", &ids, gzip)?;
    let g0 = g.create_group("0").map_err(h5(path, "0"))?;
    dataset(path, &g0, "x", &nodes.x, gzip)?;
    dataset(path, &g0, "y", &nodes.y, gzip)?;
    dataset(path, &g0, "z", &nodes.z, gzip)?;
    file.flush().map_err(h5(path, "/"))
}

/// indices/<name>/{node_id_to_ranges, range_to_edge_id} (and bmtk's `node_id_to_range`).
fn write_index(
    path: &Path,
    g: &hdf5::Group,
    name: &str,
    ids: &[u32],
    n_nodes: usize,
) -> DemoResult<()> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_by_key(|&e| ids[e as usize]);
    // runs of one node id over consecutive edge ids
    let mut ranges: Vec<u64> = Vec::new();
    let mut node_ranges = vec![0u64; 2 * n_nodes];
    let mut i = 0;
    while i < order.len() {
        let node = ids[order[i] as usize] as usize;
        let first_range = (ranges.len() / 2) as u64;
        while i < order.len() && ids[order[i] as usize] as usize == node {
            let start = order[i];
            let mut end = start + 1;
            i += 1;
            while i < order.len() && order[i] == end && ids[order[i] as usize] as usize == node {
                end += 1;
                i += 1;
            }
            ranges.push(start as u64);
            ranges.push(end as u64);
        }
        node_ranges[2 * node] = first_range;
        node_ranges[2 * node + 1] = (ranges.len() / 2) as u64;
    }
    let gi = g
        .create_group(&format!("indices/{name}"))
        .map_err(h5(path, name))?;
    let n2r = ndarray::ArrayView2::from_shape((n_nodes, 2), &node_ranges)
        .map_err(|e| DemoError::Invalid(e.to_string()))?;
    gi.new_dataset_builder()
        .with_data(&n2r)
        .create("node_id_to_ranges")
        .map_err(h5(path, "node_id_to_ranges"))?;
    let r2e = ndarray::ArrayView2::from_shape((ranges.len() / 2, 2), &ranges)
        .map_err(|e| DemoError::Invalid(e.to_string()))?;
    gi.new_dataset_builder()
        .with_data(&r2e)
        .create("range_to_edge_id")
        .map_err(h5(path, "range_to_edge_id"))?;
    // bmtk reads the name without the final s; libsonata the specification's name
    gi.link_hard("node_id_to_ranges", "node_id_to_range")
        .map_err(h5(path, "node_id_to_range"))
}

fn write_edges(path: &Path, set: &EdgeSet, n_src: usize, n_tgt: usize, gzip: u8) -> DemoResult<()> {
    let file = create_h5(path)?;
    let g = file
        .create_group(&format!("edges/{}", set.name))
        .map_err(h5(path, &set.name))?;
    let n = set.len();
    let src: Vec<u64> = set.src.iter().map(|&s| s as u64).collect();
    let tgt: Vec<u64> = set.tgt.iter().map(|&t| t as u64).collect();
    let ds = dataset(path, &g, "source_node_id", &src, gzip)?;
    string_attr(path, &ds, "node_population", &set.source_population)?;
    let ds = dataset(path, &g, "target_node_id", &tgt, gzip)?;
    string_attr(path, &ds, "node_population", &set.target_population)?;
    let types: Vec<u32> = set
        .type_of
        .iter()
        .map(|&t| set.types[t as usize].edge_type_id as u32)
        .collect();
    dataset(path, &g, "edge_type_id", &types, gzip)?;
    // BMTK's NetworkBuilder writes the group ids as uint16 and the group indices as uint32
    dataset(path, &g, "edge_group_id", &vec![0u16; n], gzip)?;
    let n32 = u32::try_from(n).map_err(|_| {
        DemoError::Invalid(format!(
            "edge population {}: {n} edges do not fit BMTK's 32-bit edge_group_index",
            set.name
        ))
    })?;
    let index: Vec<u32> = (0..n32).collect();
    dataset(path, &g, "edge_group_index", &index, gzip)?;
    let g0 = g.create_group("0").map_err(h5(path, "0"))?;
    dataset(path, &g0, "nsyns", &vec![1u32; n], gzip)?;
    dataset(path, &g0, "delay", &set.delay_ms, gzip)?;
    write_index(path, &g, "target_to_source", &set.tgt, n_tgt)?;
    write_index(path, &g, "source_to_target", &set.src, n_src)?;
    file.flush().map_err(h5(path, "/"))
}

/// syn_weight written as a float even when it is a whole number (`-120.0`, as BMTK's builder
/// writes it): pandas then reads the column as float64, and BMTK PointNet's
/// `syn_weight * nsyns` (nsyns uint32) runs under numpy 2, which refuses an int64 -120 there.
fn edge_types_csv(set: &EdgeSet) -> String {
    let mut s = String::from(
        "edge_type_id target_query source_query syn_weight dynamics_params model_template\n",
    );
    for t in &set.types {
        s += &format!(
            "{} {} {} {:?} {} static_synapse\n",
            t.edge_type_id, t.target_query, t.source_query, t.syn_weight, t.dynamics_params
        );
    }
    s
}

fn spikes_of(population: &str, trains: &[Vec<f64>]) -> PopulationSpikes {
    let mut p = PopulationSpikes {
        population: population.to_string(),
        ..Default::default()
    };
    for (i, train) in trains.iter().enumerate() {
        for &t in train {
            p.node_ids.push(i as u64);
            p.timestamps.push(t);
        }
    }
    p
}

const NETWORKS: [(&str, &str); 3] = [("v1", "v1"), ("lgn", "lgn"), ("bkg", "bkg")];
const EDGE_FILES: [&str; 3] = ["v1_v1", "lgn_v1", "bkg_v1"];

fn networks_json() -> Value {
    let nodes: Vec<Value> = NETWORKS
        .iter()
        .map(|(f, _)| {
            json!({
                "nodes_file": format!("$NETWORK_DIR/{f}_nodes.h5"),
                "node_types_file": format!("$NETWORK_DIR/{f}_node_types.csv"),
            })
        })
        .collect();
    let edges: Vec<Value> = EDGE_FILES
        .iter()
        .map(|f| {
            json!({
                "edges_file": format!("$NETWORK_DIR/{f}_edges.h5"),
                "edge_types_file": format!("$NETWORK_DIR/{f}_edge_types.csv"),
            })
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}

fn manifest() -> Value {
    json!({
        "$BASE_DIR": ".",
        "$NETWORK_DIR": "$BASE_DIR/network",
        "$COMPONENTS_DIR": "$BASE_DIR/components",
        "$OUTPUT_DIR": "$BASE_DIR/output",
        "$INPUT_DIR": "$BASE_DIR/inputs"
    })
}

fn components() -> Value {
    json!({
        "point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
        "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"
    })
}

fn inputs() -> Value {
    json!({
        "lgn_spikes": {
            "input_type": "spikes", "module": "sonata",
            "input_file": "$INPUT_DIR/lgn_spikes.h5", "node_set": "lgn"
        },
        "bkg_spikes": {
            "input_type": "spikes", "module": "sonata",
            "input_file": "$INPUT_DIR/bkg_spikes.h5", "node_set": "bkg"
        }
    })
}

fn run_json(demo: &Demo) -> Value {
    json!({
        "tstop": demo.options.tstop_ms,
        "dt": demo.options.dt_ms,
        "n_thread": 1,
        "overwrite_output_dir": true
    })
}

fn output_json() -> Value {
    json!({
        "log_file": "log.txt",
        "output_dir": "$OUTPUT_DIR",
        "spikes_file": "spikes.h5",
        "spikes_sort_order": "time"
    })
}

fn node_sets_json() -> Value {
    let mut m = serde_json::Map::new();
    for (_, p) in NETWORKS {
        m.insert(p.into(), json!({ "population": p }));
    }
    m.insert("v1_exc".into(), json!({ "population": "v1", "ei": "e" }));
    m.insert("v1_inh".into(), json!({ "population": "v1", "ei": "i" }));
    for l in LAYERS {
        m.insert(
            l.name.into(),
            json!({ "population": "v1", "layer": l.name }),
        );
    }
    Value::Object(m)
}

fn push(files: &mut Vec<PathBuf>, p: PathBuf) -> PathBuf {
    files.push(p.clone());
    p
}

/// The folders of an export.
struct ExportDirs {
    network: PathBuf,
    cells: PathBuf,
    synapses: PathBuf,
    inputs: PathBuf,
}

impl ExportDirs {
    fn create(dir: &Path) -> DemoResult<Self> {
        let dirs = Self {
            network: dir.join("network"),
            cells: dir.join("components/cell_models"),
            synapses: dir.join("components/synaptic_models"),
            inputs: dir.join("inputs"),
        };
        for d in [&dirs.network, &dirs.cells, &dirs.synapses, &dirs.inputs] {
            std::fs::create_dir_all(d).map_err(io(d))?;
        }
        Ok(dirs)
    }
}

impl Demo {
    /// Writes the column as SONATA under `dir`, uncompressed (created if needed; files of a
    /// previous export are overwritten).
    pub fn write_sonata(&self, dir: &Path) -> DemoResult<ExportSummary> {
        self.write_sonata_with(dir, 0)
    }

    /// As [`Demo::write_sonata`], with h5 datasets compressed at gzip `level` (1..=9; 0: none).
    /// BMTK writes gzip; libsonata's Python wheels read only uncompressed files.
    pub fn write_sonata_with(&self, dir: &Path, gzip: u8) -> DemoResult<ExportSummary> {
        if gzip > 9 {
            return Err(DemoError::Invalid(format!(
                "gzip level {gzip} is not in 0..=9"
            )));
        }
        let dirs = ExportDirs::create(dir)?;
        let mut files = Vec::new();
        self.write_node_files(&dirs, gzip, &mut files)?;
        self.write_edge_files(&dirs, gzip, &mut files)?;
        self.write_components(&dirs, &mut files)?;
        self.write_inputs(&dirs, &mut files)?;
        let config = self.write_configs(dir, &mut files)?;
        Ok(ExportSummary {
            dir: dir.to_path_buf(),
            config,
            files,
        })
    }

    /// The V1 cells and the two virtual populations, with their node types.
    fn write_node_files(
        &self,
        dirs: &ExportDirs,
        gzip: u8,
        files: &mut Vec<PathBuf>,
    ) -> DemoResult<()> {
        let net = &dirs.network;
        let model = format!("nest:{}", self.options.model.nest_name());
        let type_ids: Vec<u64> = self.cell_types.iter().map(|t| t.node_type_id).collect();
        write_nodes(
            &push(files, net.join("v1_nodes.h5")),
            "v1",
            &self.cells,
            &type_ids,
            gzip,
        )?;
        let mut csv = String::from(
            "node_type_id pop_name model_type model_template layer cclass ei dynamics_params\n",
        );
        for t in &self.cell_types {
            csv += &format!(
                "{} {} point_neuron {model} {} {} {} {}\n",
                t.node_type_id,
                t.pop_name,
                t.layer_name(),
                t.class.name(),
                t.class.ei(),
                t.params_file
            );
        }
        write_text(&push(files, net.join("v1_node_types.csv")), &csv)?;
        for (pop, nodes, type_id) in [("lgn", &self.lgn, 200u64), ("bkg", &self.bkg, 300)] {
            write_nodes(
                &push(files, net.join(format!("{pop}_nodes.h5"))),
                pop,
                nodes,
                &[type_id],
                gzip,
            )?;
            write_text(
                &push(files, net.join(format!("{pop}_node_types.csv"))),
                &format!("node_type_id pop_name ei model_type\n{type_id} {pop} e virtual\n"),
            )?;
        }
        Ok(())
    }

    /// The three edge populations with their edge types.
    fn write_edge_files(
        &self,
        dirs: &ExportDirs,
        gzip: u8,
        files: &mut Vec<PathBuf>,
    ) -> DemoResult<()> {
        let sizes = |pop: &str| match pop {
            "v1" => self.cells.len(),
            "lgn" => self.lgn.len(),
            _ => self.bkg.len(),
        };
        for (set, stem) in self.edges.iter().zip(EDGE_FILES) {
            let p = push(files, dirs.network.join(format!("{stem}_edges.h5")));
            write_edges(
                &p,
                set,
                sizes(&set.source_population),
                self.cells.len(),
                gzip,
            )?;
            write_text(
                &push(files, dirs.network.join(format!("{stem}_edge_types.csv"))),
                &edge_types_csv(set),
            )?;
        }
        Ok(())
    }

    /// Cell parameters (NEST dictionaries) and synapse parameters (receptor types).
    fn write_components(&self, dirs: &ExportDirs, files: &mut Vec<PathBuf>) -> DemoResult<()> {
        for t in &self.cell_types {
            let p = dirs.cells.join(&t.params_file);
            if !files.contains(&p) {
                write_json(&push(files, p), &Value::Object(t.params.clone()))?;
            }
        }
        for set in &self.edges {
            for t in &set.types {
                let p = dirs.synapses.join(&t.dynamics_params);
                if !files.contains(&p) {
                    let v = if t.receptor > 0 {
                        json!({ "receptor_type": t.receptor })
                    } else {
                        json!({})
                    };
                    write_json(&push(files, p), &v)?;
                }
            }
        }
        Ok(())
    }

    /// The spike trains of the virtual populations.
    fn write_inputs(&self, dirs: &ExportDirs, files: &mut Vec<PathBuf>) -> DemoResult<()> {
        for (pop, trains) in [("lgn", &self.lgn_trains), ("bkg", &self.bkg_trains)] {
            let p = push(files, dirs.inputs.join(format!("{pop}_spikes.h5")));
            write_spikes(&p, &[spikes_of(pop, trains)], SortOrder::ByTime)?;
        }
        Ok(())
    }

    /// node_sets.json, the SONATA circuit and simulation configs, and BMTK's one-file
    /// config.json (returned: the file to open).
    fn write_configs(&self, dir: &Path, files: &mut Vec<PathBuf>) -> DemoResult<PathBuf> {
        write_json(&push(files, dir.join("node_sets.json")), &node_sets_json())?;
        write_json(
            &push(files, dir.join("circuit_config.json")),
            &json!({
                "manifest": manifest(),
                "components": components(),
                "node_sets_file": "$BASE_DIR/node_sets.json",
                "networks": networks_json(),
            }),
        )?;
        write_json(
            &push(files, dir.join("simulation_config.json")),
            &json!({
                "manifest": manifest(),
                "target_simulator": "NEST",
                "network": "circuit_config.json",
                "run": run_json(self),
                "inputs": inputs(),
                "output": output_json(),
                "node_sets_file": "$BASE_DIR/node_sets.json",
            }),
        )?;
        let config = push(files, dir.join("config.json"));
        write_json(
            &config,
            &json!({
                "manifest": manifest(),
                "target_simulator": "NEST",
                "run": run_json(self),
                "inputs": inputs(),
                "output": output_json(),
                "reports": {},
                "node_sets_file": "$BASE_DIR/node_sets.json",
                "components": components(),
                "networks": networks_json(),
            }),
        )?;
        Ok(config)
    }
}

//! An edge population -> a [`Projection`]: source and target rows, and one synapse kind per
//! distinct (edge type, weight, delay), with weight = syn_weight x nsyns. Values come from the
//! edges file where it stores them per edge, else from edge_types.csv; an edge type the table
//! does not know, or a weight, delay or nsyns that is not a number, is an error naming the file,
//! how many edges and the first of them. A delay given nowhere is NEST's default 1 ms, with a
//! warning that counts the edges.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::populations::PopulationIndex;
use super::read_json;
use crate::sim::error::{Offenders, SimError, SimResult};
use crate::sim::network::{Population, Projection, SourcePopulation, SourceRef, SynapseKind};
use crate::sonata::edges::Direction;
use crate::sonata::{Column, EdgePopulation, TypesTable};

/// Weight functions that BMTK registers by default, all `syn_weight * nsyns`.
const DEFAULT_WEIGHT_FUNCTIONS: &[&str] = &["wmax", "set_syn_weight", "default_weight_fnc"];

/// The three values of a synapse, in the order the per-edge code keeps them.
const VALUES: [&str; 3] = ["syn_weight", "delay", "nsyns"];

/// NEST's default delay (ms), used for edges that give none.
const DEFAULT_DELAY_MS: f64 = 1.0;

/// Edges read per chunk, so that tens of millions never sit in memory at full width.
const CHUNK: usize = 1 << 20;

/// The populations a projection connects, as rows of the network's populations.
struct Ends {
    source: SourceRef,
    src: Vec<u32>,
    target: usize,
    tgt: Vec<u32>,
}

/// The synapse kinds of a projection and each edge's kind.
#[derive(Default)]
struct Kinds {
    kinds: Vec<SynapseKind>,
    kind: Vec<u32>,
    /// edges that gave no delay (NEST's default is used)
    default_delay: Offenders,
    /// edges whose edge_type_id the types table does not know
    unknown_type: Offenders,
}

impl Kinds {
    fn push_kind(&mut self, kind: SynapseKind) -> u32 {
        self.kinds.push(kind);
        (self.kinds.len() - 1) as u32
    }
}

/// What an edge population's types table says per edge type, each type looked up once.
struct EdgeTypes<'a> {
    ep: &'a EdgePopulation,
    table: Option<&'a TypesTable>,
    synapse_dir: Option<&'a Path>,
    receptors: HashMap<i64, u32>,
    values: HashMap<i64, [Option<f64>; 3]>,
}

impl<'a> EdgeTypes<'a> {
    fn new(ep: &'a EdgePopulation, synapse_dir: Option<&'a Path>) -> Self {
        Self {
            ep,
            table: ep.types.as_ref(),
            synapse_dir,
            receptors: HashMap::new(),
            values: HashMap::new(),
        }
    }

    fn cell(&self, t: i64, column: &str) -> Option<&'a str> {
        self.table.and_then(|ty| ty.cell(t, column))
    }

    /// Whether the type is known: always when there is no table (then every value is per edge).
    fn is_known(&self, t: i64) -> bool {
        self.table.is_none_or(|ty| ty.row_of(t).is_some())
    }

    /// syn_weight, delay and nsyns of a type as edge_types.csv gives them (absent: `None`).
    fn values(&mut self, t: i64) -> SimResult<[Option<f64>; 3]> {
        if let Some(v) = self.values.get(&t) {
            return Ok(*v);
        }
        let mut v = [None; 3];
        for (slot, column) in v.iter_mut().zip(VALUES) {
            let Some(text) = self.cell(t, column) else {
                continue;
            };
            match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => *slot = Some(x),
                _ => {
                    return Err(SimError::BadData {
                        path: self.table_path(),
                        message: format!(
                            "edge_type_id {t}: {column} '{text}' is not a finite number"
                        ),
                    });
                }
            }
        }
        self.values.insert(t, v);
        Ok(v)
    }

    fn table_path(&self) -> PathBuf {
        self.table
            .map_or_else(|| self.ep.file.clone(), |ty| ty.path.clone())
    }

    /// The receptor of a type's synapse model (its dynamics_params JSON), after checking that
    /// the type's weight function and synapse model are ones the engine runs as BMTK does.
    fn receptor(&mut self, t: i64) -> SimResult<u32> {
        if let Some(&r) = self.receptors.get(&t) {
            return Ok(r);
        }
        let name = &self.ep.name;
        if let Some(wf) = self.cell(t, "weight_function")
            && !DEFAULT_WEIGHT_FUNCTIONS.contains(&wf)
        {
            return Err(SimError::Invalid(format!(
                "edge population '{name}', edge_type_id {t}: weight_function '{wf}' is not known (BMTK's defaults {DEFAULT_WEIGHT_FUNCTIONS:?} are)"
            )));
        }
        if let Some(mt) = self.cell(t, "model_template") {
            let mt = mt.strip_prefix("nest:").unwrap_or(mt);
            if mt != "static_synapse" {
                return Err(SimError::Invalid(format!(
                    "edge population '{name}', edge_type_id {t}: synapse model '{mt}' is not supported (static_synapse is)"
                )));
            }
        }
        let mut receptor = 0u32;
        if let Some(file) = self.cell(t, "dynamics_params") {
            let path = match self.synapse_dir {
                Some(d) => d.join(file),
                None => PathBuf::from(file),
            };
            let params = read_json(&path).map_err(|e| {
                SimError::Invalid(format!(
                    "edge population '{name}', edge_type_id {t}: cannot read synapse parameters: {e}"
                ))
            })?;
            if let Some(r) = params.get("receptor_type").and_then(Value::as_u64) {
                receptor = r as u32;
            }
        }
        self.receptors.insert(t, receptor);
        Ok(receptor)
    }
}

/// Node ids of edges turned into rows of their population (the identity in every SONATA file
/// seen, checked against the population size; a map otherwise).
pub(super) fn rows_of_ids(pop_ids: &[u64], mut ids: Vec<u32>, what: &str) -> SimResult<Vec<u32>> {
    let identity = pop_ids.iter().enumerate().all(|(i, &id)| i as u64 == id);
    if identity {
        let n = pop_ids.len() as u64;
        if let Some(bad) = ids.iter().find(|&&id| id as u64 >= n) {
            return Err(SimError::Invalid(format!(
                "{what}: node id {bad} not in the population"
            )));
        }
        return Ok(ids);
    }
    let map: HashMap<u64, u32> = pop_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    for id in ids.iter_mut() {
        *id = map.get(&(*id as u64)).copied().ok_or_else(|| {
            SimError::Invalid(format!("{what}: node id {id} not in the population"))
        })?;
    }
    Ok(ids)
}

/// The rows the edges connect. Both ends must be populations of the network: the files were
/// all loaded (see `network_files`), so a population named nowhere is an error in the files.
fn ends(
    ep: &EdgePopulation,
    index: &PopulationIndex,
    populations: &[Population],
    sources: &[SourcePopulation],
) -> SimResult<Ends> {
    let not_in_network = |role: &str, pop: &str| SimError::BadData {
        path: ep.file.clone(),
        message: format!(
            "edge population '{}': {role} population '{pop}' is in no nodes file of the network",
            ep.name
        ),
    };
    let Some(&target) = index.neurons.get(&ep.target) else {
        if index.sources.contains_key(&ep.target) {
            return Err(SimError::Invalid(format!(
                "edge population '{}' targets virtual population '{}'",
                ep.name, ep.target
            )));
        }
        return Err(not_in_network("target", &ep.target));
    };
    let (source, src_ids): (SourceRef, &[u64]) = if let Some(&p) = index.neurons.get(&ep.source) {
        (SourceRef::Neurons(p), &populations[p].node_ids)
    } else if let Some(&q) = index.sources.get(&ep.source) {
        (SourceRef::Sources(q), &sources[q].node_ids)
    } else {
        return Err(not_in_network("source", &ep.source));
    };
    let src = rows_of_ids(src_ids, ep.node_ids_u32(Direction::Efferent)?, &ep.name)?;
    let tgt = rows_of_ids(
        &populations[target].node_ids,
        ep.node_ids_u32(Direction::Afferent)?,
        &ep.name,
    )?;
    Ok(Ends {
        source,
        src,
        target,
        tgt,
    })
}

/// Weight, delay and nsyns all come from edge_types.csv: one synapse kind per edge type, and
/// the per-edge work is a table lookup on the streamed edge_type_ids.
fn kinds_per_type(ep: &EdgePopulation, types: &mut EdgeTypes, n: usize) -> SimResult<Kinds> {
    let mut out = Kinds {
        kind: Vec::with_capacity(n),
        ..Default::default()
    };
    // per type: its kind (u32::MAX: a type the table does not list) and whether it has a delay
    let mut kind_of_type: HashMap<i64, (u32, bool)> = HashMap::new();
    let mut last: Option<(i64, (u32, bool))> = None;
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let type_ids = ep.dataset_i64_range("edge_type_id", start..end)?;
        for (i, &t) in type_ids.iter().enumerate() {
            let (k, has_delay) = match last {
                Some((lt, v)) if lt == t => v,
                _ => {
                    let v = match kind_of_type.get(&t) {
                        Some(&v) => v,
                        None => {
                            let v = kind_of_type_from_table(ep, types, &mut out, t)?;
                            kind_of_type.insert(t, v);
                            v
                        }
                    };
                    last = Some((t, v));
                    v
                }
            };
            let e = (start + i) as u64;
            if k == u32::MAX {
                out.unknown_type.add(e);
            } else if !has_delay {
                out.default_delay.add(e);
            }
            out.kind.push(k);
        }
        start = end;
    }
    Ok(out)
}

/// The synapse kind of an edge type whose values are all in the types table (u32::MAX for a
/// type the table does not list), and whether the table gives its delay.
fn kind_of_type_from_table(
    ep: &EdgePopulation,
    types: &mut EdgeTypes,
    out: &mut Kinds,
    t: i64,
) -> SimResult<(u32, bool)> {
    if !types.is_known(t) {
        return Ok((u32::MAX, true));
    }
    let [w, d, ns] = types.values(t)?;
    let w = w.ok_or_else(|| SimError::BadData {
        path: types.table_path(),
        message: format!(
            "edge population '{}': edge_type_id {t} has no syn_weight",
            ep.name
        ),
    })?;
    let kind = SynapseKind {
        weight: w * ns.unwrap_or(1.0),
        delay_ms: d.unwrap_or(DEFAULT_DELAY_MS),
        receptor: types.receptor(t)?,
    };
    Ok((out.push_kind(kind), d.is_some()))
}

/// The per-edge values of one chunk of edges: read straight from their datasets when the
/// layout allows, else taken from the population's merged columns; a value stored nowhere per
/// edge comes from the edge's type.
struct EdgeValues<'a> {
    chunks: [Option<Vec<f64>>; 3],
    merged: Option<&'a [Option<Column>; 3]>,
}

impl EdgeValues<'_> {
    /// syn_weight, delay, nsyns of edge `e` (the `i`-th of the chunk), `of_type` its type's.
    fn of_edge(&self, i: usize, e: usize, of_type: [Option<f64>; 3]) -> [Option<f64>; 3] {
        std::array::from_fn(|which| match (&self.chunks[which], self.merged) {
            (Some(c), _) => Some(c[i]),
            (None, Some(cols)) => cols[which].as_ref().and_then(|c| c.f64(e)),
            (None, None) => of_type[which],
        })
    }
}

/// Weight (syn_weight x nsyns) and delay of one edge whose values are finite; an edge without
/// syn_weight is an error, one without delay gets NEST's default (and is counted).
fn weight_and_delay(
    ep: &EdgePopulation,
    e: usize,
    t: i64,
    [w, d, ns]: [Option<f64>; 3],
    default_delay: &mut Offenders,
) -> SimResult<(f64, f64)> {
    let w = w.ok_or_else(|| SimError::BadData {
        path: ep.file.clone(),
        message: format!(
            "edge population '{}': edge {e} has no syn_weight (neither in the file nor in edge_types.csv for edge_type_id {t})",
            ep.name
        ),
    })?;
    let d = d.unwrap_or_else(|| {
        default_delay.add(e as u64);
        DEFAULT_DELAY_MS
    });
    Ok((w * ns.unwrap_or(1.0), d))
}

/// Some of weight, delay and nsyns are stored per edge: read them in chunks, one synapse kind
/// per distinct (edge type, weight x nsyns, delay).
fn kinds_per_edge(ep: &EdgePopulation, types: &mut EdgeTypes, n: usize) -> SimResult<Kinds> {
    let mut out = Kinds {
        kind: Vec::with_capacity(n),
        ..Default::default()
    };
    let mut kind_ix: FxHashMap<(i64, u64, u64), u32> = FxHashMap::default();
    let streamable = VALUES.iter().all(|a| {
        !ep.has_h5_attribute(a) || matches!(ep.h5_attribute_f64_range(a, 0..1), Ok(Some(_)))
    });
    let merged: Option<[Option<Column>; 3]> = if streamable {
        None
    } else {
        Some([
            ep.attribute(VALUES[0])?,
            ep.attribute(VALUES[1])?,
            ep.attribute(VALUES[2])?,
        ])
    };
    let mut not_a_number: [Offenders; 3] = Default::default();
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let type_ids = ep.dataset_i64_range("edge_type_id", start..end)?;
        let mut chunks = [None, None, None];
        if merged.is_none() {
            for (chunk, name) in chunks.iter_mut().zip(VALUES) {
                *chunk = ep.h5_attribute_f64_range(name, start..end)?;
            }
        }
        let values = EdgeValues {
            chunks,
            merged: merged.as_ref(),
        };
        let mut last: Option<(i64, [Option<f64>; 3])> = None;
        for (i, e) in (start..end).enumerate() {
            let t = type_ids.get(i).copied().unwrap_or(-1);
            if !types.is_known(t) {
                out.unknown_type.add(e as u64);
                out.kind.push(u32::MAX);
                continue;
            }
            let of_type = match last {
                Some((lt, v)) if lt == t => v,
                _ => {
                    let v = types.values(t)?;
                    last = Some((t, v));
                    v
                }
            };
            let v = values.of_edge(i, e, of_type);
            let mut finite = true;
            for (x, offenders) in v.iter().zip(not_a_number.iter_mut()) {
                if x.is_some_and(|x| !x.is_finite()) {
                    offenders.add(e as u64);
                    finite = false;
                }
            }
            if !finite {
                out.kind.push(u32::MAX);
                continue;
            }
            let (w, d) = weight_and_delay(ep, e, t, v, &mut out.default_delay)?;
            let key = (t, w.to_bits(), d.to_bits());
            let k = match kind_ix.get(&key) {
                Some(&k) => k,
                None => {
                    let kind = SynapseKind {
                        weight: w,
                        delay_ms: d,
                        receptor: types.receptor(t)?,
                    };
                    let k = out.push_kind(kind);
                    kind_ix.insert(key, k);
                    k
                }
            };
            out.kind.push(k);
        }
        start = end;
    }
    for (offenders, column) in not_a_number.iter().zip(VALUES) {
        if !offenders.is_empty() {
            return Err(SimError::BadData {
                path: ep.file.clone(),
                message: format!(
                    "edge population '{}': {column} not a finite number for {}",
                    ep.name,
                    offenders.summary("edge", "edges", "")
                ),
            });
        }
    }
    Ok(out)
}

/// The projection of an edge population.
pub(super) fn build_projection(
    ep: &EdgePopulation,
    index: &PopulationIndex,
    populations: &[Population],
    sources: &[SourcePopulation],
    synapse_dir: Option<&Path>,
    warnings: &mut Vec<String>,
) -> SimResult<Projection> {
    let Ends {
        source,
        src,
        target,
        tgt,
    } = ends(ep, index, populations, sources)?;
    let n = src.len();
    let mut types = EdgeTypes::new(ep, synapse_dir);
    let per_edge = VALUES.iter().any(|a| ep.has_h5_attribute(a));
    let kinds = if per_edge {
        kinds_per_edge(ep, &mut types, n)?
    } else {
        kinds_per_type(ep, &mut types, n)?
    };
    if !kinds.unknown_type.is_empty() {
        let table = types.table_path();
        return Err(SimError::BadData {
            path: ep.file.clone(),
            message: format!(
                "edge population '{}': edge_type_id not in {} for {}",
                ep.name,
                table.display(),
                kinds.unknown_type.summary("edge", "edges", "")
            ),
        });
    }
    if kinds.kind.len() != n {
        return Err(SimError::BadData {
            path: ep.file.clone(),
            message: format!(
                "edge population '{}': {} edge_type_id for {n} edges",
                ep.name,
                kinds.kind.len()
            ),
        });
    }
    if !kinds.default_delay.is_empty() {
        warnings.push(format!(
            "{}: edge population '{}': no delay for {}; NEST's default {DEFAULT_DELAY_MS} ms used",
            ep.file.display(),
            ep.name,
            kinds.default_delay.summary("edge", "edges", "")
        ));
    }
    Ok(Projection {
        name: ep.name.clone(),
        source,
        target,
        src,
        tgt,
        kind: kinds.kind,
        kinds: kinds.kinds,
        weight: None,
        delay_ms: None,
    })
}

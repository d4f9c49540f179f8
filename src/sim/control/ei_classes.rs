//! E/I classes of a network's projections, where the model says which nodes are inhibitory: a
//! node whose outgoing synapses have negative weights is inhibitory, every other node
//! excitatory. A projection whose edges fall into more than one class (E->E, E->I, I->E, I->I)
//! is split into one projection per class, named `EDGES:E->I`, so that each can be scaled on its
//! own; edges keep their order within a class.
use crate::sim::network::{Network, Projection, SourceRef};

/// The class names, in order (source class, then target class).
pub const CLASSES: [&str; 4] = ["E->E", "E->I", "I->E", "I->I"];

/// A weight factor's reach: an edge population, or one of its E/I classes.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightGroup {
    /// What the interventions call it: the edge population's name, or `EDGES:E->I`.
    pub name: String,
    /// The engine's projections it scales.
    pub projections: Vec<String>,
    pub edges: usize,
}

/// Name of the projection holding one class of an edge population.
pub fn class_name(edges: &str, class: &str) -> String {
    format!("{edges}:{class}")
}

/// Per population: which rows are inhibitory (some outgoing weight below 0).
fn inhibitory(net: &Network) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
    let mut neurons: Vec<Vec<bool>> = net
        .populations
        .iter()
        .map(|p| vec![false; p.len()])
        .collect();
    let mut sources: Vec<Vec<bool>> = net
        .sources
        .iter()
        .map(|s| vec![false; s.node_ids.len()])
        .collect();
    for p in &net.projections {
        let flags = match p.source {
            SourceRef::Neurons(i) => neurons.get_mut(i),
            SourceRef::Sources(i) => sources.get_mut(i),
        };
        let Some(flags) = flags else { continue };
        for e in 0..p.len() {
            if p.weight_of(e) < 0.0
                && let Some(f) = flags.get_mut(p.src[e] as usize)
            {
                *f = true;
            }
        }
    }
    (neurons, sources)
}

/// Splits the projections by class (see the module) and returns the weight groups: one per edge
/// population, and one per class of a split population.
pub fn split_by_class(net: &mut Network) -> Vec<WeightGroup> {
    let (inh_neurons, inh_sources) = inhibitory(net);
    let any_inhibitory = inh_neurons.iter().chain(&inh_sources).flatten().any(|&b| b);
    let mut groups = Vec::new();
    let mut out = Vec::with_capacity(net.projections.len());
    for p in std::mem::take(&mut net.projections) {
        let src_inh = match p.source {
            SourceRef::Neurons(i) => inh_neurons.get(i),
            SourceRef::Sources(i) => inh_sources.get(i),
        };
        let tgt_inh = inh_neurons.get(p.target);
        let class_of = |e: usize| {
            let s = src_inh
                .and_then(|f| f.get(p.src[e] as usize))
                .copied()
                .unwrap_or(false);
            let t = tgt_inh
                .and_then(|f| f.get(p.tgt[e] as usize))
                .copied()
                .unwrap_or(false);
            2 * s as usize + t as usize
        };
        let mut edges_of = [0usize; 4];
        if any_inhibitory {
            for e in 0..p.len() {
                edges_of[class_of(e)] += 1;
            }
        }
        let present = edges_of.iter().filter(|&&n| n > 0).count();
        if present < 2 {
            groups.push(WeightGroup {
                name: p.name.clone(),
                projections: vec![p.name.clone()],
                edges: p.len(),
            });
            out.push(p);
            continue;
        }
        let mut parts: Vec<Projection> = CLASSES
            .iter()
            .map(|c| Projection {
                name: class_name(&p.name, c),
                source: p.source,
                target: p.target,
                src: Vec::new(),
                tgt: Vec::new(),
                kind: Vec::new(),
                kinds: p.kinds.clone(),
                weight: p.weight.as_ref().map(|_| Vec::new()),
                delay_ms: p.delay_ms.as_ref().map(|_| Vec::new()),
            })
            .collect();
        for e in 0..p.len() {
            let q = &mut parts[class_of(e)];
            q.src.push(p.src[e]);
            q.tgt.push(p.tgt[e]);
            q.kind.push(p.kind[e]);
            if let (Some(w), Some(pw)) = (q.weight.as_mut(), p.weight.as_ref()) {
                w.push(pw[e]);
            }
            if let (Some(d), Some(pd)) = (q.delay_ms.as_mut(), p.delay_ms.as_ref()) {
                d.push(pd[e]);
            }
        }
        let parts: Vec<Projection> = parts.into_iter().filter(|q| !q.is_empty()).collect();
        groups.push(WeightGroup {
            name: p.name.clone(),
            projections: parts.iter().map(|q| q.name.clone()).collect(),
            edges: p.len(),
        });
        for q in &parts {
            groups.push(WeightGroup {
                name: q.name.clone(),
                projections: vec![q.name.clone()],
                edges: q.len(),
            });
        }
        out.extend(parts);
    }
    net.projections = out;
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Model;
    use crate::sim::network::{Population, SynapseKind};

    #[test]
    fn negative_weights_make_inhibitory_sources_and_split_recurrent_edges() {
        let model = Model::from_nest("iaf_psc_alpha", &serde_json::Map::new())
            .unwrap()
            .0;
        let kind = |w: f64| SynapseKind {
            weight: w,
            delay_ms: 1.0,
            receptor: 0,
        };
        // rows 0, 1 excitatory, row 2 inhibitory
        let rec = Projection {
            name: "rec".into(),
            source: SourceRef::Neurons(0),
            target: 0,
            src: vec![0, 2, 1, 2, 0],
            tgt: vec![1, 0, 2, 1, 2],
            kind: vec![0, 1, 0, 1, 0],
            kinds: vec![kind(2.0), kind(-5.0)],
            weight: None,
            delay_ms: None,
        };
        let mut net = Network {
            dt: 0.1,
            populations: vec![Population::uniform("v1", model, 3)],
            projections: vec![rec],
            ..Default::default()
        };
        let groups = split_by_class(&mut net);
        let names: Vec<&str> = net.projections.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["rec:E->E", "rec:E->I", "rec:I->E"]);
        assert_eq!(net.projections[0].src, [0]);
        assert_eq!(net.projections[1].tgt, [2, 2]);
        assert_eq!(net.projections[2].src, [2, 2]);
        assert_eq!(groups[0].name, "rec");
        assert_eq!(groups[0].projections.len(), 3);
        assert_eq!(groups[0].edges, 5);
        assert_eq!(groups.len(), 4);
    }
}

//! The spikes of `tests/data/written/spikes_by_{time,id}.h5`: deterministic pseudo-random values
//! from a 64-bit LCG, shared by `examples/write_spikes_sample.rs` (which writes the committed
//! files) and `tests/sonata_spikes_writer.rs` (which regenerates them), through `#[path]`.

use cortexview::sonata::PopulationSpikes;

/// Knuth's MMIX LCG; the high bits are the output.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `count` spikes of `n_nodes` nodes in file order (unsorted). Times are multiples of 0.25 ms
/// (exact in binary, so JSON round trips are exact) drawn from `n_ticks` ticks, few enough to
/// force ties in time; every 7th spike repeats the previous spike's time on another node.
fn population(
    rng: &mut Lcg,
    name: &str,
    count: usize,
    n_nodes: u64,
    n_ticks: u64,
) -> PopulationSpikes {
    let mut node_ids = Vec::with_capacity(count);
    let mut timestamps = Vec::with_capacity(count);
    for i in 0..count {
        let id = rng.below(n_nodes);
        let t = match timestamps.last() {
            Some(&prev) if i % 7 == 0 => prev,
            _ => rng.below(n_ticks) as f64 * 0.25,
        };
        node_ids.push(id);
        timestamps.push(t);
    }
    PopulationSpikes {
        population: name.to_owned(),
        node_ids,
        timestamps,
        sorting: None,
    }
}

/// The sample: population "v1" (50 spikes of 20 nodes) and "lgn" (30 spikes of 10 nodes).
pub fn sample_spikes() -> Vec<PopulationSpikes> {
    let mut rng = Lcg(0x5EED_C0DE);
    vec![
        population(&mut rng, "v1", 50, 20, 40),
        population(&mut rng, "lgn", 30, 10, 24),
    ]
}

//! What the viewer benchmarks share: where the 230,924-neuron V1-like network lies, and opening
//! it with one set of spikes (the config's output, else NEST's), never both.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cortexview::view::scene::Scene;

/// `~/.cache/cortexview-peers/nets/v1_iaf_n230924` (`scripts/build_peer_nets.py` builds it).
pub fn default_net() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cache/cortexview-peers/nets/v1_iaf_n230924")
}

/// Opens `net` with the config's output spikes, else NEST's (`output_nest_h5py/spikes.h5`), and
/// prints what it loaded and how long it took.
pub fn open_with_spikes(net: &Path) -> anyhow::Result<Scene> {
    let start = Instant::now();
    let mut scene = Scene::open(net, &[])?;
    let has_output = scene
        .spikes
        .iter()
        .any(|s| s.source.contains("(output)") && !s.index.is_empty());
    let nest = net.join("output_nest_h5py/spikes.h5");
    if !has_output && nest.exists() {
        let pops = cortexview::sonata::read_spikes(&nest)?;
        scene.add_spikes(&nest.display().to_string(), pops);
    }
    for s in &scene.spikes {
        println!(
            "spikes: {} ({}) from {}",
            s.index.population,
            s.index.len(),
            s.source
        );
    }
    let n_spikes: usize = scene.spikes.iter().map(|s| s.index.len()).sum();
    println!(
        "loaded {} neurons, {n_spikes} spikes in {:.2} s",
        scene.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(scene)
}

//! Writes `tests/data/written/spikes_by_time.h5` and `spikes_by_id.h5` (or into the folder given
//! as the first argument) with `write_spikes`, for the peers (libsonata, bmtk) to read back:
//! see `scripts/references/make_written_spikes.sh`.

use std::path::PathBuf;

use cortexview::sonata::{SortOrder, write_spikes};

#[path = "../tests/common/spike_sample.rs"]
mod spike_sample;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tests/data/written"));
    let spikes = spike_sample::sample_spikes();
    for (name, order) in [
        ("spikes_by_time.h5", SortOrder::ByTime),
        ("spikes_by_id.h5", SortOrder::ById),
    ] {
        let path = dir.join(name);
        write_spikes(&path, &spikes, order)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

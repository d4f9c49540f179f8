//! `ScenePlugin`: background loads taken onto the screen, and representations re-applied
//! when they change.

use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future};

use super::model::{NeuronInstance, Scene};
use super::overlays;
use super::state::{LoadTask, ViewerState};
use crate::view::camera::OrbitCamera;
use crate::view::cuts::model::Cuts;
use crate::view::playback::Playback;
use crate::view::render::neurons::NeuronData;

/// Holds the scene, applies representations, loads in the background.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ViewerState>()
            .init_resource::<LoadTask>()
            .add_systems(Update, (poll_load, restyle_scene).chain());
    }
}

/// Takes a finished background load onto the screen (live runs start after it).
pub fn poll_load(
    mut task: ResMut<LoadTask>,
    mut state: ResMut<ViewerState>,
    mut playback: ResMut<Playback>,
) {
    let Some((path, t)) = task.0.as_mut() else {
        return;
    };
    let Some(result) = block_on(future::poll_once(t)) else {
        return;
    };
    let path = path.clone();
    task.0 = None;
    state.loading = None;
    state.load_progress = None;
    match result {
        Ok(scene) => {
            info!("loaded {} ({} neurons)", path.display(), scene.len());
            state.opened = Some(path);
            playback.fit_scene(&scene);
            state.set_scene(scene);
        }
        Err(e) => {
            let msg = format!("{e:#}");
            error!("{msg}");
            state.error = Some(msg);
        }
    }
}

pub fn restyle_scene(
    mut state: ResMut<ViewerState>,
    playback: Res<Playback>,
    mut data: ResMut<NeuronData>,
    mut cameras: Query<(&mut OrbitCamera, &Camera)>,
) {
    if !state.restyle && !state.styled.has_cuts(state.slab.as_ref(), &state.clip) {
        // The cuts alone changed: re-applied to the styled instances, no restyle.
        let (slab, clip) = (state.slab, state.clip.clone());
        state.styled.apply_cuts(slab.as_ref(), &clip);
        state.styled_generation += 1;
        state.redraw = true;
    }
    if !state.restyle {
        if std::mem::take(&mut state.redraw)
            && let Some(scene) = state.scene.clone()
        {
            data.set_instances(overlaid(&state, &state.styled.instances, &scene));
        }
        return;
    }
    state.restyle = false;
    state.redraw = false;
    let Some(scene) = state.scene.clone() else {
        return;
    };
    let probe_sites = state.probe_sites.clone();
    let mut styled = scene.style_near(
        &state.representations,
        state.show_virtual,
        probe_sites.as_deref().map(Vec::as_slice),
    );
    styled.apply_cuts(state.slab.as_ref(), &state.clip);
    data.set_instances(overlaid(&state, &styled.instances, &scene));
    if state.fit_pending {
        state.fit_pending = false;
        let (center, radius) = scene.bounds(&styled.instances);
        for (mut cam, camera) in &mut cameras {
            let aspect = camera
                .logical_viewport_size()
                .map(|s| s.x / s.y.max(1.0))
                .unwrap_or(16.0 / 9.0);
            cam.fit(Vec3::from(center), radius, aspect);
        }
    }
    // A live run: the last seconds only (the raster's window; a full-range pass would grow
    // with every second simulated).
    let rate_range = if state.live {
        let t = playback.range.1;
        ((t - 5000.0).max(0.0), t.max(1.0))
    } else {
        playback.range
    };
    state.rates = scene.rates(&styled.instances, rate_range, 400);
    state.styled = styled;
    state.styled_generation += 1;
}

/// The styled instances with report colours, raster rows, partners and the picked neuron.
fn overlaid(state: &ViewerState, styled: &[NeuronInstance], scene: &Scene) -> Vec<NeuronInstance> {
    overlays::compose(
        styled,
        &overlays::Overlays {
            value_colors: &state.value_colors,
            raster_rows: state.raster_rows.clone(),
            partners: state
                .partners
                .as_deref()
                // Dimming everything for partners that are not drawn would hide the view.
                .filter(|p| !p.pre.is_empty() || !p.post.is_empty())
                .map(|p| (p.pre.as_slice(), p.post.as_slice())),
            probe_units: &state.probe_units,
            picked: state.picked,
            base_radius: scene.base_radius,
            cuts: Some(&Cuts::new(state.slab.as_ref(), &state.clip)),
        },
    )
}

//! An egui texture shown from the frame after it was made.

use bevy_egui::egui;

/// A texture shown from the frame after it was made: bevy_egui uploads new textures a frame
/// late, so one replaced every frame would never show.
#[derive(Default)]
pub struct LaggedTexture {
    key: Option<(u64, u64, usize, usize, u64)>,
    newest: Option<egui::TextureHandle>,
    shown: Option<egui::TextureHandle>,
}

impl LaggedTexture {
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        key: (u64, u64, usize, usize, u64),
        make: impl FnOnce() -> egui::ColorImage,
    ) -> Option<egui::TextureId> {
        if self.key != Some(key) {
            let tex = ctx.load_texture(name, make(), egui::TextureOptions::NEAREST);
            self.shown = self.newest.replace(tex).or(self.shown.take());
            self.key = Some(key);
        } else if let Some(t) = &self.newest {
            self.shown = Some(t.clone());
        }
        self.shown.as_ref().map(egui::TextureHandle::id)
    }
}

//! Presenter mode's Tab hides the floating windows with the panels (no GPU: an egui context on
//! its own): a hidden window draws nothing on screen and takes no pointer; shown again it is
//! where it was; a closed window stays closed.
#![cfg(feature = "viewer")]

use bevy_egui::egui;
use cortexview::view::session::presenter::set_windows_hidden;

const SCREEN: egui::Rect = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(800.0, 600.0));

/// One frame with the window "Looks" open and "Cuts" shown only if `cuts`; the number of shapes
/// drawn on screen.
fn frame(ctx: &egui::Context, cuts: bool) -> usize {
    let input = egui::RawInput {
        screen_rect: Some(SCREEN),
        ..Default::default()
    };
    let output = ctx.run_ui(input, |ui| {
        egui::Window::new("Looks")
            .default_pos([200.0, 150.0])
            .show(ui.ctx(), |ui| {
                ui.label("bloom, depth cueing");
                let _ = ui.button("a button");
            });
        if cuts {
            egui::Window::new("Cuts")
                .default_pos([500.0, 300.0])
                .show(ui.ctx(), |ui| ui.label("slab"));
        }
    });
    let on_screen = output
        .shapes
        .iter()
        .filter(|s| {
            let r = s.shape.visual_bounding_rect();
            r.is_positive() && r.intersects(SCREEN) && s.clip_rect.intersects(SCREEN)
        })
        .count();
    output.drop_without_applying_deltas();
    on_screen
}

#[test]
fn tab_hides_the_open_windows_and_brings_them_back_where_they_were() {
    let ctx = egui::Context::default();
    // the windows shown
    let windows = || -> Vec<egui::LayerId> {
        let mut layers: Vec<_> = ctx
            .memory(|m| m.areas().visible_layer_ids())
            .into_iter()
            .filter(|l| l.order == egui::Order::Middle)
            .collect();
        layers.sort_by_key(|l| l.id.value());
        layers
    };
    for _ in 0..3 {
        frame(&ctx, false);
    }
    let [looks] = windows()[..] else {
        panic!("one window: {:?}", windows());
    };
    for _ in 0..3 {
        frame(&ctx, true);
    }
    let cuts = windows()
        .into_iter()
        .find(|&l| l != looks)
        .expect("Cuts shown");
    // Cuts closes (its panel no longer draws it)
    for _ in 0..3 {
        frame(&ctx, false);
    }
    assert_eq!(windows(), vec![looks]);
    let rect = ctx
        .memory(|m| m.area_rect(looks.id))
        .expect("Looks is shown");
    assert!(rect.intersects(SCREEN));
    assert_eq!(ctx.layer_id_at(rect.center()), Some(looks));
    let shown = frame(&ctx, false);
    assert!(shown > 3, "the window draws on screen ({shown} shapes)");

    // Tab: the open window hides, drawing nothing on screen and taking no pointer
    let mut moved = Vec::new();
    set_windows_hidden(&ctx, true, &mut moved);
    assert_eq!(moved, vec![looks]);
    assert_eq!(frame(&ctx, false), 0, "nothing drawn on screen");
    let under = ctx.layer_id_at(rect.center());
    assert!(
        under.is_some_and(|l| l.order == egui::Order::Background),
        "{under:?}"
    );
    // a window opening while hidden is hidden the next time
    frame(&ctx, true);
    set_windows_hidden(&ctx, true, &mut moved);
    assert_eq!(moved, vec![looks, cuts]);
    assert_eq!(frame(&ctx, true), 0);
    // and closes again meanwhile
    for _ in 0..3 {
        frame(&ctx, false);
    }

    // Tab again: the window open is back where it was; the closed one stays closed
    set_windows_hidden(&ctx, false, &mut moved);
    assert!(moved.is_empty());
    assert_eq!(frame(&ctx, false), shown, "the same window drawn again");
    assert_eq!(ctx.memory(|m| m.area_rect(looks.id)), Some(rect));
    assert_eq!(ctx.layer_id_at(rect.center()), Some(looks));
    frame(&ctx, false);
    assert_eq!(
        windows(),
        vec![looks],
        "Cuts, closed meanwhile, stays closed"
    );
}

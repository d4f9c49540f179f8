//! How far a load has come, for a progress bar: steps done out of a total, and what is being
//! read. Shared between the loading thread (which advances it) and the UI (which reads it),
//! so it is lock-free apart from the step's name.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct LoadProgress {
    done: AtomicUsize,
    total: AtomicUsize,
    step: Mutex<String>,
}

impl LoadProgress {
    /// Adds `n` steps to the total (a loader announces its files before reading them).
    pub fn add_total(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    /// Names what is being read now.
    pub fn begin(&self, step: impl Into<String>) {
        if let Ok(mut s) = self.step.lock() {
            *s = step.into();
        }
    }

    /// One step finished.
    pub fn finish_one(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Steps done and announced.
    pub fn counts(&self) -> (usize, usize) {
        let total = self.total.load(Ordering::Relaxed);
        (self.done.load(Ordering::Relaxed).min(total), total)
    }

    /// Done as a fraction in 0..=1 (0 before anything was announced).
    pub fn fraction(&self) -> f32 {
        let (done, total) = self.counts();
        if total == 0 {
            0.0
        } else {
            done as f32 / total as f32
        }
    }

    /// What is being read now.
    pub fn step(&self) -> String {
        self.step.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_follows_steps_and_never_passes_one() {
        let p = LoadProgress::default();
        assert_eq!(p.fraction(), 0.0);
        p.add_total(4);
        p.begin("nodes a.h5");
        p.finish_one();
        assert_eq!(p.counts(), (1, 4));
        assert_eq!(p.step(), "nodes a.h5");
        for _ in 0..5 {
            p.finish_one();
        }
        assert_eq!(p.fraction(), 1.0);
    }
}

//! Progress on stderr: a bar with events/s and ETA on a terminal (indicatif), a log line
//! per 10% otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Progress over a known number of events.
pub struct Progress {
    bar: Option<ProgressBar>,
    log: bool,
    total: u64,
    done: AtomicU64,
    start: Instant,
}

impl Progress {
    /// Progress over `total` events (`enabled: false`: silent).
    pub fn new(enabled: bool, total: u64) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (enabled && tty).then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{bar:30} {human_pos}/{human_len} events, {per_sec}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            log: enabled && !tty,
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// `events` more are done.
    pub fn add(&self, events: u64) {
        let before = self.done.fetch_add(events, Ordering::Relaxed);
        let now = before + events;
        if let Some(bar) = &self.bar {
            bar.inc(events);
        } else if self.log && self.total > 0 && (before * 10 / self.total != now * 10 / self.total)
        {
            let rate = now as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "processed {now}/{} events ({:.0}%), {:.2} M events/s",
                self.total,
                now as f64 * 100.0 / self.total as f64,
                rate / 1e6
            );
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

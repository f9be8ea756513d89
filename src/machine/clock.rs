//! The machine's idea of time: the caller's `now`, in milliseconds, never going back.

use core::time::Duration;

use super::io::Now;

pub(super) struct Clock {
    #[cfg(feature = "std")]
    epoch: Option<std::time::Instant>,
    /// Whether the caller's last `now` was an `Instant`, so deadlines are given back in the
    /// kind of clock the caller uses.
    #[cfg(feature = "std")]
    instants: bool,
    last_ms: u64,
}

/// Whole milliseconds, saturating (without the 128-bit arithmetic of `as_millis`).
fn millis(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(d.subsec_millis()))
}

impl Clock {
    pub(super) const fn new() -> Self {
        Clock {
            #[cfg(feature = "std")]
            epoch: None,
            #[cfg(feature = "std")]
            instants: false,
            last_ms: 0,
        }
    }

    /// Takes the caller's `now` and answers the machine's time, which never goes back.
    pub(super) fn tick(&mut self, now: Now) -> u64 {
        let ms = match now {
            Now::Elapsed(d) => {
                #[cfg(feature = "std")]
                {
                    self.instants = false;
                }
                millis(d)
            }
            #[cfg(feature = "std")]
            Now::Instant(i) => {
                self.instants = true;
                let epoch = *self.epoch.get_or_insert(i);
                millis(i.saturating_duration_since(epoch))
            }
        };
        // Clamped far below u64::MAX (a hundred million years) so that an expiry computed from
        // it never saturates into "expires when it is issued".
        self.last_ms = self.last_ms.max(ms.min(u64::MAX / 4));
        self.last_ms
    }

    /// The machine's time now, in milliseconds.
    pub(super) fn now_ms(&self) -> u64 {
        self.last_ms
    }

    /// A machine time as the caller's kind of `now`.
    pub(super) fn to_now(&self, ms: u64) -> Now {
        let d = Duration::from_millis(ms);
        #[cfg(feature = "std")]
        if let (true, Some(epoch)) = (self.instants, self.epoch) {
            return Now::Instant(epoch.checked_add(d).unwrap_or(epoch));
        }
        Now::Elapsed(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_monotonic_and_starts_at_the_first_instant() {
        let mut c = Clock::new();
        assert_eq!(c.tick(Now::Elapsed(Duration::from_secs(5))), 5000);
        assert_eq!(c.tick(Now::Elapsed(Duration::from_secs(1))), 5000);
        assert_eq!(c.to_now(7000), Now::Elapsed(Duration::from_secs(7)));
        #[cfg(feature = "std")]
        {
            let mut c = Clock::new();
            let t0 = std::time::Instant::now();
            assert_eq!(c.tick(Now::Instant(t0)), 0);
            assert_eq!(c.tick(Now::Instant(t0 + Duration::from_millis(1500))), 1500);
            assert_eq!(c.to_now(2000), Now::Instant(t0 + Duration::from_secs(2)));
        }
    }
}

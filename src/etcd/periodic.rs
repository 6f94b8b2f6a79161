//! Work the adapter does on its own, at a steady pace, for as long as its pool lives.

use super::pool::Pool;
use std::sync::Arc;
use std::time::Duration;

/// Runs `round` on the pool every `interval`, the first at once, until the pool is dropped; a
/// round that took longer than the interval delays the next rather than bunching them. The
/// health check, the metrics sampler and the alerts read from Prometheus run so.
pub(super) fn every<F, Fut>(pool: &Arc<Pool>, interval: Duration, round: F)
where
    F: Fn(Arc<Pool>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let pool = Arc::downgrade(pool);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(pool) = pool.upgrade() else { break };
            round(pool).await;
        }
    });
}

//! What operators see: per-operation statistics (shared memory when preloaded), the Prometheus text
//! of `fraiseql.metrics()`, and the optional JSON line per request in the server log.
pub mod metrics;
pub mod request_log;
pub mod stats;

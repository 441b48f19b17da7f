//! Running SQL inside the backend: the generated statement through SPI (read-only, in a
//! subtransaction, JIT off), the per-backend cache of plans and prepared statements, the json
//! response handed back without passing through serde, jsonb arguments read as they come, and the read-only SPI reads of fraiseql's own
//! tables (as the extension owner, without a transaction id, so they work on hot standbys).
pub mod json;
pub mod jsonb;
pub mod plan_cache;
pub mod spi_read;
pub mod statement;

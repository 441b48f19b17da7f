//! Running SQL inside the backend: the generated statement through SPI (read-only, in a
//! subtransaction, JIT off), the per-backend cache of plans and prepared statements, the jsonb
//! result handed back without passing through serde, and the read-only SPI reads of fraiseql's own
//! tables (as the extension owner, without a transaction id, so they work on hot standbys).
pub mod jsonb;
pub mod plan_cache;
pub mod spi_read;
pub mod statement;

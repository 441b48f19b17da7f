//! A request document's way to a plan, before any SQL: parse → (limits) → validate → coerce the
//! variables → collect the fields. Each stage is a module; `crate::plan` takes what `collect` returns.
pub mod collect;
pub mod document;
pub mod limits;
pub mod validate;
pub mod variables;

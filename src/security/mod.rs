//! Who may run what: JWT claims copied to the settings RLS policies read, and persisted queries
//! (automatic persisted queries and the allow-list of `fraiseql.persisted_queries_only`).
pub mod claims;
pub mod persisted;

//! fraiseql's settings (`fraiseql.*`), each with the reason for its default. The prefix is
//! reserved, so a misspelt `SET fraiseql.max_limt = …` fails instead of silently doing nothing.
//! Also the session values a request reads: other settings (PostgREST's `request.*`,
//! `app.tenant_id`) and the current role.
use std::ffi::CStr;

use fraiseql_core::profile::{Profile, Rules};
use fraiseql_core::request::limits::QueryLimits;
use fraiseql_core::PageSizes;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

/// Rows a list returns when the query gives no `limit`/`first`: enough for a page, small enough
/// that a forgotten limit cannot dump a table.
static DEFAULT_LIMIT: GucSetting<i32> =
    GucSetting::<i32>::new(PageSizes::DEFAULT.default_limit as i32);
/// The largest page a client may ask for. Superuser-only: it is a safety limit, not a preference.
static MAX_LIMIT: GucSetting<i32> = GucSetting::<i32>::new(PageSizes::DEFAULT.max_limit as i32);
/// Entries in each per-backend cache (parsed documents, plans, prepared statements); 0 disables.
static PLAN_CACHE_SIZE: GucSetting<i32> = GucSetting::<i32>::new(256);
/// The schema `execute` answers with (see `fraiseql.load_schema(sdl, name)`).
static SCHEMA: GucSetting<Option<std::ffi::CString>> =
    GucSetting::<Option<std::ffi::CString>>::new(Some(c"default"));

/// JWT claims (from PostgREST's `request.jwt.claims`) copied to settings for each call, as
/// `claim=setting,…`. Superuser-only: it decides which settings RLS policies can trust.
static CLAIMS_MAP: GucSetting<Option<std::ffi::CString>> =
    GucSetting::<Option<std::ffi::CString>>::new(Some(c"tenant_id=app.tenant_id,sub=app.user_id"));

/// A server-side file of audit keys (`key_id:hexsecret` per line, the last one signs), for a KMS or
/// Vault agent to write. Superuser/SIGHUP only; when unset, keys come from fraiseql.audit_set_key().
static AUDIT_KEY_FILE: GucSetting<Option<std::ffi::CString>> =
    GucSetting::<Option<std::ffi::CString>>::new(None);
/// `fraiseql.audit_variables`: what the audit log keeps of each mutation's variables.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuditVariables {
    #[name = c"full"]
    Full,
    #[name = c"hash"]
    Hash,
}

static AUDIT_VARIABLES: GucSetting<AuditVariables> =
    GucSetting::<AuditVariables>::new(AuditVariables::Full);

/// Answer `__schema` and `__type` (GraphiQL, Apollo, codegen need them). Superuser-only: turning
/// introspection off is a security decision, not a client preference.
static INTROSPECTION: GucSetting<bool> = GucSetting::<bool>::new(true);

/// Largest request document, in bytes: parsing cost grows with size, and real clients send a few kB.
static MAX_QUERY_SIZE: GucSetting<i32> = GucSetting::<i32>::new(100_000);
/// Deepest field nesting (fragments expanded): the standard introspection query needs 13.
static MAX_DEPTH: GucSetting<i32> = GucSetting::<i32>::new(QueryLimits::DEFAULT.max_depth as i32);
/// Most field occurrences in one operation (fragments expanded), a bound on the statement's size.
static MAX_FIELDS: GucSetting<i32> = GucSetting::<i32>::new(QueryLimits::DEFAULT.max_fields as i32);

/// Most aliases in one operation (fragments expanded). graphql-armor's default is 15; aliases are how
/// one small document asks for the same expensive list many times over.
static MAX_ALIASES: GucSetting<i32> =
    GucSetting::<i32>::new(QueryLimits::DEFAULT.max_aliases as i32);
/// Largest estimated cost (see `fraiseql_core::limits`: each field 1, each list multiplying what it
/// selects by its page size). 50,000 admits a page of 100 with a nested page of 100 and a few
/// fields each, and refuses three nested default-sized lists (about a million rows).
static MAX_COST: GucSetting<i32> = GucSetting::<i32>::new(QueryLimits::DEFAULT.max_cost as i32);
/// Largest `variables` (and `extensions`) value, in bytes: 100 kB, like the request-body limit of
/// common HTTP servers (Express's body-parser); a 1.4 MB OR list took 1.6 s and 374 MB to run.
static MAX_VARIABLES_SIZE: GucSetting<i32> = GucSetting::<i32>::new(100_000);

/// `fraiseql.security_profile`: stricter defaults for regulated data (see `fraiseql_core::profile`).
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SecurityProfile {
    #[name = c"standard"]
    Standard,
    #[name = c"regulated"]
    Regulated,
    #[name = c"restricted"]
    Restricted,
}

/// `fraiseql.log_requests`: which requests write a JSON line to the server log.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogRequests {
    #[name = c"off"]
    Off,
    #[name = c"errors"]
    Errors,
    #[name = c"all"]
    All,
}

static LOG_REQUESTS: GucSetting<LogRequests> = GucSetting::<LogRequests>::new(LogRequests::Off);

static SECURITY_PROFILE: GucSetting<SecurityProfile> =
    GucSetting::<SecurityProfile>::new(SecurityProfile::Standard);
/// Replace database and internal error messages in responses with a reference to the server log
/// (they can name tables, columns and constraints).
static MASK_ERRORS: GucSetting<bool> = GucSetting::<bool>::new(false);
/// Append an audit entry for every query too, not only for mutations.
static AUDIT_QUERIES: GucSetting<bool> = GucSetting::<bool>::new(false);
/// Run only documents registered in `fraiseql.persisted_query` (an allow-list).
static PERSISTED_QUERIES_ONLY: GucSetting<bool> = GucSetting::<bool>::new(false);

/// Registers every setting, each with a short description and, in `pg_settings.extra_desc`, the
/// reason for its default.
pub fn init() {
    define_security();
    define_request_limits();
    define_pages_and_caches();
    define_audit();
    // SAFETY: called from _PG_init with a static, NUL-terminated prefix.
    unsafe { pgrx::pg_sys::MarkGUCPrefixReserved(c"fraiseql".as_ptr()) };
}

fn define_security() {
    GucRegistry::define_enum_guc(
        c"fraiseql.security_profile",
        c"standard, regulated (no introspection, tighter limits, masked errors, queries audited) or restricted (regulated, and only persisted queries).",
        c"Standard by default: the other settings as they are. A profile only tightens: a setting stricter than the profile stays. Superuser-only, like every security setting.",
        &SECURITY_PROFILE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"fraiseql.mask_errors",
        c"Replace database error messages in responses with a reference to the server log.",
        c"Database and internal error messages can name tables, columns and constraints; masked, the client gets a reference (fq-…) that the server log pairs with the message.",
        &MASK_ERRORS,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"fraiseql.persisted_queries_only",
        c"Run only documents registered in fraiseql.persisted_query.",
        c"An allow-list: any other document is refused before it is parsed or planned. On under the restricted security profile.",
        &PERSISTED_QUERIES_ONLY,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"fraiseql.introspection",
        c"Answer __schema and __type queries.",
        c"GraphiQL, Apollo and code generators need introspection. Superuser-only: turning it off is a security decision, not a client preference; off under the regulated and restricted profiles.",
        &INTROSPECTION,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"fraiseql.claims_map",
        c"JWT claims copied to settings per call (claim=setting,...).",
        c"Read from PostgREST's request.jwt.claims and set as transaction-local settings before the statement runs, for RLS policies. Superuser-only: it decides which settings policies can trust.",
        &CLAIMS_MAP,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"fraiseql.log_requests",
        c"off, errors or all: requests that write a JSON line (with PostgREST's x-request-id) to the server log.",
        c"Off by default: a line per request is for debugging and for shipping to a log pipeline on purpose.",
        &LOG_REQUESTS,
        GucContext::Suset,
        GucFlags::default(),
    );
}

fn define_request_limits() {
    let int = |name: &'static CStr,
               short: &'static CStr,
               long: &'static CStr,
               setting: &'static GucSetting<i32>,
               min: i32,
               max: i32| {
        GucRegistry::define_int_guc(
            name,
            short,
            long,
            setting,
            min,
            max,
            GucContext::Suset,
            GucFlags::default(),
        );
    };
    int(
        c"fraiseql.max_query_size",
        c"Largest GraphQL document accepted, in bytes.",
        c"Parsing cost grows with size, and real clients send a few kB. Checked before the document is parsed.",
        &MAX_QUERY_SIZE,
        1,
        i32::MAX,
    );
    int(
        c"fraiseql.max_depth",
        c"Deepest field nesting accepted (fragments expanded).",
        c"The standard introspection query needs 13. Checked on the parsed document before validation and before any SQL.",
        &MAX_DEPTH,
        1,
        1000,
    );
    int(
        c"fraiseql.max_fields",
        c"Most field occurrences accepted in one operation (fragments expanded).",
        c"A bound on the generated statement's size; counting stops at the limit, so a fragment fanned out exponentially is refused in milliseconds.",
        &MAX_FIELDS,
        1,
        1_000_000,
    );
    int(
        c"fraiseql.max_aliases",
        c"Most aliases accepted in one operation (fragments expanded).",
        c"Aliases let a small document ask for the same list many times; graphql-armor's default is 15.",
        &MAX_ALIASES,
        0,
        1_000_000,
    );
    int(
        c"fraiseql.max_cost",
        c"Largest estimated cost accepted (each field 1; each list multiplies what it selects by its page size).",
        c"50000 admits a page of 100 with a nested page of 100 and a few fields each, and refuses three nested default-sized lists (about a million rows). Checked before any SQL runs; the refusal names the computed cost. Lower under the regulated and restricted security profiles.",
        &MAX_COST,
        1,
        i32::MAX,
    );
    int(
        c"fraiseql.max_variables_size",
        c"Largest variables (and extensions) value accepted, in bytes.",
        c"100 kB, like the request-body limit of common HTTP servers; a 1.4 MB OR list once took 1.6 s and 374 MB to run. Measured on the jsonb value before it is read.",
        &MAX_VARIABLES_SIZE,
        1,
        i32::MAX,
    );
}

fn define_pages_and_caches() {
    GucRegistry::define_int_guc(
        c"fraiseql.default_limit",
        c"Rows returned by a list without limit/first.",
        c"Enough for a page, small enough that a forgotten limit cannot dump a table.",
        &DEFAULT_LIMIT,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"fraiseql.max_limit",
        c"Largest limit/first a query may ask for.",
        c"A larger or negative page size is a field error, and the statement then asks for no rows. Superuser-only: it is a safety limit, not a preference.",
        &MAX_LIMIT,
        1,
        i32::MAX,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"fraiseql.plan_cache_size",
        c"Entries in each per-backend query cache (0 disables).",
        c"The parsed documents, plans and prepared statements each backend keeps, least recently used first out. fraiseql.cache_stats() shows hits and misses.",
        &PLAN_CACHE_SIZE,
        0,
        100_000,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"fraiseql.schema",
        c"Name of the loaded schema that execute() answers with.",
        c"Schemas are loaded by fraiseql.load_schema(sdl, name); an application can choose one per connection (PGOPTIONS) or per role (ALTER ROLE … SET).",
        &SCHEMA,
        GucContext::Userset,
        GucFlags::default(),
    );
}

fn define_audit() {
    GucRegistry::define_bool_guc(
        c"fraiseql.audit_queries",
        c"Append an audit entry for every query, not only for mutations.",
        c"On under the regulated and restricted security profiles. An audited query must run on the primary: a hot standby cannot write the chain.",
        &AUDIT_QUERIES,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"fraiseql.audit_variables",
        c"full: store mutation variables in the audit log; hash: only their SHA-256.",
        c"With hash, each entry still commits to the exact variables (their SHA-256 is in the signed entry) without the log holding the data they carry.",
        &AUDIT_VARIABLES,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"fraiseql.audit_key_file",
        c"File of audit signing keys (key_id:hexsecret per line; the last signs).",
        c"For a KMS or Vault agent to write; read at SIGHUP. When unset, keys come from fraiseql.audit_set_key().",
        &AUDIT_KEY_FILE,
        GucContext::Sighup,
        GucFlags::SUPERUSER_ONLY,
    );
}

pub fn page_sizes() -> PageSizes {
    PageSizes {
        default_limit: i64::from(DEFAULT_LIMIT.get()),
        max_limit: i64::from(MAX_LIMIT.get()),
    }
}

pub fn plan_cache_size() -> usize {
    usize::try_from(PLAN_CACHE_SIZE.get()).unwrap_or(0)
}

pub fn schema_name() -> String {
    SCHEMA
        .get()
        .as_deref()
        .map(CStr::to_string_lossy)
        .map(|s| s.into_owned())
        .unwrap_or_else(|| "default".into())
}

pub fn claims_map() -> String {
    CLAIMS_MAP
        .get()
        .as_deref()
        .map(CStr::to_string_lossy)
        .map(|s| s.into_owned())
        .unwrap_or_default()
}

pub fn audit_key_file() -> Option<String> {
    AUDIT_KEY_FILE
        .get()
        .as_deref()
        .map(CStr::to_string_lossy)
        .map(|s| s.into_owned())
        .filter(|s| !s.is_empty())
}

pub fn audit_variables_full() -> bool {
    AUDIT_VARIABLES.get() == AuditVariables::Full
}

pub fn log_requests() -> LogRequests {
    LOG_REQUESTS.get()
}

pub fn profile() -> Profile {
    match SECURITY_PROFILE.get() {
        SecurityProfile::Standard => Profile::Standard,
        SecurityProfile::Regulated => Profile::Regulated,
        SecurityProfile::Restricted => Profile::Restricted,
    }
}

/// The rules a request is held to: the settings, tightened by the security profile.
pub fn rules() -> Rules {
    profile().apply(Rules {
        introspection: INTROSPECTION.get(),
        limits: QueryLimits {
            max_depth: usize::try_from(MAX_DEPTH.get()).unwrap_or(usize::MAX),
            max_fields: usize::try_from(MAX_FIELDS.get()).unwrap_or(usize::MAX),
            max_aliases: usize::try_from(MAX_ALIASES.get()).unwrap_or(usize::MAX),
            max_cost: u64::try_from(MAX_COST.get()).unwrap_or(u64::MAX),
        },
        mask_errors: MASK_ERRORS.get(),
        audit_queries: AUDIT_QUERIES.get(),
        persisted_only: PERSISTED_QUERIES_ONLY.get(),
    })
}

pub fn max_variables_size() -> usize {
    usize::try_from(MAX_VARIABLES_SIZE.get()).unwrap_or(usize::MAX)
}

pub fn max_query_size() -> usize {
    usize::try_from(MAX_QUERY_SIZE.get()).unwrap_or(usize::MAX)
}

/// Any setting by name (PostgREST's `request.*`, `app.tenant_id`, …): `None` when unset or empty.
pub fn setting(name: &CStr) -> Option<String> {
    // SAFETY: GetConfigOption returns NULL or a NUL-terminated string owned by the GUC machinery,
    // copied before any other GUC call can change it.
    unsafe {
        let p = pgrx::pg_sys::GetConfigOption(name.as_ptr(), true, false);
        (!p.is_null())
            .then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
            .filter(|s| !s.trim().is_empty())
    }
}

/// The role the request runs as (`current_user`).
pub fn current_role() -> String {
    // SAFETY: GetUserId is always valid in a backend; the name is copied before returning.
    unsafe {
        CStr::from_ptr(pgrx::pg_sys::GetUserNameFromId(
            pgrx::pg_sys::GetUserId(),
            true,
        ))
        .to_string_lossy()
        .into_owned()
    }
}

//! `RawJson`: a GraphQL response as a `json` Datum — text, keys in selection order. The statement's
//! result is handed back untouched (never re-serialised); responses built in Rust (mutations,
//! errors) are printed once, compactly, with their keys in the order they were inserted.
use pgrx::callconv::{BoxRet, FcInfo};
use pgrx::datum::Datum;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::prelude::*;
use serde_json::Value as Json;

/// A json (text) varlena allocated in the function's memory context.
pub struct RawJson(pg_sys::Datum);

impl RawJson {
    /// # Safety
    /// `datum` must be a json varlena that outlives the current function call (allocated in the
    /// caller's memory context, e.g. by `SPI_datumTransfer`).
    pub unsafe fn from_datum(datum: pg_sys::Datum) -> Self {
        RawJson(datum)
    }

    /// The text of JSON built in Rust (mutation and error responses).
    pub fn from_json(value: &Json) -> Self {
        let text = value.to_string();
        // SAFETY: copies the bytes into a palloc'd text varlena in the current memory context.
        let varlena =
            unsafe { pg_sys::cstring_to_text_with_len(text.as_ptr().cast(), text.len() as i32) };
        RawJson(pg_sys::Datum::from(varlena))
    }

    /// The response's text.
    fn text(&self) -> String {
        // SAFETY: self.0 is a valid text varlena by construction; text_to_cstring detoasts it and
        // returns a palloc'd copy, freed after it is copied.
        unsafe {
            let cstr = pg_sys::text_to_cstring(self.0.cast_mut_ptr());
            let text = std::ffi::CStr::from_ptr(cstr)
                .to_string_lossy()
                .into_owned();
            pg_sys::pfree(cstr.cast());
            text
        }
    }

    /// Reads the response back as JSON, keys in their order (only on the slow path that adds field
    /// errors). Text serde cannot hold reads as null.
    pub fn to_json(&self) -> Json {
        serde_json::from_str(&self.text()).unwrap_or(Json::Null)
    }
}

impl IntoDatum for RawJson {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(self.0)
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::JSONOID
    }
}

// SAFETY: the Datum returned is of the type the calling SQL function declares: json, or jsonb for
// a function still declared by an older version's SQL (see `declared_jsonb`).
unsafe impl BoxRet for RawJson {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> Datum<'fcx> {
        unsafe {
            let datum = if declared_jsonb(fcinfo.as_mut_ptr()) {
                as_jsonb(self.0)
            } else {
                self.0
            };
            fcinfo.return_raw_datum(datum)
        }
    }
}

/// Whether the SQL function being called returns jsonb. Between installing a new library and
/// `ALTER EXTENSION fraiseql UPDATE`, `execute` and `query` are still declared by the previous
/// version's SQL (0.2.0 and earlier: `RETURNS jsonb`); handing those callers json text where they
/// expect jsonb would crash the backend, so they get jsonb until the update.
///
/// # Safety
/// `fcinfo` is the current call's, with its `flinfo` set (a call through the fmgr).
unsafe fn declared_jsonb(fcinfo: pg_sys::FunctionCallInfo) -> bool {
    // The answer is kept in the call site's `fn_extra` (a marker, never dereferenced: 1 for json, 2
    // for jsonb), so the catalog is read once per call site, not once per call.
    const JSON: usize = 1;
    const JSONB: usize = 2;
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        if flinfo.is_null() {
            return false;
        }
        let known = (*flinfo).fn_extra as usize;
        if known == JSON || known == JSONB {
            return known == JSONB;
        }
        let jsonb = pg_sys::get_func_rettype((*flinfo).fn_oid) == pg_sys::JSONBOID;
        if known == 0 {
            (*flinfo).fn_extra = (if jsonb { JSONB } else { JSON }) as *mut std::ffi::c_void;
        }
        jsonb
    }
}

/// The json text as jsonb (parsed by `jsonb_in`, as the `json::jsonb` cast does).
///
/// # Safety
/// `datum` is a valid text varlena.
unsafe fn as_jsonb(datum: pg_sys::Datum) -> pg_sys::Datum {
    unsafe {
        let cstr = pg_sys::text_to_cstring(datum.cast_mut_ptr());
        let jsonb = pgrx::fcinfo::direct_function_call_as_datum(
            pg_sys::jsonb_in,
            &[Some(pg_sys::Datum::from(cstr))],
        )
        .expect("jsonb_in returns a value");
        pg_sys::pfree(cstr.cast());
        jsonb
    }
}

// SAFETY: the SQL type named here (json) is the type of the Datum we return.
unsafe impl SqlTranslatable for RawJson {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(RawJson);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("json"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("json")));
}

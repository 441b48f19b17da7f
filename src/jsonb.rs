//! `RawJsonb`: a jsonb Datum returned to Postgres untouched, so a response Postgres built is never
//! re-serialised through serde on its way out (pgrx's `JsonB` would parse and re-print it).
use pgrx::callconv::{Arg, ArgAbi, BoxRet, FcInfo};
use pgrx::datum::Datum;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value as Json;

/// A jsonb varlena allocated in the function's memory context.
pub struct RawJsonb(pg_sys::Datum);

impl RawJsonb {
    /// # Safety
    /// `datum` must be a jsonb varlena that outlives the current function call
    /// (allocated in the caller's memory context, e.g. by `SPI_datumTransfer`).
    pub unsafe fn from_datum(datum: pg_sys::Datum) -> Self {
        RawJsonb(datum)
    }

    /// Builds a jsonb value from JSON built in Rust (error responses and other small values).
    pub fn from_json(value: Json) -> Self {
        RawJsonb(
            JsonB(value)
                .into_datum()
                .expect("jsonb_in returns a datum for valid JSON"),
        )
    }

    /// Reads the value back as JSON (only on slow paths: adding field errors).
    pub fn to_json(&self) -> Json {
        // SAFETY: self.0 is a valid jsonb datum by construction.
        unsafe { JsonB::from_datum(self.0, false) }
            .map(|j| j.0)
            .unwrap_or(Json::Null)
    }
}

impl FromDatum for RawJsonb {
    /// Detoasts (decompresses) the value once; the copy lives in the current memory context.
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null {
            return None;
        }
        // SAFETY: a non-null jsonb argument is a valid varlena (possibly toasted).
        let detoasted = unsafe { pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) };
        Some(RawJsonb(pg_sys::Datum::from(detoasted)))
    }
}

// SAFETY: the argument is declared jsonb (see SqlTranslatable); unboxing only detoasts it.
unsafe impl<'fcx> ArgAbi<'fcx> for RawJsonb {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }
}

impl IntoDatum for RawJsonb {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(self.0)
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::JSONBOID
    }
}

// SAFETY: the Datum is a jsonb varlena in the function's memory context, as `fcinfo` expects.
unsafe impl BoxRet for RawJsonb {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> Datum<'fcx> {
        unsafe { fcinfo.return_raw_datum(self.0) }
    }
}

// SAFETY: the SQL type named here (jsonb) is the type of the Datum we return.
unsafe impl SqlTranslatable for RawJsonb {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(RawJsonb);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}

//! `RawJsonb`: a jsonb argument detoasted once and read on demand (request variables and extensions,
//! `_detoast`'s documents), never through pgrx's `JsonB`, which panics on what serde cannot hold; and
//! `datum_from_json`, which builds a jsonb Datum from a JSON value in Rust without printing it as text
//! for Postgres to parse again.
use pgrx::callconv::{Arg, ArgAbi, BoxRet, FcInfo};
use pgrx::datum::Datum;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::prelude::*;
use serde_json::Value as Json;

/// A jsonb varlena allocated in the function's memory context.
pub struct RawJsonb(pg_sys::Datum);

impl RawJsonb {
    /// The value as JSON, or why it cannot be held as such: jsonb accepts numbers beyond double
    /// range (`1e309`) and nesting far deeper than serde's 128 levels, which pgrx's `JsonB` turns
    /// into a panic. Request arguments go through here so that they become `BAD_USER_INPUT`.
    pub fn parse(&self) -> Result<Json, String> {
        // SAFETY: self.0 is a valid, detoasted jsonb datum by construction; jsonb_out returns a
        // palloc'd C string, freed after it is parsed.
        let text = unsafe {
            let cstr =
                pgrx::direct_function_call::<&std::ffi::CStr>(pg_sys::jsonb_out, &[Some(self.0)])
                    .ok_or_else(|| "it is not a jsonb value".to_string())?;
            let text = cstr.to_string_lossy().into_owned();
            pg_sys::pfree(cstr.as_ptr() as *mut std::ffi::c_void);
            text
        };
        serde_json::from_str(&text).map_err(|e| {
            let e = e.to_string();
            // serde's messages end with " at line L column C" of the jsonb's own text.
            let reason = e.split(" at line ").next().unwrap_or(&e);
            match reason {
                "number out of range" => {
                    "it holds a number beyond double precision range (about 1.8e308)".to_string()
                }
                "recursion limit exceeded" => "it is nested more than 127 levels deep".to_string(),
                other => other.to_string(),
            }
        })
    }

    /// The stored size in bytes (after detoasting).
    pub fn size(&self) -> usize {
        // SAFETY: a detoasted varlena; varsize_any reads its header.
        unsafe { pgrx::varsize_any(self.0.cast_mut_ptr()) }
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

/// A jsonb Datum (in the current memory context) holding `value`: the same bytes `jsonb_in` makes of
/// its text, built with the jsonb construction API instead of printing and re-parsing JSON.
pub fn datum_from_json(value: &Json) -> pg_sys::Datum {
    use pg_sys::JsonbIteratorToken::*;
    let mut state: *mut pg_sys::JsonbParseState = std::ptr::null_mut();
    // SAFETY: every JsonbValue pushed is fully initialised and its strings and numerics are palloc'd
    // copies that live in the current memory context until `JsonbValueToJsonb` has copied them.
    unsafe {
        let root = match value {
            Json::Object(_) | Json::Array(_) => push_container(&mut state, value),
            scalar => {
                // A top-level scalar is a one-element "raw scalar" array, as jsonb_in stores it.
                let mut array: pg_sys::JsonbValue = std::mem::zeroed();
                array.type_ = pg_sys::jbvType::jbvArray;
                array.val.array.nElems = 1;
                array.val.array.rawScalar = true;
                pg_sys::pushJsonbValue(&mut state, WJB_BEGIN_ARRAY, &mut array);
                let mut v = scalar_value(scalar);
                pg_sys::pushJsonbValue(&mut state, WJB_ELEM, &mut v);
                pg_sys::pushJsonbValue(&mut state, WJB_END_ARRAY, std::ptr::null_mut())
            }
        };
        pg_sys::Datum::from(pg_sys::JsonbValueToJsonb(root))
    }
}

/// Pushes an object or array and its contents; returns what closing it returns (the value, at the top).
unsafe fn push_container(
    state: &mut *mut pg_sys::JsonbParseState,
    value: &Json,
) -> *mut pg_sys::JsonbValue {
    use pg_sys::JsonbIteratorToken::*;
    // SAFETY: the caller's contract (see `datum_from_json`).
    unsafe {
        match value {
            Json::Object(map) => {
                pg_sys::pushJsonbValue(state, WJB_BEGIN_OBJECT, std::ptr::null_mut());
                for (key, v) in map {
                    let mut k = string_value(key);
                    pg_sys::pushJsonbValue(state, WJB_KEY, &mut k);
                    push_member(state, v, WJB_VALUE);
                }
                pg_sys::pushJsonbValue(state, WJB_END_OBJECT, std::ptr::null_mut())
            }
            Json::Array(items) => {
                pg_sys::pushJsonbValue(state, WJB_BEGIN_ARRAY, std::ptr::null_mut());
                for v in items {
                    push_member(state, v, WJB_ELEM);
                }
                pg_sys::pushJsonbValue(state, WJB_END_ARRAY, std::ptr::null_mut())
            }
            _ => unreachable!("push_container takes objects and arrays"),
        }
    }
}

unsafe fn push_member(
    state: &mut *mut pg_sys::JsonbParseState,
    value: &Json,
    token: pg_sys::JsonbIteratorToken::Type,
) {
    // SAFETY: the caller's contract (see `datum_from_json`).
    unsafe {
        match value {
            Json::Object(_) | Json::Array(_) => {
                push_container(state, value);
            }
            scalar => {
                let mut v = scalar_value(scalar);
                pg_sys::pushJsonbValue(state, token, &mut v);
            }
        }
    }
}

unsafe fn string_value(s: &str) -> pg_sys::JsonbValue {
    // SAFETY: a zeroed JsonbValue is valid; the string is copied into palloc'd memory.
    unsafe {
        let mut v: pg_sys::JsonbValue = std::mem::zeroed();
        v.type_ = pg_sys::jbvType::jbvString;
        v.val.string.len = i32::try_from(s.len()).unwrap_or_else(|_| {
            crate::error::Error::LimitExceeded(
                "fraiseql: a JSON string is too long for jsonb".into(),
            )
            .raise()
        });
        v.val.string.val = pg_sys::pnstrdup(s.as_ptr().cast(), s.len());
        v
    }
}

unsafe fn scalar_value(value: &Json) -> pg_sys::JsonbValue {
    // SAFETY: as `string_value`; numbers are read by numeric_in from their JSON text, as jsonb_in does.
    unsafe {
        let mut v: pg_sys::JsonbValue = std::mem::zeroed();
        match value {
            Json::Null => v.type_ = pg_sys::jbvType::jbvNull,
            Json::Bool(b) => {
                v.type_ = pg_sys::jbvType::jbvBool;
                v.val.boolean = *b;
            }
            Json::String(s) => return string_value(s),
            Json::Number(n) => {
                v.type_ = pg_sys::jbvType::jbvNumeric;
                v.val.numeric = match n.as_i64() {
                    Some(i) => pg_sys::int64_to_numeric(i),
                    None => {
                        let text =
                            std::ffi::CString::new(n.to_string()).expect("a number has no NUL");
                        pgrx::fcinfo::direct_function_call_as_datum(
                            pg_sys::numeric_in,
                            &[
                                Some(pg_sys::Datum::from(text.as_ptr())),
                                Some(pg_sys::Datum::from(pg_sys::InvalidOid)),
                                Some(pg_sys::Datum::from(-1i32)),
                            ],
                        )
                        .expect("numeric_in returns a value")
                        .cast_mut_ptr()
                    }
                };
            }
            Json::Object(_) | Json::Array(_) => {
                unreachable!("containers are pushed by push_container")
            }
        }
        v
    }
}

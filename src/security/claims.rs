//! Maps JWT claims that PostgREST puts in `request.jwt.claims` to settings for the current
//! transaction (`fraiseql.claims_map`, default `tenant_id=app.tenant_id,sub=app.user_id`), so RLS
//! policies written against `current_setting('app.tenant_id')` work through `POST /rpc/execute`.
use std::ffi::CString;

use pgrx::pg_sys;

/// (claim, setting) pairs from `a=b,c=d`.
fn pairs(map: &str) -> Vec<(String, String)> {
    map.split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(c, s)| (c.trim().to_string(), s.trim().to_string()))
        .filter(|(c, s)| !c.is_empty() && s.contains('.'))
        .collect()
}

/// Sets each mapped setting (transaction-local) from the claims, when claims are present.
pub fn apply() {
    let map = crate::settings::claims_map();
    if map.is_empty() {
        return;
    }
    let Some(claims) = crate::settings::setting(c"request.jwt.claims") else {
        return;
    };
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_str::<serde_json::Value>(&claims)
    else {
        return;
    };
    for (claim, setting) in pairs(&map) {
        let Some(value) = claims.get(&claim) else {
            continue;
        };
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        let (Ok(name), Ok(text)) = (CString::new(setting), CString::new(text)) else {
            continue;
        };
        // SAFETY: valid C strings; GUC_ACTION_LOCAL reverts at transaction end; errors are raised
        // as ERROR (elevel 0 → ERROR) for a setting the role may not change.
        unsafe {
            pg_sys::set_config_option(
                name.as_ptr(),
                text.as_ptr(),
                pg_sys::GucContext::PGC_USERSET,
                pg_sys::GucSource::PGC_S_SESSION,
                pg_sys::GucAction::GUC_ACTION_LOCAL,
                true,
                0,
                false,
            );
        }
    }
}

//! The custom scalars fraiseql knows — UUID, DateTime, Date, JSON — and what text each accepts.
//! A malformed value is an input error before any SQL runs.

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let hex = |p: &str| p.bytes().all(|b| b.is_ascii_hexdigit());
    match parts.as_slice() {
        [a, b, c, d, e] => {
            [a.len(), b.len(), c.len(), d.len(), e.len()] == [8, 4, 4, 4, 12]
                && parts.iter().all(|p| hex(p))
        }
        [one] => one.len() == 32 && hex(one),
        _ => false,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    // ASCII first: the byte-index slices below must fall on character boundaries
    if !s.is_ascii()
        || b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(&s[..4])
        || !digits(&s[5..7])
        || !digits(&s[8..])
    {
        return false;
    }
    let (month, day): (u32, u32) = (s[5..7].parse().unwrap_or(0), s[8..].parse().unwrap_or(0));
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// RFC 3339 date-time: `2024-02-15T08:00:00Z`, with optional fraction and a required offset.
fn is_datetime(s: &str) -> bool {
    if !s.is_ascii()
        || s.len() < 20
        || !is_date(&s[..10])
        || !matches!(s.as_bytes()[10], b'T' | b't' | b' ')
    {
        return false;
    }
    let time = &s[11..];
    let b = time.as_bytes();
    if b.len() < 9
        || b[2] != b':'
        || b[5] != b':'
        || !digits(&time[..2])
        || !digits(&time[3..5])
        || !digits(&time[6..8])
    {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        "Z" | "z" => true,
        off if off.len() == 6
            && matches!(off.as_bytes()[0], b'+' | b'-')
            && off.as_bytes()[3] == b':' =>
        {
            digits(&off[1..3]) && digits(&off[4..])
        }
        _ => false,
    }
}

/// Checks a string given for a custom scalar; `Err` says what was expected.
pub fn check(scalar: &str, value: &str) -> Result<(), String> {
    let ok = match scalar {
        "UUID" => is_uuid(value),
        "Date" => is_date(value),
        "DateTime" => is_datetime(value),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match scalar {
        "UUID" => "a UUID such as 123e4567-e89b-12d3-a456-426614174000",
        "Date" => "a date such as 2024-02-15",
        _ => "an RFC 3339 date-time with an offset, such as 2024-02-15T08:00:00Z",
    };
    Err(format!(
        "{scalar} cannot represent {}: expected {expected}.",
        serde_json::Value::String(value.to_string())
    ))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn multibyte_characters_are_refused_not_sliced() {
        // a byte-index slice inside a character once panicked (found by tests/fuzz.sh)
        for v in [
            "202壛鐖뛺4-01-01T00:00:00Z",
            "2024-01-01T00:00:0é",
            "é024-01-01",
            "2024-01-0é",
            "2024-01-01T00:00:00+0é:00",
            "123e4567-e89b-12d3-a456-42661417400é",
        ] {
            for scalar in ["Date", "DateTime", "UUID"] {
                assert!(check(scalar, v).is_err(), "{scalar} {v}");
            }
        }
    }

    #[test]
    fn formats() {
        assert!(check("UUID", "123e4567-e89b-12d3-a456-426614174000").is_ok());
        assert!(check("UUID", "123e4567e89b12d3a456426614174000").is_ok());
        assert!(check("UUID", "x' OR 1=1")
            .unwrap_err()
            .contains("expected a UUID"));
        assert!(check("Date", "2024-02-15").is_ok());
        assert!(check("Date", "2024-13-01").is_err());
        assert!(check("DateTime", "2024-02-15T08:00:00Z").is_ok());
        assert!(check("DateTime", "2024-02-15T08:00:00.123+01:00").is_ok());
        assert!(
            check("DateTime", "2024-02-15T08:00:00").is_err(),
            "an offset is required"
        );
        assert!(check("DateTime", "yesterday").is_err());
        assert!(check("JSON", "anything").is_ok());
    }
}

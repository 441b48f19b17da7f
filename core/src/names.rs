//! Naming rules: GraphQL camelCase to JSONB snake_case, SQL quoting, and "did you mean" suggestions.

/// `createdAt` → `created_at`, `userID` → `user_id`, `already_snake` unchanged.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Wraps `text` in `q`, doubling every `q` inside: the SQL rule for both identifiers and literals.
fn quote_with(text: &str, q: char) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push(q);
    for c in text.chars() {
        if c == q {
            s.push(q);
        }
        s.push(c);
    }
    s.push(q);
    s
}

/// Quotes an SQL identifier the way Postgres's `quote_ident` does when quoting is needed; we always quote.
pub fn quote_ident(ident: &str) -> String {
    quote_with(ident, '"')
}

/// Quotes an SQL string literal (standard_conforming_strings on: only `'` is doubled).
pub fn quote_literal(text: &str) -> String {
    quote_with(text, '\'')
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidates close enough to `input` to suggest, best first (graphql-js uses a similar threshold).
pub fn suggestions<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let threshold = (input.len() / 2).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(input, c), c))
        .filter(|(d, c)| *d <= threshold || c.to_lowercase() == input.to_lowercase())
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, c)| c).take(5).collect()
}

/// ` Did you mean "a" or "b"?` or the empty string.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let found = suggestions(input, candidates);
    match found.as_slice() {
        [] => String::new(),
        [one] => format!(" Did you mean \"{one}\"?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|c| format!("\"{c}\"")).collect();
            let (last, rest) = quoted.split_last().expect("many has at least two entries");
            format!(" Did you mean {} or {last}?", rest.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_cases() {
        assert_eq!(snake_case("createdAt"), "created_at");
        assert_eq!(snake_case("id"), "id");
        assert_eq!(snake_case("userID"), "user_id");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("post2Comments"), "post2_comments");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("v_user"), "\"v_user\"");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(quote_literal("O'Brien"), "'O''Brien'");
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("nmae", ["name", "id", "email"]),
            " Did you mean \"name\"?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["name", "id"]), "");
    }
}

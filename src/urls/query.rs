//! Reading and writing URL query strings: the primitives the page URLs and the notices use.

/// Reads one parameter from a URL query string as bytes (`+` is a space, `%XX` a byte); the
/// first, when it repeats.
pub fn query_param(search: &str, name: &str) -> Option<Vec<u8>> {
    query_params(search, name).into_iter().next()
}

/// Reads every value of a parameter that may repeat (`key=a&key=b`), in order, as bytes.
pub fn query_params(search: &str, name: &str) -> Vec<Vec<u8>> {
    search
        .trim_start_matches('?')
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(field, _)| *field == name)
        .map(|(_, value)| percent_encoding::percent_decode_str(&value.replace('+', " ")).collect())
        .collect()
}

/// The query `search` (with or without its `?`) with the parameter `name` set to `value` (already
/// percent-encoded), or left out with `None`, and every other parameter kept; `drop` names more
/// parameters to leave out.
pub fn with_param(search: &str, name: &str, value: Option<&str>, drop: &[&str]) -> String {
    let mut params: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|param| {
            let field = param.split_once('=').map_or(*param, |(field, _)| field);
            !param.is_empty() && field != name && !drop.contains(&field)
        })
        .map(str::to_string)
        .collect();
    if let Some(value) = value {
        params.push(format!("{name}={value}"));
    }
    format!("?{}", params.join("&"))
}

/// `path` with the query parameters `query` (already encoded), if there are any.
pub fn with_query(path: &str, query: Vec<String>) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoded_queries_decode_plus_as_space() {
        assert_eq!(query_param("?prefix=a+b%2B", "prefix").unwrap(), b"a b+");
        assert_eq!(query_param("x=1&prefix", "prefix").unwrap(), b"");
        assert_eq!(query_param("x=1", "prefix"), None);
    }

    #[test]
    fn a_parameter_is_set_or_dropped_and_the_others_kept() {
        assert_eq!(with_param("", "view", Some("raw"), &[]), "?view=raw");
        assert_eq!(
            with_param("?draft=ab&view=hex", "view", Some("pretty"), &[]),
            "?draft=ab&view=pretty"
        );
        assert_eq!(
            with_param(
                "?prefix=a%2F&open=x&value_view=hex",
                "open",
                Some("y"),
                &["value_view"]
            ),
            "?prefix=a%2F&open=y"
        );
        assert_eq!(
            with_param("?open=x&viewer=1", "open", None, &[]),
            "?viewer=1"
        );
    }
}

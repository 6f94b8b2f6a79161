//! How deep a value may nest for etcd-deck to read it as data. Every parser and renderer of a
//! structured value walks it recursively somewhere (a YAML loader, a layout, the page that shows
//! it), so each one is kept to [`MAX_NESTING`] levels: a deeper value is shown raw, and refused
//! for what needs it as data (formatting, a TOML check), with a clear error. A value under
//! etcd's 1.5 MiB limit can nest 750,000 levels.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

/// The deepest a value may nest to be laid out, loaded or compared as data. A laid-out value
/// travels to the browser as page data, whose JSON reader allows 128 levels: 32 levels of
/// layout take about 100.
pub const MAX_NESTING: usize = 32;

/// Why YAML text was not read.
#[derive(Debug)]
pub enum YamlRefused {
    /// It is not YAML: where and why.
    Invalid(ScanError),
    /// It nests deeper than [`MAX_NESTING`].
    TooDeep,
}

/// The events of YAML text, each with where it starts, read one after another (the parser's
/// own loader recurses once per level): refused past [`MAX_NESTING`] open collections.
pub fn yaml_events(text: &str) -> Result<Vec<(Event, Marker)>, YamlRefused> {
    let mut parser = Parser::new_from_str(text);
    let mut events = Vec::new();
    let mut open = 0usize;
    loop {
        let (event, marker) = parser.next_token().map_err(YamlRefused::Invalid)?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                open += 1;
                if open > MAX_NESTING {
                    return Err(YamlRefused::TooDeep);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => open = open.saturating_sub(1),
            Event::StreamEnd => return Ok(events),
            _ => {}
        }
        events.push((event, marker));
    }
}

/// Whether brackets (`[`, `{`) nest deeper than [`MAX_NESTING`] in `text`, outside strings in
/// double or single quotes: a bound on TOML's arrays and inline tables (and on JSON's), read
/// without parsing.
pub fn brackets_too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(open) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && open == '"' {
                    escaped = true;
                } else if c == open {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return true;
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    false
}

/// The deepest values of each kind under etcd's 1.5 MiB request limit, as a writer could plant
/// them: what the tests feed every parser and page.
pub fn deepest_values() -> Vec<(&'static str, String)> {
    const SIZE: usize = 1_500_000;
    let nested = |open: &str, middle: &str, close: &str| {
        let levels = (SIZE - middle.len()) / (open.len() + close.len());
        format!("{}{middle}{}", open.repeat(levels), close.repeat(levels))
    };
    // Each level one space further in: as many levels as fit.
    let mut block = String::new();
    let mut level = 0;
    while block.len() + level + 3 < SIZE {
        block.push_str(&format!("{}k:\n", " ".repeat(level)));
        level += 1;
    }
    vec![
        ("JSON and YAML flow arrays", nested("[", "", "]")),
        ("JSON objects", nested("{\"a\":", "1", "}")),
        ("YAML block mappings", block),
        (
            "YAML sequences on one line",
            format!("{}x", "- ".repeat(SIZE / 2 - 1)),
        ),
        ("XML elements", nested("<a>", "", "</a>")),
        ("TOML arrays", format!("a = {}", nested("[", "1", "]"))),
        (
            "TOML inline tables",
            format!("a = {}", nested("{b=", "1", "}")),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!brackets_too_deep(&deep(MAX_NESTING)));
        assert!(brackets_too_deep(&deep(MAX_NESTING + 1)));
        let quoted = format!("a = \"{}\"\nb = '{}'", "[".repeat(100), "{".repeat(100));
        assert!(!brackets_too_deep(&quoted));
        assert!(yaml_events(&deep(MAX_NESTING)).is_ok());
        assert!(matches!(
            yaml_events(&deep(MAX_NESTING + 1)),
            Err(YamlRefused::TooDeep)
        ));
        let block: String = (0..40)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(matches!(yaml_events(&block), Err(YamlRefused::TooDeep)));
        assert!(matches!(yaml_events("a: [1"), Err(YamlRefused::Invalid(_))));
    }
}

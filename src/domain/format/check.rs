//! Checking text against the format it is saved in, with the line and column of what is wrong,
//! and laying it out again for an editor's "Format".

use super::layout::layout;
use super::nesting::{brackets_too_deep, yaml_events, YamlRefused, MAX_NESTING};
use super::*;
use crate::domain::{value::ValueFormat, AppError};

/// Whether `text` is what `format` says; an error names the line and column.
pub fn check(text: &str, format: ValueFormat) -> Result<(), AppError> {
    let failed = |name: &str, line: usize, column: usize, message: &str| {
        AppError::invalid(format!(
            "the value is not valid {name}: line {line}, column {column}: {message}. \
             Fix it, or save it as plain text"
        ))
    };
    match format {
        ValueFormat::Text | ValueFormat::Hex => Ok(()),
        ValueFormat::Json => serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map(drop)
            .map_err(|err| {
                let message = err.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message);
                failed("JSON", err.line(), err.column(), message)
            }),
        ValueFormat::Yaml => match yaml_events(text) {
            Ok(_) => Ok(()),
            Err(YamlRefused::Invalid(err)) => {
                let marker = err.marker();
                Err(failed("YAML", marker.line(), marker.col() + 1, err.info()))
            }
            Err(YamlRefused::TooDeep) => Err(too_deep("YAML")),
        },
        ValueFormat::Toml if brackets_too_deep(text) => Err(too_deep("TOML")),
        ValueFormat::Toml => text.parse::<toml::Table>().map(drop).map_err(|err| {
            let at = err.span().map_or(0, |span| span.start);
            let (line, column) = line_column(text, at);
            failed("TOML", line, column, err.message().trim_end())
        }),
    }
}

/// `text` laid out again in `format`, for an editor's "Format": the same data, indented.
/// JSON and YAML only, and YAML only without comments (its parser drops them).
pub fn reformat(text: &str, format: ValueFormat) -> Result<String, AppError> {
    check(text, format)?;
    let format = match format {
        ValueFormat::Json => Format::Json,
        ValueFormat::Yaml if text.contains('#') => {
            return Err(AppError::invalid(
                "this YAML may have comments, which formatting would drop: it is left as it is",
            ))
        }
        ValueFormat::Yaml => Format::Yaml,
        _ => {
            return Err(AppError::invalid(
                "only JSON and YAML can be formatted: choose one of them as the format",
            ))
        }
    };
    layout(text, format)
        .map(|items| pretty_text(&items))
        .filter(|pretty| same_data(text, pretty, format))
        .ok_or_else(|| AppError::invalid("this value cannot be laid out again without changing it"))
}

/// Whether `a` and `b`, both in `format`, hold the same data.
fn same_data(a: &str, b: &str, format: Format) -> bool {
    match format {
        Format::Json => {
            let parse = |text| serde_json::from_str::<serde_json::Value>(text).ok();
            let a = parse(a);
            a.is_some() && a == parse(b)
        }
        _ => {
            let a = load_yaml(a);
            a.is_some() && a == load_yaml(b)
        }
    }
}

/// A value too deep to check as `name`.
fn too_deep(name: &str) -> AppError {
    AppError::invalid(format!(
        "the value nests deeper than {MAX_NESTING} levels, too deep for etcd-deck to check as \
         {name}: save it as plain text"
    ))
}

/// The 1-based line and column (in characters) of byte `at` of `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |line| line.chars().count())
        + 1;
    (line, column)
}

//! Pretty layouts: JSON from its own tokens, YAML from its parser's events, TOML line by line,
//! XML element by element; each token coloured by its [`Tone`].

use super::*;

mod json;
pub(super) mod yaml;

/// The pretty layout of `text`, which is in `format`; `None` when it is not.
pub fn layout(text: &str, format: Format) -> Option<Vec<Pretty>> {
    match format {
        Format::Json => Some(vec![json::layout(text)?]),
        Format::Yaml => yaml::layout(text),
        Format::Toml => Some(toml_lines(text)),
        Format::Xml => xml(text),
        _ => None,
    }
}

/// Stops a layout after `left` lines.
pub(super) fn cut(items: Vec<Pretty>, left: &mut usize) -> Vec<Pretty> {
    let mut out = Vec::new();
    for item in items {
        if *left == 0 {
            break;
        }
        *left -= 1;
        out.push(match item {
            Pretty::Line(tokens) => Pretty::Line(tokens),
            Pretty::Block { head, body, tail } => {
                let body = cut(body, left);
                let tail = if *left > 0 && !tail.is_empty() {
                    *left -= 1;
                    tail
                } else {
                    Vec::new()
                };
                Pretty::Block { head, body, tail }
            }
        });
    }
    out
}

fn token(tone: Tone, text: impl Into<String>) -> Token {
    Token(tone, text.into())
}

/// The tone of a bare word: a number, a literal, or a string.
fn word_tone(word: &str) -> Tone {
    match word {
        "true" | "false" | "null" | "~" | "True" | "False" | "Null" | "NULL" | "yes" | "no" => {
            Tone::Literal
        }
        _ if word.parse::<f64>().is_ok() => Tone::Number,
        _ => Tone::Str,
    }
}

/// Appends `,` (or any closing punctuation) to a layout's last line.
fn append(item: &mut Pretty, text: &str) {
    match item {
        Pretty::Line(tokens) => tokens.push(token(Tone::Punct, text)),
        Pretty::Block { tail, .. } => tail.push(token(Tone::Punct, text)),
    }
}

/// TOML, line by line as written: table headers, keys and values coloured.
fn toml_lines(text: &str) -> Vec<Pretty> {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let mut tokens = vec![token(Tone::Text, indent)];
            if trimmed.starts_with('#') {
                tokens.push(token(Tone::Comment, trimmed));
            } else if trimmed.starts_with('[') {
                tokens.push(token(Tone::Tag, trimmed));
            } else if let Some((key, value)) = trimmed.split_once('=') {
                let value = value.trim_start();
                let tone = match value.chars().next() {
                    Some('"' | '\'') => Tone::Str,
                    Some('[' | '{') | None => Tone::Text,
                    _ => word_tone(value.split_whitespace().next().unwrap_or(value)),
                };
                tokens.push(token(Tone::Key, key.trim_end()));
                tokens.push(token(Tone::Punct, " = "));
                tokens.push(token(tone, value));
            } else {
                tokens.push(token(Tone::Text, trimmed));
            }
            Pretty::Line(tokens)
        })
        .collect()
}

/// XML with one root element, well-formed, laid out element by element; `None` when it is
/// not XML.
pub(super) fn xml(text: &str) -> Option<Vec<Pretty>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // Each open element: its opening tag, and what it holds so far.
    let mut open: Vec<(Vec<Token>, Vec<Pretty>)> = vec![(Vec::new(), Vec::new())];
    let mut roots = 0;
    let line = |tone, text: String| Pretty::Line(vec![token(tone, text)]);
    let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    loop {
        let event = reader.read_event().ok()?;
        let depth = open.len();
        let item = match event {
            Event::Eof => break,
            // Past the nesting bound, the value is shown raw.
            Event::Start(_) if depth > nesting::MAX_NESTING => return None,
            Event::Start(start) => {
                roots += usize::from(depth == 1);
                open.push((xml_tag(&start, ">")?, Vec::new()));
                continue;
            }
            Event::End(end) => {
                let (head, body) = open.pop().filter(|_| depth > 1)?;
                let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                let tail = vec![
                    token(Tone::Punct, "</"),
                    token(Tone::Tag, name),
                    token(Tone::Punct, ">"),
                ];
                match body.as_slice() {
                    [] | [Pretty::Line(_)] => {
                        let mut joined = head;
                        if let Some(Pretty::Line(text)) = body.into_iter().next() {
                            joined.extend(text);
                        }
                        joined.extend(tail);
                        Pretty::Line(joined)
                    }
                    _ => Pretty::Block { head, body, tail },
                }
            }
            Event::Empty(empty) => {
                roots += usize::from(depth == 1);
                Pretty::Line(xml_tag(&empty, "/>")?)
            }
            Event::Text(text) => {
                if depth == 1 {
                    return None;
                }
                line(Tone::Text, lossy(&text))
            }
            Event::CData(data) => line(Tone::Str, format!("<![CDATA[{}]]>", lossy(&data))),
            Event::Comment(comment) => line(Tone::Comment, format!("<!--{}-->", lossy(&comment))),
            Event::Decl(decl) => line(Tone::Comment, format!("<?{}?>", lossy(&decl))),
            Event::PI(pi) => line(Tone::Comment, format!("<?{}?>", lossy(&pi))),
            Event::DocType(doctype) => {
                line(Tone::Comment, format!("<!DOCTYPE {}>", lossy(&doctype)))
            }
            _ => continue,
        };
        open.last_mut()?.1.push(item);
    }
    match (open.pop(), open.is_empty(), roots) {
        (Some((_, top)), true, 1) => Some(top),
        _ => None,
    }
}

/// `<name attr="value"` and `close`.
fn xml_tag(start: &quick_xml::events::BytesStart, close: &str) -> Option<Vec<Token>> {
    let mut tokens = vec![
        token(Tone::Punct, "<"),
        token(Tone::Tag, String::from_utf8_lossy(start.name().as_ref())),
    ];
    for attribute in start.attributes() {
        let attribute = attribute.ok()?;
        tokens.push(token(
            Tone::Attr,
            format!(" {}", String::from_utf8_lossy(attribute.key.as_ref())),
        ));
        tokens.push(token(Tone::Punct, "="));
        tokens.push(token(
            Tone::Str,
            format!("\"{}\"", String::from_utf8_lossy(&attribute.value)),
        ));
    }
    tokens.push(token(Tone::Punct, close));
    Some(tokens)
}

//! YAML laid out from its parser's events.

use super::*;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Lays out YAML from its parser's events, so keys keep their order and scalars their
/// text; documents are separated by `---`.
pub fn layout(text: &str) -> Option<Vec<Pretty>> {
    let mut events = Events(Vec::new());
    Parser::new_from_str(text).load(&mut events, true).ok()?;
    let mut events = events.0.into_iter().peekable();
    let mut out = Vec::new();
    while let Some(event) = events.next() {
        if let Event::DocumentStart = event {
            if !out.is_empty() {
                out.push(Pretty::Line(vec![token(Tone::Punct, "---")]));
            }
            let first = events.next()?;
            out.extend(node(&mut events, first, Vec::new(), false)?);
        }
    }
    Some(out)
}

/// Whether every document of `text` is a mapping or a list with something in it (read
/// from the parser's events: aliases are never copied in).
pub fn structured(text: &str) -> bool {
    let mut events = Events(Vec::new());
    if Parser::new_from_str(text).load(&mut events, true).is_err() {
        return false;
    }
    let mut documents = 0;
    let mut events = events.0.iter();
    while let Some(event) = events.next() {
        if let Event::DocumentStart = event {
            documents += 1;
            let filled = match (events.next(), events.next()) {
                (Some(Event::MappingStart(..)), Some(next)) => next != &Event::MappingEnd,
                (Some(Event::SequenceStart(..)), Some(next)) => next != &Event::SequenceEnd,
                _ => false,
            };
            if !filled {
                return false;
            }
        }
    }
    documents > 0
}

struct Events(Vec<Event>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, event: Event, _mark: Marker) {
        self.0.push(event);
    }
}

type Stream = std::iter::Peekable<std::vec::IntoIter<Event>>;

/// The lines of one node: `head` is what leads its first line (`key:` or `-`); `nested`
/// when the node is inside a collection, which a block then indents.
fn node(
    events: &mut Stream,
    first: Event,
    mut head: Vec<Token>,
    nested: bool,
) -> Option<Vec<Pretty>> {
    let block = |head: Vec<Token>, body: Vec<Pretty>| {
        if nested {
            vec![Pretty::Block {
                head,
                body,
                tail: Vec::new(),
            }]
        } else {
            body
        }
    };
    match first {
        Event::Scalar(text, style, ..) => {
            if !head.is_empty() {
                head.push(token(Tone::Punct, " "));
            }
            match style {
                TScalarStyle::Literal | TScalarStyle::Folded if text.contains('\n') => {
                    head.push(token(Tone::Punct, "|"));
                    let body = text
                        .lines()
                        .map(|line| Pretty::Line(vec![token(Tone::Str, line)]))
                        .collect();
                    return Some(vec![Pretty::Block {
                        head,
                        body,
                        tail: Vec::new(),
                    }]);
                }
                TScalarStyle::Plain => head.push(token(word_tone(&text), text)),
                TScalarStyle::SingleQuoted => {
                    head.push(token(Tone::Str, format!("'{}'", text.replace('\'', "''"))))
                }
                _ => head.push(token(
                    Tone::Str,
                    serde_json::to_string(&text).unwrap_or(text),
                )),
            }
            Some(vec![Pretty::Line(head)])
        }
        Event::Alias(_) => {
            head.push(token(Tone::Punct, " *alias"));
            Some(vec![Pretty::Line(head)])
        }
        Event::SequenceStart(..) => {
            let mut body = Vec::new();
            loop {
                match events.next()? {
                    Event::SequenceEnd => break,
                    item => body.extend(node(events, item, vec![token(Tone::Punct, "-")], true)?),
                }
            }
            if body.is_empty() {
                head.push(token(Tone::Punct, " []"));
                return Some(vec![Pretty::Line(head)]);
            }
            Some(block(head, body))
        }
        Event::MappingStart(..) => {
            let mut body = Vec::new();
            loop {
                let key = match events.next()? {
                    Event::MappingEnd => break,
                    Event::Scalar(text, ..) => text,
                    _ => return None,
                };
                let value = events.next()?;
                let key = vec![token(Tone::Key, key), token(Tone::Punct, ":")];
                body.extend(node(events, value, key, true)?);
            }
            if body.is_empty() {
                head.push(token(Tone::Punct, " {}"));
                return Some(vec![Pretty::Line(head)]);
            }
            Some(block(head, body))
        }
        _ => None,
    }
}

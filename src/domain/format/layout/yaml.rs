//! YAML laid out from its parser's events.

use super::super::nesting::yaml_events;
use super::*;
use yaml_rust2::parser::Event;
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Lays out YAML from its parser's events, so keys keep their order and scalars their
/// text; documents are separated by `---`. Comments are kept: those on lines of their own before
/// the entry they precede, those after a value at the end of its line.
pub fn layout(text: &str) -> Option<Vec<Pretty>> {
    let events = lines_of(yaml_events(text).ok()?);
    let mut comments = Comments::of(text);
    let mut events = events.into_iter().peekable();
    let mut out = Vec::new();
    while let Some((event, _)) = events.next() {
        if let Event::DocumentStart = event {
            if !out.is_empty() {
                out.push(Pretty::Line(vec![token(Tone::Punct, "---")]));
            }
            let first = events.next()?;
            out.extend(node(&mut events, first, Vec::new(), false, &mut comments)?);
        }
    }
    out.extend(comments.before(usize::MAX));
    Some(out)
}

/// The comments of a YAML text, by line, handed out once each as the layout reaches them.
struct Comments {
    /// Comments on lines of their own: (line, text), in line order.
    own_lines: std::collections::VecDeque<(usize, String)>,
    /// Comments after something on their line: line → text.
    trailing: std::collections::HashMap<usize, String>,
}

impl Comments {
    fn of(text: &str) -> Comments {
        let mut comments = Comments {
            own_lines: Default::default(),
            trailing: Default::default(),
        };
        for (i, line) in text.lines().enumerate() {
            // The parser's markers count lines from 1.
            let number = i + 1;
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                comments
                    .own_lines
                    .push_back((number, trimmed.trim_end().to_string()));
            } else if let Some(at) = comment_start(line) {
                comments
                    .trailing
                    .insert(number, line[at..].trim_end().to_string());
            }
        }
        comments
    }

    /// The comments on lines of their own before `line`, as lines.
    fn before(&mut self, line: usize) -> Vec<Pretty> {
        let mut lines = Vec::new();
        while let Some((_, text)) = self.own_lines.front().filter(|(at, _)| *at < line).cloned() {
            self.own_lines.pop_front();
            lines.push(Pretty::Line(vec![token(Tone::Comment, text)]));
        }
        lines
    }

    /// Adds the comment after something on `line`, if any, to `tokens`.
    fn after(&mut self, line: usize, tokens: &mut Vec<Token>) {
        if let Some(text) = self.trailing.remove(&line) {
            tokens.push(token(Tone::Comment, format!(" {text}")));
        }
    }
}

/// Where a comment starts on a line that has something before it: a `#` after a space, outside
/// quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') if previous.is_whitespace() || "[{,:-".contains(previous) => {
                quote = Some(c)
            }
            (Some(open), c) if c == open && previous != '\\' => quote = None,
            (None, '#') if previous.is_whitespace() && i > 0 => return Some(i),
            _ => {}
        }
        previous = c;
    }
    None
}

/// Whether every document of `text` is a mapping or a list with something in it (read
/// from the parser's events: aliases are never copied in).
pub fn structured(text: &str) -> bool {
    let Ok(events) = yaml_events(text) else {
        return false;
    };
    let mut documents = 0;
    let mut events = events.iter().map(|(event, _)| event);
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

/// The parser's events, each with the line it starts on.
fn lines_of(events: Vec<(Event, Marker)>) -> Vec<(Event, usize)> {
    events
        .into_iter()
        .map(|(event, marker)| (event, marker.line()))
        .collect()
}

type Stream = std::iter::Peekable<std::vec::IntoIter<(Event, usize)>>;

/// The lines of one node: `head` is what leads its first line (`key:` or `-`); `nested`
/// when the node is inside a collection, which a block then indents.
fn node(
    events: &mut Stream,
    (first, line): (Event, usize),
    mut head: Vec<Token>,
    nested: bool,
    comments: &mut Comments,
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
                    comments.after(line, &mut head);
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
            comments.after(line, &mut head);
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
                    (Event::SequenceEnd, _) => break,
                    (item, at) => {
                        body.extend(comments.before(at));
                        let dash = vec![token(Tone::Punct, "-")];
                        body.extend(node(events, (item, at), dash, true, comments)?);
                    }
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
                let (key, at) = match events.next()? {
                    (Event::MappingEnd, _) => break,
                    (Event::Scalar(text, ..), at) => (text, at),
                    _ => return None,
                };
                body.extend(comments.before(at));
                let value = events.next()?;
                let mut key = vec![token(Tone::Key, key), token(Tone::Punct, ":")];
                // A key whose value starts on the next line keeps its comment on its own.
                if value.1 != at {
                    comments.after(at, &mut key);
                }
                body.extend(node(events, value, key, true, comments)?);
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

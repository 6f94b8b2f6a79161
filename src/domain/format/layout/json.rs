//! JSON laid out from its own tokens.

use super::*;
use crate::domain::format::nesting::MAX_NESTING;

/// Lays out JSON already checked valid, from its own tokens: keys keep their order and
/// numbers their digits.
pub fn layout(text: &str) -> Option<Pretty> {
    let mut lexer = Lexer { text, at: 0 };
    let first = lexer.next()?;
    value(&mut lexer, first, Vec::new(), 0)
}

struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let rest = &self.text[self.at..];
        let start = self.at + (rest.len() - rest.trim_start().len());
        let bytes = self.text.as_bytes();
        let first = *bytes.get(start)?;
        let end = match first {
            b'{' | b'}' | b'[' | b']' | b':' | b',' => start + 1,
            b'"' => {
                let mut at = start + 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                (at + 1).min(bytes.len())
            }
            _ => {
                let mut at = start;
                while at < bytes.len()
                    && !matches!(bytes[at], b'{' | b'}' | b'[' | b']' | b':' | b',')
                    && !bytes[at].is_ascii_whitespace()
                {
                    at += 1;
                }
                at
            }
        };
        self.at = end;
        Some(&self.text[start..end])
    }
}

/// The layout of the value that starts with `first`, `depth` levels in: none past
/// [`MAX_NESTING`].
fn value<'a>(
    lexer: &mut Lexer<'a>,
    first: &'a str,
    mut head: Vec<Token>,
    depth: usize,
) -> Option<Pretty> {
    let close = match first {
        "{" => "}",
        "[" => "]",
        scalar => {
            let tone = if scalar.starts_with('"') {
                Tone::Str
            } else {
                word_tone(scalar)
            };
            head.push(token(tone, scalar));
            return Some(Pretty::Line(head));
        }
    };
    if depth >= MAX_NESTING {
        return None;
    }
    head.push(token(Tone::Punct, first));
    let mut body: Vec<Pretty> = Vec::new();
    loop {
        let mut next = lexer.next()?;
        if next == close {
            break;
        }
        if next == "," {
            append(body.last_mut()?, ",");
            next = lexer.next()?;
        }
        let mut member = Vec::new();
        if close == "}" {
            member.push(token(Tone::Key, next));
            member.push(token(Tone::Punct, ": "));
            lexer.next()?; // the colon
            next = lexer.next()?;
        }
        body.push(value(lexer, next, member, depth + 1)?);
    }
    if body.is_empty() {
        head.push(token(Tone::Punct, close));
        return Some(Pretty::Line(head));
    }
    Some(Pretty::Block {
        head,
        body,
        tail: vec![token(Tone::Punct, close)],
    })
}

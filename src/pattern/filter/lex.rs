//! The lexer of the CloudWatch Logs filter pattern syntax: the tokens of JSON
//! expressions and of space-delimited field conditions, quoted strings and
//! numbers. The parser (`parse.rs`) reads what it produces.

use super::ast::{is_key_char, CmpOp, Segment, Selector};
use super::parse::{err, ParseError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    AndAnd,
    OrOr,
    Comma,
    Op(CmpOp),
    Selector(Selector),
    /// Content of a double-quoted string, still escaped.
    Quoted(String),
    /// Unquoted word.
    Bare(String),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
}

pub(super) struct Lexer<'a> {
    c: &'a [char],
    pub(super) i: usize,
    end: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(c: &'a [char], i: usize, end: usize) -> Self {
        Lexer { c, i, end }
    }
    pub(super) fn peek(&self) -> Option<char> {
        (self.i < self.end).then(|| self.c[self.i])
    }
    fn peek2(&self) -> Option<char> {
        (self.i + 1 < self.end).then(|| self.c[self.i + 1])
    }

    /// Read a double-quoted string starting at the opening quote; returns the
    /// raw (escaped) content.
    pub(super) fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        self.i += 1;
        let mut s = String::new();
        while let Some(c) = self.peek() {
            match c {
                '"' => {
                    self.i += 1;
                    return Ok(s);
                }
                '\\' => {
                    s.push(c);
                    self.i += 1;
                    if let Some(n) = self.peek() {
                        s.push(n);
                        self.i += 1;
                    }
                }
                c => {
                    s.push(c);
                    self.i += 1;
                }
            }
        }
        err(start, "unterminated quoted string")
    }

    fn selector(&mut self) -> Result<Selector, ParseError> {
        let start = self.i;
        self.i += 1; // '$'
        let mut segs = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.i += 1;
                    let ks = self.i;
                    while self.peek().is_some_and(is_key_char) {
                        self.i += 1;
                    }
                    if ks == self.i {
                        return err(ks, "expected a property name after '.'");
                    }
                    segs.push(Segment::Key(self.c[ks..self.i].iter().collect()));
                }
                Some('[') => {
                    self.i += 1;
                    let ds = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    if ds == self.i || self.peek() != Some(']') {
                        return err(ds, "expected [NUMBER] in selector");
                    }
                    let n: String = self.c[ds..self.i].iter().collect();
                    self.i += 1;
                    let n = n.parse().or_else(|_| err(ds, "array index too large"))?;
                    segs.push(Segment::Index(n));
                }
                _ => break,
            }
        }
        if segs.is_empty() {
            return err(start, "selector must have at least one property after '$'");
        }
        if let Some(Segment::Index(_)) = segs.first() {
            // `$[0]`: the documentation says array elements must follow a property.
            return err(start, "array index must follow a property");
        }
        Selector::new(segs).or_else(|e| err(start, e.to_string()))
    }

    fn op(&mut self) -> Option<CmpOp> {
        let (op, n) = match (self.peek()?, self.peek2()) {
            ('!', Some('=')) => (CmpOp::Ne, 2),
            ('<', Some('=')) => (CmpOp::Le, 2),
            ('>', Some('=')) => (CmpOp::Ge, 2),
            ('=', _) => (CmpOp::Eq, 1),
            ('<', _) => (CmpOp::Lt, 1),
            ('>', _) => (CmpOp::Gt, 1),
            _ => return None,
        };
        self.i += n;
        Some(op)
    }

    /// Tokens of a JSON expression (`delimited == false`: `$` starts a
    /// selector) or of a space-delimited field condition (`delimited == true`:
    /// bare words are field names and `,` separates fields).
    pub(super) fn tokens(&mut self, delimited: bool) -> Result<Vec<Token>, ParseError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            let pos = self.i;
            if c.is_whitespace() {
                self.i += 1;
                continue;
            }
            let tok = match c {
                '(' => {
                    self.i += 1;
                    Tok::LParen
                }
                ')' => {
                    self.i += 1;
                    Tok::RParen
                }
                ',' if delimited => {
                    self.i += 1;
                    Tok::Comma
                }
                '&' if self.peek2() == Some('&') => {
                    self.i += 2;
                    Tok::AndAnd
                }
                '|' if self.peek2() == Some('|') => {
                    self.i += 2;
                    Tok::OrOr
                }
                '"' => Tok::Quoted(self.quoted()?),
                '$' if !delimited => Tok::Selector(self.selector()?),
                '%' => return err(pos, "regular expressions (%...%) are not supported"),
                _ => {
                    if let Some(op) = self.op() {
                        Tok::Op(op)
                    } else {
                        let s = self.i;
                        while let Some(c) = self.peek() {
                            let stop = c.is_whitespace()
                                || matches!(c, '(' | ')' | '"' | '=' | '<' | '>')
                                || (c == '!' && self.peek2() == Some('='))
                                || (c == ',' && delimited)
                                || (c == '&' && self.peek2() == Some('&'))
                                || (c == '|' && self.peek2() == Some('|'));
                            if stop {
                                break;
                            }
                            self.i += 1;
                        }
                        if s == self.i {
                            return err(pos, format!("unexpected character {c:?}"));
                        }
                        Tok::Bare(self.c[s..self.i].iter().collect())
                    }
                }
            };
            out.push(Token { tok, pos });
        }
        Ok(out)
    }

    pub(super) fn json_tokens(&mut self) -> Result<Vec<Token>, ParseError> {
        self.tokens(false)
    }
}

/// Undo the escaping of a quoted string: `\"` and `\\`; any other backslash
/// is kept as is.
pub(super) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.peek() {
                Some('"') | Some('\\') => out.push(it.next().expect("peeked")),
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Number syntax from the AWS documentation: optional sign, integer or
/// decimal, optional exponent.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - ds;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs {
            return None;
        }
        digits += i - fs;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

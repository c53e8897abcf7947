//! Parser and evaluator for CloudWatch Logs filter pattern syntax.
//!
//! The semantics implemented here, and every point where the AWS
//! documentation left a choice open, are described in
//! `docs/filter-patterns.md`.

use super::ast::{
    is_key_char, CmpOp, Expr, Field, FieldCond, Literal, Number, Pattern, Segment, Selector,
    StrPattern, Term, TermKind,
};
use serde_json::Value;

/// A filter pattern that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter pattern at character {position}: {message}")]
pub struct ParseError {
    /// Character offset (0-based) in the pattern text where the problem was found.
    pub position: usize,
    pub message: String,
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        position,
        message: message.into(),
    })
}

/// Parse a CloudWatch Logs filter pattern.
pub fn parse(text: &str) -> Result<Pattern, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let start = chars.iter().position(|c| !c.is_whitespace());
    let Some(start) = start else {
        return Ok(Pattern::MatchAll);
    };
    let end = chars
        .iter()
        .rposition(|c| !c.is_whitespace())
        .unwrap_or(start)
        + 1;
    match chars[start] {
        '{' => {
            if chars[end - 1] != '}' {
                return err(end - 1, "JSON pattern must end with '}'");
            }
            let mut p = Lexer::new(&chars, start + 1, end - 1);
            let toks = p.json_tokens()?;
            if toks.is_empty() {
                return err(start, "empty JSON pattern");
            }
            let mut parser = ExprParser {
                toks: &toks,
                pos: 0,
                end_pos: end - 1,
            };
            let e = parser.or_expr()?;
            if let Some(t) = toks.get(parser.pos) {
                return err(t.pos, "unexpected token after expression");
            }
            Ok(Pattern::Json(e))
        }
        '[' => {
            if chars[end - 1] != ']' {
                return err(end - 1, "space-delimited pattern must end with ']'");
            }
            parse_delimited(&chars, start + 1, end - 1)
        }
        '%' => err(
            start,
            "regular-expression patterns (%...%) are not supported",
        ),
        _ => parse_terms(&chars, start, end),
    }
}

// ---------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
struct Token {
    tok: Tok,
    pos: usize,
}

struct Lexer<'a> {
    c: &'a [char],
    i: usize,
    end: usize,
}

impl<'a> Lexer<'a> {
    fn new(c: &'a [char], i: usize, end: usize) -> Self {
        Lexer { c, i, end }
    }
    fn peek(&self) -> Option<char> {
        (self.i < self.end).then(|| self.c[self.i])
    }
    fn peek2(&self) -> Option<char> {
        (self.i + 1 < self.end).then(|| self.c[self.i + 1])
    }

    /// Read a double-quoted string starting at the opening quote; returns the
    /// raw (escaped) content.
    fn quoted(&mut self) -> Result<String, ParseError> {
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
    fn tokens(&mut self, delimited: bool) -> Result<Vec<Token>, ParseError> {
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

    fn json_tokens(&mut self) -> Result<Vec<Token>, ParseError> {
        self.tokens(false)
    }
}

/// Undo the escaping of a quoted string: `\"` and `\\`; any other backslash
/// is kept as is.
fn unescape(raw: &str) -> String {
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
fn parse_number(s: &str) -> Option<f64> {
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

/// Turn a string value (already unescaped) into a wildcard pattern.
fn str_pattern(s: &str, pos: usize) -> Result<StrPattern, ParseError> {
    let leading = s.starts_with('*');
    let rest = if leading { &s[1..] } else { s };
    let trailing = rest.ends_with('*');
    let lit = if trailing {
        &rest[..rest.len() - 1]
    } else {
        rest
    };
    if lit.starts_with('*') || lit.ends_with('*') {
        return err(pos, "more than one '*' at the start or end of a value");
    }
    StrPattern::new(leading, lit, trailing).or_else(|e| err(pos, e.to_string()))
}

fn literal(tok: &Token, op: CmpOp) -> Result<Literal, ParseError> {
    let numeric_op = !matches!(op, CmpOp::Eq | CmpOp::Ne);
    match &tok.tok {
        Tok::Quoted(raw) => {
            if numeric_op {
                return err(tok.pos, format!("operator {op} needs a number"));
            }
            Ok(Literal::Str(str_pattern(&unescape(raw), tok.pos + 1)?))
        }
        Tok::Bare(s) => {
            if let Some(v) = parse_number(s) {
                return Ok(Literal::Num(Number {
                    text: s.clone(),
                    value: v,
                }));
            }
            if numeric_op {
                return err(tok.pos, format!("operator {op} needs a number"));
            }
            Ok(Literal::Str(str_pattern(s, tok.pos)?))
        }
        _ => err(tok.pos, "expected a value"),
    }
}

// ---------------------------------------------------------------------------
// JSON expressions
// ---------------------------------------------------------------------------

struct ExprParser<'a> {
    toks: &'a [Token],
    pos: usize,
    end_pos: usize,
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_pos, |t| t.pos)
    }
    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and_expr()?];
        while self.peek() == Some(&Tok::OrOr) {
            self.pos += 1;
            items.push(self.and_expr()?);
        }
        Ok(Expr::or(items))
    }
    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.primary()?];
        while self.peek() == Some(&Tok::AndAnd) {
            self.pos += 1;
            items.push(self.primary()?);
        }
        Ok(Expr::and(items))
    }
    fn primary(&mut self) -> Result<Expr, ParseError> {
        let here = self.here();
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or_expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return err(self.here(), "expected ')'");
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Selector(sel)) => {
                self.pos += 1;
                self.condition(sel)
            }
            Some(_) => err(here, "expected a selector ($...) or '('"),
            None => err(here, "expected an expression"),
        }
    }
    fn keyword(&mut self, word: &str) -> bool {
        if let Some(Tok::Bare(b)) = self.peek() {
            if b == word {
                self.pos += 1;
                return true;
            }
        }
        false
    }
    fn condition(&mut self, sel: Selector) -> Result<Expr, ParseError> {
        let here = self.here();
        match self.peek().cloned() {
            Some(Tok::Op(op)) => {
                self.pos += 1;
                let Some(tok) = self.toks.get(self.pos) else {
                    return err(self.end_pos, "expected a value after the operator");
                };
                let value = literal(tok, op)?;
                self.pos += 1;
                Ok(Expr::Cmp {
                    selector: sel,
                    op,
                    value,
                })
            }
            Some(Tok::Bare(w)) if w == "IS" => {
                self.pos += 1;
                if self.keyword("TRUE") {
                    Ok(Expr::IsTrue(sel))
                } else if self.keyword("FALSE") {
                    Ok(Expr::IsFalse(sel))
                } else if self.keyword("NULL") {
                    Ok(Expr::IsNull(sel))
                } else {
                    err(self.here(), "expected TRUE, FALSE or NULL after IS")
                }
            }
            Some(Tok::Bare(w)) if w == "NOT" => {
                self.pos += 1;
                if self.keyword("EXISTS") {
                    Ok(Expr::NotExists(sel))
                } else {
                    err(self.here(), "expected EXISTS after NOT")
                }
            }
            Some(Tok::Bare(w)) if w == "EXISTS" => err(
                here,
                "EXISTS is not part of the documented syntax; use `= \"*\"` or NOT EXISTS",
            ),
            _ => err(
                here,
                "expected an operator, IS or NOT EXISTS after the selector",
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Unstructured term patterns
// ---------------------------------------------------------------------------

fn parse_terms(c: &[char], start: usize, end: usize) -> Result<Pattern, ParseError> {
    let mut lx = Lexer::new(c, start, end);
    let mut terms = Vec::new();
    let mut pending: Option<(TermKind, usize)> = None;
    while let Some(ch) = lx.peek() {
        if ch.is_whitespace() {
            lx.i += 1;
            continue;
        }
        if pending.is_none() && (ch == '?' || ch == '-') {
            // `-term`, `- "term"` (the documentation writes `"ERROR" - "Exiting"`) and `?term`.
            let kind = if ch == '?' {
                TermKind::Optional
            } else {
                TermKind::Excluded
            };
            pending = Some((kind, lx.i));
            lx.i += 1;
            continue;
        }
        let kind = pending.take().map_or(TermKind::Required, |(k, _)| k);
        if ch == '"' {
            let raw = lx.quoted()?;
            terms.push(Term {
                kind,
                text: unescape(&raw),
                quoted: true,
            });
            continue;
        }
        let s = lx.i;
        while lx.peek().is_some_and(|c| !c.is_whitespace()) {
            lx.i += 1;
        }
        let word: String = c[s..lx.i].iter().collect();
        if let Some(bad) = word.chars().find(|c| !(c.is_alphanumeric() || *c == '_')) {
            return err(
                s,
                format!("term {word:?} contains {bad:?}: terms with characters other than letters, digits and '_' must be quoted"),
            );
        }
        terms.push(Term {
            kind,
            text: word,
            quoted: false,
        });
    }
    if let Some((_, p)) = pending {
        return err(p, "'?' or '-' must be followed by a term");
    }
    // `""` alone matches everything.
    if terms.len() == 1 && terms[0].quoted && terms[0].text.is_empty() {
        return Ok(Pattern::MatchAll);
    }
    Ok(Pattern::Terms(terms))
}

// ---------------------------------------------------------------------------
// Space-delimited patterns
// ---------------------------------------------------------------------------

fn parse_delimited(c: &[char], start: usize, end: usize) -> Result<Pattern, ParseError> {
    // Split on top-level commas (quotes may contain commas).
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut s = start;
    let mut i = start;
    let mut in_quote = false;
    while i < end {
        match c[i] {
            '\\' if in_quote => i += 1,
            '"' => in_quote = !in_quote,
            ',' if !in_quote => {
                parts.push((s, i));
                s = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if in_quote {
        return err(s, "unterminated quoted string");
    }
    parts.push((s, end));
    if parts.len() == 1 && c[start..end].iter().all(|c| c.is_whitespace()) {
        return err(start, "empty space-delimited pattern");
    }
    let mut fields = Vec::new();
    for (ps, pe) in parts {
        let text: String = c[ps..pe].iter().collect();
        let t = text.trim();
        if t == "..." || t == "\u{2026}" {
            fields.push(Field::Ellipsis);
            continue;
        }
        if t.is_empty() {
            // The documentation's `[..., request=*.html*, status_code=4*,]`
            // has an empty last slot, and its extracted fields show that slot
            // taking the last value: an empty slot is an anonymous field.
            fields.push(Field::Named {
                name: String::new(),
                cond: None,
            });
            continue;
        }
        let mut lx = Lexer::new(c, ps, pe);
        let toks = lx.tokens(true)?;
        let name = match toks.first().map(|t| &t.tok) {
            Some(Tok::Bare(n)) if is_field_name(n) => n.clone(),
            _ => return err(ps, "a field must start with its name"),
        };
        let cond = if toks.len() == 1 {
            None
        } else {
            let mut p = CondParser {
                toks: &toks,
                pos: 0,
                end_pos: pe,
            };
            let cond = p.or_cond()?;
            if let Some(t) = toks.get(p.pos) {
                return err(t.pos, "unexpected token in field condition");
            }
            Some(cond)
        };
        fields.push(Field::Named { name, cond });
    }
    // Every field referred to by a condition must be declared.
    let names: Vec<&str> = fields
        .iter()
        .filter_map(|f| match f {
            Field::Named { name, .. } => Some(name.as_str()),
            Field::Ellipsis => None,
        })
        .collect();
    for f in &fields {
        if let Field::Named { cond: Some(c), .. } = f {
            let mut refs = Vec::new();
            cond_fields(c, &mut refs);
            if let Some(r) = refs.iter().find(|r| !names.contains(&r.as_str())) {
                return err(start, format!("condition names undeclared field {r:?}"));
            }
        }
    }
    Ok(Pattern::Delimited(fields))
}

fn is_field_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn cond_fields(c: &FieldCond, out: &mut Vec<String>) {
    match c {
        FieldCond::Cmp { field, .. } => out.push(field.clone()),
        FieldCond::And(v) | FieldCond::Or(v) => v.iter().for_each(|c| cond_fields(c, out)),
    }
}

struct CondParser<'a> {
    toks: &'a [Token],
    pos: usize,
    end_pos: usize,
}

impl CondParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_pos, |t| t.pos)
    }
    fn or_cond(&mut self) -> Result<FieldCond, ParseError> {
        let mut v = vec![self.and_cond()?];
        while self.peek() == Some(&Tok::OrOr) {
            self.pos += 1;
            v.push(self.and_cond()?);
        }
        Ok(if v.len() == 1 {
            v.pop().expect("one")
        } else {
            FieldCond::Or(v)
        })
    }
    fn and_cond(&mut self) -> Result<FieldCond, ParseError> {
        let mut v = vec![self.primary()?];
        while self.peek() == Some(&Tok::AndAnd) {
            self.pos += 1;
            v.push(self.primary()?);
        }
        Ok(if v.len() == 1 {
            v.pop().expect("one")
        } else {
            FieldCond::And(v)
        })
    }
    fn primary(&mut self) -> Result<FieldCond, ParseError> {
        let here = self.here();
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let c = self.or_cond()?;
                if self.peek() != Some(&Tok::RParen) {
                    return err(self.here(), "expected ')'");
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Tok::Bare(name)) if is_field_name(&name) => {
                self.pos += 1;
                let Some(Tok::Op(op)) = self.peek().cloned() else {
                    return err(self.here(), "expected an operator after the field name");
                };
                self.pos += 1;
                let Some(tok) = self.toks.get(self.pos) else {
                    return err(self.end_pos, "expected a value after the operator");
                };
                let value = literal(tok, op)?;
                self.pos += 1;
                Ok(FieldCond::Cmp {
                    field: name,
                    op,
                    value,
                })
            }
            _ => err(here, "expected a field condition"),
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

impl Pattern {
    /// Does CloudWatch Logs consider that `log_event` matches this pattern?
    pub fn matches(&self, log_event: &str) -> bool {
        match self {
            Pattern::MatchAll => true,
            Pattern::Json(e) => matches_json_expr(e, log_event),
            Pattern::Terms(terms) => matches_terms(terms, log_event),
            Pattern::Delimited(fields) => matches_delimited(fields, log_event),
        }
    }
}

/// Evaluate a JSON expression against a log event; a log event that is not a
/// JSON object never matches.
pub(crate) fn matches_json_expr(e: &Expr, log_event: &str) -> bool {
    match serde_json::from_str::<Value>(log_event.trim()) {
        Ok(v @ Value::Object(_)) => eval(e, &v),
        _ => false,
    }
}

fn resolve<'v>(sel: &Selector, root: &'v Value) -> Option<&'v Value> {
    let mut cur = root;
    for s in sel.segments() {
        cur = match (s, cur) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Text of a scalar ("value node") for string comparison; `None` for null,
/// objects and arrays, on which `=` and `!=` never match.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s.trim()),
        _ => None,
    }
}

fn compare(op: CmpOp, lit: &Literal, v: Option<&Value>) -> bool {
    let Some(v) = v else {
        // A missing property matches no comparison, not even `!=`.
        return false;
    };
    match lit {
        Literal::Str(p) => match scalar_text(v) {
            Some(t) => match op {
                CmpOp::Eq => p.matches(&t),
                CmpOp::Ne => !p.matches(&t),
                _ => false,
            },
            None => false,
        },
        Literal::Num(n) => match scalar_number(v) {
            Some(x) => match op {
                CmpOp::Eq => x == n.value,
                CmpOp::Ne => x != n.value,
                CmpOp::Lt => x < n.value,
                CmpOp::Gt => x > n.value,
                CmpOp::Le => x <= n.value,
                CmpOp::Ge => x >= n.value,
            },
            None => false,
        },
    }
}

fn eval(e: &Expr, root: &Value) -> bool {
    match e {
        Expr::Cmp {
            selector,
            op,
            value,
        } => compare(*op, value, resolve(selector, root)),
        Expr::IsTrue(s) => resolve(s, root) == Some(&Value::Bool(true)),
        Expr::IsFalse(s) => resolve(s, root) == Some(&Value::Bool(false)),
        Expr::IsNull(s) => resolve(s, root) == Some(&Value::Null),
        Expr::NotExists(s) => resolve(s, root).is_none(),
        Expr::And(v) => v.iter().all(|e| eval(e, root)),
        Expr::Or(v) => v.iter().any(|e| eval(e, root)),
    }
}

fn matches_terms(terms: &[Term], text: &str) -> bool {
    let mut any_optional = false;
    let mut optional_hit = false;
    for t in terms {
        let hit = text.contains(t.text.as_str());
        match t.kind {
            TermKind::Required if !hit => return false,
            TermKind::Excluded if hit => return false,
            TermKind::Optional => {
                any_optional = true;
                optional_hit |= hit;
            }
            _ => {}
        }
    }
    !any_optional || optional_hit
}

/// Split a log line into space-delimited fields; `[...]` and `"..."` groups
/// are single fields, without their brackets or quotes.
pub(crate) fn split_fields(line: &str) -> Vec<String> {
    let c: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            i += 1;
            continue;
        }
        let close = match c[i] {
            '[' => Some(']'),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(close) = close {
            let s = i + 1;
            let mut j = s;
            while j < c.len() && c[j] != close {
                j += 1;
            }
            out.push(c[s..j.min(c.len())].iter().collect());
            i = j + 1;
        } else {
            let s = i;
            while i < c.len() && !c[i].is_whitespace() {
                i += 1;
            }
            out.push(c[s..i].iter().collect());
        }
    }
    out
}

fn matches_delimited(fields: &[Field], line: &str) -> bool {
    let values = split_fields(line);
    let mut binding: Vec<(&str, &str)> = Vec::new();
    align(fields, &values, &mut binding, fields)
}

/// Try every way of matching the slots to the log fields (ellipses absorb
/// zero or more fields) and evaluate the conditions on each complete binding.
fn align<'a>(
    slots: &'a [Field],
    values: &'a [String],
    binding: &mut Vec<(&'a str, &'a str)>,
    all: &'a [Field],
) -> bool {
    match slots.split_first() {
        None => {
            values.is_empty()
                && all.iter().all(|f| match f {
                    Field::Named { cond: Some(c), .. } => eval_cond(c, binding),
                    _ => true,
                })
        }
        Some((Field::Ellipsis, rest)) => {
            (0..=values.len()).any(|skip| align(rest, &values[skip..], binding, all))
        }
        Some((Field::Named { name, .. }, rest)) => {
            let Some((v, vs)) = values.split_first() else {
                return false;
            };
            binding.push((name.as_str(), v.as_str()));
            let ok = align(rest, vs, binding, all);
            binding.pop();
            ok
        }
    }
}

fn eval_cond(c: &FieldCond, binding: &[(&str, &str)]) -> bool {
    match c {
        FieldCond::Cmp { field, op, value } => {
            let v = binding
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| Value::String((*v).to_string()));
            compare(*op, value, v.as_ref())
        }
        FieldCond::And(v) => v.iter().all(|c| eval_cond(c, binding)),
        FieldCond::Or(v) => v.iter().any(|c| eval_cond(c, binding)),
    }
}

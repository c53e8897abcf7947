//! The parser of the CloudWatch Logs filter pattern syntax: JSON
//! expressions, unstructured terms and space-delimited patterns, into the
//! typed [`Pattern`] of `ast.rs`.
//!
//! The semantics implemented here, and every point where the AWS
//! documentation left a choice open, are described in
//! `docs/filter-patterns.md`.

use super::ast::{
    CmpOp, Expr, Field, FieldCond, Literal, Number, Pattern, Selector, StrPattern, Term, TermKind,
};
use super::lex::{parse_number, unescape, Lexer, Tok, Token};

/// A filter pattern that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter pattern at character {position}: {message}")]
pub struct ParseError {
    /// Character offset (0-based) in the pattern text where the problem was found.
    pub position: usize,
    pub message: String,
}

pub(super) fn err<T>(position: usize, message: impl Into<String>) -> Result<T, ParseError> {
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

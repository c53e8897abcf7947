//! Typed representation of CloudWatch Logs filter patterns and its
//! serialisation to pattern text.
//!
//! Every user-supplied value ends up in a [`StrPattern`] literal, which is
//! always written inside double quotes with `"` and `\` escaped, so a value can
//! never change the structure of the pattern it is embedded in. The generator
//! never builds pattern text by concatenating user input: it builds an
//! [`Expr`] and lets `Display` write it.

use std::fmt;

/// Error raised when a typed pattern element would be ambiguous or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AstError {
    /// A selector key may only contain ASCII letters, digits, `-` and `_`.
    #[error("invalid selector key {0:?}: only letters, digits, '-' and '_' are allowed")]
    InvalidKey(String),
    /// A literal starting or ending with `*` could not be told apart from a wildcard.
    #[error("literal {0:?} starts or ends with '*', which CloudWatch would read as a wildcard")]
    AmbiguousWildcard(String),
    /// Control characters have no documented representation in a pattern.
    #[error("literal {0:?} contains a control character")]
    ControlCharacter(String),
}

/// One step of a JSON selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `.key`
    Key(String),
    /// `[index]`
    Index(usize),
}

/// A JSON property selector such as `$.userIdentity.arn` or `$.users[0].id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    segments: Vec<Segment>,
}

pub(crate) fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl Selector {
    /// Build a selector from segments; keys are validated.
    pub fn new(segments: Vec<Segment>) -> Result<Self, AstError> {
        for s in &segments {
            if let Segment::Key(k) = s {
                if k.is_empty() || !k.chars().all(is_key_char) {
                    return Err(AstError::InvalidKey(k.clone()));
                }
            }
        }
        Ok(Selector { segments })
    }

    /// Build a selector of object keys only: `Selector::keys(&["a", "b"])` is `$.a.b`.
    pub fn keys(keys: &[&str]) -> Result<Self, AstError> {
        Self::new(
            keys.iter()
                .map(|k| Segment::Key((*k).to_string()))
                .collect(),
        )
    }

    /// The selector's steps.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for s in &self.segments {
            match s {
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A string value with optional leading/trailing `*` wildcards.
///
/// CloudWatch treats `*` as a wildcard only at the start or end of a value;
/// an inner `*` is a literal character (`Ev*ent` matches only `Ev*ent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrPattern {
    leading_wildcard: bool,
    literal: String,
    trailing_wildcard: bool,
}

impl StrPattern {
    /// General constructor. The literal must not start or end with `*`
    /// (that would be read back as a wildcard) nor contain control characters.
    pub fn new(leading: bool, literal: &str, trailing: bool) -> Result<Self, AstError> {
        if literal.starts_with('*') || literal.ends_with('*') {
            return Err(AstError::AmbiguousWildcard(literal.to_string()));
        }
        if literal.chars().any(char::is_control) {
            return Err(AstError::ControlCharacter(literal.to_string()));
        }
        // `*` alone: any value. Normalise so that equal patterns compare equal.
        let (leading, trailing) = if literal.is_empty() && (leading || trailing) {
            (true, false)
        } else {
            (leading, trailing)
        };
        Ok(StrPattern {
            leading_wildcard: leading,
            literal: literal.to_string(),
            trailing_wildcard: trailing,
        })
    }
    /// Value equal to `literal`.
    pub fn exact(literal: &str) -> Result<Self, AstError> {
        Self::new(false, literal, false)
    }
    /// Value starting with `literal` (`"literal*"`).
    pub fn prefix(literal: &str) -> Result<Self, AstError> {
        Self::new(false, literal, true)
    }
    /// Value ending with `literal` (`"*literal"`).
    pub fn suffix(literal: &str) -> Result<Self, AstError> {
        Self::new(true, literal, false)
    }
    /// Value containing `literal` (`"*literal*"`).
    pub fn contains(literal: &str) -> Result<Self, AstError> {
        Self::new(true, literal, true)
    }

    pub fn leading_wildcard(&self) -> bool {
        self.leading_wildcard
    }
    pub fn trailing_wildcard(&self) -> bool {
        self.trailing_wildcard
    }
    pub fn literal(&self) -> &str {
        &self.literal
    }

    /// Does `s` match this pattern (case-sensitive)?
    pub fn matches(&self, s: &str) -> bool {
        let lit = self.literal.as_str();
        match (self.leading_wildcard, self.trailing_wildcard) {
            (false, false) => s == lit,
            (true, false) => s.ends_with(lit),
            (false, true) => s.starts_with(lit),
            (true, true) => s.contains(lit),
        }
    }
}

/// Write `s` escaped for use inside a double-quoted pattern string.
pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            c => write!(f, "{c}")?,
        }
    }
    Ok(())
}

impl fmt::Display for StrPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        if self.leading_wildcard {
            f.write_str("*")?;
        }
        write_escaped(f, &self.literal)?;
        if self.trailing_wildcard {
            f.write_str("*")?;
        }
        f.write_str("\"")
    }
}

/// A numeric literal; keeps its source text so that it serialises unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

/// Right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(StrPattern),
    Num(Number),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => s.fmt(f),
            Literal::Num(n) => f.write_str(&n.text),
        }
    }
}

/// Comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
        })
    }
}

/// A JSON filter expression (the part between `{` and `}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Cmp {
        selector: Selector,
        op: CmpOp,
        value: Literal,
    },
    IsTrue(Selector),
    IsFalse(Selector),
    IsNull(Selector),
    NotExists(Selector),
    /// Conjunction; built with [`Expr::and`], never empty.
    And(Vec<Expr>),
    /// Disjunction; built with [`Expr::or`], never empty.
    Or(Vec<Expr>),
}

impl Expr {
    /// `selector = "pattern"`
    pub fn eq(selector: &Selector, value: StrPattern) -> Expr {
        Expr::Cmp {
            selector: selector.clone(),
            op: CmpOp::Eq,
            value: Literal::Str(value),
        }
    }
    /// `selector != "pattern"`
    pub fn ne(selector: &Selector, value: StrPattern) -> Expr {
        Expr::Cmp {
            selector: selector.clone(),
            op: CmpOp::Ne,
            value: Literal::Str(value),
        }
    }
    /// Conjunction, flattening nested conjunctions; a single operand is returned as is.
    ///
    /// # Panics
    /// If `items` is empty (an empty conjunction has no pattern syntax).
    pub fn and(items: Vec<Expr>) -> Expr {
        Self::join(items, true)
    }
    /// Disjunction, flattening nested disjunctions; a single operand is returned as is.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn or(items: Vec<Expr>) -> Expr {
        Self::join(items, false)
    }
    fn join(items: Vec<Expr>, and: bool) -> Expr {
        assert!(!items.is_empty(), "empty conjunction/disjunction");
        let mut flat = Vec::with_capacity(items.len());
        for e in items {
            match e {
                Expr::And(v) if and => flat.extend(v),
                Expr::Or(v) if !and => flat.extend(v),
                e => flat.push(e),
            }
        }
        if flat.len() == 1 {
            return flat.pop().expect("one element");
        }
        if and {
            Expr::And(flat)
        } else {
            Expr::Or(flat)
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Cmp {
                selector,
                op,
                value,
            } => write!(f, "{selector} {op} {value}"),
            Expr::IsTrue(s) => write!(f, "{s} IS TRUE"),
            Expr::IsFalse(s) => write!(f, "{s} IS FALSE"),
            Expr::IsNull(s) => write!(f, "{s} IS NULL"),
            Expr::NotExists(s) => write!(f, "{s} NOT EXISTS"),
            Expr::And(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    // `&&` binds tighter than `||`: only a disjunction needs parentheses.
                    if matches!(e, Expr::Or(_)) {
                        write!(f, "({e})")?;
                    } else {
                        write!(f, "{e}")?;
                    }
                }
                Ok(())
            }
            Expr::Or(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    // Not needed by the documented precedence, but written
                    // explicitly so that no reader (human or parser) can group
                    // a mixed `&&`/`||` chain differently.
                    if matches!(e, Expr::And(_)) {
                        write!(f, "({e})")?;
                    } else {
                        write!(f, "{e}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// How a term of an unstructured (text) pattern is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// Plain term: must appear.
    Required,
    /// `?term`: at least one of the `?` terms must appear.
    Optional,
    /// `-term`: must not appear.
    Excluded,
}

/// One term of an unstructured pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub text: String,
    pub quoted: bool,
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TermKind::Required => {}
            TermKind::Optional => f.write_str("?")?,
            TermKind::Excluded => f.write_str("-")?,
        }
        if self.quoted {
            f.write_str("\"")?;
            write_escaped(f, &self.text)?;
            f.write_str("\"")
        } else {
            f.write_str(&self.text)
        }
    }
}

/// A condition on the fields of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldCond {
    Cmp {
        field: String,
        op: CmpOp,
        value: Literal,
    },
    And(Vec<FieldCond>),
    Or(Vec<FieldCond>),
}

impl fmt::Display for FieldCond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldCond::Cmp { field, op, value } => write!(f, "{field} {op} {value}"),
            FieldCond::And(v) => {
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    if matches!(c, FieldCond::Or(_)) {
                        write!(f, "({c})")?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
            FieldCond::Or(v) => {
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    if matches!(c, FieldCond::And(_)) {
                        write!(f, "({c})")?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// One slot of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `...`: any number (zero or more) of log fields.
    Ellipsis,
    /// A named field, with an optional condition (which may name other fields).
    Named {
        name: String,
        cond: Option<FieldCond>,
    },
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Ellipsis => f.write_str("..."),
            Field::Named { name, cond: None } => f.write_str(name),
            Field::Named {
                name: _,
                cond: Some(c),
            } => write!(f, "{c}"),
        }
    }
}

/// A parsed CloudWatch Logs filter pattern of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Empty pattern (or `""`): matches every log event.
    MatchAll,
    /// `{ ... }`: JSON pattern.
    Json(Expr),
    /// Unstructured term pattern.
    Terms(Vec<Term>),
    /// `[ ... ]`: space-delimited pattern.
    Delimited(Vec<Field>),
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::MatchAll => f.write_str("\"\""),
            Pattern::Json(e) => write!(f, "{{ {e} }}"),
            Pattern::Terms(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Pattern::Delimited(fields) => {
                f.write_str("[")?;
                for (i, fl) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{fl}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A generated JSON filter pattern. `Display` (or [`FilterPattern::text`])
/// gives the text to hand to CloudWatch Logs.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    expr: Expr,
}

impl FilterPattern {
    pub fn new(expr: Expr) -> Self {
        FilterPattern { expr }
    }
    /// The expression between the braces.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
    /// The CloudWatch Logs filter pattern text.
    pub fn text(&self) -> String {
        self.to_string()
    }
    /// Length of the pattern text in characters (what the 1024 limit counts).
    pub fn len(&self) -> usize {
        self.text().chars().count()
    }
    /// Never true: a filter pattern always has braces.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// The pattern as a general [`Pattern`], for evaluation.
    pub fn to_pattern(&self) -> Pattern {
        Pattern::Json(self.expr.clone())
    }
    /// Would CloudWatch Logs count `log_event` (a CloudTrail record as JSON text)?
    pub fn matches(&self, log_event: &str) -> bool {
        super::eval::matches_json_expr(&self.expr, log_event)
    }
}

impl fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{ {} }}", self.expr)
    }
}

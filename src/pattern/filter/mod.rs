//! CloudWatch Logs metric filter patterns: the typed AST and its text
//! (`ast.rs`), the lexer and parser of any pattern (`lex.rs`, `parse.rs`), the
//! evaluator (`eval.rs`) and the generator of the pipeline's own pattern
//! (`generate.rs`).

pub mod ast;
mod eval;
pub(crate) mod generate;
mod lex;
mod parse;

pub use generate::{fitting_entries, generate, Fit};
pub use parse::{parse, ParseError};

/// Whether two filter patterns are the same text once the white space outside
/// quoted strings is removed: CloudWatch Logs may return a pattern laid out
/// differently from the one it was given, which is not a change.
pub fn same_layout(a: &str, b: &str) -> bool {
    fn squeeze(p: &str) -> String {
        let mut out = String::new();
        let mut quoted = false;
        let mut escaped = false;
        for c in p.chars() {
            if quoted {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    quoted = false;
                }
            } else if c == '"' {
                quoted = true;
                out.push(c);
            } else if !c.is_whitespace() {
                out.push(c);
            }
        }
        out
    }
    squeeze(a) == squeeze(b)
}

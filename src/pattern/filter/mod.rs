//! CloudWatch Logs metric filter patterns: the typed AST and its text
//! (`ast.rs`), the lexer and parser of any pattern (`lex.rs`, `parse.rs`), the
//! evaluator (`eval.rs`) and the generator of the pipeline's own pattern
//! (`generate.rs`).

pub mod ast;
mod eval;
mod generate;
mod lex;
mod parse;

pub use generate::{fitting_entries, generate, Fit};
pub use parse::{parse, ParseError};

//! Tests of the pattern module. The CloudTrail corpus lives in
//! `tests/corpus/cloudtrail/` at the repository root.

mod aws_examples;
mod comparison;
mod corpus;
mod event;
mod event_operators;
mod generation;
mod hostile;
mod insights;
mod layout;
mod oracle;
mod parser;

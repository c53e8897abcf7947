//! Helpers shared by integration tests. Each test file includes this module
//! and uses only part of it.
#![allow(dead_code)]

pub mod msgpack;
pub mod plugin_client;

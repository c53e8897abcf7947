//! Helpers shared by integration tests and the benchmark. Each includes this
//! module and uses only part of it.
#![allow(dead_code)]

pub mod msgpack;
pub mod plugin_client;
pub mod provider;

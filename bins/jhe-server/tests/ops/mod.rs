//! Operations, as an operator meets them: each file shows one point of the operations guide (docs/operations.md)
//! against the real binary.

mod backup;
mod config;
mod containers;
mod docs;
mod logs;
mod probes;
mod proxies;
mod replicas;
mod shutdown;

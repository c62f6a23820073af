//! The Better Store server: the composition root (`startup`), configuration,
//! the platform every service stands on, and one folder per BFF service.

/// mimalloc as the allocator of `tbs` (and of the tests and benches): a
/// profile of the write path under load spent ~17 % of its time in glibc's
/// malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod backends;
pub mod cart;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod contracts;
pub mod fulfilment;
pub mod health;
pub mod identity;
pub mod invoices;
pub mod notifications;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod platform;
pub mod registry;
pub mod reports;
pub mod returns;
pub mod serve;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod tracking;
pub mod web;
pub mod workers;

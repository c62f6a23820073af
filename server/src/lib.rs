//! The Better Store server: the composition root (`startup`), configuration,
//! the platform every service stands on, and one folder per BFF service.

pub mod backends;
pub mod cart;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod contracts;
pub mod fulfilment;
pub mod health;
pub mod identity;
pub mod notifications;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod platform;
pub mod registry;
pub mod reports;
pub mod serve;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod tracking;
pub mod web;
pub mod workers;

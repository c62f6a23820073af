//! HTTP behaviour of the whole app, in-process through `app().oneshot()`.

mod access;
mod account;
mod cart;
mod catalog;
mod headers;
mod helpers;
mod metrics;
mod oidc;
mod openapi;
mod openapi_bodies;
mod pages;
mod rpc;

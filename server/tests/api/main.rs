//! HTTP behaviour of the whole app, in-process through `app().oneshot()`.

mod catalog;
mod helpers;
mod pages;

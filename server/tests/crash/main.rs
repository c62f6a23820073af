//! Crash safety: `tbs serve` killed with SIGKILL at awkward moments, then
//! started again on the same data, must start and have lost nothing.

mod burst;
mod checkouts;
mod first_start;
mod payments;
mod process;
mod shop;

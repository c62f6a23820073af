//! Order numbers: short and sequential (1001, 1002, …), each given to one
//! order exactly once. The next number lives in a counter item of the
//! orders table, taken in the same transaction that stores the order: two
//! orders racing for one number cannot both commit, and the loser takes the
//! next. (Orders placed before numbering show their id's first 8 digits.)
//!
//! | item    | pk        | sk             |
//! |---------|-----------|----------------|
//! | counter | `COUNTER` | `ORDER_NUMBER` |

use super::Orders;
use crate::platform::store::{Key, StoreError, WriteOp, counter};

/// The first order's number.
const FIRST: u64 = 1001;

fn counter_key() -> Key {
    Key::new("COUNTER", "ORDER_NUMBER")
}

impl Orders {
    /// The next `count` free numbers (the first of them), and the write that
    /// takes them (which fails, and fails its transaction, if another order
    /// took any of them first).
    pub(super) async fn next_numbers(&self, count: u64) -> Result<(u64, WriteOp), StoreError> {
        counter::take(&*self.table, counter_key(), FIRST, count).await
    }
}

/// How an order's number reads (0: from before numbering).
pub fn display(number: u64, order_id: &str) -> String {
    let number = if number == 0 { String::new() } else { number.to_string() };
    crate::contracts::order_number(&number, order_id)
}

//! What an adjustment may be: exactly one of a change or a count, a change
//! going the way its reason says, a short note, and stock that never goes
//! below nothing.

use super::super::CatalogError;
use super::super::domain::InvalidInput;
use app::inventory::{StockAdjustmentInput, StockReason};

/// The longest note.
const NOTE_MAX: usize = 200;
/// The longest adjustment id.
const ID_MAX: usize = 100;

fn invalid(field: &'static str, message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid(InvalidInput { field, message: message.into() })
}

/// Refuses a request that can never be applied (400, the field named).
pub fn check(id: &str, input: &StockAdjustmentInput) -> Result<(), CatalogError> {
    if !crate::platform::extract::client_id_fits(id, ID_MAX) {
        return Err(invalid("id", format!("an adjustment id is 1–{ID_MAX} letters, digits or '-' (a UUID)")));
    }
    if input.note.trim().chars().count() > NOTE_MAX {
        return Err(invalid("note", format!("a note is at most {NOTE_MAX} characters")));
    }
    match (input.change, input.set, input.reason) {
        (Some(_), Some(_), _) | (None, None, _) => Err(invalid("change", "give either a change or a count (`set`)")),
        (Some(0), None, _) => Err(invalid("change", "a change moves stock: it cannot be 0")),
        (Some(c), None, StockReason::Received | StockReason::Returned) if c < 0 => {
            Err(invalid("change", "goods received or returned add to stock: the change must be positive"))
        }
        (Some(c), None, StockReason::Damaged) if c > 0 => {
            Err(invalid("change", "damaged goods leave stock: the change must be negative"))
        }
        (None, Some(_), reason) if reason != StockReason::CountCorrection => {
            Err(invalid("set", "only a count correction sets stock to a number; give a change"))
        }
        _ => Ok(()),
    }
}

/// The stock after applying `input` to `stock` (checked by [`check`]).
pub fn stock_after(stock: u32, input: &StockAdjustmentInput) -> Result<u32, CatalogError> {
    let after = match (input.change, input.set) {
        (_, Some(count)) => i64::from(count),
        (Some(change), None) => i64::from(stock) + change,
        (None, None) => i64::from(stock),
    };
    u32::try_from(after).map_err(|_| {
        let message = format!("stock is {stock}: this change would take it to {after}");
        CatalogError::Conflict("stock_out_of_range", message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(reason: StockReason, change: Option<i64>, set: Option<u32>) -> StockAdjustmentInput {
        StockAdjustmentInput { reason, change, set, note: String::new() }
    }

    #[test]
    fn a_change_goes_the_way_its_reason_says() {
        assert!(check("a-1", &input(StockReason::Received, Some(5), None)).is_ok());
        assert!(check("a-1", &input(StockReason::Received, Some(-5), None)).is_err());
        assert!(check("a-1", &input(StockReason::Damaged, Some(-1), None)).is_ok());
        assert!(check("a-1", &input(StockReason::Damaged, Some(1), None)).is_err());
        assert!(check("a-1", &input(StockReason::CountCorrection, None, Some(0))).is_ok());
        assert!(check("a-1", &input(StockReason::CountCorrection, Some(-2), None)).is_ok());
        assert!(check("a-1", &input(StockReason::Received, None, Some(3))).is_err());
        assert!(check("a-1", &input(StockReason::Received, Some(1), Some(3))).is_err());
        assert!(check("a-1", &input(StockReason::Received, Some(0), None)).is_err());
        assert!(check("not an id", &input(StockReason::Received, Some(1), None)).is_err());
    }

    #[test]
    fn stock_never_goes_below_nothing() {
        assert_eq!(stock_after(3, &input(StockReason::Damaged, Some(-3), None)).unwrap(), 0);
        assert!(stock_after(3, &input(StockReason::Damaged, Some(-4), None)).is_err());
        assert_eq!(stock_after(3, &input(StockReason::CountCorrection, None, Some(10))).unwrap(), 10);
    }
}

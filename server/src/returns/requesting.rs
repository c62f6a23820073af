//! Asking for a return: which sent physical lines of an order may go back
//! (within [`RETURN_DAYS`] of being sent, not more than was bought and not
//! returned yet), what the refund comes to, and storing the return with
//! its ReturnRequested and the order's returned quantities in one
//! transaction. The return's id is the client's, so a retried request is
//! answered with the return it made.

use super::view::{self, ReturnableOrder};
use super::{ReturnRecord, Returns, ReturnsError, SOURCE, return_key};
use crate::contracts::{FulfilmentKind, ReturnLine, ReturnRequested};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, StoreError, WriteOp};
use app::returns::{RETURN_DAYS, ReturnInput, ReturnStatus, ReturnableLine};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const REASON_MAX: usize = 500;
/// The longest return id.
const ID_MAX: usize = 64;

/// What the request returns, checked against the order.
struct Checked {
    lines: Vec<ReturnLine>,
    refund: Refund,
    order: ReturnableOrder,
}

/// What a return refunds: the lines' price, their share of the tax, and
/// the shipping when the return completes every physical line.
struct Refund {
    net: i64,
    tax: i64,
    shipping: i64,
}

impl Refund {
    fn total(&self) -> i64 {
        self.net + self.tax + self.shipping
    }
}

impl Returns {
    /// Stores return `id` as `input` asks (the caller may read the order);
    /// `Ok(false)` when the same request made it before.
    pub(super) async fn request(&self, id: &str, input: &ReturnInput) -> Result<(ReturnRecord, bool), ReturnsError> {
        if !crate::platform::extract::client_id_fits(id, ID_MAX) {
            return Err(ReturnsError::Invalid(
                "id",
                format!("a return id is 1–{ID_MAX} letters, digits or '-' (a UUID)"),
            ));
        }
        let done = optimistic::until_done(|| self.try_request(id, input)).await?;
        done.ok_or(ReturnsError::Busy)
    }

    async fn try_request(&self, id: &str, input: &ReturnInput) -> Result<Attempt<(ReturnRecord, bool)>, ReturnsError> {
        if let Some(existing) = self.find(id).await? {
            return if existing.input == *input {
                Ok(Attempt::Done((existing, false)))
            } else {
                Err(ReturnsError::Conflict("return_id_in_use", format!("return {id} was asked for with other values")))
            };
        }
        let (order, version) =
            self.order(&input.order_id).await?.ok_or_else(|| ReturnsError::OrderNotFound(input.order_id.clone()))?;
        let mut checked = check(order, input, OffsetDateTime::now_utc())?;
        checked.order.returns.push(id.into());
        let record = ReturnRecord {
            id: id.into(),
            order_id: input.order_id.clone(),
            order_number: checked.order.number.clone(),
            account_id: checked.order.account_id.clone(),
            status: ReturnStatus::Requested,
            lines: checked.lines.clone(),
            reason: input.reason.trim().into(),
            refund_minor: checked.refund.total(),
            currency: checked.order.currency.clone(),
            requested_at: OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
            received: Vec::new(),
            input: input.clone(),
        };
        let requested = ReturnRequested {
            return_id: id.into(),
            order_id: input.order_id.clone().into(),
            order_number: record.order_number.clone(),
            email: checked.order.email.clone(),
            lines: checked.lines,
            reason: record.reason.clone(),
            refund_minor: record.refund_minor,
            currency: record.currency.clone(),
            tax_minor: checked.refund.tax,
            shipping_minor: checked.refund.shipping,
        };
        let ops = vec![
            WriteOp::Put { item: record.item()?, condition: Condition::NotExists },
            view::put(&checked.order, version)?,
            outbox::stage(&Envelope::new(SOURCE, &requested, "", None))?,
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => {
                self.relay.notify();
                Ok(Attempt::Done((record, true)))
            }
            // The id was taken, or the order changed meanwhile: look again.
            Err(StoreError::TransactionCancelled { .. }) => Ok(Attempt::Raced),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn find(&self, id: &str) -> Result<Option<ReturnRecord>, StoreError> {
        self.table.get(&return_key(id)).await?.map(|item: Item| item.record()).transpose()
    }
}

/// The lines `input` returns from `order` at `now`, the refund, and the
/// order with them counted as returned; or why it cannot be.
fn check(mut order: ReturnableOrder, input: &ReturnInput, now: OffsetDateTime) -> Result<Checked, ReturnsError> {
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(ReturnsError::Invalid("reason", format!("say why, in 1–{REASON_MAX} characters")));
    }
    if input.lines.is_empty() {
        return Err(ReturnsError::Invalid("lines", "choose at least one item to return".into()));
    }
    if order.cancelled {
        return Err(ReturnsError::Conflict(
            "order_cancelled",
            "This order was cancelled: there is nothing to return".into(),
        ));
    }
    let returned_net_before = order.returned_net();
    let mut lines = Vec::new();
    for wanted in &input.lines {
        let line = returnable_line(&order, &wanted.sku, now)?.clone();
        let left = line.quantity - order.returned_of(&line.sku);
        if wanted.quantity == 0 || wanted.quantity > left {
            let why = format!("{}: you can return 1 to {left}", line.name);
            return Err(ReturnsError::Invalid("lines", why));
        }
        *order.returned.entry(line.sku.clone()).or_default() += wanted.quantity;
        lines.push(ReturnLine {
            sku: line.sku,
            name: line.name,
            quantity: wanted.quantity,
            unit_price_minor: line.unit_price_minor,
        });
    }
    let refund = refund(&order, returned_net_before, &lines);
    Ok(Checked { lines, refund, order })
}

/// Each line of `order` as a return form offers it at `now`: how many can
/// still go back, or why none can.
pub(super) fn offer(order: &ReturnableOrder, now: OffsetDateTime) -> Vec<ReturnableLine> {
    let offered = |line: &view::OrderedLine| {
        let (left, why_not) = match returnable_line(order, &line.sku, now) {
            _ if order.cancelled => (0, Some("The order was cancelled".to_string())),
            Ok(line) => match line.quantity.saturating_sub(order.returned_of(&line.sku)) {
                0 => (0, Some("Returned already".to_string())),
                left => (left, None),
            },
            Err(refused) => (0, Some(refused.to_string())),
        };
        ReturnableLine {
            sku: line.sku.clone(),
            name: line.name.clone(),
            unit_price_minor: line.unit_price_minor,
            left,
            why_not,
        }
    };
    order.lines.iter().map(offered).collect()
}

/// The order's line `sku`, if it may be returned at `now`.
fn returnable_line<'o>(
    order: &'o ReturnableOrder,
    sku: &str,
    now: OffsetDateTime,
) -> Result<&'o view::OrderedLine, ReturnsError> {
    let refuse = |code, why: String| Err(ReturnsError::Conflict(code, why));
    let Some(line) = order.lines.iter().find(|l| l.sku == sku) else {
        return Err(ReturnsError::Invalid("lines", format!("{sku} is not in this order")));
    };
    if line.fulfilment == FulfilmentKind::Digital {
        return refuse("not_returnable", format!("{} was delivered digitally and cannot be returned", line.name));
    }
    let Some(sent) = line.sent_at.as_deref().and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok()) else {
        return refuse("not_sent_yet", format!("{} has not been sent yet: it can be returned once it has", line.name));
    };
    if now - sent > time::Duration::days(RETURN_DAYS) {
        return refuse("return_window_closed", format!("{} was sent more than {RETURN_DAYS} days ago", line.name));
    }
    Ok(line)
}

/// What returning `lines` refunds: their price, their share of the tax
/// (shares taken from the running total of what was returned, so the
/// shares of every return add up to the order's tax exactly), and the
/// shipping when this return completes every physical line.
fn refund(order: &ReturnableOrder, returned_net_before: i64, lines: &[ReturnLine]) -> Refund {
    let net: i64 = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity)).sum();
    let tax_share = |returned_net: i64| {
        if order.net_minor == 0 {
            0
        } else {
            (order.tax_minor * returned_net * 2 + order.net_minor) / (order.net_minor * 2)
        }
    };
    let tax = tax_share(returned_net_before + net) - tax_share(returned_net_before);
    let shipping = if order.all_physical_returned() { order.shipping_minor } else { 0 };
    Refund { net, tax, shipping }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> ReturnableOrder {
        let line = |sku: &str, price, fulfilment| view::OrderedLine {
            sku: sku.into(),
            name: sku.into(),
            quantity: 2,
            unit_price_minor: price,
            fulfilment,
            sent_at: Some("2026-12-01T10:00:00Z".into()),
        };
        ReturnableOrder {
            lines: vec![line("A", 1_000, FulfilmentKind::Physical), line("B", 333, FulfilmentKind::Physical)],
            net_minor: 2_666,
            tax_minor: 213,
            shipping_minor: 495,
            ..Default::default()
        }
    }

    fn input(lines: &[(&str, u32)]) -> ReturnInput {
        let lines = lines
            .iter()
            .map(|(sku, quantity)| app::returns::ReturnLineInput { sku: (*sku).into(), quantity: *quantity });
        ReturnInput { order_id: "o".into(), lines: lines.collect(), reason: "too small".into() }
    }

    fn at(day: u8) -> OffsetDateTime {
        time::Date::from_calendar_date(2026, time::Month::December, day).unwrap().midnight().assume_utc()
    }

    #[test]
    fn the_returns_of_an_order_refund_its_tax_and_shipping_exactly_once() {
        let mut order = order();
        let mut refunded = 0;
        for lines in [&[("B", 1)][..], &[("A", 1), ("B", 1)], &[("A", 1)]] {
            let checked = check(order, &input(lines), at(3)).unwrap();
            refunded += checked.refund.total();
            order = checked.order;
        }
        assert_eq!(refunded, 2_666 + 213 + 495, "everything back: net, tax and shipping, to the cent");
    }

    #[test]
    fn what_cannot_go_back_is_refused_with_the_reason() {
        let code = |result: Result<Checked, ReturnsError>| match result {
            Err(ReturnsError::Conflict(code, _)) => code,
            Err(ReturnsError::Invalid(field, _)) => field,
            _ => "accepted",
        };
        assert_eq!(code(check(order(), &input(&[("A", 3)]), at(3))), "lines", "more than bought");
        assert_eq!(code(check(order(), &input(&[("C", 1)]), at(3))), "lines", "not in the order");
        assert_eq!(code(check(order(), &input(&[("A", 1)]), at(31) + time::Duration::days(1))), "return_window_closed");
        let mut digital = order();
        digital.lines[0].fulfilment = FulfilmentKind::Digital;
        assert_eq!(code(check(digital, &input(&[("A", 1)]), at(3))), "not_returnable");
        let mut unsent = order();
        unsent.lines[0].sent_at = None;
        assert_eq!(code(check(unsent, &input(&[("A", 1)]), at(3))), "not_sent_yet");
        let mut cancelled = order();
        cancelled.cancelled = true;
        assert_eq!(code(check(cancelled, &input(&[("A", 1)]), at(3))), "order_cancelled");
        assert_eq!(code(check(order(), &input(&[("A", 1)]), at(3))), "accepted");
    }
}

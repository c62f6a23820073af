//! Invoice numbers: `INV-<year>-<000001>`, and credit note numbers
//! `CN-<year>-<000001>`: each a sequence per calendar year (UTC) with no
//! gaps. The year's next number lives in a counter item, taken in the same
//! transaction that stores the document: a number is used only by a
//! document that was stored, two invoices racing for one number cannot
//! both commit (the loser takes the next), and a redelivered confirmation
//! finds its invoice stored and takes nothing. Invoices issued while one is
//! being stored wait, and are then numbered and stored together (one read
//! of the counter, one transaction), like order numbers.

use super::{Invoices, Stored};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Abandoned, together_or_alone};
use crate::platform::store::{Condition, Item, Key, StoreError, WriteOp, counter};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most invoices numbered together.
pub(super) const BATCH: usize = 32;
/// Attempts at a number before the event is retried later: many invoices
/// being issued at once take turns on one counter by design.
const ROUNDS: u32 = 32;

/// A numbered series: invoices, or credit notes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Series {
    Invoices,
    CreditNotes,
}

impl Series {
    fn of(draft: &Stored) -> Self {
        if draft.return_id.is_some() { Self::CreditNotes } else { Self::Invoices }
    }

    fn counter_key(self, year: i32) -> Key {
        match self {
            Self::Invoices => Key::new("COUNTER", format!("INVOICE#{year}")),
            Self::CreditNotes => Key::new("COUNTER", format!("CREDIT#{year}")),
        }
    }

    /// How number `sequence` of `year` reads.
    fn number(self, year: i32, sequence: u64) -> String {
        let prefix = if self == Self::Invoices { "INV" } else { "CN" };
        format!("{prefix}-{year}-{sequence:06}")
    }
}

impl Invoices {
    /// Numbers, dates and stores `draft` (or finds it stored already).
    pub(super) async fn issue(&self, draft: Stored) -> anyhow::Result<()> {
        let combiner = if Series::of(&draft) == Series::Invoices { &self.numbering } else { &self.crediting };
        match combiner.submit(draft.clone(), |batch| self.store_batch(batch)).await {
            Ok(outcome) => outcome,
            // Its batch's writer stopped: whether it stored this one is unknown, and alone finds out.
            Err(Abandoned) => self.store_alone(&draft).await,
        }
    }

    async fn store_batch(&self, batch: Vec<Stored>) -> Vec<anyhow::Result<()>> {
        let together = async {
            match self.store_together(&batch).await {
                Ok(done) => done.then(|| batch.iter().map(|_| Ok(())).collect()),
                Err(e) => {
                    tracing::warn!(error = %e, "invoices numbered together failed; one by one");
                    None
                }
            }
        };
        together_or_alone(&batch, together, |draft| self.store_alone(draft)).await
    }

    /// The series' next `count` numbers of `year` (the first of them) and the write that takes them.
    async fn next_numbers(&self, series: Series, year: i32, count: u64) -> Result<(u64, WriteOp), StoreError> {
        counter::take(&*self.table, series.counter_key(year), 1, count).await
    }

    /// `draft` numbered `sequence` of the year of `now`, as a write that
    /// stores it unless it exists.
    fn numbered(draft: &Stored, now: OffsetDateTime, sequence: u64) -> Result<WriteOp, StoreError> {
        let mut stored = draft.clone();
        stored.invoice.number = Series::of(draft).number(now.year(), sequence);
        stored.invoice.issued_at = now.format(&Rfc3339).unwrap_or_default();
        let item = Item::from_record(stored.key(), &stored)?;
        Ok(WriteOp::Put { item, condition: Condition::NotExists })
    }

    /// One attempt at the whole batch (of one series) with consecutive
    /// numbers; `false` when it was refused (a document twice, one issued
    /// meanwhile, the counter moved).
    async fn store_together(&self, batch: &[Stored]) -> Result<bool, StoreError> {
        let mut keys: Vec<Key> = batch.iter().map(Stored::key).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0] == pair[1]) || batch.is_empty() {
            return Ok(false);
        }
        let now = OffsetDateTime::now_utc();
        let series = Series::of(&batch[0]);
        let (first, take) = self.next_numbers(series, now.year(), batch.len() as u64).await?;
        let mut ops = vec![take];
        for (sequence, draft) in (first..).zip(batch) {
            ops.push(Self::numbered(draft, now, sequence)?);
        }
        match self.table.transact_write(ops).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stores one invoice with the next number, taking the next again when
    /// another invoice took it first.
    async fn store_alone(&self, draft: &Stored) -> anyhow::Result<()> {
        let stored = optimistic::within(ROUNDS, || async {
            let now = OffsetDateTime::now_utc();
            let (sequence, take) = self.next_numbers(Series::of(draft), now.year(), 1).await?;
            match self.table.transact_write(vec![Self::numbered(draft, now, sequence)?, take]).await {
                Ok(()) => Ok(Attempt::Done(())),
                // Issued before (a redelivery that raced the first delivery).
                Err(StoreError::TransactionCancelled { index: 0, .. }) => Ok(Attempt::Done(())),
                Err(StoreError::TransactionCancelled { .. }) => Ok(Attempt::Raced),
                Err(e) => Err(e),
            }
        })
        .await?;
        stored.ok_or_else(|| anyhow::anyhow!("invoice numbers are busy; will retry"))
    }
}

#[cfg(test)]
mod tests {
    use super::Series;

    #[test]
    fn numbers_carry_the_series_the_year_and_six_digits() {
        assert_eq!(Series::Invoices.number(2026, 123), "INV-2026-000123");
        assert_eq!(Series::Invoices.number(2027, 1), "INV-2027-000001");
        assert_eq!(Series::CreditNotes.number(2026, 7), "CN-2026-000007");
    }
}

//! The fulfilment service. Owns the `fulfilment` table. On OrderConfirmed it
//! creates the order's shipping order (ShippingOrderCreated): physical lines
//! wait for dispatch, digital ones are processed at once. Dispatchers mark
//! physical lines processed with the carrier and tracking number
//! (ShipmentItemProcessed per line); when no line is pending the shipping
//! order is processed (ShippingOrderProcessed). Every change is a versioned
//! write, so two dispatchers cannot both apply a change to the same state.
//!
//! | item           | pk                       | sk               | index `by_status`                       |
//! |----------------|--------------------------|------------------|-----------------------------------------|
//! | shipping order | `SHIPPING_ORDER#<so id>` | `SHIPPING_ORDER` | `STATUS#<status>` / `<created unix>#<id>` |

mod domain;
pub mod events;
mod intake;
mod privacy;
mod routes;
mod service;

pub use domain::{Shipment, ShippingLine, ShippingOrder, shipping_order_id};
pub use intake::Intake;
pub use service::SERVICE;

use crate::contracts::{ShipmentItemProcessed, ShippingOrderProcessed};
use crate::platform::events::Envelope;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::outbox::{self, Relay};
use crate::platform::store::{Condition, Cursor, Item, Key, Query, Store, StoreError, Table, TableSpec, WriteOp};
use app::api::ErrorDetail;
use app::fulfilment::{
    ProcessInput, ShipmentView, ShippingAddressView, ShippingLineView, ShippingOrderPage, ShippingOrderView,
};
use async_trait::async_trait;
use axum::http::StatusCode;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use app::fulfilment::LineStatus;

pub const CONSUMER: &str = "fulfilment";
const SOURCE: &str = "fulfilment";
const BY_STATUS: &str = "by_status";

pub fn table_spec() -> TableSpec {
    TableSpec::new("fulfilment").with_index(BY_STATUS)
}

fn key(id: &str) -> Key {
    Key::new(format!("SHIPPING_ORDER#{id}"), "SHIPPING_ORDER")
}

fn status_partition(status: LineStatus) -> String {
    format!("STATUS#{}", status.label().to_lowercase())
}

fn item(shipping: &ShippingOrder) -> Result<Item, StoreError> {
    let sort = format!("{:012}#{}", shipping.created_at.unix_timestamp(), shipping.id);
    Ok(Item::from_record(key(&shipping.id), shipping)?
        .with_index(BY_STATUS, Key::new(status_partition(shipping.status), sort)))
}

#[derive(Debug, thiserror::Error)]
pub enum FulfilmentError {
    #[error("{}", .0.message)]
    Invalid(ErrorDetail),
    #[error("no shipping order {0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(#[from] domain::Refusal),
    #[error("this shipping order changed since you opened it (now version {0}); reload it and try again")]
    Stale(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError for FulfilmentError {
    fn api_error(&self) -> ApiError {
        let message = self.to_string();
        match self {
            Self::Invalid(d) => ApiError::with_detail(StatusCode::BAD_REQUEST, d.clone()),
            Self::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "shipping_order_not_found", message),
            Self::Refused(domain::Refusal::AlreadyProcessed(_)) => {
                ApiError::new(StatusCode::CONFLICT, "line_already_processed", message)
            }
            Self::Refused(_) => ApiError::with_detail(
                StatusCode::BAD_REQUEST,
                ErrorDetail::new("invalid_lines", message).on_field("lines"),
            ),
            Self::Stale(_) => ApiError::new(StatusCode::CONFLICT, "version_conflict", message),
            Self::Store(e) => ApiError::internal("fulfilment store failed", e),
        }
    }
}

crate::respond_with_api_error!(FulfilmentError);

fn invalid(field: &str, message: impl Into<String>) -> FulfilmentError {
    FulfilmentError::Invalid(ErrorDetail::new(format!("invalid_{field}"), message).on_field(field))
}

/// What the queue is asked for.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub status: Option<String>,
    /// Matches the order number or the recipient's name (case-insensitive).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

pub struct Fulfilment {
    table: Arc<dyn Table>,
    relay: Relay,
}

impl Fulfilment {
    pub async fn open(store: &dyn Store, hub: Arc<dyn crate::platform::hub::EventHub>) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    pub async fn shipping_order(&self, id: &str) -> Result<Option<ShippingOrder>, StoreError> {
        self.table.get(&key(id)).await?.map(|item| item.record()).transpose()
    }

    async fn load(&self, id: &str) -> Result<(ShippingOrder, u64), FulfilmentError> {
        let item = self.table.get(&key(id)).await?.ok_or_else(|| FulfilmentError::NotFound(id.to_string()))?;
        Ok((item.record()?, item.version))
    }

    /// One shipping order, with the version to send back when processing.
    pub async fn get(&self, id: &str) -> Result<ShippingOrderView, FulfilmentError> {
        let (shipping, version) = self.load(id).await?;
        Ok(view(&shipping, version))
    }

    /// Shipping orders in `status` (default pending), oldest first, a page at a time.
    pub async fn queue(&self, query: QueueQuery) -> Result<ShippingOrderPage, FulfilmentError> {
        let status = match query.status.as_deref().unwrap_or("pending") {
            "pending" => LineStatus::Pending,
            "processed" => LineStatus::Processed,
            _ => return Err(invalid("status", "status is pending or processed")),
        };
        let limit = match query.limit.as_deref() {
            None => 20,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| invalid("limit", "limit is 1 to 100"))?,
        };
        let needle = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
        let partition = status_partition(status);
        let mut after = match query.cursor.as_deref() {
            None => None,
            Some(raw) => {
                let (_, id) = raw
                    .split_once('#')
                    .filter(|(t, _)| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| invalid("cursor", "cursor is not one this API gave out"))?;
                Some(Cursor { key: key(id), index_key: Some(Key::new(partition.clone(), raw)) })
            }
        };
        let mut items = Vec::new();
        let mut last_sort = None;
        let more = loop {
            let page = self
                .table
                .query(
                    Query::partition(partition.clone()).on_index(BY_STATUS).limit(limit + 1).start_after(after.take()),
                )
                .await?;
            let exhausted = page.next.is_none();
            for item in page.items {
                let shipping: ShippingOrder = item.record()?;
                if items.len() == limit {
                    break;
                }
                last_sort = Some(format!("{:012}#{}", shipping.created_at.unix_timestamp(), shipping.id));
                let matches = needle.as_ref().is_none_or(|n| {
                    shipping.order_number().to_lowercase().contains(n)
                        || shipping.order_id.contains(n.as_str())
                        || shipping.address.name.to_lowercase().contains(n)
                });
                if matches {
                    items.push(view(&shipping, item.version));
                }
            }
            if items.len() == limit {
                break true;
            }
            if exhausted {
                break false;
            }
            after = last_sort.clone().and_then(|sort| {
                let id = sort.split_once('#').map(|(_, id)| id.to_string())?;
                Some(Cursor { key: key(&id), index_key: Some(Key::new(partition.clone(), sort)) })
            });
        };
        Ok(ShippingOrderPage { items, next_cursor: if more { last_sort } else { None } })
    }

    /// Marks lines processed (packed and handed to the courier).
    pub async fn process(
        &self,
        id: &str,
        input: ProcessInput,
        dispatcher: &str,
        change_id: Option<String>,
    ) -> Result<ShippingOrderView, FulfilmentError> {
        let carrier = input.carrier.trim().to_string();
        let tracking = input.tracking_number.trim().to_string();
        if carrier.is_empty() || carrier.chars().count() > 60 {
            return Err(invalid("carrier", "Enter the carrier (up to 60 characters)"));
        }
        if tracking.is_empty() || tracking.chars().count() > 60 {
            return Err(invalid("tracking_number", "Enter the tracking number (up to 60 characters)"));
        }
        let (mut shipping, version) = self.load(id).await?;
        if version != input.expected_version {
            // The same change sent again (its answer was lost): answered as before, not refused.
            if change_id.as_deref().is_some_and(|change| shipping.already_processed(&input.lines, change)) {
                return Ok(view(&shipping, version));
            }
            return Err(FulfilmentError::Stale(version));
        }
        let shipment = Shipment {
            carrier,
            tracking_number: tracking,
            processed_at: OffsetDateTime::now_utc(),
            processed_by: dispatcher.to_string(),
            change_id,
        };
        shipping.process(&input.lines, &shipment)?;
        let mut ops = vec![WriteOp::Put { item: item(&shipping)?, condition: Condition::Version(version) }];
        for line in shipping.lines.iter().filter(|l| input.lines.contains(&l.sku)) {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &item_processed(&shipping, line), "", None))?);
        }
        if shipping.status == LineStatus::Processed {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &order_processed(&shipping), "", None))?);
        }
        match self.table.transact_write(ops).await {
            Ok(()) => {}
            Err(StoreError::TransactionCancelled { index: 0, .. }) => {
                let (_, now) = self.load(id).await?;
                return Err(FulfilmentError::Stale(now));
            }
            Err(e) => return Err(e.into()),
        }
        self.relay.notify();
        tracing::info!(shipping_order = %id, lines = ?input.lines, status = ?shipping.status, "lines processed");
        Ok(view(&shipping, version + 1))
    }
}

fn item_processed(shipping: &ShippingOrder, line: &ShippingLine) -> ShipmentItemProcessed {
    let shipment = line.shipment.as_ref();
    ShipmentItemProcessed {
        shipping_order_id: shipping.id.clone(),
        order_id: shipping.order_id.clone(),
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        carrier: shipment.map(|s| s.carrier.clone()).unwrap_or_default(),
        tracking_number: shipment.map(|s| s.tracking_number.clone()).unwrap_or_default(),
    }
}

fn order_processed(shipping: &ShippingOrder) -> ShippingOrderProcessed {
    ShippingOrderProcessed { shipping_order_id: shipping.id.clone(), order_id: shipping.order_id.clone() }
}

fn view(s: &ShippingOrder, version: u64) -> ShippingOrderView {
    let ts = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let a = &s.address;
    ShippingOrderView {
        id: s.id.clone(),
        order_id: s.order_id.clone(),
        order_number: s.order_number(),
        status: s.status,
        lines: s
            .lines
            .iter()
            .map(|l| ShippingLineView {
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                fulfilment: match l.fulfilment {
                    crate::contracts::FulfilmentKind::Physical => "physical".into(),
                    crate::contracts::FulfilmentKind::Digital => "digital".into(),
                },
                status: l.status,
                shipment: l.shipment.as_ref().map(|sh| ShipmentView {
                    carrier: sh.carrier.clone(),
                    tracking_number: sh.tracking_number.clone(),
                    processed_at: ts(sh.processed_at),
                    processed_by: sh.processed_by.clone(),
                }),
            })
            .collect(),
        address: ShippingAddressView {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
        },
        created_at: ts(s.created_at),
        version,
    }
}

#[async_trait]
impl app::fulfilment::ssr::FulfilmentApi for Fulfilment {
    async fn queue(
        &self,
        status: Option<String>,
        q: Option<String>,
        cursor: Option<String>,
    ) -> Result<ShippingOrderPage, ErrorDetail> {
        Fulfilment::queue(self, QueueQuery { status, q, cursor, limit: None }).await.map_err(|e| e.detail())
    }

    async fn get(&self, id: String) -> Result<ShippingOrderView, ErrorDetail> {
        Fulfilment::get(self, &id).await.map_err(|e| e.detail())
    }

    async fn process(
        &self,
        id: String,
        input: ProcessInput,
        dispatcher: String,
    ) -> Result<ShippingOrderView, ErrorDetail> {
        Fulfilment::process(self, &id, input, &dispatcher, None).await.map_err(|e| e.detail())
    }
}

//! Links from an operation to the ones that follow it on the same resource,
//! so a client (and the fuzzer's stateful phase) can walk a workflow: an
//! order placed with `PUT /api/orders/{id}` is then read, paid and tracked
//! under the same id; a listing's first item is read, and acted on. A
//! process serving some of the services links the operations it serves.
//!
//! Written into the serialised description: utoipa 5.5's `Link` writes its
//! fields in snake case (`operation_id`), which no OpenAPI reader knows.

use serde_json::{Map, Value, json};

/// How a link fills in its target's path parameters.
#[derive(Clone, Copy, Debug)]
pub enum Ids {
    /// Those the two operations share, from the request that succeeded.
    SamePath,
    /// `id` from the first item the answer lists, at this JSON pointer.
    FirstListed(&'static str),
}

/// Each operation (by id), the operations that follow it, and how. (Not the
/// live streams: a client that follows a link to one waits on it for ever.)
pub const FOLLOWS: &[(&str, &[&str], Ids)] = &[
    ("put_order", &["get_order", "details", "post_payment", "timeline"], Ids::SamePath),
    ("post_payment", &["get_order", "details"], Ids::SamePath),
    ("request_return", &["get_return", "receive_return"], Ids::SamePath),
    ("save_product", &["get_product", "stock_history", "adjust_stock"], Ids::SamePath),
    ("adjust_stock", &["get_product", "stock_history"], Ids::SamePath),
    ("my_orders", &["get_order", "details", "post_payment", "timeline"], Ids::FirstListed("/0/id")),
    ("queue", &["one", "process"], Ids::FirstListed("/items/0/id")),
    ("open_returns", &["get_return", "receive_return"], Ids::FirstListed("/items/0/id")),
];

/// Adds the links of [`FOLLOWS`] to every success answer of each operation.
pub fn describe(document: &mut Value) {
    for (from, to, ids) in FOLLOWS {
        let links: Map<String, Value> =
            to.iter().filter_map(|to| Some((to.to_string(), link(document, from, to, *ids)?))).collect();
        let Some(operation) = find(document, from).filter(|_| !links.is_empty()) else { continue };
        let responses = operation["responses"].as_object_mut().into_iter().flatten();
        for (_, response) in responses.filter(|(status, _)| status.starts_with('2')) {
            response["links"] = Value::Object(links.clone());
        }
    }
}

/// A link from `from` to `to`, its parameters filled in as `ids` says,
/// when this process serves both.
fn link(document: &mut Value, from: &str, to: &str, ids: Ids) -> Option<Value> {
    let shared = path_parameters(find(document, from)?);
    let target = path_parameters(find(document, to)?);
    let parameters: Map<String, Value> = match ids {
        Ids::SamePath => target
            .into_iter()
            .filter(|name| shared.contains(name))
            .map(|name| (name.clone(), json!(format!("$request.path.{name}"))))
            .collect(),
        Ids::FirstListed(pointer) => target
            .into_iter()
            .filter(|name| name == "id")
            .map(|name| (name, json!(format!("$response.body#{pointer}"))))
            .collect(),
    };
    Some(json!({ "operationId": to, "parameters": parameters }))
}

fn path_parameters(operation: &Value) -> Vec<String> {
    let parameters = operation["parameters"].as_array().into_iter().flatten();
    parameters.filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str().map(str::to_owned)).collect()
}

fn find<'a>(document: &'a mut Value, id: &str) -> Option<&'a mut Value> {
    let paths = document["paths"].as_object_mut()?;
    let operations = paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut());
    operations.into_iter().find(|operation| operation["operationId"] == id)
}

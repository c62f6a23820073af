//! Links from an operation to the ones that follow it on the same resource,
//! so a client (and the fuzzer's stateful phase) can walk a workflow: an
//! order placed with `PUT /api/orders/{id}` is then read, paid and tracked
//! under the same id. Each link passes on the path parameters the two
//! operations share, by name, from the request that succeeded. A process
//! serving some of the services links the operations it serves.
//!
//! Written into the serialised description: utoipa 5.5's `Link` writes its
//! fields in snake case (`operation_id`), which no OpenAPI reader knows.

use serde_json::{Map, Value, json};

/// Each operation (by id) and the operations that follow it.
pub const FOLLOWS: &[(&str, &[&str])] = &[
    ("put_order", &["get_order", "details", "post_payment", "timeline", "order_events"]),
    ("post_payment", &["get_order", "details"]),
    ("request_return", &["get_return", "receive_return"]),
    ("save_product", &["get_product", "stock_history", "adjust_stock"]),
    ("adjust_stock", &["get_product", "stock_history"]),
];

/// Adds the links of [`FOLLOWS`] to every success answer of each operation.
pub fn describe(document: &mut Value) {
    for (from, to) in FOLLOWS {
        let links: Map<String, Value> =
            to.iter().filter_map(|to| Some((to.to_string(), link(document, from, to)?))).collect();
        let Some(operation) = find(document, from).filter(|_| !links.is_empty()) else { continue };
        let responses = operation["responses"].as_object_mut().into_iter().flatten();
        for (_, response) in responses.filter(|(status, _)| status.starts_with('2')) {
            response["links"] = Value::Object(links.clone());
        }
    }
}

/// A link from `from` to `to`, passing on the path parameters they share,
/// when this process serves both.
fn link(document: &mut Value, from: &str, to: &str) -> Option<Value> {
    let shared = path_parameters(find(document, from)?);
    let target = find(document, to)?;
    let parameters: Map<String, Value> = path_parameters(target)
        .into_iter()
        .filter(|name| shared.contains(name))
        .map(|name| (name.clone(), json!(format!("$request.path.{name}"))))
        .collect();
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

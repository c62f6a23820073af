//! The values read: the browser's `JsValue` (what `JSON.parse` makes) and,
//! in the tests, serde_json's `Value`.

use super::{Parsed, Shape};

#[cfg(feature = "hydrate")]
impl Parsed for wasm_bindgen::JsValue {
    fn shape(self) -> Shape<Self> {
        use wasm_bindgen::JsCast;
        if let Some(b) = self.as_bool() {
            Shape::Bool(b)
        } else if let Some(n) = self.as_f64() {
            Shape::Number(n)
        } else if let Some(s) = self.as_string() {
            Shape::Text(s)
        } else if js_sys::Array::is_array(&self) {
            Shape::List(self.unchecked_into::<js_sys::Array>().to_vec())
        } else if self.is_object() {
            let entries = js_sys::Object::entries(self.unchecked_ref());
            Shape::Object(entries.iter().map(|e| e.unchecked_into::<js_sys::Array>()).map(entry).collect())
        } else {
            Shape::Null // null (JSON.parse makes nothing else)
        }
    }

    fn is_null(&self) -> bool {
        self.is_null() || self.is_undefined()
    }
}

/// One `[key, value]` of `Object.entries`.
#[cfg(feature = "hydrate")]
fn entry(pair: js_sys::Array) -> (String, wasm_bindgen::JsValue) {
    (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
}

#[cfg(test)]
impl Parsed for serde_json::Value {
    fn shape(self) -> Shape<Self> {
        use serde_json::Value;
        match self {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(b),
            Value::Number(n) => Shape::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Shape::Text(s),
            Value::Array(items) => Shape::List(items),
            Value::Object(entries) => Shape::Object(entries.into_iter().collect()),
        }
    }

    fn is_null(&self) -> bool {
        self.is_null()
    }
}

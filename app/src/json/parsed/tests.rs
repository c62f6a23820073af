//! The reading of parsed values, checked against serde_json reading the same
//! documents: every form serde derives (structs, defaults, options, maps,
//! tuples, each kind of enum variant, internally tagged and untagged enums,
//! flattened fields) and the refusals.

use super::from_parsed;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Everything {
    id: String,
    count: u32,
    delta: i64,
    big: u64,
    ratio: f64,
    flag: bool,
    letter: char,
    #[serde(default)]
    defaulted: Vec<u8>,
    maybe: Option<Box<Everything>>,
    absent: Option<String>,
    pair: (u8, String),
    by_name: BTreeMap<String, i32>,
    kinds: Vec<Kind>,
    tagged: Tagged,
    either: Either,
    #[serde(flatten)]
    rest: Rest,
    unit: (),
    newtype: Newtype,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Plain,
    Wrapped(u16),
    Tuple(u8, bool),
    Fields { name: String, note: Option<String> },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    Sent { carrier: String },
    Lost,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Either {
    Number(u32),
    Words(String),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Rest {
    extra: String,
    version: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Newtype(String);

fn everything() -> Value {
    json!({
        "id": "a-1", "count": 4_000_000_000u32, "delta": -17, "big": 9_007_199_254_740_992u64,
        "ratio": 0.25, "flag": true, "letter": "é",
        "maybe": {
            "id": "inner", "count": 0, "delta": 0, "big": 0, "ratio": 3, "flag": false, "letter": "x",
            "defaulted": [1, 2], "maybe": null, "pair": [0, ""], "by_name": {}, "kinds": [],
            "tagged": { "type": "lost" }, "either": "words", "extra": "", "version": 1, "unit": null,
            "newtype": "n"
        },
        "pair": [7, "seven"],
        "by_name": { "b": -2, "a": 1 },
        "kinds": ["plain", { "wrapped": 9 }, { "tuple": [1, true] }, { "fields": { "name": "n", "note": null } }],
        "tagged": { "type": "sent", "carrier": "UPS" },
        "either": 12,
        "extra": "flattened", "version": 3, "unit": null, "newtype": "inside"
    })
}

/// What ours and serde_json make of `document`: the same value, or both a refusal.
fn read_alike<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(document: Value) -> Result<T, String> {
    let ours = from_parsed::<T, _>(document.clone()).map_err(|e| e.to_string());
    let reference = serde_json::from_value::<T>(document).map_err(|e| e.to_string());
    match (&ours, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        _ => panic!("ours {ours:?}, serde_json {reference:?}"),
    }
    ours
}

#[test]
fn every_form_serde_derives_reads_as_serde_json_reads_it() {
    let read = read_alike::<Everything>(everything()).unwrap();
    assert_eq!(read.maybe.as_ref().unwrap().ratio, 3.0, "a whole number read as a float");
    assert_eq!(read.kinds.len(), 4);
    let round = serde_json::to_value(&read).unwrap();
    assert_eq!(read_alike::<Everything>(round).unwrap(), read, "what it wrote reads back");
}

#[test]
fn the_stores_own_types_read_as_serde_json_reads_them() {
    let account = json!({ "id": "a", "email": "e@example.com", "name": "E", "roles": ["shopper", "admin"] });
    read_alike::<crate::account::AccountView>(account).unwrap();
    let edit = json!({ "sku": "KIT-001", "action": "add", "quantity": 2, "preview": null });
    let read = from_parsed::<crate::cart::edits::CartEdit, _>(edit.clone()).unwrap();
    assert_eq!(read, serde_json::from_value(edit).unwrap());
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_in_words() {
    let refused = |document: Value| {
        let mut document_of = everything();
        document_of["count"] = document;
        read_alike::<Everything>(document_of).unwrap_err()
    };
    assert_eq!(refused(json!("4")), "invalid type: string \"4\", expected u32");
    assert_eq!(refused(json!(true)), "invalid type: boolean `true`, expected u32");
    assert_eq!(refused(json!(1.5)), "a fractional or too large number, expected u32");
    assert_eq!(refused(json!(-1)), "invalid value: integer `-1`, expected u32");
    assert_eq!(refused(json!(5_000_000_000u64)), "invalid value: integer `5000000000`, expected u32");
    let mut unknown = everything();
    unknown["kinds"] = json!(["other"]);
    assert!(read_alike::<Everything>(unknown).unwrap_err().contains("unknown variant `other`"));
    let mut missing = everything();
    missing.as_object_mut().unwrap().remove("id");
    assert_eq!(read_alike::<Everything>(missing).unwrap_err(), "missing field `id`");
    let mut two = everything();
    two["kinds"] = json!([{ "wrapped": 1, "plain": null }]);
    read_alike::<Everything>(two).unwrap_err();
}

#[test]
fn a_number_where_words_belong_is_named_as_serde_json_names_it() {
    let mut document = everything();
    document["id"] = json!(12);
    assert_eq!(read_alike::<Everything>(document).unwrap_err(), "invalid type: integer `12`, expected a string");
    let mut listed = everything();
    listed["pair"] = json!({ "0": 1 });
    assert_eq!(read_alike::<Everything>(listed).unwrap_err(), "invalid type: map, expected a tuple of size 2");
}

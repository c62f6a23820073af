//! Reading a value `JSON.parse` made into a Rust type, with serde.
//!
//! serde-wasm-bindgen did this until it was found to keep Rust's float
//! formatting in the first download (~22 kB of the WASM, ~8 kB brotli): to
//! describe a value of the wrong type it hands serde's `Unexpected` to
//! serde's default message, whose display of a float formats it. The store
//! sends no fractional numbers, so here a mismatch is described in words of
//! our own ([`described`]) and a number only goes to a type that asked for a
//! float as a float.
//!
//! The reading is written once, over any [`Parsed`] value: the browser's
//! `JsValue`, and (in the tests) serde_json's `Value`, against which it is
//! checked.

use serde::de::{self, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor};
use std::fmt;

/// A parsed JSON value, as far as reading it one level deep needs.
pub trait Parsed: Sized {
    fn shape(self) -> Shape<Self>;
    fn is_null(&self) -> bool;
}

/// What a [`Parsed`] value is.
pub enum Shape<P> {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<P>),
    Object(Vec<(String, P)>),
}

/// Why a value could not be read as the type asked for.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Self(format!("invalid type: {}, expected {expected}", described(&unexpected)))
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Self(format!("invalid value: {}, expected {expected}", described(&unexpected)))
    }
}

/// `unexpected` in words, as serde says it but for a float, which is not
/// formatted (that would bring the float formatting back).
fn described(unexpected: &Unexpected) -> String {
    match *unexpected {
        Unexpected::Bool(b) => format!("boolean `{b}`"),
        Unexpected::Unsigned(n) => format!("integer `{n}`"),
        Unexpected::Signed(n) => format!("integer `{n}`"),
        Unexpected::Float(_) => "a fractional number".into(),
        Unexpected::Char(c) => format!("character `{c}`"),
        Unexpected::Str(s) => format!("string \"{s}\""),
        Unexpected::Bytes(_) => "byte array".into(),
        Unexpected::Unit => "null".into(),
        Unexpected::Option => "Option value".into(),
        Unexpected::NewtypeStruct => "newtype struct".into(),
        Unexpected::Seq => "sequence".into(),
        Unexpected::Map => "map".into(),
        Unexpected::Enum => "enum".into(),
        Unexpected::UnitVariant => "unit variant".into(),
        Unexpected::NewtypeVariant => "newtype variant".into(),
        Unexpected::TupleVariant => "tuple variant".into(),
        Unexpected::StructVariant => "struct variant".into(),
        Unexpected::Other(other) => other.into(),
    }
}

/// Reads `value` as a `T`.
pub fn from_parsed<T: de::DeserializeOwned, P: Parsed>(value: P) -> Result<T, Error> {
    T::deserialize(Reader(value))
}

/// The largest integer a JSON number (a double) holds exactly.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// A whole number as the integer it is; any other number is refused, for no
/// type but a float's takes one (and those read it in `deserialize_f64`).
fn number<'de, V: Visitor<'de>>(n: f64, visitor: V) -> Result<V::Value, Error> {
    if n.trunc() != n || n.abs() > EXACT {
        return Err(Error(format!("a fractional or too large number, expected {}", &visitor as &dyn Expected)));
    }
    if n < 0.0 { visitor.visit_i64(n as i64) } else { visitor.visit_u64(n as u64) }
}

/// The serde deserializer of one [`Parsed`] value. Each method asks for the
/// kind of value its type reads and hands a visitor only that; anything else
/// is refused by the one [`mismatch`] (visiting every kind for every type, as
/// `deserialize_any` does, would make each type's code several times larger).
struct Reader<P>(P);

/// The methods that read one kind of value, each through `$reading`.
macro_rules! reading {
    ($($method:ident => $reading:ident,)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.$reading(visitor)
        })*
    };
}

impl<P: Parsed> Reader<P> {
    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Number(n) => number(n, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn text<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Text(s) => visitor.visit_string(s),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn list<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::List(items) => visitor.visit_seq(Items(items.into_iter())),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn object<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Object(entries) => visitor.visit_map(Entries { entries: entries.into_iter(), value: None }),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn null<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Null => visitor.visit_unit(),
            other => Err(mismatch(other, &visitor)),
        }
    }
}

/// A value of another kind than `expected`, refused as serde words it.
fn mismatch<P>(found: Shape<P>, expected: &dyn Expected) -> Error {
    let unexpected = match &found {
        Shape::Null => Unexpected::Unit,
        Shape::Bool(b) => Unexpected::Bool(*b),
        Shape::Number(n) if n.trunc() == *n && n.abs() <= EXACT => Unexpected::Signed(*n as i64),
        Shape::Number(n) => Unexpected::Float(*n),
        Shape::Text(s) => Unexpected::Str(s),
        Shape::List(_) => Unexpected::Seq,
        Shape::Object(_) => Unexpected::Map,
    };
    de::Error::invalid_type(unexpected, expected)
}

impl<'de, P: Parsed> de::Deserializer<'de> for Reader<P> {
    type Error = Error;

    /// What the value is says how it is read: for types that take more than
    /// one kind (untagged and internally tagged enums, flattened fields).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Null => visitor.visit_unit(),
            Shape::Bool(b) => visitor.visit_bool(b),
            Shape::Number(n) => number(n, visitor),
            Shape::Text(s) => visitor.visit_string(s),
            Shape::List(items) => visitor.visit_seq(Items(items.into_iter())),
            Shape::Object(entries) => visitor.visit_map(Entries { entries: entries.into_iter(), value: None }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Bool(b) => visitor.visit_bool(b),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Number(n) => visitor.visit_f64(n),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    reading! {
        deserialize_i8 => integer, deserialize_i16 => integer, deserialize_i32 => integer,
        deserialize_i64 => integer, deserialize_i128 => integer, deserialize_u8 => integer,
        deserialize_u16 => integer, deserialize_u32 => integer, deserialize_u64 => integer,
        deserialize_u128 => integer, deserialize_char => text, deserialize_str => text,
        deserialize_string => text, deserialize_identifier => text, deserialize_bytes => list,
        deserialize_byte_buf => list, deserialize_seq => list, deserialize_map => object,
        deserialize_unit => null,
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.null(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.list(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.list(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.object(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant is its name; any other is an object of one entry, its
    /// name and its content.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0.shape() {
            Shape::Text(name) => visitor.visit_enum(name.into_deserializer()),
            Shape::Object(entries) if entries.len() == 1 => {
                let (name, content) = entries.into_iter().next().expect("one entry");
                visitor.visit_enum(Variant { name, content })
            }
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// A list's items, read in order.
struct Items<P>(std::vec::IntoIter<P>);

impl<'de, P: Parsed> de::SeqAccess<'de> for Items<P> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Reader(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's entries, read in order: each key, then its value.
struct Entries<P> {
    entries: std::vec::IntoIter<(String, P)>,
    value: Option<P>,
}

impl<'de, P: Parsed> de::MapAccess<'de> for Entries<P> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| Error("a value read before its key".into()))?;
        seed.deserialize(Reader(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A variant with content: its name, and the content read as the variant's kind asks.
struct Variant<P> {
    name: String,
    content: P,
}

impl<'de, P: Parsed> de::EnumAccess<'de> for Variant<P> {
    type Error = Error;
    type Variant = Reader<P>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Reader<P>), Error> {
        let name = seed.deserialize(self.name.into_deserializer())?;
        Ok((name, Reader(self.content)))
    }
}

impl<'de, P: Parsed> de::VariantAccess<'de> for Reader<P> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

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

#[cfg(test)]
#[path = "parsed_tests.rs"]
mod tests;

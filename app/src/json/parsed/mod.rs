//! Reading a value `JSON.parse` made into a Rust type, with serde.
//!
//! serde-wasm-bindgen did this until it was found to keep Rust's float
//! formatting in the first download (~22 kB of the WASM, ~8 kB brotli): to
//! describe a value of the wrong type it hands serde's `Unexpected` to
//! serde's default message, whose display of a float formats it. The store
//! sends no fractional numbers, so here a mismatch is described in words of
//! our own (`error.rs`) and a number only goes to a type that asked for a
//! float as a float.
//!
//! The reading is written once, over any [`Parsed`] value: the browser's
//! `JsValue`, and (in the tests) serde_json's `Value`, against which it is
//! checked.

use serde::de::{self, Expected, IntoDeserializer, Visitor};

mod access;
mod error;
mod sources;

use access::{Entries, Items, Variant};
pub use error::Error;
use error::mismatch;

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

/// Reads `value` as a `T`.
pub fn from_parsed<T: de::DeserializeOwned, P: Parsed>(value: P) -> Result<T, Error> {
    T::deserialize(Reader(value))
}

/// `n` as the integer it is, if it is a whole number a JSON number (a
/// double) holds exactly.
fn exact_integer(n: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (n.trunc() == n && n.abs() <= EXACT).then_some(n as i64)
}

/// A whole number as the integer it is; any other number is refused, for no
/// type but a float's takes one (and those read it in `deserialize_f64`).
fn number<'de, V: Visitor<'de>>(n: f64, visitor: V) -> Result<V::Value, Error> {
    match exact_integer(n) {
        Some(i) if i < 0 => visitor.visit_i64(i),
        Some(i) => visitor.visit_u64(i as u64),
        None => Err(Error(format!("a fractional or too large number, expected {}", &visitor as &dyn Expected))),
    }
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

#[cfg(test)]
mod tests;

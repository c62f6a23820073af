//! Why a parsed value could not be read, in serde's words, but for a float,
//! which is never formatted (that would bring Rust's float formatting into
//! the WASM: see the module above).

use super::{Shape, exact_integer};
use serde::de::{self, Expected, Unexpected};
use std::fmt;

/// Why a value could not be read as the type asked for.
#[derive(Debug)]
pub struct Error(pub(super) String);

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

/// A value of another kind than `expected`, refused as serde words it.
pub(super) fn mismatch<P>(found: Shape<P>, expected: &dyn Expected) -> Error {
    let unexpected = match &found {
        Shape::Null => Unexpected::Unit,
        Shape::Bool(b) => Unexpected::Bool(*b),
        Shape::Number(n) => exact_integer(*n).map_or(Unexpected::Float(*n), Unexpected::Signed),
        Shape::Text(s) => Unexpected::Str(s),
        Shape::List(_) => Unexpected::Seq,
        Shape::Object(_) => Unexpected::Map,
    };
    de::Error::invalid_type(unexpected, expected)
}
